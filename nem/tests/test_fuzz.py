"""Property-based fuzzing of every endpoint in the live OpenAPI schema (schemathesis, in process).

The schema is read from ``/api/schema/`` of the Django WSGI app, so an endpoint any app adds is
fuzzed as soon as it is documented. Two passes per operation: path parameters generated freely,
and pinned to a camera that exists (so the handlers behind the 404 run too). The budget is
bounded (``FUZZ_MAX_EXAMPLES`` per operation and pass). Checks: no 5xx, and every response
conforms to what the schema documents for it (status code, content type, body schema).
"""

from __future__ import annotations

import ipaddress
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import TEST_API_KEY

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CAMERA_ID = "front_door"


def _load(pinned: bool):
    config = schemathesis.Config.from_dict(
        {
            "headers": {"X-API-Key": TEST_API_KEY},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            **({"parameters": {"path.camera_id": CAMERA_ID, "path.id": CAMERA_ID}} if pinned else {}),
        }
    )
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=config)


@pytest.fixture
def fuzz_world(db, camera, media_root, settings):
    """What the handlers find: one live camera (ftp), with an empty folder, and no rate limits
    that would turn the budget into 429s (the rate limiter has its own tests)."""
    (media_root / "front_door").mkdir()
    camera.folder_path = str(media_root / "front_door")
    camera.save(update_fields=["folder_path"])
    settings.RATELIMIT_ENABLE = False
    # The WSGI transport fires request_started/finished, whose close_old_connections would close
    # the test transaction's connection (Django's own test client disconnects them the same way).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield camera
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Loaded at collection: the schema view needs no database, and the per-operation test items
# then carry pytest-django's marker like any other test.
free = _load(pinned=False)
pinned = _load(pinned=True)
PROBLEM = "application/problem+json"


def keep_on_loopback(case) -> None:
    """Tests never send a packet beyond loopback: a valid, non-loopback discovery subnet becomes
    127.0.0.1/32, and a valid timeout is cut to 1 s to keep the budget. Invalid values (what the
    fuzzing is for) are left alone."""
    if not case.operation.path.endswith("/onvif/discover") or not isinstance(case.body, dict):
        return
    subnet = case.body.get("subnet")
    if isinstance(subnet, str):
        try:
            if not ipaddress.ip_network(subnet, strict=False).is_loopback:
                case.body["subnet"] = "127.0.0.1/32"
        except ValueError:
            pass
    timeout = case.body.get("timeout")
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 1:
        case.body["timeout"] = 1


def call_and_check(case):
    """Call (on loopback only), then run the checks."""
    keep_on_loopback(case)
    response = case.call()
    content_type = (response.headers.get("content-type") or [""])[0]
    checks = CHECKS
    if response.status_code == 415 and content_type.startswith(PROBLEM):
        # DRF answers 415 to a body in a media type the view does not parse (schemathesis sends
        # some on purpose); drf-spectacular never documents 415. A problem document is right.
        checks = [c for c in CHECKS if c is not status_code_conformance]
    case.validate_response(response, checks=checks)


@pytest.mark.django_db
@free.parametrize()
@HYPOTHESIS
def test_fuzz_every_operation(case, fuzz_world):
    call_and_check(case)


@pytest.mark.django_db
@pinned.parametrize()
@HYPOTHESIS
def test_fuzz_every_operation_on_a_live_camera(case, fuzz_world):
    call_and_check(case)


def test_schema_documents_errors_as_problem_json():
    wrong = []
    for path, item in free.raw_schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45" and "content" in response and PROBLEM not in response["content"]:
                    wrong.append(f"{method.upper()} {path} {status}")
    assert not wrong, f"{len(wrong)} error responses not documented as {PROBLEM}: {wrong[:5]}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/cameras", "/api/cameras/deleted"])
def test_a_huge_offset_is_a_422_not_a_500(url, camera):
    from django.test import Client

    response = Client(HTTP_X_API_KEY=TEST_API_KEY, raise_request_exception=False).get(
        url, {"offset": "15273998664250415104"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "offset"
