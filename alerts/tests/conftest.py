import uuid

import pytest

from alerts.tests.peers import HttpReceiver


@pytest.fixture
def receiver():
    peer = HttpReceiver()
    yield peer
    peer.close()


@pytest.fixture
def mqtt_prefix(settings):
    """A private topic prefix and discovery prefix per test: the broker is shared."""
    tag = uuid.uuid4().hex[:10]
    settings.NEM_MQTT_URL = "mqtt://127.0.0.1:1883"
    settings.NEM_MQTT_TOPIC_PREFIX = f"nemtest{tag}"
    settings.NEM_MQTT_DISCOVERY_PREFIX = f"hatest{tag}"
    settings.NEM_MQTT_CLIENT_ID = f"nem-test-{tag}"
    settings.NEM_MQTT_RECONCILE_SECONDS = 0.0
    return settings.NEM_MQTT_TOPIC_PREFIX, settings.NEM_MQTT_DISCOVERY_PREFIX
