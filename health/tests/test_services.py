"""Every health state and transition on a controlled clock (``now=`` and the frames' capture times)."""

from __future__ import annotations

import datetime as dt

import pytest

from baselines.models import Anomaly
from cameras.models import Camera
from cameras.tests.factories import CameraFactory
from health.models import CameraHealth, HealthOverride, HealthTransition
from health.services import health_evaluate, health_frame_observe
from health.signals import health_changed
from health.tests.clock import T0
from health.tests.frames import scene_jpeg, write_frame
from scenechanges.models import SceneChange, SceneMonitor

MIN = dt.timedelta(minutes=1)


def frame(cam, folder, at, **scene):
    path = write_frame(folder, at, scene_jpeg(**scene))
    return health_frame_observe(camera_id=cam.id, path=str(path), captured_at=at)


def evaluate(cam, at):
    return health_evaluate(camera_id=cam.id, now=at)


def walking(cam, folder, start, minutes):
    """A person walks through: one frame a minute, each one different."""
    for i in range(minutes):
        frame(cam, folder, start + i * MIN, person_x=10 + 25 * (i % 10), noise=1.0, seed=i)


def history(cam):
    return list(HealthTransition.objects.filter(camera_id=cam.id).order_by("at", "id").values_list("previous", "state"))


def status_of(cam):
    return Camera.objects.get(pk=cam.pk).status


@pytest.mark.django_db
def test_offline_only_after_the_grace_and_a_five_minute_blip_passes(stream_cam, folder, health_signals, status_signals):
    walking(stream_cam, folder, T0, 3)
    assert evaluate(stream_cam, T0 + 2 * MIN).state == "online"

    # A five-minute blip: the next frame comes before the grace is over; nothing happens.
    frame(stream_cam, folder, T0 + 7 * MIN, person_x=200, noise=1.0, seed=50)
    assert evaluate(stream_cam, T0 + 7 * MIN).state == "online"

    # Silence: still online at exactly the grace, offline one second past it.
    assert evaluate(stream_cam, T0 + 17 * MIN).state == "online"
    at = T0 + 17 * MIN + dt.timedelta(seconds=1)
    result = evaluate(stream_cam, at)
    assert result.state == "offline"
    assert result.reasons == [
        {
            "state": "offline",
            "code": "no_media",
            "message": "no new media for 601 s (grace 600 s)",
            "evidence": {"last_media_at": "2026-11-20T08:07:00Z", "silence_seconds": 601, "grace_seconds": 600},
        }
    ]
    assert status_of(stream_cam) == "offline"
    assert status_signals == [("porch", "online", "offline")]
    assert [(s["previous"], s["state"], s["in_atomic"]) for s in health_signals] == [
        ("unknown", "online", True),
        ("online", "offline", True),
    ]
    assert health_signals[1] == {
        "camera_id": "porch",
        "previous": "online",
        "state": "offline",
        "reasons": result.reasons,
        "at": at,
        "in_atomic": True,
    }
    health = CameraHealth.objects.get(pk="porch")
    assert (health.state, health.since, health.evaluated_at) == ("offline", at, at)
    assert history(stream_cam) == [("unknown", "online"), ("online", "offline")]


