"""The camera-scoped ONVIF endpoints against the device simulator: what we answer, and what the
device received."""

from __future__ import annotations

import threading

import pytest
from lxml import etree

from cameras.services import camera_soft_delete, camera_update
from cameras.signals import view_moving
from cameras.tests.factories import CameraFactory
from onvifctl.tests.polling import wait_for
from onvifctl.tests.simulator import DeviceSimulator

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
AUTH_HINT = (
    "Check the camera's rtsp_username and rtsp_password, and that the camera's clock is within a few "
    "seconds of the server's (WS-Security timestamps are checked against it)."
)


def url(camera_id: str, tail: str) -> str:
    return f"/api/cameras/{camera_id}/onvif/{tail}"


def ptz(api_client, camera_id, body):
    return api_client.post(url(camera_id, "ptz"), body, format="json")


def _element(xml: str, local_name: str):
    for element in etree.fromstring(xml.encode()).iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == local_name:
            return element
    return None


def attr(xml: str, local_name: str) -> dict[str, str]:
    """The attributes of the first element with this local name in a recorded request."""
    element = _element(xml, local_name)
    assert element is not None, f"no {local_name} in {xml}"
    return dict(element.attrib)


def text(xml: str, local_name: str) -> str | None:
    element = _element(xml, local_name)
    return None if element is None else element.text


PROBLEM_TITLES = {
    "camera-not-found": "Camera not found",
    "onvif-not-enabled": "Camera is not in ONVIF mode",
    "device-unavailable": "Device unavailable",
    "device-credentials-refused": "Device refused the credentials",
    "device-operation-unsupported": "Device does not support the operation",
    "invalid-ptz-command": "Invalid PTZ command",
    "invalid-preset-token": "Invalid preset token",
}


def assert_problem(response, status: int, slug: str, detail: str, instance: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": f"/problems/{slug}",
        "code": slug.replace("-", "_"),
        "title": PROBLEM_TITLES[slug],
        "status": status,
        "detail": detail,
        "instance": instance,
    }


def deadman_threads_after_settling() -> list[threading.Thread]:
    """Joins every dead-man timer thread for up to 5 s and returns those still alive: a cancelled
    timer ends at once, one that fires within the join ends too, a 30 s one left armed is alive."""
    threads = [t for t in threading.enumerate() if t.name.startswith("onvif-deadman-")]
    for thread in threads:
        thread.join(timeout=5)
    return [t for t in threads if t.is_alive()]


@pytest.fixture
def moves():
    received = []

    def receiver(sender, camera_id, seconds, **kwargs):
        received.append((camera_id, seconds))

    view_moving.connect(receiver)
    yield received
    view_moving.disconnect(receiver)


# capabilities


def test_capabilities_returns_the_device_information_and_services(api_client, onvif_camera, device):
    response = api_client.get(url("porch_ptz", "capabilities"))

    assert response.status_code == 200
    assert response.json() == {
        "manufacturer": "Simulated",
        "model": "SIM-PTZ-1",
        "firmware_version": "V1.2.3",
        "serial_number": "SIM-0001",
        "hardware_id": "HW42",
        "ptz_supported": True,
        "media_supported": True,
        "analytics_supported": False,
    }
    info = device.calls_of("GetDeviceInformation")
    assert len(info) == 1 and info[0].authenticated
    # the clock is read before anything is signed, without credentials
    assert device.operations()[0] == "GetSystemDateAndTime"
    assert not device.calls_of("GetSystemDateAndTime")[0].authenticated


def test_capabilities_of_a_device_without_ptz(api_client, onvif_camera, device):
    device.ptz = False

    response = api_client.get(url("porch_ptz", "capabilities"))

    assert response.status_code == 200
    assert response.json()["ptz_supported"] is False
    assert response.json()["media_supported"] is True


def test_unknown_camera_is_404(api_client, db):
    response = api_client.get(url("nope", "capabilities"))

    assert_problem(
        response,
        404,
        "camera-not-found",
        "No camera 'nope'. List cameras at /api/cameras.",
        "/api/cameras/nope/onvif/capabilities",
    )


