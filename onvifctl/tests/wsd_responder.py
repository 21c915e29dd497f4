"""A WS-Discovery responder on 127.0.0.1 (random UDP port) for the discovery tests: it answers each
Probe with one ProbeMatch per announced device, built with wsdiscovery's codec. It never joins a
multicast group and never sends anywhere but back to the loopback address that asked.

``reply_from`` (a loopback address such as 127.0.0.3) sends the answers from another address,
like a device outside the requested subnet answering a multicast probe.
"""

from __future__ import annotations

import socket
import threading
import uuid
from dataclasses import dataclass, field

from wsdiscovery import Scope
from wsdiscovery.actions import constructProbeMatch
from wsdiscovery.message import createSOAPMessage, parseSOAPMessage
from wsdiscovery.namespaces import NS_ACTION_PROBE
from wsdiscovery.service import Service

from onvifctl.discovery import NVT


@dataclass
class Announced:
    xaddrs: list[str]
    scopes: list[str] = field(default_factory=list)
    epr: str = field(default_factory=lambda: uuid.uuid4().urn)


class WsDiscoveryResponder:
    def __init__(self, *, host: str = "127.0.0.1", reply_from: str | None = None):
        self.devices: list[Announced] = []
        self.probes: list[tuple[str, int]] = []  # who probed us
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self._sock.settimeout(0.1)
        self._reply = self._sock
        if reply_from:
            self._reply = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._reply.bind((reply_from, 0))
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def announce(self, xaddrs: list[str], scopes: list[str] = (), epr: str | None = None) -> Announced:
        device = Announced(xaddrs=list(xaddrs), scopes=list(scopes))
        if epr:
            device.epr = epr
        self.devices.append(device)
        return device

    def start(self) -> WsDiscoveryResponder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        self._sock.close()
        if self._reply is not self._sock:
            self._reply.close()

    def __enter__(self) -> WsDiscoveryResponder:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                data, address = self._sock.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            env = parseSOAPMessage(data, address[0])
            if env is None or env.getAction() != NS_ACTION_PROBE:
                continue
            self.probes.append(address)
            for device in self.devices:  # one datagram per device, as separate cameras would send
                service = Service([NVT], [Scope(s) for s in device.scopes], device.xaddrs, device.epr, 1)
                answer = createSOAPMessage(constructProbeMatch([service], env.getMessageId()))
                self._reply.sendto(answer.encode(), address)
