"""The trash in the admin: ``TrashedCamera`` (a proxy) lists trashed cameras with the day each is
purged, Restore and Purge behind a confirmation page; and the camera audit log (read-only).
Registered when ``cameras.admin`` imports this module."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from rest_framework.exceptions import APIException

from cameras import services
from cameras.models import Camera, CameraAuditRecord, IngestionMode, TrashedCamera
from nem.admin import ReadOnlyAdminMixin, camera_link
from nem.errors import DomainError

# Shown instead of the stored values' default labels ("Ftp", "Rtsp", "Onvif").
INGESTION_MODE_LABELS = dict(IngestionMode.choices)


def actor(request) -> str:
    return f"user:{request.user.get_username()}"


class IngestionModeFilter(admin.SimpleListFilter):
    title = "ingestion mode"
    parameter_name = "ingestion_mode"

    def lookups(self, request, model_admin):
        return [(mode.value, mode.label) for mode in IngestionMode]

    def queryset(self, request, queryset):
        return queryset.filter(ingestion_mode=self.value()) if self.value() else queryset


def purge_date(deleted_at: dt.datetime) -> dt.datetime:
    """When the nightly purge removes a camera trashed at ``deleted_at``."""
    return deleted_at + dt.timedelta(days=settings.NEM_TRASH_RETENTION_DAYS)


@admin.register(TrashedCamera)
class TrashedCameraAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["camera_link", "deleted_at", "purged_on", "deleted_by", "mode", "id", "folder_path"]
    list_filter = [("deleted_at", admin.DateFieldListFilter), IngestionModeFilter]
    search_fields = ["id", "name", "folder_path"]
    date_hierarchy = "deleted_at"
    ordering = ["-deleted_at", "-id"]
    actions = ["restore_selected", "purge_selected"]
    readonly_fields = [
        "id",
        "name",
        "folder_path",
        "status",
        "mode",
        "created_at",
        "deleted_at",
        "purged_on",
        "deleted_by",
    ]
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

    @admin.display(description="ingestion mode", ordering="ingestion_mode")
    def mode(self, obj):
        return INGESTION_MODE_LABELS.get(obj.ingestion_mode, obj.ingestion_mode)

    @admin.display(description="purged on", ordering="deleted_at")
    def purged_on(self, obj):
        return f"{purge_date(obj.deleted_at):%Y-%m-%d %H:%M %Z}" if obj.deleted_at else "—"

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
                services.camera_restore(camera_id=obj.pk, actor=actor(request))
            except (DomainError, APIException) as exc:
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
            try:
                services.camera_purge(camera_id=obj.pk, actor=actor(request))
            except (DomainError, APIException) as exc:
                self.message_user(request, f"{obj.pk}: {exc.detail}", messages.WARNING)
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
