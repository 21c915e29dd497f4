from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from cameras import cache as list_cache
from cameras import services
from cameras.api.serializers import (
    CAMERA_RESPONSE_FIELDS,
    CameraSerializer,
    CameraWriteSerializer,
    TrashedCameraSerializer,
)
from cameras.filtersets import CameraFilterSet
from cameras.models import Camera, CameraStatus
from nem.auth import actor_of
from nem.errors import BadRequest, InvalidQueryParameter
from nem.pagination import OffsetPagination
from nem.schema import problem_responses

FIELDS_PARAM = OpenApiParameter(
    "fields",
    OpenApiTypes.STR,
    description=f"Comma-separated sparse fieldset, any of: {', '.join(CAMERA_RESPONSE_FIELDS)}.",
)
STATUS_PARAM = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=CameraStatus.values, description="Only cameras with this status."
)


def parse_fields(raw: str | None) -> list[str] | None:
    """``fields=id,name`` -> ["id", "name"]; unknown names are a 400 listing the valid ones."""
    if not raw:
        return None
    names = list(dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip()))
    unknown = [name for name in names if name not in CAMERA_RESPONSE_FIELDS]
    if unknown:
        raise BadRequest(
            f"Invalid field(s) requested: {', '.join(unknown)}. Valid fields are: {', '.join(CAMERA_RESPONSE_FIELDS)}"
        )
    return names or None


@extend_schema_view(
    list=extend_schema(
        summary="List cameras",
        parameters=[STATUS_PARAM, FIELDS_PARAM],
        responses={200: CameraSerializer(many=True), **problem_responses(400, 401, 422)},
    ),
    retrieve=extend_schema(summary="Get a camera", responses={200: CameraSerializer, **problem_responses(401, 404)}),
    create=extend_schema(
        summary="Create a camera",
        description=(
            "The id is the normalised basename of `folder_path` (`/export/foscam/front_door` -> `front_door`), "
            "else of `name`, unless an explicit `id` is sent. `id`, `name` and `folder_path` are unique over "
            "live and trashed cameras (409 names the holder). Credentials in `rtsp_url` are moved into "
            "`rtsp_username`/`rtsp_password`; `rtsp_password` is write-only and encrypted at rest."
        ),
        request=CameraWriteSerializer,
        responses={201: CameraSerializer, **problem_responses(401, 409, 422)},
        examples=[
            OpenApiExample(
                "Create",
                value={"name": "Front Door Camera", "folder_path": "/export/foscam/front_door", "status": "online"},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Update a camera",
        description=(
            "Credentials belong to a host: a PATCH that moves `rtsp_url` or `onvif_url` to another scheme, "
            "host or port without `rtsp_username`/`rtsp_password` clears the stored ones, and the response "
            'then carries `"credentials_cleared": ["rtsp_username", "rtsp_password"]` (also in the camera '
            "audit records). Device URLs must resolve inside NEM_DEVICE_NETWORKS (422 otherwise)."
        ),
        request=CameraWriteSerializer,
        responses={200: CameraSerializer, **problem_responses(401, 404, 409, 422)},
    ),
    destroy=extend_schema(
        summary="Move a camera to the trash",
        description="Soft delete: the camera, its detections, events and scene changes are hidden until restored.",
        responses={204: None, **problem_responses(401, 404)},
    ),
)
class CameraViewSet(
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
    lookup_value_regex = r"[^/]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

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
        params = {k: request.query_params.get(k, "") for k in ("limit", "offset", "cursor")}
        params["fields"] = ",".join(fields or [])
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
        return Response(CameraSerializer(camera).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        serializer = CameraWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        camera = services.camera_update(
            camera_id=kwargs["pk"], data=serializer.validated_data, actor=actor_of(request)
        )
        body = CameraSerializer(camera).data
        if camera.credentials_cleared:
            # The URL moved to another host without new credentials: the old ones were dropped.
            body["credentials_cleared"] = camera.credentials_cleared
        return Response(body)

    def retrieve(self, request, *args, **kwargs):
        return Response(CameraSerializer(services.camera_get_live(camera_id=kwargs["pk"])).data)

    def destroy(self, request, *args, **kwargs):
        services.camera_soft_delete(camera_id=kwargs["pk"], actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="List the trash",
        description="Soft-deleted cameras, newest deletion first, with `deleted_at`.",
        responses={200: TrashedCameraSerializer(many=True), **problem_responses(401, 422)},
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="deleted",
        pagination_class=OffsetPagination,
        serializer_class=TrashedCameraSerializer,
        filterset_class=None,
    )
    def deleted(self, request):
        queryset = Camera.all_objects.dead().order_by("-deleted_at", "-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(TrashedCameraSerializer(page, many=True).data)

    @extend_schema(
        summary="Restore a camera from the trash",
        description="Brings back the camera and exactly the detections, events and scene changes its delete hid.",
        request=None,
        responses={200: CameraSerializer, **problem_responses(400, 401, 404, e400="Camera is not deleted")},
    )
    @action(detail=True, methods=["post"], url_path="restore", filterset_class=None)
    def restore(self, request, pk=None):
        camera = services.camera_restore(camera_id=pk, actor=actor_of(request))
        return Response(CameraSerializer(camera).data)
