"""OpenAPI pieces shared by every app.

- ``ProblemSerializer`` / ``ValidationProblemSerializer``: the problem document, and
  ``problem_responses(404, 422)`` to document errors with it under ``application/problem+json``;
- ``NemAutoSchema``: operation ids ``<resource>_<verb>`` (``cameras_list``, ``cameras_restore``)
  and, for a view that names no tags, the tag of its path's resource;
- ``document_examples``: a postprocessing hook that gives every error response an example problem
  document per kind of that status, and every parameter without one an example.
"""

from __future__ import annotations

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from nem.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, ProblemType, kind_for_status


class ProblemSerializer(serializers.Serializer):
    """An error, as an RFC 7807 problem document. Branch on `type` or `code`; `detail` is for people."""

    type = serializers.CharField(
        help_text="URI reference of the kind of error; its page (`GET` it) describes the kind. "
        "All kinds are listed at `/problems/`."
    )
    code = serializers.CharField(help_text="Stable machine name of the kind (the `type` slug in snake case).")
    title = serializers.CharField(help_text="Short summary of the kind; the same for every error of the kind.")
    status = serializers.IntegerField(help_text="The HTTP status code of the response.")
    detail = serializers.CharField(help_text="What went wrong with this request, for a person to read.")
    instance = serializers.CharField(help_text="The path of the request that failed.")


class FieldErrorSerializer(serializers.Serializer):
    """One field that broke a rule."""

    field = serializers.CharField(
        help_text="The field or query parameter, dotted for nested values (`detections.3.camera_id`); "
        "`body` for the body as a whole."
    )
    message = serializers.CharField(help_text="The rule it broke, and what is accepted.")


class ValidationProblemSerializer(ProblemSerializer):
    """A 422 problem document: which fields or query parameters broke which rule."""

    errors = FieldErrorSerializer(many=True, help_text="Each offending field with its message.")


_DESCRIPTIONS = {
    400: "Bad request (problem+json)",
    401: "API key missing or invalid (problem+json)",
    403: "Forbidden (problem+json)",
    404: "Not found (problem+json)",
    405: "Method not allowed (problem+json)",
    406: "Not acceptable: ask for JSON (problem+json)",
    409: "Conflict (problem+json)",
    413: "Request body too large (problem+json)",
    415: "Unsupported media type: send JSON (problem+json)",
    422: "Validation error (problem+json with `errors`)",
    429: "Rate limit exceeded (problem+json, `Retry-After`)",
    500: "Internal server error (problem+json)",
    503: "A device or service is unavailable (problem+json)",
}

PROBLEM_RESPONSES = {code: (ValidationProblemSerializer if code == 422 else ProblemSerializer) for code in _DESCRIPTIONS}
PROBLEM_MEDIA_TYPE = PROBLEM_CONTENT_TYPE


def problem_responses(*codes: int, **descriptions: str) -> dict[tuple[int, str], OpenApiResponse]:
    """``@extend_schema(responses={200: ..., **problem_responses(404, 422)})``: each error as the
    problem document it is, under ``application/problem+json``. A keyword ``e400="..."`` overrides
    the description of one code. Examples are added for every kind of each status by
    ``document_examples``."""
    return {
        (code, PROBLEM_MEDIA_TYPE): OpenApiResponse(
            PROBLEM_RESPONSES[code], description=descriptions.get(f"e{code}", _DESCRIPTIONS[code])
        )
        for code in codes
    }


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "nem.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}


class ApiRootViewSchema(OpenApiViewExtension):
    target_class = "nem.api.ApiRootView"

    def view_replacement(self):
        from nem.api import ApiRootSerializer

        return extend_schema_view(
            get=extend_schema(
                operation_id="root_retrieve",
                tags=["API"],
                summary="List the API's resources",
                description="The paths of the API's resources, by name: where a client starts. Needs no API "
                "key. The error kinds are at `/problems/`, the schema at `/api/schema/`.",
                responses={200: OpenApiResponse(ApiRootSerializer, description="The resources, by name.")},
                examples=[
                    OpenApiExample(
                        "Resources", value={"resources": self.target_class.RESOURCES}, response_only=True
                    )
                ],
            )
        )(self.target_class)


# --- operation ids and tags -------------------------------------------------------------------

# Path segment -> tag, for views that name no tags; the segment nearest the end of the path wins.
TAG_BY_SEGMENT = {
    "cameras": "Cameras",
    "deleted": "Trash",
    "restore": "Trash",
    "snapshot": "Media",
    "validation": "Media",
    "health": "Health",
    "ready": "Health",
    "baseline": "Baselines",
    "detections": "Detections",
    "events": "Events",
    "scene-changes": "Scene changes",
    "onvif": "ONVIF",
    "storage": "Storage",
    "storage-policy": "Storage",
    "alerts": "Alerts",
    "alert-endpoints": "Alert endpoints",
    "alert-deliveries": "Alert deliveries",
}
# Path segment -> the word it stands for in an operation id.
ID_WORD_BY_SEGMENT = {"deleted": "trash"}
STANDARD_ACTIONS = {"list", "retrieve", "create", "update", "partial_update", "destroy"}
VERB_BY_METHOD = {"get": "retrieve", "post": "create", "put": "update", "patch": "partial_update", "delete": "destroy"}


