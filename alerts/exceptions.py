"""The problem kinds the alerts API answers beyond the shared ones in ``nem.errors``."""

from __future__ import annotations

from nem.errors import NotFoundError


class AlertNotFound(NotFoundError):
    slug = "alert-not-found"
    title = "Alert not found"
    description = (
        "No alert has this id (an alert of a trashed camera is in the trash with it). List alerts at `/api/alerts`."
    )

    def __init__(self, alert_id):
        self.alert_id = alert_id
        super().__init__(f"No alert {str(alert_id)[:100]!r}. List alerts at /api/alerts.")


class AlertEndpointNotFound(NotFoundError):
    slug = "alert-endpoint-not-found"
    title = "Alert endpoint not found"
    description = "No alert endpoint has this id. List endpoints at `/api/alert-endpoints`."

    def __init__(self, endpoint_id):
        self.endpoint_id = endpoint_id
        super().__init__(f"No alert endpoint {str(endpoint_id)[:100]!r}. List endpoints at /api/alert-endpoints.")
