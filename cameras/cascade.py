"""The camera's trash cascade, open to other apps without ``cameras`` importing them.

An app whose rows belong to a camera registers the model in its ``AppConfig.ready()``::

    from cameras.cascade import register_camera_child
    register_camera_child(Detection)               # FK field named "camera"
    register_camera_child(Reference, camera_field="camera")

The model must be a ``nem.softdelete.SoftDeleteModel``. ``camera_soft_delete`` trashes the live
rows of every registered model with the camera's deletion batch; ``camera_restore`` mirrors it.
A hard delete (purge) relies on the foreign keys' ``on_delete=CASCADE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from nem.softdelete import SoftDeleteModel


@dataclass(frozen=True)
class CameraChild:
    model: type[SoftDeleteModel]
    camera_field: str

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def rows_of(self, camera_id: str) -> models.QuerySet:
        return self.model.all_objects.filter(**{f"{self.camera_field}_id": camera_id})


_children: dict[str, CameraChild] = {}


def register_camera_child(model: type[SoftDeleteModel], *, camera_field: str = "camera") -> None:
    if not issubclass(model, SoftDeleteModel):
        raise TypeError(f"{model.__name__} must be a SoftDeleteModel to join the camera trash cascade")
    child = CameraChild(model=model, camera_field=camera_field)
    _children[child.label] = child


def camera_children() -> list[CameraChild]:
    """Registered children, in a stable order (by model label)."""
    return [_children[label] for label in sorted(_children)]