@pytest.mark.parametrize(
    "method,tail,body",
    [
        ("get", "capabilities", None),
        ("post", "ptz", {"command": "pan", "value": 0.5, "speed": 0.3}),
        ("get", "presets", None),
        ("post", "presets/preset_1", None),
    ],
)
def test_trashed_camera_is_404_on_every_endpoint(api_client, onvif_camera, device, method, tail, body):
    camera_soft_delete(camera_id="porch_ptz", actor="test")

    response = getattr(api_client, method)(url("porch_ptz", tail), body, format="json")

    assert_problem(
        response,
        404,
        "camera-not-found",
        "No camera 'porch_ptz'. List cameras at /api/cameras.",
        f"/api/cameras/porch_ptz/onvif/{tail}",
    )
    assert device.calls == []


@pytest.mark.parametrize(
    "method,tail,body",
    [
        ("get", "capabilities", None),
        ("post", "ptz", {"command": "pan", "value": 0.5, "speed": 0.3}),
        ("get", "presets", None),
        ("post", "presets/preset_1", None),
    ],
)
def test_camera_not_in_onvif_mode_is_409(api_client, db, method, tail, body):
    CameraFactory(id="garage", ingestion_mode="ftp")

    response = getattr(api_client, method)(url("garage", tail), body, format="json")

    assert_problem(
        response,
        409,
        "onvif-not-enabled",
        "Camera is not an ONVIF device: garage has ingestion_mode 'ftp'. Set ingestion_mode to 'onvif' (and "
        "onvif_url if the device service is not at the rtsp_url host, port 80) to use ONVIF.",
        f"/api/cameras/garage/onvif/{tail}",
    )


def test_wrong_credentials_are_503_with_a_hint(api_client, onvif_camera, device):
    device.password = "not-what-we-send"

    response = api_client.get(url("porch_ptz", "capabilities"))

    assert_problem(
        response,
        503,
        "device-credentials-refused",
        f"Device refused the credentials: Device at {device.url} refused our credentials. {AUTH_HINT}",
        "/api/cameras/porch_ptz/onvif/capabilities",
    )
    assert "secret" not in response.content.decode()


def test_a_closed_port_is_503(api_client, db, closed_port):
    device_url = f"http://127.0.0.1:{closed_port}/onvif/device_service"
    CameraFactory(id="gone", ingestion_mode="onvif", rtsp_url="rtsp://127.0.0.1/live", onvif_url=device_url)

    response = api_client.get(url("gone", "capabilities"))

    assert_problem(
        response,
        503,
        "device-unavailable",
        f"Device unreachable: Could not connect to the device at {device_url}",
        "/api/cameras/gone/onvif/capabilities",
    )


def test_a_device_slower_than_the_timeout_is_503(api_client, onvif_camera, device, settings):
    settings.NEM_ONVIF_TIMEOUT_SECONDS = 0.3
    device.slow_seconds = 5

    response = api_client.get(url("porch_ptz", "capabilities"))

    assert_problem(
        response,
        503,
        "device-unavailable",
        f"Device timed out: Device at {device.url} did not answer within 0.3 s",
        "/api/cameras/porch_ptz/onvif/capabilities",
    )


def test_a_device_answering_nonsense_is_503_not_500(api_client, onvif_camera, device):
    device.garbage = True

    response = api_client.get(url("porch_ptz", "capabilities"))

    assert_problem(
        response,
        503,
        "device-unavailable",
        f"Not an ONVIF device: Device at {device.url} did not answer as an ONVIF device",
        "/api/cameras/porch_ptz/onvif/capabilities",
    )


def test_device_url_is_derived_from_the_rtsp_host_when_onvif_url_is_empty(api_client, db, settings):
    settings.NEM_ONVIF_CONNECT_TIMEOUT_SECONDS = 0.3
    CameraFactory(id="derived", ingestion_mode="onvif", rtsp_url="rtsp://127.0.0.1:554/stream1", onvif_url=None)

    response = api_client.get(url("derived", "capabilities"))

    # nothing listens on loopback port 80 here: the point is which address was tried
    assert response.status_code == 503
    assert response.json()["detail"].endswith("the device at http://127.0.0.1:80/onvif/device_service")


def test_a_device_clock_an_hour_off_is_still_accepted(api_client, onvif_camera, device):
    """The device checks WS-Security timestamps against its own clock (within 5 s)."""
    import datetime as dt

    device.clock_offset = dt.timedelta(hours=1, seconds=7)

    response = api_client.get(url("porch_ptz", "capabilities"))

    assert response.status_code == 200
    assert device.calls_of("GetDeviceInformation")[0].authenticated


