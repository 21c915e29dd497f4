import datetime as dt

import pytest

from baselines.demo import baselines_demo_seed
from baselines.models import ActivitySlot, Anomaly, BaselineState, ClassSlot, Detection, Event
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_demo_seed_learns_baselines_and_finds_the_planted_anomalies(settings):
    settings.NEM_BASELINE_THRESHOLD_STDEV = 3.0
    CameraFactory(id="front_door")
    CameraFactory(id="porch", timezone="America/New_York")
    # A fixed "now", so the generated data (and the planted anomalies' margins) are the same every run.
    now = dt.datetime(2026, 3, 4, 12, 20, tzinfo=dt.UTC)
    created = baselines_demo_seed(camera_ids=["front_door", "porch", "ghost"], weeks=8, seed=7, now=now)

    assert created == Detection.objects.count()
    assert 5000 < created < 30000
    assert Event.objects.count() > 1000
    for camera_id in ("front_door", "porch"):
        assert BaselineState.objects.get(camera_id=camera_id).learning_complete is True
        assert ActivitySlot.objects.filter(camera_id=camera_id).count() == 168
        assert set(ClassSlot.objects.filter(camera_id=camera_id).values_list("object_type", flat=True)) == {
            "person", "car", "dog", "cat"
        }
        anomalies = Anomaly.objects.filter(camera_id=camera_id)
        # The planted burst of cars at 03:00 local, and the silent evening peak at 18:00 local.
        assert anomalies.filter(object_type="car", kind="surge", reason__contains="at 03:00-04:00").exists()
        assert anomalies.filter(kind="absence", reason__contains="at 18:00-19:00").exists()
        assert anomalies.count() < 12
    # A second seed adds nothing.
    assert baselines_demo_seed(camera_ids=["front_door"], now=now) == 0
