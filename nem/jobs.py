"""Periodic jobs: the record of their last run, their liveness, and the base of their commands.

A job is a Celery task named in ``CELERY_BEAT_SCHEDULE``. Its run is recorded whether a worker ran
it (Celery's ``task_prerun``/``task_postrun`` signals) or its management command did (``JobCommand``),
so readiness can name a job that stopped running: beat is down, no worker consumes the queue, or
the cron line is gone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.schedules import crontab
from celery.schedules import schedule as interval
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from nem.models import JobRun

logger = logging.getLogger(__name__)

# A job is overdue when its last run is older than this many of its periods.
OVERDUE_PERIODS = 2


def job_record_start(name: str, *, at: datetime | None = None) -> None:
    JobRun.objects.update_or_create(name=name, defaults={"last_started_at": at or timezone.now()})


def job_record_finish(name: str, *, ok: bool, summary: str = "", at: datetime | None = None) -> None:
    at = at or timezone.now()
    run, _ = JobRun.objects.get_or_create(name=name, defaults={"last_started_at": at})
    run.last_finished_at = at
    run.last_ok = ok
    run.last_summary = summary[:500]
    run.runs += 1
    run.save(update_fields=["last_finished_at", "last_ok", "last_summary", "runs"])


def _scheduled_task_names() -> dict[str, str]:
    return {entry["task"]: name for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}


@task_prerun.connect
def _on_task_prerun(sender=None, task=None, args=None, kwargs=None, **_):
    # A run for one camera (enqueued by hand or by another task) says nothing about the schedule.
    if task is not None and task.name in _scheduled_task_names() and not args and not kwargs:
        try:
            job_record_start(task.name)
        except DatabaseError:
            logger.warning("could not record the start of %s", task.name)


@task_postrun.connect
def _on_task_postrun(sender=None, task=None, args=None, kwargs=None, retval=None, state=None, **_):
    if task is not None and task.name in _scheduled_task_names() and not args and not kwargs:
        try:
            job_record_finish(task.name, ok=state == "SUCCESS", summary=f"{state}: {retval!r}"[:500])
        except DatabaseError:
            logger.warning("could not record the end of %s", task.name)


def period_of(entry_schedule) -> timedelta:
    """The mean time between two runs of a beat entry's schedule."""
    if isinstance(entry_schedule, (int, float)):
        return timedelta(seconds=entry_schedule)
    if isinstance(entry_schedule, timedelta):
        return entry_schedule
    if isinstance(entry_schedule, interval) and not isinstance(entry_schedule, crontab):
        return entry_schedule.run_every
    if isinstance(entry_schedule, crontab):
        per_day = len(entry_schedule.hour) * len(entry_schedule.minute)
        days = 7 / len(entry_schedule.day_of_week)
        return timedelta(days=days) / per_day
    raise TypeError(f"unknown schedule type {type(entry_schedule).__name__}")


@dataclass(frozen=True)
class JobState:
    entry: str  # the beat entry's name
    task: str
    period: timedelta
    last_finished_at: datetime | None
    last_ok: bool | None
    last_summary: str
    state: str  # ok | overdue | failed | never

    def as_dict(self) -> dict:
        return {
            "task": self.task,
            "period_seconds": int(self.period.total_seconds()),
            "last_run_at": self.last_finished_at.isoformat().replace("+00:00", "Z") if self.last_finished_at else None,
            "last_ok": self.last_ok,
            "state": self.state,
        }


def jobs_liveness(*, now: datetime | None = None) -> list[JobState]:
    """Every beat entry with its last run. ``never`` is not overdue until the scheduler has been
    recording for longer than two of that job's periods (a fresh install is not degraded)."""
    now = now or timezone.now()
    runs = {run.name: run for run in JobRun.objects.all()}
    recording_since = min(
        (r.last_started_at or r.last_finished_at for r in runs.values() if r.last_started_at or r.last_finished_at),
        default=None,
    )
    states = []
    for entry, config in sorted(settings.CELERY_BEAT_SCHEDULE.items()):
        period = period_of(config["schedule"])
        run = runs.get(config["task"])
        last = run.last_finished_at if run else None
        if last is None:
            started_long_ago = recording_since is not None and now - recording_since > OVERDUE_PERIODS * period
            state = "overdue" if started_long_ago else "never"
        elif now - last > OVERDUE_PERIODS * period:
            state = "overdue"
        elif not run.last_ok:
            state = "failed"
        else:
            state = "ok"
        states.append(
            JobState(
                entry,
                config["task"],
                period,
                last,
                run.last_ok if run else None,
                run.last_summary if run else "",
                state,
            )
        )
    return states


class JobCommand(BaseCommand):
    """A periodic job's cron equivalent. ``run_job`` does the work and returns a one-line summary
    and the parts that failed; the command records the run, prints the summary (unless ``-v 0``)
    and exits with status 1 naming each failure, so cron and monitoring see it."""

    job: str = ""  # the Celery task name this command stands in for

    def run_job(self, **options) -> tuple[str, list[str]]:
        raise NotImplementedError

    def handle(self, *args, **options):
        # A run for one camera, or a dry run, says nothing about the schedule.
        record = bool(self.job) and not options.get("dry_run") and not options.get("camera")
        if record:
            job_record_start(self.job)
        summary, failures = self.run_job(**options)
        if record:
            job_record_finish(self.job, ok=not failures, summary=summary)
        if options.get("verbosity", 1) > 0:
            self.stdout.write(summary)
        if failures:
            raise CommandError(f"{len(failures)} part(s) failed: " + "; ".join(failures))
