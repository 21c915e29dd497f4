"""ONVIF endpoints: thin views over onvifctl.services (texts in api/schema.py)."""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import is_ratelimited
from rest_framework import viewsets
from rest_framework.response import Response

from nem.api import StrictQueryMixin
from onvifctl import event_services, services
from onvifctl.api import schema
from onvifctl.api.serializers import EventStatusSerializer, OnvifDiscoverSerializer, PtzCommandSerializer
from onvifctl.exceptions import DiscoveryRateLimited


class OnvifViewSet(StrictQueryMixin, viewsets.ViewSet):
    """What one ONVIF camera does on request: describe itself, move, list and go to presets, and
    the state of its event subscription. No operation reads a query parameter."""

    @schema.CAPABILITIES
    def capabilities(self, request, camera_id: str):
        return Response(services.onvif_capabilities_get(camera_id=camera_id))

    @schema.PTZ
    def ptz(self, request, camera_id: str):
        body = PtzCommandSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(services.onvif_ptz_command(camera_id=camera_id, **body.validated_data))

    @schema.PRESET_LIST
    def presets(self, request, camera_id: str):
        return Response(services.onvif_presets_list(camera_id=camera_id))

    @schema.PRESET_GOTO
    def preset_goto(self, request, camera_id: str, preset_token: str):
        return Response(services.onvif_preset_goto(camera_id=camera_id, preset_token=preset_token))

    @schema.EVENT_STATUS
    def events(self, request, camera_id: str):
        return Response(EventStatusSerializer(event_services.onvif_events_status(camera_id=camera_id)).data)


class OnvifDiscoveryViewSet(StrictQueryMixin, viewsets.ViewSet):
    """Finding ONVIF devices on a subnet."""

    @schema.DISCOVER
    def discover(self, request):
        if is_ratelimited(
            request=request,
            group="onvifctl.discover",
            key="ip",
            rate=settings.NEM_RATE_LIMIT_DISCOVERY,
            method="POST",
            increment=True,
        ):
            raise DiscoveryRateLimited()
        body = OnvifDiscoverSerializer(data=request.data)
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
