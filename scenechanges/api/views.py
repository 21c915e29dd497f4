from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cameras.services import camera_get_live
from nem.auth import actor_of
from nem.errors import UnprocessableEntity
from nem.pagination import parse_int_param
from nem.schema import problem_responses
from scenechanges import services
from scenechanges.api.serializers import (
    AcknowledgeRequestSerializer,
    AcknowledgeResponseSerializer,
    SceneChangeListSerializer,
    SceneChangeSerializer,
)

_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def parse_bool_param(request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return _BOOLEANS[raw.strip().lower()]
    except KeyError:
        raise UnprocessableEntity(name, "must be true or false") from None


class SceneChangeListView(APIView):
    @extend_schema(
        summary="List a camera's scene changes",
        description=(
            "Newest first. `cursor` is opaque (from `next_cursor`) and pages over `(detected_at, id)`, so "
            "every change appears exactly once even when several share a `detected_at`. `total_changes` "
            "counts every change that matches the filter, not only this page. `change_type` is one of "
            "`view_blocked`, `angle_changed`, `view_tampered`, `unknown`."
        ),
        parameters=[
            OpenApiParameter(
                "acknowledged", OpenApiTypes.BOOL, description="Only acknowledged (true) or open (false) changes."
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Page size, 1-100 (default 50)."),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque cursor from `next_cursor`."),
        ],
        responses={200: SceneChangeListSerializer, **problem_responses(401, 404, 422)},
        examples=[
            OpenApiExample(
                "Page",
                response_only=True,
                value={
                    "camera_id": "front_door",
                    "scene_changes": [
                        {
                            "id": 1,
                            "detected_at": "2026-01-23T12:00:00Z",
                            "change_type": "angle_changed",
                            "similarity_score": 0.65,
                            "acknowledged": False,
                            "acknowledged_at": None,
                            "file_path": "/export/foscam/front_door/scene_change_001.jpg",
                        }
                    ],
                    "total_changes": 1,
                    "next_cursor": None,
                    "has_more": False,
                },
            )
        ],
    )
    def get(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        acknowledged = parse_bool_param(request, "acknowledged")
        limit = parse_int_param(request, "limit", 50, 1, 100)
        page = services.scenechange_page(
            camera_id=camera.id,
            acknowledged=acknowledged,
            limit=limit,
            cursor=request.query_params.get("cursor") or None,
        )
        return Response(
            {
                "camera_id": camera.id,
                "scene_changes": SceneChangeSerializer(page.items, many=True).data,
                "total_changes": page.total,
                "next_cursor": page.next_cursor,
                "has_more": page.has_more,
            }
        )


class SceneChangeAcknowledgeView(APIView):
    @extend_schema(
        summary="Acknowledge a scene change",
        description=(
            "Idempotent: an acknowledged change is returned as stored, nothing else happens. The first "
            "acknowledgement makes the camera's current view its new reference, so a permanent, wanted change "
            '(a re-aimed camera) stops alerting; send `{"update_reference": false}` to keep the old reference. '
            "The body is optional."
        ),
        request=AcknowledgeRequestSerializer,
        responses={200: AcknowledgeResponseSerializer, **problem_responses(401, 404, 422)},
        examples=[
            OpenApiExample("Keep the reference", value={"update_reference": False}, request_only=True),
            OpenApiExample(
                "Acknowledged",
                value={"id": 1, "acknowledged": True, "acknowledged_at": "2026-01-23T14:00:00Z"},
                response_only=True,
            ),
        ],
    )
    def post(self, request, camera_id: str, scene_change_id: str):
        data = request.data if request.data is not None else {}
        serializer = AcknowledgeRequestSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        change = services.scenechange_acknowledge(
            camera_id=camera_id,
            scene_change_id=scene_change_id,
            actor=actor_of(request),
            update_reference=serializer.validated_data["update_reference"],
        )
        return Response(AcknowledgeResponseSerializer(change).data)
