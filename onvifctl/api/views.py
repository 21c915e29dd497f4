"""ONVIF endpoints: thin views over onvifctl.services."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string
from django_ratelimit.core import is_ratelimited
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from nem.schema import problem_responses
from onvifctl import event_services, services
from onvifctl.api.serializers import (
    CapabilitiesSerializer,
    DiscoverRequestSerializer,
    DiscoverResultSerializer,
    EventStatusSerializer,
    PresetGotoSerializer,
    PresetListSerializer,
    PtzCommandSerializer,
    PtzResultSerializer,
)

DEVICE_ERRORS = (
    "404: unknown or trashed camera. 409: the camera's ingestion_mode is not `onvif`, or the device does not "
    "offer the operation (no PTZ, no media profile). 503: the device did not answer within "
    "NEM_ONVIF_TIMEOUT_SECONDS, refused our credentials (the detail hints at rtsp_username/rtsp_password and "
    "clock skew) or answered nonsense. The device service URL is the camera's `onvif_url`, else "
    "`http://<rtsp_url host>:80/onvif/device_service`; credentials are rtsp_username/rtsp_password."
)


class CapabilitiesView(APIView):
    @extend_schema(
        summary="Get ONVIF device capabilities",
        description="Device information and the services it offers. " + DEVICE_ERRORS,
        responses={200: CapabilitiesSerializer, **problem_responses(401, 404, 409, 503)},
        tags=["onvif"],
    )
    def get(self, request, camera_id: str):
        return Response(services.onvif_capabilities_get(camera_id=camera_id))


class PtzView(APIView):
    @extend_schema(
        summary="Execute a PTZ command",
        description=(
            "`pan`/`tilt`/`zoom` start a continuous move at velocity `value * speed` on the camera's media "
            "profile (`stream_profile`: main = first profile, sub = second). The server stops the move after "
            "NEM_PTZ_MOVE_SECONDS (default 1 s) unless another command for the camera comes first: repeat the "
            "command to keep moving. `stop` stops at once (a zero-velocity move on devices without Stop). "
            "400: unknown command, value outside -1..1 or speed outside 0..1. 422: a body that is not "
            "`{command, value, speed}` with the right types. " + DEVICE_ERRORS
        ),
        request=PtzCommandSerializer,
        responses={200: PtzResultSerializer, **problem_responses(400, 401, 404, 409, 422, 503)},
        examples=[OpenApiExample("Pan right", value={"command": "pan", "value": 0.5, "speed": 0.3})],
        tags=["onvif"],
    )
    def post(self, request, camera_id: str):
        body = PtzCommandSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(services.onvif_ptz_command(camera_id=camera_id, **body.validated_data))


class PresetListView(APIView):
    @extend_schema(
        summary="List PTZ presets",
        description="Presets of the camera's media profile; `name` is null for a preset saved without one. "
        + DEVICE_ERRORS,
        responses={200: PresetListSerializer, **problem_responses(401, 404, 409, 503)},
        tags=["onvif"],
    )
    def get(self, request, camera_id: str):
        return Response(services.onvif_presets_list(camera_id=camera_id))


class PresetGotoView(APIView):
    @extend_schema(
        summary="Move the camera to a PTZ preset",
        description=(
            "Cancels a pending automatic stop and pauses scene-change comparison for NEM_PTZ_PRESET_SECONDS. "
            "400: a token the device does not know (or longer than 64 characters). " + DEVICE_ERRORS
        ),
        request=None,
        responses={200: PresetGotoSerializer, **problem_responses(400, 401, 404, 409, 503)},
        tags=["onvif"],
    )
    def post(self, request, camera_id: str, preset_token: str):
        return Response(services.onvif_preset_goto(camera_id=camera_id, preset_token=preset_token))


class DiscoverView(APIView):
    @extend_schema(
        summary="Discover ONVIF devices",
        description=(
            "WS-Discovery: a unicast Probe to every host of `subnet` (UDP 3702; at most a /22, larger is 422), "
            "plus a multicast Probe out of the server's interfaces whose network overlaps the subnet (unless "
            "NEM_ONVIF_MULTICAST is false). Answers outside the subnet are dropped, one device per endpoint "
            "reference. With `username`/`password`, each device's details, RTSP URLs and capabilities are fetched "
            "in parallel, each within NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS; without them (or when a device "
            "is slow or refuses them) those fields are null/empty and `manufacturer`/`model` come from the "
            "device's scopes. The whole call returns within `timeout` seconds. Rate limited per client IP "
            "(NEM_RATE_LIMIT_DISCOVERY, 429 with Retry-After)."
        ),
        request=DiscoverRequestSerializer,
        responses={
            200: DiscoverResultSerializer,
            **problem_responses(401, 422, 429),
        },
        examples=[
            OpenApiExample(
                "Scan a /24 with credentials",
                value={"subnet": "192.168.1.0/24", "timeout": 10, "username": "admin", "password": "secret"},
                request_only=True,
            )
        ],
        tags=["onvif"],
    )
    def post(self, request):
        if is_ratelimited(
            request=request,
            group="onvifctl.discover",
            key="ip",
            rate=settings.NEM_RATE_LIMIT_DISCOVERY,
            method="POST",
            increment=True,
        ):
            return import_string(settings.RATELIMIT_VIEW)(request)
        body = DiscoverRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return Response(
            services.onvif_discover(
                subnet=data["subnet"],
                timeout=data["timeout"],
                username=data.get("username") or None,
                password=data.get("password") or None,
            )
        )


class EventStatusView(APIView):
    @extend_schema(
        summary="ONVIF event subscription of a camera",
        description=(
            "What the `run_onvif_events` process last recorded for the camera: whether it holds a PullPoint "
            "subscription, the last message and error, the camera's motion and signal state, and the topics "
            "NEM does not interpret. 404: unknown or trashed camera. 409: ingestion_mode is not `onvif`."
        ),
        responses={200: EventStatusSerializer, **problem_responses(401, 404, 409)},
        tags=["onvif"],
    )
    def get(self, request, camera_id: str):
        return Response(EventStatusSerializer(event_services.onvif_events_status(camera_id=camera_id)).data)
