"""rtsp/onvif ingestion: grab one frame per camera with OpenCV and store it as a JPEG in the
camera's folder, so the snapshot and the scene comparison see it exactly like an ftp upload.

Credentials are URL-encoded into the stream URL in memory only, for the one ``VideoCapture``
call; log lines, errors and the database only ever see the stored ``rtsp_url``, which never
carries credentials (and is redacted again here in case it did). Open and read timeouts are
always set: without them OpenCV waits 30 s on a server that accepts and stays silent.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cameras import netpolicy
from cameras.cache import camera_list_batch
from cameras.media.paths import MISSING, OUTSIDE_ROOT, atomic_write, folder_check, grabbed_frame_rel
from cameras.media.paths import is_grabbed_frame as is_grabbed_frame_rel
from cameras.media.scanner import (
    RECENT_KEEP,
    Seen,
    frames_send_on_commit,
    record_claim,
    record_last_seen,
    record_release,
)
from cameras.media.status import camera_status_check
from cameras.models import Camera, IngestionRecord

logger = logging.getLogger(__name__)


def stream_url_with_credentials(url: str, username: str | None, password: str | None) -> str:
    """``rtsp://host/x`` + credentials -> ``rtsp://user:p%40ss@host/x`` (percent-encoded, so
    ``@ : /`` in a password cannot change which host we talk to)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    hostport = f"{host}:{parts.port}" if parts.port else host
    netloc = hostport
    if username:
        userinfo = quote(username, safe="")
        if password:
            userinfo += ":" + quote(password, safe="")
        netloc = f"{userinfo}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_url(url: str | None) -> str:
    """The URL without any userinfo, for log lines."""
    if not url:
        return ""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class GrabJob:
    camera_id: str
    folder: Path
    public_url: str
    url: str = field(repr=False)  # carries the password: never logged, never stored


@dataclass
class GrabResult:
    camera_id: str
    jpeg: bytes | None = None
    error: str = ""


@dataclass
class GrabReport:
    grabbed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    status_changes: dict[str, tuple[str, str]] = field(default_factory=dict)


def stream_read_frame(job: GrabJob, *, timeout_ms: int) -> GrabResult:
    """Open the stream, read one frame, encode it as JPEG. Runs in a worker thread: no database,
    and nothing that could print ``job.url``."""
    import cv2

    # TCP interleaving survives NAT and lossy Wi-Fi; UDP RTP drops make the first frame grey.
    os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
    cap = cv2.VideoCapture(
        job.url,
        cv2.CAP_FFMPEG,
        [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms],
    )
    try:
        if not cap.isOpened():
            return GrabResult(job.camera_id, error="stream did not open (unreachable, refused, or wrong credentials)")
        ok, frame = cap.read()
        if not ok or frame is None:
            return GrabResult(job.camera_id, error="stream opened but delivered no frame within the timeout")
    finally:
        cap.release()
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        return GrabResult(job.camera_id, error="frame could not be encoded as JPEG")
    return GrabResult(job.camera_id, jpeg=buf.tobytes())


def is_grabbed_frame(path: Path) -> bool:
    """Was this image stored by the frame grabber (rather than uploaded)? Judged by its name
    (``grabbed_frame_rel``: ``<UTC day>/frame_<HHMMSS>_<microseconds>.jpg``)."""
    return is_grabbed_frame_rel(f"{path.parent.name}/{path.name}")


def _store(job: GrabJob, jpeg: bytes, now: dt.datetime) -> tuple[str, os.stat_result]:
    # One folder per UTC day keeps directories small for the scanner and for people.
    rel = grabbed_frame_rel(now)  # retention tells NEM's frames from uploads by this name
    path = job.folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, jpeg)
    return rel, os.stat(path)


def _record_failure(camera_id: str, error: str, now: dt.datetime) -> None:
    IngestionRecord.objects.update_or_create(
        camera_id=camera_id, defaults={"last_error": error[:500], "last_error_at": now}
    )


def _record_frame(job: GrabJob, rel: str, st: os.stat_result, now: dt.datetime) -> bool:
    record = IngestionRecord.objects.get(pk=job.camera_id)
    folder = str(job.folder)
    recent = record.recent_images if record.folder == folder else []
    recent = [[rel, st.st_mtime_ns, st.st_size]] + [e for e in recent if e[0] != rel]
    with transaction.atomic():
        IngestionRecord.objects.filter(pk=job.camera_id).update(
            folder=folder,
            recent_images=recent[:RECENT_KEEP],
            newest_image_path=str(job.folder / rel),
            newest_image_mtime=now,
            last_grab_ok_at=now,
            last_error="",
            last_error_at=None,
            busy_until=None,
        )
        moved = record_last_seen(camera_id=job.camera_id, seen_at=now)
        frames_send_on_commit(job.camera_id, job.folder, [Seen(rel, st.st_size, st.st_mtime_ns, "image")])
    return moved


