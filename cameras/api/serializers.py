from __future__ import annotations

import re
import zoneinfo
from urllib.parse import unquote, urlsplit, urlunsplit

from rest_framework import serializers

from cameras import netpolicy
from cameras.models import (
    Camera,
    CameraStatus,
    IngestionMode,
    StreamProfile,
    normalize_camera_id,
)
from nem.serializers import FiniteFloatField, ModelSerializer, StrictSerializer
from nem.text import has_control_characters

FOLDER_FORBIDDEN = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')

CAMERA_RESPONSE_FIELDS = [
    "id",
    "name",
    "folder_path",
    "status",
    "created_at",
    "last_seen_at",
    "ingestion_mode",
    "rtsp_url",
    "stream_profile",
    "motion_sensitivity",
    "onvif_url",
    "timezone",
]


# The published description of every camera field, shared by the response and the write serializers.
CAMERA_FIELD_HELP = {
    "id": (
        "Stable identifier and path segment: lower-case letters, digits and single underscores. Derived "
        "from the basename of `folder_path` (else from `name`) unless sent explicitly on create; never changes."
    ),
    "name": "Display name, unique over live and trashed cameras (1-255 characters, no control characters).",
    "folder_path": (
        "Folder the camera uploads images and videos to, inside the media root; unique, and neither inside "
        "nor above another camera's folder."
    ),
    "status": "Connectivity state: `online`, `offline`, `error` or `unknown`.",
    "created_at": "When the camera was created (ISO 8601, UTC).",
    "last_seen_at": "When the camera last delivered an image or frame (ISO 8601, UTC); null if never.",
    "ingestion_mode": (
        "How images arrive: `ftp` (the camera uploads into its folder), `rtsp` (frames are grabbed from "
        "`rtsp_url`) or `onvif` (as rtsp, with ONVIF control through `onvif_url`)."
    ),
    "rtsp_url": (
        "RTSP stream URL (`rtsp://` or `rtsps://`), without credentials: credentials sent inside the URL are "
        "moved to `rtsp_username`/`rtsp_password`. Required when `ingestion_mode` is `rtsp` or `onvif`."
    ),
    "rtsp_username": "User name for the stream and the ONVIF service; never returned.",
    "rtsp_password": "Password for the stream and the ONVIF service; write-only, stored encrypted, never returned.",
    "stream_profile": "Which of the camera's streams to use: `main`, `sub` or `both`; null for the default.",
    "motion_sensitivity": "Motion sensitivity from 0.0 (least) to 1.0 (most); default 0.5.",
    "onvif_url": "ONVIF device service URL (`http://` or `https://`, without credentials); null if none.",
    "timezone": "IANA time zone of the camera's location (e.g. `Europe/Berlin`); default the server's.",
    "deleted_at": "When the camera was moved to the trash (ISO 8601, UTC).",
}


class CameraSerializer(ModelSerializer):
    """A camera. Secrets (the RTSP password) are never part of it."""

    class Meta:
        model = Camera
        fields = CAMERA_RESPONSE_FIELDS
        read_only_fields = CAMERA_RESPONSE_FIELDS
        extra_kwargs = {name: {"help_text": CAMERA_FIELD_HELP[name]} for name in CAMERA_RESPONSE_FIELDS}


