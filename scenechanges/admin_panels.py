"""The "Scene changes" panel on a camera's admin page: its open changes and its references."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from cameras.admin_panels import register_camera_panel
from scenechanges.models import SceneChange, SceneReference


@register_camera_panel(title="Scene changes", order=20)
def scene_changes_panel(camera, request):
    open_changes = list(SceneChange.objects.filter(camera_id=camera.pk, acknowledged=False).for_api()[:10])
    references = SceneReference.objects.filter(camera_id=camera.pk, retired_at__isnull=True).order_by("mode")
    rows = format_html_join(
        "",
        '<li><a href="{}">{} at {}</a> (similarity {})</li>',
        (
            (
                reverse("admin:scenechanges_scenechange_change", args=[c.pk]),
                c.get_change_type_display(),
                c.detected_at.strftime("%Y-%m-%d %H:%M:%S %Z"),
                f"{c.similarity_score:.2f}",
            )
            for c in open_changes
        ),
    )
    refs = format_html_join(
        " ",
        '<figure style="display:inline-block;margin:0 8px 0 0"><img src="{}?thumb=1" width="160" alt="{} reference">'
        "<figcaption>{} reference since {}</figcaption></figure>",
        (
            (
                reverse("admin:scenechanges_scenereference_image", args=[r.pk]),
                r.mode,
                r.get_mode_display(),
                r.created_at.strftime("%Y-%m-%d %H:%M"),
            )
            for r in references
        ),
    )
    listing = reverse("admin:scenechanges_scenechange_changelist") + f"?camera__id__exact={camera.pk}"
    return format_html(
        '<p>{} open scene change(s). <a href="{}">All scene changes of this camera</a></p><ul>{}</ul><div>{}</div>',
        len(open_changes),
        listing,
        rows,
        refs or "No reference yet: the first good frame becomes the reference.",
    )
