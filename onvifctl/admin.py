"""ONVIF event subscriptions in the admin, read-only: each camera's subscription health and the
topics its camera sent that NEM does not interpret."""

from __future__ import annotations

from django.contrib import admin

from onvifctl.models import OnvifEventState, OnvifUnknownEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # rows go with their camera (trash, purge)


@admin.register(OnvifEventState)
class OnvifEventStateAdmin(ReadOnlyAdmin):
    list_display = [
        "camera",
        "subscribed",
        "terminates_at",
        "last_message_at",
        "messages",
        "last_motion_at",
        "signal_lost",
        "consecutive_failures",
        "last_error",
    ]
    list_filter = ["subscribed", "signal_lost", "motion_active"]
    list_select_related = ["camera"]
    search_fields = ["camera__id", "camera__name", "last_error"]
    ordering = ["camera"]


@admin.register(OnvifUnknownEvent)
class OnvifUnknownEventAdmin(ReadOnlyAdmin):
    list_display = ["topic", "camera", "count", "first_seen_at", "last_seen_at"]
    list_filter = ["topic"]
    list_select_related = ["camera"]
    search_fields = ["topic", "camera__id"]
    ordering = ["camera", "topic"]
