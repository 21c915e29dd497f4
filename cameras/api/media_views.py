"""Media endpoints: the camera snapshot (no API key, media-tier rate limit) and path validation."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
from django.utils.module_loading import import_string
from django_ratelimit.core import get_usage
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cameras.api.media_serializers import CameraPathValidationSerializer
from cameras.media.pathcheck import media_paths_validate
from cameras.media.snapshot import snapshot_open, snapshot_resolve
from cameras.media.streams import is_grabbed_frame
from nem.errors import NotFoundError
from nem.pagination import parse_int_param
from nem.schema import problem_responses

MEDIA_RATE_GROUP = "cameras.media"  # one budget per client IP for every media-tier endpoint
ONE_WRITE_BYTES = 4 * 1024 * 1024  # larger files stream (sendfile where the server has it)


class FirstRendererNegotiation(BaseContentNegotiation):
    """The snapshot answers an image whatever the client accepts (an <img> tag sends
    ``Accept: image/avif,...``); errors are problem+json. Never a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def media_rate_limited(request):
    """The 429 problem (with Retry-After until the window ends) if this client IP spent its
    ``NEM_RATE_LIMIT_MEDIA`` budget; None otherwise. Counts this request.

    django-ratelimit's public ``get_usage``, on the ``RATELIMIT_USE_CACHE`` cache. With Redis
    down, django-redis's IGNORE_EXCEPTIONS makes the count fail, and ``RATELIMIT_FAIL_OPEN``
    lets the request through."""
    usage = get_usage(
        request, group=MEDIA_RATE_GROUP, key="ip", rate=settings.NEM_RATE_LIMIT_MEDIA, increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    # The window's last second still counts against it: the next one opens a second later.
    request.ratelimit_retry_after = max(1, usage["time_left"] + 1)
    return import_string(settings.RATELIMIT_VIEW)(request)


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
        limited = media_rate_limited(request)
        if limited is not None:
            return limited
        max_age = parse_int_param(request, "max_age", None, 0, None)
        snap = snapshot_resolve(camera_id=camera_id)
        if max_age is not None:
            age = time.time() - snap.mtime
            if age > max_age:
                raise NotFoundError(
                    f"The newest snapshot was captured {int(age)} s ago ({_captured_at(snap)}), "
                    f"older than max_age={max_age}"
                )
        conditional = get_conditional_response(request, etag=snap.etag, last_modified=int(snap.mtime))
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
