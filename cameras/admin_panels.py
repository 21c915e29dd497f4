"""Panels other apps add to a camera's admin page, without ``cameras`` importing them.

    from cameras.admin_panels import register_camera_panel

    @register_camera_panel(title="Activity baseline", order=10)
    def activity_panel(camera, request) -> str:   # safe HTML (build it with format_html)
        ...

The camera change page renders every registered panel below the form, in ``order``.
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
