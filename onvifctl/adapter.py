"""The only module that imports onvif-zeep: an ONVIF device client with our timeouts, our errors
and our logging. Swap the library by rewriting this file; nothing else knows it exists.

What it does differently from ``onvif.ONVIFCamera`` (and why):

- Every SOAP exchange has one total deadline and a size cap, follows no redirect, and goes only to
  an address inside NEM_DEVICE_NETWORKS (``onvifctl.transport``); onvif-zeep has no bound at all
  by default and waits forever on a silent device.
- No WSDL cache file (onvif-zeep's ``no_cache=True``: a plain zeep Client, never the sqlite
  ``CachingClient``) and the WSDL files bundled with onvif-zeep (a top-level ``wsdl/`` folder in
  site-packages): no network fetch of schemas. Each WSDL is parsed once per process and shared.
- The device clock is read first (``GetSystemDateAndTime`` is allowed unauthenticated) and every
  WS-Security timestamp is shifted by the offset, like onvif-zeep's ``adjust_time=True``, so a
  camera whose clock drifted still accepts us.
- It builds ``ONVIFService`` objects itself instead of calling ``ONVIFCamera.__init__``, which
  pops ``http_proxy``/``https_proxy`` from the process environment, ignores the path of the
  device URL, and opens an event pull-point subscription on the device at every connect (devices
  have a handful of those). Device traffic never goes through an environment proxy
  (``trust_env=False``): cameras are on the LAN.
- ``import onvif`` calls ``logging.basicConfig(level=INFO)``; the handler and level it adds to the
  root logger are taken back here so Django's LOGGING decides where log lines go, and zeep is kept
  at WARNING.
- Every failure becomes one of our exceptions (``OnvifError`` subclasses); nothing from requests,
  zeep or lxml escapes, so a misbehaving device can never turn into a 500.

A client is not safe for concurrent use by itself (zeep's UsernameToken mutates its timestamp per
call), so every call holds the client's lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _import_onvif_quietly():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import onvif.client  # runs logging.basicConfig(level=INFO) when the root logger has no handler

    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    zeep_logger = logging.getLogger("zeep")
    if zeep_logger.level == logging.NOTSET:  # unless LOGGING configured it on purpose
        zeep_logger.setLevel(logging.WARNING)
    return onvif.client


_onvif_client = _import_onvif_quietly()

import requests  # noqa: E402  (after onvif, whose import side effects are undone above)
import zeep  # noqa: E402
import zeep.exceptions  # noqa: E402
import zeep.wsdl  # noqa: E402
from lxml import etree  # noqa: E402
from zeep.transports import Transport  # noqa: E402

from onvifctl import transport  # noqa: E402

ONVIFService = _onvif_client.ONVIFService
UsernameDigestTokenDtDiff = _onvif_client.UsernameDigestTokenDtDiff
WSDL_DIR = Path(_onvif_client.__file__).resolve().parent.parent / "wsdl"

# Parsing a WSDL costs ~50 ms of CPU (and holds the GIL); a discovery of twenty devices would parse
# forty. zeep accepts a pre-parsed Document, so each file is parsed once per process and shared;
# a Document is only read once built. Each client still has its own zeep Client (credentials,
# transport, timeouts).
_documents: dict[str, zeep.wsdl.Document] = {}
_documents_lock = threading.Lock()


def _settings() -> zeep.Settings:
    # What onvif-zeep uses: devices send responses that do not validate strictly.
    return zeep.Settings(strict=False, xml_huge_tree=True)


def _wsdl_document(filename: str) -> zeep.wsdl.Document:
    with _documents_lock:
        document = _documents.get(filename)
        if document is None:
            # Local files only (no_cache: no sqlite cache either); the transport is only used to
            # read the imported schemas next to the WSDL.
            document = zeep.wsdl.Document(str(WSDL_DIR / filename), Transport(), settings=_settings())
            _documents[filename] = document
        return document


logger = logging.getLogger(__name__)

_SERVICES = {
    # name: (wsdl file, binding), from onvif-zeep's definition table
    "devicemgmt": ("devicemgmt.wsdl", "{http://www.onvif.org/ver10/device/wsdl}DeviceBinding"),
    "media": ("media.wsdl", "{http://www.onvif.org/ver10/media/wsdl}MediaBinding"),
    "ptz": ("ptz.wsdl", "{http://www.onvif.org/ver20/ptz/wsdl}PTZBinding"),
}

# SOAP fault subcodes (ONVIF Core spec, 5.11), by what they mean to a caller.
_AUTH_SUBCODES = {"NotAuthorized", "FailedAuthentication", "InvalidSecurity", "FailedCheck", "SecurityTokenUnavailable"}
_UNSUPPORTED_SUBCODES = {
    "ActionNotSupported",
    "ActionNotImplemented",
    "NotSupported",
    "NoPTZProfile",
    "PTZNotSupported",
    "NoSuchService",
}
_INVALID_ARG_SUBCODES = {"InvalidArgVal", "InvalidArgs", "InvalidArg", "NoToken", "NoProfile", "NoEntity"}


class OnvifError(Exception):
    """Base of every error this module raises. ``str()`` is safe to show a client (no secrets)."""


class DeviceUnreachable(OnvifError):
    """Connection refused, no route, DNS failure, or no answer within the timeout."""


class DeviceTimedOut(DeviceUnreachable):
    """The device did not complete its answer within the call's total deadline."""


