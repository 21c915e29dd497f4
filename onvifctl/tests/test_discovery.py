"""POST /api/cameras/onvif/discover against a WS-Discovery responder and device simulators on
loopback. Every test here also runs under the ``no_multicast`` guard (conftest)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pytest

from onvifctl import discovery
from onvifctl.tests.simulator import DeviceSimulator
from onvifctl.tests.wsd_responder import WsDiscoveryResponder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("discovery_settings")]

DISCOVER = "/api/cameras/onvif/discover"


def discover(api_client, **body):
    return api_client.post(DISCOVER, {"timeout": 1, **body}, format="json")


def full_entry(
    sim: DeviceSimulator, model: str = "SIM-PTZ-1", manufacturer: str = "Simulated", serial: str = "SIM-0001"
) -> dict:
    return {
        "device_url": sim.url,
        "ip": "127.0.0.1",
        "port": sim.port,
        "manufacturer": manufacturer,
        "model": model,
        "firmware_version": "V1.2.3",
        "serial_number": serial,
        "hardware_id": "HW42",
        "rtsp_urls": [
            {"profile": "MainStream", "url": "rtsp://127.0.0.1:8554/prof_main"},
            {"profile": "SubStream", "url": "rtsp://127.0.0.1:8554/prof_sub"},
        ],
        "capabilities": {"video": True, "ptz": True, "events": True},
        "auth_required": False,
    }


def test_without_credentials_devices_carry_their_scopes_and_what_they_answer_unauthenticated(
    api_client, responder, device
):
    """The simulator, like many cameras, refuses GetDeviceInformation without credentials: the
    result says so (auth_required) and keeps what the scopes and GetCapabilities gave."""
    responder.announce(
        [device.url],
        [
            "onvif://www.onvif.org/hardware/SIM-PTZ-1",
            "onvif://www.onvif.org/name/Porch",
            "onvif://www.onvif.org/Profile/Streaming",
        ],
    )

    response = discover(api_client, subnet="127.0.0.1/32")

    assert response.status_code == 200
    assert response.json() == {
        "devices": [
            {
                "device_url": device.url,
                "ip": "127.0.0.1",
                "port": device.port,
                "manufacturer": None,  # the name scope is not the manufacturer
                "model": "SIM-PTZ-1",
                "firmware_version": None,
                "serial_number": None,
                "hardware_id": None,
                "rtsp_urls": [],
                "capabilities": {"video": True, "ptz": True, "events": True},
                "auth_required": True,
            }
        ],
        "count": 1,
    }
    assert len(responder.probes) == 1
    assert device.operations() == ["GetSystemDateAndTime", "GetCapabilities", "GetDeviceInformation"]
    assert not any(call.authenticated for call in device.calls)  # nothing signed without credentials


def test_without_credentials_a_device_that_answers_unauthenticated_gives_manufacturer_and_serial(
    api_client, responder, device
):
    device.info_without_auth = True
    responder.announce([device.url], ["onvif://www.onvif.org/hardware/SIM-PTZ-1"])

    response = discover(api_client, subnet="127.0.0.1/32", timeout=4)

    assert response.status_code == 200
    (entry,) = response.json()["devices"]
    assert entry == {
        **full_entry(device),
        "rtsp_urls": [],  # the stream addresses need credentials
        "auth_required": True,
    }
    assert (entry["manufacturer"], entry["serial_number"]) == ("Simulated", "SIM-0001")
    assert not any(call.authenticated for call in device.calls)


def test_with_credentials_each_device_is_described_in_full(api_client, responder, device, other_device):
    responder.announce([device.url])
    responder.announce([other_device.url])

    response = discover(api_client, subnet="127.0.0.1/32", timeout=4, username="admin", password="secret")

    assert response.status_code == 200
    devices = sorted(response.json()["devices"], key=lambda d: d["port"])
    expected = sorted(
        [full_entry(device), full_entry(other_device, "OTHER-2", "OtherCo", "SIM-0002")], key=lambda d: d["port"]
    )
    assert response.json()["count"] == 2
    assert devices == expected
    assert all(call.authenticated for call in device.calls_of("GetStreamUri"))


def test_a_slow_device_does_not_stall_the_others(api_client, responder, device, other_device):
    other_device.slow_seconds = 30  # far beyond the per-device bound (2 s) and the call (4 s)
    responder.announce([device.url])
    responder.announce([other_device.url], ["onvif://www.onvif.org/hardware/OTHER-2"])

    response = discover(api_client, subnet="127.0.0.1/32", timeout=4, username="admin", password="secret")

    assert response.status_code == 200
    by_port = {d["port"]: d for d in response.json()["devices"]}
    assert by_port[device.port] == full_entry(device)
    slow = by_port[other_device.port]
    assert slow["model"] == "OTHER-2" and slow["capabilities"] is None and slow["rtsp_urls"] == []
    assert slow["auth_required"] is None  # it did not answer in time: unknown


def test_a_device_refusing_the_credentials_is_listed_without_details(api_client, responder, device):
    device.password = "something-else"
    responder.announce([device.url], ["onvif://www.onvif.org/hardware/SIM-PTZ-1"])

    response = discover(api_client, subnet="127.0.0.1/32", username="admin", password="secret")

    assert response.status_code == 200
    (entry,) = response.json()["devices"]
    assert entry["model"] == "SIM-PTZ-1" and entry["serial_number"] is None and entry["rtsp_urls"] == []
    assert entry["auth_required"] is True
    assert entry["capabilities"] == {"video": True, "ptz": True, "events": True}  # answered before authentication
    assert "secret" not in response.content.decode()


def test_answers_are_deduplicated_by_endpoint_reference(api_client, responder):
    responder.announce(["http://127.0.0.1:8080/onvif/device_service"], epr="urn:uuid:same-camera")
    responder.announce(["http://127.0.0.1:8080/onvif/device_service"], epr="urn:uuid:same-camera")

    response = discover(api_client, subnet="127.0.0.1/32")

    assert response.json()["count"] == 1


def test_a_reported_address_outside_the_subnet_is_rewritten_to_the_one_that_answered(api_client, responder):
    responder.announce(["http://10.20.30.40:8899/onvif/device_service"])

    response = discover(api_client, subnet="127.0.0.1/32")

    (entry,) = response.json()["devices"]
    assert entry["device_url"] == "http://127.0.0.1:8899/onvif/device_service"
    assert (entry["ip"], entry["port"]) == ("127.0.0.1", 8899)


def test_of_several_reported_addresses_the_one_inside_the_subnet_wins(api_client, responder):
    responder.announce(["http://10.20.30.40/onvif/device_service http://127.0.0.1/onvif/device_service"])

    (entry,) = discover(api_client, subnet="127.0.0.1/32").json()["devices"]

    assert (entry["device_url"], entry["port"]) == ("http://127.0.0.1/onvif/device_service", 80)


def test_answers_from_outside_the_subnet_are_dropped(api_client, settings):
    """A device at 127.0.0.3 answers a probe of 127.0.0.1/32 (as one on another subnet answers a
    multicast probe): it is not in the subnet, so it is not listed."""
    with WsDiscoveryResponder(reply_from="127.0.0.3") as outsider:
        outsider.announce(["http://127.0.0.3:80/onvif/device_service"])
        settings.NEM_ONVIF_DISCOVERY_PORT = outsider.port

        response = discover(api_client, subnet="127.0.0.1/32")

        assert outsider.probes  # it was asked, and answered
    assert response.json() == {"devices": [], "count": 0}


def test_every_host_of_the_subnet_is_probed(api_client, responder):
    """127.0.0.0/30 has hosts .1 and .2; the responder on .1 hears exactly one probe."""
    responder.announce(["http://127.0.0.1:8080/onvif/device_service"])

    response = discover(api_client, subnet="127.0.0.0/30")

    assert response.json()["count"] == 1
    assert len(responder.probes) == 1


def test_multicast_stays_off_for_a_loopback_subnet_even_when_enabled(api_client, responder, settings, no_multicast):
    settings.NEM_ONVIF_MULTICAST = True
    responder.announce(["http://127.0.0.1:8080/onvif/device_service"])

    response = discover(api_client, subnet="127.0.0.1/32")

    assert response.json()["count"] == 1
    assert no_multicast == []


@pytest.mark.parametrize(
    "body,field,message",
    [
        (
            {"subnet": "10.0.0.0/21"},
            "subnet",
            "10.0.0.0/21 has 2048 addresses; at most /22 (1024) can be probed "
            "in one call: split it into smaller subnets",
        ),
        ({"subnet": "not-a-subnet"}, "subnet", "'not-a-subnet' is not a subnet in CIDR notation, e.g. 192.168.1.0/24"),
        ({"subnet": "127.0.0.1/32", "timeout": 0}, "timeout", "Ensure this value is greater than or equal to 1."),
        ({"subnet": "127.0.0.1/32", "timeout": 61}, "timeout", "Ensure this value is less than or equal to 60."),
        ({"subnet": "127.0.0.1/32", "ports": [80]}, "ports", "is not a known field"),
        ({}, "subnet", "This field is required."),
    ],
)
def test_invalid_requests_are_422(api_client, responder, body, field, message):
    response = api_client.post(DISCOVER, body, format="json")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert {"field": field, "message": message} in problem["errors"]
    assert problem == {
        "type": "/problems/validation-error",
        "code": "validation_error",
        "title": "Request body is invalid",
        "status": 422,
        "detail": "Request validation failed: " + "; ".join(f"{e['field']}: {e['message']}" for e in problem["errors"]),
        "instance": DISCOVER,
        "errors": problem["errors"],
    }
    assert responder.probes == []


def test_a_22_is_the_largest_subnet_accepted(api_client, responder):
    response = api_client.post(DISCOVER, {"subnet": "127.0.4.0/22", "timeout": 1}, format="json")

    assert response.status_code == 200
    assert response.json() == {"devices": [], "count": 0}


def test_discovery_is_rate_limited_per_client(api_client, responder, settings):
    settings.NEM_RATE_LIMIT_DISCOVERY = "2/m"

    statuses = [discover(api_client, subnet="127.0.0.1/32", timeout=1).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    limited = discover(api_client, subnet="127.0.0.1/32", timeout=1)
    assert limited["Content-Type"] == "application/problem+json"
    assert limited["Retry-After"] == "60"
    assert limited.json() == {
        "type": "/problems/rate-limited",
        "code": "rate_limited",
        "title": "Rate limit exceeded",
        "status": 429,
        "detail": "Rate limit exceeded. Try again later.",
        "instance": DISCOVER,
    }


# interface selection for multicast (pure: given interfaces in, chosen interfaces out)


@dataclass
class _IP:
    ip: object
    network_prefix: int


@dataclass
class _Adapter:
    ips: list


ADAPTERS = [
    _Adapter([_IP("127.0.0.1", 8), _IP(("::1", 0, 0), 128)]),
    _Adapter([_IP("192.168.1.20", 24), _IP(("fe80::1", 0, 2), 64)]),
    _Adapter([_IP("10.0.5.2", 16)]),
    _Adapter([_IP("169.254.3.3", 16)]),
]


@pytest.mark.parametrize(
    "subnet,expected",
    [
        ("192.168.1.0/24", ["192.168.1.20/24"]),
        ("192.168.1.128/25", ["192.168.1.20/24"]),
        ("192.168.0.0/22", ["192.168.1.20/24"]),
        ("10.0.200.0/24", ["10.0.5.2/16"]),
        ("172.16.0.0/24", []),  # another subnet entirely: unicast only
        ("127.0.0.0/24", []),  # loopback: never multicast
        ("169.254.3.0/24", []),  # link-local interfaces are skipped
    ],
)
def test_multicast_goes_only_out_of_interfaces_overlapping_the_subnet(subnet, expected):
    chosen = discovery.multicast_interfaces(ipaddress.ip_network(subnet), adapters=ADAPTERS)

    assert [str(interface) for interface in chosen] == expected
