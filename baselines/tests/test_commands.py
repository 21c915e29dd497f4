import io

import pytest
from django.core.management import CommandError, call_command

from baselines.models import ActivitySlot
from cameras.services import camera_soft_delete
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_recompute_baselines_all_and_one(camera):
    CameraFactory(id="garage")
    CameraFactory(id="old")
    camera_soft_delete(camera_id="old", actor="test")
    assert _run("recompute_baselines") == (
        "recomputed 2 camera(s) (0 learnt, 0 skipped), 0 detections in 0 hours (0 re-read from the detections)"
    )
    assert ActivitySlot.objects.filter(camera_id="garage").count() == 168
    assert _run("recompute_baselines", "--camera", "front_door").startswith("recomputed 1 camera(s)")


def test_commands_refuse_an_unknown_camera_with_a_hint(camera):
    for name in ("recompute_baselines", "detect_anomalies"):
        with pytest.raises(CommandError, match="No live camera with id 'ghost'; list them with GET /api/cameras"):
            _run(name, "--camera", "ghost")


def test_detect_anomalies_summary(camera):
    assert _run("detect_anomalies") == "scanned 1 camera(s) over 1 hour(s) (0 skipped), 0 new anomalies"
    assert _run("detect_anomalies", "--camera", "front_door", "--hours", "24") == (
        "scanned 1 camera(s) over 24 hour(s) (0 skipped), 0 new anomalies"
    )
    with pytest.raises(CommandError, match="--hours must be between 1 and 168"):
        _run("detect_anomalies", "--hours", "0")
