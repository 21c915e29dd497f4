"""The published OpenAPI schema is complete and consistent: tags, summaries, descriptions,
operation ids, parameter descriptions and examples, property descriptions, component names, and
problem documents with examples for every error. Each assertion lists every offender."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from nem.errors import PROBLEM_CONTENT_TYPE

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "post", "put", "patch", "delete")
OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
# Words that belong to internal notes, not to a published description.
LEAKS = re.compile(r"``|:class:|:func:|\bTODO\b|\bFIXME\b|\bself\.|\bissue \d+|\bspec\b|\bseed\b|\bpeers?\b")


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", path, item[method]


def fail_listing(problems: list[str], what: str) -> None:
    assert not problems, f"{len(problems)} {what}:\n" + "\n".join(sorted(problems))


def test_the_schema_has_operations(schema):
    assert len(list(operations(schema))) > 30


def test_every_operation_has_a_resource_tag_a_summary_and_a_description(schema):
    declared = {tag["name"] for tag in schema.get("tags", [])}
    problems = []
    for name, _path, op in operations(schema):
        tags = op.get("tags") or []
        if not tags or "api" in tags:
            problems.append(f"{name}: tags {tags}")
        problems += [f"{name}: tag {t!r} is not in SPECTACULAR_SETTINGS['TAGS']" for t in tags if t not in declared]
        if not (op.get("summary") or "").strip():
            problems.append(f"{name}: no summary")
        if not (op.get("description") or "").strip():
            problems.append(f"{name}: no description")
    fail_listing(problems, "operations without a tag, summary or description")


def test_every_declared_tag_is_described(schema):
    fail_listing([t["name"] for t in schema.get("tags", []) if not t.get("description")], "tags without description")


def test_operation_ids_are_unique_and_named_resource_verb(schema):
    ids = [(name, op.get("operationId", "")) for name, _path, op in operations(schema)]
    counts = Counter(op_id for _name, op_id in ids)
    problems = [f"{name}: {op_id!r} is used {counts[op_id]} times" for name, op_id in ids if counts[op_id] > 1]
    problems += [f"{name}: {op_id!r} is not <resource>_<verb>" for name, op_id in ids if not OPERATION_ID.match(op_id)]
    problems += [f"{name}: {op_id!r} starts with api_" for name, op_id in ids if op_id.startswith("api_")]
    fail_listing(problems, "bad operation ids")


def test_the_main_operations_have_the_documented_ids(schema):
    ids = {name: op.get("operationId") for name, _path, op in operations(schema)}
    expected = {
        "GET /api/cameras": "cameras_list",
        "POST /api/cameras": "cameras_create",
        "GET /api/cameras/{camera_id}": "cameras_retrieve",
        "PATCH /api/cameras/{camera_id}": "cameras_partial_update",
        "DELETE /api/cameras/{camera_id}": "cameras_destroy",
        "GET /api/cameras/deleted": "cameras_trash_list",
        "POST /api/cameras/{camera_id}/restore": "cameras_restore",
        "GET /api/detections": "detections_list",
        "POST /api/detections": "detections_create",
        "GET /api/": "root_retrieve",
    }
    fail_listing([f"{k}: {ids.get(k)!r}, expected {v!r}" for k, v in expected.items() if ids.get(k) != v],
                 "operations with another id")


def test_every_parameter_has_a_description_and_an_example(schema):
    problems = []
    for name, _path, op in operations(schema):
        for parameter in op.get("parameters", []):
            label = f"{name}: {parameter['in']} parameter {parameter['name']!r}"
            if not (parameter.get("description") or "").strip():
                problems.append(f"{label} has no description")
            has_example = "example" in parameter or parameter.get("examples") or "example" in parameter.get("schema", {})
            if not has_example:
                problems.append(f"{label} has no example")
    fail_listing(problems, "parameters without description or example")


def component_properties(schema: dict):
    for component, body in schema["components"]["schemas"].items():
        for prop, definition in body.get("properties", {}).items():
            yield component, prop, definition


def test_every_property_of_every_component_has_a_description(schema):
    problems = []
    for component, prop, definition in component_properties(schema):
        described = definition.get("description") or (
            # a $ref wrapped in allOf/oneOf carries its description beside the reference
            "allOf" in definition and any(part.get("description") for part in definition["allOf"])
        )
        if not described:
            problems.append(f"{component}.{prop}")
    fail_listing(problems, "component properties without a description")


def test_component_names_do_not_double_up(schema):
    names = list(schema["components"]["schemas"])
    problems = [n for n in names if "RequestRequest" in n]
    problems += [n for n in names if re.search(r"\d+$", n) and re.sub(r"\d+$", "", n) in names]
    problems += [n for n in names if n.endswith("Serializer")]
    fail_listing(problems, "component names that double up")


def test_every_error_response_is_a_problem_document_with_an_example(schema):
    problems = []
    for name, _path, op in operations(schema):
        for status, response in op.get("responses", {}).items():
            if not status.isdigit() or int(status) < 400:
                continue
            content = response.get("content", {})
            if set(content) != {PROBLEM_CONTENT_TYPE}:
                problems.append(f"{name} {status}: content types {sorted(content)}, not only {PROBLEM_CONTENT_TYPE}")
                continue
            media = content[PROBLEM_CONTENT_TYPE]
            if not (media.get("example") or media.get("examples")):
                problems.append(f"{name} {status}: no example")
            ref = media.get("schema", {}).get("$ref", "")
            if not ref.endswith(("/Problem", "/ValidationProblem")) and "Problem" not in ref:
                problems.append(f"{name} {status}: schema {media.get('schema')} is not a problem document")
    fail_listing(problems, "error responses that are not documented problem documents")


def test_error_examples_carry_type_and_code(schema):
    problems = []
    for name, _path, op in operations(schema):
        for status, response in op.get("responses", {}).items():
            media = response.get("content", {}).get(PROBLEM_CONTENT_TYPE, {})
            for key, example in (media.get("examples") or {}).items():
                value = example.get("value", {})
                if not str(value.get("type", "")).startswith("/problems/") or not value.get("code"):
                    problems.append(f"{name} {status} example {key!r}: type {value.get('type')!r}, code {value.get('code')!r}")
                elif value.get("status") != int(status):
                    problems.append(f"{name} {status} example {key!r}: status {value.get('status')!r}")
    fail_listing(problems, "error examples without the problem type and code of their status")


def test_no_internal_notes_are_published(schema):
    problems = []
    if LEAKS.search(schema["info"]["description"]):
        problems.append("info.description")
    for name, _path, op in operations(schema):
        for field in ("summary", "description"):
            if LEAKS.search(op.get(field) or ""):
                problems.append(f"{name} {field}: {LEAKS.search(op[field]).group(0)!r}")
        for parameter in op.get("parameters", []):
            if LEAKS.search(parameter.get("description") or ""):
                problems.append(f"{name} parameter {parameter['name']}: {LEAKS.search(parameter['description']).group(0)!r}")
    for component, body in schema["components"]["schemas"].items():
        if LEAKS.search(body.get("description") or ""):
            problems.append(f"component {component}: {LEAKS.search(body['description']).group(0)!r}")
        for prop, definition in body.get("properties", {}).items():
            if LEAKS.search(definition.get("description") or ""):
                problems.append(f"{component}.{prop}: {LEAKS.search(definition['description']).group(0)!r}")
    fail_listing(problems, "published texts with internal notes")


def test_the_api_description_explains_auth_lists_ordering_and_errors(schema):
    text = schema["info"]["description"]
    for needle in ("X-API-Key", "api_key", "limit", "offset", "cursor", "ordering", "application/problem+json",
                   "/problems/", "Idempotency-Key"):
        assert needle in text, needle


@pytest.mark.slow
def test_spectacular_validates_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--file", str(tmp_path / "schema.yaml"), "--validate",
         "--fail-on-warn", "--settings", "nem.settings.test"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-5000:]


@pytest.mark.parametrize(
    ("status", "path", "method", "body", "expected"),
    [
        ("404", "/api/cameras/{camera_id}/baseline", "get", False, ["camera-not-found", "not-found"]),
        ("404", "/api/alerts/{id}", "get", False, ["alert-not-found", "not-found"]),
        ("404", "/api/alert-endpoints/{id}", "get", False, ["alert-endpoint-not-found", "not-found"]),
        ("409", "/api/cameras", "post", True, ["camera-conflict", "conflict"]),
        ("400", "/api/cameras/{camera_id}/restore", "post", False, ["bad-request", "camera-not-deleted"]),
        ("422", "/api/detections", "get", False, ["invalid-query-parameter"]),
        ("422", "/api/detections", "post", True, ["invalid-query-parameter", "validation-error"]),
        ("503", "/ready", "get", False, ["database-unavailable", "not-ready", "service-unavailable"]),
    ],
)
def test_error_examples_are_the_kinds_of_the_operations_resource(status, path, method, body, expected):
    from nem.problem_pages import problem_table_markdown
    from nem.schema import kinds_for

    problem_table_markdown()  # registers every app's kinds
    operation = {"requestBody": {}} if body else {}
    assert [k.slug for k in kinds_for(status, path, method, operation)] == expected
