"""The published OpenAPI description of the health operation: texts, parameters and examples.
The view only names the schema it uses."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema

from health.api.serializers import CameraHealthSerializer
from nem.schema import problem_responses
from nem.schema_examples import CAMERA_ID_PARAM, camera_not_found, invalid_query, query_param, unknown_parameter

TAG = "Health"
QUERY_PARAMS = ("limit", "cursor")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
PATH = "/api/cameras/front_door/health"

LIMIT_PARAM = query_param(
    "limit",
    OpenApiTypes.INT,
    f"History page size, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    "Five transitions",
    5,
)
CURSOR_PARAM = query_param(
    "cursor",
    OpenApiTypes.STR,
    "Where the history page starts: `history.next_cursor` of the previous answer (opaque).",
    "From next_cursor",
    "WyIyMDI2LTAxLTIzVDEyOjEwOjAwWiIsN10",
)

OFFLINE_REASON = {
    "state": "offline",
    "code": "no_media",
    "message": "no new media for 900 s (grace 600 s)",
    "evidence": {"last_media_at": "2026-01-23T12:00:00Z", "silence_seconds": 900, "grace_seconds": 600},
}


CAMERA_HEALTH = extend_schema(
    tags=[TAG],
    summary="A camera's health verdict and its history",
    description=(
        "`state` is the worst condition that holds: `error` (the folder or the stream is broken, the camera "
        "reports signal loss or its ONVIF device refuses our credentials), `offline` (no new media for the "
        "grace period, or not yet enough consecutive new frames after an outage), `blinded` (an open "
        "view_blocked/view_tampered scene change), `frozen` (frames arrive but the picture, clock bands "
        "masked, has not changed for NEM_HEALTH_FROZEN_MINUTES), `silent` (absence anomalies over "
        "consecutive hours while media arrive), `online`; `unknown` until the first evaluation. `reasons` "
        "lists every condition that holds, worst first, with its evidence. `history` is the transitions, "
        "newest first; `cursor` (from `history.next_cursor`) pages over `(at, id)`. An unknown query "
        "parameter, a `limit` out of range or a cursor this API did not issue is a 422."
    ),
    parameters=[CAMERA_ID_PARAM, LIMIT_PARAM, CURSOR_PARAM],
    responses={200: CameraHealthSerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample(
            "Offline",
            response_only=True,
            status_codes=["200"],
            value={
                "camera_id": "front_door",
                "state": "offline",
                "since": "2026-01-23T12:10:00Z",
                "evaluated_at": "2026-01-23T12:15:00Z",
                "status": "offline",
                "reasons": [OFFLINE_REASON],
                "history": {
                    "results": [
                        {
                            "id": 7,
                            "at": "2026-01-23T12:10:00Z",
                            "previous": "online",
                            "state": "offline",
                            "reasons": [OFFLINE_REASON],
                        }
                    ],
                    "next_cursor": "WyIyMDI2LTAxLTIzVDEyOjEwOjAwWiIsN10",
                    "has_more": True,
                },
            },
        ),
        OpenApiExample(
            "Not evaluated yet",
            response_only=True,
            status_codes=["200"],
            value={
                "camera_id": "front_door",
                "state": "unknown",
                "since": None,
                "evaluated_at": None,
                "status": "online",
                "reasons": [],
                "history": {"results": [], "next_cursor": None, "has_more": False},
            },
        ),
        camera_not_found(PATH.replace("front_door", "nope")),
        invalid_query(
            "Limit out of range",
            "limit",
            f"must be between 1 and {MAX_LIMIT}",
            PATH,
        ),
        unknown_parameter(PATH, "cursor, limit", parameter="page"),
    ],
)
