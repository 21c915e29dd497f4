"""The incremental rollup on PostgreSQL: triggers mark the hours whose detections changed, and the
recompute re-reads only those (and hours it never rolled up), with the same result as a full one."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from baselines.models import Detection, DirtyHour, HourlyCount
from baselines.services import baseline_recompute, baseline_recompute_all
from baselines.tests.constructed import add_detections, baseline_rows
from cameras.tests.factories import CameraFactory

UTC = dt.UTC
H = dt.timedelta(hours=1)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the incremental rollup runs on PostgreSQL only"),
]


def _marks() -> set[tuple[str, dt.datetime]]:
    return set(DirtyHour.objects.values_list("camera_id", "hour_start"))


def _at(hour: dt.datetime, minute: int) -> dt.datetime:
    return hour + dt.timedelta(minutes=minute)


@pytest.mark.django_db
def test_every_write_to_the_detections_marks_the_utc_hours_it_touched(old_camera, api_client):
    ten = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    add_detections(old_camera, _at(ten, 5), 1)
    add_detections(old_camera, _at(ten + 2 * H, 40), 1, object_type="car")
    assert _marks() == {("front_door", ten), ("front_door", ten + 2 * H)}

    DirtyHour.objects.all().delete()
    Detection.objects.filter(object_type="car").update(deleted_at=ten, deleted_by="test")  # a trash
    assert _marks() == {("front_door", ten + 2 * H)}

    DirtyHour.objects.all().delete()
    Detection.objects.filter(object_type="person").update(detected_at=_at(ten + 5 * H, 10))  # moved: both hours
    assert _marks() == {("front_door", ten), ("front_door", ten + 5 * H)}

    DirtyHour.objects.all().delete()
    Detection.all_objects.filter(object_type="person").delete()
    assert _marks() == {("front_door", ten + 5 * H)}

    DirtyHour.objects.all().delete()
    with connection.cursor() as cursor:  # by hand, in a half-hour session time zone: still UTC hours
        cursor.execute("SET LOCAL TIME ZONE 'Asia/Kolkata'")
        cursor.execute(
            "INSERT INTO baselines_detection (camera_id, detected_at, object_type, confidence, file_path,"
            " created_at, deleted_by) VALUES ('front_door', '2026-03-02T07:45:00Z', 'dog', 0.5, '', now(), '')"
        )
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")  # what Django's connection expects back
    assert _marks() == {("front_door", ten - 3 * H)}

    DirtyHour.objects.all().delete()
    response = api_client.post(  # the API's COPY
        "/api/detections",
        {"detections": [{"camera_id": "front_door", "detected_at": "2026-03-02T09:59:59Z", "object_type": "cat",
                         "confidence": 0.7}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert _marks() == {("front_door", ten - H)}


def _scatter(camera, start: dt.datetime) -> None:
    """Three weeks of detections: every fifth hour, 1-4 of a rotating class."""
    for i in range(0, 21 * 24, 5):
        add_detections(camera, _at(start + i * H, 7), 1 + i % 4, object_type=("person", "car", "dog")[i % 3])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 3, 10, 12, 30, tzinfo=UTC),  # New York sprang forward on 8 March
        dt.datetime(2026, 11, 3, 12, 30, tzinfo=UTC),  # Berlin fell back on 25 October, New York on 1 November
    ],
    ids=["spring", "autumn"],
)
def test_an_incremental_recompute_reads_only_the_hours_due_and_equals_a_full_one(small_window, now):
    created = now - dt.timedelta(days=90)
    cameras = [
        CameraFactory(id="front_door", created_at=created),
        CameraFactory(id="porch", timezone="America/New_York", created_at=created),
        CameraFactory(id="berlin", timezone="Europe/Berlin", created_at=created),
        CameraFactory(id="mumbai", timezone="Asia/Kolkata", created_at=created),
    ]
    end = now.replace(minute=0)
    start = end - dt.timedelta(days=21)
    for camera in cameras:
        _scatter(camera, start)
    first = {r.camera_id: r for r in baseline_recompute_all(now=now)}
    assert all(r.rolled_up_hours == r.hours > 21 * 24 - 2 for r in first.values()), first
    assert _marks() == set()  # claimed by the run

    later = now + 3 * H
    for camera in cameras:
        add_detections(camera, _at(start + 50 * H, 20), 3, object_type="cat")  # late, a new class in an old hour
        Detection.objects.filter(camera=camera, detected_at__gte=start + 100 * H, detected_at__lt=start + 101 * H).update(
            deleted_at=now, deleted_by="test"
        )
        Detection.objects.filter(camera=camera, detected_at__gte=start + 200 * H, detected_at__lt=start + 201 * H).delete()
        moved = Detection.objects.filter(camera=camera, detected_at__gte=start + 300 * H).order_by("detected_at").first()
        Detection.objects.filter(pk=moved.pk).update(detected_at=_at(start + 301 * H, 30))
        for k in range(3):  # the hours the window slides over
            add_detections(camera, _at(end + k * H, 15), 2 + k)
    # The repeated hour of New York's fall-back night (01:00-02:00 local, 05:00Z and again 06:00Z).
    if now.month == 11:
        add_detections(cameras[1], dt.datetime(2026, 11, 1, 6, 20, tzinfo=UTC), 4, object_type="cat")

    incremental = {r.camera_id: r for r in baseline_recompute_all(now=later)}
    # UTC: 3 new hours, plus the late hour, the trashed one, the deleted one and both ends of the move.
    assert incremental["front_door"].rolled_up_hours == 3 + 5
    for result in incremental.values():
        assert 3 < result.rolled_up_hours < result.hours / 10, result
    rows = {c.pk: baseline_rows(c) for c in cameras}

    full = {r.camera_id: r for r in baseline_recompute_all(now=later, full=True)}
    assert all(r.rolled_up_hours == r.hours for r in full.values())
    # A full pass over the incremental result changes nothing: same rows, same ids, same bits.
    assert {c.pk: baseline_rows(c) for c in cameras} == rows
    assert [(r.hours, r.detections) for r in incremental.values()] == [(r.hours, r.detections) for r in full.values()]
    assert HourlyCount.objects.filter(camera_id="front_door", hour_start__lt=start + 3 * H).count() == 0  # slid out


@pytest.mark.django_db
def test_a_new_clock_rolls_the_window_up_again(small_window, old_camera):
    now = dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    add_detections(old_camera, dt.datetime(2026, 3, 1, 13, 5, tzinfo=UTC), 2)
    assert baseline_recompute(camera_id=old_camera.pk, now=now).rolled_up_hours == 21 * 24
    assert baseline_recompute(camera_id=old_camera.pk, now=now).rolled_up_hours == 0  # nothing changed
    old_camera.timezone = "America/New_York"
    old_camera.save(update_fields=["timezone"])
    again = baseline_recompute(camera_id=old_camera.pk, now=now)
    assert again.rolled_up_hours == again.hours  # every key is new on the new clock
    assert HourlyCount.objects.get(camera=old_camera, count=2).hour == 8  # 13:05Z is 08:05 in New York


@pytest.mark.django_db(transaction=True)
def test_a_recompute_waits_for_a_writer_holding_a_mark_and_counts_its_rows(small_window, old_camera):
    """A writer's transaction marked an hour that already had a mark (and holds it); the recompute
    claims marks by deleting them, so it waits for the writer's commit, then reads its rows."""
    now = dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    hour = dt.datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    baseline_recompute(camera_id=old_camera.pk, now=now)
    add_detections(old_camera, _at(hour, 5), 1)  # committed: a mark for 13:00Z exists

    written, release = threading.Event(), threading.Event()
    outcome = {}

    def writer():
        try:
            with transaction.atomic():
                add_detections(old_camera, _at(hour, 30), 2)  # takes the existing mark's row lock
                written.set()
                release.wait(30)
        finally:
            connections.close_all()

    def recompute():
        try:
            outcome["result"] = baseline_recompute(camera_id=old_camera.pk, now=now)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer)]
    threads[0].start()
    assert written.wait(30)
    threads.append(threading.Thread(target=recompute))
    threads[1].start()
    with connection.cursor() as cursor:  # the recompute is blocked on the writer's lock
        for _ in range(600):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the recompute never waited for the writer")
    release.set()
    for thread in threads:
        thread.join(30)
    assert outcome["result"].rolled_up_hours == 1
    assert HourlyCount.objects.get(camera=old_camera, hour_start=hour).count == 3
    assert _marks() == set()


@pytest.mark.django_db
def test_trash_restore_and_purge_keep_the_rollup_right_and_leave_no_marks(small_window, old_camera):
    from cameras.services import camera_purge, camera_restore, camera_soft_delete

    now = dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    hour = dt.datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    gone = CameraFactory(id="gone", created_at=old_camera.created_at)
    for camera in (old_camera, gone):
        add_detections(camera, _at(hour, 5), 2)
    baseline_recompute_all(now=now)

    camera_soft_delete(camera_id="front_door", actor="test")  # its detections' trash marks the hour
    assert ("front_door", hour) in _marks()
    camera_restore(camera_id="front_door", actor="test")
    assert baseline_recompute(camera_id="front_door", now=now).rolled_up_hours == 1
    assert HourlyCount.objects.get(camera_id="front_door", hour_start=hour).count == 2

    camera_soft_delete(camera_id="gone", actor="test")
    camera_purge(camera_id="gone", actor="test")  # its own deletes mark hours of a camera that is gone
    assert ("gone", hour) in _marks()
    baseline_recompute_all(now=now)
    assert _marks() == set()
