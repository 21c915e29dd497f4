"""Walk Django's URL resolver: every route the project serves, with a concrete URL for each.

The security, traversal and secret tests are driven by this walk, not by a hand-kept list, so an
endpoint added by any app is checked the day it is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its joined route text, its name, namespace, view and HTTP methods."""

    route: str  # joined pattern text, e.g. "api/^cameras/(?P<pk>[^/]+)$"
    name: str | None
    namespace: str | None
    view_class: type | None
    methods: tuple[str, ...]
    params: dict[str, str] = field(default_factory=dict)  # parameter name -> kind ("int" or "str")

    @property
    def label(self) -> str:
        return f"{self.namespace + ':' if self.namespace else ''}{self.name or self.route}"

    def url(self, values: dict[str, str] | None = None, default: str = "front_door") -> str:
        """A concrete path: each parameter replaced by ``values[name]``, else by a value of its kind."""
        values = values or {}

        def pick(name: str) -> str:
            if name in values:
                return values[name]
            return "1" if self.params.get(name) == "int" else default

        return "/" + _substitute(self.route, pick)


def _regex_groups(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of each top-level ``(?P<name>...)`` group, honouring nested parentheses."""
    out = []
    i = 0
    while True:
        start = text.find("(?P<", i)
        if start < 0:
            return out
        name_end = text.index(">", start)
        depth, j, escaped, in_class = 0, start, False, False
        while j < len(text):
            ch = text[j]
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif in_class:
                in_class = ch != "]"
            elif ch == "[":
                in_class = True
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        out.append((start, j + 1, text[start + 4 : name_end]))
        i = j + 1


def _params(route: str) -> dict[str, str]:
    params = {}
    for start, end, name in reversed(_regex_groups(route)):
        group = route[start:end]
        params[name] = "int" if re.search(r"\\d|\[0-9\]", group) else "str"
        route = route[:start] + route[end:]
    params.update({m.group("name"): ("int" if m.group("conv") == "int" else "str") for m in _CONVERTER.finditer(route)})
    return params


def _substitute(route: str, pick) -> str:
    text = route
    for start, end, name in reversed(_regex_groups(text)):  # first, or <name> inside (?P<name>) reads as a converter
        text = text[:start] + pick(name) + text[end:]
    text = _CONVERTER.sub(lambda m: pick(m.group("name")), text)
    return text.replace("^", "").replace("$", "").replace("\\", "")


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route: exactly the methods its router bound
        return tuple(m for m in _METHODS if m in actions)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        allowed = [m for m in _METHODS if hasattr(cls, m)]
        names = getattr(cls, "http_method_names", None)
        if names is not None:
            allowed = [m for m in allowed if m in names]
        return tuple(allowed) or ("get",)
    return ("get", "post")  # a plain function view: try both


def walk_routes(patterns=None, prefix: str = "", namespace: str | None = None) -> list[Route]:
    if patterns is None:
        patterns = get_resolver().url_patterns
    out: list[Route] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out.extend(walk_routes(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace))
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            cb = p.callback
            out.append(
                Route(
                    route=route,
                    name=p.name,
                    namespace=namespace,
                    view_class=getattr(cb, "cls", None) or getattr(cb, "view_class", None),
                    methods=_methods(cb),
                    params=_params(route),
                )
            )
    return out


def api_routes() -> list[Route]:
    """Every route outside the admin."""
    return [r for r in walk_routes() if r.namespace != "admin"]
