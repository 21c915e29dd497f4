"""Fixtures shared by the camera tests."""

from __future__ import annotations

import datetime as dt

import pytest

from nem.errors import PROBLEM_TYPES


def _problem_document(kind: str, detail: str, instance: str, errors: list[dict] | None = None) -> dict:
    expected_kind = PROBLEM_TYPES[kind]
    body = {
        "type": f"/problems/{kind}",
        "code": kind.replace("-", "_"),
        "title": expected_kind.title,
        "status": expected_kind.status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return body


@pytest.fixture
def problem_document():
    """``problem_document(kind, detail, instance, errors=None)``: the whole problem document the API
    answers for an error of kind ``kind`` (its slug, e.g. ``camera-not-found``)."""
    return _problem_document


@pytest.fixture
def five_cameras(db):
    """Five live cameras created a minute apart (``c0`` first), named in the reverse order
    (``c0`` is "Camera E"), with statuses and last-seen times that sort differently again."""
    from django.utils import timezone

    from cameras.tests.factories import CameraFactory

    start = timezone.now() - dt.timedelta(hours=1)
    statuses = ["online", "offline", "error", "unknown", "online"]
    return [
        CameraFactory(
            id=f"c{i}",
            name=f"Camera {'EDCBA'[i]}",
            created_at=start + dt.timedelta(minutes=i),
            status=statuses[i],
            last_seen_at=start + dt.timedelta(minutes=(i * 3) % 5),
        )
        for i in range(5)
    ]


@pytest.fixture
def trash(db):
    """Five cameras in the trash, ``t0`` deleted first, plus one live camera."""
    from django.utils import timezone

    from cameras.tests.factories import CameraFactory

    CameraFactory(id="alive")
    deleted = timezone.now() - dt.timedelta(days=1)
    return [
        CameraFactory(id=f"t{i}", name=f"Trashed {'EDCBA'[i]}", deleted_at=deleted + dt.timedelta(minutes=i))
        for i in range(5)
    ]
