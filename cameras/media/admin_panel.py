"""The "Media ingestion" panel on a camera's admin page: where its media comes from, what
ingestion last saw, and the snapshot. Registered when ``CamerasConfig.ready()`` imports it."""

from __future__ import annotations

from django.utils.html import format_html

from cameras.admin_panels import register_camera_panel
from cameras.media.paths import OUTSIDE_ROOT, folder_check
from cameras.models import IngestionRecord


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z") if value else "never"


@register_camera_panel(title="Media ingestion", order=5)
def media_ingestion_panel(camera, request):
    check = folder_check(camera.folder_path)
    problem = "folder_path is outside NEM_MEDIA_ROOT" if check.problem == OUTSIDE_ROOT else check.problem
    record = IngestionRecord.objects.filter(pk=camera.pk).first()
    newest_image = record.newest_image_path if record and record.newest_image_path else "none"
    newest_video = record.newest_video_path if record and record.newest_video_path else "none"
    return format_html(
        "<table><tbody>"
        "<tr><th>Folder (resolved)</th><td>{} {}</td></tr>"
        "<tr><th>Newest image</th><td>{} ({})</td></tr>"
        "<tr><th>Newest complete video</th><td>{} ({})</td></tr>"
        "<tr><th>Last scan</th><td>{}</td></tr>"
        "<tr><th>Last frame grabbed</th><td>{}</td></tr>"
        "<tr><th>Last error</th><td>{} {}</td></tr>"
        "</tbody></table>",
        check.path,
        f"({problem})" if problem else "",
        newest_image,
        _when(record.newest_image_mtime if record else None),
        newest_video,
        _when(record.newest_video_mtime if record else None),
        _when(record.last_scan_at if record else None),
        _when(record.last_grab_ok_at if record else None),
        (record.last_error if record and record.last_error else "none"),
        f"at {_when(record.last_error_at)}" if record and record.last_error else "",
    )
