"""ONVIF test servers (a device simulator and a WS-Discovery responder, both on 127.0.0.1) and the
guard that no ONVIF test ever multicasts."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from cameras.tests.factories import CameraFactory
from onvifctl import services
from onvifctl.deadman import deadman_cancel_all
from onvifctl.tests.simulator import DeviceSimulator
from onvifctl.tests.wsd_responder import WsDiscoveryResponder

_MULTICAST_OPTIONS = {
    (socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP),
    (socket.IPPROTO_IP, socket.IP_MULTICAST_IF),
    (socket.IPPROTO_IP, socket.IP_MULTICAST_TTL),
    (socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP),
    (socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP),
    (socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF),
}


def _is_multicast(address) -> bool:
    try:
        return isinstance(address, tuple) and ipaddress.ip_address(address[0].split("%")[0]).is_multicast
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_multicast():
    """Records every multicast socket option and every datagram to a multicast group during the
    test, refusing them, and fails the test if there was any. (The root conftest already refuses
    anything beyond loopback; this also catches a group join or a probe to 239.255.255.250.)"""
    attempts: list[str] = []
    real_setsockopt = socket.socket.setsockopt
    real_sendto = socket.socket.sendto

    def setsockopt(self, level, option, *args):
        if (level, option) in _MULTICAST_OPTIONS:
            attempts.append(f"setsockopt({level}, {option})")
            raise OSError("multicast refused in tests")
        return real_setsockopt(self, level, option, *args)

    def sendto(self, data, *args):
        if _is_multicast(args[-1]):
            attempts.append(f"sendto({args[-1]!r})")
            raise OSError("multicast refused in tests")
        return real_sendto(self, data, *args)

    socket.socket.setsockopt = setsockopt
    socket.socket.sendto = sendto
    try:
        yield attempts
    finally:
        socket.socket.setsockopt = real_setsockopt
        socket.socket.sendto = real_sendto
    assert attempts == [], f"a test used multicast: {attempts}"


@pytest.fixture(autouse=True)
def fresh_onvif_state(settings):
    """No client or pending stop leaks from one test into the next; short bounds so that failing
    devices fail fast."""
    settings.NEM_ONVIF_CONNECT_TIMEOUT_SECONDS = 1.0
    settings.NEM_ONVIF_TIMEOUT_SECONDS = 1.0
    services.onvif_clients_clear()
    yield
    deadman_cancel_all()
    services.onvif_clients_clear()


@pytest.fixture
def device():
    sim = DeviceSimulator().start()
    yield sim
    sim.stop()


@pytest.fixture
def other_device():
    sim = DeviceSimulator(manufacturer="OtherCo", model="OTHER-2", serial_number="SIM-0002").start()
    yield sim
    sim.stop()


@pytest.fixture
def responder():
    wsd = WsDiscoveryResponder().start()
    yield wsd
    wsd.stop()


@pytest.fixture
def onvif_camera(db, device):
    return CameraFactory(
        id="porch_ptz",
        name="Porch PTZ",
        folder_path="/export/foscam/porch_ptz",
        ingestion_mode="onvif",
        rtsp_url="rtsp://127.0.0.1:8554/live",
        rtsp_username="admin",
        rtsp_password="secret",
        onvif_url=device.url,
        stream_profile="main",
    )


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def discovery_settings(settings, responder):
    """Discovery probes the test responder's port, within short bounds, with a rate limit the
    tests do not reach unless they lower it."""
    settings.NEM_ONVIF_DISCOVERY_PORT = responder.port
    settings.NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS = 2.0
    settings.NEM_RATE_LIMIT_DISCOVERY = "100/m"
    return settings
