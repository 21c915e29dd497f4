"""Domain signals of scene-change detection, sent inside the transaction that writes the row, so a
receiver's writes (an alert, an outbox row) commit or roll back together with it.

``scene_change_recorded``: a confirmed change opened an episode (or a camera-side tamper event did).
    kwargs: scene_change_id (int), camera_id (str)
``scene_change_updated``: an open episode gained evidence (e.g. its ``source`` became ``both``).
    kwargs: scene_change_id (int), camera_id (str)
``scene_change_acknowledged``: the episode was acknowledged (it is closed).
    kwargs: scene_change_id (int), camera_id (str)
"""

from django.dispatch import Signal

scene_change_recorded = Signal()
scene_change_updated = Signal()
scene_change_acknowledged = Signal()
