"""Tiny hostile peers for the security tests, on 127.0.0.1: an RTSP listener that answers every
request with 401 Basic and records what it was sent (an ``Authorization`` header is a leaked
password)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager


class RecordingRtspListener:
    """Accepts RTSP connections and answers each request ``401 Unauthorized`` with a Basic
    challenge, which makes a client holding credentials send them in clear."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/stream"

    def authorizations(self) -> list[str]:
        with self._lock:
            return [
                line.split(":", 1)[1].strip()
                for request in self.requests
                for line in request.split("\r\n")
                if line.lower().startswith("authorization:")
            ]

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket):
        conn.settimeout(5)
        buffer = b""
        try:
            while not self._stop.is_set():
                data = conn.recv(4096)
                if not data:
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    text = head.decode("latin-1")
                    with self._lock:
                        self.requests.append(text)
                    cseq = next(
                        (
                            line.split(":", 1)[1].strip()
                            for line in text.split("\r\n")
                            if line.lower().startswith("cseq:")
                        ),
                        "1",
                    )
                    conn.sendall(
                        f'RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: Basic realm="cam"\r\n'
                        "Content-Length: 0\r\n\r\n".encode()
                    )
        except OSError:
            return
        finally:
            conn.close()

    def close(self):
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=2)


@contextmanager
def recording_rtsp_listener():
    listener = RecordingRtspListener()
    try:
        yield listener
    finally:
        listener.close()


class DrippingRtspListener:
    """Accepts one RTSP connection and answers its first request one byte every ``drip_seconds``:
    each read gets a byte well within any per-read timeout. Records whether the client hung up
    before the answer was complete."""

    def __init__(self, *, drip_seconds: float = 0.2, answer_bytes: int = 200):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.drip_seconds = drip_seconds
        self.answer = (b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: drip\r\nX-Pad: " + b"x" * answer_bytes)[:answer_bytes]
        self.hung_up_early = threading.Event()
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/stream"

    def _serve(self):
        self.sock.settimeout(10)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            self.finished.set()
            return
        try:
            conn.settimeout(5)
            conn.recv(4096)
            for byte in self.answer:
                if self._stop.is_set():
                    return
                conn.sendall(bytes([byte]))
                time.sleep(self.drip_seconds)
        except OSError:
            self.hung_up_early.set()
        finally:
            conn.close()
            self.finished.set()

    def close(self):
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=2)
