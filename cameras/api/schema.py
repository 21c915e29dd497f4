"""The published OpenAPI description of the camera and trash operations: texts, parameters and
examples. The views only name the schema each operation uses."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from cameras.api.serializers import (
    CAMERA_RESPONSE_FIELDS,
    CameraListItemSerializer,
    CameraSerializer,
    CameraWriteSerializer,
    TrashedCameraSerializer,
)
from cameras.models import CameraStatus
from nem.errors import INVALID_QUERY, CameraConflict, CameraNotDeleted
from nem.schema import problem_responses
from nem.schema_examples import (
    CAMERA_ID_PARAM,
    camera_not_found,
    invalid_body,
    ok,
    problem_example,
    query_param,
    unknown_parameter,
)

CAMERAS = "Cameras"
TRASH = "Trash"
MEDIA = "Media"


# --- parameters -------------------------------------------------------------------------------

FIELDS_PARAM = query_param(
    "fields",
    OpenApiTypes.STR,
    (
        "Comma-separated sparse fieldset: each item then holds only these fields, in this order. Any of: "
        f"{', '.join(CAMERA_RESPONSE_FIELDS)}. An unknown name is a 422 listing the valid ones."
    ),
    "Id and name",
    "id,name",
)
STATUS_PARAM = query_param(
    "status",
    OpenApiTypes.STR,
    "Only cameras with this status.",
    "Offline cameras",
    "offline",
    enum=CameraStatus.values,
)
# --- examples ---------------------------------------------------------------------------------

CAMERA = {
    "id": "front_door",
    "name": "Front Door Camera",
    "folder_path": "/export/foscam/front_door",
    "status": "online",
    "created_at": "2026-12-06T09:00:00Z",
    "last_seen_at": "2026-12-06T09:41:12Z",
    "ingestion_mode": "ftp",
    "rtsp_url": None,
    "stream_profile": None,
    "motion_sensitivity": 0.5,
    "onvif_url": None,
    "timezone": "Europe/Berlin",
}
STREAMING_CAMERA = {
    **CAMERA,
    "id": "driveway",
    "name": "Driveway",
    "folder_path": "/export/foscam/driveway",
    "created_at": "2026-12-06T09:05:00Z",
    "ingestion_mode": "rtsp",
    "rtsp_url": "rtsp://192.168.1.20:554/stream1",
    "stream_profile": "main",
}
TRASHED_CAMERA = {
    **CAMERA,
    "id": "garage",
    "name": "Garage",
    "folder_path": "/export/foscam/garage",
    "deleted_at": "2026-12-06T10:15:00Z",
}


# --- operations -------------------------------------------------------------------------------

CAMERA_LIST = extend_schema(
    tags=[CAMERAS],
    summary="List cameras",
    description=(
        "Live cameras (not those in the trash) as `{items, pagination}`, oldest first by default "
        "(`ordering=created_at,id`). Filter with `status`, choose fields with `fields`, sort with `ordering`, "
        "page with `limit` and `offset` or with `cursor` (from `pagination.next_cursor`; a cursor keeps to the "
        "ordering it was issued for). An unknown query parameter or value is a 422 saying what is accepted."
    ),
    parameters=[STATUS_PARAM, FIELDS_PARAM],
    responses={200: CameraListItemSerializer(many=True), **problem_responses(401, 422)},
    examples=[
        # A list's example is one item: the schema generator puts it in the list envelope.
        ok("Uploading camera", CAMERA),
        ok("Streaming camera", STREAMING_CAMERA),
        ok("Sparse fieldset", {"id": "front_door", "name": "Front Door Camera"}),
        problem_example(
            "Unknown field in fields",
            INVALID_QUERY,
            "Request validation failed: fields: unknown field(s) rtsp_password; valid fields are: "
            + ", ".join(CAMERA_RESPONSE_FIELDS),
            "/api/cameras",
            [
                {
                    "field": "fields",
                    "message": "unknown field(s) rtsp_password; valid fields are: " + ", ".join(CAMERA_RESPONSE_FIELDS),
                }
            ],
        ),
    ],
)

CAMERA_RETRIEVE = extend_schema(
    tags=[CAMERAS],
    summary="Get a camera",
    description="One live camera. A camera in the trash is not found: restore it first.",
    parameters=[CAMERA_ID_PARAM],
    responses={200: CameraSerializer, **problem_responses(401, 404, 422)},
    examples=[
        ok("Camera", CAMERA),
        camera_not_found("/api/cameras/nope"),
        unknown_parameter("/api/cameras/front_door", "none"),
    ],
)

CAMERA_CREATE = extend_schema(
    tags=[CAMERAS],
    summary="Create a camera",
    description=(
        "The id is the normalised basename of `folder_path` (`/export/foscam/front_door` -> `front_door`), "
        "else of `name`, unless an explicit `id` is sent. `id`, `name` and `folder_path` are unique over "
        "live and trashed cameras (409 names the holder); the folder lies inside the media root and neither "
        "inside nor above another camera's. Credentials in `rtsp_url` are moved into "
        "`rtsp_username`/`rtsp_password`; `rtsp_password` is write-only and encrypted at rest. Device URLs "
        "must resolve inside NEM_DEVICE_NETWORKS. The answer is 201 with the camera and its path in `Location`."
    ),
    request=CameraWriteSerializer,
    responses={201: CameraSerializer, **problem_responses(401, 409, 422)},
    examples=[
        OpenApiExample(
            "Uploading camera",
            value={"name": "Front Door Camera", "folder_path": "/export/foscam/front_door", "status": "online"},
            request_only=True,
        ),
        OpenApiExample(
            "Streaming camera",
            value={
                "name": "Driveway",
                "folder_path": "/export/foscam/driveway",
                "ingestion_mode": "rtsp",
                "rtsp_url": "rtsp://admin:secret@192.168.1.20:554/stream1",
                "stream_profile": "main",
            },
            request_only=True,
        ),
        ok("Created", CAMERA, "201"),
        problem_example(
            "Name taken",
            CameraConflict.problem_kind(),
            "Camera with name 'Front Door Camera' already exists (id: front_door).",
            "/api/cameras",
        ),
        invalid_body("/api/cameras", "rtsp_url", "rtsp_url must use rtsp:// or rtsps:// scheme"),
    ],
)

CAMERA_UPDATE = extend_schema(
    tags=[CAMERAS],
    summary="Update a camera",
    description=(
        "Changes the fields sent; the id never changes. Credentials belong to a host: an update that moves "
        "`rtsp_url` or `onvif_url` to another scheme, host or port without `rtsp_username`/`rtsp_password` "
        'clears the stored ones, and the answer then carries `"credentials_cleared": ["rtsp_username", '
        '"rtsp_password"]` (also in the camera audit records). Device URLs must resolve inside '
        "NEM_DEVICE_NETWORKS (422 otherwise)."
    ),
    parameters=[CAMERA_ID_PARAM],
    request=CameraWriteSerializer,
    responses={200: CameraSerializer, **problem_responses(401, 404, 409, 422)},
    examples=[
        OpenApiExample("Rename", value={"name": "Front Door"}, request_only=True),
        OpenApiExample(
            "Move the stream to another host",
            value={"rtsp_url": "rtsp://192.168.1.21:554/stream1"},
            request_only=True,
        ),
        ok("Updated", {**CAMERA, "name": "Front Door"}),
        ok(
            "Credentials cleared",
            {
                **STREAMING_CAMERA,
                "rtsp_url": "rtsp://192.168.1.21:554/stream1",
                "credentials_cleared": ["rtsp_username", "rtsp_password"],
            },
        ),
        camera_not_found("/api/cameras/nope"),
        problem_example(
            "Name taken",
            CameraConflict.problem_kind(),
            "Camera with name 'Garage' already exists (id: garage).",
            "/api/cameras/front_door",
        ),
        invalid_body("/api/cameras/front_door", "id", "The id of a camera never changes"),
    ],
)

CAMERA_DESTROY = extend_schema(
    tags=[TRASH],
    summary="Move a camera to the trash",
    description=(
        "Soft delete: the camera, its detections, events and scene changes are hidden until restored "
        "(`POST /api/cameras/{camera_id}/restore`); media files stay on disk. Trashed cameras are purged "
        "after the trash retention period."
    ),
    parameters=[CAMERA_ID_PARAM],
    responses={204: OpenApiResponse(description="Moved to the trash; no body."), **problem_responses(401, 404, 422)},
    examples=[camera_not_found("/api/cameras/nope")],
)

TRASH_LIST = extend_schema(
    tags=[TRASH],
    summary="List the trash",
    description=(
        "Cameras in the trash, with `deleted_at`, newest deletion first by default (`ordering=-deleted_at`). "
        "Sort with `ordering`, page with `limit` and `offset` or with `cursor` (from "
        "`pagination.next_cursor`; a cursor keeps to the ordering it was issued for)."
    ),
    # Keyed by (status, media type) like the problem responses, so that the generator sees a list
    # (it judges by the lowest key) and documents paging and ordering.
    responses={(200, "application/json"): TrashedCameraSerializer(many=True), **problem_responses(401, 422)},
    examples=[
        ok("Camera in the trash", TRASHED_CAMERA),
        problem_example(
            "Cursor of another ordering",
            INVALID_QUERY,
            "Request validation failed: cursor: was issued for another ordering; start again without a "
            "cursor, or send the same ordering",
            "/api/cameras/deleted",
            [
                {
                    "field": "cursor",
                    "message": "was issued for another ordering; start again without a cursor, "
                    "or send the same ordering",
                }
            ],
        ),
    ],
)

CAMERA_RESTORE = extend_schema(
    tags=[TRASH],
    summary="Restore a camera from the trash",
    description=(
        "Brings back the camera and exactly the detections, events and scene changes its delete hid "
        "(rows trashed on their own before stay in the trash). 400 if the camera is not in the trash."
    ),
    parameters=[CAMERA_ID_PARAM],
    request=None,
    responses={200: CameraSerializer, **problem_responses(400, 401, 404, 422, e400="The camera is not in the trash")},
    examples=[
        ok("Restored", CAMERA),
        problem_example(
            "Camera is live",
            CameraNotDeleted.problem_kind(),
            "Camera front_door is not deleted",
            "/api/cameras/front_door/restore",
        ),
        camera_not_found("/api/cameras/nope/restore"),
    ],
)
