"""Fixtures shared by every app's tests, and the guard that keeps tests on loopback."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from rest_framework.test import APIClient

TEST_API_KEY = "test-api-key-for-the-test-suite-only-0001"  # listed in NEM_API_KEYS by nem.settings.test

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto


def _is_loopback(address) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths and the like never leave the machine
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name: it could resolve anywhere


def _guard(address) -> None:
    if not _is_loopback(address):
        raise RuntimeError(f"test tried to reach {address!r}: tests may only talk to loopback")


def _connect(self, address):
    _guard(address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _guard(address)
    return _real_connect_ex(self, address)


def _sendto(self, data, *args):
    _guard(args[-1])
    return _real_sendto(self, data, *args)


@pytest.fixture(autouse=True, scope="session")
def loopback_only():
    """Every socket a test opens may reach loopback only: no multicast, no LAN, no internet."""
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.socket.sendto = _sendto
    yield
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex
    socket.socket.sendto = _real_sendto


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    for alias in caches:
        caches[alias].clear()
    yield


@pytest.fixture
def media_root(tmp_path, settings):
    root = tmp_path / "media"
    root.mkdir()
    settings.NEM_MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=TEST_API_KEY)
    return client


@pytest.fixture
def user(db, django_user_model):
    return django_user_model.objects.create_user(username="viewer", password="viewer-password-1")


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_superuser(username="admin", password="admin-password-1", email="a@example.org")


@pytest.fixture
def camera(db):
    from cameras.tests.factories import CameraFactory

    return CameraFactory(id="front_door", name="Front Door Camera", folder_path="/export/foscam/front_door")


def pytest_sessionfinish(session, exitstatus):
    """With NEM_EXPECTED_SKIPS naming a file of regular expressions (CI sets it), a skip that matches
    none of them fails the run: a missing peer or package must not pass as a skip. Then the SQLite
    test database, a per-process temp file (see nem.settings.test), is removed."""
    import os

    expected = os.environ.get("NEM_EXPECTED_SKIPS")
    if expected:
        unexpected = unexpected_skips(expected)
        if unexpected:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            reporter.write_line(f"{len(unexpected)} unexpected skip(s) (not in {expected}):", red=True)
            for skip in unexpected:
                reporter.write_line(f"  {skip}")
            session.exitstatus = 1

    from django.conf import settings

    if not settings.configured:
        return
    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and name.endswith(f"nem-test-{os.getpid()}.sqlite3"):
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.remove(name + suffix)
            except FileNotFoundError:
                pass


_skips: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skips.append(f"{report.nodeid}: {reason}")


def unexpected_skips(path: str) -> list[str]:
    """The skips of this run that match none of the regular expressions in ``path``."""
    import re

    with open(path) as listing:
        patterns = [re.compile(line.strip()) for line in listing if line.strip() and not line.startswith("#")]
    return [skip for skip in _skips if not any(p.search(skip) for p in patterns)]
