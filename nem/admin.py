"""Shared admin pieces: the read-only mixin, links between related objects, and the API key
and job admins."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from nem.admin_index import register_index_panel
from nem.jobs import jobs_liveness
from nem.models import ApiKey, JobRun


class ReadOnlyAdminMixin:
    """A page that shows rows and never writes them: no add, change or delete permission (so no
    "Delete selected" action either), and every field read-only. Rows of these models are written
    by the system (scans, jobs, audit), or go with their camera (trash, purge)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        declared = list(super().get_readonly_fields(request, obj))
        return declared + [f.name for f in self.model._meta.fields if f.name not in declared]


def admin_link(obj, text: str | None = None):
    """A link to ``obj``'s admin page, or its plain text if it has none."""
    if obj is None:
        return "—"
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return text or str(obj)
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


def camera_link(camera_id: str, name: str, *, trashed: bool = False, exists: bool = True):
    """A link to a camera's page: the camera list's for a live camera, the trash's for a trashed
    one; plain text for a purged camera (the id and name stay in audit records)."""
    if not exists:
        return format_html("{} <small>(purged)</small>", name or camera_id)
    page = "admin:cameras_trashedcamera_change" if trashed else "admin:cameras_camera_change"
    suffix = format_html(" <small>{}</small>", "(in the trash)") if trashed else ""
    return format_html('<a href="{}">{}</a>{}', reverse(page, args=[camera_id]), name or camera_id, suffix)


@admin.display(description="camera", ordering="camera__name")
def camera_column(obj):
    """``list_display`` entry for a row with a ``camera`` foreign key: the camera's name, linked
    (add ``"camera"`` to ``list_select_related``)."""
    camera = obj.camera
    return camera_link(camera.pk, camera.name, trashed=camera.deleted_at is not None)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "is_active", "expires_at", "last_used_at", "created_at"]
    list_filter = ["is_active", ("expires_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "expires_at"]
        return ["name", "prefix", "is_active", "expires_at", "last_used_at", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            raw = ApiKey.generate()
            obj.set_key(raw)
            super().save_model(request, obj, form, change)
            self.message_user(
                request,
                f"API key for {obj.name}: {raw} — copy it now, it is not shown again.",
                messages.WARNING,
            )
            return
        super().save_model(request, obj, form, change)


def age_text(seconds: float) -> str:
    """``42 s``, ``7 min``, ``3 h 5 min``, ``2 d 4 h``: an age at a glance."""
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _every(period) -> str:
    seconds = int(period.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"every {count} {unit}" if count == 1 else f"every {count} {unit}s"
    return f"every {seconds} s"


@register_index_panel(title="Background jobs", order=5)
def jobs_panel(request) -> str:
    """The same table as /ready: each periodic job, its last run and whether it is overdue."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                job.entry,
                job.task,
                f"{timesince(job.last_finished_at)} ago" if job.last_finished_at else "never",
                _every(job.period),
                {True: "ok", False: "failed", None: "—"}[job.last_ok],
                job.state,
            )
            for job in jobs_liveness()
        ),
    )
    return format_html(
        "<table style='width:100%'><thead><tr><th>Job</th><th>Task</th><th>Last run</th><th>Schedule</th>"
        "<th>Last result</th><th>State</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "last_ok", "runs", "last_summary"]
