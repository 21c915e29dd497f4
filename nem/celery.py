import os
import sys

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nem.settings.base")

app = Celery("nem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_invalid_settings(**kwargs):
    """Celery runs Django's system checks without acting on them: a worker or beat with invalid
    settings exits here, naming them, instead of failing task after task."""
    import django
    from django.core.management.base import SystemCheckError

    django.setup()
    from nem.checks import raise_on_errors

    try:
        raise_on_errors()
    except SystemCheckError as exc:
        print(exc, file=sys.stderr)
        # Celery logs and swallows exceptions raised by signal receivers; SystemExit gets through.
        raise SystemExit(1) from None
