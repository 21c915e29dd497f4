from django.contrib import admin

from baselines.models import Anomaly, BaselineState


@admin.register(Anomaly)
class AnomalyAdmin(admin.ModelAdmin):
    """Anomalies found by the hourly scan; read-only (the scan is their only writer)."""

    list_display = ["hour_start", "camera", "detection_class", "kind", "observed_count", "expected", "score", "reason"]
    list_filter = ["kind", "object_type", "camera"]
    list_select_related = ["camera"]
    search_fields = ["camera__id", "camera__name", "object_type", "reason"]
    date_hierarchy = "hour_start"
    ordering = ["-hour_start", "object_type"]

    def get_queryset(self, request):
        return Anomaly.objects.all()  # live cameras' anomalies; a trashed camera's are hidden with it

    @admin.display(description="expected", ordering="expected_count")
    def expected(self, obj) -> str:
        return f"{obj.expected_count:.2f}"

    @admin.display(description="score", ordering="anomaly_score")
    def score(self, obj) -> str:
        return f"{obj.anomaly_score:.4f}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BaselineState)
class BaselineStateAdmin(admin.ModelAdmin):
    """Per-camera baseline configuration and bookkeeping."""

    list_display = [
        "camera",
        "override_global_config",
        "threshold_stdev",
        "min_samples",
        "learning_complete",
        "established_at",
        "last_recompute_at",
        "last_scan_at",
    ]
    list_filter = ["learning_complete", "override_global_config"]
    list_select_related = ["camera"]
    raw_id_fields = ["camera"]
    readonly_fields = [
        "learning_since",
        "established_at",
        "learning_complete",
        "window_start",
        "window_end",
        "last_recompute_at",
        "last_scan_at",
        "recompute_claimed_at",
        "scan_claimed_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
