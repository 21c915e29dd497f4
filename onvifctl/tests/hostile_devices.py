"""Hostile HTTP servers on 127.0.0.1 for the device-call bounds: a device that drips its answer one
byte at a time, one that redirects, one that answers without end, and one that leaks a banner in
a SOAP fault. Each records what it saw (connections, and whether the client hung up early)."""

from __future__ import annotations

import socket
import threading
import time


class HostileDevice:
    """``mode``: ``drip`` (one byte per ``drip_seconds``, ``drip_bytes`` in all), ``redirect``
    (307 to ``location``), ``flood`` (a chunked body without end), ``fault`` (a SOAP fault whose
    reason is ``banner``), ``http500`` (an HTML error page with the banner)."""

    def __init__(
        self, mode: str, *, drip_seconds: float = 0.2, drip_bytes: int = 40, location: str = "", banner: str = ""
    ):
        self.mode = mode
        self.drip_seconds = drip_seconds
        self.drip_bytes = drip_bytes
        self.location = location
        self.banner = banner
        self.connections = 0
        self.hung_up_early = threading.Event()
        self.finished = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/onvif/device_service"

    def _serve(self):
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_request(self, conn):
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk

    def _handle(self, conn):
        try:
            self._read_request(conn)
            getattr(self, f"_{self.mode}")(conn)
        except OSError:
            self.hung_up_early.set()
        finally:
            conn.close()
            self.finished.set()

    def _drip(self, conn):
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: 5000\r\n\r\n"
        for byte in (answer + b"<" * 5000)[: self.drip_bytes]:
            if self._stop.is_set():
                return
            conn.sendall(bytes([byte]))
            time.sleep(self.drip_seconds)
        # Still here after every byte: nobody hung up on us.

    def _redirect(self, conn):
        conn.sendall(
            f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {self.location}\r\nContent-Length: 0\r\n\r\n".encode()
        )

    def _flood(self, conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"<a>" * 20000
        line = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        for _ in range(2000):  # 120 MB at most
            if self._stop.is_set():
                return
            conn.sendall(line)

    def _fault(self, conn):
        body = (
            '<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
            "<s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code>"
            f'<s:Reason><s:Text xml:lang="en">{self.banner}</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>'
        ).encode()
        conn.sendall(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/soap+xml\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    def _http500(self, conn):
        body = f"<html><body>{self.banner}</body></html>".encode()
        conn.sendall(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    def stop(self):
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=2)
