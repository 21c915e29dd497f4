"""The retention policy in effect for a camera: the global settings, with the camera's own
``StoragePolicy`` values where it has them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from django.conf import settings

from retention.models import StoragePolicy


@dataclass(frozen=True)
class Policy:
    frames_max_age_hours: int
    frames_max_count: int
    uploads_enabled: bool
    uploads_max_age_days: int
    uploads_max_bytes: int
    cache_max_age_days: int
    rows_max_age_days: int
    alerts_max_age_days: int

    def as_dict(self) -> dict:
        return asdict(self)


POLICY_FIELDS = tuple(f.name for f in fields(Policy))


def global_policy() -> Policy:
    return Policy(
        frames_max_age_hours=int(settings.NEM_RETENTION_FRAMES_MAX_AGE_HOURS),
        frames_max_count=int(settings.NEM_RETENTION_FRAMES_MAX_COUNT),
        uploads_enabled=bool(settings.NEM_RETENTION_UPLOADS_ENABLED),
        uploads_max_age_days=int(settings.NEM_RETENTION_UPLOADS_MAX_AGE_DAYS),
        uploads_max_bytes=int(settings.NEM_RETENTION_UPLOADS_MAX_BYTES),
        cache_max_age_days=int(settings.NEM_RETENTION_CACHE_MAX_AGE_DAYS),
        rows_max_age_days=int(settings.NEM_RETENTION_ROWS_MAX_AGE_DAYS),
        alerts_max_age_days=int(settings.NEM_RETENTION_ALERTS_MAX_AGE_DAYS),
    )


def overrides_of(row: StoragePolicy | None) -> dict:
    """The camera's stored overrides, null where it follows the global value."""
    return {name: getattr(row, name) if row is not None else None for name in POLICY_FIELDS}


def effective_policy(row: StoragePolicy | None) -> Policy:
    base = global_policy()
    if row is None:
        return base
    values = base.as_dict()
    for name, value in overrides_of(row).items():
        if value is not None:
            values[name] = value
    return Policy(**values)


def rows_floor_days() -> int:
    """Rows younger than this many days are never pruned: the baseline learns from them."""
    return int(settings.NEM_BASELINE_WINDOW_DAYS) + int(settings.NEM_RETENTION_ROWS_MARGIN_DAYS)


def storage_policy_document(*, camera_id: str) -> dict:
    """What ``GET .../storage-policy`` shows: the values in effect, the camera's own overrides
    (null: the global value applies) and the global settings."""
    row = StoragePolicy.objects.filter(camera_id=camera_id).first()
    return {
        "camera_id": camera_id,
        "effective": effective_policy(row).as_dict(),
        "camera_overrides": overrides_of(row),
        "global": global_policy().as_dict(),
        "rows_min_age_days": rows_floor_days(),
    }


def storage_policy_update(*, camera_id: str, data: dict, replace: bool) -> dict:
    """Store the camera's overrides: ``replace`` (PUT) sets every field (missing ones to null),
    otherwise (PATCH) only those sent."""
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        row, _ = StoragePolicy.objects.select_for_update().get_or_create(camera_id=camera_id)
        values = {name: data.get(name) for name in POLICY_FIELDS} if replace else dict(data)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = timezone.now()
        row.save(update_fields=[*values, "updated_at"])
    return storage_policy_document(camera_id=camera_id)
