"""Builders of the OpenAPI examples and parameters every app's schema module uses: problem documents, 200
answers, list pages and the camera path parameter. One copy here so the published examples agree everywhere."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from nem.errors import INVALID_QUERY, VALIDATION_ERROR, CameraNotFound, ProblemType, problem

CAMERA_ID_DESCRIPTION = "The camera's id (see `GET /api/cameras`)."


def problem_example(
    name: str, kind: ProblemType, detail: str, instance: str, errors: list[dict] | None = None
) -> OpenApiExample:
    """A problem document of `kind` as a response example (status code and media type from the kind)."""
    extra = {"errors": errors} if errors is not None else {}
    return OpenApiExample(
        name,
        value=problem(kind.status, detail, instance=instance, kind=kind, **extra),
        response_only=True,
        status_codes=[str(kind.status)],
        media_type="application/problem+json",
    )


def field_problem(name: str, kind: ProblemType, field: str, message: str, instance: str) -> OpenApiExample:
    """A 422 of `kind` about one field, worded as the exception handler words it."""
    errors = [{"field": field, "message": message}]
    return problem_example(name, kind, f"Request validation failed: {field}: {message}", instance, errors)


def invalid_query(name: str, field: str, message: str, instance: str) -> OpenApiExample:
    """A 422 invalid-query-parameter about one query parameter."""
    return field_problem(name, INVALID_QUERY, field, message, instance)


def invalid_body(instance: str, field: str, message: str, name: str = "Invalid body") -> OpenApiExample:
    """A 422 validation-error about one body field."""
    return field_problem(name, VALIDATION_ERROR, field, message, instance)


def unknown_parameter(instance: str, accepted: str = "none", parameter: str = "camera") -> OpenApiExample:
    """The 422 for a query parameter the operation does not take; `accepted` lists the ones it does."""
    message = f"is not a parameter of this operation; it accepts: {accepted}"
    return invalid_query("Unknown query parameter", parameter, message, instance)


def camera_not_found(instance: str, camera_id: str = "nope") -> OpenApiExample:
    """The 404 for a camera id that names no live camera."""
    detail = f"No camera '{camera_id}'. List cameras at /api/cameras."
    return problem_example("Unknown camera", CameraNotFound.problem_kind(), detail, instance)


def ok(name: str, value, status: str = "200") -> OpenApiExample:
    """A successful answer as a response example."""
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])


def page(items: list[dict], total: int | None = None, next_cursor: str | None = None) -> dict:
    """A `{items, pagination}` page as DefaultPagination answers it: the last page of a default-size request,
    or, with `next_cursor`, a full page of `len(items)` with more after it."""
    return {
        "items": items,
        "pagination": {
            "total": len(items) if total is None else total,
            "limit": 1000 if next_cursor is None else len(items),
            "offset": 0,
            "next_cursor": next_cursor,
            "has_more": next_cursor is not None,
        },
    }


def query_param(name: str, kind, description: str, example_name: str, example, **kwargs) -> OpenApiParameter:
    """A query parameter with its description and one example."""
    examples = [OpenApiExample(example_name, value=example)]
    return OpenApiParameter(name, kind, description=description, examples=examples, **kwargs)


def path_param(name: str, kind, description: str, example_name: str, example) -> OpenApiParameter:
    """A path parameter with its description and one example."""
    return query_param(name, kind, description, example_name, example, location=OpenApiParameter.PATH)


def camera_id_param(
    description: str = CAMERA_ID_DESCRIPTION, example_name: str = "Front door", example: str = "front_door"
) -> OpenApiParameter:
    """The `camera_id` path parameter; an app adds what its operations require of the camera."""
    return path_param("camera_id", OpenApiTypes.STR, description, example_name, example)


CAMERA_ID_PARAM = camera_id_param()