class NemAutoSchema(AutoSchema):
    """Operation ids ``<resource>_<verb>`` without the ``/api`` prefix, and a tag per resource."""

    def path_segments(self) -> list[str]:
        """The literal segments of the path after the schema's path prefix (no parameters)."""
        path = re.sub(self.path_prefix, "", self.path, count=1, flags=re.IGNORECASE) if self.path_prefix else self.path
        return [s for s in path.strip("/").split("/") if s and not s.startswith("{")]

    def ends_in_parameter(self) -> bool:
        return self.path.rstrip("/").endswith("}")

    def is_list_operation(self) -> bool:
        if self.method != "GET":
            return False
        action = getattr(self.view, "action", None)
        if action == "list":
            return True
        if action not in STANDARD_ACTIONS and action is not None and getattr(self.view, "detail", None) is False:
            return True  # a collection action: cameras/deleted
        return is_list_serializer(self.get_response_serializers())

    def get_operation_id(self) -> str:
        words = [ID_WORD_BY_SEGMENT.get(s, s).replace("-", "_") for s in self.path_segments()] or ["root"]
        method = self.method.lower()
        action = getattr(self.view, "action", None)
        if method == "get":
            verb = "list" if self.is_list_operation() else "retrieve"
        elif method == "post" and action not in STANDARD_ACTIONS and not self.ends_in_parameter() and len(words) > 1:
            verb = ""  # an action named by its path: cameras/{camera_id}/restore -> cameras_restore
        elif action in STANDARD_ACTIONS:
            verb = action
        else:
            verb = VERB_BY_METHOD[method]
        return "_".join([*words, verb] if verb else words)

    def get_tags(self) -> list[str]:
        for segment in reversed(self.path_segments()):
            if segment in TAG_BY_SEGMENT:
                return [TAG_BY_SEGMENT[segment]]
        return ["API"]


# --- examples ---------------------------------------------------------------------------------

# Parameter name -> example, for parameters a view documents without one.
PARAMETER_EXAMPLES = {
    "camera_id": "front_door",
    "id": 1,
    "scene_change_id": 1,
    "preset_token": "1",
    "limit": 100,
    "offset": 0,
    "cursor": "eyJvIjpbIi1kZXRlY3RlZF9hdCIsIi1wayJdLCJ2IjpbIjIwMjYtMDEtMTVUMDg6MDA6MDBaIiw0Ml19",
    "ordering": "-created_at",
    "start_date": "2026-01-15T00:00:00Z",
    "end_date": "2026-01-16T00:00:00Z",
    "since": "2026-01-15T00:00:00Z",
    "until": "2026-01-16T00:00:00Z",
    "date": "2026-01-15",
    "days": 7,
    "hours": 24,
    "object_type": "person",
    "min_confidence": 0.5,
    "status": "online",
    "fields": "id,name,status",
    "search": "front",
    "strict": True,
    "api_key": "nem_k3y5ecret...",
    "format": "json",
    "Idempotency-Key": "0b8e2a6c-5f0d-4c57-9a53-1f3c1d2e4b6a",
}
EXAMPLE_DATE_TIME = "2026-01-15T08:00:00Z"

# A sample `detail` for kinds whose description reads badly as one.
SAMPLE_DETAILS = {
    "camera-not-found": "No camera 'front_door'. List cameras at /api/cameras.",
    "not-found": "Not found.",
    "validation-error": "Request validation failed: name: This field may not be blank.",
    "invalid-query-parameter": "Request validation failed: limit: must be between 1 and 1000",
    "authentication-required": "API key required. Provide it in the X-API-Key header or the api_key query parameter.",
    "invalid-api-key": "Invalid API key",
    "method-not-allowed": 'Method "PUT" not allowed.',
    "rate-limited": "Too many failed API key attempts from this address. Try again later. "
    "Expected available in 300 seconds.",
    "internal-error": "Internal server error. The error was logged.",
    "database-unavailable": "The database is unavailable. Retry shortly.",
    "request-too-large": "The request body is too large: at most 2621440 bytes and 1000 fields are accepted.",
    "unsupported-media-type": 'Unsupported media type "text/plain" in request.',
}
SAMPLE_ERRORS = {
    "validation-error": [{"field": "name", "message": "This field may not be blank."}],
    "invalid-query-parameter": [{"field": "limit", "message": "must be between 1 and 1000"}],
}


def sample_detail(kind: ProblemType) -> str:
    if kind.slug in SAMPLE_DETAILS:
        return SAMPLE_DETAILS[kind.slug]
    first_sentence = re.split(r"(?<=\.)\s", kind.description, maxsplit=1)[0]
    return first_sentence.replace("`", "")


