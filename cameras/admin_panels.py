"""Panels other apps add to a camera's admin page, without ``cameras`` importing them.

    from cameras.admin_panels import register_camera_panel

    @register_camera_panel(title="Activity baseline", order=10)
    def activity_panel(camera, request) -> str:   # safe HTML (build it with format_html)
        ...

The camera change page renders every registered panel below the form, in ``order``.

The camera page shows when ``status`` last changed; an app that records status changes says so::

    @register_status_change_lookup
    def status_changed(camera) -> tuple[datetime, str] | None:   # (when, why), None if unknown
        ...

Columns of the camera list work the same way; ``select_related`` names the relations the column
reads, so the list stays one query::

    @register_camera_list_column(title="Health", order=10, select_related=("health",))
    def health_column(camera) -> str:   # safe HTML
        ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class CameraPanel:
    title: str
    order: int
    render: Callable[..., SafeString]


_panels: dict[str, CameraPanel] = {}


def register_camera_panel(*, title: str, order: int = 100):
    def decorator(func):
        _panels[f"{func.__module__}.{func.__qualname__}"] = CameraPanel(title=title, order=order, render=func)
        return func

    return decorator


def camera_panels() -> list[CameraPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.title))


@dataclass(frozen=True)
class CameraListColumn:
    name: str
    title: str
    order: int
    render: Callable[..., SafeString]
    select_related: tuple[str, ...]


_columns: dict[str, CameraListColumn] = {}


def register_camera_list_column(*, title: str, order: int = 100, select_related: tuple[str, ...] = ()):
    def decorator(func):
        name = f"{func.__module__}.{func.__qualname__}"
        _columns[name] = CameraListColumn(
            name=name, title=title, order=order, render=func, select_related=tuple(select_related)
        )
        return func

    return decorator


def camera_list_columns() -> list[CameraListColumn]:
    return sorted(_columns.values(), key=lambda c: (c.order, c.title))


_status_lookups: list[Callable[..., object]] = []


def register_status_change_lookup(func):
    _status_lookups.append(func)
    return func


def camera_status_changed_at(camera):
    """(when, why) of the camera's last ``status`` change, from the first lookup that knows, or None."""
    for lookup in _status_lookups:
        found = lookup(camera)
        if found is not None:
            return found
    return None
