import datetime as dt

import pytest
from django.test import RequestFactory

from baselines.models import Anomaly
from baselines.panels import baseline_panel
from baselines.services import baseline_recompute
from baselines.tests.constructed import MONDAY_9, NOW, add_detections
from cameras.admin_panels import camera_panels

pytestmark = pytest.mark.django_db


def test_panel_is_registered_for_the_camera_page():
    assert "Activity baseline" in [panel.title for panel in camera_panels()]


def test_panel_renders_heatmap_and_class_bars_without_external_assets(small_window, old_camera, staff_user):
    add_detections(old_camera, MONDAY_9, 4)
    add_detections(old_camera, MONDAY_9, 2, object_type="car")
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    request = RequestFactory().get("/admin/")
    request.user = staff_user
    html = str(baseline_panel(old_camera, request))
    assert html.count("<tr>") == 8  # hour header + 7 weekdays
    assert html.count("<td ") == 168
    assert 'title="Monday 09:00: 3.43 per hour over 3 hours"' in html  # 6 this week (w=1) of 1.75
    # Class bars: expected per day = sum of the hourly frequencies; person 4 / 12.25 = 0.33 at 09:00.
    assert "0.3 per day, peak 09:00" in html
    assert "0.2 per day, peak 09:00" in html  # car: 2 / 12.25
    assert "Learning complete: 168 of 168 slots have 3 or more observed hours" in html
    assert "person" in html and "car" in html
    assert "<script" not in html and "http" not in html and "<link" not in html
    assert "/admin/baselines/anomaly/?camera__id__exact=front_door" in html


def test_panel_of_a_camera_without_baseline(camera, staff_user):
    html = str(baseline_panel(camera, None))
    assert "No baseline yet" in html
    assert "No object classes learnt yet." in html


def test_camera_admin_page_shows_the_panel(client, staff_user, small_window, old_camera):
    add_detections(old_camera, MONDAY_9, 4)
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    client.force_login(staff_user)
    response = client.get(f"/admin/cameras/camera/{old_camera.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Activity baseline" in body
    assert "Detections per hour, by weekday and hour" in body


def test_anomaly_admin_lists_and_filters(client, staff_user, old_camera):
    from cameras.tests.factories import CameraFactory

    other = CameraFactory(id="garage")
    at = dt.datetime(2026, 3, 2, 3, tzinfo=dt.UTC)
    Anomaly.objects.create(camera=old_camera, hour_start=at, object_type="car", kind="surge", observed_count=6,
                           expected_count=0.1, anomaly_score=0.99, reason="car detected 6 times at 03:00-04:00")
    Anomaly.objects.create(camera=other, hour_start=at, object_type="", kind="absence", observed_count=0,
                           expected_count=9, anomaly_score=0.999, reason="no detections at 03:00-04:00")
    client.force_login(staff_user)
    everything = client.get("/admin/baselines/anomaly/").content.decode()
    assert "car detected 6 times" in everything and "no detections at 03:00-04:00" in everything
    surges = client.get("/admin/baselines/anomaly/?kind__exact=surge").content.decode()
    assert "car detected 6 times" in surges and "no detections at 03:00-04:00" not in surges
    garage = client.get("/admin/baselines/anomaly/?camera__id__exact=garage").content.decode()
    assert "no detections at 03:00-04:00" in garage and "car detected 6 times" not in garage
    assert client.get("/admin/baselines/baselinestate/").status_code == 200
