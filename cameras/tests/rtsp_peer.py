"""The RTSP peer for frame-grab tests: GStreamer's RTSP server on 127.0.0.1, started as a
subprocess of Debian's /usr/bin/python3 (which has the gi bindings; the venv does not)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER_SCRIPT = Path(__file__).with_name("rtsp_gst_server.py")
GI_CHECK = (
    "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); "
    "from gi.repository import GstRtspServer"
)
INSTALL_HINT = (
    "apt-get install -y --no-install-recommends gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly python3-gi"
)


def gst_rtsp_unavailable() -> str | None:
    """Why the GStreamer RTSP server cannot run here, or None if it can."""
    if not os.path.exists(SYSTEM_PYTHON):
        return f"{SYSTEM_PYTHON} not found; the RTSP test peer needs Debian's python3 with gi ({INSTALL_HINT})"
    result = subprocess.run([SYSTEM_PYTHON, "-c", GI_CHECK], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        return f"GStreamer RTSP server bindings missing for {SYSTEM_PYTHON} ({INSTALL_HINT})"
    return None


@dataclass(frozen=True)
class RtspPeer:
    port: int

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/test"


@contextmanager
def rtsp_server(username: str | None = None, password: str | None = None, *, ready_timeout: float = 20.0):
    """Run the server until the block ends; yields an ``RtspPeer``."""
    args = [SYSTEM_PYTHON, str(SERVER_SCRIPT)]
    if username is not None:
        args += [username, password or ""]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], ready_timeout)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("ready "):
            proc.kill()
            raise RuntimeError(f"RTSP test server did not start: {line!r} {proc.stderr.read()[-2000:]!r}")
        yield RtspPeer(port=int(line.split()[1]))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def silent_server():
    """A TCP server on 127.0.0.1 that accepts connections and never answers: without timeouts,
    OpenCV would wait 30 s on it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()
