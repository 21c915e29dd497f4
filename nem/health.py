"""Liveness (/health) and readiness (/ready) for load balancers; no API key needed."""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from nem.errors import NOT_READY, problem_response
from nem.jobs import jobs_liveness
from nem.schema import problem_responses

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.startswith("django_redis"):
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()  # the alias ignores errors; ask the server directly
    else:
        cache.set("nem:ready", "1", 5)


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from nem.celery import app

    with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_media_root() -> None:
    # A missing mount leaves an empty directory or none at all; either way nothing can be ingested.
    root = settings.NEM_MEDIA_ROOT
    if not os.path.isdir(root) or not os.access(root, os.R_OK | os.X_OK):
        raise OSError("media root missing or unreadable")


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker, "media_root": _check_media_root}


@extend_schema(
    summary="Liveness",
    description=(
        '200 `{"status": "ok"}` whenever the process answers HTTP; it touches nothing else, so a load '
        "balancer or an orchestrator restarts only a process that is really stuck. Readiness is `/ready`."
    ),
    tags=["Service"],
    auth=[],
    responses={
        200: inline_serializer(
            "Health", {"status": serializers.CharField(help_text="Always `ok`: the process answers.")}
        ),
        **problem_responses(422, e422="A query parameter carries a control character"),
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def health(request):
    return Response({"status": "ok"})


@extend_schema(
    summary="Readiness: database, cache, broker and media root reachable; periodic jobs running",
    description=(
        "200 with `status: ok` when everything answers and every periodic job ran within two of its "
        "periods; 200 with `status: degraded` and `degraded` naming the jobs that did not (beat or the "
        "workers are down). `?strict=1` answers 503 for degraded too. 503 (problem+json with `checks`) "
        "when the database, the cache, the broker or the media root is unavailable."
    ),
    tags=["Service"],
    auth=[],
    parameters=[OpenApiParameter("strict", bool, description="Answer 503 when degraded.", required=False)],
    responses={
        200: inline_serializer(
            "Ready",
            {
                "status": serializers.CharField(help_text="`ok` or `degraded`."),
                "checks": serializers.DictField(
                    child=serializers.CharField(),
                    help_text="Each dependency (`database`, `cache`, `broker`, `media_root`) and `ok` or why not.",
                ),
                "jobs": serializers.DictField(
                    child=serializers.DictField(),
                    help_text="Each periodic job: its last run, whether it succeeded, and `ok`, `failed`, "
                    "`overdue` or `never`.",
                ),
                "degraded": serializers.ListField(
                    child=serializers.CharField(), help_text="The jobs that are failed or overdue; empty when `ok`."
                ),
            },
        ),
        **problem_responses(422, 503, e503="Not ready (problem+json with `checks`)"),
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def ready(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = "unavailable"
    down = [name for name, result in results.items() if result != "ok"]
    if down:
        return problem_response(
            request, 503, f"Not ready: {', '.join(down)} unavailable.", kind=NOT_READY, checks=results
        )
    jobs = jobs_liveness()
    degraded = [f"{job.entry}: {job.state}" for job in jobs if job.state in ("overdue", "failed")]
    body = {
        "status": "degraded" if degraded else "ok",
        "checks": results,
        "jobs": {job.entry: job.as_dict() for job in jobs},
        "degraded": degraded,
    }
    if degraded and request.query_params.get("strict") in ("1", "true"):
        return problem_response(
            request, 503, f"Degraded: {', '.join(degraded)}.", kind=NOT_READY, checks=results, jobs=body["jobs"]
        )
    return Response(body)
