"""The camera admin page's baseline panel: a 24 x 7 activity heatmap and per-class bars,
server-rendered HTML with inline styles only (no scripts, no external assets)."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from baselines.models import ActivitySlot, Anomaly, ClassSlot
from baselines.services.clock import DAY_NAMES, camera_zone
from baselines.services.config import effective_config
from baselines.services.recompute import learnt_slots_needed
from cameras.admin_panels import register_camera_panel

CELL = "width:22px;height:18px;padding:0;text-align:center;font-size:9px;border:1px solid #fff;"


def _heat(value: float, top: float) -> str:
    share = value / top if top > 0 else 0.0
    # white -> deep orange; text turns white on dark cells so numbers stay readable
    return f"background:rgba(230,81,0,{0.08 + 0.92 * share:.3f});color:{'#fff' if share > 0.55 else '#333'};"


def _heatmap(slots: list[ActivitySlot]) -> SafeString:
    grid = {(s.day_of_week, s.hour): s for s in slots}
    top = max((s.avg_count for s in slots), default=0.0)
    head = format_html_join("", '<th style="{}">{}</th>', ((CELL + "background:none;", h) for h in range(24)))
    rows = []
    for day in range(7):
        cells = []
        for hour in range(24):
            slot = grid.get((day, hour))
            value = slot.avg_count if slot else 0.0
            seen = slot.sample_count if slot else 0
            cells.append(
                format_html(
                    '<td style="{}" title="{} {}:00: {} per hour over {} hours">{}</td>',
                    CELL + _heat(value, top),
                    DAY_NAMES[day].title(),
                    f"{hour:02d}",
                    f"{value:.2f}",
                    seen,
                    f"{value:.0f}" if value >= 1 else "",
                )
            )
        rows.append(
            format_html(
                '<tr><th style="text-align:right;padding-right:6px;font-size:11px;">{}</th>{}</tr>',
                DAY_NAMES[day][:3].title(),
                mark_safe("".join(cells)),  # noqa: S308 - every cell was built by format_html
            )
        )
    return format_html(
        '<table style="border-collapse:collapse;margin:6px 0 12px 0;"><tr><th></th>{}</tr>{}</table>',
        head,
        mark_safe("".join(rows)),  # noqa: S308 - rows were built by format_html
    )


def _class_bars(classes: list[ClassSlot]) -> SafeString:
    per_day: dict[str, float] = defaultdict(float)
    peak: dict[str, ClassSlot] = {}
    for c in classes:
        per_day[c.object_type] += c.frequency
        if c.object_type not in peak or c.frequency > peak[c.object_type].frequency:
            peak[c.object_type] = c
    if not per_day:
        return format_html("<p>{}</p>", "No object classes learnt yet.")
    top = max(per_day.values()) or 1.0
    bars = format_html_join(
        "",
        '<div style="display:flex;align-items:center;margin:2px 0;font-size:12px;">'
        '<span style="width:90px;">{}</span>'
        '<span style="display:inline-block;height:14px;width:{}px;background:#1565c0;"></span>'
        '<span style="margin-left:6px;color:#555;">{} per day, peak {}:00</span></div>',
        (
            (name, max(1, round(300 * value / top)), f"{value:.1f}", f"{peak[name].hour:02d}")
            for name, value in sorted(per_day.items(), key=lambda item: (-item[1], item[0]))
        ),
    )
    return bars


@register_camera_panel(title="Activity baseline", order=10)
def baseline_panel(camera, request) -> SafeString:
    slots = list(ActivitySlot.objects.filter(camera_id=camera.pk))
    classes = list(ClassSlot.objects.filter(camera_id=camera.pk))
    state = getattr(camera, "baseline_state", None) if camera.pk else None
    config = effective_config(state)
    learnt = sum(1 for s in slots if s.sample_count >= config.min_samples)
    status = "learning complete" if learnt >= learnt_slots_needed() else "still learning"
    anomalies = Anomaly.objects.filter(camera_id=camera.pk).count()
    link = reverse("admin:baselines_anomaly_changelist") + f"?camera__id__exact={camera.pk}"
    return format_html(
        '<div style="font-family:sans-serif;">'
        "<p>{}: {} of 168 slots have {} or more observed hours. Hours on the camera's clock ({}).</p>"
        '<h3 style="margin:8px 0 2px 0;">Detections per hour, by weekday and hour</h3>{}'
        '<h3 style="margin:8px 0 2px 0;">Object classes</h3>{}'
        '<p><a href="{}">{} anomal{} recorded</a></p></div>',
        status.capitalize(),
        learnt,
        config.min_samples,
        camera_zone(camera),
        _heatmap(slots) if slots else format_html("<p>{}</p>", "No baseline yet: it is computed hourly."),
        _class_bars(classes),
        link,
        anomalies,
        "y" if anomalies == 1 else "ies",
    )
