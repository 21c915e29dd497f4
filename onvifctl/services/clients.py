"""The per-camera ONVIF client, the camera lookup every camera-scoped operation starts with, and
the one translation of the adapter's errors into domain errors: an operation the device does not
offer 409, an argument it refuses 400, an address we may not contact 409, anything else about the
device (unreachable, too slow, wrong credentials or clock, nonsense answers) 503 with a hint."""

from __future__ import annotations

import hashlib
import logging
import threading
from contextlib import contextmanager

from django.conf import settings

from cameras.models import Camera, IngestionMode, StreamProfile
from nem.errors import CameraNotFound, DeviceUnavailable
from onvifctl.adapter import (
    DeviceAddressRefused,
    DeviceAuthFailed,
    DeviceBadResponse,
    DeviceInvalidArgument,
    DeviceTimedOut,
    DeviceUnsupported,
    OnvifClient,
    OnvifError,
    device_url_for,
)
from onvifctl.exceptions import (
    DeviceAddressUnusable,
    DeviceArgumentRefused,
    DeviceCredentialsRefused,
    DeviceOperationUnsupported,
    OnvifNotEnabled,
)

logger = logging.getLogger(__name__)

AUTH_HINT = (
    "Check the camera's rtsp_username and rtsp_password, and that the camera's clock is within a few "
    "seconds of the server's (WS-Security timestamps are checked against it)."
)

# One client per camera per process (building one parses WSDLs and asks the device three
# questions). The fingerprint covers everything that decides how we talk to the device, so a
# PATCH of the camera's ONVIF settings makes the next call build a new client.
_clients: dict[str, tuple[str, OnvifClient]] = {}
_clients_lock = threading.Lock()


def _fingerprint(camera: Camera) -> str:
    parts = (
        camera.onvif_url,
        camera.rtsp_url,
        camera.rtsp_username,
        camera.rtsp_password,
        camera.stream_profile,
        settings.NEM_ONVIF_CONNECT_TIMEOUT_SECONDS,
        settings.NEM_ONVIF_TIMEOUT_SECONDS,
    )
    return hashlib.sha256("\x00".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def onvif_client_get(*, camera: Camera) -> OnvifClient:
    """The cached client for this camera, built (and connected) when missing or outdated."""
    fingerprint = _fingerprint(camera)
    with _clients_lock:
        cached = _clients.get(camera.id)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    device_url = device_url_for(onvif_url=camera.onvif_url, rtsp_url=camera.rtsp_url)
    if not device_url:
        raise DeviceAddressUnusable(
            f"Camera {camera.id} has neither onvif_url nor an rtsp_url host to reach its ONVIF device"
        )
    client = OnvifClient(
        device_url=device_url,
        username=camera.rtsp_username,
        password=camera.rtsp_password,
        # main (and both) = the first media profile, sub = the second when the device has one
        profile_index=1 if camera.stream_profile == StreamProfile.SUB else 0,
        connect_timeout=settings.NEM_ONVIF_CONNECT_TIMEOUT_SECONDS,
        timeout=settings.NEM_ONVIF_TIMEOUT_SECONDS,
        max_bytes=settings.NEM_DEVICE_MAX_RESPONSE_BYTES,
    )
    with _clients_lock:
        _clients[camera.id] = (fingerprint, client)
    return client


def onvif_client_drop(*, camera_id: str) -> None:
    with _clients_lock:
        _clients.pop(camera_id, None)


def onvif_clients_clear() -> None:
    with _clients_lock:
        _clients.clear()


def onvif_camera(camera_id: str) -> Camera:
    """The live camera with this id in onvif mode: ``CameraNotFound`` for an unknown or trashed
    camera, ``OnvifNotEnabled`` for one in another ingestion mode."""
    camera = Camera.objects.filter(pk=camera_id).first()
    if camera is None:
        raise CameraNotFound(camera_id)
    if camera.ingestion_mode != IngestionMode.ONVIF:
        raise OnvifNotEnabled(
            f"Camera is not an ONVIF device: {camera_id} has ingestion_mode '{camera.ingestion_mode}'. "
            "Set ingestion_mode to 'onvif' (and onvif_url if the device service is not at the rtsp_url host, "
            "port 80) to use ONVIF."
        )
    return camera


@contextmanager
def device_errors(camera_id: str):
    """Adapter errors -> API errors. A client that failed is dropped: the next call reconnects
    (and re-reads the device clock, which fixes skew that appeared since)."""
    try:
        yield
    except DeviceUnsupported as exc:
        raise DeviceOperationUnsupported(f"Camera {camera_id}: {exc}") from exc
    except DeviceInvalidArgument as exc:
        raise DeviceArgumentRefused(f"Camera {camera_id}: {exc}") from exc
    except DeviceAuthFailed as exc:
        onvif_client_drop(camera_id=camera_id)
        logger.warning("onvif: camera %s refused our credentials", camera_id)
        raise DeviceCredentialsRefused(f"Device refused the credentials: {exc}. {AUTH_HINT}") from exc
    except DeviceAddressRefused as exc:
        onvif_client_drop(camera_id=camera_id)
        logger.warning("onvif: camera %s: %s", camera_id, exc)
        raise DeviceAddressUnusable(f"Camera {camera_id}: {exc}") from exc
    except OnvifError as exc:
        onvif_client_drop(camera_id=camera_id)
        logger.warning("onvif: camera %s: %s", camera_id, exc)
        # The class of failure, never the device's own words (those are in the log).
        if isinstance(exc, DeviceTimedOut):
            kind = "Device timed out"
        elif isinstance(exc, DeviceBadResponse):
            kind = "Not an ONVIF device"
        else:
            kind = "Device unreachable"
        raise DeviceUnavailable(f"{kind}: {exc}") from exc
