"""The rollup on PostgreSQL: hourly rollups and slots as a few set-based statements.

Same result as the portable path (``rollup.portable``) (the tests run both), without moving rows
through Python, and incremental: the hourly job re-reads only the hours due, not eight weeks of
detections. For a group of cameras on one clock:

1. Hours due: those never rolled up on this clock (new to the window, after a reset or a time
   zone change) and those overlapping a ``DirtyHour`` mark (triggers on the detections table
   mark every insert, update and delete), claimed by deleting the marks.
2. If more than a quarter of the hours are due (a first run, ``--full``), the detections of the
   whole window are aggregated in one pass by (camera, local hour, class); otherwise each hour
   due is aggregated from an index range. The hourly class rows are brought in line by one
   DELETE and one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE changed`` (a rerun rewrites
   nothing).
3. The window's class-hours are read back from the hourly class rows into a temporary table,
   and the hourly totals and the slots are computed from it in SQL.

Local hours: Python lists each camera's hour keys (``clock.hour_keys``, the instant each local
hour began, as ``TruncHour(tzinfo=...)`` names it, with its weekday, hour and decay weight) and
passes them as arrays; the aggregation joins on the local wall-clock hour. PostgreSQL would map
the repeated hour of a DST change to its second instant, Django to its first: the key table keeps
the two identical. Weighted sums are ordered by hour (``sum(... ORDER BY hour_start)``, oldest
first, as the portable path adds them), so a rerun gives bit-identical floats whatever the
physical order of the rows.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from baselines.models import ActivitySlot, ClassSlot, Detection, DirtyHour, HourlyClassCount, HourlyCount
from baselines.services.rollup.window import CameraWindow, GroupStats

# Re-read the whole window from the detections table (one sequential pass) rather than hour by
# hour (an index range per hour) when more than this share of its hours is due.
FULL_ROLLUP_SHARE = 0.25


def _tables() -> dict[str, str]:
    return {
        "detection": Detection._meta.db_table,
        "hourly": HourlyCount._meta.db_table,
        "hourly_class": HourlyClassCount._meta.db_table,
        "activity": ActivitySlot._meta.db_table,
        "class_slot": ClassSlot._meta.db_table,
        "dirty": DirtyHour._meta.db_table,
    }




def rollup_and_slots(
    *, windows: list[CameraWindow], tz, window_end: dt.datetime, stamp: dt.datetime, full: bool = False
) -> dict[str, GroupStats]:
    """Bring the hourly rows of cameras on the clock ``tz`` up to date and rebuild their slots
    (caller holds the transaction, the claims and the state locks). Only the hours due are
    re-read from the detections, unless ``full`` or more than ``FULL_ROLLUP_SHARE`` of them are."""
    t = _tables()
    tz_name = str(tz)
    with connection.cursor() as cursor:
        _session_settings(cursor)
        _load_windows(cursor, windows, window_end)
        _claim_dirty_marks(cursor, t)
        full, rolled_up = _hours_due(cursor, t, windows, full)
        if full:
            _rollup_full(cursor, t, tz_name=tz_name, window_end=window_end, min_start=min(w.start for w in windows))
        else:
            _rollup_due(cursor, t, tz_name=tz_name, window_end=window_end)
        _hour_totals(cursor)
        _write_hourly(cursor, t, due_only=not full)
        _write_activity_slots(cursor, t, stamp=stamp)
        _write_class_slots(cursor, t, stamp=stamp)
        stats = _group_stats(cursor, t, rolled_up)
        cursor.execute("DROP TABLE IF EXISTS bl_cams, bl_keys, bl_dirty, bl_redo, bl_new, bl_class, bl_totals")
    return stats


def _session_settings(cursor) -> None:
    """Planner settings for this transaction only. The temporary tables have no statistics when
    first planned, so their estimates (and the costs) can be far off: JIT compilation then kicks
    in and costs more than the statements themselves. The class-slot aggregates sort every
    class-hour of the window (about 120,000 rows for 20 cameras and 8 weeks): the default 4 MB of
    work memory spills them to disk."""
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '64MB'")


def _load_windows(cursor, windows: list[CameraWindow], window_end: dt.datetime) -> None:
    """``bl_cams``: one row per camera (first observed hour, min samples); ``bl_keys``: one row
    per camera and local hour of its window, with the hour's instant, end, weekday, hour and weight."""
    cursor.execute(
        "CREATE TEMP TABLE bl_cams (camera_id text PRIMARY KEY, start_at timestamptz, min_samples int)"
        " ON COMMIT DROP"
    )
    cursor.execute(
        "INSERT INTO bl_cams SELECT * FROM unnest(%s::text[], %s::timestamptz[], %s::int[])",
        [[w.camera_id for w in windows], [w.start for w in windows], [w.min_samples for w in windows]],
    )
    cursor.execute(
        "CREATE TEMP TABLE bl_keys (camera_id text, local_hour timestamp, hour_start timestamptz,"
        " hour_end timestamptz, day_of_week smallint, hour smallint, weight float8,"
        " PRIMARY KEY (camera_id, local_hour)) ON COMMIT DROP"
    )
    # Cameras with the same start share one list of keys.
    by_start: dict[dt.datetime, list[CameraWindow]] = {}
    for window in windows:
        by_start.setdefault(window.start, []).append(window)
    for same in by_start.values():
        keys = same[0].keys
        cursor.execute(
            "INSERT INTO bl_keys SELECT c.camera_id, k.* FROM unnest(%s::text[]) AS c(camera_id)"
            " CROSS JOIN unnest(%s::timestamp[], %s::timestamptz[], %s::timestamptz[], %s::smallint[],"
            " %s::smallint[], %s::float8[]) AS k(local_hour, hour_start, hour_end, day_of_week, hour, weight)",
            [
                [w.camera_id for w in same],
                [k.replace(tzinfo=None) for k in keys],
                keys,
                [*keys[1:], window_end] if keys else [],  # a local hour ends where the next begins
                [k.weekday() for k in keys],
                [k.hour for k in keys],
                same[0].weights,
            ],
        )
    cursor.execute("ANALYZE bl_keys")


