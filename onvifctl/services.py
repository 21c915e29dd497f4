"""ONVIF workflows: capabilities, PTZ, presets and discovery, over the adapter.

Every camera-scoped service looks the camera up with ``camera_get_live`` (404 for unknown and
trashed cameras), refuses cameras not in onvif mode (409), and turns the adapter's errors into
the API's: unsupported operation 409, an argument the device refuses 400, anything else about the
device (unreachable, too slow, wrong credentials or clock, nonsense answers) 503 with a hint.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from rest_framework.exceptions import ValidationError

from cameras import netpolicy
from cameras.models import Camera, IngestionMode, StreamProfile
from cameras.services import camera_get_live
from cameras.signals import view_moving
from nem.errors import BadRequest, Conflict, ServiceUnavailable
from onvifctl import discovery
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
from onvifctl.deadman import deadman_arm, deadman_disarm

logger = logging.getLogger(__name__)

PTZ_COMMANDS = ("pan", "tilt", "zoom", "stop")
# Comparison pauses this much longer than the move itself: the picture settles after the motor.
PTZ_SETTLE_SECONDS = 2.0
DISCOVERY_WORKERS = 16

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
        raise Conflict(f"Camera {camera.id} has neither onvif_url nor an rtsp_url host to reach its ONVIF device")
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


def _onvif_camera(camera_id: str) -> Camera:
    camera = camera_get_live(camera_id=camera_id)
    if camera.ingestion_mode != IngestionMode.ONVIF:
        raise Conflict(
            f"Camera is not an ONVIF device: {camera_id} has ingestion_mode '{camera.ingestion_mode}'. "
            "Set ingestion_mode to 'onvif' (and onvif_url if the device service is not at the rtsp_url host, "
            "port 80) to use ONVIF."
        )
    return camera


@contextmanager
def _device_errors(camera_id: str):
    """Adapter errors -> API errors. A client that failed is dropped: the next call reconnects
    (and re-reads the device clock, which fixes skew that appeared since)."""
    try:
        yield
    except DeviceUnsupported as exc:
        raise Conflict(f"Camera {camera_id}: {exc}") from exc
    except DeviceInvalidArgument as exc:
        raise BadRequest(f"Camera {camera_id}: {exc}") from exc
    except DeviceAuthFailed as exc:
        onvif_client_drop(camera_id=camera_id)
        logger.warning("onvif: camera %s refused our credentials", camera_id)
        raise ServiceUnavailable(f"Device refused the credentials: {exc}. {AUTH_HINT}") from exc
    except DeviceAddressRefused as exc:
        onvif_client_drop(camera_id=camera_id)
        logger.warning("onvif: camera %s: %s", camera_id, exc)
        raise Conflict(f"Camera {camera_id}: {exc}") from exc
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
        raise ServiceUnavailable(f"{kind}: {exc}") from exc


def onvif_capabilities_get(*, camera_id: str) -> dict:
    camera = _onvif_camera(camera_id)
    with _device_errors(camera.id):
        client = onvif_client_get(camera=camera)
        info = client.device_info()
    return {
        "manufacturer": info.manufacturer,
        "model": info.model,
        "firmware_version": info.firmware_version,
        "serial_number": info.serial_number,
        "hardware_id": info.hardware_id,
        "ptz_supported": client.capabilities.ptz,
        "media_supported": client.capabilities.media,
        "analytics_supported": client.capabilities.analytics,
    }


def _check_ptz_arguments(command: str, value: float, speed: float) -> None:
    if command not in PTZ_COMMANDS:
        raise BadRequest(f"Invalid PTZ command '{command}': use one of {', '.join(PTZ_COMMANDS)}")
    if not -1.0 <= value <= 1.0:
        raise BadRequest(f"PTZ value {value} is out of range: it must be between -1.0 and 1.0")
    if not 0.0 <= speed <= 1.0:
        raise BadRequest(f"PTZ speed {speed} is out of range: it must be between 0.0 and 1.0")


def onvif_ptz_command(*, camera_id: str, command: str, value: float, speed: float) -> dict:
    """pan/tilt/zoom: ContinuousMove at ``value * speed`` on the camera's profile, stopped by the
    server after NEM_PTZ_MOVE_SECONDS unless another command comes first. stop: Stop (or a
    zero-velocity move on devices without Stop)."""
    camera = _onvif_camera(camera_id)
    _check_ptz_arguments(command, value, speed)
    with _device_errors(camera.id):
        client = onvif_client_get(camera=camera)
        if command == "stop":
            deadman_disarm(camera_id=camera.id)
            client.stop()
        else:
            velocity = value * speed
            seconds = settings.NEM_PTZ_MOVE_SECONDS
            view_moving.send(sender=onvif_ptz_command, camera_id=camera.id, seconds=seconds + PTZ_SETTLE_SECONDS)
            # Armed before the move: if the move times out the device may still have started, and a
            # Stop to a still camera is harmless.
            deadman_arm(camera_id=camera.id, seconds=seconds, stop=client.stop)
            if command == "pan":
                client.continuous_move(pan=velocity)
            elif command == "tilt":
                client.continuous_move(tilt=velocity)
            else:
                client.continuous_move(zoom=velocity)
    return {"success": True, "command": command, "value": value, "speed": speed}


def onvif_presets_list(*, camera_id: str) -> dict:
    camera = _onvif_camera(camera_id)
    with _device_errors(camera.id):
        presets = onvif_client_get(camera=camera).presets()
    return {"presets": [{"token": p.token, "name": p.name} for p in presets], "count": len(presets)}


def onvif_preset_goto(*, camera_id: str, preset_token: str) -> dict:
    camera = _onvif_camera(camera_id)
    if not 1 <= len(preset_token) <= 64:  # an ONVIF ReferenceToken is at most 64 characters
        raise BadRequest("Invalid preset token: it must be 1 to 64 characters (see GET .../onvif/presets)")
    with _device_errors(camera.id):
        client = onvif_client_get(camera=camera)
        # A pending automatic Stop would cut the goto short.
        deadman_disarm(camera_id=camera.id)
        view_moving.send(
            sender=onvif_preset_goto,
            camera_id=camera.id,
            seconds=settings.NEM_PTZ_PRESET_SECONDS,
            preset_token=preset_token,
        )
        try:
            client.goto_preset(preset_token=preset_token)
        except DeviceInvalidArgument as exc:
            raise BadRequest(f"Invalid preset token '{preset_token}' for camera {camera.id}: {exc}") from exc
    # Issue 17: comparison resumes when the device reports the move finished (GetStatus IDLE).
    from onvifctl.tasks import await_preset_arrival_task

    camera_id = camera.id
    transaction.on_commit(lambda: await_preset_arrival_task.delay(camera_id, preset_token))
    return {"success": True, "preset_token": preset_token}


# Discovery


def discovery_network(subnet: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The subnet to scan, or a 422: CIDR notation, at most NEM_ONVIF_DISCOVERY_MAX_PREFIX's size."""
    try:
        network = ipaddress.ip_network(subnet.strip(), strict=False)
    except ValueError:
        raise ValidationError(
            {"subnet": [f"'{subnet}' is not a subnet in CIDR notation, e.g. 192.168.1.0/24"]}
        ) from None
    if not netpolicy.network_allowed(network):
        raise ValidationError(
            {"subnet": [f"{network} is not inside {netpolicy.rule_text()}: discovery probes device networks only"]}
        )
    max_prefix = settings.NEM_ONVIF_DISCOVERY_MAX_PREFIX
    limit = 2 ** (32 - max_prefix)
    if network.num_addresses > limit:
        raise ValidationError(
            {
                "subnet": [
                    f"{network} has {network.num_addresses} addresses; at most /{max_prefix} ({limit}) "
                    "can be probed in one call: split it into smaller subnets"
                ]
            }
        )
    return network