class DeviceAddressRefused(OnvifError):
    """The device host is outside NEM_DEVICE_NETWORKS (checked right before connecting)."""


class DeviceAuthFailed(OnvifError):
    """The device refused our WS-Security credentials (wrong credentials or clock skew)."""


class DeviceUnsupported(OnvifError):
    """The device does not implement the operation or service (no PTZ, no Stop...)."""


class DeviceInvalidArgument(OnvifError):
    """The device refused an argument (an unknown preset token, a profile without PTZ...)."""


class DeviceBadResponse(OnvifError):
    """The device answered with something that is not a usable ONVIF response."""


@dataclass(frozen=True)
class DeviceInfo:
    manufacturer: str | None
    model: str | None
    firmware_version: str | None
    serial_number: str | None
    hardware_id: str | None


@dataclass(frozen=True)
class DeviceCapabilities:
    media: bool
    ptz: bool
    analytics: bool
    events: bool


@dataclass(frozen=True)
class Profile:
    token: str
    name: str | None


@dataclass(frozen=True)
class Preset:
    token: str
    name: str | None


def _subcodes(fault: zeep.exceptions.Fault) -> set[str]:
    names = set()
    for qname in fault.subcodes or []:
        local = getattr(qname, "localname", None) or str(qname).rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        names.add(local)
    if fault.code:
        names.add(str(fault.code).rsplit("}", 1)[-1].rsplit(":", 1)[-1])
    return names


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def classify_error(exc: BaseException, *, url: str, timeout: float) -> OnvifError:
    """Map anything requests/zeep/lxml/onvif-zeep raised to one of our errors. onvif-zeep wraps
    everything in ``ONVIFError('Unknown error: ...')``; the original is its ``__context__``.

    The message names the class of failure only. What the device said (a fault reason, an HTTP
    status, a banner) goes to the log, never into the error: otherwise the API would be a banner
    grabber for whatever host a camera URL points at."""
    for err in _chain(exc):
        if isinstance(err, OnvifError):
            return err
        if isinstance(err, transport.AddressRefused):
            return DeviceAddressRefused(f"Device at {url} not contacted: {err}")
        if isinstance(err, requests.exceptions.Timeout):
            return DeviceTimedOut(f"Device at {url} did not answer within {timeout:g} s")
        if isinstance(err, requests.exceptions.ConnectionError):
            return DeviceUnreachable(f"Could not connect to the device at {url}")
        if isinstance(err, (transport.RedirectRefused, transport.ResponseTooLarge)):
            logger.info("onvif device %s: %s", url, err)
            return DeviceBadResponse(f"Device at {url} did not answer as an ONVIF device")
        if isinstance(err, zeep.exceptions.Fault):
            codes = _subcodes(err)
            reason = (err.message or "no reason given").strip()[:200]
            logger.info("onvif device %s answered a SOAP fault %s: %s", url, sorted(codes), reason)
            if codes & _AUTH_SUBCODES or "not authorized" in reason.lower():
                return DeviceAuthFailed(f"Device at {url} refused our credentials")
            if codes & _UNSUPPORTED_SUBCODES:
                return DeviceUnsupported("Device does not support this operation")
            if codes & _INVALID_ARG_SUBCODES:
                return DeviceInvalidArgument("Device refused an argument of the request")
            return DeviceBadResponse(f"Device at {url} did not answer as an ONVIF device")
        if isinstance(err, zeep.exceptions.TransportError):
            logger.info("onvif device %s answered HTTP %s", url, err.status_code)
            if err.status_code in (401, 403):
                return DeviceAuthFailed(f"Device at {url} refused our credentials")
            if err.status_code in (404, 405, 501):
                return DeviceUnsupported(f"Device at {url} has no such service")
            return DeviceBadResponse(f"Device at {url} did not answer as an ONVIF device")
        if isinstance(err, (zeep.exceptions.Error, etree.LxmlError)):
            logger.info("onvif device %s sent an unreadable answer: %s", url, type(err).__name__)
            return DeviceBadResponse(f"Device at {url} did not answer as an ONVIF device")
    logger.info("onvif device %s: unexpected %s", url, type(exc).__name__)
    return DeviceBadResponse(f"Device at {url} did not answer as an ONVIF device")


