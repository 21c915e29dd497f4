"""The recompute on PostgreSQL: hourly rollups and slots as a few set-based statements.

Same result as the portable path in ``recompute.py`` (the tests run both), without moving rows
through Python: for a group of cameras on one clock, the detections are aggregated once by
(camera, local hour, class) into a temporary table, the hourly tables are brought in line with
it by one DELETE and one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE changed`` each (a repeated
run rewrites nothing), and the slots are computed from it in SQL.

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
from dataclasses import dataclass

from django.db import connection

from baselines.models import ActivitySlot, ClassSlot, Detection, HourlyClassCount, HourlyCount


@dataclass(frozen=True)
class CameraWindow:
    camera_id: str
    start: dt.datetime  # first observed hour (a local hour boundary)
    min_samples: int
    keys: list[dt.datetime]  # the local hours in [start, window_end), oldest first
    weights: list[float]  # decay weight of each key


@dataclass(frozen=True)
class GroupStats:
    hours: int
    detections: int
    learnt_slots: int


def _tables() -> dict[str, str]:
    return {
        "detection": Detection._meta.db_table,
        "hourly": HourlyCount._meta.db_table,
        "hourly_class": HourlyClassCount._meta.db_table,
        "activity": ActivitySlot._meta.db_table,
        "class_slot": ClassSlot._meta.db_table,
    }


def rollup_and_slots(
    *, windows: list[CameraWindow], tz_name: str, window_end: dt.datetime, stamp: dt.datetime
) -> dict[str, GroupStats]:
    """Rebuild the hourly rows and slots of cameras on the clock ``tz_name`` (caller holds the
    transaction, the claims and the state locks). Returns per camera: hours, detections, learnt
    slots (``sample_count >= min_samples``)."""
    t = _tables()
    with connection.cursor() as cursor:
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
            " day_of_week smallint, hour smallint, weight float8, PRIMARY KEY (camera_id, local_hour)) ON COMMIT DROP"
        )
        # Cameras with the same start share one list of keys.
        by_start: dict[dt.datetime, list[CameraWindow]] = {}
        for window in windows:
            by_start.setdefault(window.start, []).append(window)
        for same in by_start.values():
            keys = same[0].keys
            cursor.execute(
                "INSERT INTO bl_keys SELECT c.camera_id, k.* FROM unnest(%s::text[]) AS c(camera_id)"
                " CROSS JOIN unnest(%s::timestamp[], %s::timestamptz[], %s::smallint[], %s::smallint[], %s::float8[])"
                " AS k(local_hour, hour_start, day_of_week, hour, weight)",
                [
                    [w.camera_id for w in same],
                    [k.replace(tzinfo=None) for k in keys],
                    keys,
                    [k.weekday() for k in keys],
                    [k.hour for k in keys],
                    same[0].weights,
                ],
            )
        cursor.execute("ANALYZE bl_keys")
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
            {"tz": tz_name, "end": window_end, "min_start": min(w.start for w in windows)},
        )
        cursor.execute(
            "CREATE TEMP TABLE bl_totals ON COMMIT DROP AS"
            " SELECT k.camera_id, k.hour_start, k.day_of_week, k.hour, k.weight, coalesce(s.n, 0) AS n"
            " FROM bl_keys k LEFT JOIN (SELECT camera_id, hour_start, sum(n)::bigint AS n FROM bl_class GROUP BY 1, 2) s"
            " ON s.camera_id = k.camera_id AND s.hour_start = k.hour_start"
        )
        cursor.execute("ANALYZE bl_totals")

        # Hourly rows: drop what left the window (or was never seen again), write what changed.
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
        cursor.execute(
            f"""
            INSERT INTO {t["hourly_class"]} AS h (camera_id, hour_start, object_type, day_of_week, hour, count, deleted_by)
            SELECT camera_id, hour_start, object_type, day_of_week, hour, n, '' FROM bl_class
            ON CONFLICT (camera_id, hour_start, object_type) DO UPDATE
            SET count = EXCLUDED.count, day_of_week = EXCLUDED.day_of_week, hour = EXCLUDED.hour
            WHERE (h.count, h.day_of_week, h.hour) IS DISTINCT FROM (EXCLUDED.count, EXCLUDED.day_of_week, EXCLUDED.hour)
            """
        )
        cursor.execute(
            f"DELETE FROM {t['hourly']} h USING bl_cams c WHERE h.camera_id = c.camera_id AND h.hour_start < c.start_at"
        )
        cursor.execute(
            f"""
            INSERT INTO {t["hourly"]} AS h (camera_id, hour_start, day_of_week, hour, count, deleted_by)
            SELECT camera_id, hour_start, day_of_week, hour, n, '' FROM bl_totals
            ON CONFLICT (camera_id, hour_start) DO UPDATE
            SET count = EXCLUDED.count, day_of_week = EXCLUDED.day_of_week, hour = EXCLUDED.hour
            WHERE (h.count, h.day_of_week, h.hour) IS DISTINCT FROM (EXCLUDED.count, EXCLUDED.day_of_week, EXCLUDED.hour)
            """
        )

        # Activity slots: weighted mean and (two-pass) weighted population std of each
        # (weekday, hour) over the observed hours; all 168 slots, unobserved ones zero.
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

        # Class slots, 24 per class seen: over every observed hour at that hour of day, the
        # class's zero hours included (they add weight, and mean^2 each to the variance).
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
                SELECT DISTINCT camera_id, object_type FROM bl_class
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
        stats = {row[0]: GroupStats(hours=row[1], detections=int(row[2]), learnt_slots=row[3]) for row in cursor}
        cursor.execute("DROP TABLE bl_cams, bl_keys, bl_class, bl_totals")
    return stats
