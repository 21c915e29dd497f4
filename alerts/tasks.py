"""Celery entry points of the alerts app: thin, one service call each."""

from __future__ import annotations

from celery import shared_task

from alerts.delivery import delivery_drain


# Queued on commit of every alert change with an HTTP delivery, and periodically for retries (beat
# "drain-alerts"); cron twin: manage.py drain_alerts. Claims make concurrent drains safe.
@shared_task(name="alerts.drain", soft_time_limit=240, time_limit=300)
def drain_task() -> str:
    summary = delivery_drain()
    return f"delivered {summary.delivered}, failed {summary.failed}, dead {summary.dead}"
