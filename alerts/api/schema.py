"""The published OpenAPI description of the alert operations: texts, parameters and examples.
The views only name the schema each operation uses."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view

from alerts.api.serializers import (
    AlertEndpointCreatedSerializer,
    AlertEndpointSerializer,
    AlertEndpointWriteSerializer,
    AlertSerializer,
    DeliverySerializer,
)
from alerts.exceptions import AlertEndpointNotFound, AlertNotFound
from alerts.models import AlertKind, AlertState, Channel, DeliveryState
from nem.errors import VALIDATION_ERROR
from nem.schema import problem_responses
from nem.schema_examples import field_problem, invalid_query, ok, page, path_param, problem_example, query_param

ALERTS_TAG = "Alerts"
ENDPOINTS_TAG = "Alert endpoints"
DELIVERIES_TAG = "Alert deliveries"

ALERT_ORDERING = ["opened_at", "updated_at", "severity"]
ENDPOINT_ORDERING = ["created_at", "name"]
DELIVERY_ORDERING = ["created_at", "next_attempt_at", "attempts"]

ALERT_EXAMPLE = {
    "id": 7,
    "camera_id": "front_door",
    "kind": "camera_offline",
    "severity": "critical",
    "state": "resolved",
    "reason": "back online after 42 min",
    "version": 2,
    "opened_at": "2026-01-23T12:00:00Z",
    "updated_at": "2026-01-23T12:42:00Z",
    "resolved_at": "2026-01-23T12:42:00Z",
    "acknowledged_at": None,
    "acknowledged_by": "",
    "scene_change_id": None,
    "anomaly_id": None,
    "evidence_path": "",
    "hold": False,
    "details": {"previous": "online", "status": "offline"},
}
ENDPOINT_EXAMPLE = {
    "id": 3,
    "name": "home-assistant",
    "kind": "webhook",
    "target": "https://ha.example.org",
    "enabled": True,
    "kinds": ["tamper", "camera_offline"],
    "camera_ids": [],
    "min_severity": "warning",
    "cooldown_seconds": 0,
    "quiet_hours_start": None,
    "quiet_hours_end": None,
    "created_at": "2026-01-23T09:00:00Z",
}
DELIVERY_EXAMPLE = {
    "id": 41,
    "alert_id": 7,
    "version": 2,
    "event": "end",
    "channel": "webhook",
    "endpoint_id": 3,
    "message_id": "alert_7_v2",
    "state": "delivered",
    "attempts": 1,
    "created_at": "2026-01-23T12:42:00Z",
    "next_attempt_at": "2026-01-23T12:42:00Z",
    "expires_at": "2026-01-24T12:42:00Z",
    "delivered_at": "2026-01-23T12:42:01Z",
    "last_attempt_at": "2026-01-23T12:42:01Z",
    "last_status_code": 204,
    "last_error": "",
    "latency_ms": 38.5,
}


def id_param(name: str, what: str, example: int) -> OpenApiParameter:
    return path_param("id", OpenApiTypes.INT, f"The {what}'s `id`.", name, example)


ALERT_FILTERS = [
    query_param("camera_id", OpenApiTypes.STR, "Only this live camera's alerts.", "Front door", "front_door"),
    query_param(
        "kind",
        OpenApiTypes.STR,
        "Only alerts of this kind: tamper, anomaly, camera_offline, camera_error, frozen, blinded, silent, storage "
        "or test.",
        "Tamper",
        "tamper",
        enum=AlertKind.values,
    ),
    query_param(
        "state",
        OpenApiTypes.STR,
        "Only alerts in this state: open, updated or resolved.",
        "Open",
        "open",
        enum=AlertState.values,
    ),
    query_param(
        "since",
        OpenApiTypes.DATETIME,
        "Only alerts opened at or after this ISO 8601 instant (any offset, read as UTC).",
        "Since noon",
        "2026-01-23T12:00:00Z",
    ),
]
DELIVERY_FILTERS = [
    query_param("alert_id", OpenApiTypes.INT, "Only deliveries of this alert.", "Alert 7", 7),
    query_param("endpoint_id", OpenApiTypes.INT, "Only deliveries to this endpoint.", "Endpoint 3", 3),
    query_param(
        "channel",
        OpenApiTypes.STR,
        "Only this channel's: mqtt, webhook or apprise.",
        "Webhooks",
        "webhook",
        enum=Channel.values,
    ),
    query_param(
        "state",
        OpenApiTypes.STR,
        "Only deliveries in this state: pending, delivered or dead.",
        "Dead",
        "dead",
        enum=DeliveryState.values,
    ),
]

ALERT_ID = id_param("Alert 7", "alert", 7)
ENDPOINT_ID = id_param("Endpoint 3", "alert endpoint", 3)
ALERT_NOT_FOUND = problem_example(
    "Unknown alert", AlertNotFound.problem_kind(), "No alert '999'. List alerts at /api/alerts.", "/api/alerts/999"
)
ENDPOINT_NOT_FOUND = problem_example(
    "Unknown endpoint",
    AlertEndpointNotFound.problem_kind(),
    "No alert endpoint '999'. List endpoints at /api/alert-endpoints.",
    "/api/alert-endpoints/999",
)

ALERTS = extend_schema_view(
    list=extend_schema(
        tags=[ALERTS_TAG],
        summary="List alerts",
        description=(
            "One alert per incident (a tamper episode, an anomaly, a camera offline until it recovers), newest "
            "first by `opened_at` unless `ordering` says otherwise. Filters: `camera_id` (a live camera), `kind`, "
            "`state` (open, updated, resolved), `since` (opened at or after, ISO 8601). Page with `limit` and "
            "`offset`, or with `cursor` (the previous page's `pagination.next_cursor`, valid for the same "
            "`ordering`). An unknown query parameter or an unaccepted value is a 422 saying what is accepted."
        ),
        parameters=ALERT_FILTERS,
        responses={200: AlertSerializer(many=True), **problem_responses(401, 422)},
        examples=[
            ok("A page", page([ALERT_EXAMPLE])),
            invalid_query(
                "Unknown camera", "camera_id", "no camera 'nope'; list cameras at /api/cameras", "/api/alerts"
            ),
            invalid_query(
                "Unknown ordering",
                "ordering",
                "accepts a comma-separated list of opened_at, updated_at, severity, each at most once, with '-' "
                "for descending (e.g. -opened_at)",
                "/api/alerts",
            ),
        ],
    ),
    retrieve=extend_schema(
        tags=[ALERTS_TAG],
        summary="Get an alert",
        description="The alert as it stands now (its latest version). An alert of a trashed camera is not found.",
        parameters=[ALERT_ID],
        responses={200: AlertSerializer, **problem_responses(401, 404)},
        examples=[
            OpenApiExample("Resolved", value=ALERT_EXAMPLE, response_only=True, status_codes=["200"]),
            ALERT_NOT_FOUND,
        ],
    ),
    acknowledge=extend_schema(
        tags=[ALERTS_TAG],
        summary="Acknowledge an alert",
        description=(
            "Idempotent. A tamper alert acknowledges its scene change too (and the scene change's own "
            "acknowledgement resolves the alert); an anomaly alert is resolved; an offline or error alert is "
            "marked acknowledged and resolves when the camera recovers. No body."
        ),
        parameters=[ALERT_ID],
        request=None,
        responses={200: AlertSerializer, **problem_responses(401, 404)},
        examples=[
            OpenApiExample(
                "Acknowledged",
                value={
                    **ALERT_EXAMPLE,
                    "acknowledged_at": "2026-01-23T12:50:00Z",
                    "acknowledged_by": "dashboard",
                },
                response_only=True,
                status_codes=["200"],
            ),
            ALERT_NOT_FOUND,
        ],
    ),
)

ENDPOINT_BODY = {
    "name": "home-assistant",
    "kind": "webhook",
    "url": "https://ha.example.org/api/webhook/nem",
    "kinds": ["tamper", "camera_offline"],
    "min_severity": "warning",
}
BAD_ENDPOINT = field_problem(
    "Invalid body",
    VALIDATION_ERROR,
    "url",
    "loopback addresses are refused",
    "/api/alert-endpoints",
)

ENDPOINTS = extend_schema_view(
    list=extend_schema(
        tags=[ENDPOINTS_TAG],
        summary="List alert endpoints",
        description=(
            "Every endpoint, oldest first unless `ordering` says otherwise. URLs and secrets never appear: "
            "`target` is the URL's scheme and host."
        ),
        responses={200: AlertEndpointSerializer(many=True), **problem_responses(401, 422)},
        examples=[ok("A page", page([ENDPOINT_EXAMPLE]))],
    ),
    retrieve=extend_schema(
        tags=[ENDPOINTS_TAG],
        summary="Get an alert endpoint",
        description="The endpoint's settings; its URL and secret never appear.",
        parameters=[ENDPOINT_ID],
        responses={200: AlertEndpointSerializer, **problem_responses(401, 404)},
        examples=[
            OpenApiExample("Webhook", value=ENDPOINT_EXAMPLE, response_only=True, status_codes=["200"]),
            ENDPOINT_NOT_FOUND,
        ],
    ),
    create=extend_schema(
        tags=[ENDPOINTS_TAG],
        summary="Create an alert endpoint",
        description=(
            "`kind` webhook: `url` is http(s); deliveries are signed per Standard Webhooks with a per-endpoint "
            "secret returned once, in this response (`secret`). `kind` apprise: `url` is an Apprise URL "
            "(`ntfys://ntfy.sh/topic`, `tgram://...`). `url` is write-only. Filters: `kinds`, `camera_ids` (empty "
            "= all), `min_severity`; `cooldown_seconds` per camera and kind, and camera-local quiet hours, hold "
            "back new alerts. Answers 201 with the endpoint's path in `Location`."
        ),
        request=AlertEndpointWriteSerializer,
        responses={201: AlertEndpointCreatedSerializer, **problem_responses(401, 422)},
        examples=[
            OpenApiExample("Webhook", request_only=True, value=ENDPOINT_BODY),
            OpenApiExample(
                "Apprise",
                request_only=True,
                value={"name": "phone", "kind": "apprise", "url": "ntfys://ntfy.sh/my-cameras", "kinds": ["tamper"]},
            ),
            OpenApiExample(
                "Created",
                response_only=True,
                status_codes=["201"],
                value={**ENDPOINT_EXAMPLE, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
            ),
            BAD_ENDPOINT,
        ],
    ),
    partial_update=extend_schema(
        tags=[ENDPOINTS_TAG],
        summary="Update an alert endpoint",
        description=(
            "Only the fields sent change. `kind` cannot change (create a new endpoint); a new `url` keeps the "
            "signing secret."
        ),
        parameters=[ENDPOINT_ID],
        request=AlertEndpointWriteSerializer,
        responses={200: AlertEndpointSerializer, **problem_responses(401, 404, 422)},
        examples=[
            OpenApiExample("Pause it", request_only=True, value={"enabled": False}),
            OpenApiExample(
                "Paused", response_only=True, status_codes=["200"], value={**ENDPOINT_EXAMPLE, "enabled": False}
            ),
            ENDPOINT_NOT_FOUND,
            BAD_ENDPOINT,
        ],
    ),
    destroy=extend_schema(
        tags=[ENDPOINTS_TAG],
        summary="Delete an alert endpoint",
        description="The endpoint and its delivery log go; alerts stay.",
        parameters=[ENDPOINT_ID],
        responses={204: None, **problem_responses(401, 404)},
        examples=[ENDPOINT_NOT_FOUND],
    ),
    test=extend_schema(
        tags=[ENDPOINTS_TAG],
        summary="Send a test alert to this endpoint",
        description=(
            "Writes a test alert to the outbox for this endpoint only and sends it at once through the real path "
            "(signature, target rules). Answers the delivery record: `state` delivered, or pending with "
            "`last_error` and a retry scheduled. No body."
        ),
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: DeliverySerializer, **problem_responses(401, 404)},
        examples=[
            OpenApiExample(
                "Delivered",
                response_only=True,
                status_codes=["200"],
                value={
                    **DELIVERY_EXAMPLE,
                    "id": 42,
                    "alert_id": 8,
                    "version": 1,
                    "event": "new",
                    "message_id": "alert_8_v1",
                },
            ),
            ENDPOINT_NOT_FOUND,
        ],
    ),
)

DELIVERIES = extend_schema_view(
    list=extend_schema(
        tags=[DELIVERIES_TAG],
        summary="List alert deliveries",
        description=(
            "The outbox and its log, newest first unless `ordering` says otherwise: one row per alert version "
            "and channel (mqtt, webhook, apprise). `state` pending, delivered or dead (dead letters: retried for "
            "NEM_ALERT_MAX_AGE). Filters: `alert_id`, `endpoint_id`, `channel`, `state`. Page with `limit` and "
            "`offset`, or `cursor`."
        ),
        parameters=DELIVERY_FILTERS,
        responses={200: DeliverySerializer(many=True), **problem_responses(401, 422)},
        examples=[
            ok("A page", page([DELIVERY_EXAMPLE])),
            invalid_query(
                "Bad alert id", "alert_id", "Ensure this value is greater than or equal to 1.", "/api/alert-deliveries"
            ),
        ],
    ),
)