@pytest.mark.django_db
def test_back_online_only_after_three_consecutive_new_frames(stream_cam, folder, status_signals):
    walking(stream_cam, folder, T0, 3)
    evaluate(stream_cam, T0 + 2 * MIN)
    assert evaluate(stream_cam, T0 + 30 * MIN).state == "offline"

    # One late frame is not a recovery.
    frame(stream_cam, folder, T0 + 40 * MIN, person_x=100, noise=1.0, seed=40)
    late = evaluate(stream_cam, T0 + 40 * MIN)
    assert (late.state, late.changed) == ("offline", False)
    assert late.reasons[0] == {
        "state": "offline",
        "code": "recovering",
        "message": "media again: 1 of 3 consecutive new frames",
        "evidence": {"last_media_at": "2026-11-20T08:40:00Z", "new_frames": 1, "needed": 3},
    }
    # Silence again, longer than the grace: the next frame starts the count over.
    frame(stream_cam, folder, T0 + 60 * MIN, person_x=120, noise=1.0, seed=60)
    assert evaluate(stream_cam, T0 + 60 * MIN).reasons[0]["evidence"]["new_frames"] == 1
    frame(stream_cam, folder, T0 + 61 * MIN, person_x=140, noise=1.0, seed=61)
    assert evaluate(stream_cam, T0 + 61 * MIN).reasons[0]["evidence"]["new_frames"] == 2
    frame(stream_cam, folder, T0 + 62 * MIN, person_x=160, noise=1.0, seed=62)
    back = evaluate(stream_cam, T0 + 62 * MIN)
    assert (back.state, back.previous) == ("online", "offline")
    assert back.status_change == ("offline", "online")
    assert history(stream_cam) == [("unknown", "online"), ("online", "offline"), ("offline", "online")]
    assert status_signals == [("porch", "online", "offline"), ("porch", "offline", "online")]


@pytest.mark.django_db
def test_the_number_of_frames_and_the_grace_follow_the_cameras_override(stream_cam, folder):
    HealthOverride.objects.create(camera=stream_cam, offline_grace_seconds=120, online_after_frames=1)
    frame(stream_cam, folder, T0, person_x=10, noise=1.0)
    assert evaluate(stream_cam, T0 + dt.timedelta(seconds=120)).state == "online"
    assert evaluate(stream_cam, T0 + dt.timedelta(seconds=121)).state == "offline"
    frame(stream_cam, folder, T0 + 10 * MIN, person_x=50, noise=1.0)
    assert evaluate(stream_cam, T0 + 10 * MIN).state == "online"


@pytest.mark.django_db
def test_an_upload_folder_gets_the_longer_ftp_grace(folder, settings):
    settings.NEM_STATUS_OFFLINE_AFTER_SECONDS = 3600
    settings.NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS = 0
    cam = CameraFactory(id="porch", folder_path=str(folder), created_at=T0, last_seen_at=T0)
    assert evaluate(cam, T0 + dt.timedelta(seconds=3600)).state == "online"
    assert evaluate(cam, T0 + dt.timedelta(seconds=3601)).state == "offline"
    settings.NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS = 7200
    assert evaluate(cam, T0 + dt.timedelta(seconds=3601)).reasons[0]["code"] == "recovering"


@pytest.mark.django_db
def test_videos_count_as_new_media_through_last_seen_at(folder):
    """Only images send frame_arrived; a camera that uploads videos moves last_seen_at."""
    cam = CameraFactory(id="porch", folder_path=str(folder), created_at=T0, last_seen_at=T0)
    evaluate(cam, T0)
    assert evaluate(cam, T0 + dt.timedelta(hours=2)).state == "offline"
    for minute in (0, 1, 2):
        Camera.objects.filter(pk=cam.pk).update(last_seen_at=T0 + dt.timedelta(hours=3) + minute * MIN)
        result = evaluate(cam, T0 + dt.timedelta(hours=3) + minute * MIN)
    assert (result.previous, result.state) == ("offline", "online")


@pytest.mark.django_db
def test_frozen_after_the_frozen_minutes_while_a_burnt_in_clock_ticks_then_recovery(stream_cam, folder, settings):
    settings.NEM_HEALTH_FROZEN_MINUTES = 30
    walking(stream_cam, folder, T0, 10)
    # The picture sticks at 08:10: the same frame re-sent every minute, only its clock ticks.
    for m in range(10, 41):
        at = T0 + m * MIN
        outcome = frame(stream_cam, folder, at, person_x=250, noise=1.0, seed=99, clock=f"2026-11-20 08:{m:02d}:00")
        assert outcome == ("changed" if m == 10 else "unchanged")
        result = evaluate(stream_cam, at)
        assert result.state == ("frozen" if m == 40 else "online"), m
    assert result.reasons[0] == {
        "state": "frozen",
        "code": "picture_unchanged",
        "message": "31 frames over 30 min show the same picture",
        "evidence": {
            "unchanged_since": "2026-11-20T08:10:00Z",
            "last_frame_at": "2026-11-20T08:40:00Z",
            "frames": 31,
            "minutes": 30,
            "frozen_minutes": 30,
            "changes_before": 10,
        },
    }
    assert status_of(stream_cam) == "error"  # media arrive but show nothing live

    # The picture moves again: online at once (frames never stopped arriving).
    assert frame(stream_cam, folder, T0 + 41 * MIN, person_x=40, noise=1.0, seed=41) == "changed"
    result = evaluate(stream_cam, T0 + 41 * MIN)
    assert (result.previous, result.state, result.status_change) == ("frozen", "online", ("error", "online"))


