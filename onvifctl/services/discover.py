"""Finding ONVIF devices on a subnet (WS-Discovery probes, then what each device tells about itself)."""

from __future__ import annotations

import ipaddress
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings

from cameras import netpolicy
from nem.errors import InvalidInput
from onvifctl import discovery
from onvifctl.adapter import DeviceAuthFailed, OnvifClient, OnvifError

logger = logging.getLogger(__name__)

DISCOVERY_WORKERS = 16


def discovery_network(subnet: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The subnet to scan, or a 422: CIDR notation, at most NEM_ONVIF_DISCOVERY_MAX_PREFIX's size."""
    try:
        network = ipaddress.ip_network(subnet.strip(), strict=False)
    except ValueError:
        raise InvalidInput({"subnet": [f"'{subnet}' is not a subnet in CIDR notation, e.g. 192.168.1.0/24"]}) from None
    if not netpolicy.network_allowed(network):
        raise InvalidInput(
            {"subnet": [f"{network} is not inside {netpolicy.rule_text()}: discovery probes device networks only"]}
        )
    max_prefix = settings.NEM_ONVIF_DISCOVERY_MAX_PREFIX
    limit = 2 ** (32 - max_prefix)
    if network.num_addresses > limit:
        raise InvalidInput(
            {
                "subnet": [
                    f"{network} has {network.num_addresses} addresses; at most /{max_prefix} ({limit}) "
                    "can be probed in one call: split it into smaller subnets"
                ]
            }
        )
    return network


def _device_details(
    *, device_url: str, username: str, password: str | None, timeout: float, deadline: float | None = None
) -> dict:
    """What the device tells us. GetSystemDateAndTime and GetCapabilities are answered before
    authentication, and many devices answer GetDeviceInformation without it too, so a discovery
    without credentials still asks (nothing is signed). A question the device refuses sets
    ``auth_required`` and leaves its fields null, instead of dropping the device's details."""
    try:
        client = OnvifClient(
            device_url=device_url,
            username=username or None,
            password=password if username else None,
            connect_timeout=min(settings.NEM_ONVIF_CONNECT_TIMEOUT_SECONDS, timeout),
            timeout=timeout,
            max_bytes=settings.NEM_DEVICE_MAX_RESPONSE_BYTES,
            # Every exchange of this fetch ends by then, so the thread running it ends with the request.
            deadline=deadline,
        )
    except DeviceAuthFailed:  # a device strict about a wrong token even on pre-auth calls
        return {"auth_required": True}
    details: dict = {
        "rtsp_urls": [],
        "capabilities": {
            "video": client.capabilities.media,
            "ptz": client.capabilities.ptz,
            "events": client.capabilities.events,
        },
        "auth_required": False,
    }
    try:
        info = client.device_info()
    except DeviceAuthFailed:
        details["auth_required"] = True
        return details
    details.update(
        manufacturer=info.manufacturer,
        model=info.model,
        firmware_version=info.firmware_version,
        serial_number=info.serial_number,
        hardware_id=info.hardware_id,
    )
    if client.capabilities.media:
        try:
            details["rtsp_urls"] = [{"profile": name, "url": url} for name, url in client.stream_uris()]
        except DeviceAuthFailed:  # stream addresses usually need credentials
            details["auth_required"] = True
    return details


def _device_entry(match: discovery.ProbeMatch, details: dict | None) -> dict:
    from_scopes = discovery.scope_attributes(match.scopes)
    entry = {
        "device_url": match.device_url,
        "ip": match.ip,
        "port": match.port,
        "manufacturer": from_scopes["manufacturer"],
        "model": from_scopes["model"],
        "firmware_version": None,
        "serial_number": None,
        "hardware_id": None,
        "rtsp_urls": [],
        "capabilities": None,
        "auth_required": None,
    }
    if details:
        entry.update({k: v for k, v in details.items() if v is not None or k not in ("manufacturer", "model")})
    return entry


def onvif_discover(
    *,
    subnet: str,
    timeout: float,
    username: str | None = None,
    password: str | None = None,
    port: int | None = None,
) -> dict:
    """Find ONVIF devices in ``subnet`` within ``timeout`` seconds.

    1. Probe: unicast to every host of the subnet (and multicast out of the overlapping interfaces
       when NEM_ONVIF_MULTICAST), listening for half the timeout (capped: unicast answers are
       immediate, multicast ones come within WS-Discovery's random delay).
    2. Keep answers whose address is inside the subnet, one per endpoint reference.
    3. Each device's details are fetched in parallel as soon as it answers (with the credentials
       when given, else unauthenticated: what the device answers without them), each bounded by
       NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS and all by the overall deadline; a device that is
       slow keeps the fields its scopes gave (details null), one that refuses a question says so
       (``auth_required``).
    """
    network = discovery_network(subnet)
    started = time.monotonic()
    deadline = started + timeout
    device_timeout = settings.NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS
    interfaces = discovery.multicast_interfaces(network) if settings.NEM_ONVIF_MULTICAST else []
    found: dict[str, discovery.ProbeMatch] = {}
    pending: dict[str, tuple[float, object]] = {}
    details: dict[str, dict] = {}
    executor = ThreadPoolExecutor(max_workers=DISCOVERY_WORKERS, thread_name_prefix="onvif-discover")
    try:
        for match in discovery.probe(
            network=network,
            port=port or settings.NEM_ONVIF_DISCOVERY_PORT,
            listen_seconds=min(timeout / 2, 3.0),
            multicast_from=interfaces,
        ):
            if match.epr in found or not discovery.locate(match, network):
                continue
            found[match.epr] = match
            now = time.monotonic()
            budget = max(0.1, min(device_timeout, deadline - now))
            future = executor.submit(
                _device_details,
                device_url=match.device_url,
                username=username,
                password=password,
                timeout=budget,
                deadline=min(now + budget, deadline),
            )
            pending[match.epr] = (now + budget, future)
        for epr, (device_deadline, future) in pending.items():
            try:
                details[epr] = future.result(timeout=max(0.0, min(device_deadline, deadline) - time.monotonic()))
            except FutureTimeout:
                logger.info("discovery: %s did not give its details in time", found[epr].device_url)
            except OnvifError as exc:
                logger.info("discovery: no details from %s: %s", found[epr].device_url, exc)
    finally:
        # Fetches not started are dropped; running ones end by their deadline (the transport bounds
        # every exchange by it), so waiting here is bounded and no thread outlives the request.
        executor.shutdown(wait=True, cancel_futures=True)
    matches = sorted(found.values(), key=lambda m: (ipaddress.ip_address(m.ip), m.port, m.epr))
    devices = [_device_entry(m, details.get(m.epr)) for m in matches]
    logger.info(
        "discovery of %s: %d device(s) in %.1f s (multicast on %d interface(s))",
        network,
        len(devices),
        time.monotonic() - started,
        len(interfaces),
    )
    return {"devices": devices, "count": len(devices)}
