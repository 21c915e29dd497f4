"""The camera add and change form of the admin. It writes through ``cameras.services`` (the
rules of the API: conflicts with trashed cameras, the folder rule, the stream rule, credentials
that stay with their host), and whatever a service refuses becomes a form error, never a 500."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.html import format_html
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as DRFValidationError

from cameras import services
from cameras.admin_trash import INGESTION_MODE_LABELS
from cameras.api.serializers import (
    split_rtsp_url,
    validate_folder_path,
    validate_name,
    validate_onvif_url,
    validate_timezone,
)
from cameras.models import Camera, IngestionMode, normalize_camera_id
from nem.errors import CameraConflict, DomainError, InvalidInput

INGESTION_MODE_CHOICES = [(mode.value, INGESTION_MODE_LABELS[mode]) for mode in IngestionMode]
# What the services take; the id only on create, the password only when one was typed.
SERVICE_FIELDS = (
    "name",
    "folder_path",
    "ingestion_mode",
    "rtsp_url",
    "rtsp_username",
    "stream_profile",
    "motion_sensitivity",
    "onvif_url",
    "timezone",
)


FIELD_LABELS = {
    "rtsp_url": "RTSP URL",
    "rtsp_username": "RTSP username",
    "rtsp_password": "RTSP password",
    "onvif_url": "ONVIF URL",
    "id": "ID",
}


def _django_error(validator, value):
    """Run one of the API's field validators from a form."""
    try:
        return validator(value)
    except DRFValidationError as exc:
        raise DjangoValidationError([str(e) for e in exc.detail]) from None


class CameraAdminForm(forms.ModelForm):
    ingestion_mode = forms.ChoiceField(choices=INGESTION_MODE_CHOICES, initial=IngestionMode.FTP)
    rtsp_password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only. Leave empty to keep the stored password.",
    )
    actor = "unknown"  # CameraAdmin.get_form sets the logged-in user

    class Meta:
        model = Camera
        fields = ["id", *SERVICE_FIELDS, "rtsp_password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.adding = not self.instance.pk
        self.saved: Camera | None = None
        self.url_credentials: dict = {}
        for name, label in FIELD_LABELS.items():
            if name in self.fields:
                self.fields[name].label = label
        if "id" in self.fields:
            self.fields["id"].required = False
            self.fields["id"].help_text = "Leave empty to derive it from the folder name."

    def clean_id(self):
        value = self.cleaned_data.get("id") or ""
        if value and normalize_camera_id(value) != value:
            raise DjangoValidationError("Choose an id of lower-case letters, digits and single underscores.")
        return value

    def clean_name(self):
        return _django_error(validate_name, self.cleaned_data["name"])

    def clean_folder_path(self):
        return _django_error(validate_folder_path, self.cleaned_data["folder_path"])

    def clean_onvif_url(self):
        value = self.cleaned_data.get("onvif_url")
        return _django_error(validate_onvif_url, value) if value else None

    def clean_motion_sensitivity(self):
        value = self.cleaned_data["motion_sensitivity"]
        if not 0.0 <= value <= 1.0:  # the API's range
            raise DjangoValidationError("Enter a value from 0 to 1.")
        return value

    def clean_timezone(self):
        return _django_error(validate_timezone, self.cleaned_data["timezone"])

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("rtsp_url")
        if url:
            try:
                clean_url, username, password = split_rtsp_url(url)
            except DRFValidationError as exc:
                self.add_error("rtsp_url", [str(e) for e in exc.detail])
            else:
                cleaned["rtsp_url"] = clean_url
                # Explicit fields win over credentials embedded in the URL, as in the API.
                if username and not cleaned.get("rtsp_username"):
                    self.url_credentials["rtsp_username"] = cleaned["rtsp_username"] = username
                if password and not cleaned.get("rtsp_password"):
                    self.url_credentials["rtsp_password"] = password
        if not self.errors:
            # The service is the check and the write at once (every camera, trashed ones included, is
            # compared under the unique indexes), so it runs here: what it refuses becomes a form error.
            self.saved = self._write(cleaned)
            if self.saved is not None:
                self.instance = self.saved
                cleaned["id"] = self.saved.pk
        return cleaned

    def _service_data(self, cleaned) -> dict:
        if self.adding:
            data = {name: cleaned.get(name) for name in SERVICE_FIELDS}
            if cleaned.get("id"):
                data["id"] = cleaned["id"]
        else:
            data = {name: cleaned.get(name) for name in SERVICE_FIELDS if name in self.changed_data}
            data.update((k, v) for k, v in self.url_credentials.items() if k == "rtsp_username")
        password = cleaned.get("rtsp_password") or self.url_credentials.get("rtsp_password")
        if password:
            data["rtsp_password"] = password
        return data

    def _write(self, cleaned) -> Camera | None:
        data = self._service_data(cleaned)
        try:
            if self.adding:
                return services.camera_create(data=data)
            if not data:
                return self.instance
            return services.camera_update(camera_id=self.instance.pk, data=data, actor=self.actor)
        except CameraConflict as exc:
            self._conflict_error(data, exc)
        except InvalidInput as exc:
            for error in exc.errors:
                self.add_error(error["field"] if error["field"] in self.fields else None, error["message"])
        except DomainError as exc:
            self.add_error(None, exc.detail)
        except DRFValidationError as exc:  # services not yet on domain errors
            detail = exc.detail if isinstance(exc.detail, dict) else {None: exc.detail}
            for field, messages_ in detail.items():
                self.add_error(field if field in self.fields else None, [str(m) for m in messages_])
        except APIException as exc:
            self.add_error(None, str(exc.detail))
        return None

    def _conflict_error(self, data: dict, exc: CameraConflict) -> None:
        """Put the conflict on the field that holds the taken value, and say where the holder is."""
        exclude = None if self.adding else self.instance.pk
        for field, lookup in (("name", "name"), ("folder_path", "folder_path"), ("id", "pk")):
            value = data.get(field)
            holder = Camera.all_objects.filter(**{lookup: value}).exclude(pk=exclude).first() if value else None
            if holder is None:
                continue
            if holder.is_deleted:
                message = format_html(
                    'The camera <a href="{}">{}</a> in the trash has this {}: restore it from the trash, '
                    "or choose another value.",
                    reverse("admin:cameras_trashedcamera_change", args=[holder.pk]),
                    holder.name,
                    field.replace("_", " "),
                )
            else:
                message = format_html(
                    'The camera <a href="{}">{}</a> already has this {}.',
                    reverse("admin:cameras_camera_change", args=[holder.pk]),
                    holder.name,
                    field.replace("_", " "),
                )
            self.add_error(field if field in self.fields else None, message)
            return
        # The folder rule's overlap: its message starts with the field it is about.
        field = "folder_path" if str(exc.detail).startswith("folder_path") else None
        self.add_error(field, exc.detail)

    def validate_unique(self):
        pass  # the service checked every camera, trashed ones included

    def save(self, commit=True):
        self.save_m2m = lambda: None  # no many-to-many fields; ModelAdmin.save_related calls it
        return self.saved
