"""Soft delete, explicit and small (house style 3).

``objects`` hides trashed rows and is the default manager; ``all_objects`` sees everything.
The base manager stays Django's plain one, so related lookups and the hard-delete collector
see trashed rows too. ``save()`` never undeletes and ``delete()`` stays Django's hard delete
(used only by purge). Trashing and restoring go through named services, which mark every row
hidden by one delete with the same ``deletion_batch`` so that restore brings back exactly those.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=True)

    def dead(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=False)

    def soft_delete(self, *, by: str, batch: uuid.UUID, at=None) -> int:
        """Trash the live rows of this queryset in one UPDATE; returns how many."""
        return self.alive().update(deleted_at=at or timezone.now(), deleted_by=by, deletion_batch=batch)

    def restore(self, *, batch: uuid.UUID) -> int:
        """Bring back the rows that one delete (``batch``) hid; returns how many."""
        return self.filter(deletion_batch=batch).update(deleted_at=None, deleted_by="", deletion_batch=None)


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    def get_queryset(self) -> SoftDeleteQuerySet:
        return super().get_queryset().alive()


AllObjectsManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteModel(models.Model):
    """Abstract base: a row that can sit in the trash. ``deletion_batch`` ties together every row
    one delete hid (a camera and its cascade), so restore is exact and never wider."""

    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    deleted_by = models.CharField(max_length=150, blank=True, default="", editable=False)
    deletion_batch = models.UUIDField(null=True, blank=True, db_index=True, editable=False)

    objects = AliveManager()
    all_objects = AllObjectsManager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
