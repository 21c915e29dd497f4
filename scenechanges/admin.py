"""Scene changes in the admin: the list (camera, type, score, thumbnail) with Acknowledge actions,
and a change page that shows the reference and the changed frame side by side. Images are served
by a staff-only admin view that only ever reads the reference store or NEM_MEDIA_ROOT."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import cv2
import numpy as np
from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from nem.admin import ReadOnlyAdminMixin, camera_column
from scenechanges import detector, services
from scenechanges.models import SceneChange, SceneReference

THUMB_WIDTH = 240


def _thumbnail(file: Path) -> bytes | None:
    """A small JPEG of an image: a reduced decode, so a 1080p frame costs a few milliseconds."""
    try:
        image = detector.decode(file, config=detector.DetectorConfig(work_width=THUMB_WIDTH))
    except detector.UnreadableFrame:
        return None
    height = max(1, round(image.shape[0] * THUMB_WIDTH / image.shape[1]))
    image = cv2.resize(image, (THUMB_WIDTH, height), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return np.asarray(buf).tobytes() if ok else None


def _image_response(file: Path | None, *, thumb: bool):
    if file is None:
        raise Http404("Image not available")
    if thumb:
        data = _thumbnail(file)
        if data is None:
            raise Http404("Image not readable")
        response = HttpResponse(data, content_type="image/jpeg")
    else:
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        response = FileResponse(open(file, "rb"), content_type=content_type)  # noqa: SIM115 - FileResponse closes it
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def change_frame_file(change: SceneChange) -> Path | None:
    """The changed frame: the copy in the reference store, else the original if it is still in
    the media root."""
    return services.store_file(change.frame_copy) or (
        services.media_file(change.file_path) if change.file_path else None
    )


def reference_file(reference: SceneReference | None) -> Path | None:
    return services.store_file(reference.image) if reference is not None else None


@admin.register(SceneChange)
class SceneChangeAdmin(admin.ModelAdmin):
    list_display = [
        "detected_at",
        "camera_link",
        "change_type",
        "source",
        "preset_token",
        "score",
        "acknowledged",
        "thumbnail",
    ]
    list_filter = ["change_type", "source", "acknowledged", "camera"]
    list_select_related = ["camera"]
    search_fields = ["camera__id", "camera__name", "file_path"]
    date_hierarchy = "detected_at"
    actions = ["acknowledge_selected", "acknowledge_keep_reference"]
    fields = [
        "camera",
        "detected_at",
        "change_type",
        "source",
        "preset_token",
        "similarity_score",
        "acknowledged",
        "acknowledged_at",
        "acknowledged_by",
        "file_path",
        "mode",
        "reference",
        "comparison",
        "signals",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # changes go with their camera (trash, purge), never one by one

    def get_urls(self):
        view = self.admin_site.admin_view(self.image_view)
        return [
            path("<int:pk>/image/<str:kind>/", view, name="scenechanges_scenechange_image"),
            path(
                "reference/<int:pk>/image/",
                self.admin_site.admin_view(self.reference_image_view),
                name="scenechanges_scenereference_image",
            ),
        ] + super().get_urls()

    def image_view(self, request, pk: int, kind: str):
        if not self.has_view_permission(request):
            raise Http404
        change = SceneChange.objects.select_related("reference").filter(pk=pk).first()
        if change is None or kind not in ("frame", "reference"):
            raise Http404
        file = change_frame_file(change) if kind == "frame" else reference_file(change.reference)
        return _image_response(file, thumb=request.GET.get("thumb") == "1")

    def reference_image_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise Http404
        reference = SceneReference.objects.filter(pk=pk).first()
        return _image_response(reference_file(reference), thumb=request.GET.get("thumb") == "1")

    @admin.display(description="camera", ordering="camera__name")
    def camera_link(self, obj):
        url = reverse("admin:cameras_camera_change", args=[obj.camera_id])
        return format_html('<a href="{}">{}</a>', url, obj.camera.name)

    @admin.display(description="similarity", ordering="similarity_score")
    def score(self, obj):
        return f"{obj.similarity_score:.2f}"

    @admin.display(description="frame")
    def thumbnail(self, obj):
        url = reverse("admin:scenechanges_scenechange_image", args=[obj.pk, "frame"])
        return format_html('<img src="{}?thumb=1" width="120" alt="changed frame" loading="lazy">', url)

    @admin.display(description="reference / changed frame")
    def comparison(self, obj):
        reference_url = reverse("admin:scenechanges_scenechange_image", args=[obj.pk, "reference"])
        frame_url = reverse("admin:scenechanges_scenechange_image", args=[obj.pk, "frame"])
        return format_html(
            '<div style="display:flex;gap:12px;flex-wrap:wrap">'
            '<figure style="margin:0"><img src="{}" style="max-width:480px;width:100%" alt="reference">'
            "<figcaption>reference ({})</figcaption></figure>"
            '<figure style="margin:0"><img src="{}" style="max-width:480px;width:100%" alt="changed frame">'
            "<figcaption>changed frame ({})</figcaption></figure></div>",
            reference_url,
            obj.reference.get_mode_display() if obj.reference else "none",
            frame_url,
            obj.get_change_type_display(),
        )

    def _acknowledge(self, request, queryset, *, update_reference: bool):
        done = 0
        for change in queryset.order_by("detected_at", "id"):
            if not change.acknowledged:
                services.scenechange_acknowledge(
                    camera_id=change.camera_id,
                    scene_change_id=change.pk,
                    actor=f"user:{request.user.get_username()}",
                    update_reference=update_reference,
                )
                done += 1
        suffix = "; the current views are the new references" if update_reference else "; references kept"
        self.message_user(request, f"{done} scene change(s) acknowledged{suffix}.", messages.SUCCESS)

    @admin.action(description="Acknowledge (current view becomes the reference)", permissions=["change"])
    def acknowledge_selected(self, request, queryset):
        self._acknowledge(request, queryset, update_reference=True)

    @admin.action(description="Acknowledge, keep the old reference", permissions=["change"])
    def acknowledge_keep_reference(self, request, queryset):
        self._acknowledge(request, queryset, update_reference=False)


@admin.register(SceneReference)
class SceneReferenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [camera_column, "mode", "reason", "created_at", "retired_at", "thumbnail"]
    list_filter = ["mode", "reason", "camera"]
    list_select_related = ["camera"]
    readonly_fields = ["camera", "mode", "image", "source_path", "reason", "created_at", "retired_at", "thumbnail"]
    fields = readonly_fields

    @admin.display(description="image")
    def thumbnail(self, obj):
        url = reverse("admin:scenechanges_scenereference_image", args=[obj.pk])
        return format_html('<img src="{}?thumb=1" width="120" alt="reference" loading="lazy">', url)