# Kinds any operation may answer (the foundation's generic ones); other kinds belong to a resource.
GENERIC_KINDS = {
    "bad-request", "not-found", "conflict", "invalid-query-parameter", "authentication-required",
    "invalid-api-key", "permission-denied", "method-not-allowed", "not-acceptable", "request-too-large",
    "unsupported-media-type", "rate-limited", "internal-error", "database-unavailable", "service-unavailable",
}
# Kinds whose first word is not the path segment they belong to: slug prefix -> segment.
SEGMENT_OF_PREFIX = {"device-": "onvif", "onvif-": "onvif", "invalid-ptz-": "ptz", "invalid-preset-": "presets"}


def kind_applies(kind: ProblemType, path: str, method: str, operation: dict) -> bool:
    segments = [s for s in path.strip("/").split("/") if s and not s.startswith("{")]
    slug = kind.slug
    if slug == "validation-error":  # on a GET a refused value is a query parameter's
        return "requestBody" in operation or ("{" in path and method != "get")
    if slug == "not-ready":
        return path == "/ready"
    if slug in ("camera-not-found", "device-unavailable"):
        return "{camera_id}" in path or (slug == "device-unavailable" and "onvif" in segments)
    if slug == "camera-conflict":
        return segments[-1:] == ["cameras"]
    if slug == "camera-not-deleted":
        return segments[-1:] == ["restore"]
    if slug in GENERIC_KINDS:
        return True
    for prefix, segment in SEGMENT_OF_PREFIX.items():
        if slug.startswith(prefix):
            return segment in segments
    # The longest resource the slug starts with: alert-endpoint-not-found -> alert-endpoints.
    words = slug.split("-")
    for n in range(len(words), 0, -1):
        stem = "-".join(words[:n])
        resource = next((r for r in (stem, stem + "s") if r in TAG_BY_SEGMENT), None)
        if resource is not None:
            return resource in segments
    return True


def kinds_for(status: str, path: str, method: str, operation: dict) -> list[ProblemType]:
    """The problem kinds an operation may answer with this status: a resource's kinds only on its
    paths, body validation only with a body, readiness only on /ready."""
    matching = [k for k in PROBLEM_TYPES.values() if str(k.status) == status]
    kinds = sorted((k for k in matching if kind_applies(k, path, method, operation)), key=lambda k: k.slug)
    if not kinds and status.isdigit() and int(status) in _DESCRIPTIONS:
        generic = kind_for_status(int(status))
        kinds = [generic] if str(generic.status) == status else []
    return kinds


def example_path(path: str) -> str:
    def value(match: re.Match) -> str:
        return str(PARAMETER_EXAMPLES.get(match.group(1), "1"))

    return re.sub(r"\{([\w-]+)\}", value, path)


def problem_examples(status: str, path: str, method: str, operation: dict) -> dict:
    examples = {}
    for kind in kinds_for(status, path, method, operation):
        value = {
            "type": kind.uri,
            "code": kind.code,
            "title": kind.title,
            "status": kind.status,
            "detail": sample_detail(kind),
            "instance": example_path(path),
        }
        if kind.status == 422:
            value["errors"] = SAMPLE_ERRORS.get(kind.slug, [{"field": "body", "message": sample_detail(kind)}])
        examples[kind.slug] = {"summary": kind.title, "value": value}
    return examples


def parameter_example(parameter: dict):
    schema = parameter.get("schema", {})
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v not in (None, "")), schema["enum"][0])
    kind, fmt = schema.get("type"), schema.get("format")
    name = parameter.get("name", "")
    if name in PARAMETER_EXAMPLES:
        example = PARAMETER_EXAMPLES[name]
        return str(example).lower() if kind == "string" and isinstance(example, bool) else (
            str(example) if kind == "string" else example
        )
    if kind == "string" and fmt == "date-time":
        return EXAMPLE_DATE_TIME
    if kind == "string" and fmt == "date":
        return EXAMPLE_DATE_TIME[:10]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "array" and "enum" in schema.get("items", {}):
        return schema["items"]["enum"][:1]
    return None


def document_examples(result, generator, request, public):
    """Postprocessing hook: an example problem document for each kind an error response may carry,
    and an example for every parameter that has none."""
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or method not in VERB_BY_METHOD:
                continue
            for parameter in operation.get("parameters", []):
                if "example" in parameter or "examples" in parameter or "example" in parameter.get("schema", {}):
                    continue
                example = parameter_example(parameter)
                if example is not None:
                    parameter["example"] = example
            for status, response in operation.get("responses", {}).items():
                if not status.isdigit() or int(status) < 400:
                    continue
                content = response.get("content", {}).get(PROBLEM_CONTENT_TYPE)
                if content is None or "example" in content or "examples" in content:
                    continue
                examples = problem_examples(status, path, method, operation)
                if examples:
                    content["examples"] = examples
    return result
