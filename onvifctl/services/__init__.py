"""ONVIF workflows over the adapter: ``clients`` (the per-camera client, the camera lookup and the
translation of device errors into domain errors), ``device`` (capabilities, PTZ, presets) and
``discover`` (finding devices on a subnet). Event subscriptions are in ``onvifctl.event_services``."""

from onvifctl.services.clients import (
    AUTH_HINT,
    onvif_camera,
    onvif_client_drop,
    onvif_client_get,
    onvif_clients_clear,
)
from onvifctl.services.device import (
    PTZ_COMMANDS,
    onvif_capabilities_get,
    onvif_preset_goto,
    onvif_presets_list,
    onvif_ptz_command,
)
from onvifctl.services.discover import discovery_network, onvif_discover

__all__ = [
    "AUTH_HINT",
    "PTZ_COMMANDS",
    "discovery_network",
    "onvif_camera",
    "onvif_capabilities_get",
    "onvif_client_drop",
    "onvif_client_get",
    "onvif_clients_clear",
    "onvif_discover",
    "onvif_preset_goto",
    "onvif_presets_list",
    "onvif_ptz_command",
]
