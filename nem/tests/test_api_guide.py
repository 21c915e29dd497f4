"""docs/api-guide.md stays true: its table of problem kinds is the registry's, every path it
shows is served, and the README links it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from nem.errors import PROBLEM_TYPES
from nem.problem_pages import problem_table_markdown

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "api-guide.md").read_text()
TABLE = re.compile(r"<!-- problem-types:start -->\n(.*?)\n<!-- problem-types:end -->", re.S)
REGENERATE = (
    ".venv/bin/python manage.py shell -c "
    '"from nem.problem_pages import problem_table_markdown; print(problem_table_markdown())"'
)


def test_the_guide_carries_the_table_of_every_problem_kind():
    found = TABLE.search(GUIDE)
    assert found, "docs/api-guide.md lost its problem-types markers"
    expected = problem_table_markdown()
    assert found.group(1) == expected, (
        f"The problem kinds changed: replace the table in docs/api-guide.md with the output of\n{REGENERATE}\n\n{expected}"
    )


def test_the_guide_names_every_problem_kind():
    problem_table_markdown()  # registers every app's kinds
    missing = [slug for slug in PROBLEM_TYPES if f"`/problems/{slug}`" not in GUIDE]
    assert not missing, f"docs/api-guide.md does not list: {missing}"


def guide_paths() -> list[str]:
    paths = set(re.findall(r"\$BASE(/[^\s\"'?]*)", GUIDE))
    paths |= set(re.findall(r"`(?:GET|POST|PUT|PATCH|DELETE) (/[^\s`?]*)", GUIDE))
    return sorted(paths)


def test_the_guide_shows_paths():
    assert len(guide_paths()) > 8


@pytest.mark.parametrize("path", guide_paths())
def test_every_path_the_guide_shows_is_served(path):
    concrete = re.sub(r"\{[\w-]+\}", "1", path)
    try:
        resolve(concrete)
    except Resolver404:
        pytest.fail(f"docs/api-guide.md shows {path}, which no URL pattern serves")


def test_the_guide_covers_auth_lists_errors_and_idempotency():
    for needle in ("X-API-Key", "api_key", "create_api_key", "limit", "offset", "cursor", "ordering", "next_cursor",
                   "application/problem+json", "Idempotency-Key", "NEM_DETECTION_IDEMPOTENCY_HOURS",
                   "Idempotent-Replayed", "/api/alert-endpoints"):
        assert needle in GUIDE, needle


def test_the_readme_links_the_guide():
    assert "docs/api-guide.md" in (ROOT / "README.md").read_text()