def test_service_addresses_with_a_stale_host_are_reached_at_the_device_host(api_client, onvif_camera, device):
    """The simulator reports its media/PTZ services at 192.0.2.1 (as a camera behind NAT might);
    the loopback guard would fail the test if we went there."""
    device.advertise_host = "192.0.2.1"

    response = api_client.get(url("porch_ptz", "presets"))

    assert response.status_code == 200
    assert len(device.calls_of("GetPresets")) == 1


# the client cache


def test_the_client_is_built_once_and_reused(api_client, onvif_camera, device):
    for _ in range(3):
        assert api_client.get(url("porch_ptz", "capabilities")).status_code == 200

    assert len(device.calls_of("GetCapabilities")) == 1
    assert len(device.calls_of("GetSystemDateAndTime")) == 1
    assert len(device.calls_of("GetDeviceInformation")) == 3


def test_changing_the_onvif_settings_drops_the_cached_client(api_client, onvif_camera, device, other_device):
    assert api_client.get(url("porch_ptz", "capabilities")).json()["model"] == "SIM-PTZ-1"

    # credentials belong to a host: moving onvif_url without them would clear them
    camera_update(
        camera_id="porch_ptz", data={"onvif_url": other_device.url, "rtsp_username": "admin", "rtsp_password": "secret"}
    )
    assert api_client.get(url("porch_ptz", "capabilities")).json()["model"] == "OTHER-2"

    other_device.password = "rotated"
    camera_update(camera_id="porch_ptz", data={"rtsp_password": "rotated"})
    response = api_client.get(url("porch_ptz", "capabilities"))

    assert response.status_code == 200
    assert len(other_device.calls_of("GetCapabilities")) == 2  # a new client for the new password
    assert len(device.calls_of("GetDeviceInformation")) == 1


def test_a_failed_client_is_rebuilt_on_the_next_call(api_client, onvif_camera, device):
    assert api_client.get(url("porch_ptz", "capabilities")).status_code == 200
    device.password = "changed-on-the-camera"
    assert api_client.get(url("porch_ptz", "capabilities")).status_code == 503
    device.password = "secret"

    assert api_client.get(url("porch_ptz", "capabilities")).status_code == 200
    assert len(device.calls_of("GetCapabilities")) == 2


# PTZ


def test_pan_sends_a_continuous_move_with_the_profile_token_and_is_stopped_by_the_server(
    api_client, onvif_camera, device, settings, moves
):
    settings.NEM_PTZ_MOVE_SECONDS = 0.2

    response = ptz(api_client, "porch_ptz", {"command": "pan", "value": 0.5, "speed": 0.3})

    assert response.status_code == 200
    assert response.json() == {"success": True, "command": "pan", "value": 0.5, "speed": 0.3}
    (move,) = device.calls_of("ContinuousMove")
    assert text(move.xml, "ProfileToken") == "prof_main"
    assert attr(move.xml, "PanTilt") == {"x": "0.15", "y": "0.0"}
    assert "Zoom" not in move.xml
    assert moves == [("porch_ptz", 2.2)]

    assert wait_for(lambda: device.calls_of("Stop")), "the server never stopped the move"
    (stop,) = device.calls_of("Stop")
    assert text(stop.xml, "ProfileToken") == "prof_main"
    assert device.operations()[-2:] == ["ContinuousMove", "Stop"]


def test_tilt_and_zoom_velocities(api_client, onvif_camera, device):
    assert ptz(api_client, "porch_ptz", {"command": "tilt", "value": -1.0, "speed": 0.5}).status_code == 200
    assert ptz(api_client, "porch_ptz", {"command": "zoom", "value": 0.25, "speed": 1}).status_code == 200

    tilt, zoom = device.calls_of("ContinuousMove")
    assert attr(tilt.xml, "PanTilt") == {"x": "0.0", "y": "-0.5"}
    assert attr(zoom.xml, "Zoom") == {"x": "0.25"}
    assert "PanTilt" not in zoom.xml


def test_the_sub_stream_profile_is_used_when_the_camera_streams_sub(api_client, onvif_camera, device):
    camera_update(camera_id="porch_ptz", data={"stream_profile": "sub"})

    assert ptz(api_client, "porch_ptz", {"command": "pan", "value": 1, "speed": 1}).status_code == 200
    assert api_client.get(url("porch_ptz", "presets")).status_code == 200

    assert text(device.calls_of("ContinuousMove")[0].xml, "ProfileToken") == "prof_sub"
    assert text(device.calls_of("GetPresets")[0].xml, "ProfileToken") == "prof_sub"


