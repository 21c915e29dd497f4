"""Scene-change endpoints: thin views over scenechanges.services (texts in api/schema.py)."""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.response import Response

from nem.api import StrictQueryMixin
from nem.auth import actor_of
from nem.errors import InvalidQueryParameter
from nem.pagination import parse_int_param
from scenechanges import services
from scenechanges.api import schema
from scenechanges.api.serializers import (
    SceneChangeAcknowledgedSerializer,
    SceneChangeAcknowledgeSerializer,
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
        raise InvalidQueryParameter(name, "must be true or false") from None


class SceneChangeViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    """A camera's scene changes: the list (its shape is fixed: no `{items, pagination}` envelope)
    and the acknowledgement of one."""

    pagination_class = None
    filter_backends: list = []
    serializer_class = SceneChangeSerializer

    def allowed_query_params(self) -> set[str]:
        names = super().allowed_query_params()
        return names | set(schema.LIST_QUERY_PARAMS) if self.action == "list" else names

    @schema.SCENE_CHANGE_LIST
    def list(self, request, camera_id: str):
        camera = services.camera_live(camera_id)
        page = services.scenechange_page(
            camera_id=camera.id,
            acknowledged=parse_bool_param(request, "acknowledged"),
            limit=parse_int_param(request, "limit", schema.DEFAULT_LIMIT, 1, schema.MAX_LIMIT),
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

    @schema.SCENE_CHANGE_ACKNOWLEDGE
    def acknowledge(self, request, camera_id: str, scene_change_id: str):
        body = SceneChangeAcknowledgeSerializer(data=request.data if request.data is not None else {})
        body.is_valid(raise_exception=True)
        change = services.scenechange_acknowledge(
            camera_id=camera_id,
            scene_change_id=scene_change_id,
            actor=actor_of(request),
            update_reference=body.validated_data["update_reference"],
        )
        return Response(SceneChangeAcknowledgedSerializer(change).data)