def _claim_dirty_marks(cursor, t: dict[str, str]) -> None:
    """``bl_dirty``: the hours whose detections changed, claimed by deleting their marks. A writer
    still holding a mark (its transaction open) makes this wait, then its rows are read by the
    rollup; a mark made after this statement stays for the next run."""
    cursor.execute("CREATE TEMP TABLE bl_dirty (camera_id text, hour_start timestamptz) ON COMMIT DROP")
    cursor.execute(
        f"WITH claimed AS (DELETE FROM {t['dirty']} d USING bl_cams c WHERE d.camera_id = c.camera_id"
        " RETURNING d.camera_id, d.hour_start) INSERT INTO bl_dirty SELECT * FROM claimed"
    )


def _hours_due(cursor, t: dict[str, str], windows: list[CameraWindow], full: bool) -> tuple[bool, dict[str, int]]:
    """``bl_redo``: every key never rolled up (a new hour, a wider window, a reset) or rolled up
    on another clock (the camera's time zone changed), and every key overlapping an hour whose
    detections changed. Returns whether to roll up the whole window instead (``full``, or too many
    hours due) and the hours each camera re-reads from the detections."""
    rolled_up = {w.camera_id: len(w.keys) for w in windows}
    if full:
        return True, rolled_up
    total_keys = sum(len(w.keys) for w in windows)
    # A local hour [hour_start, hour_end) is due when a marked UTC hour [h, h + 1h) overlaps
    # it (two local hours in a half-hour zone; the repeated hour of a DST change is 2h long).
    cursor.execute(
        f"""
        CREATE TEMP TABLE bl_redo ON COMMIT DROP AS
        SELECT k.camera_id, k.local_hour, k.hour_start, k.hour_end, k.day_of_week, k.hour FROM bl_keys k
        WHERE NOT EXISTS (
            SELECT 1 FROM {t["hourly"]} h WHERE h.camera_id = k.camera_id AND h.hour_start = k.hour_start
            AND h.day_of_week = k.day_of_week AND h.hour = k.hour  -- else rolled up on another clock
        ) OR EXISTS (
            SELECT 1 FROM bl_dirty d WHERE d.camera_id = k.camera_id
            AND d.hour_start > k.hour_start - interval '1 hour' AND d.hour_start < k.hour_end
        )
        """
    )
    if cursor.rowcount > FULL_ROLLUP_SHARE * total_keys:
        return True, rolled_up
    cursor.execute("SELECT camera_id, count(*) FROM bl_redo GROUP BY 1")
    rolled_up = {w.camera_id: 0 for w in windows} | dict(cursor.fetchall())
    return False, rolled_up


