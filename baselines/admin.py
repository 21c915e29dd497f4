"""Baselines in the admin: detections and events (read-only, newest first, linked to their
camera), the anomalies the hourly scan found (read-only) and each camera's baseline settings."""

from django.contrib import admin

from baselines.models import Anomaly, BaselineState, Detection, Event
from nem.admin import ReadOnlyAdminMixin, camera_column


@admin.register(Detection)
class DetectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Objects the external detector reported; written only through the API."""

    list_display = ["detected_at", camera_column, "object_type", "confidence_text", "file_path"]
    list_filter = ["object_type", ("detected_at", admin.DateFieldListFilter), "camera"]
    list_select_related = ["camera"]
    search_fields = ["camera__id", "camera__name", "object_type", "file_path"]
    date_hierarchy = "detected_at"
    ordering = ["-detected_at", "-id"]
    show_full_result_count = False  # the table grows without bound: no second COUNT(*) per page

    @admin.display(description="confidence", ordering="confidence")
    def confidence_text(self, obj) -> str:
        return f"{obj.confidence:.2f}"


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Episodes of activity grouped from a camera's detections."""

    list_display = ["started_at", "ended_at", camera_column, "detection_count", "classes"]
    list_filter = [("started_at", admin.DateFieldListFilter), "camera"]
    list_select_related = ["camera"]
    search_fields = ["camera__id", "camera__name"]
    date_hierarchy = "started_at"
    ordering = ["-started_at", "-id"]
    show_full_result_count = False

    @admin.display(description="object types")
    def classes(self, obj) -> str:
        return ", ".join(obj.object_types) or "—"


@admin.register(Anomaly)
class AnomalyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Anomalies found by the hourly scan; the scan is their only writer."""

    list_display = ["hour_start", camera_column, "detection_class", "kind", "observed_count", "expected", "score", "reason"]
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


@admin.register(BaselineState)
class BaselineStateAdmin(admin.ModelAdmin):
    """Per-camera baseline configuration and bookkeeping."""

    list_display = [
        camera_column,
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
