"""Security checks driven by the URL resolver, so a new endpoint cannot slip through.

- every route needs an API key except the exempt list (snapshot, /health, /ready, the schema, docs,
  API root and problem pages, the admin's redirect);
- every admin route needs a logged-in staff user, and the admin and session-authenticated API need CSRF;
- RTSP passwords and API keys never reach captured logs, the cache or any response;
- traversal attempts on every path parameter are a 4xx problem document, never a 5xx or a file.
"""

from __future__ import annotations

import json
import logging
import pickle
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client

from conftest import TEST_API_KEY
from nem.tests.urlwalk import Route, api_routes, walk_routes

# Routes that answer without an API key, matched on the route text.
EXEMPT = [
    re.compile(r"/snapshot\$?$"),  # an <img src> in a browser sends no header
    re.compile(r"^health$"),
    re.compile(r"^ready$"),
    re.compile(r"^api/schema/$"),
    re.compile(r"^api/docs/$"),
    re.compile(r"^api/$"),  # the resource index a client starts from
    re.compile(r"^problems/"),  # read by a client that is failing to authenticate
    re.compile(r"^admin$"),  # a redirect to /admin/, which has its own login
]
PROBLEM = "application/problem+json"
RTSP_PASSWORD = "Rtsp-Secret-Pw-7391"
RTSP_USER = "camuser"


def is_exempt(route: Route) -> bool:
    return any(p.search(route.route) for p in EXEMPT)


def _request(client, method: str, url: str, **extra):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, data="{}", content_type="application/json", **extra)
    return getattr(client, method)(url, **extra)


API_ROUTES = api_routes()
GUARDED = [r for r in API_ROUTES if not is_exempt(r)]
EXEMPT_ROUTES = [r for r in API_ROUTES if is_exempt(r)]
PARAM_ROUTES = [r for r in API_ROUTES if r.params]


def test_the_walk_finds_the_camera_api():
    """Guards the walk itself: if it found nothing, every test below would pass vacuously."""
    labels = {r.label for r in API_ROUTES}
    assert {"camera-list", "camera-detail", "camera-restore", "camera-deleted", "health", "schema"} <= labels
    detail = next(r for r in API_ROUTES if r.label == "camera-detail")
    assert detail.url() == "/api/cameras/front_door"
    assert set(detail.methods) == {"get", "put", "patch", "delete"}


@pytest.mark.django_db
@pytest.mark.parametrize("route", GUARDED, ids=lambda r: r.label)
def test_every_route_needs_an_api_key(route, anon_client, camera):
    for method in route.methods:
        response = _request(anon_client, method, route.url())
        assert response.status_code == 401, f"{method.upper()} {route.url()} answered {response.status_code} without a key"
        assert response["Content-Type"].startswith(PROBLEM)
        assert response.json() == {
            "type": "/problems/authentication-required",
            "code": "authentication_required",
            "title": "API key required",
            "status": 401,
            "detail": "API key required. Provide it in the X-API-Key header or the api_key query parameter.",
            "instance": route.url(),
        }


@pytest.mark.django_db
@pytest.mark.parametrize("route", GUARDED, ids=lambda r: r.label)
def test_every_route_refuses_a_wrong_api_key(route, camera):
    client = Client(HTTP_X_API_KEY="not-" + TEST_API_KEY)
    for method in route.methods:
        response = _request(client, method, route.url())
        assert response.status_code == 401, f"{method.upper()} {route.url()} answered {response.status_code}"
        body = response.json()
        assert (body["code"], body["detail"]) == ("invalid_api_key", "Invalid API key")


@pytest.mark.django_db
@pytest.mark.parametrize("route", GUARDED, ids=lambda r: r.label)
def test_every_route_accepts_the_api_key(route, api_client, camera):
    """A valid key gets past authentication and permissions everywhere (no route is staff-only)."""
    for method in route.methods:
        response = _request(api_client, method, route.url())
        assert response.status_code not in (401, 403), f"{method.upper()} {route.url()}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("route", EXEMPT_ROUTES, ids=lambda r: r.label)
def test_exempt_routes_answer_without_a_key(route, anon_client, camera):
    response = anon_client.get(route.url())
    assert response.status_code not in (401, 403)


def test_api_key_requirement_is_on_in_the_settings_tests_run_with():
    assert settings.NEM_API_KEY_REQUIRED is True


# --- admin: staff and CSRF ------------------------------------------------------------------

ADMIN_ROUTES = [r for r in walk_routes() if r.namespace == "admin" and r.name not in ("login", "logout")]


