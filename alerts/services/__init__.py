"""Alerts: one row per incident, and the outbox rows that deliver it.

Every function that changes an alert runs inside the caller's transaction (the domain signal's
sender holds it), so the alert and its outbox rows commit or roll back with the event itself.
After commit the HTTP drain is queued (``alerts.drain``); the MQTT publisher polls the outbox.
"""

from alerts.services.endpoints import (
    endpoint_create,
    endpoint_delete,
    endpoint_get,
    endpoint_update,
    new_webhook_secret,
)
from alerts.services.lifecycle import (
    STATUS_KEY,
    alert_acknowledge,
    alert_camera_status,
    alert_get,
    alert_raise,
    alert_resolve,
    alert_test_send,
    alert_update,
)
from alerts.services.outbox import delivery_retry_now, endpoint_matches, in_quiet_hours, outbox_write
from alerts.services.payloads import (
    ANOMALY_KINDS,
    TAMPER_KINDS,
    alert_links,
    alert_payload,
    camera_alert_states,
    iso,
    message_id,
)

__all__ = [
    "ANOMALY_KINDS",
    "STATUS_KEY",
    "TAMPER_KINDS",
    "alert_acknowledge",
    "alert_camera_status",
    "alert_get",
    "alert_links",
    "alert_payload",
    "alert_raise",
    "alert_resolve",
    "alert_test_send",
    "alert_update",
    "camera_alert_states",
    "delivery_retry_now",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_get",
    "endpoint_matches",
    "endpoint_update",
    "in_quiet_hours",
    "iso",
    "message_id",
    "new_webhook_secret",
    "outbox_write",
]
