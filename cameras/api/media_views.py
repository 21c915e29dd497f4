"""Media endpoints: the camera snapshot (no API key, media-tier rate limit) and path validation."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import time

from django.conf import settings
from django.core.cache import caches
from django.http import FileResponse, HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
from django.utils.module_loading import import_string
from django_ratelimit import core as rl
from django_ratelimit.core import get_usage
from django_redis.client import DefaultClient
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cameras.api.media_serializers import CameraPathValidationSerializer
from cameras.media.pathcheck import media_paths_validate
from cameras.media.snapshot import snapshot_open, snapshot_resolve
from cameras.media.streams import is_grabbed_frame
from nem.pagination import parse_int_param
from nem.schema import problem_responses

MEDIA_RATE_GROUP = "cameras.media"  # one budget per client IP for every media-tier endpoint
ONE_WRITE_BYTES = 4 * 1024 * 1024  # larger files stream (sendfile where the server has it)
_REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, ResponseError, socket.timeout)  # as django-redis


class FirstRendererNegotiation(BaseContentNegotiation):
    """The snapshot answers an image whatever the client accepts (an <img> tag sends
    ``Accept: image/avif,...``); errors are problem+json. Never a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def media_rate_limited(request):
    """The 429 problem (with Retry-After until the window ends) if this client IP spent its
    ``NEM_RATE_LIMIT_MEDIA`` budget; None otherwise. Counts this request."""
    usage = media_rate_usage(request)
    if usage is None or not usage["should_limit"]:
        return None
    request.ratelimit_retry_after = max(1, usage["time_left"])
    return import_string(settings.RATELIMIT_VIEW)(request)


# django-ratelimit counts with cache.add, then cache.incr once the key exists: two Redis round
# trips per request, each costing as much as the database lookup. This script does the same in
# one: the first request of a window creates the key with django-ratelimit's TTL (period + its
# fudge), the others increment it, atomically.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_COUNT_SHA = hashlib.sha1(_COUNT_SCRIPT.encode()).hexdigest()  # noqa: S324 - how Redis names scripts


def media_rate_usage(request) -> dict | None:
    """What ``django_ratelimit.core.get_usage(request, group=MEDIA_RATE_GROUP, key="ip",
    rate=NEM_RATE_LIMIT_MEDIA, increment=True)`` returns, counted on the same cache key with the
    same TTL, window, fail-open rule and result, in one round trip when the ratelimit cache is
    django-redis (django-ratelimit itself counts on any other cache)."""
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    rate = settings.NEM_RATE_LIMIT_MEDIA
    if type(getattr(cache, "client", None)) is not DefaultClient or not getattr(settings, "RATELIMIT_ENABLE", True):
        return get_usage(request, group=MEDIA_RATE_GROUP, key="ip", rate=rate, increment=True)
    limit, period = rl._split_rate(rate)
    value = rl._SIMPLE_KEYS["ip"](request)
    window = rl._get_window(value, period)
    key = cache.client.make_key(rl._make_cache_key(MEDIA_RATE_GROUP, window, rate, value, rl.ALL))
    ttl_ms = (period + rl.EXPIRATION_FUDGE) * 1000
    try:
        client = cache.client.get_client(write=True)
        try:
            count = client.evalsha(_COUNT_SHA, 1, key, ttl_ms)
        except NoScriptError:  # a restarted or flushed Redis: send the script itself
            count = client.eval(_COUNT_SCRIPT, 1, key, ttl_ms)
    except _REDIS_ERRORS:
        # What django-redis does with a Redis error: raise it, or (IGNORE_EXCEPTIONS) log it and
        # answer as a failed cache.
        if not cache._ignore_exceptions:
            raise
        if cache._log_ignored_exceptions:
            cache.logger.exception("Exception ignored")
        count = None
    if count is None:  # the cache failed: as django-ratelimit answers then
        if getattr(settings, "RATELIMIT_FAIL_OPEN", False):
            return None
        return {"count": 0, "limit": 0, "should_limit": True, "time_left": -1}
    return {"count": count, "limit": limit, "should_limit": count > limit, "time_left": window - int(time.time())}


