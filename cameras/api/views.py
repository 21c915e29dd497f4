"""The camera endpoints: list, get, create, update, trash and restore. Their published description
lives in ``cameras.api.schema``."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from cameras import cache as list_cache
from cameras import services
from cameras.api import schema
from cameras.api.serializers import (
    CAMERA_RESPONSE_FIELDS,
    CameraSerializer,
    CameraWriteSerializer,
    TrashedCameraSerializer,
)
from cameras.filtersets import CameraFilterSet
from cameras.models import Camera, CameraStatus
from nem.api import COMMON_QUERY_PARAMS, StrictQueryMixin, created
from nem.auth import actor_of
from nem.errors import InvalidQueryParameter

CAMERA_ORDERING_FIELDS = ["created_at", "name", "id", "last_seen_at", "status"]
CAMERA_DEFAULT_ORDERING = ["created_at", "id"]  # oldest first
TRASH_ORDERING_FIELDS = ["deleted_at", "name", "id"]
TRASH_DEFAULT_ORDERING = ["-deleted_at", "-id"]  # newest deletion first


def parse_fields(raw: str | None) -> list[str] | None:
    """``fields=id,name`` -> ["id", "name"]; an unknown name is a 422 listing the valid ones."""
    if not raw:
        return None
    names = list(dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip()))
    unknown = [name for name in names if name not in CAMERA_RESPONSE_FIELDS]
    if unknown:
        raise InvalidQueryParameter(
            "fields",
            f"unknown field(s) {', '.join(n[:100] for n in unknown[:10])}; "
            f"valid fields are: {', '.join(CAMERA_RESPONSE_FIELDS)}",
        )
    return names or None


@extend_schema_view(
    list=schema.CAMERA_LIST,
    retrieve=schema.CAMERA_RETRIEVE,
    create=schema.CAMERA_CREATE,
    partial_update=schema.CAMERA_UPDATE,
    destroy=schema.CAMERA_DESTROY,
    deleted=schema.TRASH_LIST,
    restore=schema.CAMERA_RESTORE,
)
class CameraViewSet(
    StrictQueryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Camera.objects.for_api()
    serializer_class = CameraSerializer
    filterset_class = CameraFilterSet
    ordering_fields = CAMERA_ORDERING_FIELDS
    ordering = CAMERA_DEFAULT_ORDERING
    lookup_url_kwarg = "camera_id"
    lookup_value_regex = r"[^/]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # The list's own parameter; `status`, the paginator's and `ordering` are allowed with them.
    query_params_allowed = ("fields",)

    def allowed_query_params(self) -> set[str]:
        # Only the lists read filters, paging and ordering; one camera reads no parameter.
        if self.action in ("list", "deleted"):
            return super().allowed_query_params()
        return set(COMMON_QUERY_PARAMS)

    def perform_content_negotiation(self, request, force=False):
        # The list answers JSON bytes of its own (from the cache or freshly rendered): choosing a
        # renderer from the Accept header would be work thrown away on the busiest endpoint.
        if self.action == "list":
            return (JSONRenderer(), JSONRenderer.media_type)
        return super().perform_content_negotiation(request, force)

    def list(self, request, *args, **kwargs):
        fields = parse_fields(request.query_params.get("fields"))
        status_filter = request.query_params.get("status") or None
        if status_filter is not None and status_filter not in CameraStatus.values:
            raise InvalidQueryParameter("status", f"must be one of: {', '.join(CameraStatus.values)}")
        params = list_cache.list_params(request.query_params, fields=",".join(fields or []))
        lookup = list_cache.list_lookup(status=status_filter, params=params)
        body = lookup.body
        if body is None:
            queryset = self.filter_queryset(self.get_queryset())
            page = self.paginate_queryset(queryset)
            items = self.get_serializer(page, many=True).data
            if fields:
                items = [{name: item[name] for name in fields} for item in items]
            data = {"items": items, "pagination": self.paginator.pagination_data()}
            body = JSONRenderer().render(data)
            list_cache.list_store(lookup, body)
        return HttpResponse(body, content_type="application/json")

    def create(self, request, *args, **kwargs):
        serializer = CameraWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        camera = services.camera_create(data=serializer.validated_data)
        return created(CameraSerializer(camera).data, f"/api/cameras/{camera.id}")

    def partial_update(self, request, *args, **kwargs):
        serializer = CameraWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        camera = services.camera_update(
            camera_id=kwargs["camera_id"], data=serializer.validated_data, actor=actor_of(request)
        )
        body = CameraSerializer(camera).data
        if camera.credentials_cleared:
            # The URL moved to another host without new credentials: the old ones were dropped.
            body["credentials_cleared"] = camera.credentials_cleared
        return Response(body)

    def retrieve(self, request, *args, **kwargs):
        return Response(CameraSerializer(services.camera_get_live(camera_id=kwargs["camera_id"])).data)

    def destroy(self, request, *args, **kwargs):
        services.camera_soft_delete(camera_id=kwargs["camera_id"], actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(
        detail=False,
        methods=["get"],
        url_path="deleted",
        serializer_class=TrashedCameraSerializer,
        filterset_class=None,
        ordering_fields=TRASH_ORDERING_FIELDS,
        ordering=TRASH_DEFAULT_ORDERING,
        query_params_allowed=(),
    )
    def deleted(self, request):
        queryset = self.filter_queryset(Camera.all_objects.dead())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(TrashedCameraSerializer(page, many=True).data)

    @action(detail=True, methods=["post"], url_path="restore", filterset_class=None)
    def restore(self, request, camera_id=None):
        camera = services.camera_restore(camera_id=camera_id, actor=actor_of(request))
        return Response(CameraSerializer(camera).data)
