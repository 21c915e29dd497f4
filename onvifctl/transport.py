"""HTTP for device calls: one total deadline for the whole exchange, a response size cap, no
redirects, and the device-network rule checked right before connecting.

requests (and urllib3 under it) bound each socket read, not the exchange: a device dripping one
byte per read keeps a call alive for as long as it likes. ``DeviceHTTPAdapter`` is a requests
transport adapter (mounted on the session zeep uses) that does the exchange with ``http.client``
over a socket whose every read and write is bounded by the time left until the call's deadline,
reads at most ``max_bytes`` of body, and never follows a redirect (a device that answers 3xx could
otherwise send our POST, and its WS-Security digest, anywhere). It connects to the address that
``cameras.netpolicy`` checked, so a DNS answer that changes between the check and the connect
cannot lead outside NEM_DEVICE_NETWORKS.

Its errors subclass requests' own, so zeep and onvif-zeep pass them through unchanged and the
adapter's ``classify_error`` turns them into our error classes.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
import urllib.parse

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from cameras import netpolicy


class DeadlineExceeded(requests.exceptions.Timeout):
    """The whole exchange took longer than its deadline."""


class AddressRefused(requests.exceptions.ConnectionError):
    """The device host is outside NEM_DEVICE_NETWORKS (or does not resolve)."""


class RedirectRefused(requests.exceptions.RequestException):
    """The device answered with a redirect; device calls never follow one."""


class ResponseTooLarge(requests.exceptions.RequestException):
    """The device answered with more than the allowed number of bytes."""


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket):
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.bound()
        return self._sock.raw.recv_into(buffer)


class _DeadlineSocket:
    """What ``http.client`` needs of a socket (``sendall``, ``makefile``, ``close``), with each
    operation's timeout set to the time left until ``deadline``."""

    def __init__(self, raw: socket.socket, deadline: float):
        self.raw = raw
        self.deadline = deadline

    def bound(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("device call deadline passed")
        self.raw.settimeout(remaining)

    def sendall(self, data) -> None:
        self.bound()
        self.raw.sendall(data)

    def makefile(self, mode: str = "rb", *args, **kwargs):
        return io.BufferedReader(_DeadlineReader(self))

    def close(self) -> None:
        self.raw.close()


class _Connection(http.client.HTTPConnection):
    def __init__(
        self,
        address: str,
        port: int,
        *,
        tls: ssl.SSLContext | None,
        server_name: str,
        connect_timeout: float,
        deadline: float,
    ):
        super().__init__(address, port)
        self._tls = tls
        self._server_name = server_name
        self._connect_timeout = connect_timeout
        self._deadline = deadline

    def connect(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("device call deadline passed")
        raw = socket.create_connection((self.host, self.port), timeout=min(self._connect_timeout, remaining))
        try:
            if self._tls is not None:
                raw.settimeout(max(0.001, self._deadline - time.monotonic()))
                raw = self._tls.wrap_socket(raw, server_hostname=self._server_name)
        except BaseException:
            raw.close()
            raise
        self.sock = _DeadlineSocket(raw, self._deadline)


def _tls_context(verify) -> ssl.SSLContext:
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return ssl.create_default_context()


class DeviceHTTPAdapter(BaseAdapter):
    """A requests transport adapter for device calls (see the module docstring).

    ``timeout`` bounds every exchange as a whole; ``deadline`` (a ``time.monotonic()`` instant)
    additionally bounds every exchange of this adapter's lifetime, for callers with an overall
    budget (discovery)."""

    def __init__(self, *, connect_timeout: float, timeout: float, max_bytes: int, deadline: float | None = None):
        super().__init__()
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline = deadline

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        deadline = time.monotonic() + self.timeout
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        parts = urllib.parse.urlsplit(request.url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        try:
            addresses = netpolicy.check_host(host, port)
        except netpolicy.DeviceAddressRefused as exc:
            raise AddressRefused(str(exc), request=request) from None
        connection = _Connection(
            str(addresses[0]),
            port,
            tls=_tls_context(verify) if scheme == "https" else None,
            server_name=host,
            connect_timeout=self.connect_timeout,
            deadline=deadline,
        )
        headers = {"Host": parts.netloc.rsplit("@", 1)[-1], **dict(request.headers)}
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            connection.request(request.method, target, body=request.body, headers=headers)
            answer = connection.getresponse()
            if 300 <= answer.status < 400:
                raise RedirectRefused(f"device answered HTTP {answer.status} (a redirect)", request=request)
            length = answer.getheader("Content-Length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                raise ResponseTooLarge(f"device announced {length} bytes", request=request)
            body = answer.read(self.max_bytes + 1)
            if len(body) > self.max_bytes:
                raise ResponseTooLarge(f"device sent more than {self.max_bytes} bytes", request=request)
        except requests.exceptions.RequestException:
            raise
        except TimeoutError:
            raise DeadlineExceeded(f"no complete answer within {self.timeout:g} s", request=request) from None
        except (OSError, http.client.HTTPException) as exc:
            raise requests.exceptions.ConnectionError(type(exc).__name__, request=request) from None
        finally:
            connection.close()
        response = requests.Response()
        response.status_code = answer.status
        response.reason = answer.reason
        response.headers = CaseInsensitiveDict(answer.getheaders())
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = io.BytesIO(body)
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass


def device_session(
    *, connect_timeout: float, timeout: float, max_bytes: int, deadline: float | None = None
) -> requests.Session:
    """A session for zeep's Transport: every http(s) URL goes through a ``DeviceHTTPAdapter``."""
    session = requests.Session()
    session.trust_env = False  # never an environment proxy, never .netrc
    session.max_redirects = 0
    adapter = DeviceHTTPAdapter(
        connect_timeout=connect_timeout, timeout=timeout, max_bytes=max_bytes, deadline=deadline
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