class CameraListItemSerializer(CameraSerializer):
    """A camera in the list. With `fields`, an item holds only the fields asked for, so none is
    required here."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():  # this serializer's own fresh instances, for the schema only
            field.read_only = False
            field.required = False
        return fields


class TrashedCameraSerializer(CameraSerializer):
    """A camera in the trash, with the time it was deleted."""

    class Meta(CameraSerializer.Meta):
        fields = [*CAMERA_RESPONSE_FIELDS, "deleted_at"]
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": CAMERA_FIELD_HELP[name]} for name in fields}


def validate_name(value: str) -> str:
    if has_control_characters(value):
        raise serializers.ValidationError(
            "Camera name contains forbidden characters (control characters like null, tab, or newline)"
        )
    value = value.strip()
    if not value:
        raise serializers.ValidationError("Camera name cannot be empty or whitespace-only")
    if len(value) > 255:
        raise serializers.ValidationError("Camera name must be at most 255 characters")
    return value


def validate_folder_path(value: str) -> str:
    if ".." in value:
        raise serializers.ValidationError("Path traversal (..) not allowed in folder_path")
    if FOLDER_FORBIDDEN.search(value):
        raise serializers.ValidationError(
            'folder_path contains forbidden characters (< > : " | ? * or control characters)'
        )
    if not value.strip():
        raise serializers.ValidationError("folder_path cannot be empty")
    # "/export/foscam/x/" and "/export/foscam/x" are one folder: store one spelling.
    return value.rstrip("/") or "/"


def split_rtsp_url(value: str) -> tuple[str, str | None, str | None]:
    """Validate an RTSP URL and lift credentials out of it: returns (url, username, password)."""
    if has_control_characters(value) or any(c.isspace() for c in value):
        raise serializers.ValidationError("rtsp_url must not contain whitespace or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise serializers.ValidationError("rtsp_url is not a valid URL") from None
    if parts.scheme.lower() not in ("rtsp", "rtsps"):
        raise serializers.ValidationError("rtsp_url must use rtsp:// or rtsps:// scheme")
    if not parts.hostname:
        raise serializers.ValidationError("rtsp_url must have a valid host")
    _check_device_host("rtsp_url", value)
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{port}" if port is not None else host
    clean = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    return clean, username, password


def validate_onvif_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise serializers.ValidationError("onvif_url is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise serializers.ValidationError("onvif_url must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise serializers.ValidationError(
            "onvif_url must not carry credentials; set rtsp_username and rtsp_password instead"
        )
    _check_device_host("onvif_url", value)
    return value


def _check_device_host(field: str, url: str) -> None:
    # No camera URL may point the server at itself, the cloud metadata service or the internet.
    try:
        netpolicy.check_url_on_save(url)
    except netpolicy.DeviceAddressRefused as exc:
        raise serializers.ValidationError(f"{field} host {exc}") from None


def validate_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise serializers.ValidationError(f"'{value[:64]}' is not an IANA time zone (e.g. Europe/Berlin)") from None
    return value


def _help(name: str) -> str:
    return CAMERA_FIELD_HELP[name]


class CameraWriteSerializer(StrictSerializer):
    """The fields of a camera to create, or (for an update) to change. An unknown field is refused;
    null is refused for fields that must have a value."""

    # The cross-field rule (rtsp_url required for rtsp/onvif) is checked by the service on the
    # merged state, so an update cannot break it either.
    id = serializers.CharField(required=False, max_length=255, help_text=_help("id"))
    name = serializers.CharField(max_length=300, trim_whitespace=False, help_text=_help("name"))
    folder_path = serializers.CharField(max_length=500, trim_whitespace=False, help_text=_help("folder_path"))
    status = serializers.ChoiceField(choices=CameraStatus.choices, required=False, help_text=_help("status"))
    ingestion_mode = serializers.ChoiceField(
        choices=IngestionMode.choices, required=False, help_text=_help("ingestion_mode")
    )
    rtsp_url = serializers.CharField(
        max_length=1000, required=False, allow_null=True, allow_blank=True, help_text=_help("rtsp_url")
    )
    rtsp_username = serializers.CharField(
        max_length=255, required=False, allow_null=True, allow_blank=True, help_text=_help("rtsp_username")
    )
    rtsp_password = serializers.CharField(
        max_length=255,
        required=False,
        allow_null=True,
        allow_blank=True,
        write_only=True,
        trim_whitespace=False,
        help_text=_help("rtsp_password"),
    )
    stream_profile = serializers.ChoiceField(
        choices=StreamProfile.choices, required=False, allow_null=True, help_text=_help("stream_profile")
    )
    motion_sensitivity = FiniteFloatField(
        min_value=0.0, max_value=1.0, required=False, help_text=_help("motion_sensitivity")
    )
    onvif_url = serializers.CharField(
        max_length=1000, required=False, allow_null=True, allow_blank=True, help_text=_help("onvif_url")
    )
    timezone = serializers.CharField(max_length=64, required=False, help_text=_help("timezone"))

    def validate_name(self, value: str) -> str:
        return validate_name(value)

    def validate_folder_path(self, value: str) -> str:
        return validate_folder_path(value)

    def validate_onvif_url(self, value: str | None) -> str | None:
        return validate_onvif_url(value) if value else None

    def validate_timezone(self, value: str) -> str:
        return validate_timezone(value)

    def validate_id(self, value: str) -> str:
        if self.partial:
            raise serializers.ValidationError("The id of a camera never changes")
        if not value or normalize_camera_id(value) != value:
            raise serializers.ValidationError(
                "id must be lower-case letters, digits and single underscores, without leading or "
                f"trailing underscores (e.g. '{normalize_camera_id(value) or 'front_door'}')"
            )
        return value

    def validate_rtsp_url(self, value: str | None) -> tuple[str, str | None, str | None] | None:
        return split_rtsp_url(value) if value else None

    def validate(self, attrs: dict) -> dict:
        if attrs.get("rtsp_url"):
            clean, username, password = attrs["rtsp_url"]
            attrs["rtsp_url"] = clean
            # Explicit fields win over credentials embedded in the URL.
            if username and not attrs.get("rtsp_username"):
                attrs["rtsp_username"] = username
            if password and not attrs.get("rtsp_password"):
                attrs["rtsp_password"] = password
        for name in ("rtsp_username", "rtsp_password", "onvif_url"):
            if name in attrs and attrs[name] == "":
                attrs[name] = None
        return attrs