class CameraSnapshotView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="cameras_snapshot_retrieve",
        summary="Latest camera image",
        description=(
            "The camera's newest image by mtime (.jpg/.jpeg/.png/.gif, any case), as known from ingestion and "
            "re-checked on disk; with no image, a JPEG frame from near the end of the newest complete video "
            "(.mp4/.mkv/.avi/.mov/.webm). Served inline with `ETag` and `Last-Modified`; a matching "
            "`If-None-Match` or `If-Modified-Since` gets 304. No API key needed (for `<img>` tags); rate limited "
            "per client IP (`NEM_RATE_LIMIT_MEDIA`, default 30/min). Only files inside `NEM_MEDIA_ROOT` are "
            "ever served. Freshness: `X-Captured-At` is the capture time (the file's mtime, ISO 8601 UTC) and "
            "`X-Snapshot-Source` says what it is: `upload` (an image the camera uploaded), `stream` (a frame "
            "grabbed from its stream), `video_frame` (a frame of its newest video); `Cache-Control: no-cache` "
            "makes caches revalidate with the ETag. With `max_age=SECONDS`, an image captured longer ago is a "
            "404 problem instead (a dashboard then shows the camera as stale, never an old picture as live)."
        ),
        parameters=[
            OpenApiParameter(
                "max_age",
                OpenApiTypes.INT,
                description="Answer 404 instead of an image captured more than this many seconds ago (>= 0).",
            ),
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
            OpenApiParameter("If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
        ],
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The image bytes"),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The image bytes"),
            (200, "image/gif"): OpenApiResponse(OpenApiTypes.BINARY, description="The image bytes"),
            304: OpenApiResponse(description="Not modified"),
            **problem_responses(404, 422, 429),
        },
        examples=[
            OpenApiExample(
                "Folder missing",
                value={
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "Camera folder does not exist",
                    "instance": "/api/cameras/garage/snapshot",
                },
                response_only=True,
                status_codes=["404"],
            )
        ],
        auth=[],
        tags=["media"],
    )
    def get(self, request, camera_id: str):
        limited = media_rate_limited(request._request)
        if limited is not None:
            return limited
        max_age = parse_int_param(request, "max_age", None, 0, None)
        snap = snapshot_resolve(camera_id=camera_id)
        if max_age is not None:
            age = time.time() - snap.mtime
            if age > max_age:
                raise NotFound(
                    f"The newest snapshot was captured {int(age)} s ago ({_captured_at(snap)}), "
                    f"older than max_age={max_age}"
                )
        conditional = get_conditional_response(request._request, etag=snap.etag, last_modified=int(snap.mtime))
        if isinstance(conditional, HttpResponseNotModified):
            return _with_validators(conditional, snap)
        snap, fh = snapshot_open(camera_id=camera_id, snap=snap)
        if snap.stat.st_size <= ONE_WRITE_BYTES:
            # A typical snapshot is tens to hundreds of KB: one read and one socket write beat
            # FileResponse's 4 KB chunks (each a separate write on servers without sendfile).
            with fh:
                response = HttpResponse(fh.read(), content_type=snap.content_type)
            response["Content-Disposition"] = content_disposition_header(False, snap.filename)
        else:
            response = FileResponse(fh, content_type=snap.content_type, as_attachment=False, filename=snap.filename)
        return _with_validators(response, snap)


def _captured_at(snap) -> str:
    return dt.datetime.fromtimestamp(snap.mtime, tz=dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _snapshot_source(snap) -> str:
    if snap.source == "video":
        return "video_frame"
    return "stream" if is_grabbed_frame(snap.path) else "upload"


def _with_validators(response, snap):
    response["ETag"] = snap.etag
    response["Last-Modified"] = http_date(int(snap.mtime))
    response["Cache-Control"] = "no-cache"  # may be stored, but revalidated: the next image can come any second
    response["X-Captured-At"] = _captured_at(snap)
    response["X-Snapshot-Source"] = _snapshot_source(snap)
    return response


class CameraPathValidationView(APIView):
    @extend_schema(
        operation_id="cameras_validation_paths",
        summary="Validate camera folder paths",
        description=(
            "For every live camera: is its folder (resolved, symlinks followed) inside `NEM_MEDIA_ROOT`, an "
            "existing readable directory, holding at least one image or video, and not nested inside another "
            "camera's folder? The search for media stops at the first file found."
        ),
        responses={200: CameraPathValidationSerializer, **problem_responses(401)},
        tags=["media"],
    )
    def get(self, request):
        return Response(media_paths_validate())
