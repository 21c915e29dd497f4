"""Fixtures shared by the camera tests."""

from __future__ import annotations

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
