"""Which addresses a connection to a camera may go to: ``NEM_DEVICE_NETWORKS``.

Every outbound connection to a device (RTSP grab, ONVIF call, discovery probe, the detail fetch of
a discovered device) resolves the host and refuses it unless *every* address it resolves to is
inside one of the listed networks. The rule is checked when a URL is saved (a 422 naming it) and
again right before connecting, because DNS can change in between; callers then connect to the
address that was checked, not to the name, so a second lookup cannot lead elsewhere.

Loopback and link-local addresses (the host itself, cloud metadata at 169.254.169.254) are only
allowed when a listed network is itself loopback or link-local: listing ``0.0.0.0/0`` does not
open them. The unspecified and multicast addresses are never a device.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import urllib.parse
from collections.abc import Iterable

from django.conf import settings

# RFC 1918 and the IPv6 unique local range: where cameras live on a home or office LAN.
DEFAULT_DEVICE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}


class DeviceAddressRefused(Exception):
    """The host is, or resolves to, an address outside NEM_DEVICE_NETWORKS. ``str()`` names the
    rule and the address; it never carries credentials."""


class DeviceHostUnresolvable(DeviceAddressRefused):
    """The host name does not resolve (at connect time this refuses the connection too)."""


@functools.lru_cache(maxsize=8)
def parse_networks(raw: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in raw if item.strip())


def device_networks() -> tuple[Network, ...]:
    return parse_networks(tuple(settings.NEM_DEVICE_NETWORKS))


def rule_text() -> str:
    return "NEM_DEVICE_NETWORKS (" + ", ".join(str(n) for n in device_networks()) + ")"


def _special(network_or_address) -> bool:
    return network_or_address.is_loopback or network_or_address.is_link_local


def _plain(address: Address) -> Address:
    # ::ffff:127.0.0.1 reaches 127.0.0.1: judge it as the IPv4 address it is.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_allowed(address: Address | str, networks: Iterable[Network] | None = None) -> bool:
    address = _plain(ipaddress.ip_address(address) if isinstance(address, str) else address)
    if address.is_unspecified or address.is_multicast:
        return False
    special = _special(address)
    for network in device_networks() if networks is None else networks:
        if network.version != address.version or address not in network:
            continue
        # A broad entry (0.0.0.0/0) never opens loopback or link-local: only an entry inside them.
        if special and not (network.network_address.is_loopback or network.network_address.is_link_local):
            continue
        return True
    return False


def network_allowed(network: Network) -> bool:
    """Whether every address of ``network`` is allowed (for discovery subnets)."""
    return any(
        network.version == allowed.version
        and network.subnet_of(allowed)
        and (not _special(network) or _special(allowed.network_address))
        for allowed in device_networks()
    ) and not (network.network_address.is_unspecified or network.is_multicast)


def resolve(host: str, port: int | None) -> list[Address]:
    """The addresses ``host`` resolves to (an IP literal is itself), or DeviceHostUnresolvable."""
    host = host.strip("[]")
    try:
        return [ipaddress.ip_address(host.split("%")[0])]
    except ValueError:
        pass
    if not getattr(settings, "NEM_DEVICE_DNS", True) and host.lower() != "localhost":
        # Tests: no query ever leaves the machine (the resolver is not a loopback peer).
        raise DeviceHostUnresolvable(f"host {host!r} does not resolve")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise DeviceHostUnresolvable(f"host {host!r} does not resolve") from None
    seen: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address not in seen:
            seen.append(address)
    if not seen:
        raise DeviceHostUnresolvable(f"host {host!r} does not resolve")
    return seen


def check_host(host: str, port: int | None) -> list[Address]:
    """The host's addresses, all allowed, or DeviceAddressRefused naming the rule."""
    addresses = resolve(host, port)
    refused = [a for a in addresses if not address_allowed(a)]
    if refused:
        literal = host.strip("[]")
        shown = literal if _is_literal(literal) else f"{host} ({refused[0]})"
        raise DeviceAddressRefused(f"{shown} is outside {rule_text()}")
    return addresses


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def url_host_port(url: str) -> tuple[str, int | None, str]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return parts.hostname or "", parts.port or DEFAULT_PORTS.get(scheme), scheme


def check_url_on_save(url: str) -> None:
    """Save-time check of a device URL. A name that does not resolve now is accepted (the camera
    may be configured before it is plugged in); the connect-time check refuses it until it does."""
    host, port, _scheme = url_host_port(url)
    if not host:
        return
    try:
        check_host(host, port)
    except DeviceHostUnresolvable:
        return


def origin(url: str | None) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the scheme's default port filled in: credentials belong to this."""
    if not url:
        return None
    try:
        host, port, scheme = url_host_port(url)
    except ValueError:
        return None
    return scheme, host.lower(), port
