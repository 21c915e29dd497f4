"""Request hygiene before any view runs."""

from __future__ import annotations

from nem.errors import INVALID_QUERY, problem_json_response
from nem.text import has_control_characters


class RejectControlCharactersMiddleware:
    """A path with control characters matches no resource (404); a query parameter with a NUL
    byte is invalid input (422 naming it). Both as problem documents, never a 500 from the
    database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request.path):
            return problem_json_response(request, 404, "No endpoint matches this path.")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                field = name.replace("\x00", "")
                return problem_json_response(
                    request,
                    422,
                    f"Request validation failed: {field}: NUL characters are not allowed",
                    kind=INVALID_QUERY,
                    errors=[{"field": field, "message": "NUL characters are not allowed"}],
                )
        return self.get_response(request)
