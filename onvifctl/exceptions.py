"""Problem kinds of the ONVIF endpoints (each has its page at ``/problems/<slug>``)."""

from __future__ import annotations

from nem.errors import RATE_LIMITED, BadRequest, Conflict, DeviceUnavailable, DomainError


class OnvifNotEnabled(Conflict):
    slug = "onvif-not-enabled"
    title = "Camera is not in ONVIF mode"
    description = (
        "ONVIF operations need a camera whose `ingestion_mode` is `onvif`. PATCH the camera's "
        "`ingestion_mode` (and `onvif_url` when the device service is not at the `rtsp_url` host, port 80)."
    )


class DeviceAddressUnusable(Conflict):
    slug = "device-address-unusable"
    title = "Device address unusable"
    description = (
        "The camera's ONVIF device cannot be contacted at the address it has: it has neither `onvif_url` nor "
        "an `rtsp_url` host, or the host is outside the networks devices may be on (NEM_DEVICE_NETWORKS)."
    )


class DeviceOperationUnsupported(Conflict):
    slug = "device-operation-unsupported"
    title = "Device does not support the operation"
    description = (
        "The device answered but does not offer what the operation needs (no PTZ service, no media "
        "profile, no Stop...). `detail` names what is missing."
    )


class InvalidPtzCommand(BadRequest):
    slug = "invalid-ptz-command"
    title = "Invalid PTZ command"
    description = (
        "`command` is not one of `pan`, `tilt`, `zoom`, `stop`, or `value` is outside -1.0..1.0, or `speed` "
        "outside 0.0..1.0. Nothing was sent to the device."
    )


class InvalidPresetToken(BadRequest):
    slug = "invalid-preset-token"
    title = "Invalid preset token"
    description = (
        "The device does not know this preset token (or the token is longer than the 64 characters ONVIF "
        "allows). List the camera's presets at `/api/cameras/{camera_id}/onvif/presets`."
    )


class DeviceArgumentRefused(BadRequest):
    slug = "device-argument-refused"
    title = "Device refused an argument"
    description = "The device refused an argument of the request as invalid; `detail` says which operation."


class DeviceCredentialsRefused(DeviceUnavailable):
    slug = "device-credentials-refused"
    title = "Device refused the credentials"
    description = (
        "The device refused the camera's `rtsp_username`/`rtsp_password`, or the WS-Security timestamp (its "
        "clock is far from the server's). Fix the credentials or the device clock, then retry."
    )


class DiscoveryRateLimited(DomainError):
    """Too many discoveries from one client address (the problem kind every rate limit uses)."""

    slug = RATE_LIMITED.slug
    status = RATE_LIMITED.status
    title = RATE_LIMITED.title
    description = RATE_LIMITED.description
    default_detail = "Rate limit exceeded. Try again later."

    def __init__(self, retry_after: int = 60):
        super().__init__(headers={"Retry-After": str(retry_after)})