@pytest.mark.django_db
def test_the_clock_band_mask_is_what_keeps_a_ticking_clock_from_reading_as_motion(stream_cam, folder, settings):
    settings.NEM_HEALTH_HASH_MASK_FRACTION = 0.0
    walking(stream_cam, folder, T0, 10)
    outcomes = {
        frame(stream_cam, folder, T0 + m * MIN, person_x=250, noise=1.0, seed=99, clock=f"08:{m:02d}:00")
        for m in range(10, 50)
    }
    assert "changed" in outcomes  # the clock's digits break the still run
    assert evaluate(stream_cam, T0 + 49 * MIN).state == "online"  # masked, this camera is frozen at 08:40


@pytest.mark.django_db
def test_a_quiet_live_scene_is_never_frozen(stream_cam, folder):
    """Nothing moves for an hour, but sensor noise differs from frame to frame."""
    walking(stream_cam, folder, T0, 10)
    for m in range(10, 80):
        frame(stream_cam, folder, T0 + m * MIN, person_x=250, noise=1.0, seed=1000 + m, clock=f"08:{m % 60:02d}:00")
    assert evaluate(stream_cam, T0 + 79 * MIN).state == "online"


@pytest.mark.django_db
def test_a_view_that_never_changed_is_not_frozen(stream_cam, folder):
    """A test chart: without changes seen before, unchanged frames say nothing."""
    for m in range(60):
        frame(stream_cam, folder, T0 + m * MIN, person_x=250, clock=f"08:{m:02d}:00")
    assert evaluate(stream_cam, T0 + 59 * MIN).state == "online"


@pytest.mark.django_db
def test_frozen_minutes_zero_turns_frozen_off_for_one_camera(stream_cam, folder):
    HealthOverride.objects.create(camera=stream_cam, frozen_minutes=0)
    walking(stream_cam, folder, T0, 10)
    for m in range(10, 50):
        frame(stream_cam, folder, T0 + m * MIN, person_x=250, seed=99, noise=1.0)
    assert evaluate(stream_cam, T0 + 49 * MIN).state == "online"


@pytest.mark.django_db
def test_out_of_order_frames_count_as_arrivals_but_leave_the_still_run_alone(stream_cam, folder):
    frame(stream_cam, folder, T0 + 5 * MIN, person_x=10)
    assert frame(stream_cam, folder, T0 + 4 * MIN, person_x=200) == "stale"
    health = CameraHealth.objects.get(pk="porch")
    assert health.media_times == ["2026-11-20T08:05:00Z", "2026-11-20T08:04:00Z"]
    assert (health.still_since, health.still_frames) == (T0 + 5 * MIN, 1)


@pytest.mark.django_db
def test_a_frame_outside_the_media_root_is_refused(stream_cam, tmp_path):
    outside = write_frame(tmp_path, T0, scene_jpeg())
    assert health_frame_observe(camera_id="porch", path=str(outside), captured_at=T0) == "rejected"
    assert not CameraHealth.objects.filter(pk="porch").exists()


def _seen(cam, at):
    Camera.objects.filter(pk=cam.pk).update(last_seen_at=at)


