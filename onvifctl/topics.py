"""ONVIF event notifications -> what they mean to NEM (tamper, motion, signal loss, or unknown).

A ``wsnt:NotificationMessage`` carries a topic (``tns1:VideoSource/MotionAlarm``) and a
``tt:Message`` with ``Source``, ``Key`` and ``Data`` SimpleItems and a ``PropertyOperation``
(``Initialized`` when a subscription starts and tells the current state, ``Changed``,
``Deleted``). The prefix of a topic is whatever the device bound to the ONVIF topic namespace, so
it is resolved and rewritten to ``tns1`` before matching; vendor topics keep their prefix.

The parsers of Home Assistant's integration (published as ``onvif-parsers``) work on zeep objects
from ``onvif-zeep-async``, which installs a different ``onvif`` package than the one the adapter
uses; this module reads the same topics and the same data item names from the XML directly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from lxml import etree

ONVIF_TOPICS_NS = "http://www.onvif.org/ver10/topics"
NS = {
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "tt": "http://www.onvif.org/ver10/schema",
}

TAMPER, MOTION, SIGNAL_LOSS, UNKNOWN = "tamper", "motion", "signal_loss", "unknown"

# Topic (without the trailing service part for the VideoSource analytics) -> scene-change type.
_TAMPER_TOPICS = {
    "tns1:VideoSource/GlobalSceneChange": "angle_changed",
    "tns1:RuleEngine/TamperDetector/Tamper": "view_tampered",
    "tns1:RuleEngine/CellMotionDetector/Tamper": "view_tampered",
    "tns1:VideoSource/ImageTooBlurry": "view_tampered",
    "tns1:VideoSource/ImageTooDark": "view_blocked",
    "tns1:VideoSource/ImageTooBright": "view_blocked",
}
_MOTION_TOPICS = {
    "tns1:VideoSource/MotionAlarm",
    "tns1:RuleEngine/CellMotionDetector/Motion",
    "tns1:RuleEngine/MotionRegionDetector/Motion",
}
_SIGNAL_LOSS_TOPICS = {"tns1:VideoSource/SignalLoss", "tns1:VideoSource/VideoLoss"}
# The data item that holds the state, by preference; else the only (or first) data item.
_STATE_ITEMS = ("State", "IsMotion", "IsTamper", "IsGlobalSceneChange", "IsTooBlurry", "IsTooDark", "IsTooBright")
_TRUE = {"true", "1", "on", "active"}
_FALSE = {"false", "0", "off", "inactive"}


@dataclass(frozen=True)
class Notification:
    topic: str
    kind: str
    change_type: str | None  # for tamper: the scene-change type it means
    active: bool | None  # the state the message reports (None when it carries no boolean)
    operation: str  # Initialized, Changed, Deleted, or "" when absent
    occurred_at: dt.datetime | None
    source: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    xml: str = ""


def normalise_topic(text: str, nsmap: dict) -> str:
    """``ns0:VideoSource/MotionAlarm`` with ns0 bound to the ONVIF topic namespace ->
    ``tns1:VideoSource/MotionAlarm``; every path segment's prefix is resolved the same way."""
    parts = []
    for segment in (text or "").strip().split("/"):
        prefix, colon, local = segment.partition(":")
        if colon and nsmap.get(prefix) == ONVIF_TOPICS_NS:
            segment = f"tns1:{local}"
        parts.append(segment)
    return "/".join(parts)


def classify(topic: str) -> tuple[str, str | None]:
    """(kind, change_type) of a normalised topic."""
    if topic in _MOTION_TOPICS:
        return MOTION, None
    if topic in _SIGNAL_LOSS_TOPICS:
        return SIGNAL_LOSS, None
    for prefix, change_type in _TAMPER_TOPICS.items():
        if topic == prefix or topic.startswith(prefix + "/"):
            return TAMPER, change_type
    return UNKNOWN, None


def _items(message, name: str) -> dict[str, str]:
    node = message.find(f"tt:{name}", NS)
    if node is None:
        return {}
    return {item.get("Name") or "": item.get("Value") or "" for item in node.findall("tt:SimpleItem", NS)}


def _state(data: dict[str, str]) -> bool | None:
    values = [data[name] for name in _STATE_ITEMS if name in data] or list(data.values())[:1]
    if not values:
        return None
    value = values[0].strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def parse_timestamp(value: str | None) -> dt.datetime | None:
    """An ONVIF xs:dateTime as an aware datetime (UTC when it names no zone), or None."""
    if not value:
        return None
    try:
        stamp = dt.datetime.fromisoformat(re.sub(r"Z$", "+00:00", value.strip()))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def parse_notification(element) -> Notification:
    """One ``wsnt:NotificationMessage`` element."""
    topic_node = element.find("wsnt:Topic", NS)
    topic = normalise_topic(topic_node.text if topic_node is not None else "", element.nsmap | _nsmap(topic_node))
    kind, change_type = classify(topic)
    message = element.find("wsnt:Message/tt:Message", NS)
    source = data = {}
    operation, occurred_at = "", None
    if message is not None:
        source, data = _items(message, "Source"), _items(message, "Data")
        operation = message.get("PropertyOperation") or ""
        occurred_at = parse_timestamp(message.get("UtcTime"))
    return Notification(
        topic=topic,
        kind=kind,
        change_type=change_type,
        active=_state(data),
        operation=operation,
        occurred_at=occurred_at,
        source=source,
        data=data,
        xml=etree.tostring(element, encoding="unicode")[:4000],
    )


def _nsmap(node) -> dict:
    return dict(node.nsmap) if node is not None else {}


def parse_pull_response(body) -> list[Notification]:
    """Every notification of a ``PullMessagesResponse`` body (an element)."""
    return [parse_notification(node) for node in body.iter(f"{{{NS['wsnt']}}}NotificationMessage")]
