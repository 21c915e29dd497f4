"""The "Storage" panel on a camera's admin page and on the admin index (whole-system use, free
space, the last prune run). Registered when ``RetentionConfig.ready()`` imports it."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from cameras.admin_panels import register_camera_panel
from nem.admin_index import register_index_panel
from retention.models import StoragePolicy, StorageUsage
from retention.policy import effective_policy
from retention.services import CATEGORIES, storage_system_summary

LABELS = {
    "frames": "Grabbed frames",
    "uploads": "Uploads",
    "snapshot_cache": "Snapshot cache",
    "references": "Scene references",
}


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z") if value else "never"


@register_camera_panel(title="Storage", order=30)
def storage_panel(camera, request):
    usage = StorageUsage.objects.filter(camera_id=camera.pk).first()
    categories = usage.categories if usage else {}
    rows = format_html_join(
        "",
        "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                LABELS[c],
                categories.get(c, {}).get("files", 0),
                filesizeformat(categories.get(c, {}).get("bytes", 0)),
                categories.get(c, {}).get("oldest") or "-",
            )
            for c in CATEGORIES
        ),
    )
    row = StoragePolicy.objects.filter(camera_id=camera.pk).first()
    policy = effective_policy(row)
    if row is not None:
        edit = reverse("admin:retention_storagepolicy_change", args=[row.pk])
    else:
        edit = reverse("admin:retention_storagepolicy_add") + f"?camera={camera.pk}"
    uploads = (
        f"pruned: {policy.uploads_max_age_days or 'no'} day limit, "
        f"{filesizeformat(policy.uploads_max_bytes) if policy.uploads_max_bytes else 'no'} byte limit"
        if policy.uploads_enabled
        else "never pruned"
    )
    return format_html(
        "<p>Measured {} (by prune_storage, or GET /api/cameras/{}/storage?refresh=true).</p>"
        "<table><thead><tr><th></th><th>Files</th><th>Size</th><th>Oldest</th></tr></thead><tbody>{}</tbody></table>"
        "<p>Policy in effect: grabbed frames {} h / at most {}; uploads {}; caches {} days; rows {} days. "
        '<a href="{}">{} this camera\'s policy</a></p>',
        _when(usage.measured_at if usage else None),
        camera.pk,
        rows,
        policy.frames_max_age_hours or "no limit",
        policy.frames_max_count or "no limit",
        uploads,
        policy.cache_max_age_days or "no limit",
        policy.rows_max_age_days or "no limit",
        edit,
        "Edit" if row is not None else "Override",
    )


@register_index_panel(title="Storage", order=10)
def storage_index_panel(request):
    summary = storage_system_summary()
    fs = summary["filesystem"]
    if fs is None:
        space = format_html("<p>{}</p>", "Free space of the media root: unknown (the filesystem cannot be read).")
    else:
        space = format_html(
            "<p>Media root filesystem: <strong>{}</strong> free of {} ({}%); floor {} — {}.</p>",
            filesizeformat(fs.free_bytes),
            filesizeformat(fs.total_bytes),
            f"{100 * fs.free_bytes / fs.total_bytes:.1f}" if fs.total_bytes else "0",
            filesizeformat(fs.floor_bytes),
            "ok" if fs.ok else "BELOW THE FLOOR",
        )
    rows = format_html_join(
        "",
        "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
        (
            (LABELS[c], summary["categories"][c]["files"], filesizeformat(summary["categories"][c]["bytes"]))
            for c in CATEGORIES
        ),
    )
    run = summary["last_run"]
    if run is None:
        last = format_html("<p>{}</p>", "prune_storage has not run yet.")
    else:
        last = format_html(
            "<p>Last prune_storage run {}{}: {} files ({}), {} rows; floor {}.</p>",
            _when(run.finished_at),
            " (dry run)" if run.dry_run else "",
            run.files,
            filesizeformat(run.bytes),
            run.rows,
            {True: "ok", False: "BREACHED", None: "unknown"}[run.floor_ok],
        )
    return format_html(
        "{}<table><thead><tr><th>All live cameras ({} measured)</th><th>Files</th><th>Size</th></tr></thead>"
        "<tbody>{}</tbody></table>{}",
        space,
        summary["cameras_measured"],
        rows,
        last,
    )
