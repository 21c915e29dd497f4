"""Panels apps add to the admin index page, without ``nem`` importing them.

    from nem.admin_index import register_index_panel

    @register_index_panel(title="Storage", order=10)
    def storage_panel(request) -> str:   # safe HTML (build it with format_html)
        ...

``templates/admin/index.html`` renders every registered panel above the app list, in ``order``,
for staff only (the index is staff-only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class IndexPanel:
    title: str
    order: int
    render: Callable[..., SafeString]


_panels: dict[str, IndexPanel] = {}


def register_index_panel(*, title: str, order: int = 100):
    def decorator(func):
        _panels[f"{func.__module__}.{func.__qualname__}"] = IndexPanel(title=title, order=order, render=func)
        return func

    return decorator


def index_panels() -> list[IndexPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.title))
