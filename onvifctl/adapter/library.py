"""onvif-zeep, imported without its side effects, and the WSDL documents it ships, parsed once
per process."""

from __future__ import annotations

import logging
import threading
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

import zeep  # noqa: E402  (after onvif, whose import side effects are undone above)
import zeep.wsdl  # noqa: E402
from zeep.transports import Transport  # noqa: E402

ONVIFService = _onvif_client.ONVIFService
UsernameDigestTokenDtDiff = _onvif_client.UsernameDigestTokenDtDiff
WSDL_DIR = Path(_onvif_client.__file__).resolve().parent.parent / "wsdl"

# Parsing a WSDL is CPU work that holds the GIL, and a discovery builds a client per device.
# zeep accepts a pre-parsed Document, so each file is parsed once per process and shared;
# a Document is only read once built. Each client still has its own zeep Client (credentials,
# transport, timeouts).
_documents: dict[str, zeep.wsdl.Document] = {}
_documents_lock = threading.Lock()


def zeep_settings() -> zeep.Settings:
    # What onvif-zeep uses: devices send responses that do not validate strictly.
    return zeep.Settings(strict=False, xml_huge_tree=True)


def wsdl_document(filename: str) -> zeep.wsdl.Document:
    with _documents_lock:
        document = _documents.get(filename)
        if document is None:
            # Local files only (no_cache: no sqlite cache either); the transport is only used to
            # read the imported schemas next to the WSDL.
            document = zeep.wsdl.Document(str(WSDL_DIR / filename), Transport(), settings=zeep_settings())
            _documents[filename] = document
        return document


SERVICES = {
    # name: (wsdl file, binding), from onvif-zeep's definition table
    "devicemgmt": ("devicemgmt.wsdl", "{http://www.onvif.org/ver10/device/wsdl}DeviceBinding"),
    "media": ("media.wsdl", "{http://www.onvif.org/ver10/media/wsdl}MediaBinding"),
    "ptz": ("ptz.wsdl", "{http://www.onvif.org/ver20/ptz/wsdl}PTZBinding"),
}
