"""RFC 7807 problem documents for every error the API returns, and the domain exceptions behind them.

Services raise ``DomainError`` subclasses (``CameraNotFound``, ``CameraConflict``, ``InvalidInput``,
``DeviceUnavailable``...); they know nothing of HTTP responses. This module is the one place that maps
them, DRF's own exceptions and Django's 400/403/404/500 to problem documents::

    {"type": "/problems/camera-not-found", "code": "camera_not_found", "title": "Camera not found",
     "status": 404, "detail": "No camera 'x'. List cameras at /api/cameras.", "instance": "/api/cameras/x"}

``type`` is a URI reference to the kind's documentation page (served at ``/problems/<slug>``) and
``code`` its stable machine name, so a client branches on either and never parses ``detail``.
Validation errors (422) add ``errors: [{field, message}]``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from django import db
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"


@dataclass(frozen=True)
class ProblemType:
    """One kind of error: its page is ``/problems/<slug>``, its ``code`` the slug in snake case."""

    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug

    @property
    def code(self) -> str:
        return self.slug.replace("-", "_")


PROBLEM_TYPES: dict[str, ProblemType] = {}


def problem_type(slug: str, status: int, title: str, description: str) -> ProblemType:
    kind = ProblemType(slug, status, title, " ".join(description.split()))
    existing = PROBLEM_TYPES.get(slug)
    if existing is not None and existing != kind:
        raise ValueError(f"problem type {slug!r} is defined twice, differently")
    PROBLEM_TYPES[slug] = kind
    return kind


# Kinds the handler produces from framework exceptions (no domain exception behind them).
VALIDATION_ERROR = problem_type(
    "validation-error",
    422,
    "Request body is invalid",
    "The request body (or a path value) broke a rule. `errors` lists each offending field as "
    "`{field, message}`; nothing was stored. Fix the fields named and send the request again.",
)
INVALID_QUERY = problem_type(
    "invalid-query-parameter",
    422,
    "Query parameter is invalid",
    "A query parameter is unknown to this operation or its value is not accepted (a filter, "
    "`ordering`, `limit`, `offset`, `cursor`, `fields`). `errors` names each parameter and what it accepts.",
)
AUTHENTICATION_REQUIRED = problem_type(
    "authentication-required",
    401,
    "API key required",
    "Send an API key in the `X-API-Key` header (or the `api_key` query parameter). Keys are made in the "
    "admin or with `manage.py create_api_key`.",
)
INVALID_API_KEY = problem_type(
    "invalid-api-key",
    401,
    "API key is invalid",
    "The API key sent is unknown, revoked or expired. Too many invalid keys from one address are "
    "answered with `rate-limited` for a while.",
)
PERMISSION_DENIED = problem_type(
    "permission-denied", 403, "Permission denied", "The credentials are valid but do not allow this operation."
)
NOT_FOUND = problem_type(
    "not-found",
    404,
    "Not found",
    "No endpoint matches the path, or the resource it names does not exist (see `detail`).",
)
METHOD_NOT_ALLOWED = problem_type(
    "method-not-allowed",
    405,
    "Method not allowed",
    "The path exists but does not take this HTTP method; the `Allow` header lists the ones it takes.",
)
NOT_ACCEPTABLE = problem_type(
    "not-acceptable", 406, "Not acceptable", "No representation matches the `Accept` header: ask for JSON."
)
REQUEST_TOO_LARGE = problem_type(
    "request-too-large", 413, "Request too large", "The body exceeds the size or field-count limit named in `detail`."
)
UNSUPPORTED_MEDIA_TYPE = problem_type(
    "unsupported-media-type", 415, "Unsupported media type", "Send the body as `application/json`."
)
RATE_LIMITED = problem_type(
    "rate-limited",
    429,
    "Rate limit exceeded",
    "Too many requests (or too many invalid API keys) from this address. Wait the seconds in `Retry-After`.",
)
INTERNAL_ERROR = problem_type(
    "internal-error", 500, "Internal server error", "A bug: the error was logged. Retrying will not help."
)
DATABASE_UNAVAILABLE = problem_type(
    "database-unavailable",
    503,
    "Database unavailable",
    "The database is down or restarting. Retry after the seconds in `Retry-After`; nothing was changed.",
)
NOT_READY = problem_type(
    "not-ready",
    503,
    "Not ready",
    "`/ready`: a dependency (database, cache, broker, media root) is unavailable, or with `?strict=1` a "
    "background job is failed or overdue. `checks` and `jobs` say which.",
)


class DomainError(Exception):
    """An error a service reports in domain terms. A subclass names its problem kind with ``slug``,
    ``status``, ``title`` and ``description``, which registers it on the problem pages."""

    slug: ClassVar[str]
    status: ClassVar[int]
    title: ClassVar[str]
    description: ClassVar[str]
    default_detail: ClassVar[str] = "The request cannot be carried out."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any):
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        self.extra = extra
        super().__init__(self.detail)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "slug" in cls.__dict__:
            problem_type(cls.slug, cls.status, cls.title, cls.description)

    @classmethod
    def problem_kind(cls) -> ProblemType:
        return PROBLEM_TYPES[cls.slug]


class BadRequest(DomainError):
    """A 400 the contract names where no narrower kind applies."""

    slug = "bad-request"
    status = 400
    title = "Bad request"
    description = "The request cannot be carried out as sent; `detail` says why."
    default_detail = "Bad request."


class NotFoundError(DomainError):
    slug = "not-found"
    status = 404
    title = NOT_FOUND.title
    description = NOT_FOUND.description
    default_detail = "Not found."


class CameraNotFound(NotFoundError):
    slug = "camera-not-found"
    title = "Camera not found"
    description = (
        "No live camera has this id (a trashed camera is not found either: restore it first). "
        "List cameras at `/api/cameras`, the trash at `/api/cameras/deleted`."
    )

    def __init__(self, camera_id: str, detail: str | None = None):
        self.camera_id = camera_id
        super().__init__(detail or f"No camera {str(camera_id)[:100]!r}. List cameras at /api/cameras.")


class Conflict(DomainError):
    slug = "conflict"
    status = 409
    title = "Conflict"
    description = "The request conflicts with the current state of the resource; `detail` says how."
    default_detail = "The request conflicts with the current state of the resource."


class CameraConflict(Conflict):
    slug = "camera-conflict"
    title = "Camera already exists"
    description = (
        "Another camera, live or in the trash, already holds this `id`, `name` or `folder_path`. `detail` "
        "names it; if it is in the trash, restore it (`POST /api/cameras/{camera_id}/restore`) or purge it."
    )


class CameraNotDeleted(DomainError):
    slug = "camera-not-deleted"
    status = 400
    title = "Camera is not deleted"
    description = "Only a camera in the trash can be restored; this one is live."
    default_detail = "Camera is not deleted."


class InvalidInput(DomainError):
    """A 422 found by a service (not a serializer): ``InvalidInput({"field": ["message"]})``."""

    slug = VALIDATION_ERROR.slug
    status = 422
    title = VALIDATION_ERROR.title
    description = VALIDATION_ERROR.description

    def __init__(self, errors: dict | list | str, detail: str | None = None):
        self.errors = flatten_errors(errors)
        super().__init__(detail or validation_detail(self.errors))


class InvalidQueryParameter(InvalidInput):
    slug = INVALID_QUERY.slug
    title = INVALID_QUERY.title
    description = INVALID_QUERY.description

    def __init__(self, parameter: str | dict, message: str | None = None):
        super().__init__(parameter if message is None else {parameter: [message]})


class DeviceUnavailable(DomainError):
    slug = "device-unavailable"
    status = 503
    title = "Device unavailable"
    description = (
        "The camera (its ONVIF service or stream) did not answer, refused the credentials or answered "
        "something that is not ONVIF. Check that it is powered and reachable, then retry."
    )
    default_detail = "The device is unavailable."


class ServiceUnavailable(DomainError):
    slug = "service-unavailable"
    status = 503
    title = "Service unavailable"
    description = "A service this request needs (cache, broker, disk) is unavailable. Retry shortly."
    default_detail = "A service this request needs is unavailable."


# DRF exceptions that reach the handler, by class: their problem kind.
_DRF_KINDS: tuple[tuple[type[exceptions.APIException], ProblemType], ...] = (
    (exceptions.NotAuthenticated, AUTHENTICATION_REQUIRED),
    (exceptions.AuthenticationFailed, INVALID_API_KEY),
    (exceptions.PermissionDenied, PERMISSION_DENIED),
    (exceptions.NotFound, NOT_FOUND),
    (exceptions.MethodNotAllowed, METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, RATE_LIMITED),
)


# The kind of an error known only by its status (Django's handlers, a view's own problem response).
_GENERIC_BY_STATUS = {
    400: "bad-request",
    401: "authentication-required",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "request-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    500: "internal-error",
    503: "service-unavailable",
}


def kind_for_status(status_code: int) -> ProblemType:
    slug = _GENERIC_BY_STATUS.get(status_code, "bad-request" if status_code < 500 else "internal-error")
    return PROBLEM_TYPES[slug]


def problem(
    status_code: int, detail: str, *, instance: str = "", kind: ProblemType | None = None, **extra: Any
) -> dict:
    kind = kind or kind_for_status(status_code)
    body = {
        "type": kind.uri,
        "code": kind.code,
        "title": kind.title,
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    body.update(extra)
    return body


def problem_json_response(request, status_code: int, detail: str, headers=None, kind=None, **extra) -> JsonResponse:
    response = JsonResponse(
        problem(status_code, detail, instance=request.path, kind=kind, **extra),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem_response(request, status_code: int, detail: str, headers=None, kind=None, **extra) -> Response:
    """A DRF Response carrying a problem document (for views that answer an error themselves)."""
    return Response(
        problem(status_code, detail, instance=request.path, kind=kind, **extra),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


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


def validation_detail(errors: list[dict[str, str]]) -> str:
    return "Request validation failed: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])


def domain_error_response(request, exc: DomainError) -> Response:
    extra = dict(exc.extra)
    if isinstance(exc, InvalidInput):
        extra["errors"] = exc.errors
    return problem_response(
        request, exc.status, exc.detail, headers=exc.headers or None, kind=exc.problem_kind(), **extra
    )


def problem_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, DomainError):
        return domain_error_response(request, exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, (db.OperationalError, db.InterfaceError)):
        # The database is down or restarting: tell clients to come back, don't blame them (500).
        logger.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(
            request,
            503,
            "The database is unavailable. Retry shortly.",
            headers={"Retry-After": "5"},
            kind=DATABASE_UNAVAILABLE,
        )

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
        # A GET has no body: what failed validation there is a query parameter (a filter value).
        kind = INVALID_QUERY if request is not None and request.method in ("GET", "HEAD") else VALIDATION_ERROR
        body = problem(422, validation_detail(errors), instance=instance, kind=kind, errors=errors)
        response.status_code = 422
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        kind = next((k for cls, k in _DRF_KINDS if isinstance(exc, cls)), None)
        body = problem(response.status_code, str(detail), instance=instance, kind=kind)
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            response["Retry-After"] = str(int(exc.wait))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _wants_html(request) -> bool:
    return not request.path.startswith("/api/") and "text/html" in request.headers.get("Accept", "")


def handler404(request, exception=None):
    if _wants_html(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    return problem_json_response(
        request, 404, "No endpoint matches this path. The API's resources are listed at /api/."
    )


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
