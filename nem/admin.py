from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from nem.admin_index import register_index_panel
from nem.jobs import jobs_liveness
from nem.models import ApiKey, JobRun


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at"]

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else ["name", "prefix", "is_active", "created_at"]

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
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "last_ok", "runs", "last_summary"]
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
