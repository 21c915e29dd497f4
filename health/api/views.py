from __future__ import annotations

from rest_framework import viewsets
from rest_framework.response import Response

from cameras.services import camera_get_live
from health import services
from health.api import schema
from health.api.serializers import CameraHealthSerializer
from health.models import CameraHealth, HealthState
from nem.api import StrictQueryMixin
from nem.pagination import parse_int_param


class CameraHealthViewSet(StrictQueryMixin, viewsets.ViewSet):
    """A camera's health verdict, its reasons and the history of its transitions."""

    query_params_allowed = schema.QUERY_PARAMS

    @schema.CAMERA_HEALTH
    def retrieve(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        limit = parse_int_param(request, "limit", schema.DEFAULT_LIMIT, 1, schema.MAX_LIMIT)
        page = services.health_history_page(
            camera_id=camera.id, limit=limit, cursor=request.query_params.get("cursor") or None
        )
        health = CameraHealth.objects.filter(pk=camera.id).first()
        document = {
            "camera_id": camera.id,
            "state": health.state if health else HealthState.UNKNOWN,
            "since": health.since if health else None,
            "evaluated_at": health.evaluated_at if health else None,
            "status": camera.status,
            "reasons": health.reasons if health else [],
            "history": {"results": page.rows, "next_cursor": page.next_cursor, "has_more": page.has_more},
        }
        return Response(CameraHealthSerializer(document).data)