def test_a_device_with_one_profile_uses_it_for_sub(api_client, onvif_camera, device):
    device.profiles = [("only", "Only")]
    camera_update(camera_id="porch_ptz", data={"stream_profile": "sub"})

    assert ptz(api_client, "porch_ptz", {"command": "pan", "value": 1, "speed": 1}).status_code == 200

    assert text(device.calls_of("ContinuousMove")[0].xml, "ProfileToken") == "only"


def test_a_new_command_before_the_bound_replaces_the_pending_stop(api_client, onvif_camera, device, settings):
    settings.NEM_PTZ_MOVE_SECONDS = 30  # would still be pending at the end if the tilt did not cancel it
    assert ptz(api_client, "porch_ptz", {"command": "pan", "value": 0.5, "speed": 1}).status_code == 200
    settings.NEM_PTZ_MOVE_SECONDS = 0.2
    assert ptz(api_client, "porch_ptz", {"command": "tilt", "value": 0.5, "speed": 1}).status_code == 200

    assert wait_for(lambda: device.calls_of("Stop"))
    assert deadman_threads_after_settling() == []
    assert device.operations()[-3:] == ["ContinuousMove", "ContinuousMove", "Stop"]
    assert len(device.calls_of("Stop")) == 1


def test_stop_sends_stop_and_cancels_the_automatic_one(api_client, onvif_camera, device, settings):
    settings.NEM_PTZ_MOVE_SECONDS = 30
    assert ptz(api_client, "porch_ptz", {"command": "pan", "value": 0.5, "speed": 1}).status_code == 200

    response = ptz(api_client, "porch_ptz", {"command": "stop", "value": 0, "speed": 0})

    assert response.status_code == 200
    assert response.json() == {"success": True, "command": "stop", "value": 0.0, "speed": 0.0}
    assert deadman_threads_after_settling() == []
    (stop,) = device.calls_of("Stop")
    assert text(stop.xml, "ProfileToken") == "prof_main"
    assert text(stop.xml, "PanTilt") == "true" and text(stop.xml, "Zoom") == "true"


def test_stop_on_a_device_without_stop_is_a_zero_velocity_move(api_client, onvif_camera, device):
    device.stop_supported = False

    for _ in range(2):
        assert ptz(api_client, "porch_ptz", {"command": "stop", "value": 0, "speed": 0}).status_code == 200

    assert len(device.calls_of("Stop")) == 1  # learnt once, then straight to the fallback
    moves_sent = device.calls_of("ContinuousMove")
    assert len(moves_sent) == 2
    for move in moves_sent:
        assert text(move.xml, "ProfileToken") == "prof_main"
        assert attr(move.xml, "PanTilt") == {"x": "0.0", "y": "0.0"}
        assert attr(move.xml, "Zoom") == {"x": "0.0"}


def test_the_automatic_stop_falls_back_too(api_client, onvif_camera, device, settings):
    settings.NEM_PTZ_MOVE_SECONDS = 0.2
    device.stop_supported = False

    assert ptz(api_client, "porch_ptz", {"command": "pan", "value": 0.5, "speed": 1}).status_code == 200

    assert wait_for(lambda: len(device.calls_of("ContinuousMove")) == 2)
    assert attr(device.calls_of("ContinuousMove")[1].xml, "PanTilt") == {"x": "0.0", "y": "0.0"}


@pytest.mark.parametrize(
    "body,detail",
    [
        (
            {"command": "spin", "value": 0.5, "speed": 0.5},
            "Invalid PTZ command 'spin': use one of pan, tilt, zoom, stop",
        ),
        (
            {"command": "pan", "value": 1.5, "speed": 0.5},
            "PTZ value 1.5 is out of range: it must be between -1.0 and 1.0",
        ),
        (
            {"command": "pan", "value": -1.01, "speed": 0.5},
            "PTZ value -1.01 is out of range: it must be between -1.0 and 1.0",
        ),
        (
            {"command": "tilt", "value": 0.5, "speed": 1.2},
            "PTZ speed 1.2 is out of range: it must be between 0.0 and 1.0",
        ),
        (
            {"command": "zoom", "value": 0.5, "speed": -0.1},
            "PTZ speed -0.1 is out of range: it must be between 0.0 and 1.0",
        ),
    ],
)
def test_invalid_command_value_or_speed_is_400(api_client, onvif_camera, device, body, detail):
    response = ptz(api_client, "porch_ptz", body)

    assert_problem(response, 400, "invalid-ptz-command", detail, "/api/cameras/porch_ptz/onvif/ptz")
    assert device.calls_of("ContinuousMove") == []


