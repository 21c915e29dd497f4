"""The adapter's exceptions, and the one mapping from whatever requests, zeep, lxml or onvif-zeep
raised to them."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import requests
import zeep.exceptions
from lxml import etree

from onvifctl import transport

logger = logging.getLogger(__name__)

# SOAP fault subcodes ONVIF devices send, by what they mean to a caller.
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
