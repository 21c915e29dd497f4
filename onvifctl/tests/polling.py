"""Waiting for something a background thread does, within a bound."""

from __future__ import annotations

import time


def wait_for(predicate, *, timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes (a bound, not an expectation)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())
