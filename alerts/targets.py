"""Which hosts a webhook or push delivery may reach.

Alert targets are on the internet or the LAN (ntfy, a Home Assistant webhook, Gotify). This host
(loopback) is refused unless ``NEM_ALERT_ALLOW_LOOPBACK_TARGETS`` is on (a receiver on the same
machine); link-local addresses (cloud metadata at 169.254.169.254), the unspecified and multicast
addresses are never a target. The rule is checked when an endpoint is saved (422) and again before each send, because
DNS can change in between. Redirects are never followed (a 3xx is a failed attempt), so a target
cannot bounce a delivery onto a refused address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

# Apprise schemes whose host part is a network host we connect to (the others carry tokens
# in that place, and the library talks to the service's public API).
APPRISE_HOST_SCHEMES = frozenset(
    {"json", "jsons", "xml", "xmls", "form", "forms", "ntfy", "ntfys", "gotify", "gotifys", "mailto", "mailtos"}
)


class TargetRefused(Exception):
    """The target's host is (or resolves to) a refused address. ``str()`` never carries credentials."""


def _plain(address):
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_refused(address) -> str:
    """Why ``address`` is refused, or "" when it is allowed."""
    address = _plain(address)
    if address.is_unspecified or address.is_multicast:
        return "unspecified or multicast address"
    if address.is_link_local:
        return "link-local address (cloud metadata lives there; never an alert target)"
    if address.is_loopback and not settings.NEM_ALERT_ALLOW_LOOPBACK_TARGETS:
        return "loopback address (set NEM_ALERT_ALLOW_LOOPBACK_TARGETS to allow)"
    return ""


def host_check(host: str, port: int | None, *, resolve: bool = True) -> None:
    host = (host or "").strip("[]")
    if not host:
        raise TargetRefused("the URL has no host")
    try:
        addresses = [ipaddress.ip_address(host.split("%")[0])]
    except ValueError:
        if host.lower() == "localhost" or host.lower().endswith(".localhost"):
            addresses = [ipaddress.ip_address("127.0.0.1")]
        elif not resolve:
            return
        else:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                raise TargetRefused(f"host {host!r} does not resolve") from None
            addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        why = address_refused(address)
        if why:
            raise TargetRefused(f"{host} is a {why}")


def webhook_url_check(url: str, *, resolve: bool = True) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("a webhook URL must be http:// or https://")
    host_check(parts.hostname or "", parts.port, resolve=resolve)


def apprise_url_check(url: str, *, resolve: bool = True) -> None:
    parts = urlsplit(url)
    if not parts.scheme:
        raise TargetRefused("an Apprise URL needs a scheme such as ntfys:// or json://")
    if parts.scheme.lower() in APPRISE_HOST_SCHEMES:
        host_check(parts.hostname or "", parts.port, resolve=resolve)


def redacted(url: str) -> str:
    """scheme://host[:port]/… for display: paths, queries and user info may hold tokens."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme.lower() not in APPRISE_HOST_SCHEMES | {"http", "https"}:
        return f"{parts.scheme}://…"
    port = f":{parts.port}" if parts.port else ""
    tail = "/…" if (parts.path not in ("", "/") or parts.query) else ""
    return f"{parts.scheme}://{host}{port}{tail}"
