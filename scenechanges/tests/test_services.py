"""The comparison workflow on real files and the real database: references, confirmation,
episodes, acknowledge, PTZ pause, persistence across a restart, the trash cascade."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from cameras.services import camera_restore, camera_soft_delete
from cameras.signals import frame_arrived, view_moving
from scenechanges import services
from scenechanges.exceptions import SceneChangeNotFound
from scenechanges.models import SceneChange, SceneMonitor, SceneReference
from scenechanges.tests import frames as f

pytestmark = pytest.mark.django_db


def compare(cam, path: Path) -> services.CompareResult:
    return services.scenechange_compare(camera_id=cam.id, frame_path=str(path))


def statuses(cam, paths) -> list[str]:
    return [compare(cam, p).status for p in paths]


def test_first_good_frame_becomes_the_persisted_reference(cam, frames, scene_store, media_root):
    path = frames.write(f.view())
    assert compare(cam, path).status == "reference_created"
    reference = SceneReference.objects.get(camera=cam)
    assert (reference.mode, reference.reason, reference.source_path) == ("day", "first_frame", str(path))
    stored = scene_store / reference.image
    assert stored.is_file() and stored.read_bytes() == path.read_bytes()
    assert not stored.resolve().is_relative_to(media_root)  # outside the camera folders
    assert compare(cam, frames.write(f.view())).status == "unchanged"
    assert SceneChange.objects.count() == 0


def test_blocked_view_is_recorded_once_after_confirmation(cam, frames, settings):
    assert settings.NEM_SCENE_CONFIRM_FRAMES == 2
    compare(cam, frames.write(f.view()))
    reference = SceneReference.objects.get(camera=cam)
    first, second = frames.write(f.blocked()), frames.write(f.blocked())
    assert compare(cam, first).status == "pending"
    assert SceneChange.objects.count() == 0
    result = compare(cam, second)
    assert result.status == "change_recorded"
    change = SceneChange.objects.get()
    assert result.change == change
    assert change.change_type == "view_blocked"
    assert change.file_path == str(second)
    assert change.reference == reference
    assert change.acknowledged is False and change.acknowledged_at is None
    assert 0.0 <= change.similarity_score <= 1.0
    assert change.signals["confirmations"] == 2
    assert change.signals["entropy"] < 3.0
    assert services.store_file(change.frame_copy).read_bytes() == second.read_bytes()


def test_a_single_odd_frame_is_not_a_change(cam, frames):
    compare(cam, frames.write(f.view()))
    assert statuses(cam, [frames.write(f.blocked()), frames.write(f.view()), frames.write(f.blocked())]) == [
        "pending",
        "unchanged",
        "pending",
    ]
    assert SceneChange.objects.count() == 0


def test_one_change_per_episode_no_flood(cam, frames):
    compare(cam, frames.write(f.view()))
    results = statuses(cam, [frames.write(f.blocked()) for _ in range(12)])
    assert results[:2] == ["pending", "change_recorded"]
    assert set(results[2:]) == {"episode_continues"}
    assert SceneChange.objects.count() == 1


def test_the_changed_view_returning_while_unacknowledged_adds_nothing(cam, frames):
    compare(cam, frames.write(f.view()))
    statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())])
    assert compare(cam, frames.write(f.view())).status == "unchanged"
    assert statuses(cam, [frames.write(f.blocked()) for _ in range(3)]) == ["episode_continues"] * 3
    assert SceneChange.objects.count() == 1


def test_a_different_change_during_an_episode_is_a_new_change(cam, frames):
    compare(cam, frames.write(f.view()))
    statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())])
    results = statuses(cam, [frames.write(f.view(dx=0.12)) for _ in range(3)])
    assert results == ["pending", "change_recorded", "episode_continues"]
    assert list(SceneChange.objects.order_by("id").values_list("change_type", flat=True)) == [
        "view_blocked",
        "angle_changed",
    ]


def test_acknowledge_makes_the_current_view_the_reference(cam, frames):
    compare(cam, frames.write(f.view()))
    old = SceneReference.objects.get()
    statuses(cam, [frames.write(f.view(angle=12)), frames.write(f.view(angle=12))])
    change = SceneChange.objects.get()
    assert change.change_type == "angle_changed"

    acknowledged = services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=change.pk, actor="test")
    assert acknowledged.acknowledged and acknowledged.acknowledged_at is not None
    assert acknowledged.acknowledged_by == "test"
    new = SceneReference.objects.get(retired_at__isnull=True)
    assert new.pk != old.pk and new.reason == "acknowledged"
    old.refresh_from_db()
    assert old.retired_at is not None
    change.refresh_from_db()
    assert change.reference == old  # the change keeps the reference it was measured against

    # The re-aimed view is now normal; going back to the old view is a change again.
    assert statuses(cam, [frames.write(f.view(angle=12)) for _ in range(3)]) == ["unchanged"] * 3
    assert statuses(cam, [frames.write(f.view()), frames.write(f.view())]) == ["pending", "change_recorded"]


def test_acknowledge_is_idempotent(cam, frames):
    compare(cam, frames.write(f.view()))
    statuses(cam, [frames.write(f.view(dx=0.12)), frames.write(f.view(dx=0.12))])
    change = SceneChange.objects.get()
    first = services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=change.pk, actor="a")
    reference = SceneReference.objects.get(retired_at__isnull=True)
    compare(cam, frames.write(f.view()))  # a newer view that must not become the reference
    second = services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=change.pk, actor="b")
    assert (second.acknowledged_at, second.acknowledged_by) == (first.acknowledged_at, "a")
    assert SceneReference.objects.get(retired_at__isnull=True) == reference


def test_acknowledge_without_update_keeps_the_reference_and_the_episode(cam, frames):
    compare(cam, frames.write(f.view()))
    reference = SceneReference.objects.get()
    statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())])
    change = SceneChange.objects.get()
    services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=change.pk, actor="t", update_reference=False)
    assert SceneReference.objects.get(retired_at__isnull=True) == reference
    # Still covered: the acknowledged episode goes on quietly.
    assert statuses(cam, [frames.write(f.blocked()) for _ in range(3)]) == ["episode_continues"] * 3
    # The view comes back, which ends the episode; a new cover is a new change.
    assert compare(cam, frames.write(f.view())).status == "unchanged"
    assert statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())]) == ["pending", "change_recorded"]
    assert SceneChange.objects.count() == 2


def test_acknowledge_of_a_covered_view_keeps_the_reference(cam, frames):
    """A black frame is no reference: acknowledging a blocked view keeps the old one."""
    compare(cam, frames.write(f.view()))
    reference = SceneReference.objects.get()
    statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())])
    services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=SceneChange.objects.get().pk, actor="t")
    assert SceneReference.objects.get(retired_at__isnull=True) == reference


def test_reference_survives_a_process_restart(cam, frames):
    compare(cam, frames.write(f.view()))
    services.scene_cache_clear()  # what a restart loses; the row and the file remain
    assert compare(cam, frames.write(f.blocked())).status == "pending"
    services.scene_cache_clear()
    assert compare(cam, frames.write(f.blocked())).status == "change_recorded"
    assert SceneReference.objects.count() == 1


def test_pending_confirmations_survive_a_restart(cam, frames):
    compare(cam, frames.write(f.view()))
    compare(cam, frames.write(f.blocked()))
    services.scene_cache_clear()
    assert SceneMonitor.all_objects.get(camera=cam).pending_count == 1
    assert compare(cam, frames.write(f.blocked())).status == "change_recorded"


def test_a_missing_reference_image_is_replaced_by_the_next_good_frame(cam, frames, scene_store):
    compare(cam, frames.write(f.view()))
    old = SceneReference.objects.get()
    (scene_store / old.image).unlink()
    services.scene_cache_clear()
    assert compare(cam, frames.write(f.view())).status == "reference_created"
    old.refresh_from_db()
    assert old.retired_at is not None
    assert SceneReference.objects.filter(retired_at__isnull=True).count() == 1


def test_night_frames_get_their_own_reference(cam, frames):
    compare(cam, frames.write(f.view()))
    assert compare(cam, frames.write(f.infrared())).status == "reference_created"
    assert sorted(SceneReference.objects.values_list("mode", flat=True)) == ["day", "night"]
    assert statuses(cam, [frames.write(f.infrared()), frames.write(f.view())]) == ["unchanged", "unchanged"]
    # Covered at night: compared with the night reference (the last mode), not adopted.
    assert statuses(cam, [frames.write(f.infrared()), frames.write(f.blocked()), frames.write(f.blocked())]) == [
        "unchanged",
        "pending",
        "change_recorded",
    ]
    assert SceneChange.objects.get().mode == "night"


def test_a_covered_camera_without_reference_waits_for_a_picture(cam, frames):
    assert statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())]) == ["no_reference", "no_reference"]
    assert SceneReference.objects.count() == 0
    assert compare(cam, frames.write(f.view())).status == "reference_created"


def test_older_or_repeated_frames_are_skipped(cam, frames):
    old = frames.write(f.view())
    new = frames.write(f.view())
    compare(cam, new)
    assert compare(cam, old).status == "stale"
    assert compare(cam, new).status == "stale"


def test_paths_outside_the_media_root_are_refused(cam, tmp_path):
    outside = f.FrameWriter(tmp_path / "elsewhere").write(f.view())
    assert compare(cam, outside).status == "rejected"
    link = Path(cam.folder_path) / "link.jpg"
    link.symlink_to(outside)
    assert compare(cam, link).status == "rejected"
    assert SceneReference.objects.count() == 0


def test_unreadable_frames_change_nothing(cam, frames):
    path = Path(cam.folder_path) / "half.jpg"
    path.write_bytes(frames.write(f.view()).read_bytes()[:5000])
    assert compare(cam, path).status == "unreadable"
    assert SceneMonitor.all_objects.filter(camera=cam).count() == 0


def test_a_continuous_move_compares_against_nothing_until_the_free_view_is_still(cam, frames, settings):
    """After a continuous move the view is unknown: no comparison (so no change) until the frames
    stay alike for NEM_SCENE_FREE_VIEW_QUIET_SECONDS (capture times); the first of the still run
    becomes the free view's reference."""
    settings.NEM_SCENE_FREE_VIEW_QUIET_SECONDS = 3
    compare(cam, frames.write(f.view()))
    view_moving.send(sender=None, camera_id=cam.id, seconds=30)
    monitor = SceneMonitor.all_objects.get(camera=cam)
    assert monitor.paused_until > timezone.now() + dt.timedelta(seconds=25)
    assert monitor.seeking is True
    assert compare(cam, frames.write(f.view(dx=0.15))).status == "paused"
    # The pause ends (as if 30 s went by); the camera drifts, then stays on its new view.
    SceneMonitor.all_objects.filter(camera=cam).update(paused_until=timezone.now() - dt.timedelta(seconds=1))
    frames.clock = timezone.now().timestamp()
    assert compare(cam, frames.write(f.view(dx=0.25))).status == "seeking"
    first_still = frames.write(f.view(dx=0.15))
    assert statuses(cam, [first_still, frames.write(f.view(dx=0.15)), frames.write(f.view(dx=0.15))]) == [
        "seeking",
        "seeking",
        "seeking",
    ]
    assert compare(cam, frames.write(f.view(dx=0.15))).status == "reference_created"
    reference = SceneReference.objects.get(retired_at__isnull=True)
    assert (reference.reason, reference.source_path, reference.preset_token) == ("view_moved", str(first_still), "")
    assert compare(cam, frames.write(f.view(dx=0.15))).status == "unchanged"
    assert SceneChange.objects.count() == 0


