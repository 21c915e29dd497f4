"""Domain signals of the health app, sent inside the transaction that writes the change, so a
receiver's writes (an alert, an outbox row) commit or roll back together with it.

``health_changed``: a camera's health verdict moved from one state to another (a
``HealthTransition`` row was written in the same transaction).
    kwargs: camera_id (str), previous (str: a ``HealthState`` value, "unknown" before the first
    verdict), state (str), reasons (list of {"state", "code", "message", "evidence"}, worst
    first, JSON-serialisable), at (aware datetime)
"""

from django.dispatch import Signal

health_changed = Signal()
