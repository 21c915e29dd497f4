"""Fixtures of the baseline tests; the constructed data they use is in ``constructed``."""

import datetime as dt

import pytest

from baselines.tests.constructed import UTC
from cameras.tests.factories import CameraFactory


@pytest.fixture
def small_window(settings):
    settings.NEM_BASELINE_WINDOW_DAYS = 21
    settings.NEM_BASELINE_DECAY = 0.5
    settings.NEM_BASELINE_MIN_SAMPLES = 3
    settings.NEM_BASELINE_THRESHOLD_STDEV = 2.0
    return settings


@pytest.fixture
def old_camera(db):
    """A camera that has existed long before the window, so every window hour is observed."""
    return CameraFactory(id="front_door", name="Front Door Camera", created_at=dt.datetime(2025, 12, 1, tzinfo=UTC))
