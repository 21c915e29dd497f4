"""A simulated camera-day per scene, driven frame by frame through the scene-change service.

One frame every ten minutes of capture time, from midnight to midnight, on a controllable clock:
night in infrared (dim, noisy greyscale), dawn with the switch to colour and the light coming up,
the day with clouds, people walking through, a car parked for hours, rain, an auto-exposure jump
and a JPEG quality that varies frame to frame, dusk and the switch back to infrared, and a clock
burnt into every frame. That benign day raises nothing; the same day with the lens covered from
noon raises exactly one scene change. Scenes: textured (astronaut, coffee) and soft (a
soft-focus scene, a foggy view), where a more sensitive focus signal would be most tempted.
"""

from __future__ import annotations

import datetime as dt
import os

import cv2
import numpy as np
import pytest
from django.utils import timezone

from scenechanges import services
from scenechanges.models import SceneChange
from scenechanges.tests import evalset

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DAY_START = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=10)
# The foggy view has about 30 textured tiles of 108: a car parked in it and a passer-by beside
# the car change a quarter of what it shows, which the changed-tile rule (not the focus signal)
# reports as an unknown change. Kept visible as a known miss, not dropped.
_FOG = pytest.param(
    "coffee_haze",
    marks=pytest.mark.xfail(
        strict=True, reason="a parked car and a passer-by are a quarter of a foggy view's textured tiles"
    ),
)
SCENES = ("astronaut", "coffee", "chelsea_soft", _FOG)


class Clock:
    """The wall clock of the service, moved by the test with the capture times."""

    def __init__(self, start: dt.datetime):
        self.current = start

    def now(self) -> dt.datetime:
        return self.current


def _overlay(image: np.ndarray, moment: dt.datetime) -> np.ndarray:
    """The camera's burnt-in clock: white text with a black outline, top left."""
    out = image.copy()
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    for colour, thickness in (((0, 0, 0), 4), ((255, 255, 255), 2)):
        cv2.putText(out, text, (12, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.9, colour, thickness, cv2.LINE_AA)
    return out


def _car(image: np.ndarray) -> np.ndarray:
    """A car parked low in the view (about 6 % of it)."""
    out = image.copy()
    cv2.rectangle(out, (400, 340), (580, 410), (40, 40, 150), -1)
    cv2.rectangle(out, (435, 305), (545, 340), (30, 30, 110), -1)
    for x in (430, 550):
        cv2.circle(out, (x, 410), 18, (15, 15, 15), -1)
    return out


def _light(hour: float) -> tuple[float, bool]:
    """(brightness gain, infrared) at a time of day: infrared before 06:30 and after 18:40. At
    dawn and dusk the auto exposure, at its limit, leaves the picture dim (and, below, noisy)."""
    if hour < 6.5 or hour >= 18 + 40 / 60:
        return 1.0, True
    if hour < 8:
        return 0.55 + 0.45 * (hour - 6.5) / 1.5, False  # dawn
    if hour >= 17.5:
        return 1.0 - 0.45 * (hour - 17.5) / (7 / 6), False  # dusk
    return 1.0, False


def _render(view: np.ndarray, moment: dt.datetime, rng: np.random.Generator, *, covered: bool) -> bytes:
    hour = moment.hour + moment.minute / 60
    gain, infrared = _light(hour)
    if covered:
        image = np.full_like(view, 18)
        noise, quality = 3.0, int(rng.integers(40, 96))
    elif infrared:
        image = evalset.night(view)
        if rng.random() < 0.2:
            image = evalset._with_object(image, x=int(rng.integers(20, 560)), y=int(rng.integers(150, 300)), rng=rng)
        noise, quality = 7.0, int(rng.integers(60, 90))
    else:
        clouds = float(rng.uniform(0.85, 1.1))
        image = evalset.exposure_jump(view, gain * clouds)
        if 9 <= hour < 14:
            image = _car(image)
        if rng.random() < 0.35:  # someone walking through
            image = evalset._with_object(image, x=int(rng.integers(20, 560)), y=int(rng.integers(100, 300)), rng=rng)
        if 14 <= hour < 16:
            image = evalset.rain(image, rng)
        if 16 <= hour < 16.5:
            image = evalset.exposure_jump(image, 1.6)  # auto exposure overshoots
        noise, quality = 2.0 + 8.0 * (1 - gain), int(rng.integers(40, 96))
    image = _overlay(image, moment)
    noisy = np.clip(image.astype(np.float32) + rng.normal(0.0, noise, image.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _view(scene: str) -> np.ndarray:
    world = evalset.soft_world(scene) if scene in evalset.SOFT_SCENES else evalset._world(scene)
    return evalset._view(world)


def _live_a_day(cam, monkeypatch, scene: str, *, covered_from: dt.datetime | None) -> list[str]:
    clock = Clock(DAY_START)
    monkeypatch.setattr(timezone, "now", clock.now)
    rng = np.random.default_rng(sum(map(ord, scene)))
    view = _view(scene)
    statuses = []
    moment = DAY_START
    while moment < DAY_START + dt.timedelta(days=1):
        covered = covered_from is not None and moment >= covered_from
        path = os.path.join(cam.folder_path, f"{moment:%Y%m%d-%H%M%S}.jpg")
        with open(path, "wb") as out:
            out.write(_render(view, moment, rng, covered=covered))
        os.utime(path, (moment.timestamp(), moment.timestamp()))
        clock.current = moment + dt.timedelta(seconds=5)  # compared a few seconds after capture
        statuses.append(services.scenechange_compare(camera_id=cam.id, frame_path=path).status)
        moment += STEP
    return statuses


@pytest.mark.parametrize("scene", SCENES)
def test_a_benign_day_raises_nothing(cam, monkeypatch, scene):
    statuses = _live_a_day(cam, monkeypatch, scene, covered_from=None)
    changes = list(SceneChange.objects.values_list("change_type", "file_path"))
    assert changes == []
    # A night reference at midnight and a day reference at dawn, nothing else adopted or flagged.
    assert statuses.count("reference_created") == 2
    assert set(statuses) == {"reference_created", "unchanged"}


@pytest.mark.parametrize("scene", SCENES)
def test_the_same_day_with_the_lens_covered_from_noon_raises_one_change(cam, monkeypatch, scene):
    noon = DAY_START + dt.timedelta(hours=12)
    statuses = _live_a_day(cam, monkeypatch, scene, covered_from=noon)
    change = SceneChange.objects.get()
    assert change.change_type == "view_blocked"
    # Confirmed by the second covered frame, at 12:10.
    assert change.file_path.endswith("20260302-121000.jpg")
    assert statuses[: 12 * 6].count("change_recorded") == 0
    assert statuses.count("change_recorded") == 1