@pytest.mark.django_db
def test_blinded_while_a_blocking_scene_change_is_open_and_the_view_not_back(stream_cam, status_signals):
    _seen(stream_cam, T0)
    evaluate(stream_cam, T0)
    change = SceneChange.objects.create(
        camera=stream_cam, change_type="view_blocked", similarity_score=0.12, detected_at=T0 + MIN, source="camera"
    )
    _seen(stream_cam, T0 + 2 * MIN)
    result = evaluate(stream_cam, T0 + 2 * MIN)
    assert (result.previous, result.state) == ("online", "blinded")
    assert result.reasons == [
        {
            "state": "blinded",
            "code": "view_blocked",
            "message": f"view blocked since 2026-11-20T08:01:00Z (scene change {change.pk})",
            "evidence": {
                "scene_change_id": change.pk,
                "change_type": "view_blocked",
                "detected_at": "2026-11-20T08:01:00Z",
                "similarity_score": 0.12,
                "source": "camera",
            },
        },
        {
            "state": "online",
            "code": "media_arriving",
            "message": "new media arriving",
            "evidence": {"last_media_at": "2026-11-20T08:02:00Z"},
        },
    ]
    assert status_of(stream_cam) == "online"  # ingestion works; the view is the problem
    assert status_signals == []

    # The detector sees the reference view again: no longer blinded (the change stays open in its list).
    SceneMonitor.objects.create(camera=stream_cam, last_result="unchanged", last_compared_at=T0 + 3 * MIN)
    assert evaluate(stream_cam, T0 + 3 * MIN).state == "online"


@pytest.mark.django_db
def test_an_acknowledged_or_re_aimed_change_does_not_blind(stream_cam):
    _seen(stream_cam, T0)
    SceneChange.objects.create(camera=stream_cam, change_type="view_tampered", similarity_score=0.3, acknowledged=True)
    SceneChange.objects.create(camera=stream_cam, change_type="angle_changed", similarity_score=0.4)
    assert evaluate(stream_cam, T0).state == "online"
    SceneChange.objects.create(camera=stream_cam, change_type="view_tampered", similarity_score=0.3, detected_at=T0)
    assert evaluate(stream_cam, T0).reasons[0]["code"] == "view_tampered"


def _absence(cam, hour, hours=1):
    return Anomaly.objects.create(
        camera=cam,
        hour_start=hour,
        hours=hours,
        object_type="",
        kind="absence",
        observed_count=0,
        expected_count=7.5,
        anomaly_score=0.9994,
        reason="no detections in a busy hour",
    )


@pytest.mark.django_db
def test_silent_after_absence_anomalies_in_consecutive_hours_while_media_arrive(stream_cam):
    now = T0 + dt.timedelta(hours=2, minutes=10)  # 10:10; the 09:00 hour was judged at 10:03
    _seen(stream_cam, now - MIN)
    first = _absence(stream_cam, T0 + dt.timedelta(hours=1))
    assert evaluate(stream_cam, now).state == "online"  # one quiet hour is the anomaly's business
    second = _absence(stream_cam, T0)
    result = evaluate(stream_cam, now)
    assert result.state == "silent"
    assert result.reasons[0] == {
        "state": "silent",
        "code": "no_activity",
        "message": "no detections in 2 normally busy hours since 2026-11-20T08:00:00Z",
        "evidence": {
            "hours": 2,
            "starts_at": "2026-11-20T08:00:00Z",
            "ends_at": "2026-11-20T10:00:00Z",
            "anomaly_ids": [second.pk, first.pk],
            "expected_count": 15.0,
            "last_media_at": "2026-11-20T10:09:00Z",
        },
    }
    assert status_of(stream_cam) == "online"

    # Late detections disprove an hour (the anomaly is withdrawn): no longer silent.
    first.delete()
    assert evaluate(stream_cam, now).state == "online"


@pytest.mark.django_db
def test_one_absence_spanning_three_hours_is_silent(stream_cam):
    """The scan joins consecutive empty hours into one row (hours, ends_at)."""
    now = T0 + dt.timedelta(hours=3, minutes=5)
    _seen(stream_cam, now)
    row = _absence(stream_cam, T0, hours=3)
    result = evaluate(stream_cam, now)
    assert (result.state, result.reasons[0]["evidence"]["hours"]) == ("silent", 3)
    assert result.reasons[0]["evidence"]["anomaly_ids"] == [row.pk]


