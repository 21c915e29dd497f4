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
    """The SQLite test database is a per-process temp file (see nem.settings.test): remove it."""
    import os

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
