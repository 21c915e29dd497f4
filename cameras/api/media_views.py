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
from drf_spectacular.utils import extend_schema_view
from rest_framework import viewsets
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from cameras.api import media_schema as schema
from cameras.api.media_serializers import CameraPathValidationSerializer
from cameras.media.pathcheck import media_paths_validate
from cameras.media.snapshot import snapshot_open, snapshot_resolve
from cameras.media.streams import is_grabbed_frame
from nem.api import StrictQueryMixin
from nem.errors import NotFoundError
from nem.pagination import parse_int_param

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


@extend_schema_view(retrieve=schema.SNAPSHOT)
class CameraSnapshotViewSet(StrictQueryMixin, viewsets.ViewSet):
    authentication_classes = []
    permission_classes = [AllowAny]
    content_negotiation_class = FirstRendererNegotiation
    query_params_allowed = ("max_age",)

    def retrieve(self, request, camera_id: str):
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


@extend_schema_view(retrieve=schema.PATH_VALIDATION)
class CameraPathValidationViewSet(StrictQueryMixin, viewsets.ViewSet):
    def retrieve(self, request):
        return Response(CameraPathValidationSerializer(media_paths_validate()).data)