def device_url_for(*, onvif_url: str | None, rtsp_url: str | None) -> str | None:
    """``onvif_url`` as given, else ``http://<rtsp host>:80/onvif/device_service``."""
    if onvif_url:
        return onvif_url
    if not rtsp_url:
        return None
    host = urllib.parse.urlsplit(rtsp_url).hostname
    if not host:
        return None
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    return f"http://{host}:80/onvif/device_service"


def _rebase(xaddr: str | None, device_url: str) -> str | None:
    """A service address as the device reports it, with its host replaced by the one we reach the
    device at when they differ: cameras behind NAT, or after a DHCP change, report stale hosts."""
    if not xaddr:
        return None
    reported = urllib.parse.urlsplit(xaddr)
    ours = urllib.parse.urlsplit(device_url)
    if not reported.hostname or reported.hostname == ours.hostname:
        return xaddr
    return urllib.parse.urlunsplit((ours.scheme, ours.netloc, reported.path, reported.query, ""))


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


class OnvifClient:
    """A connected ONVIF device: the clock offset and the service addresses are read once, in the
    constructor (which does network I/O and may raise any ``OnvifError``); the media and PTZ
    services are built on first use and kept. ``profile_index`` picks the media profile that every
    PTZ and preset call carries (0 = main stream, 1 = sub stream; the first one when the device
    has fewer)."""

    def __init__(
        self,
        *,
        device_url: str,
        username: str | None,
        password: str | None,
        profile_index: int = 0,
        connect_timeout: float = 2.0,
        timeout: float = 5.0,
        max_bytes: int = 2 * 1024 * 1024,
        deadline: float | None = None,
    ):
        self.device_url = device_url
        self.profile_index = profile_index
        self.timeout = timeout
        self._username = username or ""
        self._password = password or ""
        self._lock = threading.RLock()
        # ``timeout`` bounds each SOAP exchange as a whole (not each socket read), ``deadline``
        # every exchange of this client; no redirects, at most ``max_bytes`` per answer.
        session = transport.device_session(
            connect_timeout=connect_timeout, timeout=timeout, max_bytes=max_bytes, deadline=deadline
        )
        self._transport = Transport(session=session, timeout=connect_timeout, operation_timeout=timeout)
        self._services: dict[str, object] = {}
        self._profile: Profile | None = None
        self.stop_supported: bool | None = None  # learnt on the first Stop
        self.clock_offset: dt.timedelta | None = None
        with self._call():
            self._devicemgmt = self._service("devicemgmt", device_url)
            self.clock_offset = self._read_clock_offset()
            caps = self._devicemgmt.GetCapabilities({"Category": "All"})
            self._xaddrs = {
                "media": _rebase(_text(getattr(getattr(caps, "Media", None), "XAddr", None)), device_url),
                "ptz": _rebase(_text(getattr(getattr(caps, "PTZ", None), "XAddr", None)), device_url),
            }
            self.capabilities = DeviceCapabilities(
                media=bool(self._xaddrs["media"]),
                ptz=bool(self._xaddrs["ptz"]),
                analytics=bool(_text(getattr(getattr(caps, "Analytics", None), "XAddr", None))),
                events=bool(_text(getattr(getattr(caps, "Events", None), "XAddr", None))),
            )

    # plumbing

    @contextmanager
    def _call(self):
        if not self._lock.acquire(timeout=self.timeout):
            raise DeviceUnreachable(f"Device at {self.device_url} is still busy answering another request")
        try:
            yield
        except OnvifError:
            raise
        except Exception as exc:
            raise classify_error(exc, url=self.device_url, timeout=self.timeout) from exc
        finally:
            self._lock.release()

    def _service(self, name: str, xaddr: str):
        wsdl, binding = _SERVICES[name]
        wsse = None  # no credentials: send no UsernameToken at all
        if self._username:
            # PasswordDigest: the password never crosses the network in clear.
            wsse = UsernameDigestTokenDtDiff(self._username, self._password, dt_diff=self.clock_offset, use_digest=True)
        zeep_client = zeep.Client(wsdl=_wsdl_document(wsdl), wsse=wsse, transport=self._transport, settings=_settings())
        return ONVIFService(
            xaddr,
            self._username,
            self._password,
            str(WSDL_DIR / wsdl),
            zeep_client=zeep_client,
            dt_diff=self.clock_offset,
            binding_name=binding,
        )

    def _read_clock_offset(self) -> dt.timedelta | None:
        # Asked without a UsernameToken: ONVIF allows it before auth, and a token signed with our
        # (possibly skewed) clock could be refused by a strict device.
        wsse, self._devicemgmt.zeep_client.wsse = self._devicemgmt.zeep_client.wsse, None
        try:
            answer = self._devicemgmt.GetSystemDateAndTime()
        finally:
            self._devicemgmt.zeep_client.wsse = wsse
        utc = getattr(answer, "UTCDateTime", None)
        if utc is None:
            return None  # the device only tells local time: sign with ours
        device_now = dt.datetime(
            utc.Date.Year,
            utc.Date.Month,
            utc.Date.Day,
            utc.Time.Hour,
            utc.Time.Minute,
            utc.Time.Second,
            tzinfo=dt.UTC,
        )
        offset = device_now - dt.datetime.now(dt.UTC)
        if abs(offset) > dt.timedelta(seconds=5):
            logger.info(
                "onvif device %s clock is off by %.0f s; signing with its clock",
                self.device_url,
                offset.total_seconds(),
            )
        if self._devicemgmt.zeep_client.wsse is not None:
            self._devicemgmt.zeep_client.wsse.dt_diff = offset
        return offset

    def _get(self, name: str):
        service = self._services.get(name)
        if service is None:
            xaddr = self._xaddrs.get(name)
            if not xaddr:
                raise DeviceUnsupported(f"Device does not offer the ONVIF {name.upper()} service")
            service = self._services[name] = self._service(name, xaddr)
        return service

    def _profile_token(self) -> str:
        if self._profile is None:
            profiles = self._profiles()
            if not profiles:
                raise DeviceUnsupported("Device reports no media profiles")
            self._profile = profiles[min(self.profile_index, len(profiles) - 1)]
        return self._profile.token

    def _profiles(self) -> list[Profile]:
        answer = self._get("media").GetProfiles() or []
        out = []
        for item in answer:
            token = _text(getattr(item, "token", None))
            if token:
                out.append(Profile(token=token, name=_text(getattr(item, "Name", None))))
        return out

    # operations

    def device_info(self) -> DeviceInfo:
        with self._call():
            info = self._devicemgmt.GetDeviceInformation()
            return DeviceInfo(
                manufacturer=_text(getattr(info, "Manufacturer", None)),
                model=_text(getattr(info, "Model", None)),
                firmware_version=_text(getattr(info, "FirmwareVersion", None)),
                serial_number=_text(getattr(info, "SerialNumber", None)),
                hardware_id=_text(getattr(info, "HardwareId", None)),
            )

    def profiles(self) -> list[Profile]:
        with self._call():
            return self._profiles()

    def stream_uris(self) -> list[tuple[str, str]]:
        """``[(profile name or token, rtsp url)]`` for every media profile, in device order."""
        with self._call():
            media = self._get("media")
            out = []
            for profile in self._profiles():
                answer = media.GetStreamUri(
                    {
                        "ProfileToken": profile.token,
                        "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                    }
                )
                uri = _text(getattr(answer, "Uri", None))
                if uri:
                    out.append((profile.name or profile.token, uri))
            return out

    def continuous_move(self, *, pan: float = 0.0, tilt: float = 0.0, zoom: float | None = None) -> None:
        """ContinuousMove on the selected profile. Only the axes being moved are sent: devices
        without a zoom motor may fault on a Zoom element."""
        with self._call():
            ptz = self._get("ptz")
            velocity: dict = {}
            if zoom is None:
                velocity["PanTilt"] = {"x": round(pan, 6), "y": round(tilt, 6)}
            else:
                velocity["Zoom"] = {"x": round(zoom, 6)}
            ptz.ContinuousMove({"ProfileToken": self._profile_token(), "Velocity": velocity})

    def stop(self) -> None:
        """Stop all motion: ``Stop``, or a zero-velocity ContinuousMove on devices that do not
        implement Stop (remembered, so later stops go straight to the fallback)."""
        with self._call():
            ptz = self._get("ptz")
            token = self._profile_token()
            if self.stop_supported is not False:
                try:
                    ptz.Stop({"ProfileToken": token, "PanTilt": True, "Zoom": True})
                    self.stop_supported = True
                    return
                except Exception as exc:
                    error = classify_error(exc, url=self.device_url, timeout=self.timeout)
                    if not isinstance(error, DeviceUnsupported):
                        raise error from exc
                    self.stop_supported = False
                    logger.info("onvif device %s has no PTZ Stop; stopping with a zero-velocity move", self.device_url)
            ptz.ContinuousMove(
                {"ProfileToken": token, "Velocity": {"PanTilt": {"x": 0.0, "y": 0.0}, "Zoom": {"x": 0.0}}}
            )

    def presets(self) -> list[Preset]:
        with self._call():
            answer = self._get("ptz").GetPresets({"ProfileToken": self._profile_token()}) or []
            out = []
            for item in answer:
                token = _text(getattr(item, "token", None))
                if token:
                    out.append(Preset(token=token, name=_text(getattr(item, "Name", None))))
            return out

    def goto_preset(self, *, preset_token: str) -> None:
        with self._call():
            self._get("ptz").GotoPreset({"ProfileToken": self._profile_token(), "PresetToken": preset_token})

    def ptz_status(self) -> str:
        """``GetStatus`` MoveStatus of the selected profile: "MOVING" if any axis moves, else
        "IDLE" ("UNKNOWN" when the device does not say). Issue 17: preset arrival."""
        with self._call():
            answer = self._get("ptz").GetStatus({"ProfileToken": self._profile_token()})
            move = getattr(answer, "MoveStatus", None)
            states = {str(getattr(move, axis, None) or "").upper() for axis in ("PanTilt", "Zoom")} - {"", "NONE"}
            if "MOVING" in states:
                return "MOVING"
            return "IDLE" if states else "UNKNOWN"
