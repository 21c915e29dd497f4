"""An ONVIF device on 127.0.0.1 for the tests and the benchmark: SOAP 1.2 over ``http.server`` on a
random port, WS-Security UsernameToken digest checked (with timestamp freshness against the
device's own clock), every request recorded, two media profiles, PTZ and three presets (one
unnamed). Faults are switched by attributes: ``stop_supported``, ``password`` (a different one =
our credentials are wrong), ``slow_seconds``, ``garbage``, ``ptz``, ``clock_offset``,
``advertise_host`` (the host it reports in its service addresses, e.g. a stale NAT address),
``info_without_auth`` (answers ``GetDeviceInformation`` unauthenticated, as many cameras do).

Events service (PullPoint): ``publish()`` sends a notification to every live subscription,
``set_property()`` switches a topic's state (a ``Changed`` message; new subscriptions get the
current states as ``Initialized``), ``drop_subscriptions()`` forgets them (a reboot),
``refuse_subscriptions`` refuses the next N creations, ``events`` turns the service off,
``renew_supported`` False answers ``Renew`` with ActionNotSupported (as some cameras do).
Subscriptions expire at their termination time (``expire_subscriptions()`` makes it now).
``Unsubscribe`` is answered but counted, so a test can assert nobody cancelled.

PTZ ``GetStatus``: after a ``GotoPreset`` it reports ``MOVING`` for ``moving_polls`` polls, then
``IDLE`` with ``position`` set to the preset; a ``ContinuousMove`` puts ``position`` at "free".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
}
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"'
    ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl"'
    ' xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:ter="http://www.onvif.org/ver10/error"'
    ' xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"'
    ' xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:tns1="http://www.onvif.org/ver10/topics">'
    "<s:Body>{body}</s:Body></s:Envelope>"
)
PRE_AUTH = {"GetSystemDateAndTime", "GetCapabilities"}  # what ONVIF devices answer before authentication
PTZ_OPERATIONS = {"GetPresets", "GotoPreset", "ContinuousMove", "Stop", "GetStatus"}
EVENT_OPERATIONS = {"CreatePullPointSubscription", "PullMessages", "Renew", "Unsubscribe"}
_DURATION = re.compile(r"^PT(?:(\d+)M)?(?:([\d.]+)S)?$")


def _seconds(text: str | None, default: float) -> float:
    match = _DURATION.match((text or "").strip())
    if not match:
        return default
    return int(match.group(1) or 0) * 60 + float(match.group(2) or 0)


def _iso(stamp: dt.datetime) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class _Subscription:
    terminates_at: dt.datetime
    queue: list = field(default_factory=list)


@dataclass
class Call:
    operation: str
    xml: str
    authenticated: bool


class DeviceSimulator:
    """Start with ``start()`` (or as a context manager); ``url`` is its device service address."""

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str = "secret",
        manufacturer: str = "Simulated",
        model: str = "SIM-PTZ-1",
        serial_number: str = "SIM-0001",
    ):
        self.username = username
        self.password = password
        self.manufacturer = manufacturer
        self.model = model
        self.serial_number = serial_number
        self.stop_supported = True
        self.ptz = True
        self.slow_seconds = 0.0
        self.garbage = False
        self.clock_offset = dt.timedelta(0)
        self.freshness = dt.timedelta(seconds=5)
        self.advertise_host: str | None = None
        self.profiles = [("prof_main", "MainStream"), ("prof_sub", "SubStream")]
        self.presets = [("preset_1", "Front Door"), ("preset_2", "Driveway"), ("preset_3", None)]
        self.calls: list[Call] = []
        self.info_without_auth = False
        # Events
        self.events = True
        self.refuse_subscriptions = 0
        self.renew_supported = True
        self.subscriptions: dict[str, _Subscription] = {}
        self.properties: dict[tuple, str] = {}
        self.published: list[str] = []  # every message published, in order
        self._ids = itertools.count(1)
        self._events_lock = threading.Condition()
        # PTZ status
        self.moving_polls = 0
        self.position = "home"
        self._moving_to: str | None = None
        self._moving_left = 0
        self._calls_lock = threading.Lock()
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # lifecycle

    def start(self) -> DeviceSimulator:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # one write per answer: headers and body apart trip Nagle + delayed ACK

            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = sim._answer(body, self.path)
                data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._released.set()  # wake handlers sleeping in a slow answer
        with self._events_lock:
            self._events_lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> DeviceSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/onvif/device_service"

    def calls_of(self, operation: str) -> list[Call]:
        with self._calls_lock:
            return [call for call in self.calls if call.operation == operation]

    def operations(self) -> list[str]:
        with self._calls_lock:
            return [call.operation for call in self.calls]

    # SOAP

    # events, driven by the test

    def publish(self, topic: str, *, data: dict, source: dict | None = None, operation: str = "Changed") -> str:
        """One notification to every live subscription; returns its message XML."""
        source = {"VideoSourceConfigurationToken": "vsconf"} if source is None else source
        items = lambda values: "".join(  # noqa: E731
            f"<tt:SimpleItem Name={quoteattr(k)} Value={quoteattr(str(v))}/>" for k, v in values.items()
        )
        message = (
            '<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">'
            f"{escape(topic)}</wsnt:Topic><wsnt:Message>"
            f'<tt:Message UtcTime="{_iso(self._now())}" PropertyOperation="{operation}">'
            f"<tt:Source>{items(source)}</tt:Source><tt:Data>{items(data)}</tt:Data></tt:Message>"
            "</wsnt:Message></wsnt:NotificationMessage>"
        )
        with self._events_lock:
            self._expire()
            self.published.append(message)
            for subscription in self.subscriptions.values():
                subscription.queue.append(message)
            self._events_lock.notify_all()
        return message

    def set_property(self, topic: str, value: bool, *, name: str = "State", source: dict | None = None) -> str:
        """Switch a property topic (tamper, motion) to ``value``: a ``Changed`` message."""
        source = {"VideoSourceConfigurationToken": "vsconf"} if source is None else source
        text = "true" if value else "false"
        with self._events_lock:
            self.properties[(topic, name, tuple(source.items()))] = text
        return self.publish(topic, data={name: text}, source=source)

    def drop_subscriptions(self) -> None:
        with self._events_lock:
            self.subscriptions.clear()

    def expire_subscriptions(self) -> None:
        with self._events_lock:
            for subscription in self.subscriptions.values():
                subscription.terminates_at = self._now() - dt.timedelta(seconds=1)
            self._events_lock.notify_all()

    def _expire(self) -> None:
        now = self._now()
        for key in [k for k, sub in self.subscriptions.items() if sub.terminates_at <= now]:
            del self.subscriptions[key]

    # SOAP

    def _answer(self, raw: bytes, path: str = "") -> tuple[int, str]:
        try:
            doc = etree.fromstring(raw)
            operation = etree.QName(doc.find("s:Body", NS)[0]).localname
        except (etree.XMLSyntaxError, TypeError, IndexError):
            return 400, self._fault("Sender", "ter:WellFormed", "Not a SOAP envelope")
        authenticated = self._authenticated(doc)
        with self._calls_lock:
            self.calls.append(Call(operation, raw.decode(), authenticated))
        if self.slow_seconds:
            self._released.wait(self.slow_seconds)
        if self.garbage:
            return 200, "<html>this is not SOAP</html>"
        pre_auth = PRE_AUTH | ({"GetDeviceInformation"} if self.info_without_auth else set())
        if operation not in pre_auth and not authenticated:
            return 400, self._fault("Sender", "ter:NotAuthorized", "Sender not authorized")
        handler = getattr(self, f"_op_{operation}", None)
        if operation in PTZ_OPERATIONS and not self.ptz:
            handler = None
        if operation in EVENT_OPERATIONS and not self.events:
            handler = None
        if operation == "Renew" and not self.renew_supported:
            handler = None
        if operation in {"PullMessages", "Renew", "Unsubscribe"} and handler is not None:
            return handler(doc, path.rsplit("/", 1)[-1])
        if handler is None or (operation == "Stop" and not self.stop_supported):
            return 400, self._fault("Receiver", "ter:ActionNotSupported", "Optional Action Not Implemented")
        return handler(doc)

    def _authenticated(self, doc) -> bool:
        token = doc.find("s:Header/wsse:Security/wsse:UsernameToken", NS)
        if token is None:
            return False
        username = token.findtext("wsse:Username", namespaces=NS)
        password = token.find("wsse:Password", NS)
        nonce = token.findtext("wsse:Nonce", namespaces=NS)
        created = token.findtext("wsu:Created", namespaces=NS)
        if username != self.username or password is None or not nonce or not created:
            return False
        expected = base64.b64encode(
            hashlib.sha1(base64.b64decode(nonce) + created.encode() + self.password.encode()).digest()
        ).decode()
        if password.text != expected:
            return False
        try:
            stamp = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return False
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
        return abs(stamp - self._now()) <= self.freshness

    def _now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.clock_offset

    @staticmethod
    def _fault(code: str, subcode: str, reason: str) -> str:
        return _ENVELOPE.format(
            body=f"<s:Fault><s:Code><s:Value>s:{code}</s:Value><s:Subcode><s:Value>{subcode}</s:Value></s:Subcode>"
            f'</s:Code><s:Reason><s:Text xml:lang="en">{reason}</s:Text></s:Reason></s:Fault>'
        )

    @staticmethod
    def _ok(body: str) -> tuple[int, str]:
        return 200, _ENVELOPE.format(body=body)

    def _xaddr(self, path: str) -> str:
        return f"http://{self.advertise_host or '127.0.0.1'}:{self.port}/onvif/{path}"

    def _op_GetSystemDateAndTime(self, doc):  # noqa: N802
        now = self._now()
        return self._ok(
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
            "<tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime>"
            f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
            f"<tt:Second>{now.second}</tt:Second></tt:Time><tt:Date><tt:Year>{now.year}</tt:Year>"
            f"<tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date></tt:UTCDateTime>"
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    def _op_GetCapabilities(self, doc):  # noqa: N802
        ptz = f"<tt:PTZ><tt:XAddr>{self._xaddr('ptz_service')}</tt:XAddr></tt:PTZ>" if self.ptz else ""
        # In the schema's order (Device, Events, Media, PTZ): zeep skips an element out of order.
        events = f"<tt:Events><tt:XAddr>{self._xaddr('events_service')}</tt:XAddr></tt:Events>" if self.events else ""
        return self._ok(
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"<tt:Device><tt:XAddr>{self._xaddr('device_service')}</tt:XAddr></tt:Device>{events}"
            f"<tt:Media><tt:XAddr>{self._xaddr('media_service')}</tt:XAddr></tt:Media>"
            f"{ptz}</tds:Capabilities></tds:GetCapabilitiesResponse>"
        )

    def _op_GetDeviceInformation(self, doc):  # noqa: N802
        return self._ok(
            f"<tds:GetDeviceInformationResponse><tds:Manufacturer>{self.manufacturer}</tds:Manufacturer>"
            f"<tds:Model>{self.model}</tds:Model><tds:FirmwareVersion>V1.2.3</tds:FirmwareVersion>"
            f"<tds:SerialNumber>{self.serial_number}</tds:SerialNumber><tds:HardwareId>HW42</tds:HardwareId>"
            "</tds:GetDeviceInformationResponse>"
        )

    def _op_GetProfiles(self, doc):  # noqa: N802
        profiles = "".join(
            f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{name}</tt:Name></trt:Profiles>'
            for token, name in self.profiles
        )
        return self._ok(f"<trt:GetProfilesResponse>{profiles}</trt:GetProfilesResponse>")

    def _op_GetStreamUri(self, doc):  # noqa: N802
        token = doc.findtext(".//{http://www.onvif.org/ver10/media/wsdl}ProfileToken")
        return self._ok(
            f"<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://127.0.0.1:8554/{token}</tt:Uri>"
            "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false"
            "</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>"
        )

    def _op_GetPresets(self, doc):  # noqa: N802
        presets = "".join(
            f'<tptz:Preset token="{token}">' + (f"<tt:Name>{name}</tt:Name>" if name else "") + "</tptz:Preset>"
            for token, name in self.presets
        )
        return self._ok(f"<tptz:GetPresetsResponse>{presets}</tptz:GetPresetsResponse>")

    def _op_GotoPreset(self, doc):  # noqa: N802
        token = doc.findtext(".//{http://www.onvif.org/ver20/ptz/wsdl}PresetToken")
        if token not in {t for t, _ in self.presets}:
            return 400, self._fault("Sender", "ter:InvalidArgVal", "The requested preset token does not exist")
        with self._events_lock:
            self._moving_to, self._moving_left = token, self.moving_polls
            if not self.moving_polls:
                self.position, self._moving_to = token, None
        return self._ok("<tptz:GotoPresetResponse/>")

    def _op_ContinuousMove(self, doc):  # noqa: N802
        with self._events_lock:
            self.position, self._moving_to = "free", None
        return self._ok("<tptz:ContinuousMoveResponse/>")

    def _op_GetStatus(self, doc):  # noqa: N802
        with self._events_lock:
            if self._moving_to is not None:
                if self._moving_left > 0:
                    self._moving_left -= 1
                else:
                    self.position, self._moving_to = self._moving_to, None
            moving = self._moving_to is not None
        state = "MOVING" if moving else "IDLE"
        return self._ok(
            "<tptz:GetStatusResponse><tptz:PTZStatus><tt:MoveStatus>"
            f"<tt:PanTilt>{state}</tt:PanTilt><tt:Zoom>{state}</tt:Zoom></tt:MoveStatus>"
            f"<tt:UtcTime>{_iso(self._now())}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>"
        )

    def _op_CreatePullPointSubscription(self, doc):  # noqa: N802
        seconds = _seconds(doc.findtext(".//{http://www.onvif.org/ver10/events/wsdl}InitialTerminationTime"), 60.0)
        with self._events_lock:
            if self.refuse_subscriptions > 0:
                self.refuse_subscriptions -= 1
                return 400, self._fault("Receiver", "ter:TooManySubscriptions", "Too many subscriptions")
            self._expire()
            key = str(next(self._ids))
            now = self._now()
            subscription = self.subscriptions[key] = _Subscription(terminates_at=now + dt.timedelta(seconds=seconds))
            for (topic, name, source), value in self.properties.items():
                subscription.queue.append(self._initialized(topic, name, dict(source), value))
        return self._ok(
            "<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>"
            f"<wsa:Address>{self._xaddr('subscription/' + key)}</wsa:Address></tev:SubscriptionReference>"
            f"<wsnt:CurrentTime>{_iso(now)}</wsnt:CurrentTime>"
            f"<wsnt:TerminationTime>{_iso(subscription.terminates_at)}</wsnt:TerminationTime>"
            "</tev:CreatePullPointSubscriptionResponse>"
        )

    def _initialized(self, topic, name, source, value) -> str:
        items = "".join(f"<tt:SimpleItem Name={quoteattr(k)} Value={quoteattr(v)}/>" for k, v in source.items())
        return (
            f"<wsnt:NotificationMessage><wsnt:Topic>{escape(topic)}</wsnt:Topic><wsnt:Message>"
            f'<tt:Message UtcTime="{_iso(self._now())}" PropertyOperation="Initialized">'
            f'<tt:Source>{items}</tt:Source><tt:Data><tt:SimpleItem Name="{name}" Value="{value}"/></tt:Data>'
            "</tt:Message></wsnt:Message></wsnt:NotificationMessage>"
        )

    def _gone(self) -> tuple[int, str]:
        return 400, self._fault("Sender", "ter:InvalidArgVal", "ResourceUnknownFault: no such subscription")

    def _op_PullMessages(self, doc, key):  # noqa: N802
        ns = "{http://www.onvif.org/ver10/events/wsdl}"
        timeout = min(_seconds(doc.findtext(f".//{ns}Timeout"), 1.0), 30.0)
        limit = int(doc.findtext(f".//{ns}MessageLimit") or 100)
        deadline = self._now() + dt.timedelta(seconds=timeout)
        with self._events_lock:
            while True:
                self._expire()
                subscription = self.subscriptions.get(key)
                if subscription is None:
                    return self._gone()
                left = (deadline - self._now()).total_seconds()
                if subscription.queue or left <= 0 or self._released.is_set():
                    break
                self._events_lock.wait(left)
            messages, subscription.queue = subscription.queue[:limit], subscription.queue[limit:]
            terminates_at, now = subscription.terminates_at, self._now()
        return self._ok(
            f"<tev:PullMessagesResponse><tev:CurrentTime>{_iso(now)}</tev:CurrentTime>"
            f"<tev:TerminationTime>{_iso(terminates_at)}</tev:TerminationTime>"
            f"{''.join(messages)}</tev:PullMessagesResponse>"
        )

    def _op_Renew(self, doc, key):  # noqa: N802
        seconds = _seconds(doc.findtext(".//{http://docs.oasis-open.org/wsn/b-2}TerminationTime"), 60.0)
        with self._events_lock:
            self._expire()
            subscription = self.subscriptions.get(key)
            if subscription is None:
                return self._gone()
            now = self._now()
            subscription.terminates_at = now + dt.timedelta(seconds=seconds)
        return self._ok(
            f"<wsnt:RenewResponse><wsnt:TerminationTime>{_iso(subscription.terminates_at)}</wsnt:TerminationTime>"
            f"<wsnt:CurrentTime>{_iso(now)}</wsnt:CurrentTime></wsnt:RenewResponse>"
        )

    def _op_Unsubscribe(self, doc, key):  # noqa: N802
        with self._events_lock:
            self.subscriptions.pop(key, None)
        return self._ok("<wsnt:UnsubscribeResponse/>")

    def _op_Stop(self, doc):  # noqa: N802
        return self._ok("<tptz:StopResponse/>")
