"""The published OpenAPI description of the ONVIF operations: texts, parameters and examples. The
views only name the schema each operation uses."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema

from nem.errors import RATE_LIMITED, VALIDATION_ERROR, DeviceUnavailable
from nem.schema import problem_responses
from nem.schema_examples import (
    camera_id_param,
    camera_not_found,
    field_problem,
    ok,
    path_param,
    problem_example,
    unknown_parameter,
)
from onvifctl.api.serializers import (
    CapabilitiesSerializer,
    DiscoverResultSerializer,
    EventStatusSerializer,
    OnvifDiscoverSerializer,
    PresetGotoSerializer,
    PresetListSerializer,
    PtzCommandSerializer,
    PtzResultSerializer,
)
from onvifctl.exceptions import (
    DeviceCredentialsRefused,
    DeviceOperationUnsupported,
    InvalidPresetToken,
    InvalidPtzCommand,
    OnvifNotEnabled,
)

TAG = "ONVIF"
DEVICE = "http://192.168.1.100:80/onvif/device_service"

DEVICE_ERRORS = (
    "404 (`camera-not-found`): unknown or trashed camera. 409: the camera's `ingestion_mode` is not `onvif` "
    "(`onvif-not-enabled`), the device does not offer the operation, e.g. no PTZ or no media profile "
    "(`device-operation-unsupported`), or its address may not be contacted (`device-address-unusable`). "
    "503: the device did not answer within NEM_ONVIF_TIMEOUT_SECONDS or answered something that is not ONVIF "
    "(`device-unavailable`), or refused our credentials (`device-credentials-refused`, the detail hints at "
    "rtsp_username/rtsp_password and clock skew). The device service URL is the camera's `onvif_url`, else "
    "`http://<rtsp_url host>:80/onvif/device_service`; credentials are rtsp_username/rtsp_password."
)


# --- parameters -------------------------------------------------------------------------------

CAMERA_ID_PARAM = camera_id_param(
    "The camera's id (see `GET /api/cameras`); the camera must be in `onvif` ingestion mode.", "Porch PTZ", "porch_ptz"
)
PRESET_TOKEN_PARAM = path_param(
    "preset_token",
    OpenApiTypes.STR,
    "A preset's `token` from `GET /api/cameras/{camera_id}/onvif/presets` (1-64 characters).",
    "Preset 1",
    "preset_1",
)


# --- examples ---------------------------------------------------------------------------------


def _path(tail: str, camera_id: str = "porch_ptz") -> str:
    return f"/api/cameras/{camera_id}/onvif/{tail}"


def device_problems(tail: str) -> list[OpenApiExample]:
    """The errors every device operation can answer, as examples."""
    return [
        camera_not_found(_path(tail, "nope")),
        problem_example(
            "Camera not in ONVIF mode",
            OnvifNotEnabled.problem_kind(),
            "Camera is not an ONVIF device: garage has ingestion_mode 'ftp'. Set ingestion_mode to 'onvif' (and "
            "onvif_url if the device service is not at the rtsp_url host, port 80) to use ONVIF.",
            _path(tail, "garage"),
        ),
        problem_example(
            "Device timed out",
            DeviceUnavailable.problem_kind(),
            f"Device timed out: Device at {DEVICE} did not answer within 5 s",
            _path(tail),
        ),
        problem_example(
            "Credentials refused",
            DeviceCredentialsRefused.problem_kind(),
            f"Device refused the credentials: Device at {DEVICE} refused our credentials. Check the camera's "
            "rtsp_username and rtsp_password, and that the camera's clock is within a few seconds of the "
            "server's (WS-Security timestamps are checked against it).",
            _path(tail),
        ),
    ]


# --- operations -------------------------------------------------------------------------------

CAPABILITIES = extend_schema(
    tags=[TAG],
    summary="Get ONVIF device capabilities",
    description="The device's information (manufacturer, model, firmware...) and the services it offers. "
    + DEVICE_ERRORS,
    parameters=[CAMERA_ID_PARAM],
    responses={200: CapabilitiesSerializer, **problem_responses(401, 404, 409, 422, 503)},
    examples=[
        ok(
            "PTZ camera",
            {
                "manufacturer": "Foscam",
                "model": "FI9928P",
                "firmware_version": "2.81.2.70",
                "serial_number": "FC1234567890",
                "hardware_id": "1.4.1.10",
                "ptz_supported": True,
                "media_supported": True,
                "analytics_supported": False,
            },
        ),
        *device_problems("capabilities"),
        unknown_parameter(_path("capabilities"), parameter="verbose"),
    ],
)

PTZ = extend_schema(
    tags=[TAG],
    summary="Execute a PTZ command",
    description=(
        "`pan`/`tilt`/`zoom` start a continuous move at velocity `value * speed` on the camera's media "
        "profile (`stream_profile`: main = first profile, sub = second). The server stops the move after "
        "NEM_PTZ_MOVE_SECONDS unless another command for the camera comes first: repeat the command to keep "
        "moving. `stop` stops at once (a zero-velocity move on devices without Stop). Scene-change comparison "
        "pauses while the view moves. 400 (`invalid-ptz-command`): unknown command, value outside -1..1 or "
        "speed outside 0..1. 422: a body that is not `{command, value, speed}` with the right types. " + DEVICE_ERRORS
    ),
    parameters=[CAMERA_ID_PARAM],
    request=PtzCommandSerializer,
    responses={200: PtzResultSerializer, **problem_responses(400, 401, 404, 409, 422, 503)},
    examples=[
        OpenApiExample("Pan right", value={"command": "pan", "value": 0.5, "speed": 0.3}, request_only=True),
        OpenApiExample("Zoom out", value={"command": "zoom", "value": -1.0, "speed": 1.0}, request_only=True),
        OpenApiExample("Stop", value={"command": "stop", "value": 0.0, "speed": 0.0}, request_only=True),
        ok("Panning", {"success": True, "command": "pan", "value": 0.5, "speed": 0.3}),
        problem_example(
            "Unknown command",
            InvalidPtzCommand.problem_kind(),
            "Invalid PTZ command 'spin': use one of pan, tilt, zoom, stop",
            _path("ptz"),
        ),
        problem_example(
            "No PTZ on the device",
            DeviceOperationUnsupported.problem_kind(),
            "Camera porch_ptz: Device does not offer the ONVIF PTZ service",
            _path("ptz"),
        ),
        field_problem(
            "Malformed body",
            VALIDATION_ERROR,
            "value",
            "A valid number is required.",
            _path("ptz"),
        ),
        *device_problems("ptz"),
    ],
)

PRESET_LIST = extend_schema(
    tags=[TAG],
    summary="List PTZ presets",
    description="The presets of the camera's media profile, in device order; `name` is null for a preset saved "
    "without one. " + DEVICE_ERRORS,
    parameters=[CAMERA_ID_PARAM],
    responses={200: PresetListSerializer, **problem_responses(401, 404, 409, 422, 503)},
    examples=[
        ok(
            "Two presets",
            {
                "presets": [{"token": "preset_1", "name": "Gate"}, {"token": "preset_2", "name": None}],
                "count": 2,
            },
        ),
        *device_problems("presets"),
        unknown_parameter(_path("presets"), parameter="verbose"),
    ],
)

PRESET_GOTO = extend_schema(
    tags=[TAG],
    summary="Move the camera to a PTZ preset",
    description=(
        "Cancels a pending automatic stop, pauses scene-change comparison and sends the goto. Comparison "
        "resumes, with the preset's own reference, when the device reports it arrived (or after "
        "NEM_PTZ_PRESET_SECONDS). No body. 400 (`invalid-preset-token`): a token the device does not know, or "
        "one longer than 64 characters. " + DEVICE_ERRORS
    ),
    parameters=[CAMERA_ID_PARAM, PRESET_TOKEN_PARAM],
    request=None,
    responses={200: PresetGotoSerializer, **problem_responses(400, 401, 404, 409, 422, 503)},
    examples=[
        ok("Moving", {"success": True, "preset_token": "preset_1"}),
        problem_example(
            "Unknown preset",
            InvalidPresetToken.problem_kind(),
            "Invalid preset token 'nope' for camera porch_ptz: Device refused an argument of the request",
            _path("presets/nope"),
        ),
        *device_problems("presets/preset_1"),
    ],
)

EVENT_STATUS = extend_schema(
    tags=[TAG],
    summary="ONVIF event subscription of a camera",
    description=(
        "What the `run_onvif_events` process last recorded for the camera: whether it holds a PullPoint "
        "subscription, the last message and error, the camera's motion and signal state, and the topics "
        "NEM does not interpret. All empty before the process first saw the camera. 404 (`camera-not-found`): "
        "unknown or trashed camera. 409 (`onvif-not-enabled`): `ingestion_mode` is not `onvif`."
    ),
    parameters=[CAMERA_ID_PARAM],
    responses={200: EventStatusSerializer, **problem_responses(401, 404, 409, 422)},
    examples=[
        ok(
            "Subscribed",
            {
                "camera_id": "porch_ptz",
                "subscribed": True,
                "subscribed_at": "2026-01-23T12:00:00Z",
                "terminates_at": "2026-01-23T12:02:00Z",
                "subscriptions_created": 1,
                "renewals": 0,
                "messages": 12,
                "last_message_at": "2026-01-23T12:01:10Z",
                "last_error": None,
                "last_error_at": None,
                "consecutive_failures": 0,
                "last_motion_at": "2026-01-23T12:01:10Z",
                "motion_active": False,
                "last_tamper_at": None,
                "signal_lost": False,
                "unknown_topics": [
                    {
                        "topic": "tns1:RuleEngine/LineDetector/Crossed",
                        "count": 3,
                        "last_seen_at": "2026-01-23T12:00:40Z",
                    }
                ],
            },
        ),
        *device_problems("events")[:2],
        unknown_parameter(_path("events"), parameter="verbose"),
    ],
)

DISCOVER = extend_schema(
    tags=[TAG],
    summary="Discover ONVIF devices",
    description=(
        "WS-Discovery: a unicast Probe to every host of `subnet` (UDP 3702; at most a /22, larger is 422), "
        "plus a multicast Probe out of the server's interfaces whose network overlaps the subnet (unless "
        "NEM_ONVIF_MULTICAST is false). Answers outside the subnet are dropped, one device per endpoint "
        "reference. Each device is then asked what it tells (its details, RTSP URLs and capabilities), in "
        "parallel, each within NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS: with `username`/`password` when "
        "given, else unauthenticated (many devices answer part of it). A device that refuses a question says "
        "`auth_required: true`, one that is slow keeps what its scopes told (`manufacturer`, `model`). The "
        "whole call returns within `timeout` seconds. Rate limited per client address "
        "(NEM_RATE_LIMIT_DISCOVERY: 429 `rate-limited` with `Retry-After`)."
    ),
    request=OnvifDiscoverSerializer,
    responses={200: DiscoverResultSerializer, **problem_responses(401, 422, 429)},
    examples=[
        OpenApiExample(
            "Scan a /24 with credentials",
            value={"subnet": "192.168.1.0/24", "timeout": 10, "username": "admin", "password": "secret"},
            request_only=True,
        ),
        OpenApiExample("Scan without credentials", value={"subnet": "192.168.1.0/24"}, request_only=True),
        ok(
            "One device",
            {
                "devices": [
                    {
                        "device_url": DEVICE,
                        "ip": "192.168.1.100",
                        "port": 80,
                        "manufacturer": "Foscam",
                        "model": "FI9928P",
                        "firmware_version": "2.81.2.70",
                        "serial_number": "FC1234567890",
                        "hardware_id": "1.4.1.10",
                        "rtsp_urls": [{"profile": "Profile_1", "url": "rtsp://192.168.1.100:554/videoMain"}],
                        "capabilities": {"video": True, "ptz": True, "events": True},
                        "auth_required": False,
                    }
                ],
                "count": 1,
            },
        ),
        problem_example(
            "Subnet too large",
            VALIDATION_ERROR,
            "Request validation failed: subnet: 10.0.0.0/16 has 65536 addresses; at most /22 (1024) can be "
            "probed in one call: split it into smaller subnets",
            "/api/cameras/onvif/discover",
            [
                {
                    "field": "subnet",
                    "message": "10.0.0.0/16 has 65536 addresses; at most /22 (1024) can be probed in one call: "
                    "split it into smaller subnets",
                }
            ],
        ),
        problem_example(
            "Rate limited", RATE_LIMITED, "Rate limit exceeded. Try again later.", "/api/cameras/onvif/discover"
        ),
    ],
)
