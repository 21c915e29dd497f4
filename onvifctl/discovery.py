"""WS-Discovery over plain UDP sockets, with wsdiscovery's message codec only.

wsdiscovery's own ``ThreadedWSDiscovery.start()`` joins the multicast group and sends Hello/Probe on
every non-loopback interface, and its directed unicast probe never reads the reply (see the
toolchain notes). So this module builds the Probe with wsdiscovery and does the networking itself:

- unicast: one Probe to ``<host>:<port>`` for every host of the requested subnet (EdgeX's
  "netscan"), which reaches cameras on other subnets and behind routers that drop multicast;
- multicast: one Probe to 239.255.255.250:3702 out of each non-loopback IPv4 interface whose
  network overlaps the subnet, only when the caller allows it. The answers come back unicast to
  the sending socket, so no group is joined (no IGMP, no IP_ADD_MEMBERSHIP).

Answers are yielded as they arrive, so the caller can start fetching a device's details while
others are still answering.
"""

from __future__ import annotations

import ipaddress
import logging
import selectors
import socket
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from wsdiscovery import QName
from wsdiscovery.actions import constructProbe
from wsdiscovery.message import createSOAPMessage, parseSOAPMessage
from wsdiscovery.namespaces import NS_ACTION_PROBE_MATCH

logger = logging.getLogger(__name__)

NVT = QName("http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter", "dn")
MULTICAST_GROUP = "239.255.255.250"
MAX_DATAGRAM = 65535

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class ProbeMatch:
    """One device's answer: its endpoint reference (stable id), the addresses it reports, its
    scopes, and the address the answer came from."""

    epr: str
    xaddrs: list[str]
    scopes: list[str]
    source_ip: str
    device_url: str = ""
    ip: str = ""
    port: int = 0


def multicast_interfaces(network: Network, adapters: Sequence | None = None) -> list[ipaddress.IPv4Interface]:
    """The non-loopback, non-link-local IPv4 interfaces whose network overlaps ``network``: a
    Probe multicast anywhere else could not reach the requested subnet. ``adapters`` defaults to
    the machine's (``ifaddr``); tests pass their own list."""
    if network.version != 4:
        return []
    if adapters is None:
        import ifaddr

        adapters = ifaddr.get_adapters()
    out = []
    for adapter in adapters:
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries are tuples
            interface = ipaddress.IPv4Interface(f"{ip.ip}/{ip.network_prefix}")
            if interface.ip.is_loopback or interface.ip.is_link_local:
                continue
            if interface.network.overlaps(network):
                out.append(interface)
    return out


def probe_hosts(network: Network) -> Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every host address of the subnet (a /32 or /128 is its one address)."""
    return iter(network.hosts()) if network.num_addresses > 1 else iter([network.network_address])


def _host_of(url: str) -> tuple[str | None, int | None, str]:
    try:
        parts = urllib.parse.urlsplit(url)
        return parts.hostname, parts.port, parts.scheme
    except ValueError:
        return None, None, ""


def _in(network: Network, host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host) in network
    except ValueError:
        return False  # a host name: we cannot tell where it is


def locate(match: ProbeMatch, network: Network) -> bool:
    """Pick the device URL for a match and say whether it is inside ``network``.

    The first http(s) XAddr whose host is inside the subnet wins. Otherwise the first http(s)
    XAddr is rewritten to the address the answer came from, when that one is inside: cameras often
    report a stale or NAT'd address, and the one that answered is the one we can reach."""
    urls = [x for x in match.xaddrs if x.lower().startswith(("http://", "https://"))]
    chosen = next((u for u in urls if _in(network, _host_of(u)[0])), None)
    if chosen is None and urls and _in(network, match.source_ip):
        parts = urllib.parse.urlsplit(urls[0])
        host = f"[{match.source_ip}]" if ":" in match.source_ip else match.source_ip
        port = parts.port
        netloc = f"{host}:{port}" if port else host
        chosen = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    if chosen is None:
        return False
    host, port, scheme = _host_of(chosen)
    match.device_url = chosen
    match.ip = host or ""
    match.port = port or (443 if scheme == "https" else 80)
    return True


def _scope_value(scopes: list[str], prefix: str) -> str | None:
    for scope in scopes:
        if scope.lower().startswith(prefix):
            value = urllib.parse.unquote(scope[len(prefix) :]).strip()
            if value:
                return value
    return None


def scope_attributes(scopes: list[str]) -> dict[str, str | None]:
    """What the ONVIF scopes say without credentials. ``name`` is the device's display name, not
    its manufacturer (the earlier system mixed them up)."""
    return {
        "model": _scope_value(scopes, "onvif://www.onvif.org/hardware/"),
        "manufacturer": _scope_value(scopes, "onvif://www.onvif.org/manufacturer/")
        or _scope_value(scopes, "onvif://www.onvif.org/mfr/"),
        "name": _scope_value(scopes, "onvif://www.onvif.org/name/"),
    }


def _parse(data: bytes, source_ip: str, message_id: str) -> list[ProbeMatch]:
    try:
        env = parseSOAPMessage(data, source_ip)
        if env is None or env.getAction() != NS_ACTION_PROBE_MATCH or env.getRelatesTo() != message_id:
            return []
        return [
            ProbeMatch(
                epr=str(m.getEPR()),
                xaddrs=[str(x) for x in m.getXAddrs()],
                scopes=[s.getValue() if hasattr(s, "getValue") else str(s) for s in m.getScopes()],
                source_ip=source_ip,
            )
            for m in env.getProbeResolveMatches()
        ]
    except Exception:  # a malformed answer from a LAN device is skipped, not fatal
        logger.debug("discovery: unreadable answer from %s", source_ip)
        return []


def probe(
    *,
    network: Network,
    port: int,
    listen_seconds: float,
    multicast_from: Sequence[ipaddress.IPv4Interface] = (),
) -> Iterator[ProbeMatch]:
    """Send the Probes and yield every ProbeMatch answering them until ``listen_seconds`` pass."""
    env = constructProbe([NVT], [])
    message = createSOAPMessage(env).encode()
    message_id = env.getMessageId()
    deadline = time.monotonic() + listen_seconds
    family = socket.AF_INET6 if network.version == 6 else socket.AF_INET
    sockets: list[socket.socket] = []
    selector = selectors.DefaultSelector()
    try:
        unicast = socket.socket(family, socket.SOCK_DGRAM)
        sockets.append(unicast)
        unicast.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
        for host in probe_hosts(network):
            try:
                unicast.sendto(message, (str(host), port))
            except OSError as exc:  # no route to one host must not end the scan
                logger.debug("discovery: probe to %s failed: %s", host, exc)
        for interface in multicast_from:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sockets.append(sock)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, interface.ip.packed)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)  # the local segment only
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
            sock.bind((str(interface.ip), 0))
            try:
                sock.sendto(message, (MULTICAST_GROUP, 3702))
            except OSError as exc:
                logger.info("discovery: multicast probe on %s failed: %s", interface, exc)
        for sock in sockets:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while (remaining := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(timeout=remaining):
                try:
                    data, address = key.fileobj.recvfrom(MAX_DATAGRAM)
                except OSError:
                    continue
                yield from _parse(data, address[0], message_id)
    finally:
        selector.close()
        for sock in sockets:
            sock.close()