def _prepare(camera: Camera, report: GrabReport, now: dt.datetime) -> GrabJob | None:
    check = folder_check(camera.folder_path)
    if check.problem == MISSING:
        try:
            check.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            report.failed[camera.pk] = f"cannot create the camera folder: {exc.strerror}"
            return None
        check = folder_check(camera.folder_path)
    if check.problem:
        problem = "folder_path not under the media root" if check.problem == OUTSIDE_ROOT else check.problem
        report.failed[camera.pk] = f"camera folder unusable: {problem}"
        return None
    if not camera.rtsp_url:
        report.failed[camera.pk] = "no rtsp_url configured"
        return None
    try:
        target = _checked_target(camera.rtsp_url)
    except netpolicy.DeviceAddressRefused as exc:
        report.failed[camera.pk] = f"rtsp_url host {exc}; nothing was sent"
        return None
    if not record_claim(camera.pk):
        report.skipped.append(camera.pk)
        return None
    url = stream_url_with_credentials(target, camera.rtsp_username, camera.rtsp_password)
    return GrabJob(camera_id=camera.pk, folder=check.path, public_url=redact_url(camera.rtsp_url), url=url)


def _checked_target(rtsp_url: str) -> str:
    """The URL to open, its host checked against NEM_DEVICE_NETWORKS now (DNS may have changed
    since the URL was saved). A plain rtsp:// name is replaced by the address that was checked, so
    FFmpeg's own lookup cannot lead elsewhere; rtsps:// keeps the name its certificate is for."""
    host, port, scheme = netpolicy.url_host_port(rtsp_url)
    addresses = netpolicy.check_host(host, port)
    literal = str(addresses[0])
    if scheme != "rtsp" or literal == host:
        return rtsp_url
    parts = urlsplit(rtsp_url)
    shown = f"[{literal}]" if ":" in literal else literal
    netloc = f"{shown}:{parts.port}" if parts.port else shown
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def stream_grab_frames(*, camera_ids: list[str] | None = None, now: dt.datetime | None = None) -> GrabReport:
    """Grab one frame from every live rtsp/onvif camera (or the given ones).

    1. Prepare a job per camera (folder resolved inside the media root and created if missing,
       the record claimed so overlapping runs never grab the same camera twice).
    2. Read the streams in parallel threads (I/O bound; ``NEM_STREAM_GRAB_CONCURRENCY``).
    3. In this thread: store each JPEG atomically, update the record and ``last_seen_at``, send
       ``frame_arrived`` after commit; record failures for the status.
    4. Re-evaluate the status of these cameras. The camera list is invalidated once, at the end.
    """
    with camera_list_batch():
        return _grab_frames(camera_ids=camera_ids, now=now)


def _grab_frames(*, camera_ids: list[str] | None, now: dt.datetime | None) -> GrabReport:
    now = now or timezone.now()
    cameras = Camera.objects.streaming().order_by("id")
    if camera_ids is not None:
        cameras = cameras.filter(pk__in=camera_ids)
    report = GrabReport()
    jobs = []
    touched = []
    for camera in cameras:
        touched.append(camera.pk)
        job = _prepare(camera, report, now)
        if job is not None:
            jobs.append(job)
    timeout_ms = int(settings.NEM_STREAM_TIMEOUT_SECONDS * 1000)
    results: list[GrabResult] = []
    if jobs:
        with ThreadPoolExecutor(max_workers=min(len(jobs), settings.NEM_STREAM_GRAB_CONCURRENCY)) as pool:
            results = list(pool.map(lambda j: stream_read_frame(j, timeout_ms=timeout_ms), jobs))
    for job, result in zip(jobs, results, strict=True):
        try:
            if result.jpeg is None:
                report.failed[job.camera_id] = result.error
                continue
            rel, st = _store(job, result.jpeg, now)
            _record_frame(job, rel, st, now)
            report.grabbed.append(job.camera_id)
        except OSError as exc:
            report.failed[job.camera_id] = f"cannot store the frame: {exc.strerror}"
        finally:
            record_release(job.camera_id)
    for camera_id, error in report.failed.items():
        public = next((j.public_url for j in jobs if j.camera_id == camera_id), "")
        logger.warning("frame grab failed camera=%s url=%s: %s", camera_id, public, error)
        _record_failure(camera_id, error, now)
    for camera_id in report.grabbed:
        logger.info("frame grabbed camera=%s", camera_id)
    if touched:
        report.status_changes = camera_status_check(camera_ids=touched, now=now, invalidate=False).changes
    return report
