"""Fixtures of the project-wide tests."""

from __future__ import annotations

import pytest

from nem.errors import PROBLEM_TYPES


@pytest.fixture
def problem_doc():
    """``problem_doc(slug, detail, instance, **extra)``: the whole problem document the API answers
    for a kind, built from its registered type (type URI, code, title and status)."""

    def build(slug: str, detail: str, instance: str, **extra) -> dict:
        kind = PROBLEM_TYPES[slug]
        return {
            "type": f"/problems/{slug}",
            "code": slug.replace("-", "_"),
            "title": kind.title,
            "status": kind.status,
            "detail": detail,
            "instance": instance,
            **extra,
        }

    return build
