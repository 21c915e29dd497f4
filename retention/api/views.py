from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cameras.services import camera_get_live
from nem.errors import UnprocessableEntity
from nem.schema import problem_responses
from retention import policy, services
from retention.api.serializers import StoragePolicyInSerializer, StoragePolicySerializer, StorageSerializer

_REFRESH = {"true": True, "1": True, "false": False, "0": False}

_POLICY_EXAMPLE = {
    "frames_max_age_hours": 24,
    "frames_max_count": 2000,
    "uploads_enabled": False,
    "uploads_max_age_days": 30,
    "uploads_max_bytes": 0,
    "cache_max_age_days": 7,
    "rows_max_age_days": 90,
    "alerts_max_age_days": 90,
}


class CameraStorageView(APIView):
    @extend_schema(
        summary="A camera's storage use",
        description=(
            "Files, bytes and the oldest file per category (`frames`: NEM's own grabbed frames; `uploads`: "
            "other media in the camera folder; `snapshot_cache`: frames extracted from videos; `references`: "
            "scene references and scene-change frame copies), as `prune_storage` last measured them "
            "(`measured_at`); `refresh=true` walks the files now. Also the policy in effect and the media "
            "root's filesystem against the free-space floor."
        ),
        parameters=[
            OpenApiParameter("refresh", OpenApiTypes.BOOL, description="Measure now instead of the last measure."),
        ],
        responses={200: StorageSerializer, **problem_responses(401, 404, 422)},
        examples=[
            OpenApiExample(
                "Storage",
                response_only=True,
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
                    "policy": _POLICY_EXAMPLE,
                    "filesystem": {
                        "total_bytes": 500000000000,
                        "free_bytes": 120000000000,
                        "floor_bytes": 25000000000,
                        "floor_percent": 5.0,
                        "floor_ok": True,
                    },
                },
            )
        ],
    )
    def get(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        raw = request.query_params.get("refresh", "")
        if raw and raw.strip().lower() not in _REFRESH:
            raise UnprocessableEntity("refresh", "must be true or false")
        refresh = _REFRESH.get(raw.strip().lower(), False) if raw else False
        return Response(StorageSerializer(services.storage_usage_get(camera=camera, refresh=refresh)).data)


class CameraStoragePolicyView(APIView):
    @extend_schema(
        summary="A camera's retention policy",
        description=(
            "`effective`: what `prune_storage` applies to this camera; `camera_overrides`: the camera's own "
            "values (null: the global setting applies); `global`: the `NEM_RETENTION_*` settings. A limit of 0 "
            "means no limit of that kind. Rows are never pruned younger than `rows_min_age_days`."
        ),
        responses={200: StoragePolicySerializer, **problem_responses(401, 404)},
    )
    def get(self, request, camera_id: str):
        camera_get_live(camera_id=camera_id)
        return Response(StoragePolicySerializer(policy.storage_policy_document(camera_id=camera_id)).data)

    @extend_schema(
        summary="Replace a camera's retention overrides",
        description="Every field sent is stored; a field left out (or null) follows the global setting again.",
        request=StoragePolicyInSerializer,
        responses={200: StoragePolicySerializer, **problem_responses(401, 404, 422)},
        examples=[OpenApiExample("Keep frames 72 h", request_only=True, value={"frames_max_age_hours": 72})],
    )
    def put(self, request, camera_id: str):
        return self._update(request, camera_id, replace=True)

    @extend_schema(
        summary="Change some of a camera's retention overrides",
        description="Only the fields sent change (null: follow the global setting). At least one field.",
        request=StoragePolicyInSerializer,
        responses={200: StoragePolicySerializer, **problem_responses(401, 404, 422)},
        examples=[
            OpenApiExample(
                "Prune uploads", request_only=True, value={"uploads_enabled": True, "uploads_max_bytes": 50000000000}
            )
        ],
    )
    def patch(self, request, camera_id: str):
        return self._update(request, camera_id, replace=False)

    def _update(self, request, camera_id: str, *, replace: bool):
        camera_get_live(camera_id=camera_id)
        serializer = StoragePolicyInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not replace and not serializer.validated_data:
            raise UnprocessableEntity("body", "send at least one policy field")
        data = policy.storage_policy_update(camera_id=camera_id, data=serializer.validated_data, replace=replace)
        return Response(StoragePolicySerializer(data).data)