def _device_details(
    *, device_url: str, username: str, password: str | None, timeout: float, deadline: float | None = None
) -> dict:
    """What the device tells us. GetSystemDateAndTime and GetCapabilities are answered before
    authentication, and many devices answer GetDeviceInformation without it too, so a discovery
    without credentials still asks (nothing is signed). A question the device refuses sets
    ``auth_required`` and leaves its fields null, instead of dropping the device's details."""
    try:
        client = OnvifClient(
            device_url=device_url,
            username=username or None,
            password=password if username else None,
            connect_timeout=min(settings.NEM_ONVIF_CONNECT_TIMEOUT_SECONDS, timeout),
            timeout=timeout,
            max_bytes=settings.NEM_DEVICE_MAX_RESPONSE_BYTES,
            # Every exchange of this fetch ends by then, so the thread running it ends with the request.
            deadline=deadline,
        )
    except DeviceAuthFailed:  # a device strict about a wrong token even on pre-auth calls
        return {"auth_required": True}
    details: dict = {
        "rtsp_urls": [],
        "capabilities": {
            "video": client.capabilities.media,
            "ptz": client.capabilities.ptz,
            "events": client.capabilities.events,
        },
        "auth_required": False,
    }
    try:
        info = client.device_info()
    except DeviceAuthFailed:
        details["auth_required"] = True
        return details
    details.update(
        manufacturer=info.manufacturer,
        model=info.model,
        firmware_version=info.firmware_version,
        serial_number=info.serial_number,
        hardware_id=info.hardware_id,
    )
    if client.capabilities.media:
        try:
            details["rtsp_urls"] = [{"profile": name, "url": url} for name, url in client.stream_uris()]
        except DeviceAuthFailed:  # stream addresses usually need credentials
            details["auth_required"] = True
    return details


