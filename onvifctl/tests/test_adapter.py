"""The adapter's promises that no endpoint test shows: our logging and the process environment are
left as they were, and device traffic never goes through an environment proxy."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from onvifctl.adapter import OnvifClient

REPO = Path(__file__).resolve().parents[2]


def _fresh_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_importing_the_adapter_leaves_a_configured_root_logger_alone():
    out = _fresh_python(
        """
        import logging
        handler = logging.StreamHandler()
        logging.getLogger().addHandler(handler); logging.getLogger().setLevel(logging.ERROR)
        import onvifctl.adapter
        root = logging.getLogger()
        print(root.handlers == [handler], root.level == logging.ERROR, logging.getLogger("zeep").level)
        """
    )
    assert out == "True True 30"


def test_importing_the_adapter_first_adds_no_root_handler():
    """onvif-zeep's import calls logging.basicConfig(level=INFO); that must not decide our logging."""
    out = _fresh_python(
        """
        import logging
        import onvifctl.adapter
        root = logging.getLogger()
        print(len(root.handlers), root.level == logging.WARNING)
        """
    )
    assert out == "0 True"


def test_proxy_variables_survive_and_are_not_used_for_devices(device, monkeypatch):
    # If the client used this proxy, the loopback guard would fail the test on the connect.
    monkeypatch.setenv("http_proxy", "http://10.255.255.1:3128")
    monkeypatch.setenv("https_proxy", "http://10.255.255.1:3128")

    client = OnvifClient(device_url=device.url, username="admin", password="secret", timeout=2)
    info = client.device_info()

    assert info.model == "SIM-PTZ-1"
    assert os.environ["http_proxy"] == "http://10.255.255.1:3128"
    assert os.environ["https_proxy"] == "http://10.255.255.1:3128"


def test_a_camera_without_credentials_sends_no_username_token(device):
    client = OnvifClient(device_url=device.url, username=None, password=None, timeout=2)

    assert client.capabilities.ptz is True
    assert "UsernameToken" not in device.calls_of("GetCapabilities")[0].xml
    assert not device.calls_of("GetCapabilities")[0].authenticated


def test_the_adapter_and_the_services_do_not_import_rest_framework():
    """HTTP is the views' business: the adapter and the services speak in domain errors."""
    import ast

    app = REPO / "onvifctl"
    files = sorted((app / "adapter").glob("*.py")) + sorted((app / "services").glob("*.py"))
    assert len(files) >= 8
    offending = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offending += [f"{path.name}: {name}" for name in names if name.startswith("rest_framework")]
    assert offending == []