def _hour_totals(cursor) -> None:
    """``bl_totals``: detections per camera and hour of the window, zero hours included."""
    cursor.execute(
        "CREATE TEMP TABLE bl_totals ON COMMIT DROP AS"
        " SELECT k.camera_id, k.hour_start, k.day_of_week, k.hour, k.weight, coalesce(s.n, 0) AS n"
        " FROM bl_keys k LEFT JOIN (SELECT camera_id, hour_start, sum(n)::bigint AS n FROM bl_class GROUP BY 1, 2) s"
        " ON s.camera_id = k.camera_id AND s.hour_start = k.hour_start"
    )
    cursor.execute("ANALYZE bl_totals")


def _write_hourly(cursor, t: dict[str, str], *, due_only: bool) -> None:
    """Hourly rows: drop what left the window, write what changed. Only the hours due can have
    changed when not rolling up the whole window (the others' class rows were not touched)."""
    cursor.execute(
        f"DELETE FROM {t['hourly']} h USING bl_cams c WHERE h.camera_id = c.camera_id AND h.hour_start < c.start_at"
    )
    due_filter = (
        "WHERE EXISTS (SELECT 1 FROM bl_redo r WHERE r.camera_id = o.camera_id AND r.hour_start = o.hour_start)"
        if due_only
        else ""
    )
    cursor.execute(
        f"""
        INSERT INTO {t["hourly"]} AS h (camera_id, hour_start, day_of_week, hour, count, deleted_by)
        SELECT camera_id, hour_start, day_of_week, hour, n, '' FROM bl_totals o {due_filter}
        ON CONFLICT (camera_id, hour_start) DO UPDATE
        SET count = EXCLUDED.count, day_of_week = EXCLUDED.day_of_week, hour = EXCLUDED.hour
        WHERE (h.count, h.day_of_week, h.hour) IS DISTINCT FROM (EXCLUDED.count, EXCLUDED.day_of_week, EXCLUDED.hour)
        """
    )


def _write_activity_slots(cursor, t: dict[str, str], *, stamp: dt.datetime) -> None:
    """Activity slots: weighted mean and (two-pass) weighted population std of each (weekday,
    hour) over the observed hours; all 168 slots, unobserved ones zero."""
    cursor.execute(
        f"""
        WITH m AS (
            SELECT camera_id, day_of_week, hour, count(*) AS observed,
                   sum(weight ORDER BY hour_start) AS tw, sum(weight * n ORDER BY hour_start) AS twx
            FROM bl_totals GROUP BY 1, 2, 3
        ), v AS (
            SELECT o.camera_id, o.day_of_week, o.hour,
                   sum(o.weight * (o.n - m.twx / m.tw) ^ 2 ORDER BY o.hour_start) AS twv
            FROM bl_totals o JOIN m USING (camera_id, day_of_week, hour)
            GROUP BY 1, 2, 3
        )
        INSERT INTO {t["activity"]} AS s
            (camera_id, day_of_week, hour, avg_count, std_dev, sample_count, updated_at, deleted_by)
        SELECT c.camera_id, d, h, coalesce(m.twx / m.tw, 0), coalesce(sqrt(greatest(v.twv / m.tw, 0)), 0),
               coalesce(m.observed, 0), %(stamp)s, ''
        FROM bl_cams c CROSS JOIN generate_series(0, 6) AS d CROSS JOIN generate_series(0, 23) AS h
        LEFT JOIN m ON m.camera_id = c.camera_id AND m.day_of_week = d AND m.hour = h
        LEFT JOIN v ON v.camera_id = c.camera_id AND v.day_of_week = d AND v.hour = h
        ON CONFLICT (camera_id, day_of_week, hour) DO UPDATE
        SET avg_count = EXCLUDED.avg_count, std_dev = EXCLUDED.std_dev, sample_count = EXCLUDED.sample_count,
            updated_at = EXCLUDED.updated_at
        """,
        {"stamp": stamp},
    )