def _device_entry(match: discovery.ProbeMatch, details: dict | None) -> dict:
    from_scopes = discovery.scope_attributes(match.scopes)
    entry = {
        "device_url": match.device_url,
        "ip": match.ip,
        "port": match.port,
        "manufacturer": from_scopes["manufacturer"],
        "model": from_scopes["model"],
        "firmware_version": None,
        "serial_number": None,
        "hardware_id": None,
        "rtsp_urls": [],
        "capabilities": None,
        "auth_required": None,
    }
    if details:
        entry.update({k: v for k, v in details.items() if v is not None or k not in ("manufacturer", "model")})
    return entry


def onvif_discover(
    *,
    subnet: str,
    timeout: float,
    username: str | None = None,
    password: str | None = None,
    port: int | None = None,
) -> dict:
    """Find ONVIF devices in ``subnet`` within ``timeout`` seconds.

    1. Probe: unicast to every host of the subnet (and multicast out of the overlapping interfaces
       when NEM_ONVIF_MULTICAST), listening for half the timeout (at most 3 s: unicast answers are
       immediate, multicast ones come within WS-Discovery's 500 ms jitter).
    2. Keep answers whose address is inside the subnet, one per endpoint reference.
    3. Each device's details are fetched in parallel as soon as it answers (with the credentials
       when given, else unauthenticated: what the device answers without them), each bounded by
       NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS and all by the overall deadline; a device that is
       slow keeps the fields its scopes gave (details null), one that refuses a question says so
       (``auth_required``).
    """
    network = discovery_network(subnet)
    started = time.monotonic()
    deadline = started + timeout
    device_timeout = settings.NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS
    interfaces = discovery.multicast_interfaces(network) if settings.NEM_ONVIF_MULTICAST else []
    found: dict[str, discovery.ProbeMatch] = {}
    pending: dict[str, tuple[float, object]] = {}
    details: dict[str, dict] = {}
    executor = ThreadPoolExecutor(max_workers=DISCOVERY_WORKERS, thread_name_prefix="onvif-discover")
    try:
        for match in discovery.probe(
            network=network,
            port=port or settings.NEM_ONVIF_DISCOVERY_PORT,
            listen_seconds=min(timeout / 2, 3.0),
            multicast_from=interfaces,
        ):
            if match.epr in found or not discovery.locate(match, network):
                continue
            found[match.epr] = match
            now = time.monotonic()
            budget = max(0.1, min(device_timeout, deadline - now))
            future = executor.submit(
                _device_details,
                device_url=match.device_url,
                username=username,
                password=password,
                timeout=budget,
                deadline=min(now + budget, deadline),
            )
            pending[match.epr] = (now + budget, future)
        for epr, (device_deadline, future) in pending.items():
            try:
                details[epr] = future.result(timeout=max(0.0, min(device_deadline, deadline) - time.monotonic()))
            except FutureTimeout:
                logger.info("discovery: %s did not give its details in time", found[epr].device_url)
            except OnvifError as exc:
                logger.info("discovery: no details from %s: %s", found[epr].device_url, exc)
    finally:
        # Fetches not started are dropped; running ones end by their deadline (the transport bounds
        # every exchange by it), so waiting here is bounded and no thread outlives the request.
        executor.shutdown(wait=True, cancel_futures=True)
    matches = sorted(found.values(), key=lambda m: (ipaddress.ip_address(m.ip), m.port, m.epr))
    devices = [_device_entry(m, details.get(m.epr)) for m in matches]
    logger.info(
        "discovery of %s: %d device(s) in %.1f s (multicast on %d interface(s))",
        network,
        len(devices),
        time.monotonic() - started,
        len(interfaces),
    )
    return {"devices": devices, "count": len(devices)}