@pytest.mark.django_db
def test_every_admin_route_redirects_anonymous_and_non_staff_users_to_login(user):
    assert len(ADMIN_ROUTES) > 10
    anonymous = Client()
    non_staff = Client()
    non_staff.force_login(user)
    for route in ADMIN_ROUTES:
        url = route.url(default="1")
        for client in (anonymous, non_staff):
            response = client.get(url)
            assert response.status_code == 302, f"{url}: {response.status_code}"
            assert response["Location"].startswith("/admin/login/"), f"{url} -> {response['Location']}"


@pytest.mark.django_db
def test_admin_login_is_refused_for_a_non_staff_user(user):
    client = Client()
    response = client.post("/admin/login/", {"username": "viewer", "password": "viewer-password-1"})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_admin_login_needs_csrf(staff_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "admin", "password": "admin-password-1"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_writes_need_csrf(staff_user, camera):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    page = client.get(f"/admin/cameras/camera/{camera.pk}/change/")
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value

    refused = client.post(f"/admin/cameras/camera/{camera.pk}/delete/", {"post": "yes"})
    assert refused.status_code == 403
    camera.refresh_from_db()
    assert camera.deleted_at is None

    accepted = client.post(f"/admin/cameras/camera/{camera.pk}/delete/", {"post": "yes", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    camera.refresh_from_db()
    assert camera.deleted_at is not None


@pytest.mark.django_db
def test_staff_session_on_the_api_needs_csrf_for_writes(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    body = json.dumps({"name": "Porch", "folder_path": "/export/foscam/porch"})
    assert client.get("/api/cameras").status_code == 200  # reads by session are fine

    refused = client.post("/api/cameras", data=body, content_type="application/json")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith(PROBLEM)
    assert refused.json()["status"] == 403
    assert "CSRF" in refused.json()["detail"]

    token = client.get("/admin/").cookies["csrftoken"].value
    accepted = client.post("/api/cameras", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


# --- secrets ------------------------------------------------------------------------------


def _cache_dump() -> bytes:
    """Every key and raw value in every cache the process uses, as one byte string."""
    out = []
    for alias in settings.CACHES:
        cache = caches[alias]
        backend = settings.CACHES[alias]["BACKEND"]
        if backend.startswith("django_redis"):
            from django_redis import get_redis_connection

            conn = get_redis_connection(alias)
            for key in conn.scan_iter(count=1000):
                out.append(key)
                if conn.type(key) == b"string":
                    out.append(conn.get(key) or b"")
        elif hasattr(cache, "_cache"):  # locmem
            for key, value in list(cache._cache.items()):
                out.append(key.encode())
                out.append(value if isinstance(value, bytes) else pickle.dumps(value))
        else:  # file based: the files hold pickles
            from pathlib import Path

            for path in Path(settings.CACHES[alias]["LOCATION"]).glob("*"):
                if path.is_file():
                    out.append(path.read_bytes())
    return b"\n".join(out)


def _log_text(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
        if record.exc_info:
            import traceback

            parts.append("".join(traceback.format_exception(*record.exc_info)))
        parts.append(repr(record.__dict__))
    return "\n".join(parts)


@pytest.mark.django_db
def test_rtsp_passwords_and_api_keys_never_reach_logs_cache_or_responses(api_client, caplog, staff_user):
    caplog.set_level(logging.DEBUG)
    bodies: list[bytes] = []

    def keep(response):
        bodies.append(response.content if not getattr(response, "streaming", False) else b"".join(response))
        bodies.append(repr(sorted(response.items())).encode())
        return response

    created = keep(
        api_client.post(
            "/api/cameras",
            {
                "name": "Driveway",
                "folder_path": "/export/foscam/driveway",
                "ingestion_mode": "onvif",
                "rtsp_url": f"rtsp://{RTSP_USER}:{RTSP_PASSWORD}@127.0.0.1:9/stream1",
                # nothing listens on port 9: the device paths fail fast, and their errors are checked too
                "onvif_url": "http://127.0.0.1:9/onvif/device_service",
            },
            format="json",
        )
    )
    assert created.status_code == 201, created.content
    assert created.json()["rtsp_url"] == "rtsp://127.0.0.1:9/stream1"
    keep(api_client.patch("/api/cameras/driveway", {"rtsp_password": RTSP_PASSWORD + "-2"}, format="json"))
    keep(api_client.get("/api/cameras"))
    keep(api_client.get("/api/cameras?fields=id,rtsp_url"))
    keep(api_client.get(f"/api/cameras?api_key={TEST_API_KEY}"))

    # Every GET route of the project, pointed at this camera (whatever app added it).
    for route in API_ROUTES:
        if "get" in route.methods:
            keep(api_client.get(route.url(default="driveway")))

    # The device and discovery paths, which carry credentials to the outside world. They must exist:
    # a route that disappeared would otherwise skip its own leak check.
    assert {"onvif-ptz", "onvif-discover"} <= {r.label for r in API_ROUTES}
    unreachable = keep(api_client.get("/api/cameras/driveway/onvif/capabilities"))
    assert unreachable.status_code == 503, unreachable.content
    keep(api_client.post("/api/cameras/driveway/onvif/ptz", {"command": "pan", "value": 0.5, "speed": 0.3}, format="json"))
    keep(api_client.post("/api/cameras/driveway/onvif/presets/1", {}, format="json"))
    keep(api_client.post("/api/cameras/onvif/discover",
                         {"subnet": "127.0.0.1/32", "timeout": 1, "username": RTSP_USER, "password": RTSP_PASSWORD},
                         format="json"))

    admin = Client()
    admin.force_login(staff_user)
    keep(admin.get("/admin/cameras/camera/driveway/change/"))
    keep(admin.get("/admin/cameras/camera/"))

    keep(api_client.delete("/api/cameras/driveway"))
    keep(api_client.get("/api/cameras/deleted"))
    keep(api_client.post("/api/cameras/driveway/restore"))

    responses = b"\n".join(bodies)
    cached = _cache_dump()
    logs = _log_text(caplog)
    for secret in (RTSP_PASSWORD, TEST_API_KEY):
        assert secret.encode() not in responses, f"{secret!r} in a response"
        assert secret.encode() not in cached, f"{secret!r} in the cache"
        assert secret not in logs, f"{secret!r} in the logs"
    assert b"driveway" in cached or settings.CACHES["default"]["BACKEND"].endswith("DummyCache")  # the list was cached


@pytest.mark.django_db
def test_an_api_key_is_stored_hashed_only(capsys):
    from django.core.management import call_command

    from nem.models import ApiKey

    call_command("create_api_key", "frontend")
    raw = capsys.readouterr().out.strip()
    row = ApiKey.objects.get(name="frontend")
    assert raw.startswith("nem_")
    assert raw not in (row.key_hash, row.prefix)
    assert len(row.prefix) == 8
    assert Client(HTTP_X_API_KEY=raw).get("/api/cameras").status_code == 200


@pytest.mark.django_db
def test_an_rtsp_password_is_encrypted_at_rest(api_client):
    from django.db import connection

    from cameras.models import Camera

    response = api_client.post(
        "/api/cameras",
        {"name": "Gate", "folder_path": "/export/foscam/gate", "ingestion_mode": "rtsp",
         "rtsp_url": "rtsp://127.0.0.1:9/s", "rtsp_username": RTSP_USER, "rtsp_password": RTSP_PASSWORD},
        format="json",
    )
    assert response.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cameras_camera WHERE id = %s", ["gate"])
        row = cursor.fetchone()
    assert RTSP_PASSWORD not in repr(row)
    # stored, just not in clear: the model decrypts it back
    assert Camera.objects.get(pk="gate").rtsp_password == RTSP_PASSWORD


# --- traversal on every path parameter ------------------------------------------------------

TRAVERSALS = [
    "..",
    "%2e%2e",
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "....//....//etc/passwd",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "..\\..\\windows\\win.ini",
    "..%c0%af..%c0%afetc%c0%afpasswd",
]
NUL_PAYLOADS = ["front_door%00.jpg", "%00", "..%00/etc/passwd"]


def _traversal_failures(route, client, payloads) -> list[str]:
    client.raise_request_exception = False  # a 500 is a finding to list, not a crash of the test
    failures = []
    for param in route.params:
        for payload in payloads:
            url = route.url({param: payload})
            for method in route.methods:
                response = _request(client, method, url)
                body = response.content if not getattr(response, "streaming", False) else b"".join(response)
                ok = (
                    400 <= response.status_code < 500
                    and response["Content-Type"].startswith(PROBLEM)
                    and b"root:" not in body
                    and b"[fonts]" not in body
                )
                if not ok:
                    failures.append(f"{method.upper()} {url} -> {response.status_code} {response['Content-Type']}")
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("route", PARAM_ROUTES, ids=lambda r: r.label)
def test_traversal_on_every_path_parameter_is_a_4xx_problem(route, api_client, camera, media_root):
    (media_root / "front_door").mkdir()
    failures = _traversal_failures(route, api_client, TRAVERSALS)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("route", PARAM_ROUTES, ids=lambda r: r.label)
def test_nul_in_a_path_parameter_is_a_4xx_problem(route, api_client, camera):
    """PostgreSQL refuses NUL in text: a NUL that reached a query would be a 500 there."""
    failures = _traversal_failures(route, api_client, NUL_PAYLOADS)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "folder_path",
    ["/export/foscam/../../etc", "../etc/passwd", "/export/foscam/a/..", "/export/foscam/\x00x", "C:\\x"],
)
def test_a_folder_path_with_traversal_is_refused(api_client, folder_path):
    response = api_client.post("/api/cameras", {"name": "Bad", "folder_path": folder_path}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "folder_path"


# --- request bodies: nesting, NUL and control characters, size ------------------------

BODY_ROUTES = [r for r in GUARDED if set(r.methods) & {"post", "put", "patch"}]
NESTED_BODIES = ["[" * 50_000, '{"a":' * 50_000, '{"detections": ' + "[" * 40 + "]" * 40 + "}"]
NUL_BODIES = [
    {"id": "a\x00b", "name": "n\x00", "folder_path": "/x/\x00", "camera_id": "a\x00b", "subnet": "10.0.0.0/24\x00"},
    {"detections": [{"camera_id": "front\x00door", "detected_at": "2026-01-01T00:00:00Z", "object_type": "person", "confidence": 0.5}]},
    {"command": "pan\x00", "value": 0.1, "speed": 0.1, "update_reference": True, "k\x00": 1},
    {"camera_id": "front\x1bdoor", "object_type": "per\nson", "token": "t\x7f"},
]


def _body_failures(route: Route, client, bodies: list[str]) -> list[str]:
    failures = []
    for method in set(route.methods) & {"post", "put", "patch"}:
        for body in bodies:
            response = getattr(client, method)(route.url(), data=body, content_type="application/json")
            # A view that never reads its body (baseline reset) may succeed; nothing may be a 5xx,
            # and every refusal is a problem document.
            refused = response.status_code >= 400
            if response.status_code >= 500 or (refused and not response["Content-Type"].startswith(PROBLEM)):
                failures.append(f"{method.upper()} {route.url()} -> {response.status_code} {response['Content-Type']}")
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.label)
def test_every_json_endpoint_answers_a_deeply_nested_body_with_a_problem(route, api_client, camera):
    failures = _body_failures(route, api_client, NESTED_BODIES)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.label)
def test_every_json_endpoint_answers_nul_and_control_characters_with_a_problem(route, api_client, camera):
    failures = _body_failures(route, api_client, [json.dumps(b) for b in NUL_BODIES])
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_nesting_beyond_the_limit_is_a_422_naming_the_body(api_client, settings, problem_doc):
    response = api_client.post("/api/detections", data="[" * 50_000, content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    message = f"The body is nested deeper than {settings.NEM_JSON_MAX_DEPTH} levels"
    assert response.json() == problem_doc(
        "validation-error",
        f"Request validation failed: body: {message}",
        "/api/detections",
        errors=[{"field": "body", "message": message}],
    )
    settings.NEM_JSON_MAX_DEPTH = 3
    response = api_client.post("/api/detections", {"detections": [{"camera_id": {"x": 1}}]}, format="json")
    assert response.json()["errors"] == [
        {"field": "detections.0.camera_id", "message": "The body is nested deeper than 3 levels"}
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"detections": [{"camera_id": "front\x00door"}]}, "detections.0.camera_id", "Null characters are not allowed."),
        (
            {"detections": [{"camera_id": "front\x1bdoor"}]},
            "detections.0.camera_id",
            "Control characters (tab, newline, escape...) are not allowed in an identifier",
        ),
        (
            {"detections": [{"camera_id": "front_door", "object_type": "per\tson"}]},
            "detections.0.object_type",
            "Control characters (tab, newline, escape...) are not allowed in an identifier",
        ),
    ],
)
def test_control_characters_in_identifier_fields_are_a_422(api_client, camera, body, field, message):
    """A NUL in a detection's camera_id used to be a 500 on PostgreSQL."""
    response = api_client.post("/api/detections", body, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_a_413_problem(api_client, settings, problem_doc):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client.post(
        "/api/detections", {"detections": [{"camera_id": "x" * 2000}]}, format="json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert response.json() == problem_doc(
        "request-too-large",
        "The request body is too large: at most 1000 bytes and "
        f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields are accepted.",
        "/api/detections",
    )


@pytest.mark.django_db
def test_django_level_400_and_403_are_problem_documents(rf):
    from nem.errors import handler400, handler403

    response = Client().get("/api/cameras", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Bad request."
    forbidden = handler403(rf.get("/api/cameras"))
    assert forbidden.status_code == 403 and forbidden["Content-Type"] == PROBLEM
    assert json.loads(forbidden.content)["instance"] == "/api/cameras"
    assert handler400(rf.get("/api/x")).status_code == 400
