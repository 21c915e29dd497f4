"""Alert endpoints: where alerts go besides MQTT (webhooks, Apprise URLs)."""

from __future__ import annotations

import logging

from django.db import transaction

from alerts.exceptions import AlertEndpointNotFound
from alerts.models import AlertEndpoint, EndpointKind

logger = logging.getLogger(__name__)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    import base64
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def endpoint_get(*, endpoint_id) -> AlertEndpoint:
    try:
        return AlertEndpoint.objects.get(pk=int(endpoint_id))
    except (AlertEndpoint.DoesNotExist, ValueError, TypeError, OverflowError):
        raise AlertEndpointNotFound(endpoint_id) from None


# The endpoint settings a client chooses besides its name, kind and url (the API, the admin form and the
# services below accept the same ones).
ENDPOINT_SETTINGS = (
    "enabled",
    "kinds",
    "camera_ids",
    "min_severity",
    "cooldown_seconds",
    "quiet_hours_start",
    "quiet_hours_end",
)


@transaction.atomic
def endpoint_create(*, data: dict) -> AlertEndpoint:
    endpoint = AlertEndpoint(kind=data["kind"], **{k: data[k] for k in ("name", *ENDPOINT_SETTINGS) if k in data})
    endpoint.url = data["url"]
    if endpoint.kind == EndpointKind.WEBHOOK:
        endpoint.secret = new_webhook_secret()
    endpoint.save()
    logger.info("alert endpoint created id=%s kind=%s", endpoint.pk, endpoint.kind)
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint_id, data: dict) -> AlertEndpoint:
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    for name in ("name", *ENDPOINT_SETTINGS):
        if name in data:
            setattr(endpoint, name, data[name])
    if "url" in data:
        endpoint.url = data["url"]
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint_id) -> None:
    endpoint_get(endpoint_id=endpoint_id).delete()
