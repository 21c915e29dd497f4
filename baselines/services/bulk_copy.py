"""PostgreSQL COPY for the bulk inserts of ingest: rows formatted as one text buffer.

Building a thousand model instances and preparing their parameters costs more than the insert
itself, and psycopg's per-row ``write_row`` costs about as much again; one f-string per row and a
single ``COPY ... FROM STDIN`` inside the caller's transaction avoid both.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from baselines.services.ingest_validation import DetectionRow


def copy_field(value) -> str:
    """One value in COPY's text format: NULL as \\N, backslash and separators escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return repr(value)


def copy_text(table: str, columns: tuple[str, ...], text: str) -> None:
    """COPY ``text`` (one line per row, values tab-separated) into ``columns`` of ``table``."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(text.encode())


def copy_value(value: str) -> str:
    """A string value in COPY text format (escaped only when it needs to be)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return copy_field(value)
    return value


def detection_line(row: DetectionRow) -> str:
    """A detection row's columns up to file_path in COPY text format (the hot path of ingest:
    one f-string per row rather than one call per value)."""
    camera_id, at, kind, confidence, x, y, width, height, file_path = row
    if x is None or y is None or width is None or height is None:
        x, y, width, height = (copy_field(v) for v in (x, y, width, height))
    return (
        f"{copy_value(camera_id)}\t{at.isoformat()}\t{copy_value(kind)}\t{confidence!r}\t{x!s}\t{y!s}\t{width!s}\t"
        f"{height!s}\t{copy_value(file_path)}"
    )
