"""Liveness (/health) and readiness (/ready) for load balancers; no API key needed."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from nem.errors import problem_response
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


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@extend_schema(
    summary="Liveness",
    auth=[],
    responses={200: inline_serializer("Health", {"status": serializers.CharField()})},
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def health(request):
    return Response({"status": "ok"})


@extend_schema(
    summary="Readiness: database, cache and broker reachable",
    auth=[],
    responses={
        200: inline_serializer("Ready", {"status": serializers.CharField(), "checks": serializers.DictField()}),
        **problem_responses(503, e503="Not ready (problem+json with `checks`)"),
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
        return problem_response(request, 503, f"Not ready: {', '.join(down)} unavailable.", checks=results)
    return Response({"status": "ok", "checks": results})
