from django.contrib import admin

from health.models import HealthOverride
from nem.admin import camera_column


@admin.register(HealthOverride)
class HealthOverrideAdmin(admin.ModelAdmin):
    list_display = [camera_column, "offline_grace_seconds", "online_after_frames", "frozen_minutes", "silent_hours"]
    list_select_related = ["camera"]
    raw_id_fields = ["camera"]
    search_fields = ["camera__id", "camera__name"]
    ordering = ["camera_id"]

    def get_queryset(self, request):
        # Overrides of trashed cameras are hidden with them (and deleted with them on purge).
        return super().get_queryset(request).filter(camera__deleted_at__isnull=True)
