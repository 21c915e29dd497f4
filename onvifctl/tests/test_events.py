"""ONVIF events against the device simulator: the PullPoint subscription process (subscribe,
renew, recreate, expiry), topic parsing, the merge into scene-change episodes, camera motion as
activity evidence, and verified arrival at a PTZ preset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from cameras.tests.factories import CameraFactory
from onvifctl import topics
from onvifctl.event_services import onvif_events_record
from onvifctl.events import EventsConfig, EventSubscriptions
from onvifctl.models import OnvifEventState, OnvifUnknownEvent
from onvifctl.tests.polling import wait_for
from scenechanges import services as scene_services
from scenechanges.models import SceneChange, SceneMonitor, SceneReference
from scenechanges.tests import frames as f
from scenechanges.tests.frames import FrameWriter

TAMPER = "tns1:RuleEngine/TamperDetector/Tamper"
MOTION = "tns1:VideoSource/MotionAlarm"
FAST = EventsConfig(
    pull_seconds=0.2,
    subscription_seconds=5.0,
    # Renew whenever fewer than 5.1 s are left: every loop renews, so renewals interleave with pulls.
    renew_before_seconds=4.9,
    message_limit=100,
    backoff_initial_seconds=0.05,
    backoff_max_seconds=0.2,
    refresh_seconds=60.0,
    db_workers=1,
    connect_timeout=1.0,
    timeout=1.0,
)


def state(camera_id: str = "porch_ptz") -> OnvifEventState | None:
    return OnvifEventState.all_objects.filter(camera_id=camera_id).first()


@pytest.fixture
def process():
    running = []

    def start(config: EventsConfig = FAST) -> EventSubscriptions:
        subscriptions = EventSubscriptions(config).start()
        running.append(subscriptions)
        return subscriptions

    yield start
    for subscriptions in running:
        subscriptions.stop()


@pytest.fixture
def scene(settings, tmp_path, media_root, onvif_camera):
    settings.NEM_SCENE_REFERENCE_DIR = str(tmp_path / "scene-references")
    scene_services.scene_cache_clear()
    folder = media_root / onvif_camera.id
    folder.mkdir()
    onvif_camera.folder_path = str(folder)
    onvif_camera.save(update_fields=["folder_path"])
    yield FrameWriter(folder)
    scene_services.scene_cache_clear()


def compare(camera, path) -> str:
    return scene_services.scenechange_compare(camera_id=camera.id, frame_path=str(path)).status


# ---------------------------------------------------------------- parsing


def _notification(topic_xml: str, data: str, operation: str = "Changed") -> etree._Element:
    return etree.fromstring(
        '<wsnt:NotificationMessage xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"'
        ' xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:ns9="http://www.onvif.org/ver10/topics"'
        ' xmlns:hik="http://www.hikvision.com/2011/event/topics">'
        f"<wsnt:Topic>{topic_xml}</wsnt:Topic><wsnt:Message>"
        f'<tt:Message UtcTime="2026-01-23T12:00:00Z" PropertyOperation="{operation}">'
        '<tt:Source><tt:SimpleItem Name="VideoSourceConfigurationToken" Value="vsconf"/></tt:Source>'
        f"<tt:Data>{data}</tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>"
    )


@pytest.mark.parametrize(
    ("topic", "data", "kind", "change_type", "active"),
    [
        ("ns9:VideoSource/MotionAlarm", '<tt:SimpleItem Name="State" Value="true"/>', "motion", None, True),
        (
            "ns9:RuleEngine/CellMotionDetector/Motion",
            '<tt:SimpleItem Name="IsMotion" Value="false"/>',
            "motion",
            None,
            False,
        ),
        (
            "ns9:RuleEngine/TamperDetector/Tamper",
            '<tt:SimpleItem Name="IsTamper" Value="true"/>',
            "tamper",
            "view_tampered",
            True,
        ),
        (
            "ns9:VideoSource/GlobalSceneChange/ImagingService",
            '<tt:SimpleItem Name="State" Value="1"/>',
            "tamper",
            "angle_changed",
            True,
        ),
        (
            "ns9:VideoSource/ImageTooDark/AnalyticsService",
            '<tt:SimpleItem Name="State" Value="true"/>',
            "tamper",
            "view_blocked",
            True,
        ),
        (
            "ns9:VideoSource/ImageTooBlurry/ImagingService",
            '<tt:SimpleItem Name="State" Value="true"/>',
            "tamper",
            "view_tampered",
            True,
        ),
        ("ns9:VideoSource/SignalLoss", '<tt:SimpleItem Name="State" Value="true"/>', "signal_loss", None, True),
        (
            "ns9:RuleEngine/hik:LineDetector/Crossed",
            '<tt:SimpleItem Name="ObjectId" Value="7"/>',
            "unknown",
            None,
            None,
        ),
    ],
)
def test_topics_are_normalised_and_classified(topic, data, kind, change_type, active):
    note = topics.parse_notification(_notification(topic, data))
    assert note.topic == topic.replace("ns9:", "tns1:")
    assert (note.kind, note.change_type, note.active) == (kind, change_type, active)
    assert note.operation == "Changed"
    assert note.occurred_at == dt.datetime(2026, 1, 23, 12, tzinfo=dt.UTC)
    assert note.source == {"VideoSourceConfigurationToken": "vsconf"}


# ---------------------------------------------------------------- the subscription process


@pytest.mark.django_db(transaction=True)
def test_a_tamper_event_over_pullpoint_opens_one_episode_that_our_detector_joins(device, scene, process):
    writer = scene  # the frame writer of porch_ptz
    assert compare(_camera(), writer.write(f.view())) == "reference_created"
    process()
    assert wait_for(lambda: state() is not None and state().subscribed, timeout=10)

    device.set_property(TAMPER, True, name="IsTamper")
    assert wait_for(lambda: SceneChange.objects.exists(), timeout=10)
    episode = SceneChange.objects.get()
    assert (episode.source, episode.change_type, episode.preset_token, episode.acknowledged) == (
        "camera",
        "view_tampered",
        "",
        False,
    )
    assert episode.signals["camera_events"][0]["topic"] == TAMPER
    assert state().last_tamper_at is not None

    # The camera says it again (a repeated state) and then clears it: still one episode.
    device.set_property(TAMPER, True, name="IsTamper")
    device.set_property(TAMPER, False, name="IsTamper")
    assert wait_for(lambda: state().messages >= 3, timeout=10)
    assert SceneChange.objects.count() == 1

    # Our detector sees the blocked view: it joins the camera's episode.
    statuses = [compare(_camera(), writer.write(f.blocked())) for _ in range(2)]
    assert statuses == ["pending", "episode_joined"]
    episode.refresh_from_db()
    assert episode.source == "both"
    assert SceneChange.objects.count() == 1
    assert not device.calls_of("Unsubscribe")


def _camera():
    from cameras.models import Camera

    return Camera.objects.get(pk="porch_ptz")


@pytest.mark.django_db(transaction=True)
def test_no_event_is_lost_across_renewals_and_a_dropped_subscription_is_recreated(device, onvif_camera, process):
    subscriptions = process()
    assert wait_for(lambda: state() is not None and state().subscribed, timeout=10)
    for n in range(30):
        device.publish("tns1:Vendor/Counter", data={"n": n})
    assert wait_for(lambda: state().messages >= 30, timeout=10)
    unknown = OnvifUnknownEvent.objects.get()
    assert (unknown.camera_id, unknown.topic, unknown.count) == ("porch_ptz", "tns1:Vendor/Counter", 30)
    assert 'Value="29"' in unknown.last_message
    assert len(device.calls_of("Renew")) >= 1 and subscriptions.stats["renewals"] >= 1
    assert len(device.calls_of("CreatePullPointSubscription")) == 1

    # The camera reboots (forgets every subscription); the motion it reports meanwhile is a state,
    # delivered as "Initialized" by the new subscription.
    device.drop_subscriptions()
    device.set_property(MOTION, True)
    assert wait_for(lambda: state().motion_active, timeout=10)
    current = state()
    assert current.subscriptions_created == 2 and current.subscribed
    assert current.last_motion_at is not None
    assert current.last_error.startswith("Device no longer knows the subscription")
    assert len(device.calls_of("CreatePullPointSubscription")) == 2

    # Expiry is the same: recreated, and nobody ever cancelled a subscription.
    device.expire_subscriptions()
    assert wait_for(lambda: len(device.calls_of("CreatePullPointSubscription")) == 3, timeout=10)
    assert wait_for(lambda: state().subscribed, timeout=10)
    assert not device.calls_of("Unsubscribe")


@pytest.mark.django_db(transaction=True)
def test_a_refused_subscription_is_retried_with_backoff_and_reported(device, onvif_camera, process):
    device.refuse_subscriptions = 2
    process()
    assert wait_for(lambda: state() is not None and state().subscribed, timeout=10)
    current = state()
    assert current.subscriptions_created == 1
    assert current.consecutive_failures == 0  # reset by the success
    assert "answered with a SOAP fault (Too many subscriptions)" in current.last_error
    assert len(device.calls_of("CreatePullPointSubscription")) == 3


@pytest.mark.django_db(transaction=True)
def test_wrong_credentials_and_a_device_without_events_are_reported_per_camera(device, other_device, process):
    other_device.events = False
    CameraFactory(
        id="wrong_pw",
        folder_path="/export/foscam/wrong_pw",
        ingestion_mode="onvif",
        rtsp_url="rtsp://127.0.0.1:8554/live",
        rtsp_username="admin",
        rtsp_password="not-the-password",
        onvif_url=device.url,
    )
    CameraFactory(
        id="no_events",
        folder_path="/export/foscam/no_events",
        ingestion_mode="onvif",
        rtsp_url="rtsp://127.0.0.1:8554/live",
        rtsp_username="admin",
        rtsp_password="secret",
        onvif_url=other_device.url,
    )
    process()
    assert wait_for(lambda: state("wrong_pw") is not None and state("no_events") is not None, timeout=10)
    assert wait_for(lambda: state("wrong_pw").last_error and state("no_events").last_error, timeout=10)
    assert "refused our credentials" in state("wrong_pw").last_error
    assert state("no_events").last_error == "Device does not offer the ONVIF Events service"
    assert not state("wrong_pw").subscribed and not state("no_events").subscribed
    assert "not-the-password" not in state("wrong_pw").last_error


@pytest.mark.django_db(transaction=True)
def test_the_command_runs_for_the_given_time_and_prints_a_summary(device, onvif_camera, settings, capsys):
    settings.NEM_ONVIF_EVENTS_PULL_SECONDS = 0.2
    settings.NEM_ONVIF_EVENTS_DB_WORKERS = 1
    device.set_property(MOTION, True)
    call_command("run_onvif_events", seconds=1.5)
    out = capsys.readouterr().out.strip()
    assert out.startswith("onvif events: 1 subscription(s), 0 renewal(s), ")
    assert state().motion_active and state().messages == 1
    assert not state().subscribed  # the process stopped: nobody pulls the subscription any more
    call_command("run_onvif_events", seconds=0.1, verbosity=0)
    assert capsys.readouterr().out == ""


@pytest.mark.django_db(transaction=True)
def test_a_device_outside_the_device_networks_is_not_contacted(device, onvif_camera, process, settings):
    settings.NEM_DEVICE_NETWORKS = ["192.168.0.0/16"]
    process()
    assert wait_for(lambda: state() is not None and state().last_error, timeout=10)
    assert "not contacted" in state().last_error and not state().subscribed
    assert device.operations() == []


@pytest.mark.django_db
def test_motion_is_activity_evidence_and_unknown_topics_are_kept(onvif_camera):
    at = timezone.now()
    note = topics.parse_notification(
        _notification("ns9:VideoSource/MotionAlarm", '<tt:SimpleItem Name="State" Value="true"/>')
    )
    other = topics.parse_notification(_notification("hik:Custom/Thing", '<tt:SimpleItem Name="X" Value="1"/>'))
    counts = onvif_events_record(camera_id=onvif_camera.id, notifications=[note, other, other], received_at=at)
    assert counts == {"tamper": 0, "motion": 1, "signal_loss": 0, "unknown": 2}
    current = state()
    assert (current.last_motion_at, current.motion_active, current.messages, current.last_message_at) == (
        at,
        True,
        3,
        at,
    )
    row = OnvifUnknownEvent.objects.get()
    assert (row.topic, row.count) == ("hik:Custom/Thing", 2)
    assert SceneChange.objects.count() == 0


def test_unknown_topics_are_visible_in_the_admin(admin_client, onvif_camera):
    other = topics.parse_notification(_notification("hik:Custom/Thing", '<tt:SimpleItem Name="X" Value="1"/>'))
    onvif_events_record(camera_id=onvif_camera.id, notifications=[other])
    response = admin_client.get("/admin/onvifctl/onvifunknownevent/")
    assert response.status_code == 200
    assert b"hik:Custom/Thing" in response.content
    response = admin_client.get("/admin/onvifctl/onvifeventstate/")
    assert response.status_code == 200 and b"porch_ptz" in response.content
    assert admin_client.get("/admin/onvifctl/onvifunknownevent/add/").status_code == 403


# ---------------------------------------------------------------- PTZ presets


def test_the_patrol_between_two_presets_raises_nothing_and_a_blocked_preset_is_reported_against_it(
    api_client, device, scene, settings, django_capture_on_commit_callbacks
):
    """Each goto is confirmed by GetStatus (MOVING twice, then IDLE) before comparison resumes,
    with the reference of that preset."""
    settings.NEM_PTZ_STATUS_POLL_SECONDS = 0.01
    device.moving_polls = 2
    camera = _camera()
    views = {"preset_1": f.view(), "preset_2": f.view(dx=0.2, angle=10)}

    def goto(token):
        with django_capture_on_commit_callbacks(execute=True):  # the arrival task runs after commit
            response = api_client.post(f"/api/cameras/{camera.id}/onvif/presets/{token}")
        assert response.status_code == 200, response.content
        assert response.json() == {"success": True, "preset_token": token}
        assert device.position == token
        scene.clock = max(scene.clock, timezone.now().timestamp())

    for _ in range(3):
        for token in ("preset_1", "preset_2"):
            status_calls = len(device.calls_of("GetStatus"))
            goto(token)
            assert len(device.calls_of("GetStatus")) == status_calls + 3  # MOVING, MOVING, IDLE
            first = compare(camera, scene.write(views[device.position]))
            assert first in ("reference_created", "unchanged")
            assert compare(camera, scene.write(views[device.position])) == "unchanged"
    references = SceneReference.objects.filter(retired_at__isnull=True).order_by("preset_token")
    assert [r.preset_token for r in references] == ["preset_1", "preset_2"]
    assert SceneChange.objects.count() == 0

    goto("preset_2")
    assert [compare(camera, scene.write(f.blocked())) for _ in range(2)] == ["pending", "change_recorded"]
    change = SceneChange.objects.get()
    assert (change.change_type, change.preset_token, change.reference_id) == (
        "view_blocked",
        "preset_2",
        references[1].pk,
    )
    response = api_client.get(f"/api/cameras/{camera.id}/scene-changes")
    (item,) = response.json()["scene_changes"]
    assert (item["source"], item["preset_token"], item["change_type"]) == ("detector", "preset_2", "view_blocked")


def test_a_goto_that_never_arrives_leaves_comparison_paused(
    api_client, device, scene, settings, django_capture_on_commit_callbacks
):
    settings.NEM_PTZ_STATUS_POLL_SECONDS = 0.01
    settings.NEM_PTZ_PRESET_SECONDS = 0.05
    device.moving_polls = 10_000
    camera = _camera()
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(f"/api/cameras/{camera.id}/onvif/presets/preset_1").status_code == 200
    assert device.position == "home"  # still moving
    monitor = SceneMonitor.all_objects.get(camera=camera)
    assert (monitor.awaiting_preset, monitor.preset_token) == ("preset_1", "")
    assert compare(camera, scene.write(f.view())) == "paused"


def test_the_scene_change_admin_shows_source_and_preset(admin_client, onvif_camera):
    SceneMonitor.all_objects.create(camera=onvif_camera, preset_token="preset_2")
    episode = scene_services.scenechange_camera_event(
        camera_id=onvif_camera.id, change_type="view_tampered", topic=TAMPER, occurred_at=timezone.now()
    )
    assert (episode.source, episode.preset_token) == ("camera", "preset_2")
    listing = admin_client.get("/admin/scenechanges/scenechange/?source=camera")
    assert listing.status_code == 200
    assert b"the camera&#x27;s own event" in listing.content or b"the camera's own event" in listing.content
    assert b"preset_2" in listing.content
    page = admin_client.get(f"/admin/scenechanges/scenechange/{episode.pk}/change/")
    assert page.status_code == 200 and b"preset_2" in page.content


def test_the_event_status_endpoint_shows_the_subscription_health(api_client, onvif_camera, camera):
    path = f"/api/cameras/{onvif_camera.id}/onvif/events"
    empty = api_client.get(path)
    assert empty.status_code == 200
    assert empty.json() == {
        "camera_id": "porch_ptz",
        "subscribed": False,
        "subscribed_at": None,
        "terminates_at": None,
        "subscriptions_created": 0,
        "renewals": 0,
        "messages": 0,
        "last_message_at": None,
        "last_error": None,
        "last_error_at": None,
        "consecutive_failures": 0,
        "last_motion_at": None,
        "motion_active": False,
        "last_tamper_at": None,
        "signal_lost": False,
        "unknown_topics": [],
    }
    at = dt.datetime(2026, 1, 23, 12, tzinfo=dt.UTC)
    motion = topics.parse_notification(
        _notification("ns9:VideoSource/MotionAlarm", '<tt:SimpleItem Name="State" Value="true"/>')
    )
    other = topics.parse_notification(_notification("hik:Custom/Thing", '<tt:SimpleItem Name="X" Value="1"/>'))
    onvif_events_record(camera_id=onvif_camera.id, notifications=[motion, other], received_at=at)
    body = api_client.get(path).json()
    assert (body["subscribed"], body["messages"], body["last_motion_at"], body["motion_active"]) == (
        True,
        2,
        "2026-01-23T12:00:00Z",
        True,
    )
    assert body["unknown_topics"] == [{"topic": "hik:Custom/Thing", "count": 1, "last_seen_at": "2026-01-23T12:00:00Z"}]

    conflict = api_client.get(f"/api/cameras/{camera.id}/onvif/events")  # an ftp camera
    assert conflict.status_code == 409
    assert conflict["Content-Type"].startswith("application/problem+json")
    missing = api_client.get("/api/cameras/nope/onvif/events")
    assert missing.status_code == 404 and missing.json()["status"] == 404


@pytest.mark.django_db(transaction=True)
def test_a_device_without_renew_gets_a_new_subscription_before_expiry_and_loses_nothing(device, onvif_camera, process):
    device.renew_supported = False
    subscriptions = process()
    assert wait_for(lambda: state() is not None and state().subscribed, timeout=10)
    for n in range(20):
        device.publish("tns1:Vendor/Counter", data={"n": n})
    assert wait_for(lambda: len(device.calls_of("CreatePullPointSubscription")) >= 3, timeout=10)
    for n in range(20, 40):
        device.publish("tns1:Vendor/Counter", data={"n": n})
    assert wait_for(lambda: subscriptions.stats["recorded"] >= 40, timeout=10)
    # A message published between a new subscription and the old one's drain is in both: counted
    # twice at most, never lost.
    assert OnvifUnknownEvent.objects.get().count >= 40
    assert not device.calls_of("Unsubscribe")
    assert state().consecutive_failures == 0


def test_a_continuous_move_compares_against_nothing_until_the_view_settles(
    api_client, device, scene, settings, django_capture_on_commit_callbacks
):
    settings.NEM_PTZ_STATUS_POLL_SECONDS = 0.01
    settings.NEM_SCENE_FREE_VIEW_QUIET_SECONDS = 2
    camera = _camera()

    def pan():
        response = api_client.post(
            f"/api/cameras/{camera.id}/onvif/ptz", {"command": "pan", "value": 0.5, "speed": 1}, format="json"
        )
        assert response.status_code == 200, response.content
        assert device.position == "free"
        SceneMonitor.all_objects.filter(camera=camera).update(paused_until=timezone.now())  # the move ended
        scene.clock = max(scene.clock, timezone.now().timestamp())

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(f"/api/cameras/{camera.id}/onvif/presets/preset_1")
    scene.clock = max(scene.clock, timezone.now().timestamp())
    assert compare(camera, scene.write(f.view())) == "reference_created"

    pan()
    monitor = SceneMonitor.all_objects.get(camera=camera)
    assert monitor.seeking is True
    # Back on the preset's view: recognised at once, no change.
    assert compare(camera, scene.write(f.view())) == "unchanged"
    assert SceneMonitor.all_objects.get(camera=camera).preset_token == "preset_1"

    pan()
    new_view = f.view(dx=0.3)
    # Frames are one second apart: the first of the still run, one more, then 2 s of stillness.
    assert [compare(camera, scene.write(new_view)) for _ in range(3)] == ["seeking", "seeking", "reference_created"]
    current = SceneReference.objects.filter(retired_at__isnull=True).order_by("preset_token")
    assert [(r.preset_token, r.reason) for r in current] == [("", "view_moved"), ("preset_1", "first_frame")]
    assert compare(camera, scene.write(new_view)) == "unchanged"
    assert SceneChange.objects.count() == 0
