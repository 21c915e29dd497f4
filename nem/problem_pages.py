"""``/problems/`` and ``/problems/<slug>``: the page each problem document's ``type`` points at.

JSON for API clients, HTML for a browser; public, like the schema, because a client reads them
while it is failing to authenticate.
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from nem.errors import PROBLEM_TYPES, ProblemType


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
