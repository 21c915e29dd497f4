from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cameras.services import camera_get_live
from health import services
from health.api.serializers import CameraHealthSerializer, HealthTransitionSerializer
from health.models import CameraHealth, HealthState
from nem.pagination import parse_int_param
from nem.schema import problem_responses


class CameraHealthView(APIView):
    @extend_schema(
        summary="A camera's health verdict and its history",
        description=(
            "`state` is the worst condition that holds: `error` (the folder or the stream is broken), `offline` "
            "(no new media for the grace period, or not yet enough consecutive new frames after an outage), "
            "`blinded` (an open view_blocked/view_tampered scene change), `frozen` (frames arrive but the "
            "picture, clock bands masked, has not changed for NEM_HEALTH_FROZEN_MINUTES), `silent` (absence "
            "anomalies over consecutive hours while media arrive), `online`; `unknown` until the first "
            "evaluation. `reasons` lists every condition that holds, worst first, with its evidence. `history` "
            "is the transitions, newest first; `cursor` (from `history.next_cursor`) pages over `(at, id)`."
        ),
        parameters=[
            OpenApiParameter("limit", OpenApiTypes.INT, description="History page size, 1-100 (default 20)."),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque cursor from `history.next_cursor`."),
        ],
        responses={200: CameraHealthSerializer, **problem_responses(401, 404, 422)},
        examples=[
            OpenApiExample(
                "Offline",
                response_only=True,
                value={
                    "camera_id": "front_door",
                    "state": "offline",
                    "since": "2026-01-23T12:10:00Z",
                    "evaluated_at": "2026-01-23T12:15:00Z",
                    "status": "offline",
                    "reasons": [
                        {
                            "state": "offline",
                            "code": "no_media",
                            "message": "no new media for 900 s (grace 600 s)",
                            "evidence": {
                                "last_media_at": "2026-01-23T12:00:00Z",
                                "silence_seconds": 900,
                                "grace_seconds": 600,
                            },
                        }
                    ],
                    "history": {
                        "results": [
                            {
                                "id": 7,
                                "at": "2026-01-23T12:10:00Z",
                                "previous": "online",
                                "state": "offline",
                                "reasons": [],
                            }
                        ],
                        "next_cursor": None,
                        "has_more": False,
                    },
                },
            )
        ],
        tags=["health"],
    )
    def get(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        limit = parse_int_param(request, "limit", 20, 1, 100)
        page = services.health_history_page(
            camera_id=camera.id, limit=limit, cursor=request.query_params.get("cursor") or None
        )
        health = CameraHealth.objects.filter(pk=camera.id).first()
        return Response(
            {
                "camera_id": camera.id,
                "state": health.state if health else HealthState.UNKNOWN,
                "since": health.since if health else None,
                "evaluated_at": health.evaluated_at if health else None,
                "status": camera.status,
                "reasons": health.reasons if health else [],
                "history": {
                    "results": HealthTransitionSerializer(page.rows, many=True).data,
                    "next_cursor": page.next_cursor,
                    "has_more": page.has_more,
                },
            }
        )
