"""The camera list's "Health" column and the camera page's "Health" panel (the verdict with its
reasons, the latest snapshot with its age, the transition history). Registered when
``HealthConfig.ready()`` imports this module."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.html import format_html, format_html_join

from cameras.admin_panels import register_camera_list_column, register_camera_panel, register_status_change_lookup
from cameras.models import IngestionRecord
from health.models import CameraHealth, HealthState, HealthTransition
from health.services import STATUS_OF
from nem.admin import age_text

HISTORY_ROWS = 20
STATUS_SCAN_ROWS = 50  # transitions that keep the status (online -> silent) are skipped


def _health_of(camera) -> CameraHealth | None:
    try:
        return camera.health
    except CameraHealth.DoesNotExist:
        return None


@register_status_change_lookup
def status_changed(camera):
    """The camera's status follows its health verdict (``STATUS_OF``): the newest transition that
    moved the status, with its first reason."""
    for t in HealthTransition.objects.filter(camera_id=camera.pk).for_api()[:STATUS_SCAN_ROWS]:
        if STATUS_OF.get(t.previous) != STATUS_OF.get(t.state):  # unknown maps to no status
            return t.at, (t.reasons[0].get("message", "") if t.reasons else "")
    return None


@register_camera_list_column(title="Health", order=10, select_related=("health",))
def health_column(camera):
    health = _health_of(camera)
    if health is None or health.state == HealthState.UNKNOWN:
        return format_html("<span>{}</span>", "unknown")
    message = health.reasons[0].get("message", "") if health.reasons else ""
    return format_html("<strong>{}</strong><br><small>{}</small>", health.state, message)


def _snapshot_capture(record: IngestionRecord | None) -> tuple[dt.datetime | None, str]:
    """The capture time and kind of what the snapshot serves: the newest image, else a video frame."""
    if record is None:
        return None, ""
    if record.newest_image_mtime is not None:
        return record.newest_image_mtime, "image"
    if record.newest_video_mtime is not None:
        return record.newest_video_mtime, "frame of the newest video"
    return None, ""


@register_camera_panel(title="Health", order=3)
def health_panel(camera, request):
    now = timezone.now()
    health = CameraHealth.objects.filter(pk=camera.pk).first()
    record = IngestionRecord.objects.filter(pk=camera.pk).first()
    captured, kind = _snapshot_capture(record)
    if captured is not None:
        snapshot = format_html(
            "{} captured {} ago ({})",
            kind,
            age_text((now - captured).total_seconds()),
            f"{captured:%Y-%m-%d %H:%M:%S %Z}",
        )
    else:
        snapshot = format_html("{}", "no snapshot yet")
    if health is None or health.state == HealthState.UNKNOWN:
        verdict = format_html("{}", "not evaluated yet")
        reasons = format_html("{}", "")
    else:
        since = f" for {age_text((now - health.since).total_seconds())}" if health.since else ""
        verdict = format_html("<strong>{}</strong>{}", health.state, since)
        reasons = format_html_join(
            "", "<li>{}: {}</li>", ((r.get("state", ""), r.get("message", "")) for r in health.reasons)
        )
    transitions = list(HealthTransition.objects.filter(camera_id=camera.pk).for_api()[:HISTORY_ROWS])
    if transitions:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{t.at:%Y-%m-%d %H:%M:%S %Z}",
                    t.previous,
                    t.state,
                    t.reasons[0].get("message", "") if t.reasons else "",
                )
                for t in transitions
            ),
        )
        history = format_html(
            "<table><thead><tr><th>At</th><th>From</th><th>To</th><th>Why</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )
    else:
        history = format_html("<p>{}</p>", "No health changes recorded.")
    return format_html(
        "<p>Verdict: {}</p><ul>{}</ul>"
        "<p>Latest snapshot: {} (the image is in the State section above)</p>"
        "<h3>History (newest first)</h3>{}",
        verdict,
        reasons,
        snapshot,
        history,
    )
