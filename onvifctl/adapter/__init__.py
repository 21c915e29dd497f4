"""The only package that imports onvif-zeep: an ONVIF device client with our timeouts, our errors
and our logging. Swap the library by rewriting this package; nothing else knows it exists. ``library`` imports
onvif-zeep and holds the parsed WSDLs, ``errors`` maps every failure to our exceptions, ``client``
is the device client.

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

from onvifctl.adapter import library  # noqa: F401, I001  (first: undoes onvif-zeep's import side effects)
from onvifctl.adapter.client import (
    DeviceCapabilities,
    DeviceInfo,
    OnvifClient,
    Preset,
    Profile,
    device_url_for,
)
from onvifctl.adapter.errors import (
    DeviceAddressRefused,
    DeviceAuthFailed,
    DeviceBadResponse,
    DeviceInvalidArgument,
    DeviceTimedOut,
    DeviceUnreachable,
    DeviceUnsupported,
    OnvifError,
    classify_error,
)

__all__ = [
    "DeviceAddressRefused",
    "DeviceAuthFailed",
    "DeviceBadResponse",
    "DeviceCapabilities",
    "DeviceInfo",
    "DeviceInvalidArgument",
    "DeviceTimedOut",
    "DeviceUnreachable",
    "DeviceUnsupported",
    "OnvifClient",
    "OnvifError",
    "Preset",
    "Profile",
    "classify_error",
    "device_url_for",
]