def test_a_free_view_that_returns_to_a_known_view_resumes_at_once(cam, frames):
    compare(cam, frames.write(f.view()))
    view_moving.send(sender=None, camera_id=cam.id, seconds=30)
    SceneMonitor.all_objects.filter(camera=cam).update(paused_until=timezone.now() - dt.timedelta(seconds=1))
    frames.clock = timezone.now().timestamp()
    assert compare(cam, frames.write(f.view())).status == "unchanged"
    assert SceneMonitor.all_objects.get(camera=cam).seeking is False
    assert statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())]) == ["pending", "change_recorded"]


def test_pause_lasts_at_least_the_configured_time(cam, settings):
    settings.NEM_SCENE_PTZ_PAUSE_SECONDS = 10
    until = services.scenechange_pause(camera_id=cam.id, seconds=1)
    assert until >= timezone.now() + dt.timedelta(seconds=9)
    assert services.scenechange_pause(camera_id="nope", seconds=5) is None


def test_frame_arrived_enqueues_a_comparison_after_commit(cam, frames, django_capture_on_commit_callbacks):
    path = frames.write(f.view())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        frame_arrived.send(sender=None, camera_id=cam.id, path=str(path), captured_at=timezone.now())
        assert SceneReference.objects.count() == 0  # nothing before the commit
    assert len(callbacks) == 1
    assert SceneReference.objects.get().source_path == str(path)


