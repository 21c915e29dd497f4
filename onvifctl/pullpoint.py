"""An asynchronous ONVIF PullPoint client (Events service) on httpx, so that one event loop can
hold the long polls of every camera at once.

It speaks the few operations it needs as plain SOAP 1.2 (built with lxml, WS-Security
UsernameToken digest signed with the device's clock, WS-Addressing ``To``/``Action`` and the
subscription reference's parameters echoed in the header): ``GetSystemDateAndTime`` and
``GetCapabilities`` (both allowed before authentication), ``CreatePullPointSubscription``,
``PullMessages`` and ``Renew``. It never sends ``Unsubscribe``: some cameras drop every
subscription when one is cancelled, so ours are left to expire.

Errors are ``adapter`` errors (``DeviceUnreachable``, ``DeviceAuthFailed``, ``DeviceUnsupported``,
``DeviceBadResponse``, ``DeviceAddressRefused``) plus ``SubscriptionLost`` for a subscription the
device no longer knows. Like the adapter's transport, every call checks the host against
NEM_DEVICE_NETWORKS first, never follows a redirect, never uses an environment proxy (the
caller's httpx client is built so) and reads at most NEM_DEVICE_MAX_RESPONSE_BYTES.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import ipaddress
import os
import urllib.parse
import uuid
from dataclasses import dataclass

import httpx
from django.conf import settings
from lxml import etree

from cameras import netpolicy
from onvifctl.adapter import (
    DeviceAddressRefused,
    DeviceAuthFailed,
    DeviceBadResponse,
    DeviceUnreachable,
    DeviceUnsupported,
    OnvifError,
)
from onvifctl.topics import Notification, parse_pull_response, parse_timestamp

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
}
_PASSWORD_DIGEST = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
_NONCE_ENCODING = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
_ACTIONS = {
    "CreatePullPointSubscription": "http://www.onvif.org/ver10/events/wsdl/EventPortType/CreatePullPointSubscriptionRequest",
    "PullMessages": "http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesRequest",
    "Renew": "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewRequest",
}
_AUTH_CODES = {"NotAuthorized", "FailedAuthentication", "InvalidSecurity", "FailedCheck"}
_GONE_CODES = {"ResourceUnknownFault", "ResourceUnknown", "InvalidArgVal", "NoSuchSubscription"}


class SubscriptionLost(OnvifError):
    """The device no longer knows the subscription (expired, rebooted, or dropped it)."""


@dataclass
class Subscription:
    address: str
    reference_parameters: list  # elements to echo in the header of every call on it
    terminates_at: dt.datetime


def duration(seconds: float) -> str:
    return f"PT{max(seconds, 0.0):.3f}S".replace(".000S", "S")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]




class PullPointClient:
    """One camera's Events service. ``connect()`` reads the device clock and the Events address;
    the other calls need it first. Not for concurrent use (one coroutine per camera)."""

    def __init__(self, *, device_url: str, username: str | None, password: str | None, http: httpx.AsyncClient):
        self.device_url = device_url
        self._username = username or ""
        self._password = password or ""
        self._http = http
        self.clock_offset = dt.timedelta(0)
        self.events_url: str | None = None

    # plumbing

    def _security(self) -> str:
        if not self._username:
            return ""
        nonce = os.urandom(16)
        created = (dt.datetime.now(dt.UTC) + self.clock_offset).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + self._password.encode()).digest()).decode()
        return (
            f'<wsse:Security s:mustUnderstand="1" xmlns:wsse="{NS["wsse"]}" xmlns:wsu="{NS["wsu"]}">'
            f"<wsse:UsernameToken><wsse:Username>{_escape(self._username)}</wsse:Username>"
            f'<wsse:Password Type="{_PASSWORD_DIGEST}">{digest}</wsse:Password>'
            f'<wsse:Nonce EncodingType="{_NONCE_ENCODING}">{base64.b64encode(nonce).decode()}</wsse:Nonce>'
            f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
        )

    async def _call(
        self, url: str, body: str, *, action: str | None = None, auth: bool = True, parameters=(), read_timeout=None
    ):
        header = self._security() if auth else ""
        if action:
            header += (
                f'<wsa:Action xmlns:wsa="{NS["wsa"]}">{action}</wsa:Action>'
                f'<wsa:MessageID xmlns:wsa="{NS["wsa"]}">urn:uuid:{uuid.uuid4()}</wsa:MessageID>'
                f'<wsa:To xmlns:wsa="{NS["wsa"]}">{_escape(url)}</wsa:To>'
            )
        header += "".join(etree.tostring(p, encoding="unicode") for p in parameters)
        envelope = (
            f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{NS["s"]}" xmlns:tds="{NS["tds"]}"'
            f' xmlns:tev="{NS["tev"]}" xmlns:wsnt="{NS["wsnt"]}" xmlns:tt="{NS["tt"]}">'
            f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
        )
        timeout = self._http.timeout
        if read_timeout is not None:
            timeout = httpx.Timeout(timeout.connect, read=read_timeout, write=timeout.write, pool=timeout.pool)
        await _check_host(url)
        limit = settings.NEM_DEVICE_MAX_RESPONSE_BYTES
        try:
            async with self._http.stream(
                "POST",
                url,
                content=envelope.encode(),
                headers={"Content-Type": "application/soap+xml; charset=utf-8"},
                timeout=timeout,
            ) as response:
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > limit:
                        raise DeviceBadResponse(f"Device at {self.device_url} did not answer as an ONVIF device")
        except httpx.TimeoutException:
            raise DeviceUnreachable(f"Device at {self.device_url} did not answer in time") from None
        except httpx.HTTPError:
            raise DeviceUnreachable(f"Could not connect to the device at {self.device_url}") from None
        if 300 <= response.status_code < 400:
            raise DeviceBadResponse(f"Device at {self.device_url} did not answer as an ONVIF device")
        try:
            document = etree.fromstring(bytes(content), parser=etree.XMLParser(resolve_entities=False, no_network=True))
            body_node = document.find("s:Body", NS)
            if body_node is None or len(body_node) == 0:
                raise ValueError("no SOAP body")
        except (etree.XMLSyntaxError, ValueError):
            if response.status_code in (401, 403):
                raise DeviceAuthFailed(f"Device at {self.device_url} refused our credentials") from None
            raise DeviceBadResponse(f"Device at {self.device_url} sent a response we could not read") from None
        answer = body_node[0]
        if _local(answer.tag) == "Fault":
            self._raise_fault(answer)
        return answer

    def _raise_fault(self, fault) -> None:
        codes = {_local(v.text or "") for v in fault.iter(f"{{{NS['s']}}}Value")}
        codes |= {_local(child.tag) for child in fault.iter() if child.tag.endswith("Fault")}
        reason = (fault.findtext("s:Reason/s:Text", namespaces=NS) or "no reason given").strip()[:200]
        if codes & _AUTH_CODES:
            raise DeviceAuthFailed(f"Device at {self.device_url} refused our credentials ({reason})")
        if codes & _GONE_CODES:
            raise SubscriptionLost(f"Device no longer knows the subscription ({reason})")
        if codes & {"ActionNotSupported", "ActionNotImplemented"}:
            raise DeviceUnsupported(f"Device does not support this operation ({reason})")
        raise DeviceBadResponse(f"Device at {self.device_url} answered with a SOAP fault ({reason})")

    # operations

    async def connect(self) -> None:
        """The device clock (to sign with) and the Events service address (``DeviceUnsupported``
        when the device offers none)."""
        answer = await self._call(self.device_url, "<tds:GetSystemDateAndTime/>", auth=False)
        utc = answer.find(".//tt:UTCDateTime", NS)
        if utc is not None:
            try:
                device_now = dt.datetime(
                    *(int(utc.findtext(f".//tt:{n}", namespaces=NS)) for n in ("Year", "Month", "Day")),
                    *(int(utc.findtext(f".//tt:{n}", namespaces=NS)) for n in ("Hour", "Minute", "Second")),
                    tzinfo=dt.UTC,
                )
                self.clock_offset = device_now - dt.datetime.now(dt.UTC)
            except (TypeError, ValueError):
                self.clock_offset = dt.timedelta(0)
        answer = await self._call(
            self.device_url,
            "<tds:GetCapabilities><tds:Category>Events</tds:Category></tds:GetCapabilities>",
            auth=False,
        )
        xaddr = (answer.findtext(".//tt:Events/tt:XAddr", namespaces=NS) or "").strip()
        if not xaddr:
            raise DeviceUnsupported("Device does not offer the ONVIF Events service")
        self.events_url = _rebase(xaddr, self.device_url)

    async def create(self, *, seconds: float) -> Subscription:
        answer = await self._call(
            self.events_url,
            "<tev:CreatePullPointSubscription>"
            f"<tev:InitialTerminationTime>{duration(seconds)}</tev:InitialTerminationTime>"
            "</tev:CreatePullPointSubscription>",
            action=_ACTIONS["CreatePullPointSubscription"],
        )
        reference = answer.find("tev:SubscriptionReference", NS)
        address = (reference.findtext("wsa:Address", namespaces=NS) if reference is not None else "") or ""
        if not address.strip():
            raise DeviceBadResponse(f"Device at {self.device_url} created a subscription without an address")
        parameters = reference.find("wsa:ReferenceParameters", NS)
        return Subscription(
            address=_rebase(address.strip(), self.device_url),
            reference_parameters=list(parameters) if parameters is not None else [],
            terminates_at=self._termination(answer, seconds),
        )

    def _termination(self, answer, seconds: float) -> dt.datetime:
        """The termination time on our clock: the device's TerminationTime minus its CurrentTime
        (both on the device clock), so a skewed device clock does not shorten or stretch it."""
        current = parse_timestamp(answer.findtext("wsnt:CurrentTime", namespaces=NS))
        termination = parse_timestamp(answer.findtext("wsnt:TerminationTime", namespaces=NS))
        left = (termination - current) if current and termination else dt.timedelta(seconds=seconds)
        return dt.datetime.now(dt.UTC) + left

    async def pull(self, subscription: Subscription, *, seconds: float, limit: int) -> list[Notification]:
        answer = await self._call(
            subscription.address,
            f"<tev:PullMessages><tev:Timeout>{duration(seconds)}</tev:Timeout>"
            f"<tev:MessageLimit>{limit}</tev:MessageLimit></tev:PullMessages>",
            action=_ACTIONS["PullMessages"],
            parameters=subscription.reference_parameters,
            read_timeout=seconds + self._http.timeout.read,
        )
        termination = parse_timestamp(answer.findtext("tev:TerminationTime", namespaces=NS))
        current = parse_timestamp(answer.findtext("tev:CurrentTime", namespaces=NS))
        if termination and current:
            subscription.terminates_at = dt.datetime.now(dt.UTC) + (termination - current)
        return parse_pull_response(answer)

    async def renew(self, subscription: Subscription, *, seconds: float) -> None:
        answer = await self._call(
            subscription.address,
            f"<wsnt:Renew><wsnt:TerminationTime>{duration(seconds)}</wsnt:TerminationTime></wsnt:Renew>",
            action=_ACTIONS["Renew"],
            parameters=subscription.reference_parameters,
        )
        subscription.terminates_at = self._termination(answer, seconds)


async def _check_host(url: str) -> None:
    host, port, _scheme = netpolicy.url_host_port(url)
    try:
        ipaddress.ip_address(host.split("%")[0])
        literal = True
    except ValueError:
        literal = False
    try:
        if literal:
            netpolicy.check_host(host, port)
        else:  # a name: resolve off the event loop
            await asyncio.to_thread(netpolicy.check_host, host, port)
    except netpolicy.DeviceAddressRefused as exc:
        raise DeviceAddressRefused(f"Device at {url} not contacted: {exc}") from None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _rebase(xaddr: str, device_url: str) -> str:
    """The address as the device reports it, on the host we reach the device at (NAT, DHCP)."""
    reported = urllib.parse.urlsplit(xaddr)
    ours = urllib.parse.urlsplit(device_url)
    if not reported.hostname or reported.hostname == ours.hostname:
        return xaddr
    return urllib.parse.urlunsplit((ours.scheme, ours.netloc, reported.path, reported.query, ""))
