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


@pytest.mark.parametrize(
    ("name", "value", "accepted"),
    [
        ("NEM_TRASH_RETENTION_DAYS", -5, "an integer >= 1"),
        ("NEM_TRASH_RETENTION_DAYS", 0, "an integer >= 1"),
        ("NEM_RATE_LIMIT_MEDIA", "thirty", "a rate such as 30/m"),
        ("NEM_RATE_LIMIT_MEDIA", "0/m", "a rate such as 30/m"),
        ("NEM_RATE_LIMIT_DISCOVERY", "6 per minute", "a rate such as 30/m"),
        ("NEM_FIELD_ENCRYPTION_KEY", "not-a-fernet-key", "empty (derived from SECRET_KEY) or a Fernet key"),
        ("NEM_BASELINE_DECAY", 0.0, "a number > 0 and <= 1"),
        ("NEM_BASELINE_DECAY", 1.5, "a number > 0 and <= 1"),
        ("NEM_BASELINE_THRESHOLD_STDEV", -1.0, "a number > 0"),
        ("NEM_STREAM_TIMEOUT_SECONDS", 0.0, "a number > 0"),
        ("NEM_ONVIF_TIMEOUT_SECONDS", -2.0, "a number > 0"),
        ("NEM_ONVIF_DISCOVERY_MAX_PREFIX", 8, "an integer >= 16 and <= 32"),
        ("NEM_ONVIF_DISCOVERY_PORT", 70000, "an integer >= 1 and <= 65535"),
        ("NEM_SCENE_CONFIRM_FRAMES", 0, "an integer >= 1"),
        ("NEM_BASELINE_WINDOW_DAYS", 3, "an integer >= 7 and <= 366"),
        ("TIME_ZONE", "Mars/Olympus", "an IANA time zone name"),
        ("CELERY_BROKER_URL", "kafka://broker:9092", "a URL with scheme redis://"),
        ("REDIS_URL", "http://cache:6379/1", "a URL with scheme redis://"),
    ],
)
def test_each_setting_rule_names_the_variable_the_value_and_what_is_accepted(settings, name, value, accepted):
    from nem.checks import check_settings

    setattr(settings, name, value)
    errors = check_settings()
    assert len(errors) == 1, errors
    assert errors[0].msg.startswith(f"{name}=")
    if "KEY" not in name:
        assert repr(value) in errors[0].msg
    assert errors[0].hint.startswith(f"Accepted: {accepted}")


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