def test_trash_hides_references_and_changes_and_restore_brings_them_back(cam, frames):
    compare(cam, frames.write(f.view()))
    statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())])
    result = camera_soft_delete(camera_id=cam.id, actor="test")
    assert result.counts["scenechanges.scenechange"] == 1
    assert result.counts["scenechanges.scenereference"] == 1
    assert result.counts["scenechanges.scenemonitor"] == 1
    assert SceneChange.objects.count() == 0 and SceneReference.objects.count() == 0
    assert compare(cam, frames.write(f.blocked())).status == "camera_gone"
    camera_restore(camera_id=cam.id, actor="test")
    assert SceneChange.objects.count() == 1 and SceneReference.objects.count() == 1
    assert compare(cam, frames.write(f.blocked())).status == "episode_continues"


def test_get_refuses_other_cameras_changes(cam, frames):
    from cameras.tests.factories import CameraFactory
    from scenechanges.tests.factories import SceneChangeFactory

    other = SceneChangeFactory(camera=CameraFactory(id="garage"))
    with pytest.raises(SceneChangeNotFound, match=f"Scene change with id {other.pk} not found for camera front_door"):
        services.scenechange_get(camera_id=cam.id, scene_change_id=other.pk)


def test_recorded_and_acknowledged_signals_are_sent_inside_the_transaction(cam, frames):
    from django.db import connection

    from scenechanges import signals

    seen = []

    def receiver(signal, **kwargs):
        seen.append((signal, kwargs["scene_change_id"], kwargs["camera_id"], connection.in_atomic_block))

    signals.scene_change_recorded.connect(receiver)
    signals.scene_change_acknowledged.connect(receiver)
    try:
        compare(cam, frames.write(f.view()))
        statuses(cam, [frames.write(f.blocked()) for _ in range(4)])
        change = SceneChange.objects.get()
        services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=change.pk, actor="a")
        services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=change.pk, actor="a")  # idempotent
    finally:
        signals.scene_change_recorded.disconnect(receiver)
        signals.scene_change_acknowledged.disconnect(receiver)
    assert seen == [
        (signals.scene_change_recorded, change.pk, cam.id, True),
        (signals.scene_change_acknowledged, change.pk, cam.id, True),
    ]


