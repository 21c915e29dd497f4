"""Settings checks and the drain command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from alerts import services
from alerts.checks import check_alert_settings
from alerts.models import Delivery
from alerts.tests.peers import HttpReceiver
from cameras.services import camera_status_set

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_valid_defaults_pass_and_bad_values_are_named(settings):
    assert check_alert_settings() == []
    settings.NEM_MQTT_URL = "http://user:pw@broker:1883"
    settings.NEM_ALERT_MAX_AGE = 5
    settings.NEM_MQTT_TOPIC_PREFIX = "nem/#"
    errors = check_alert_settings()
    assert [(e.id, e.msg) for e in errors] == [
        ("alerts.E001", "NEM_MQTT_URL='http://***@broker:1883' is not valid."),
        ("alerts.E003", "NEM_MQTT_TOPIC_PREFIX='nem/#' is not valid."),
        ("alerts.E008", "NEM_ALERT_MAX_AGE=5 is not valid."),
    ]


@pytest.mark.django_db
def test_drain_command_summary_and_exit_status(camera, capsys, settings):
    settings.NEM_ALERT_MAX_AGE = 60
    peer = HttpReceiver(statuses=[200])
    try:
        services.endpoint_create(data={"name": "h", "kind": "webhook", "url": peer.url})
        camera_status_set(camera_id=camera.id, previous="online", status="offline", at=T0)
        call_command("drain_alerts")
        assert capsys.readouterr().out.strip() == "delivered 1, failed 0 (will retry), dead 0"
        call_command("drain_alerts", verbosity=0)
        assert capsys.readouterr().out == ""
        peer.statuses[:] = [500]
        camera_status_set(camera_id=camera.id, previous="offline", status="online", at=T0)
        Delivery.objects.filter(state="pending").update(expires_at=T0)  # its time is up
        with pytest.raises(CommandError, match="1 delivery"):
            call_command("drain_alerts")
        assert Delivery.objects.filter(state="dead").count() == 1
    finally:
        peer.close()


def test_publisher_command_refuses_without_mqtt_url(settings):
    settings.NEM_MQTT_URL = ""
    with pytest.raises(CommandError, match="NEM_MQTT_URL is not set"):
        call_command("run_alert_publisher")
