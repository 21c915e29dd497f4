"""The admin in a real browser: a NEM server on a free 127.0.0.1 port (``manage.py runserver``
on a fresh SQLite file with the demo data, scanned and health-judged) and headless Debian
Chromium driven by Selenium. Screenshots go to screenshots/ (git-ignored)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("NEM_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("NEM_E2E_CHROMEDRIVER", "/usr/bin/chromedriver")
ADMIN_USER, ADMIN_PASSWORD = "e2e-admin", "e2e-admin-password-9"
API_KEY = "test-api-key-for-the-test-suite-only-0001"  # NEM_API_KEYS of nem.settings.test, which the server runs with


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives the admin in headless Chromium (needs chromium, chromium-driver)")


def _missing() -> str | None:
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        return f"Chromium not installed ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed in the venv (requirements-dev.txt)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NemServer:
    """runserver on a fresh SQLite file in a temp dir: migrated, a superuser, the demo data."""

    def __init__(self, tmp: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="nem.settings.test",
            DATABASE_URL=f"sqlite:///{tmp / 'e2e.sqlite3'}",
            NEM_MEDIA_ROOT=str(tmp / "media"),
            NEM_VAR_DIR=str(tmp / "var"),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
            PYTHONDONTWRITEBYTECODE="1",
        )
        (tmp / "media").mkdir()
        self._manage("migrate", "--noinput", "-v0")
        self._manage("createsuperuser", "--noinput", "--username", ADMIN_USER, "--email", "e2e@example.org")
        self.seeded = self._manage("seed_demo").stdout.strip()
        # What the periodic jobs would have done by now: the snapshots known, the health judged.
        self._manage("scan_media")
        self._manage("evaluate_health")
        self.log = (tmp / "server.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"runserver exited: {(tmp / 'server.log').read_text()[-2000:]}")
            try:
                if self.api("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("runserver did not answer /health within 30 s")

    def _manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, timeout=180)

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"X-API-Key": API_KEY, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw.startswith(b"{") else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture(scope="module")
def e2e_tmp():
    path = Path(tempfile.mkdtemp(prefix="nem-e2e-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def nem_server(e2e_tmp):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    server = NemServer(e2e_tmp)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(nem_server, e2e_tmp):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1366,1000", f"--user-data-dir={e2e_tmp / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    SCREENSHOTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()
