"""Device calls are bounded: a total deadline for the whole SOAP exchange, a size cap,
no redirects, only NEM_DEVICE_NETWORKS, and responses that name the class of failure without
repeating anything the device said."""

from __future__ import annotations

import pytest

from cameras.tests.factories import CameraFactory
from onvifctl.tests.hostile_devices import HostileDevice

pytestmark = pytest.mark.django_db

BANNER = "SSH-2.0-OpenSSH_9.2 secret-banner-xyz"


@pytest.fixture
def hostile():
    servers = []

    def make(mode, **kwargs):
        server = HostileDevice(mode, **kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def _camera(onvif_url: str):
    return CameraFactory(
        id="cam",
        ingestion_mode="onvif",
        rtsp_url="rtsp://127.0.0.1:8554/live",
        rtsp_username="admin",
        rtsp_password="secret",
        onvif_url=onvif_url,
    )


TITLES = {
    "device-unavailable": "Device unavailable",
    "device-address-unusable": "Device address unusable",
}


def _problem(response) -> dict:
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def assert_device_problem(response, status: int, slug: str, detail: str) -> None:
    """The whole problem document of a device operation on camera ``cam``."""
    assert response.status_code == status
    assert _problem(response) == {
        "type": f"/problems/{slug}",
        "code": slug.replace("-", "_"),
        "title": TITLES[slug],
        "status": status,
        "detail": detail,
        "instance": "/api/cameras/cam/onvif/capabilities",
    }


def test_a_dripping_device_is_cut_off_at_the_total_deadline(api_client, hostile, settings):
    """Each byte comes well within the per-read bound; the whole answer would take 8 s. The
    exchange is abandoned at the 1 s total deadline: the device sees us hang up mid-drip."""
    settings.NEM_ONVIF_TIMEOUT_SECONDS = 1.0
    device = hostile("drip", drip_seconds=0.2, drip_bytes=40)
    _camera(device.url)

    response = api_client.get("/api/cameras/cam/onvif/capabilities")

    assert_device_problem(
        response, 503, "device-unavailable", f"Device timed out: Device at {device.url} did not answer within 1 s"
    )
    assert device.finished.wait(10)
    assert device.hung_up_early.is_set()


def test_a_redirect_is_not_followed(api_client, hostile):
    target = hostile("fault", banner=BANNER)
    device = hostile("redirect", location=target.url)
    _camera(device.url)

    response = api_client.get("/api/cameras/cam/onvif/capabilities")

    assert_device_problem(
        response,
        503,
        "device-unavailable",
        f"Not an ONVIF device: Device at {device.url} did not answer as an ONVIF device",
    )
    assert device.connections >= 1
    assert target.connections == 0


def test_an_endless_answer_is_cut_at_the_size_cap(api_client, hostile, settings):
    settings.NEM_DEVICE_MAX_RESPONSE_BYTES = 64 * 1024
    settings.NEM_ONVIF_TIMEOUT_SECONDS = 5.0
    device = hostile("flood")
    _camera(device.url)

    response = api_client.get("/api/cameras/cam/onvif/capabilities")

    assert_device_problem(
        response,
        503,
        "device-unavailable",
        f"Not an ONVIF device: Device at {device.url} did not answer as an ONVIF device",
    )
    assert device.finished.wait(10)
    assert device.hung_up_early.is_set()


@pytest.mark.parametrize("mode", ["fault", "http500"])
def test_the_device_words_never_reach_the_response(api_client, hostile, mode):
    device = hostile(mode, banner=BANNER)
    _camera(device.url)

    response = api_client.get("/api/cameras/cam/onvif/capabilities")

    assert "secret-banner" not in response.content.decode()
    assert_device_problem(
        response,
        503,
        "device-unavailable",
        f"Not an ONVIF device: Device at {device.url} did not answer as an ONVIF device",
    )


def test_a_device_outside_the_device_networks_is_never_contacted(api_client, hostile, settings):
    device = hostile("fault", banner=BANNER)
    _camera(device.url)
    settings.NEM_DEVICE_NETWORKS = ["192.168.0.0/16"]

    response = api_client.get("/api/cameras/cam/onvif/capabilities")

    assert_device_problem(
        response,
        409,
        "device-address-unusable",
        f"Camera cam: Device at {device.url} not contacted: 127.0.0.1 is outside NEM_DEVICE_NETWORKS (192.168.0.0/16)",
    )
    assert device.connections == 0


def test_onvif_url_to_cloud_metadata_is_refused_at_save_time(api_client, camera):
    response = api_client.patch(
        f"/api/cameras/{camera.id}", {"onvif_url": "http://169.254.169.254/latest/meta-data"}, format="json"
    )
    assert response.status_code == 422
    assert _problem(response)["errors"][0]["field"] == "onvif_url"
    assert "169.254.169.254 is outside NEM_DEVICE_NETWORKS" in response.json()["errors"][0]["message"]


def test_moving_onvif_url_to_another_device_sends_it_no_credentials(api_client, device, other_device):
    """The attack: PATCH only onvif_url to a device you run; the next call used to sign its
    WS-Security digest with the stored password for that device."""
    CameraFactory(
        id="porch",
        ingestion_mode="onvif",
        rtsp_url="rtsp://127.0.0.1:8554/live",
        rtsp_username="admin",
        rtsp_password="secret",
        onvif_url=device.url,
    )
    assert api_client.get("/api/cameras/porch/onvif/capabilities").status_code == 200
    assert all(call.authenticated for call in device.calls_of("GetDeviceInformation"))

    patched = api_client.patch("/api/cameras/porch", {"onvif_url": other_device.url}, format="json")
    assert patched.json()["credentials_cleared"] == ["rtsp_username", "rtsp_password"]
    response = api_client.get("/api/cameras/porch/onvif/capabilities")

    assert response.status_code == 503
    assert other_device.calls  # it was asked
    assert "UsernameToken" not in "".join(call.xml for call in other_device.calls)
