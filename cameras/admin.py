"""Cameras in the admin. The add and change form writes through ``cameras.services`` (the rules of
the API: conflicts with trashed cameras, the folder rule, the stream rule, credentials that stay
with their host), and whatever a service refuses is a form error. Deleting moves to the trash;
the trash, restore and purge live in ``cameras.admin_trash``. The list and the page show the
latest snapshot, served to staff by ``snapshot_view`` from the same lookup as the API's snapshot."""

from __future__ import annotations

import cv2
import numpy as np
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.html import format_html
from rest_framework.exceptions import APIException

from cameras import services
from cameras.admin_form import CameraAdminForm
from cameras.admin_panels import camera_list_columns, camera_panels, camera_status_changed_at
from cameras.admin_trash import INGESTION_MODE_LABELS, IngestionModeFilter, actor
from cameras.media.images import ImageRefused, image_check
from cameras.media.snapshot import snapshot_open, snapshot_resolve
from cameras.models import Camera, IngestionMode, IngestionRecord
from nem.admin import age_text
from nem.errors import DomainError

THUMB_WIDTH = 160
STATUS_HELP = (
    "Set by the system from what ingestion and the health checks see, never edited here: "
    "online (media arrive), offline (no new media within the offline grace), error (the folder or "
    "stream is broken, or the picture is frozen), unknown (not judged yet)."
)
STREAM_FIELDS = ["rtsp_url", "rtsp_username", "rtsp_password", "stream_profile", "onvif_url"]


def _list_column(column):
    """A list_display callable for a column another app registered."""

    def render(camera):
        return column.render(camera)

    render.short_description = column.title
    render.__name__ = column.name.replace(".", "_")
    return render


def _captured_at(camera: Camera):
    """When the newest image (else video) ingestion knows of was captured."""
    try:
        record = camera.ingestion_record
    except IngestionRecord.DoesNotExist:
        return None
    return record.newest_image_mtime or record.newest_video_mtime


