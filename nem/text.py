"""Text rules shared by every app."""

from __future__ import annotations

import re

# The one control-character rule: C0 controls (NUL, tab, newline...) and DEL. No id, name, path,
# token or URL this API stores contains one; PostgreSQL refuses NUL in text outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None
