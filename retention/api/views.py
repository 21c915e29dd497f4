from __future__ import annotations

from rest_framework import viewsets
from rest_framework.response import Response

from cameras.services import camera_get_live
from nem.api import StrictQueryMixin
from nem.errors import InvalidInput, InvalidQueryParameter
from retention import policy, services
from retention.api import schema
from retention.api.serializers import StoragePolicyChangeSerializer, StoragePolicySerializer, StorageSerializer

_REFRESH = {"true": True, "1": True, "false": False, "0": False}


class CameraStorageViewSet(StrictQueryMixin, viewsets.ViewSet):
    """A camera's storage use per category."""

    query_params_allowed = ("refresh",)

    @schema.STORAGE
    def retrieve(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        raw = request.query_params.get("refresh", "").strip().lower()
        if raw and raw not in _REFRESH:
            raise InvalidQueryParameter("refresh", "must be true or false")
        document = services.storage_usage_get(camera=camera, refresh=_REFRESH.get(raw, False))
        return Response(StorageSerializer(document).data)


class CameraStoragePolicyViewSet(StrictQueryMixin, viewsets.ViewSet):
    """A camera's retention policy: read it, replace its overrides (PUT) or change some (PATCH)."""

    @schema.POLICY_GET
    def retrieve(self, request, camera_id: str):
        camera_get_live(camera_id=camera_id)
        return Response(StoragePolicySerializer(policy.storage_policy_document(camera_id=camera_id)).data)

    @schema.POLICY_PUT
    def update(self, request, camera_id: str):
        return self._write(request, camera_id, replace=True)

    @schema.POLICY_PATCH
    def partial_update(self, request, camera_id: str):
        return self._write(request, camera_id, replace=False)

    def _write(self, request, camera_id: str, *, replace: bool):
        camera_get_live(camera_id=camera_id)
        serializer = StoragePolicyChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not replace and not serializer.validated_data:
            raise InvalidInput({"body": ["send at least one policy field"]})
        document = policy.storage_policy_update(camera_id=camera_id, data=serializer.validated_data, replace=replace)
        return Response(StoragePolicySerializer(document).data)