def snapshot_thumbnail(data: bytes, width: int = THUMB_WIDTH) -> bytes | None:
    """A small JPEG of an image: a reduced decode (never more pixels than NEM_MAX_IMAGE_PIXELS)."""
    try:
        full_width, _ = image_check(data)
    except ImageRefused:
        return None
    reductions = ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4), (2, cv2.IMREAD_REDUCED_COLOR_2))
    flag = next((flag for factor, flag in reductions if full_width // factor >= width), cv2.IMREAD_COLOR)
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flag)
    if image is None:
        return None
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return buf.tobytes() if ok else None


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    form = CameraAdminForm
    # Columns other apps register (health) go right after the snapshot.
    list_display = ["name", "snapshot", "status", "mode", "last_seen_at", "id", "folder_path"]
    list_filter = ["status", IngestionModeFilter]
    search_fields = ["id", "name", "folder_path"]
    ordering = ["created_at", "id"]
    actions = ["move_to_trash"]
    change_form_template = "admin/cameras/camera/change_form.html"
    delete_confirmation_template = "admin/cameras/camera/trash_confirmation.html"
    state_fields = ["status_text", "status_changed", "last_seen_at", "created_at", "latest_snapshot"]

    def get_queryset(self, request):
        queryset = Camera.objects.all()  # live cameras only; the trash has its own page
        related = ["ingestion_record", *(name for column in camera_list_columns() for name in column.select_related)]
        return queryset.select_related(*related)

    def get_list_display(self, request):
        registered = [_list_column(column) for column in camera_list_columns()]
        return [*self.list_display[:2], *registered, *self.list_display[2:]]

    def get_fieldsets(self, request, obj=None):
        settings_ = (
            None,
            {"fields": ["id", "name", "folder_path", "ingestion_mode", "motion_sensitivity", "timezone"]},
        )
        stream = ("Stream (RTSP and ONVIF cameras)", {"fields": STREAM_FIELDS})
        if obj is None:
            return [settings_, stream]
        if obj.ingestion_mode == IngestionMode.FTP:
            stream[1]["classes"] = ["collapse"]
        return [("State", {"fields": self.state_fields}), settings_, stream]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["id", *self.state_fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": actor(request)})

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # Django's would hard-delete; ours moves to the trash
        return actions

    def get_urls(self):
        view = self.admin_site.admin_view(self.snapshot_view)
        return [path("<path:object_id>/snapshot/", view, name="cameras_camera_snapshot"), *super().get_urls()]

    def snapshot_view(self, request, object_id: str):
        """The image ``GET /api/cameras/{id}/snapshot`` serves, for staff (no media rate limit:
        a list page loads one per camera); ``?thumb=1`` for a small JPEG of it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        thumb = request.GET.get("thumb") == "1"
        try:
            snap = snapshot_resolve(camera_id=object_id)
            etag = f'{snap.etag[:-1]}-thumb"' if thumb and snap.etag.endswith('"') else snap.etag
            conditional = get_conditional_response(request, etag=etag, last_modified=int(snap.mtime))
            if isinstance(conditional, HttpResponseNotModified):
                return conditional
            snap, fh = snapshot_open(camera_id=object_id, snap=snap)
        except (DomainError, APIException):
            raise Http404("No snapshot") from None
        with fh:
            data = fh.read()
        content_type = snap.content_type
        if thumb:
            small = snapshot_thumbnail(data)
            if small is not None:
                data, content_type = small, "image/jpeg"
        response = HttpResponse(data, content_type=content_type)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.display(description="snapshot")
    def snapshot(self, camera):
        captured = _captured_at(camera)
        if captured is None:
            return format_html("<small>{}</small>", "no snapshot yet")
        url = reverse("admin:cameras_camera_snapshot", args=[camera.pk])
        return format_html(
            '<a href="{}"><img src="{}?thumb=1" width="{}" alt="snapshot of {}" loading="lazy"></a>'
            "<br><small>{} ago</small>",
            url,
            url,
            THUMB_WIDTH,
            camera.name,
            age_text((timezone.now() - captured).total_seconds()),
        )

    @admin.display(description="ingestion mode", ordering="ingestion_mode")
    def mode(self, camera):
        return INGESTION_MODE_LABELS.get(camera.ingestion_mode, camera.ingestion_mode)

    @admin.display(description="status")
    def status_text(self, camera):
        return format_html("<strong>{}</strong><br><small>{}</small>", camera.status, STATUS_HELP)

    @admin.display(description="status last changed")
    def status_changed(self, camera):
        found = camera_status_changed_at(camera)
        if found is None:
            return "not recorded (unchanged since the camera was created)"
        at, why = found
        return format_html(
            "{} ago ({}){}",
            age_text((timezone.now() - at).total_seconds()),
            f"{at:%Y-%m-%d %H:%M:%S %Z}",
            f": {why}" if why else "",
        )

    @admin.display(description="latest snapshot")
    def latest_snapshot(self, camera):
        captured = _captured_at(camera)
        if captured is None:
            return "no snapshot yet"
        return format_html(
            '<img src="{}" style="max-width:480px;width:100%" alt="latest snapshot"><br>captured {} ago ({})',
            reverse("admin:cameras_camera_snapshot", args=[camera.pk]),
            age_text((timezone.now() - captured).total_seconds()),
            f"{captured:%Y-%m-%d %H:%M:%S %Z}",
        )

    def save_model(self, request, obj, form, change):
        # The form's service call saved the camera; here only what it reported is told.
        moved = getattr(obj, "credentials_cleared", None)
        if moved:
            self.message_user(
                request,
                "The device URL moved to another host: the stored RTSP username and password were cleared.",
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        services.camera_soft_delete(camera_id=obj.pk, actor=actor(request))

    def delete_queryset(self, request, queryset):
        for camera_id in queryset.values_list("pk", flat=True):
            services.camera_soft_delete(camera_id=camera_id, actor=actor(request))

    def get_deleted_objects(self, objs, request):
        # Trashing deletes nothing: list just the cameras, and ask only for the delete permission.
        perms_needed = set() if self.has_delete_permission(request) else {"camera"}
        return [str(o) for o in objs], {"cameras": len(objs)}, perms_needed, []

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(request, f"The camera “{obj_display}” was moved to the trash.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cameras_camera_changelist"))

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
            services.camera_soft_delete(camera_id=camera_id, actor=actor(request))
            count += 1
        self.message_user(request, f"Moved {count} camera(s) to the trash.", messages.SUCCESS)
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        camera = self.get_object(request, object_id)
        if camera is not None:
            extra_context["camera_panels"] = [(p.title, p.render(camera, request)) for p in camera_panels()]
        return super().change_view(request, object_id, form_url, extra_context)