def _write_class_slots(cursor, t: dict[str, str], *, stamp: dt.datetime) -> None:
    """Class slots, 24 per class seen: over every observed hour at that hour of day, the class's
    zero hours included (they add weight, and mean^2 each to the variance). Slots of classes no
    longer seen are deleted."""
    cursor.execute(
        f"""
        DELETE FROM {t["class_slot"]} s USING bl_cams c
        WHERE s.camera_id = c.camera_id
          AND NOT EXISTS (SELECT 1 FROM bl_class x WHERE x.camera_id = s.camera_id AND x.object_type = s.object_type)
        """
    )
    cursor.execute(
        f"""
        WITH hw AS (
            SELECT camera_id, hour, count(*) AS observed, sum(weight ORDER BY hour_start) AS tw
            FROM bl_keys GROUP BY 1, 2
        ), m AS (
            SELECT camera_id, object_type, hour, sum(n)::bigint AS seen, sum(weight ORDER BY hour_start) AS tw_seen,
                   sum(weight * n ORDER BY hour_start) AS twx
            FROM bl_class GROUP BY 1, 2, 3
        ), v AS (
            SELECT x.camera_id, x.object_type, x.hour,
                   sum(x.weight * (x.n - m.twx / hw.tw) ^ 2 ORDER BY x.hour_start) AS twv
            FROM bl_class x JOIN m USING (camera_id, object_type, hour) JOIN hw USING (camera_id, hour)
            GROUP BY 1, 2, 3
        ), classes AS (
            SELECT DISTINCT camera_id, object_type FROM m
        ), slots AS (
            SELECT k.camera_id, k.object_type, h, hw.observed, hw.tw, coalesce(m.seen, 0) AS seen,
                   coalesce(m.twx / hw.tw, 0) AS mean, coalesce(m.tw_seen, 0) AS tw_seen, coalesce(v.twv, 0) AS twv
            FROM classes k CROSS JOIN generate_series(0, 23) AS h
            LEFT JOIN hw ON hw.camera_id = k.camera_id AND hw.hour = h
            LEFT JOIN m ON m.camera_id = k.camera_id AND m.object_type = k.object_type AND m.hour = h
            LEFT JOIN v ON v.camera_id = k.camera_id AND v.object_type = k.object_type AND v.hour = h
        )
        INSERT INTO {t["class_slot"]} AS s
            (camera_id, object_type, hour, frequency, std_dev, hours_observed, sample_count, updated_at, deleted_by)
        SELECT camera_id, object_type, h, mean,
               coalesce(sqrt(greatest((twv + mean * mean * (tw - tw_seen)) / tw, 0)), 0),
               coalesce(observed, 0), seen, %(stamp)s, ''
        FROM slots
        ON CONFLICT (camera_id, object_type, hour) DO UPDATE
        SET frequency = EXCLUDED.frequency, std_dev = EXCLUDED.std_dev, hours_observed = EXCLUDED.hours_observed,
            sample_count = EXCLUDED.sample_count, updated_at = EXCLUDED.updated_at
        """,
        {"stamp": stamp},
    )


def _group_stats(cursor, t: dict[str, str], rolled_up: dict[str, int]) -> dict[str, GroupStats]:
    """Per camera: hours, detections, learnt slots (``sample_count >= min_samples``), hours re-read."""
    cursor.execute(
        f"""
        SELECT c.camera_id, coalesce(k.hours, 0), coalesce(k.detections, 0), coalesce(s.learnt, 0)
        FROM bl_cams c
        LEFT JOIN (SELECT camera_id, count(*) AS hours, sum(n) AS detections FROM bl_totals GROUP BY 1) k
            ON k.camera_id = c.camera_id
        LEFT JOIN (
            SELECT s.camera_id, count(*) AS learnt FROM {t["activity"]} s JOIN bl_cams c ON c.camera_id = s.camera_id
            WHERE s.sample_count >= c.min_samples GROUP BY 1
        ) s ON s.camera_id = c.camera_id
        """
    )
    return {
        row[0]: GroupStats(hours=row[1], detections=int(row[2]), learnt_slots=row[3], rolled_up_hours=rolled_up[row[0]])
        for row in cursor
    }