@pytest.mark.parametrize(
    "body,field",
    [
        (["pan", 0.5, 0.3], "body"),
        ({"command": "pan", "value": 0.5}, "speed"),
        ({"value": 0.5, "speed": 0.5}, "command"),
        ({"command": "pan", "value": "left", "speed": 0.5}, "value"),
        ({"command": "pan", "value": 0.5, "speed": True}, "speed"),
        ({"command": "pan", "value": 0.5, "speed": 0.5, "duration": 3}, "duration"),
    ],
)
def test_malformed_body_is_422(api_client, onvif_camera, device, body, field):
    response = ptz(api_client, "porch_ptz", body)

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert field in [error["field"] for error in response.json()["errors"]]
    assert device.calls == []


def test_ptz_on_a_device_without_ptz_is_409(api_client, onvif_camera, device):
    device.ptz = False

    response = ptz(api_client, "porch_ptz", {"command": "pan", "value": 0.5, "speed": 0.5})

    assert_problem(
        response,
        409,
        "device-operation-unsupported",
        "Camera porch_ptz: Device does not offer the ONVIF PTZ service",
        "/api/cameras/porch_ptz/onvif/ptz",
    )


def test_ptz_on_an_unreachable_device_is_503(api_client, onvif_camera, device, settings):
    settings.NEM_ONVIF_TIMEOUT_SECONDS = 0.3
    device.slow_seconds = 5

    response = ptz(api_client, "porch_ptz", {"command": "pan", "value": 0.5, "speed": 0.5})

    assert_problem(
        response,
        503,
        "device-unavailable",
        f"Device timed out: Device at {device.url} did not answer within 0.3 s",
        "/api/cameras/porch_ptz/onvif/ptz",
    )


# presets


def test_presets_list_includes_unnamed_presets(api_client, onvif_camera, device):
    response = api_client.get(url("porch_ptz", "presets"))

    assert response.status_code == 200
    assert response.json() == {
        "presets": [
            {"token": "preset_1", "name": "Front Door"},
            {"token": "preset_2", "name": "Driveway"},
            {"token": "preset_3", "name": None},
        ],
        "count": 3,
    }
    assert text(device.calls_of("GetPresets")[0].xml, "ProfileToken") == "prof_main"


def test_goto_preset_moves_the_camera_and_pauses_comparison(api_client, onvif_camera, device, settings, moves):
    settings.NEM_PTZ_PRESET_SECONDS = 8.0

    response = api_client.post(url("porch_ptz", "presets/preset_2"))

    assert response.status_code == 200
    assert response.json() == {"success": True, "preset_token": "preset_2"}
    (goto,) = device.calls_of("GotoPreset")
    assert text(goto.xml, "ProfileToken") == "prof_main"
    assert text(goto.xml, "PresetToken") == "preset_2"
    assert moves == [("porch_ptz", 8.0)]


def test_goto_cancels_a_pending_automatic_stop(api_client, onvif_camera, device, settings):
    settings.NEM_PTZ_MOVE_SECONDS = 30
    assert ptz(api_client, "porch_ptz", {"command": "pan", "value": 0.5, "speed": 1}).status_code == 200

    assert api_client.post(url("porch_ptz", "presets/preset_1")).status_code == 200

    assert deadman_threads_after_settling() == []
    assert device.calls_of("Stop") == []


def test_goto_an_unknown_preset_is_400(api_client, onvif_camera, device):
    response = api_client.post(url("porch_ptz", "presets/nope"))

    assert_problem(
        response,
        400,
        "invalid-preset-token",
        "Invalid preset token 'nope' for camera porch_ptz: Device refused an argument of the request",
        "/api/cameras/porch_ptz/onvif/presets/nope",
    )


def test_a_preset_token_longer_than_onvif_allows_is_400_without_asking_the_device(api_client, onvif_camera, device):
    token = "p" * 65

    response = api_client.post(url("porch_ptz", f"presets/{token}"))

    assert_problem(
        response,
        400,
        "invalid-preset-token",
        "Invalid preset token: it must be 1 to 64 characters (see GET .../onvif/presets)",
        f"/api/cameras/porch_ptz/onvif/presets/{token}",
    )
    assert device.calls == []


