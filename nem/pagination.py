"""The list envelope of every list: ``{"items": [...], "pagination": {...}}``.

``limit`` (1..max, default max) and ``offset`` page any list; ``cursor`` (opaque, from
``next_cursor``) continues after the last row of the previous page with a keyset condition on
the queryset's ordering, so rows inserted meanwhile never shift a page. A cursor carries the
ordering it was issued for: used with another ``ordering`` it is refused, not misread. The
paginator refuses unordered querysets: an unordered page can repeat or skip rows.
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from nem.errors import InvalidQueryParameter

# Databases refuse offsets past their integer range (a 500); no real page is this deep.
MAX_OFFSET = 2**31 - 1


class QuerySetNotOrdered(Exception):
    pass


def parse_int_param(request, name: str, default: int, lo: int, hi: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidQueryParameter(name, f"must be an integer, got {raw[:40]!r}") from None
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise InvalidQueryParameter(name, f"must be {bound}")
    return value


def encode_cursor(values: list, ordering: list[str] | None = None) -> str:
    """``values`` of the last row, and (for lists with ``ordering``) the ordering they follow."""
    plain = [v.isoformat() if hasattr(v, "isoformat") else v for v in values]
    raw = json.dumps(plain if ordering is None else {"o": ordering, "v": plain}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int, ordering: list[str] | None = None) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidQueryParameter("cursor", "is not a cursor this API issued") from None
    if ordering is not None:
        if not isinstance(decoded, dict) or not isinstance(decoded.get("o"), list):
            raise InvalidQueryParameter("cursor", "is not a cursor this API issued")
        if decoded["o"] != ordering:
            raise InvalidQueryParameter(
                "cursor", "was issued for another ordering; start again without a cursor, or send the same ordering"
            )
        decoded = decoded.get("v")
    if not isinstance(decoded, list) or len(decoded) != size:
        raise InvalidQueryParameter("cursor", "is not a cursor this API issued")
    return decoded


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    has_more: bool
    next_cursor: str | None


def ordering_terms(queryset: QuerySet) -> list[str]:
    """The queryset's ordering as ``name`` / ``-name`` terms. A nullable field must be ordered with
    its nulls last (``F(name).asc(nulls_last=True)``, as ``StrictOrderingFilter`` does): the
    databases disagree on where nulls go otherwise, and a keyset needs to know."""
    terms = []
    for item in queryset.query.order_by:
        if isinstance(item, OrderBy) and isinstance(item.expression, F) and item.nulls_last:
            terms.append(("-" if item.descending else "") + item.expression.name)
        elif isinstance(item, str):
            terms.append(item)
        else:
            raise QuerySetNotOrdered(f"cannot page by {item!r}: order by field names (nullable ones nulls last)")
    return terms


def _nulls_last(queryset: QuerySet) -> set[str]:
    return {
        item.expression.name
        for item in queryset.query.order_by
        if isinstance(item, OrderBy) and isinstance(item.expression, F) and item.nulls_last
    }


def keyset_after(queryset: QuerySet, ordering: list[str], values: list) -> Q:
    """Keyset condition: rows strictly after ``values`` in ``ordering`` (``-name`` descending).
    On a field ordered nulls last, a null sorts after every value in either direction."""
    model = queryset.model
    nulls_last = _nulls_last(queryset)
    condition = Q()
    equal_so_far = Q()
    for name, raw in zip(ordering, values, strict=True):
        field_name = name.lstrip("-")
        field = model._meta.pk if field_name == "pk" else model._meta.get_field(field_name)
        try:
            value = None if raw is None else field.to_python(raw)
        except Exception:  # noqa: BLE001 - any bad value is a bad cursor
            raise InvalidQueryParameter("cursor", "is not a cursor this API issued") from None
        if value is None:
            if field_name not in nulls_last:
                raise InvalidQueryParameter("cursor", "is not a cursor this API issued")
            equal_so_far &= Q(**{f"{field_name}__isnull": True})  # nothing sorts after a null but nulls
            continue
        after = Q(**{f"{field_name}__{'lt' if name.startswith('-') else 'gt'}": value})
        if field_name in nulls_last:
            after |= Q(**{f"{field_name}__isnull": True})
        condition |= equal_so_far & after
        equal_so_far &= Q(**{field_name: value})
    return condition


def keyset_page(queryset: QuerySet, *, limit: int, cursor: str | None, bind_ordering: bool = True) -> KeysetPage:
    """The one keyset paginator: ``limit`` rows of an ordered queryset after ``cursor``. With
    ``bind_ordering`` the cursor carries the ordering and is refused under another one; without it
    (a list with one fixed ordering) it is the bare list of values."""
    if not queryset.ordered:
        raise QuerySetNotOrdered(f"refusing to paginate an unordered queryset of {queryset.model.__name__}")
    ordering = ordering_terms(queryset)
    bound = ordering if bind_ordering else None
    if cursor:
        queryset = queryset.filter(keyset_after(queryset, ordering, decode_cursor(cursor, len(ordering), bound)))
    rows = list(queryset[: limit + 1])
    return _page(rows, limit, ordering, bound)


def _page(rows: list, limit: int, ordering: list[str], bound: list[str] | None) -> KeysetPage:
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        next_cursor = encode_cursor([getattr(rows[-1], f.lstrip("-")) for f in ordering], bound)
    return KeysetPage(rows, has_more, next_cursor)


class DefaultPagination(BasePagination):
    default_limit = 1000
    max_limit = 1000

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        if not queryset.ordered:
            raise QuerySetNotOrdered(f"refusing to paginate an unordered queryset of {queryset.model.__name__}")
        self.request = request
        self.limit = parse_int_param(request, "limit", self.default_limit, 1, self.max_limit)
        cursor = request.query_params.get("cursor")
        self.total = queryset.count()
        if cursor:
            if request.query_params.get("offset") not in (None, ""):
                raise InvalidQueryParameter("offset", "cannot be combined with cursor")
            self.offset = None
            page = keyset_page(queryset, limit=self.limit, cursor=cursor)
        else:
            self.offset = parse_int_param(request, "offset", 0, 0, MAX_OFFSET)
            rows = list(queryset[self.offset : self.offset + self.limit + 1])
            ordering = ordering_terms(queryset)
            page = _page(rows, self.limit, ordering, ordering)
        self.has_more = page.has_more
        self.next_cursor = page.next_cursor
        return page.rows

    def query_param_names(self) -> list[str]:
        """The query parameters this paginator reads (the strict-query check allows them)."""
        return ["limit", "offset", "cursor"]

    def pagination_data(self) -> OrderedDict:
        data = OrderedDict(total=self.total, limit=self.limit, offset=self.offset)
        data["next_cursor"] = self.next_cursor
        data["has_more"] = self.has_more
        return data

    def get_paginated_response(self, data) -> Response:
        return Response(OrderedDict(items=data, pagination=self.pagination_data()))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        props = {
            "total": {"type": "integer", "example": 6, "description": "Rows matching the filters, on all pages."},
            "limit": {"type": "integer", "example": 1000, "description": "The page size applied."},
            "offset": {
                "type": "integer",
                "nullable": True,
                "example": 0,
                "description": "Rows skipped before this page; null when the page was read with `cursor`.",
            },
            "has_more": {"type": "boolean", "example": False, "description": "Whether rows follow this page."},
        }
        props["next_cursor"] = {
            "type": "string",
            "nullable": True,
            "example": None,
            "description": "Send as `cursor` (with the same `ordering`) for the next page; null on the last.",
        }
        return {
            "type": "object",
            "required": ["items", "pagination"],
            "properties": {
                "items": (
                    {**schema, "description": "The rows of this page, in the list's ordering."}
                    if isinstance(schema, dict)
                    else schema
                ),
                "pagination": {
                    "type": "object",
                    "description": "Where this page is in the list, and how to get the next one.",
                    "required": list(props),
                    "properties": props,
                },
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Page size, 1-{self.max_limit} (default {self.default_limit}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_limit},
            },
            {
                "name": "offset",
                "in": "query",
                "required": False,
                "description": "Rows to skip (default 0).",
                "schema": {"type": "integer", "minimum": 0},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "Opaque cursor from `pagination.next_cursor`; not combined with offset.",
                "schema": {"type": "string"},
            },
        ]

