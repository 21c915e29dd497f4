from __future__ import annotations

import pytest
from django.db import connection

from cameras.signals import camera_status_changed
from cameras.tests.factories import CameraFactory
from health.signals import health_changed
from health.tests.clock import T0


@pytest.fixture
def folder(media_root, settings, tmp_path):
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "snapshot-cache")
    path = media_root / "porch"
    path.mkdir()
    return path


@pytest.fixture
def stream_cam(folder):
    """An rtsp camera (grace NEM_HEALTH_OFFLINE_GRACE_SECONDS, 600 s by default) created at T0."""
    return CameraFactory(
        id="porch",
        name="Porch",
        folder_path=str(folder),
        created_at=T0,
        ingestion_mode="rtsp",
        rtsp_url="rtsp://127.0.0.1:8554/porch",
        status="online",
    )


@pytest.fixture
def health_signals():
    """Every ``health_changed`` sent, with whether a transaction was open at that moment."""
    sent = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal")
        sent.append({**kwargs, "in_atomic": connection.in_atomic_block})

    health_changed.connect(receiver, dispatch_uid="test-health-signals")
    yield sent
    health_changed.disconnect(dispatch_uid="test-health-signals")


@pytest.fixture
def status_signals():
    sent = []

    def receiver(sender, **kwargs):
        sent.append((kwargs["camera_id"], kwargs["previous"], kwargs["current"]))

    camera_status_changed.connect(receiver, dispatch_uid="test-health-status-signals")
    yield sent
    camera_status_changed.disconnect(dispatch_uid="test-health-status-signals")
