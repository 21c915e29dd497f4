from django.contrib import admin

from nem.admin import ReadOnlyAdminMixin, camera_column
from retention.models import PruneRun, StoragePolicy


@admin.register(StoragePolicy)
class StoragePolicyAdmin(admin.ModelAdmin):
    """Per-camera overrides; empty fields follow the NEM_RETENTION_* settings."""

    list_display = [
        camera_column,
        "frames_max_age_hours",
        "frames_max_count",
        "uploads_enabled",
        "uploads_max_age_days",
        "uploads_max_bytes",
        "cache_max_age_days",
        "rows_max_age_days",
        "alerts_max_age_days",
        "updated_at",
    ]
    list_select_related = ["camera"]
    raw_id_fields = ["camera"]
    search_fields = ["camera__id", "camera__name"]
    readonly_fields = ["updated_at"]

    def get_queryset(self, request):
        return StoragePolicy.objects.select_related("camera")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "camera" in request.GET:
            initial["camera"] = request.GET["camera"]
        return initial


@admin.register(PruneRun)
class PruneRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What each prune_storage run deleted and where the free-space floor stood. Read-only."""

    list_display = ["started_at", "finished_at", "dry_run", "camera_id", "files", "bytes", "rows", "floor_ok"]
    list_filter = ["dry_run", "floor_ok"]
