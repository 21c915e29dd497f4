"""OpenAPI pieces shared by every app: the problem document and per-status error responses."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class ValidationProblemSerializer(ProblemSerializer):
    errors = FieldErrorSerializer(many=True)


_DESCRIPTIONS = {
    400: "Bad request (problem+json)",
    401: "API key missing or invalid (problem+json)",
    403: "Forbidden (problem+json)",
    404: "Not found (problem+json)",
    409: "Conflict (problem+json)",
    422: "Validation error (problem+json with `errors`)",
    429: "Rate limit exceeded (problem+json, `Retry-After`)",
    503: "A device or service is unavailable (problem+json)",
}

PROBLEM_RESPONSES = {code: (ValidationProblemSerializer if code == 422 else ProblemSerializer) for code in _DESCRIPTIONS}
PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_responses(*codes: int, **descriptions: str) -> dict[tuple[int, str], OpenApiResponse]:
    """``@extend_schema(responses={200: ..., **problem_responses(404, 422)})``: each error as the
    problem document it is, under ``application/problem+json``. A keyword ``e400="..."`` overrides
    the description of one code."""
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
