"""Discovery stays inside NEM_DEVICE_NETWORKS and leaves no thread behind."""

from __future__ import annotations

import threading

import pytest

from onvifctl.tests.hostile_devices import HostileDevice

pytestmark = pytest.mark.django_db

DISCOVER = "/api/cameras/onvif/discover"


@pytest.fixture(autouse=True)
def short_device_timeout(discovery_settings):
    discovery_settings.NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS = 1.0


@pytest.mark.parametrize(
    ("networks", "subnet"),
    [
        (None, "8.8.8.0/22"),
        (None, "0.0.0.0/22"),
        (["192.168.0.0/16"], "127.0.0.1/32"),
        (["192.168.0.0/16"], "169.254.169.0/24"),
        (["192.168.1.0/24"], "192.168.0.0/22"),
    ],
)
def test_a_subnet_outside_the_device_networks_is_refused_without_a_probe(
    api_client, responder, settings, networks, subnet
):
    if networks is not None:
        settings.NEM_DEVICE_NETWORKS = networks
    response = api_client.post(DISCOVER, {"subnet": subnet, "timeout": 1}, format="json")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    rule = "NEM_DEVICE_NETWORKS (" + ", ".join(settings.NEM_DEVICE_NETWORKS) + ")"
    assert response.json()["errors"] == [
        {"field": "subnet", "message": f"{subnet} is not inside {rule}: discovery probes device networks only"}
    ]
    assert responder.probes == []


def test_no_detail_fetch_outlives_the_request(api_client, responder):
    """A device that drips its answer keeps every per-read timeout happy; the fetch thread used
    to carry on after the response was sent. Now it ends with the request."""
    drip = HostileDevice("drip", drip_seconds=0.2, drip_bytes=60)
    try:
        responder.announce([drip.url])

        response = api_client.post(
            DISCOVER, {"subnet": "127.0.0.1/32", "timeout": 2, "username": "admin", "password": "x"}, format="json"
        )

        alive = [t.name for t in threading.enumerate() if t.name.startswith("onvif-discover") and t.is_alive()]
        assert response.status_code == 200
        assert [d["capabilities"] for d in response.json()["devices"]] == [None]
        assert alive == []
        assert drip.finished.wait(15)
        assert drip.hung_up_early.is_set()
    finally:
        drip.stop()
