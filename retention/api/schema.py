"""The published OpenAPI description of the storage operations: texts, parameters and examples.
The views only name the schema each operation uses."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema

from nem.errors import VALIDATION_ERROR
from nem.schema import problem_responses
from nem.schema_examples import camera_id_param, camera_not_found, field_problem, invalid_query, query_param
from retention.api.serializers import StoragePolicyChangeSerializer, StoragePolicySerializer, StorageSerializer

TAG = "Storage"
STORAGE_PATH = "/api/cameras/driveway/storage"
POLICY_PATH = "/api/cameras/driveway/storage-policy"

CAMERA_ID_PARAM = camera_id_param(example_name="Driveway", example="driveway")
REFRESH_PARAM = query_param(
    "refresh",
    OpenApiTypes.BOOL,
    "`true` (or `1`) walks the files now instead of answering the last measure. Default false.",
    "Measure now",
    True,
)

POLICY = {
    "frames_max_age_hours": 24,
    "frames_max_count": 2000,
    "uploads_enabled": False,
    "uploads_max_age_days": 30,
    "uploads_max_bytes": 0,
    "cache_max_age_days": 7,
    "rows_max_age_days": 90,
    "alerts_max_age_days": 90,
}
NO_OVERRIDES = dict.fromkeys(POLICY)


def policy_document(overrides: dict) -> dict:
    effective = {**POLICY, **{k: v for k, v in overrides.items() if v is not None}}
    return {
        "camera_id": "driveway",
        "effective": effective,
        "camera_overrides": {**NO_OVERRIDES, **overrides},
        "global": POLICY,
        "rows_min_age_days": 63,
    }


BAD_POLICY = field_problem(
    "Invalid body",
    VALIDATION_ERROR,
    "frames_max_count",
    "Ensure this value is greater than or equal to 0.",
    POLICY_PATH,
)

STORAGE = extend_schema(
    tags=[TAG],
    summary="A camera's storage use",
    description=(
        "Files, bytes and the oldest file per category (`frames`: NEM's own grabbed frames; `uploads`: other "
        "media in the camera folder; `snapshot_cache`: frames extracted from videos; `references`: scene "
        "references and scene-change frame copies), as `prune_storage` last measured them (`measured_at`); "
        "`refresh=true` walks the files now. Also the policy in effect and the media root's filesystem "
        "against the free-space floor (`filesystem` is null when the free space cannot be read)."
    ),
    parameters=[CAMERA_ID_PARAM, REFRESH_PARAM],
    responses={200: StorageSerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample(
            "Storage",
            response_only=True,
            status_codes=["200"],
            value={
                "camera_id": "driveway",
                "measured_at": "2026-01-23T12:23:00Z",
                "categories": {
                    "frames": {"files": 1440, "bytes": 215000000, "oldest": "2026-01-22T12:24:00Z"},
                    "uploads": {"files": 0, "bytes": 0, "oldest": None},
                    "snapshot_cache": {"files": 0, "bytes": 0, "oldest": None},
                    "references": {"files": 2, "bytes": 310000, "oldest": "2026-01-02T08:00:00Z"},
                },
                "total": {"files": 1442, "bytes": 215310000},
                "policy": POLICY,
                "filesystem": {
                    "total_bytes": 500000000000,
                    "free_bytes": 120000000000,
                    "floor_bytes": 25000000000,
                    "floor_percent": 5.0,
                    "floor_ok": True,
                },
            },
        ),
        camera_not_found(STORAGE_PATH.replace("driveway", "nope")),
        invalid_query(
            "Refresh is not a boolean",
            "refresh",
            "must be true or false",
            STORAGE_PATH,
        ),
    ],
)

POLICY_GET = extend_schema(
    tags=[TAG],
    summary="A camera's retention policy",
    description=(
        "`effective`: what `prune_storage` applies to this camera; `camera_overrides`: the camera's own values "
        "(null: the global setting applies); `global`: the `NEM_RETENTION_*` settings. A limit of 0 means no "
        "limit of that kind. Rows are never pruned younger than `rows_min_age_days`."
    ),
    parameters=[CAMERA_ID_PARAM],
    responses={200: StoragePolicySerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample(
            "Frames kept 72 h",
            response_only=True,
            status_codes=["200"],
            value=policy_document({"frames_max_age_hours": 72}),
        ),
        camera_not_found(POLICY_PATH.replace("driveway", "nope")),
    ],
)

POLICY_PUT = extend_schema(
    tags=[TAG],
    summary="Replace a camera's retention overrides",
    description=(
        "The body is the camera's whole set of overrides: every field sent is stored, and a field left out "
        "(or null) follows the global setting again. `{}` drops every override. A limit of 0 means no limit."
    ),
    parameters=[CAMERA_ID_PARAM],
    request=StoragePolicyChangeSerializer,
    responses={200: StoragePolicySerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample("Keep frames 72 h", request_only=True, value={"frames_max_age_hours": 72}),
        OpenApiExample(
            "Overrides replaced",
            response_only=True,
            status_codes=["200"],
            value=policy_document({"frames_max_age_hours": 72}),
        ),
        camera_not_found(POLICY_PATH.replace("driveway", "nope")),
        BAD_POLICY,
    ],
)

POLICY_PATCH = extend_schema(
    tags=[TAG],
    summary="Change some of a camera's retention overrides",
    description=(
        "Only the fields sent change (null: follow the global setting again); the others keep their value. "
        "At least one field."
    ),
    parameters=[CAMERA_ID_PARAM],
    request=StoragePolicyChangeSerializer,
    responses={200: StoragePolicySerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample(
            "Prune uploads", request_only=True, value={"uploads_enabled": True, "uploads_max_bytes": 50000000000}
        ),
        OpenApiExample(
            "Overrides changed",
            response_only=True,
            status_codes=["200"],
            value=policy_document({"uploads_enabled": True, "uploads_max_bytes": 50000000000}),
        ),
        camera_not_found(POLICY_PATH.replace("driveway", "nope")),
        BAD_POLICY,
        field_problem(
            "Empty body",
            VALIDATION_ERROR,
            "body",
            "send at least one policy field",
            POLICY_PATH,
        ),
    ],
)
