"""The published OpenAPI description of the media operations: the snapshot and the folder check."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from cameras.api.media_serializers import CameraPathValidationSerializer
from cameras.api.schema import MEDIA
from nem.errors import RATE_LIMITED, NotFoundError
from nem.schema import problem_responses
from nem.schema_examples import (
    CAMERA_ID_PARAM,
    camera_not_found,
    invalid_query,
    ok,
    problem_example,
    query_param,
    unknown_parameter,
)

MAX_AGE_PARAM = query_param(
    "max_age",
    OpenApiTypes.INT,
    "Answer 404 instead of an image captured more than this many seconds ago (an integer >= 0).",
    "At most a minute old",
    60,
)
IF_NONE_MATCH_PARAM = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The `ETag` of the image the client holds: 304 if it is still the newest.",
    examples=[OpenApiExample("ETag", value='"5f2b1c-1733475600.0-48213"')],
)
IF_MODIFIED_SINCE_PARAM = OpenApiParameter(
    "If-Modified-Since",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The `Last-Modified` of the image the client holds: 304 if nothing newer was captured.",
    examples=[OpenApiExample("HTTP date", value="Sun, 06 Dec 2026 09:00:00 GMT")],
)

_IMAGE = OpenApiResponse(OpenApiTypes.BINARY, description="The image bytes")

SNAPSHOT = extend_schema(
    operation_id="cameras_snapshot_retrieve",
    tags=[MEDIA],
    summary="Latest camera image",
    description=(
        "The camera's newest image by mtime (.jpg/.jpeg/.png/.gif, any case), as known from ingestion and "
        "re-checked on disk; with no image, a JPEG frame from near the end of the newest complete video "
        "(.mp4/.mkv/.avi/.mov/.webm). Served inline with `ETag` and `Last-Modified`; a matching "
        "`If-None-Match` or `If-Modified-Since` gets 304. No API key needed (for `<img>` tags); rate limited "
        "per client IP (`NEM_RATE_LIMIT_MEDIA`). Only files inside `NEM_MEDIA_ROOT` are ever served. "
        "Freshness: `X-Captured-At` is the capture time (the file's mtime, ISO 8601 UTC) and "
        "`X-Snapshot-Source` says what it is: `upload` (an image the camera uploaded), `stream` (a frame "
        "grabbed from its stream), `video_frame` (a frame of its newest video); `Cache-Control: no-cache` "
        "makes caches revalidate with the ETag. With `max_age=SECONDS`, an image captured longer ago is a "
        "404 problem instead (a dashboard then shows the camera as stale, never an old picture as live)."
    ),
    parameters=[CAMERA_ID_PARAM, MAX_AGE_PARAM, IF_NONE_MATCH_PARAM, IF_MODIFIED_SINCE_PARAM],
    responses={
        (200, "image/jpeg"): _IMAGE,
        (200, "image/png"): _IMAGE,
        (200, "image/gif"): _IMAGE,
        304: OpenApiResponse(description="Not modified: the client's copy is still the newest image."),
        **problem_responses(404, 422, 429),
    },
    examples=[
        OpenApiExample(
            "JPEG image",
            value="<binary JPEG bytes>",
            response_only=True,
            status_codes=["200"],
            media_type="image/jpeg",
        ),
        problem_example(
            "Folder missing",
            NotFoundError.problem_kind(),
            "Camera folder does not exist",
            "/api/cameras/garage/snapshot",
        ),
        camera_not_found("/api/cameras/nope/snapshot"),
        invalid_query(
            "Bad max_age",
            "max_age",
            "must be at least 0",
            "/api/cameras/front_door/snapshot",
        ),
        problem_example(
            "Rate limited", RATE_LIMITED, "Rate limit exceeded. Try again later.", "/api/cameras/front_door/snapshot"
        ),
    ],
    auth=[],
)

PATH_VALIDATION = extend_schema(
    operation_id="cameras_validation_paths",
    tags=[MEDIA],
    summary="Validate camera folder paths",
    description=(
        "For every live camera: is its folder (resolved, symlinks followed) inside `NEM_MEDIA_ROOT`, an "
        "existing readable directory, holding at least one image or video, and not nested inside another "
        "camera's folder? The search for media stops at the first file found."
    ),
    responses={200: CameraPathValidationSerializer, **problem_responses(401, 422)},
    examples=[
        ok(
            "One valid, one invalid",
            {
                "base_path": "/export/foscam",
                "total_cameras": 2,
                "valid_count": 1,
                "invalid_count": 1,
                "valid_cameras": [
                    {
                        "id": "front_door",
                        "name": "Front Door Camera",
                        "folder_path": "/export/foscam/front_door",
                        "status": "online",
                        "resolved_path": None,
                        "issues": None,
                    },
                ],
                "invalid_cameras": [
                    {
                        "id": "garage",
                        "name": "Garage",
                        "folder_path": "/export/foscam/garage",
                        "status": "offline",
                        "resolved_path": "/export/foscam/garage",
                        "issues": ["directory does not exist"],
                    },
                ],
            },
        ),
        unknown_parameter("/api/cameras/validation/paths", "none"),
    ],
)
