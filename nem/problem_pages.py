"""``/problems/`` and ``/problems/<slug>``: the page each problem document's ``type`` points at.

JSON for API clients, HTML for a browser; public, like the schema, because a client reads them
while it is failing to authenticate.
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404, JsonResponse
from django.shortcuts import render

from nem.errors import METHOD_NOT_ALLOWED, PROBLEM_TYPES, ProblemType, problem_json_response

SAFE_METHODS = ("GET", "HEAD")


def require_safe(view):
    """GET and HEAD only; any other method is a 405 problem document (Django's own answer is an
    empty text/html page)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            return problem_json_response(
                request,
                405,
                f'Method "{request.method[:20]}" not allowed.',
                headers={"Allow": ", ".join(SAFE_METHODS)},
                kind=METHOD_NOT_ALLOWED,
            )
        return view(request, *args, **kwargs)

    return wrapper


def _as_json(kind: ProblemType) -> dict:
    return {
        "type": kind.uri,
        "code": kind.code,
        "title": kind.title,
        "status": kind.status,
        "description": kind.description,
    }


def _wants_html(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "application/json" not in accept


@require_safe
def problem_index(request):
    kinds = sorted(PROBLEM_TYPES.values(), key=lambda k: (k.status, k.slug))
    if _wants_html(request):
        return render(request, "problems/index.html", {"kinds": kinds})
    return JsonResponse({"items": [_as_json(k) for k in kinds]})


@require_safe
def problem_detail(request, slug: str):
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        raise Http404("No such problem type.")
    if _wants_html(request):
        return render(request, "problems/index.html", {"kinds": [kind], "single": True})
    return JsonResponse(_as_json(kind))


def problem_table_markdown() -> str:
    """The Markdown table of every problem kind (status, code, title, type), as docs/api-guide.md
    carries it between its ``problem-types`` markers; a test keeps the two equal."""
    import nem.urls  # noqa: F401 - the URLconf imports every app, whose kinds register themselves

    lines = ["| Status | `code` | Title | `type` |", "|---|---|---|---|"]
    for kind in sorted(PROBLEM_TYPES.values(), key=lambda k: (k.status, k.slug)):
        lines.append(f"| {kind.status} | `{kind.code}` | {kind.title} | `{kind.uri}` |")
    return "\n".join(lines)
