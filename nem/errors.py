"""RFC 7807 problem documents for every error the API returns.

``problem_exception_handler`` is DRF's exception handler: every APIException becomes
``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and ``instance``;
validation errors are 422 with ``errors: [{field, message}]``. Django-level 404/500 and the rate
limiter use the same shape (``handler404``, ``handler500``, ``ratelimited_view``).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django import db
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class BadRequest(exceptions.APIException):
    """A 400 the contract names explicitly (restore of a live camera, a PTZ command out of range)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."
    default_code = "bad_request"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request needs is unavailable."
    default_code = "service_unavailable"


class UnprocessableEntity(exceptions.ValidationError):
    """A 422 for one named field, raised outside a serializer (query parameters, path rules)."""

    def __init__(self, field: str, message: str):
        super().__init__({field: [message]})


def problem(status_code: int, detail: str, *, instance: str = "", **extra: Any) -> dict:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    body.update(extra)
    return body


def problem_json_response(request, status_code: int, detail: str, headers=None, **extra) -> JsonResponse:
    response = JsonResponse(
        problem(status_code, detail, instance=request.path, **extra),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def flatten_errors(data: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error dict/list -> ``[{"field": "detections.3.camera_id", "message": ...}]``.
    Errors that belong to no field (``non_field_errors``) carry their parent's name, or "body"."""
    if isinstance(data, dict):
        out: list[dict[str, str]] = []
        for key, value in data.items():
            name = prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else str(key))
            out += flatten_errors(value, name)
        return out
    if isinstance(data, list):
        out = []
        for index, item in enumerate(data):
            if isinstance(item, (dict, list)):
                out += flatten_errors(item, f"{prefix}.{index}" if prefix else str(index))
            else:
                out.append({"field": prefix or "body", "message": str(item)})
        return out
    return [{"field": prefix or "body", "message": str(data)}]


def problem_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, (db.OperationalError, db.InterfaceError)):
        # The database is down or restarting: tell clients to come back, don't blame them (500).
        logger.warning("database unavailable: %s", type(exc).__name__)
        response = problem_response(
            request, 503, "The database is unavailable. Retry shortly.", headers={"Retry-After": "5"}
        )
        return response

    if isinstance(exc, exceptions.ParseError):
        # Malformed request bodies are request-validation errors: 422, like any other bad body.
        exc = exceptions.ValidationError({"body": [str(exc.detail)]})

    if isinstance(exc, exceptions.NotAuthenticated):
        # The only credentials this API takes from clients are API keys: say how to send one.
        exc.detail = exceptions.ErrorDetail(
            "API key required. Provide it in the X-API-Key header or the api_key query parameter.",
            code="not_authenticated",
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: let Django's handler500 answer (a problem document too)

    instance = request.path if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = "Request validation failed: " + "; ".join(
            f"{e['field']}: {e['message']}" for e in errors[:5]
        )
        body = problem(422, detail, instance=instance, errors=errors)
        response.status_code = 422
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = problem(response.status_code, str(detail), instance=instance)
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            response["Retry-After"] = str(int(exc.wait))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(request, status_code: int, detail: str, headers=None, **extra) -> Response:
    """A DRF Response carrying a problem document (for views that answer an error themselves)."""
    return Response(
        problem(status_code, detail, instance=request.path, **extra),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def _wants_html(request) -> bool:
    return not request.path.startswith("/api/") and "text/html" in request.headers.get("Accept", "")


def handler404(request, exception=None):
    if _wants_html(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    return problem_json_response(request, 404, "No endpoint matches this path.")


def handler400(request, exception=None):
    """Django-level 400s (a SuspiciousOperation) as problem documents; a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields or files) is a 413."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return problem_json_response(
            request,
            413,
            f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes "
            f"and {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields are accepted.",
        )
    if _wants_html(request):
        from django.views.defaults import bad_request

        return bad_request(request, exception)
    return problem_json_response(request, 400, "Bad request.")


def handler403(request, exception=None):
    if _wants_html(request):
        from django.views.defaults import permission_denied

        return permission_denied(request, exception)
    return problem_json_response(request, 403, "You do not have permission to perform this action.")


def handler500(request):
    logger.error("unhandled error on %s %s", request.method, request.path)
    if _wants_html(request):
        from django.views.defaults import server_error

        return server_error(request)
    return problem_json_response(request, 500, "Internal server error. The error was logged.")


def ratelimited_view(request, exception=None):
    """django-ratelimit's RATELIMIT_VIEW: 429 problem with Retry-After (the window is a minute)."""
    return problem_json_response(
        request,
        429,
        "Rate limit exceeded. Try again later.",
        headers={"Retry-After": str(getattr(request, "ratelimit_retry_after", 60))},
    )