def _camera_event(cam, change_type="view_tampered", topic="tns1:RuleEngine/TamperDetector/Tamper"):
    return services.scenechange_camera_event(
        camera_id=cam.id, change_type=change_type, topic=topic, occurred_at=timezone.now()
    )


def test_a_camera_event_opens_an_episode_that_our_detector_joins(cam, frames):
    from scenechanges import signals

    seen = []

    def receiver(signal, **kwargs):
        seen.append((signal, kwargs["scene_change_id"]))

    for signal in (signals.scene_change_recorded, signals.scene_change_updated):
        signal.connect(receiver)
    try:
        compare(cam, frames.write(f.view()))
        episode = _camera_event(cam)
        assert (episode.source, episode.change_type, episode.preset_token) == ("camera", "view_tampered", "")
        assert episode.signals["camera_events"][0]["topic"] == "tns1:RuleEngine/TamperDetector/Tamper"
        assert _camera_event(cam) == episode  # the camera repeating itself adds nothing
        results = statuses(cam, [frames.write(f.blocked()) for _ in range(3)])
    finally:
        for signal in (signals.scene_change_recorded, signals.scene_change_updated):
            signal.disconnect(receiver)
    assert results == ["pending", "episode_joined", "episode_continues"]
    change = SceneChange.objects.get()
    assert change.pk == episode.pk
    assert (change.source, change.change_type) == ("both", "view_tampered")
    assert change.signals["detector_change_type"] == "view_blocked"
    assert len(change.signals["camera_events"]) == 2
    assert change.frame_copy and change.file_path
    assert seen == [(signals.scene_change_recorded, episode.pk), (signals.scene_change_updated, episode.pk)]


