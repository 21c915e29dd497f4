"""The admin is the trash UI: cameras lists live cameras only and deleting moves to the trash;
``TrashedCamera`` (a proxy) lists the trash with Restore and Purge behind a confirmation page."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as DRFValidationError

from cameras import netpolicy, services
from cameras.admin_panels import camera_list_columns, camera_panels
from cameras.api.serializers import (
    split_rtsp_url,
    validate_folder_path,
    validate_name,
    validate_onvif_url,
    validate_timezone,
)
from cameras.folders import camera_folder_validate
from cameras.models import RESERVED_CAMERA_IDS, Camera, CameraAuditRecord, TrashedCamera, normalize_camera_id
from nem.admin import ReadOnlyAdminMixin, camera_link


def _actor(request) -> str:
    return f"user:{request.user.get_username()}"


def _django_error(validator, value):
    """Run one of the API's validators from a form, so the admin and the API share the rules."""
    try:
        return validator(value)
    except DRFValidationError as exc:
        raise DjangoValidationError([str(e) for e in exc.detail]) from None


class CameraAdminForm(forms.ModelForm):
    rtsp_password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only. Leave empty to keep the stored password.",
    )

    class Meta:
        model = Camera
        fields = [
            "id",
            "name",
            "folder_path",
            "status",
            "ingestion_mode",
            "rtsp_url",
            "rtsp_username",
            "rtsp_password",
            "stream_profile",
            "motion_sensitivity",
            "onvif_url",
            "timezone",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new camera has no id yet (the form or the folder name gives it one).
        self.adding = not self.instance.pk
        if self.adding:
            self.fields["id"].required = False
            self.fields["id"].help_text = "Leave empty to derive it from the folder name."
        else:
            self.fields["id"].disabled = True  # the id never changes

    def clean_name(self):
        return _django_error(validate_name, self.cleaned_data["name"])

    def clean_folder_path(self):
        return _django_error(validate_folder_path, self.cleaned_data["folder_path"])

    def clean_onvif_url(self):
        value = self.cleaned_data.get("onvif_url")
        return _django_error(validate_onvif_url, value) if value else None

    def clean_timezone(self):
        return _django_error(validate_timezone, self.cleaned_data["timezone"])

    def clean(self):
        cleaned = super().clean()
        if self.adding and "name" in cleaned and "folder_path" in cleaned:
            camera_id = cleaned.get("id") or services.camera_derive_id(
                folder_path=cleaned["folder_path"], name=cleaned["name"]
            )
            if not camera_id or camera_id in RESERVED_CAMERA_IDS or normalize_camera_id(camera_id) != camera_id:
                self.add_error("id", "Choose an id of lower-case letters, digits and underscores.")
            cleaned["id"] = camera_id
        if cleaned.get("folder_path") and "folder_path" in self.changed_data:
            # The cameras folder rule, as the API applies it (inside the root, no overlap).
            try:
                camera_folder_validate(
                    folder_path=cleaned["folder_path"],
                    camera_id=None if self.adding else self.instance.pk,
                )
            except DRFValidationError as exc:
                self.add_error("folder_path", [str(e) for e in exc.detail["folder_path"]])
            except APIException as exc:
                self.add_error("folder_path", str(exc.detail))
        url = cleaned.get("rtsp_url")
        if url:
            try:
                clean_url, username, password = split_rtsp_url(url)
            except DRFValidationError as exc:
                self.add_error("rtsp_url", [str(e) for e in exc.detail])
            else:
                cleaned["rtsp_url"] = clean_url
                cleaned["rtsp_username"] = cleaned.get("rtsp_username") or username
                cleaned["rtsp_password"] = cleaned.get("rtsp_password") or password
        mode = cleaned.get("ingestion_mode")
        if mode in services.STREAMING_MODES and not cleaned.get("rtsp_url"):
            self.add_error("rtsp_url", "rtsp_url is required when ingestion_mode is 'rtsp' or 'onvif'")
        return cleaned

    def save(self, commit=True):
        camera = super().save(commit=False)
        camera.id = self.cleaned_data["id"]
        if self.cleaned_data.get("rtsp_password"):
            camera.rtsp_password = self.cleaned_data["rtsp_password"]
        # Credentials belong to a host, as in the API: a device URL moved to another scheme, host or
        # port without a new password drops the stored ones (CameraAdmin.save_model audits it).
        self.credentials_cleared = []
        moved = [
            field
            for field in ("rtsp_url", "onvif_url")
            if not self.adding
            and field in self.changed_data
            and netpolicy.origin(self.cleaned_data.get(field)) != netpolicy.origin(self.initial.get(field))
        ]
        if moved and not self.cleaned_data.get("rtsp_password") and (camera.rtsp_password or camera.rtsp_username):
            camera.rtsp_password = None
            if "rtsp_username" not in self.changed_data:
                camera.rtsp_username = None
            self.credentials_cleared = moved
        if commit:
            camera.save()
        return camera


def _list_column(column):
    """A list_display callable for a column another app registered."""

    def render(camera):
        return column.render(camera)

    render.short_description = column.title
    render.__name__ = column.name.replace(".", "_")
    return render


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    form = CameraAdminForm
    list_display = ["name", "id", "folder_path", "status", "ingestion_mode", "last_seen_at"]
    list_filter = ["status", "ingestion_mode"]
    search_fields = ["id", "name", "folder_path"]
    ordering = ["created_at", "id"]
    actions = ["move_to_trash"]
    change_form_template = "admin/cameras/camera/change_form.html"
    delete_confirmation_template = "admin/cameras/camera/trash_confirmation.html"

    def get_queryset(self, request):
        queryset = Camera.objects.all()  # live cameras only; the trash has its own page
        related = [name for column in camera_list_columns() for name in column.select_related]
        return queryset.select_related(*related) if related else queryset

    def get_list_display(self, request):
        return [*self.list_display, *(_list_column(column) for column in camera_list_columns())]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # Django's would hard-delete; ours moves to the trash
        return actions

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        moved = getattr(form, "credentials_cleared", [])
        if moved:
            CameraAuditRecord.objects.create(
                camera_id=obj.pk,
                camera_name=obj.name,
                action=CameraAuditRecord.Action.CREDENTIALS_CLEARED,
                actor=_actor(request),
                details={"cleared": ["rtsp_username", "rtsp_password"], "moved": moved},
            )
            self.message_user(
                request,
                f"{', '.join(moved)} moved to another host: the stored RTSP username and password were cleared.",
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        services.camera_soft_delete(camera_id=obj.pk, actor=_actor(request))

    def delete_queryset(self, request, queryset):
        for camera_id in queryset.values_list("pk", flat=True):
            services.camera_soft_delete(camera_id=camera_id, actor=_actor(request))

    def get_deleted_objects(self, objs, request):
        # Trashing deletes nothing: list just the cameras, and ask only for the delete permission.
        perms_needed = set() if self.has_delete_permission(request) else {"camera"}
        return [str(o) for o in objs], {"cameras": len(objs)}, perms_needed, []

    @admin.action(description="Move selected cameras to the trash", permissions=["delete"])
    def move_to_trash(self, request, queryset):
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/cameras/confirm_action.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Move cameras to the trash?",
                    "explanation": "They and their detections, events and scene changes are hidden until restored. "
                    "Media files stay on disk.",
                    "objects": queryset,
                    "action": "move_to_trash",
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                    "button": "Yes, move to trash",
                },
            )
        count = 0
        for camera_id in queryset.values_list("pk", flat=True):
            services.camera_soft_delete(camera_id=camera_id, actor=_actor(request))
            count += 1
        self.message_user(request, f"Moved {count} camera(s) to the trash.", messages.SUCCESS)
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        camera = self.get_object(request, object_id)
        if camera is not None:
            extra_context["camera_panels"] = [(p.title, p.render(camera, request)) for p in camera_panels()]
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(TrashedCamera)
class TrashedCameraAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["camera_link", "id", "folder_path", "deleted_at", "deleted_by"]
    search_fields = ["id", "name", "folder_path"]
    ordering = ["-deleted_at", "-id"]
    actions = ["restore_selected", "purge_selected"]
    readonly_fields = ["id", "name", "folder_path", "status", "ingestion_mode", "created_at", "deleted_at", "deleted_by"]
    fields = readonly_fields

    def get_queryset(self, request):
        return TrashedCamera.objects.dead()

    # No delete permission (ReadOnlyAdminMixin): purge is its own action with its own permission.

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("cameras.view_camera") or request.user.has_perm("cameras.view_trashedcamera")

    def has_restore_permission(self, request):
        return request.user.has_perm("cameras.change_camera")

    def has_purge_permission(self, request):
        return request.user.has_perm("cameras.purge_trashedcamera")

    @admin.display(description="name", ordering="name")
    def camera_link(self, obj):
        url = reverse("admin:cameras_trashedcamera_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)

    def _confirm(self, request, queryset, *, action, title, explanation, button):
        return TemplateResponse(
            request,
            "admin/cameras/confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "explanation": explanation,
                "objects": queryset,
                "action": action,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
                "button": button,
            },
        )

    @admin.action(description="Restore selected cameras", permissions=["restore"])
    def restore_selected(self, request, queryset):
        if request.POST.get("post") != "yes":
            return self._confirm(
                request,
                queryset,
                action="restore_selected",
                title="Restore cameras?",
                explanation="Each camera comes back with exactly the detections, events and scene changes "
                "its deletion hid.",
                button="Yes, restore",
            )
        restored = []
        for obj in queryset:
            try:
                services.camera_restore(camera_id=obj.pk, actor=_actor(request))
            except APIException as exc:
                self.message_user(request, f"{obj.pk}: {exc.detail}", messages.WARNING)
                continue
            self.log_change(request, obj, "Restored from the trash")
            restored.append(obj.pk)
        self.message_user(request, f"Restored {len(restored)} camera(s).", messages.SUCCESS)
        return None

    @admin.action(description="Purge selected cameras permanently", permissions=["purge"])
    def purge_selected(self, request, queryset):
        if not self.has_purge_permission(request):
            raise PermissionDenied
        if request.POST.get("post") != "yes":
            return self._confirm(
                request,
                queryset,
                action="purge_selected",
                title="Purge cameras permanently?",
                explanation="This deletes the cameras and all their detections, events, baselines and scene "
                "changes for good. Media files on disk are not touched. This cannot be undone.",
                button="Yes, purge permanently",
            )
        objs = list(queryset)
        self.log_deletions(request, objs)
        for obj in objs:
            services.camera_purge(camera_id=obj.pk, actor=_actor(request))
        self.message_user(request, f"Purged {len(objs)} camera(s).", messages.SUCCESS)
        return None


@admin.register(CameraAuditRecord)
class CameraAuditRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "action", "camera", "camera_id", "actor"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["camera_id", "camera_name", "actor"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    fields = ["at", "action", "camera", "camera_id", "camera_name", "actor", "details"]
    readonly_fields = ["camera"]

    def get_queryset(self, request):
        # Records outlive their camera: link it where it still exists (live or in the trash).
        holder = Camera.all_objects.filter(pk=OuterRef("camera_id"))
        return (
            super()
            .get_queryset(request)
            .annotate(camera_exists=Exists(holder), camera_deleted_at=Subquery(holder.values("deleted_at")[:1]))
        )

    @admin.display(description="camera", ordering="camera_name")
    def camera(self, obj):
        return camera_link(
            obj.camera_id, obj.camera_name, trashed=obj.camera_deleted_at is not None, exists=obj.camera_exists
        )
