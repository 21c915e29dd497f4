"""The ONVIF device client: one connected device, its clock offset and its services."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass

import zeep
from zeep.transports import Transport

from onvifctl import transport
from onvifctl.adapter.errors import (
    DeviceUnreachable,
    DeviceUnsupported,
    OnvifError,
    classify_error,
)
from onvifctl.adapter.library import (
    SERVICES,
    WSDL_DIR,
    ONVIFService,
    UsernameDigestTokenDtDiff,
    wsdl_document,
    zeep_settings,
)

logger = logging.getLogger(__name__)


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
        wsdl, binding = SERVICES[name]
        wsse = None  # no credentials: send no UsernameToken at all
        if self._username:
            # PasswordDigest: the password never crosses the network in clear.
            wsse = UsernameDigestTokenDtDiff(self._username, self._password, dt_diff=self.clock_offset, use_digest=True)
        zeep_client = zeep.Client(
            wsdl=wsdl_document(wsdl), wsse=wsse, transport=self._transport, settings=zeep_settings()
        )
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
        "IDLE" ("UNKNOWN" when the device does not say). Used to verify the arrival at a preset."""
        with self._call():
            answer = self._get("ptz").GetStatus({"ProfileToken": self._profile_token()})
            move = getattr(answer, "MoveStatus", None)
            states = {str(getattr(move, axis, None) or "").upper() for axis in ("PanTilt", "Zoom")} - {"", "NONE"}
            if "MOVING" in states:
                return "MOVING"
            return "IDLE" if states else "UNKNOWN"