def _rollup_full(cursor, t: dict[str, str], *, tz_name: str, window_end: dt.datetime, min_start: dt.datetime) -> None:
    """Every hour of the window from the detections (one pass), into ``bl_class``; the hourly
    class rows brought in line with it."""
    # Detections per camera, local hour and class: the one read of the detections table.
    cursor.execute(
        f"""
        CREATE TEMP TABLE bl_class ON COMMIT DROP AS
        SELECT k.camera_id, k.hour_start, a.object_type, k.day_of_week, k.hour, k.weight, a.n
        FROM (
            SELECT d.camera_id, date_trunc('hour', d.detected_at AT TIME ZONE %(tz)s) AS local_hour,
                   d.object_type, count(*) AS n
            FROM {t["detection"]} d JOIN bl_cams c ON c.camera_id = d.camera_id
            WHERE d.deleted_at IS NULL AND d.detected_at >= c.start_at AND d.detected_at < %(end)s
              AND d.detected_at >= %(min_start)s
            GROUP BY 1, 2, 3
        ) a
        JOIN bl_keys k ON k.camera_id = a.camera_id AND k.local_hour = a.local_hour
        """,
        {"tz": tz_name, "end": window_end, "min_start": min_start},
    )
    # Drop what left the window (or was never seen again), write what changed.
    cursor.execute(
        f"""
        DELETE FROM {t["hourly_class"]} h USING bl_cams c
        WHERE h.camera_id = c.camera_id AND h.hour_start < %(end)s
          AND NOT EXISTS (
            SELECT 1 FROM bl_class x
            WHERE x.camera_id = h.camera_id AND x.hour_start = h.hour_start AND x.object_type = h.object_type
          )
        """,
        {"end": window_end},
    )
    _upsert_hourly_class(cursor, t, source="bl_class")


def _rollup_due(cursor, t: dict[str, str], *, tz_name: str, window_end: dt.datetime) -> None:
    """The hours in ``bl_redo`` from the detections (an index range each), the hourly class rows
    patched with them, then ``bl_class`` for the whole window read from the hourly class rows."""
    cursor.execute("ANALYZE bl_redo")
    cursor.execute(
        f"""
        CREATE TEMP TABLE bl_new ON COMMIT DROP AS
        SELECT r.camera_id, r.hour_start, d.object_type, r.day_of_week, r.hour, count(*) AS n
        FROM bl_redo r
        JOIN bl_cams c ON c.camera_id = r.camera_id
        -- An index range per hour due. OFFSET 0 keeps the subquery from being flattened into a
        -- join, which the planner (not knowing how few hours are due) turns into a full scan.
        CROSS JOIN LATERAL (
            SELECT d.object_type FROM {t["detection"]} d
            WHERE d.camera_id = r.camera_id
              AND d.detected_at >= greatest(r.hour_start, c.start_at) AND d.detected_at < least(r.hour_end, %(end)s)
              AND d.deleted_at IS NULL AND date_trunc('hour', d.detected_at AT TIME ZONE %(tz)s) = r.local_hour
            OFFSET 0
        ) d
        GROUP BY 1, 2, 3, 4, 5
        """,
        {"tz": tz_name, "end": window_end},
    )
    cursor.execute(
        f"""
        DELETE FROM {t["hourly_class"]} h USING bl_redo r
        WHERE h.camera_id = r.camera_id AND h.hour_start = r.hour_start
          AND NOT EXISTS (
            SELECT 1 FROM bl_new x
            WHERE x.camera_id = h.camera_id AND x.hour_start = h.hour_start AND x.object_type = h.object_type
          )
        """
    )
    _upsert_hourly_class(cursor, t, source="bl_new")
    cursor.execute(
        f"DELETE FROM {t['hourly_class']} h USING bl_cams c WHERE h.camera_id = c.camera_id AND h.hour_start < c.start_at"
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE bl_class ON COMMIT DROP AS
        SELECT k.camera_id, k.hour_start, h.object_type, k.day_of_week, k.hour, k.weight, h.count::bigint AS n
        FROM {t["hourly_class"]} h JOIN bl_keys k ON k.camera_id = h.camera_id AND k.hour_start = h.hour_start
        """
    )


def _upsert_hourly_class(cursor, t: dict[str, str], *, source: str) -> None:
    """Write the class-hours of the temp table ``source`` into the hourly class rows, touching
    only rows whose values changed."""
    cursor.execute(
        f"""
        INSERT INTO {t["hourly_class"]} AS h (camera_id, hour_start, object_type, day_of_week, hour, count, deleted_by)
        SELECT camera_id, hour_start, object_type, day_of_week, hour, n, '' FROM {source}
        ON CONFLICT (camera_id, hour_start, object_type) DO UPDATE
        SET count = EXCLUDED.count, day_of_week = EXCLUDED.day_of_week, hour = EXCLUDED.hour
        WHERE (h.count, h.day_of_week, h.hour) IS DISTINCT FROM (EXCLUDED.count, EXCLUDED.day_of_week, EXCLUDED.hour)
        """
    )
