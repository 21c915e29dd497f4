"""The published OpenAPI description of the scene-change operations: texts, parameters and
examples. The views only name the schema each operation uses."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema

from nem.errors import VALIDATION_ERROR
from nem.schema import problem_responses
from nem.schema_examples import (
    CAMERA_ID_PARAM,
    camera_not_found,
    field_problem,
    invalid_query,
    path_param,
    problem_example,
    query_param,
    unknown_parameter,
)
from scenechanges.api.serializers import (
    SceneChangeAcknowledgedSerializer,
    SceneChangeAcknowledgeSerializer,
    SceneChangeListSerializer,
)
from scenechanges.exceptions import SceneChangeNotFound

TAG = "Scene changes"
LIST_QUERY_PARAMS = ("acknowledged", "limit", "cursor")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100

LIST_PATH = "/api/cameras/front_door/scene-changes"
ACK_PATH = "/api/cameras/front_door/scene-changes/1/acknowledge"


# --- parameters -------------------------------------------------------------------------------

SCENE_CHANGE_ID_PARAM = path_param(
    "scene_change_id",
    OpenApiTypes.STR,
    "The scene change's `id` (from the camera's list); a change of another camera is not found.",
    "Change 1",
    "1",
)
ACKNOWLEDGED_PARAM = query_param(
    "acknowledged",
    OpenApiTypes.BOOL,
    "Only acknowledged (`true`) or open (`false`) changes; `1` and `0` work too. Default: all.",
    "Open changes",
    False,
)
LIMIT_PARAM = query_param(
    "limit",
    OpenApiTypes.INT,
    f"Page size, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    "Ten per page",
    10,
)
CURSOR_PARAM = OpenApiParameter(
    "cursor",
    OpenApiTypes.STR,
    description=(
        "Where the page starts: the `next_cursor` of the previous page (opaque). An ISO 8601 timestamp with "
        "an offset is accepted too and lists the changes detected before that instant."
    ),
    examples=[
        OpenApiExample("From next_cursor", value="WyIyMDI2LTAxLTIzVDEyOjAwOjAwKzAwOjAwIiwxXQ"),
        OpenApiExample("Before an instant", value="2026-01-23T12:00:00Z"),
    ],
)


# --- examples ---------------------------------------------------------------------------------

SCENE_CHANGE = {
    "id": 1,
    "detected_at": "2026-01-23T12:00:00Z",
    "change_type": "angle_changed",
    "similarity_score": 0.65,
    "acknowledged": False,
    "acknowledged_at": None,
    "file_path": "/export/foscam/front_door/scene_change_001.jpg",
    "source": "detector",
    "preset_token": "",
}


# --- operations -------------------------------------------------------------------------------

SCENE_CHANGE_LIST = extend_schema(
    tags=[TAG],
    summary="List a camera's scene changes",
    description=(
        "The camera's scene changes (a covered, re-aimed or tampered view), newest first, as "
        "`{camera_id, scene_changes, total_changes, next_cursor, has_more}`. `total_changes` counts every "
        "change that matches the filter, not only this page. Page with `limit` and `cursor` (the previous "
        "page's `next_cursor`): the cursor is a keyset over `(detected_at, id)`, so every change appears "
        "exactly once even when several share a `detected_at` or new ones arrive meanwhile. An unknown query "
        "parameter, a `limit` out of range, an `acknowledged` that is not a boolean or a cursor this API did "
        "not issue is a 422 saying what is accepted."
    ),
    parameters=[CAMERA_ID_PARAM, ACKNOWLEDGED_PARAM, LIMIT_PARAM, CURSOR_PARAM],
    responses={200: SceneChangeListSerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample(
            "Last page",
            response_only=True,
            status_codes=["200"],
            value={
                "camera_id": "front_door",
                "scene_changes": [SCENE_CHANGE],
                "total_changes": 1,
                "next_cursor": None,
                "has_more": False,
            },
        ),
        OpenApiExample(
            "A page with more after it",
            response_only=True,
            status_codes=["200"],
            value={
                "camera_id": "front_door",
                "scene_changes": [
                    {
                        **SCENE_CHANGE,
                        "id": 7,
                        "change_type": "view_blocked",
                        "similarity_score": 0.12,
                        "source": "both",
                        "file_path": "/export/foscam/front_door/2026-01-23/front_door_1300.jpg",
                        "detected_at": "2026-01-23T13:00:00Z",
                    }
                ],
                "total_changes": 4,
                "next_cursor": "WyIyMDI2LTAxLTIzVDEzOjAwOjAwKzAwOjAwIiw3XQ",
                "has_more": True,
            },
        ),
        camera_not_found(LIST_PATH.replace("front_door", "nope")),
        unknown_parameter(LIST_PATH, ", ".join(sorted(LIST_QUERY_PARAMS)), parameter="ack"),
        invalid_query("Cursor not issued here", "cursor", "is not a cursor this API issued", LIST_PATH),
    ],
)

SCENE_CHANGE_ACKNOWLEDGE = extend_schema(
    tags=[TAG],
    summary="Acknowledge a scene change",
    description=(
        "Marks the change as seen. Idempotent: an acknowledged change is returned as stored and nothing else "
        "happens. The first acknowledgement makes the camera's current view its new reference, so a permanent, "
        'wanted change (a re-aimed camera) stops alerting; send `{"update_reference": false}` to keep the old '
        "reference (the change was a one-off, or will be undone). The body is optional. 404 for an unknown or "
        "trashed camera, or a change id the camera does not have."
    ),
    parameters=[CAMERA_ID_PARAM, SCENE_CHANGE_ID_PARAM],
    request=SceneChangeAcknowledgeSerializer,
    responses={200: SceneChangeAcknowledgedSerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample("Keep the reference", value={"update_reference": False}, request_only=True),
        OpenApiExample("Take the current view as reference", value={"update_reference": True}, request_only=True),
        OpenApiExample(
            "Acknowledged",
            value={"id": 1, "acknowledged": True, "acknowledged_at": "2026-01-23T14:00:00Z"},
            response_only=True,
            status_codes=["200"],
        ),
        camera_not_found(ACK_PATH.replace("front_door", "nope")),
        problem_example(
            "Unknown scene change",
            SceneChangeNotFound.problem_kind(),
            "Scene change with id 999 not found for camera front_door",
            ACK_PATH.replace("/1/", "/999/"),
        ),
        field_problem(
            "Invalid body",
            VALIDATION_ERROR,
            "update_reference",
            "Must be a valid boolean.",
            ACK_PATH,
        ),
    ],
)
