"""Production settings fail fast: no secret or service URL has a default when DEBUG is off."""

import os
import subprocess
import sys

import pytest

REQUIRED = {
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://nem@127.0.0.1:5432/nem",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def load_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.SECRET_KEY; print('loaded')"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "nem.settings.base", "DEBUG": "false", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_load_with_everything_given():
    result = load_settings(REQUIRED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded"


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_refuses_to_start_without(missing):
    result = load_settings({k: v for k, v in REQUIRED.items() if k != missing})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set when DEBUG is off" in result.stderr


# --- start-up validation (nem.checks) -------------------------------------------------------------


def run_entry(argv: list[str], env: dict) -> subprocess.CompletedProcess:
    """A real entry point (manage.py, the WSGI module, Celery) with a production environment."""
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED and k != "DEBUG"}
    return subprocess.run(
        argv,
        env={**clean, "DJANGO_SETTINGS_MODULE": "nem.settings.base", "DEBUG": "false", **REQUIRED, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_test_configuration_passes_every_rule():
    from nem.checks import check_settings

    assert check_settings() == []


def test_a_valid_fernet_key_and_an_empty_one_pass(settings):
    from cryptography.fernet import Fernet

    from nem.checks import check_settings

    settings.NEM_FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert check_settings() == []
    settings.NEM_FIELD_ENCRYPTION_KEY = ""
    assert check_settings() == []


def test_a_broker_url_error_never_shows_its_password(settings):
    from nem.checks import check_settings

    settings.CELERY_BROKER_URL = "kafka://user:s3cret-pw@broker:9092"
    (error,) = check_settings()
    assert "s3cret-pw" not in error.msg
    assert "broker:9092" in error.msg


def test_an_open_api_in_production_is_an_error_unless_explicitly_allowed(settings):
    from nem.checks import check_settings

    settings.DEBUG = False
    settings.NEM_API_KEY_REQUIRED = False
    (error,) = check_settings()
    assert error.id == "nem.E101"
    assert "NEM_ALLOW_OPEN_API=true" in error.hint
    settings.NEM_ALLOW_OPEN_API = True
    assert check_settings() == []
    settings.DEBUG = True  # a local experiment needs no confirmation
    settings.NEM_ALLOW_OPEN_API = False
    assert check_settings() == []


def test_manage_py_check_and_migrate_stop_on_a_bad_setting():
    for command in (["check"], ["migrate", "--plan"]):
        result = run_entry([sys.executable, "manage.py", *command], {"NEM_TRASH_RETENTION_DAYS": "-5"})
        assert result.returncode != 0
        assert "NEM_TRASH_RETENTION_DAYS=-5 is not valid." in result.stderr
        assert "Accepted: an integer >= 1." in result.stderr


def test_gunicorn_refuses_to_load_the_application_with_a_bad_setting():
    result = run_entry([sys.executable, "-c", "import nem.wsgi"], {"NEM_RATE_LIMIT_MEDIA": "thirty"})
    assert result.returncode != 0
    assert "SystemCheckError" in result.stderr
    assert "NEM_RATE_LIMIT_MEDIA='thirty' is not valid." in result.stderr


def test_celery_worker_exits_at_start_with_a_bad_setting():
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    result = run_entry(
        [celery, "-A", "nem", "worker", "--pool", "solo", "-l", "warning"],
        {"NEM_API_KEY_REQUIRED": "false", "CELERY_BROKER_URL": "memory://"},
    )
    assert result.returncode == 1
    assert "NEM_API_KEY_REQUIRED=false with DEBUG=false" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEM_TRASH_RETENTION_DAYS": "thirty"}, "NEM_TRASH_RETENTION_DAYS='thirty' is not a valid int"),
        ({"NEM_BASELINE_DECAY": "high"}, "NEM_BASELINE_DECAY='high' is not a valid float"),
        ({"DATABASE_URL": "garbage"}, "DATABASE_URL='garbage' is not a database URL"),
        ({"DATABASE_URL": "nosuch://u:pw@h/db"}, "DATABASE_URL='nosuch://***@h/db' is not a database URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not valid. Accepted: DEBUG, INFO"),
    ],
)
def test_a_value_that_does_not_parse_stops_start_up_naming_the_variable(env, message):
    result = load_settings({**REQUIRED, **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert "pw@" not in result.stderr


def test_check_deploy_is_clean_in_the_documented_production_configuration():
    documented = {
        "SECRET_KEY": "k" * 20 + "-Ab3$" + "z" * 40,
        "ALLOWED_HOSTS": "nem.example.org",
        "NEM_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
        "NEM_SSL_REDIRECT": "true",
        "NEM_HSTS_SECONDS": "31536000",
        "NEM_HSTS_INCLUDE_SUBDOMAINS": "true",
    }
    result = run_entry([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], documented)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_fresh_clone_runs_from_the_settings_alone(tmp_path):
    """No shell script needed: the embedded settings create var/, the broker's folders and the media
    root, so `manage.py migrate` then `runserver` (here: a request through the WSGI app) just work."""
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED and k not in ("DEBUG", "NEM_MEDIA_ROOT")}
    env.update({"DEBUG": "true", "NEM_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "nem.settings.base"})
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr
    for folder in ("broker/queue", "broker/processed", "broker/control", "media", "static"):
        assert (var / folder).is_dir(), folder
    assert (var / "nem.sqlite3").is_file()
    code = (
        "from django.test import Client; import nem.wsgi; "
        "r = Client(HTTP_HOST='127.0.0.1').get('/ready'); print(r.status_code, r.json()['checks'])"
    )
    ready = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout.strip() == (
        "200 {'database': 'ok', 'cache': 'ok', 'broker': 'ok', 'media_root': 'ok'}"
    )


# Every setting rule, with a value it must refuse. A new rule without a line here fails
# test_every_rule_has_a_refused_value.
REFUSED_VALUES = [
    ("NEM_TRASH_RETENTION_DAYS", 0),
    ("NEM_CAMERA_LIST_CACHE_TTL", 0),
    ("NEM_RATE_LIMIT_MEDIA", "thirty"),
    ("NEM_FIELD_ENCRYPTION_KEY", "not-a-fernet-key"),
    ("NEM_STATUS_OFFLINE_AFTER_SECONDS", 0),
    ("NEM_STREAM_TIMEOUT_SECONDS", 0.0),
    ("NEM_STREAM_GRAB_CONCURRENCY", 0),
    ("NEM_STREAM_GRAB_EVERY_SECONDS", 4),
    ("NEM_MEDIA_SETTLE_SECONDS", -1),
    ("NEM_SCAN_MAX_FRAMES_PER_LOOK", 0),
    ("NEM_SNAPSHOT_SCAN_MAX_ENTRIES", 0),
    ("NEM_BASELINE_WINDOW_DAYS", 6),
    ("NEM_BASELINE_DECAY", 0.0),
    ("NEM_BASELINE_MIN_SAMPLES", 0),
    ("NEM_BASELINE_THRESHOLD_STDEV", 0.0),
    ("NEM_EVENT_GAP_SECONDS", 0),
    ("NEM_DETECTION_IDEMPOTENCY_HOURS", 0),
    ("NEM_SCENE_CONFIRM_FRAMES", 0),
    ("NEM_SCENE_PTZ_PAUSE_SECONDS", -1.0),
    ("NEM_SCENE_MIN_CHANGED_FRACTION", 0.0),
    ("NEM_SCENE_TILE_CORRELATION", 0.0),
    ("NEM_SCENE_FLAT_STD", 0.0),
    ("NEM_SCENE_BLOCKED_ENTROPY", 0.0),
    ("NEM_SCENE_DETAIL_LOSS_RATIO", 0.0),
    ("NEM_SCENE_MIN_SHIFT_FRACTION", 0.0),
    ("NEM_SCENE_MIN_ROTATION_DEGREES", 0.0),
    ("NEM_SCENE_IR_CHROMA_MAX", 0.0),
    ("NEM_ONVIF_CONNECT_TIMEOUT_SECONDS", 0.0),
    ("NEM_ONVIF_TIMEOUT_SECONDS", 0.0),
    ("NEM_PTZ_MOVE_SECONDS", 0.0),
    ("NEM_PTZ_PRESET_SECONDS", -1.0),
    ("NEM_ONVIF_DISCOVERY_MAX_PREFIX", 15),
    ("NEM_ONVIF_DISCOVERY_PORT", 0),
    ("NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS", 0.0),
    ("NEM_RATE_LIMIT_DISCOVERY", "6 per minute"),
    ("NEM_ONVIF_EVENTS_PULL_SECONDS", 0.0),
    ("NEM_ONVIF_EVENTS_SUBSCRIPTION_SECONDS", 9.0),
    ("NEM_ONVIF_EVENTS_RENEW_BEFORE_SECONDS", -1.0),
    ("NEM_ONVIF_EVENTS_MESSAGE_LIMIT", 0),
    ("NEM_ONVIF_EVENTS_BACKOFF_MAX_SECONDS", 0.0),
    ("NEM_ONVIF_EVENTS_REFRESH_SECONDS", 0.0),
    ("NEM_ONVIF_EVENTS_DB_WORKERS", 0),
    ("NEM_PTZ_STATUS_POLL_SECONDS", 0.0),
    ("NEM_SCENE_FREE_VIEW_QUIET_SECONDS", -1.0),
    ("REDIS_URL", "http://cache:6379/1"),
    ("CELERY_BROKER_URL", "kafka://broker:9092"),
    ("TIME_ZONE", "Mars/Olympus"),
    ("SECURE_HSTS_SECONDS", -1),
    ("NEM_RETENTION_FRAMES_MAX_AGE_HOURS", -1),
    ("NEM_RETENTION_FRAMES_MAX_COUNT", -1),
    ("NEM_RETENTION_UPLOADS_MAX_AGE_DAYS", -1),
    ("NEM_RETENTION_UPLOADS_MAX_BYTES", -1),
    ("NEM_RETENTION_CACHE_MAX_AGE_DAYS", -1),
    ("NEM_RETENTION_ROWS_MAX_AGE_DAYS", -1),
    ("NEM_RETENTION_ROWS_MARGIN_DAYS", -1),
    ("NEM_RETENTION_ALERTS_MAX_AGE_DAYS", -1),
    ("NEM_RETENTION_BATCH_SIZE", 0),
    ("NEM_STORAGE_FLOOR_PERCENT", -1.0),
    ("NEM_STORAGE_FLOOR_BYTES", -1),
    ("NEM_STORAGE_FREE_PROBE", "no.such.module.probe"),
    ("NEM_API_KEYS", ["short"]),
    ("NEM_DEVICE_NETWORKS", ["192.168.1.0/33"]),
    ("NEM_DEVICE_MAX_RESPONSE_BYTES", 4095),
    ("NEM_JSON_MAX_DEPTH", 1),
    ("NEM_MAX_IMAGE_PIXELS", 0),
    ("NEM_VIDEO_EXTRACT_SECONDS", 0.0),
    ("NEM_AUTH_FAILURE_LIMIT", 0),
    ("NEM_AUTH_FAILURE_WINDOW_SECONDS", 0),
    ("NEM_HEALTH_OFFLINE_GRACE_SECONDS", 0),
    ("NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS", -1),
    ("NEM_HEALTH_ONLINE_AFTER_FRAMES", 0),
    ("NEM_HEALTH_FROZEN_MINUTES", -1),
    ("NEM_HEALTH_FROZEN_HASH_DISTANCE", -1),
    ("NEM_HEALTH_FROZEN_PIXEL_TOLERANCE", -1.0),
    ("NEM_HEALTH_HASH_MASK_FRACTION", -1.0),
    ("NEM_HEALTH_SILENT_HOURS", -1),
    ("NEM_MQTT_URL", "http://broker:1883"),
    ("NEM_MQTT_CLIENT_ID", "x" * 24),
    ("NEM_MQTT_TOPIC_PREFIX", "nem/#"),
    ("NEM_MQTT_DISCOVERY_PREFIX", "/"),
    ("NEM_MQTT_POLL_SECONDS", 0.0),
    ("NEM_MQTT_RECONCILE_SECONDS", -1.0),
    ("NEM_PUBLIC_URL", "ftp://nem.example.org"),
    ("NEM_ALERT_MAX_AGE", 59),
    ("NEM_ALERT_RETRY_BASE_SECONDS", 0.0),
    ("NEM_ALERT_RETRY_MAX_SECONDS", 0.0),
    ("NEM_ALERT_HTTP_TIMEOUT_SECONDS", 0.0),
]


def _all_rules():
    from alerts.checks import ALERT_SETTING_RULES
    from nem.checks import SETTING_RULES

    return [(rule, "nem") for rule in SETTING_RULES] + [(rule, "alerts") for rule in ALERT_SETTING_RULES]


def test_every_rule_has_a_refused_value():
    assert sorted(rule.name for rule, _ in _all_rules()) == sorted(name for name, _ in REFUSED_VALUES)


@pytest.mark.parametrize(("name", "value"), REFUSED_VALUES, ids=[name for name, _ in REFUSED_VALUES])
def test_each_rule_refuses_its_bad_value_naming_the_variable(settings, name, value):
    from nem.checks import rule_errors

    rule, prefix = next((rule, prefix) for rule, prefix in _all_rules() if rule.name == name)
    assert rule_errors([rule], id_prefix=prefix) == []  # the configuration under test is valid
    setattr(settings, name, value)
    (error,) = rule_errors([rule], id_prefix=prefix)
    shown_as = {"SECURE_HSTS_SECONDS": "NEM_HSTS_SECONDS"}.get(name, name)
    assert error.msg.startswith(f"{shown_as}=")
    assert error.msg.endswith(" is not valid.")
    if "KEY" not in name and "URL" not in name:
        assert error.msg == f"{shown_as}={value!r} is not valid."
    assert error.hint == f"Accepted: {rule.accepted}."


SETTINGS_SOURCE = os.path.join(os.path.dirname(__file__), "..", "settings", "base.py")
README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def _variables(pattern: str) -> set[str]:
    import re

    with open(SETTINGS_SOURCE) as source:
        return set(re.findall(pattern, source.read()))


def test_every_number_the_settings_read_has_a_start_up_rule():
    numbers = _variables(r'env\.(?:int|float)\(\s*"([A-Z][A-Z0-9_]*)"')
    ruled = {{"SECURE_HSTS_SECONDS": "NEM_HSTS_SECONDS"}.get(rule.name, rule.name) for rule, _ in _all_rules()}
    # Passed straight to a library that validates them itself (psycopg, kombu, django-axes).
    handed_on = {
        "DB_CONN_MAX_AGE",
        "DB_CONNECT_TIMEOUT",
        "NEM_CELERY_VISIBILITY_TIMEOUT",
        "NEM_ADMIN_LOGIN_FAILURE_LIMIT",
        "NEM_ADMIN_LOGIN_COOLOFF_MINUTES",
    }
    assert sorted(numbers - ruled - handed_on) == []


def test_every_variable_the_settings_read_is_documented_in_the_readme():
    variables = _variables(r'env\.[a-z_]+\(\s*"([A-Z][A-Z0-9_]*)"') | _variables(r'_required\("([A-Z_]+)"')
    with open(README) as readme:
        text = readme.read()
    assert sorted(name for name in variables if f"`{name}`" not in text) == []