def test_a_camera_event_joins_the_detectors_open_episode(cam, frames):
    compare(cam, frames.write(f.view()))
    statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())])
    change = SceneChange.objects.get()
    assert change.source == "detector"
    assert _camera_event(cam, "view_blocked", "tns1:VideoSource/ImageTooDark/ImagingService") == change
    change.refresh_from_db()
    assert change.source == "both"
    # Acknowledged, the next camera report is a new incident.
    services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=change.pk, actor="a")
    assert _camera_event(cam).pk != change.pk
    assert SceneChange.objects.count() == 2


def test_the_patrol_between_two_presets_raises_nothing_and_a_blocked_preset_is_reported_against_it(cam, frames):
    def goto(token):
        services.scenechange_pause(camera_id=cam.id, seconds=30, preset_token=token)
        assert compare(cam, frames.write(views[token])).status == "paused"  # still moving
        assert services.scenechange_view_settled(camera_id=cam.id, preset_token=token) is True
        frames.clock = max(frames.clock, timezone.now().timestamp())

    views = {"p1": f.view(), "p2": f.view(dx=0.2, angle=10)}
    for _ in range(3):
        for token in ("p1", "p2"):
            goto(token)
            compare(cam, frames.write(views[token]))
            assert compare(cam, frames.write(views[token])).status == "unchanged"
    references = SceneReference.objects.filter(retired_at__isnull=True).order_by("preset_token")
    assert [(r.preset_token, r.reason) for r in references] == [("p1", "first_frame"), ("p2", "first_frame")]
    assert SceneChange.objects.count() == 0

    goto("p2")
    assert statuses(cam, [frames.write(f.blocked()), frames.write(f.blocked())]) == ["pending", "change_recorded"]
    change = SceneChange.objects.get()
    assert (change.change_type, change.preset_token, change.source) == ("view_blocked", "p2", "detector")
    assert change.reference == references[1]
    # Acknowledging re-references p2 only.
    goto("p2")
    compare(cam, frames.write(views["p2"]))
    services.scenechange_acknowledge(camera_id=cam.id, scene_change_id=change.pk, actor="a")
    current = SceneReference.objects.filter(retired_at__isnull=True).order_by("preset_token")
    assert [(r.preset_token, r.reason) for r in current] == [("p1", "first_frame"), ("p2", "acknowledged")]


def test_camera_reports_during_our_ptz_move_are_ignored(cam, frames):
    compare(cam, frames.write(f.view()))
    services.scenechange_pause(camera_id=cam.id, seconds=30, preset_token="p1")
    assert _camera_event(cam, "angle_changed", "tns1:VideoSource/GlobalSceneChange/ImagingService") is None
    services.scenechange_view_settled(camera_id=cam.id, preset_token="p1")
    assert _camera_event(cam).source == "camera"
    assert SceneChange.objects.count() == 1


def test_an_arrival_that_is_never_reported_leaves_the_view_unknown(cam, frames):
    compare(cam, frames.write(f.view()))
    services.scenechange_pause(camera_id=cam.id, seconds=30, preset_token="p1")
    assert services.scenechange_view_settled(camera_id=cam.id, preset_token="other") is False
    SceneMonitor.all_objects.filter(camera=cam).update(paused_until=timezone.now() - dt.timedelta(seconds=1))
    frames.clock = timezone.now().timestamp()
    assert compare(cam, frames.write(f.view(dx=0.2))).status == "seeking"
    monitor = SceneMonitor.all_objects.get(camera=cam)
    assert (monitor.awaiting_preset, monitor.seeking, monitor.preset_token) == ("", True, "")