def test_presets_with_wrong_credentials_are_503(api_client, onvif_camera, device):
    device.password = "other"

    response = api_client.get(url("porch_ptz", "presets"))

    assert_problem(
        response,
        503,
        "device-credentials-refused",
        f"Device refused the credentials: Device at {device.url} refused our credentials. {AUTH_HINT}",
        "/api/cameras/porch_ptz/onvif/presets",
    )


# auth and schema


def test_endpoints_need_an_api_key(anon_client, onvif_camera, device):
    assert anon_client.get(url("porch_ptz", "capabilities")).status_code == 401
    assert anon_client.post(url("porch_ptz", "ptz"), {}, format="json").status_code == 401
    assert anon_client.post("/api/cameras/onvif/discover", {}, format="json").status_code == 401
    assert device.calls == []


def test_openapi_documents_every_onvif_endpoint_and_its_errors(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    # Every operation refuses unknown query parameters (422).
    expected = {
        ("/api/cameras/{camera_id}/onvif/capabilities", "get"): {"200", "401", "404", "409", "422", "503"},
        ("/api/cameras/{camera_id}/onvif/ptz", "post"): {"200", "400", "401", "404", "409", "422", "503"},
        ("/api/cameras/{camera_id}/onvif/presets", "get"): {"200", "401", "404", "409", "422", "503"},
        ("/api/cameras/{camera_id}/onvif/presets/{preset_token}", "post"): {
            "200",
            "400",
            "401",
            "404",
            "409",
            "422",
            "503",
        },
        ("/api/cameras/{camera_id}/onvif/events", "get"): {"200", "401", "404", "409", "422"},
        ("/api/cameras/onvif/discover", "post"): {"200", "401", "422", "429"},
    }
    for (path, method), codes in expected.items():
        operation = schema["paths"][path][method]
        # Every keyed operation may answer 429 (failed keys), every one with a body 413.
        codes = codes | {"429"} | ({"413"} if "requestBody" in operation else set())
        assert set(operation["responses"]) == codes, path
        assert operation["tags"] == ["ONVIF"], path
        assert operation["summary"] and operation["description"], path
        for code in codes - {"200", "401", "413", "429"}:
            content = operation["responses"][code]["content"]
            assert list(content) == ["application/problem+json"], (path, code)
    components = schema["components"]["schemas"]
    assert "OnvifDiscoverRequest" in components
    assert not [name for name in components if name.endswith("RequestRequest")]


def test_a_second_simulator_is_independent(api_client, db):
    """Two ONVIF cameras get two clients: commands never cross."""
    with DeviceSimulator() as first, DeviceSimulator() as second:
        for camera_id, sim in (("cam_a", first), ("cam_b", second)):
            CameraFactory(
                id=camera_id,
                ingestion_mode="onvif",
                rtsp_url="rtsp://127.0.0.1/x",
                rtsp_username="admin",
                rtsp_password="secret",
                onvif_url=sim.url,
            )
        assert ptz(api_client, "cam_a", {"command": "pan", "value": 1, "speed": 1}).status_code == 200
        assert ptz(api_client, "cam_b", {"command": "tilt", "value": 1, "speed": 1}).status_code == 200

        assert attr(first.calls_of("ContinuousMove")[0].xml, "PanTilt") == {"x": "1.0", "y": "0.0"}
        assert attr(second.calls_of("ContinuousMove")[0].xml, "PanTilt") == {"x": "0.0", "y": "1.0"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/cameras/porch_ptz/onvif/capabilities", None),
        ("post", "/api/cameras/porch_ptz/onvif/ptz", {"command": "pan", "value": 0.5, "speed": 0.5}),
        ("get", "/api/cameras/porch_ptz/onvif/presets", None),
        ("post", "/api/cameras/porch_ptz/onvif/presets/preset_1", None),
        ("get", "/api/cameras/porch_ptz/onvif/events", None),
        ("post", "/api/cameras/onvif/discover", {"subnet": "127.0.0.1/32", "timeout": 1}),
    ],
)
def test_unknown_query_parameters_are_422_before_the_device_is_asked(
    api_client, onvif_camera, device, method, path, body
):
    response = getattr(api_client, method)(path + "?verbose=1", body, format="json")

    message = "is not a parameter of this operation; it accepts: none"
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "/problems/invalid-query-parameter",
        "code": "invalid_query_parameter",
        "title": "Query parameter is invalid",
        "status": 422,
        "detail": f"Request validation failed: verbose: {message}",
        "instance": path,
        "errors": [{"field": "verbose", "message": message}],
    }
    assert device.calls == []
