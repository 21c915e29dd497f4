"""The detection validation table: the published request schema and the check agree."""

import datetime as dt

import pytest
from drf_spectacular.generators import SchemaGenerator

from baselines.services.ingest_validation import ITEM_TABLE, MAX_ITEMS, detections_parse
from nem.errors import InvalidInput

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
VALID = {"camera_id": "front_door", "detected_at": "2026-03-02T10:00:00Z", "object_type": "person", "confidence": 0.5}


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def _errors(item) -> list[dict]:
    with pytest.raises(InvalidInput) as raised:
        detections_parse(payload={"detections": [item]}, now=NOW)
    return raised.value.errors


def test_every_table_field_is_published_with_its_rules(components):
    item = components["DetectionItemRequest"]
    assert list(item["properties"]) == [field.name for field in ITEM_TABLE]
    assert item["required"] == sorted(field.name for field in ITEM_TABLE if field.required)
    for field in ITEM_TABLE:
        published = item["properties"][field.name]
        assert published["description"] == field.help_text
        assert published["type"] == {"number": "number", "string": "string", "datetime": "string"}[field.kind]
        assert published.get("format") == {"number": "double", "datetime": "date-time"}.get(field.kind)
        assert published.get("minimum") == field.minimum
        assert published.get("maximum") == field.maximum
        assert published.get("maxLength") == field.max_length
        assert published.get("minLength") == (1 if field.non_empty else None)
        assert published.get("nullable", False) is (not field.required)
    batch = components["DetectionBatchRequest"]
    assert batch["required"] == ["detections"]
    assert batch["properties"]["detections"]["minItems"] == 1
    assert batch["properties"]["detections"]["maxItems"] == MAX_ITEMS


@pytest.mark.parametrize("field", [f for f in ITEM_TABLE if f.minimum is not None or f.maximum is not None], ids=lambda f: f.name)
def test_the_check_accepts_each_bound_and_refuses_past_it(field):
    for bound in (field.minimum, field.maximum):
        if bound is None:
            continue
        row = detections_parse(payload={"detections": [{**VALID, field.name: bound}]}, now=NOW)[0]
        assert getattr(row, field.name) == bound
    if field.minimum is not None:
        assert _errors({**VALID, field.name: field.minimum - 0.001}) == [
            {"field": f"detections.0.{field.name}", "message": field.message}
        ]
    if field.maximum is not None:
        assert _errors({**VALID, field.name: field.maximum + 0.001}) == [
            {"field": f"detections.0.{field.name}", "message": field.message}
        ]


@pytest.mark.parametrize("field", [f for f in ITEM_TABLE if f.max_length is not None], ids=lambda f: f.name)
def test_the_check_accepts_the_longest_string_and_refuses_one_more_character(field):
    row = detections_parse(payload={"detections": [{**VALID, field.name: "a" * field.max_length}]}, now=NOW)[0]
    assert getattr(row, field.name) == "a" * field.max_length
    assert _errors({**VALID, field.name: "a" * (field.max_length + 1)}) == [
        {"field": f"detections.0.{field.name}", "message": field.message}
    ]


def test_the_check_requires_what_the_table_requires_and_defaults_the_rest():
    assert _errors({}) == [
        {"field": f"detections.0.{field.name}", "message": "This field is required."}
        for field in ITEM_TABLE
        if field.required
    ]
    row = detections_parse(payload={"detections": [VALID]}, now=NOW)[0]
    assert row._asdict() == {
        **{field.name: field.default for field in ITEM_TABLE},
        "camera_id": "front_door",
        "detected_at": dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
        "object_type": "person",
        "confidence": 0.5,
    }
