"""ONVIF event subscriptions in the admin, read-only: each camera's subscription health and the
topics its camera sent that NEM does not interpret."""

from __future__ import annotations

from django.contrib import admin

from nem.admin import ReadOnlyAdminMixin, camera_column
from onvifctl.models import OnvifEventState, OnvifUnknownEvent


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rows go with their camera (trash, purge)."""


@admin.register(OnvifEventState)
class OnvifEventStateAdmin(ReadOnlyAdmin):
    list_display = [
        camera_column,
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
    list_display = ["topic", camera_column, "count", "first_seen_at", "last_seen_at"]
    list_filter = ["topic"]
    list_select_related = ["camera"]
    search_fields = ["topic", "camera__id"]
    ordering = ["camera", "topic"]
