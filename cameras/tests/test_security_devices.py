"""Device networks and credentials that stay with their host: the attacks, replayed
against real loopback peers."""

from __future__ import annotations

import base64
import ipaddress

import pytest

from cameras import netpolicy
from cameras.media.streams import stream_grab_frames
from cameras.models import Camera, CameraAuditRecord
from cameras.tests.hostile_peers import recording_rtsp_listener

USER, PASSWORD = "viewer", "s3cret-pass"
LOOPBACK_ONLY_PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]


def _rule(settings) -> str:
    return "NEM_DEVICE_NETWORKS (" + ", ".join(settings.NEM_DEVICE_NETWORKS) + ")"


@pytest.fixture
def stream_camera(api_client, media_root, settings):
    settings.NEM_STREAM_TIMEOUT_SECONDS = 3

    def make(url: str) -> dict:
        response = api_client.post(
            "/api/cameras",
            {
                "name": "Driveway",
                "folder_path": str(media_root / "driveway"),
                "ingestion_mode": "rtsp",
                "rtsp_url": url,
                "rtsp_username": USER,
                "rtsp_password": PASSWORD,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        return response.json()

    return make


@pytest.mark.django_db
def test_patching_rtsp_url_to_another_host_clears_the_credentials_so_that_host_never_receives_them(
    api_client, stream_camera
):
    """The attack: PATCH only rtsp_url to a host you run, wait for grab_frames, read the
    Authorization header. Now the credentials are dropped with the old host."""
    with recording_rtsp_listener() as old, recording_rtsp_listener() as attacker:
        stream_camera(old.url)
        response = api_client.patch("/api/cameras/driveway", {"rtsp_url": attacker.url}, format="json")
        assert response.status_code == 200
        body = response.json()
        assert body["credentials_cleared"] == ["rtsp_username", "rtsp_password"]
        assert body["rtsp_url"] == attacker.url
        assert "rtsp_password" not in body and "rtsp_username" not in body
        camera = Camera.objects.get(pk="driveway")
        assert camera.rtsp_username is None and camera.rtsp_password is None
        record = CameraAuditRecord.objects.get(camera_id="driveway", action="creds_cleared")
        assert record.details == {"cleared": ["rtsp_username", "rtsp_password"], "moved": ["rtsp_url"]}
        assert record.actor == "env-key"

        report = stream_grab_frames(camera_ids=["driveway"])

        assert "driveway" in report.failed
        assert attacker.requests, "the grab did reach the new host"
        assert attacker.authorizations() == []


@pytest.mark.django_db
def test_credentials_given_with_the_new_url_are_kept_and_used(api_client, stream_camera):
    """The control for the test above: the listener does record a password it is sent."""
    with recording_rtsp_listener() as old, recording_rtsp_listener() as new:
        stream_camera(old.url)
        response = api_client.patch(
            "/api/cameras/driveway",
            {"rtsp_url": new.url, "rtsp_username": "other", "rtsp_password": "pw-for-new-host"},
            format="json",
        )
        assert response.status_code == 200
        assert "credentials_cleared" not in response.json()
        stream_grab_frames(camera_ids=["driveway"])
        expected = "Basic " + base64.b64encode(b"other:pw-for-new-host").decode()
        assert expected in new.authorizations()
        assert not CameraAuditRecord.objects.filter(action="creds_cleared").exists()


@pytest.mark.django_db
def test_a_new_path_on_the_same_host_keeps_the_credentials(api_client, stream_camera):
    with recording_rtsp_listener() as peer:
        stream_camera(peer.url)
        response = api_client.patch("/api/cameras/driveway", {"rtsp_url": peer.url + "2"}, format="json")
        assert response.status_code == 200
        assert "credentials_cleared" not in response.json()
        assert Camera.objects.get(pk="driveway").rtsp_password == PASSWORD


@pytest.mark.django_db
def test_moving_onvif_url_to_another_port_clears_the_credentials(api_client, stream_camera):
    with recording_rtsp_listener() as peer:
        stream_camera(peer.url)
        api_client.patch(
            "/api/cameras/driveway",
            {
                "ingestion_mode": "onvif",
                "onvif_url": "http://127.0.0.1:8080/onvif/device_service",
                "rtsp_username": USER,
                "rtsp_password": PASSWORD,
            },
            format="json",
        )
        response = api_client.patch(
            "/api/cameras/driveway", {"onvif_url": "http://127.0.0.1:8081/onvif/device_service"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["credentials_cleared"] == ["rtsp_username", "rtsp_password"]
        record = CameraAuditRecord.objects.get(action="creds_cleared")
        assert record.details["moved"] == ["onvif_url"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "url", "shown"),
    [
        ("onvif_url", "http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("onvif_url", "http://127.0.0.1:6379/", "127.0.0.1"),
        ("onvif_url", "http://[::ffff:127.0.0.1]:22/", "::ffff:127.0.0.1"),
        ("rtsp_url", "rtsp://8.8.8.8:554/x", "8.8.8.8"),
        ("rtsp_url", "rtsp://0.0.0.0:554/x", "0.0.0.0"),
        ("rtsp_url", "rtsp://localhost:554/x", "localhost (127.0.0.1)"),
    ],
)
def test_device_urls_outside_the_device_networks_are_refused_at_save_time(
    api_client, media_root, settings, field, url, shown
):
    settings.NEM_DEVICE_NETWORKS = LOOPBACK_ONLY_PRIVATE
    body = {
        "name": "Cam",
        "folder_path": str(media_root / "cam"),
        "ingestion_mode": "onvif",
        "rtsp_url": "rtsp://192.168.1.20:554/x",
        field: url,
    }
    response = api_client.post("/api/cameras", body, format="json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    message = f"{field} host {shown} is outside {_rule(settings)}"
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not Camera.all_objects.exists()


@pytest.mark.django_db
def test_loopback_is_allowed_only_when_listed(api_client, media_root, settings):
    settings.NEM_DEVICE_NETWORKS = [*LOOPBACK_ONLY_PRIVATE, "127.0.0.0/8"]
    body = {
        "name": "Cam",
        "folder_path": str(media_root / "cam"),
        "ingestion_mode": "rtsp",
        "rtsp_url": "rtsp://127.0.0.1:8554/x",
    }
    assert api_client.post("/api/cameras", body, format="json").status_code == 201


@pytest.mark.django_db
def test_the_host_is_checked_again_at_connect_time_and_nothing_is_sent(api_client, stream_camera, settings):
    with recording_rtsp_listener() as peer:
        stream_camera(peer.url)
        settings.NEM_DEVICE_NETWORKS = LOOPBACK_ONLY_PRIVATE  # the policy (or DNS) changed since
        report = stream_grab_frames(camera_ids=["driveway"])
        assert report.failed["driveway"] == (f"rtsp_url host 127.0.0.1 is outside {_rule(settings)}; nothing was sent")
        assert peer.requests == []


def test_broad_entries_never_open_loopback_link_local_or_unspecified(settings):
    settings.NEM_DEVICE_NETWORKS = ["0.0.0.0/0", "::/0"]
    for address in ("127.0.0.1", "169.254.169.254", "0.0.0.0", "::1", "fe80::1", "::ffff:127.0.0.1", "224.0.0.1"):
        assert not netpolicy.address_allowed(address), address
    assert netpolicy.address_allowed("8.8.8.8")
    settings.NEM_DEVICE_NETWORKS = ["169.254.0.0/16"]
    assert netpolicy.address_allowed("169.254.1.2")


def test_default_networks_are_the_private_ranges(settings):
    settings.NEM_DEVICE_NETWORKS = list(netpolicy.DEFAULT_DEVICE_NETWORKS)
    assert netpolicy.address_allowed("192.168.1.10") and netpolicy.address_allowed("fd00::5")
    assert not netpolicy.address_allowed("127.0.0.1") and not netpolicy.address_allowed("100.64.0.1")
    assert netpolicy.network_allowed(ipaddress.ip_network("192.168.1.0/24"))
    assert not netpolicy.network_allowed(ipaddress.ip_network("8.8.8.0/22"))
    assert not netpolicy.network_allowed(ipaddress.ip_network("192.0.0.0/2"))


def test_a_host_name_is_replaced_by_the_address_that_was_checked(settings):
    """FFmpeg would resolve the name again: a DNS answer changed in between could lead outside."""
    from cameras.media.streams import _checked_target

    getaddr = __import__("socket").getaddrinfo("localhost", 554)
    first = getaddr[0][4][0]
    assert _checked_target("rtsp://localhost:8554/live?ch=1") == (
        f"rtsp://{first if ':' not in first else f'[{first}]'}:8554/live?ch=1"
    )
    assert _checked_target("rtsps://localhost/live") == "rtsps://localhost/live"  # the certificate's name
    settings.NEM_DEVICE_NETWORKS = LOOPBACK_ONLY_PRIVATE
    with pytest.raises(netpolicy.DeviceAddressRefused):
        _checked_target("rtsp://localhost:8554/live")


@pytest.mark.django_db
def test_the_admin_clears_credentials_when_the_rtsp_host_moves_too(staff_user, media_root):
    from django.test import Client

    from cameras.tests.factories import CameraFactory

    camera = CameraFactory(
        id="drive",
        name="Drive",
        folder_path=str(media_root / "drive"),
        ingestion_mode="rtsp",
        rtsp_url="rtsp://192.168.1.20:554/live",
        rtsp_username=USER,
    )
    camera.rtsp_password = PASSWORD
    camera.save()
    client = Client()
    client.force_login(staff_user)
    form = {
        "name": "Drive",
        "folder_path": str(media_root / "drive"),
        "status": "online",
        "ingestion_mode": "rtsp",
        "rtsp_url": "rtsp://192.168.1.99:554/live",
        "rtsp_username": USER,
        "rtsp_password": "",
        "stream_profile": "",
        "motion_sensitivity": "0.5",
        "onvif_url": "",
        "timezone": "UTC",
    }
    response = client.post("/admin/cameras/camera/drive/change/", form, follow=True)

    assert response.status_code == 200
    assert "the stored RTSP username and password were cleared" in response.content.decode()
    camera.refresh_from_db()
    assert camera.rtsp_url == "rtsp://192.168.1.99:554/live"
    assert camera.rtsp_password is None and camera.rtsp_username is None
    record = CameraAuditRecord.objects.get(action="creds_cleared")
    assert (record.actor, record.details["moved"]) == ("user:admin", ["rtsp_url"])


@pytest.mark.django_db
def test_a_dripping_rtsp_server_is_abandoned_at_the_stream_timeout(media_root, settings):
    """Every byte arrives within any per-read timeout; the whole answer would take 40 s. The grab
    gives up at its open bound and hangs up mid-drip."""
    from cameras.tests.factories import CameraFactory
    from cameras.tests.hostile_peers import DrippingRtspListener

    settings.NEM_STREAM_TIMEOUT_SECONDS = 1
    peer = DrippingRtspListener(drip_seconds=0.2, answer_bytes=200)
    try:
        CameraFactory(id="drip", folder_path=str(media_root / "drip"), ingestion_mode="rtsp", rtsp_url=peer.url)
        report = stream_grab_frames(camera_ids=["drip"])
        assert report.failed["drip"] == "stream did not open (unreachable, refused, or wrong credentials)"
        assert peer.finished.wait(15)
        assert peer.hung_up_early.is_set()
    finally:
        peer.close()