@pytest.mark.django_db
def test_old_absences_do_not_make_a_camera_silent_today(stream_cam):
    _absence(stream_cam, T0)
    _absence(stream_cam, T0 + dt.timedelta(hours=1))
    later = T0 + dt.timedelta(hours=6)
    _seen(stream_cam, later)
    assert evaluate(stream_cam, later).state == "online"


@pytest.mark.django_db
def test_error_for_a_broken_folder_is_worst_and_clears_at_once(stream_cam, folder, media_root):
    cam = CameraFactory(id="yard", folder_path=str(media_root / "yard"), created_at=T0, last_seen_at=T0)
    result = evaluate(cam, T0 + MIN)
    assert result.state == "error"
    assert result.reasons[0] == {
        "state": "error",
        "code": "folder_broken",
        "message": "folder broken: directory does not exist",
        "evidence": {"problem": "directory does not exist", "last_error_at": None},
    }
    assert status_of(cam) == "error"
    (media_root / "yard").mkdir()
    result = evaluate(cam, T0 + 2 * MIN)
    assert (result.previous, result.state, result.status_change) == ("error", "online", ("error", "online"))


@pytest.mark.django_db(transaction=True)
def test_a_failing_health_changed_receiver_rolls_the_verdict_and_the_status_back(stream_cam):
    _seen(stream_cam, T0)
    evaluate(stream_cam, T0)

    def refuse(sender, **kwargs):
        raise RuntimeError("receiver failed")

    health_changed.connect(refuse, dispatch_uid="test-refuse-health")
    try:
        with pytest.raises(RuntimeError):
            evaluate(stream_cam, T0 + dt.timedelta(hours=1))
    finally:
        health_changed.disconnect(dispatch_uid="test-refuse-health")
    assert CameraHealth.objects.get(pk="porch").state == "online"
    assert history(stream_cam) == [("unknown", "online")]
    assert status_of(stream_cam) == "online"


@pytest.mark.django_db
def test_a_trashed_camera_is_not_evaluated(stream_cam):
    Camera.objects.filter(pk="porch").update(deleted_at=T0)
    assert evaluate(stream_cam, T0) is None


@pytest.mark.django_db
def test_the_cameras_own_signal_loss_and_a_device_that_refuses_us_are_errors(stream_cam):
    from onvifctl.models import OnvifEventState

    _seen(stream_cam, T0)
    state = OnvifEventState.objects.create(camera=stream_cam, signal_lost=True, updated_at=T0)
    result = evaluate(stream_cam, T0)
    assert result.reasons[0] == {
        "state": "error",
        "code": "signal_lost",
        "message": "the camera reports video signal loss",
        "evidence": {"reported_at": "2026-11-20T08:00:00Z"},
    }
    assert status_of(stream_cam) == "error"

    error = "Device at http://127.0.0.1:8080/onvif/device_service refused our credentials (NotAuthorized)"
    OnvifEventState.objects.filter(pk=state.pk).update(
        signal_lost=False, subscribed=False, last_error=error, last_error_at=T0, consecutive_failures=4
    )
    result = evaluate(stream_cam, T0 + MIN)
    assert result.reasons[0] == {
        "state": "error",
        "code": "onvif_refused",
        "message": "the ONVIF device refuses our credentials (check them, and the camera's clock)",
        "evidence": {"last_error": error, "last_error_at": "2026-11-20T08:00:00Z", "consecutive_failures": 4},
    }
    # Subscribed again (credentials or clock fixed): online, without hysteresis.
    OnvifEventState.objects.filter(pk=state.pk).update(subscribed=True, consecutive_failures=0)
    assert evaluate(stream_cam, T0 + 2 * MIN).state == "online"
    # An unreachable device (not a refusal) says nothing about the camera's picture.
    OnvifEventState.objects.filter(pk=state.pk).update(subscribed=False, last_error="TimeoutError")
    assert evaluate(stream_cam, T0 + 3 * MIN).state == "online"
