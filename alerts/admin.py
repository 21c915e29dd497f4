"""Alerts in the admin: alerts (thumbnail of the evidence, acknowledge), endpoints (the webhook
secret shown once, on creation) and the delivery log with "retry now" on dead letters. The
evidence image is served by a staff-only view that only reads NEM_MEDIA_ROOT or the scene
reference store."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from alerts import services, targets
from alerts.models import Alert, AlertEndpoint, Delivery, DeliveryState, EndpointKind
from alerts.services.endpoints import ENDPOINT_SETTINGS
from nem.admin import admin_link, camera_column


def evidence_file(alert: Alert) -> Path | None:
    if not alert.evidence_path:
        return None
    try:
        file = Path(alert.evidence_path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    for root in (settings.NEM_MEDIA_ROOT, settings.NEM_SCENE_REFERENCE_DIR):
        base = Path(root).resolve()
        if file.is_file() and file.is_relative_to(base):
            return file
    return None


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["opened_at", camera_column, "kind", "severity", "state", "reason", "acknowledged_at", "thumbnail"]
    list_filter = ["kind", "state", "severity"]
    list_select_related = ["camera"]
    search_fields = ["camera__id", "camera__name", "reason"]
    date_hierarchy = "opened_at"
    actions = ["acknowledge_selected"]
    readonly_fields = [
        "camera_page",
        "kind",
        "severity",
        "state",
        "incident_key",
        "reason",
        "version",
        "opened_at",
        "updated_at",
        "resolved_at",
        "acknowledged_at",
        "acknowledged_by",
        "scene_change",
        "anomaly",
        "evidence_path",
        "details",
        "evidence",
    ]
    fields = [*readonly_fields, "hold"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="camera")
    def camera_page(self, obj: Alert):
        return camera_column(obj) if obj.camera_id else "—"

    @admin.display(description="scene change")
    def scene_change(self, obj: Alert):
        if obj.scene_change_id is None:
            return "—"
        url = reverse("admin:scenechanges_scenechange_change", args=[obj.scene_change_id])
        return format_html('<a href="{}">scene change {}</a>', url, obj.scene_change_id)

    @admin.display(description="anomaly")
    def anomaly(self, obj: Alert):
        if obj.anomaly_id is None:
            return "—"
        url = reverse("admin:baselines_anomaly_change", args=[obj.anomaly_id])
        return format_html('<a href="{}">anomaly {}</a>', url, obj.anomaly_id)

    def get_urls(self):
        return [
            path(
                "<int:alert_id>/evidence", self.admin_site.admin_view(self.evidence_view), name="alerts_alert_evidence"
            ),
            *super().get_urls(),
        ]

    def evidence_view(self, request, alert_id: int):
        alert = Alert.objects.filter(pk=alert_id).first()
        file = evidence_file(alert) if alert is not None else None
        if file is None:
            raise Http404("No evidence image")
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        response = FileResponse(open(file, "rb"), content_type=content_type)  # noqa: SIM115 - FileResponse closes it
        response["Cache-Control"] = "private, max-age=300"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.display(description="evidence")
    def thumbnail(self, obj: Alert):
        if not obj.evidence_path:
            return "—"
        url = reverse("admin:alerts_alert_evidence", args=[obj.pk])
        return format_html('<a href="{}"><img src="{}" width="120" loading="lazy" alt="evidence"></a>', url, url)

    @admin.display(description="evidence image")
    def evidence(self, obj: Alert):
        if not obj.evidence_path:
            return "—"
        url = reverse("admin:alerts_alert_evidence", args=[obj.pk])
        return format_html('<img src="{}" style="max-width: 640px" alt="evidence">', url)

    @admin.action(description="Acknowledge selected alerts")
    def acknowledge_selected(self, request, queryset):
        actor = f"user:{request.user.get_username()}"
        for alert_id in queryset.values_list("pk", flat=True):
            services.alert_acknowledge(alert_id=alert_id, actor=actor)
        self.message_user(request, f"Acknowledged {queryset.count()} alert(s).", messages.SUCCESS)


class AlertEndpointForm(forms.ModelForm):
    url = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only. Leave empty to keep the current URL.",
    )

    class Meta:
        model = AlertEndpoint
        fields = ["name", "kind", "url", *ENDPOINT_SETTINGS]

    def clean(self):
        data = super().clean()
        url = (data.get("url") or "").strip()
        if not url and not self.instance.pk:
            self.add_error("url", "required")
        if url:
            check = targets.webhook_url_check if data.get("kind") == EndpointKind.WEBHOOK else targets.apprise_url_check
            try:
                check(url, resolve=False)
            except (targets.TargetRefused, ValueError) as exc:
                self.add_error("url", str(exc))
        return data


@admin.register(AlertEndpoint)
class AlertEndpointAdmin(admin.ModelAdmin):
    form = AlertEndpointForm
    list_display = ["name", "kind", "target", "enabled", "min_severity", "created_at"]
    list_filter = ["kind", "enabled"]

    @admin.display(description="target")
    def target(self, obj: AlertEndpoint) -> str:
        return targets.redacted(obj.url)

    def save_model(self, request, obj, form, change):
        url = (form.cleaned_data.get("url") or "").strip()
        if url:
            obj.url = url
        created_secret = ""
        if not change and obj.kind == EndpointKind.WEBHOOK:
            created_secret = services.new_webhook_secret()
            obj.secret = created_secret
        super().save_model(request, obj, form, change)
        if created_secret:
            # Messages live in the session (MESSAGE_STORAGE), never in a readable cookie.
            self.message_user(request, f"Signing secret (shown once): {created_secret}", messages.WARNING)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "message_id",
        "channel",
        "endpoint_link",
        "alert_link",
        "event",
        "state",
        "attempts",
        "last_status_code",
        "latency_ms",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["state", "channel", "event"]
    list_select_related = ["endpoint", "alert"]
    raw_id_fields = ["alert", "endpoint"]
    actions = ["retry_now"]
    exclude = ["payload"]
    readonly_fields = [
        "alert",
        "version",
        "event",
        "channel",
        "endpoint",
        "lane",
        "message_id",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "expires_at",
        "claimed_until",
        "delivered_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "latency_ms",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="endpoint", ordering="endpoint__name")
    def endpoint_link(self, obj: Delivery):
        return admin_link(obj.endpoint)

    @admin.display(description="alert", ordering="alert_id")
    def alert_link(self, obj: Delivery):
        return admin_link(obj.alert)

    @admin.action(description="Retry now (dead letters)")
    def retry_now(self, request, queryset):
        count = services.delivery_retry_now(
            delivery_ids=list(queryset.filter(state=DeliveryState.DEAD).values_list("pk", flat=True))
        )
        self.message_user(request, f"{count} dead letter(s) queued again.", messages.SUCCESS)
