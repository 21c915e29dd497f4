from django.core.management.base import CommandError

from cameras.media.scanner import media_scan
from cameras.models import Camera, IngestionMode
from nem.jobs import JobCommand


class Command(JobCommand):
    job = "cameras.scan_media"
    help = (
        "Scans the upload folders of live ftp cameras (or --camera ID) under NEM_MEDIA_ROOT: lists only "
        "directories whose mtime moved since the last scan, records the newest complete image and video, "
        "moves last_seen_at forward and re-evaluates the status. Same effect as the beat entry 'scan-media'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", metavar="ID", help="Scan only this camera.")

    def run_job(self, *, camera, **options):
        if camera is not None and not Camera.objects.filter(pk=camera, ingestion_mode=IngestionMode.FTP).exists():
            raise CommandError(
                f"No live ftp camera with id {camera!r}. List cameras with GET /api/cameras; "
                "rtsp/onvif cameras are ingested by grab_frames; a trashed camera must be restored first."
            )
        report = media_scan(camera_ids=[camera] if camera else None)
        summary = (
            f"scanned {len(report.cameras)} camera(s): {report.new_images} new image(s), "
            f"{report.new_videos} new video(s), {report.errors} folder error(s), "
            f"{len(report.status_changes)} status change(s)"
        )
        return summary, [f"{scan.camera_id}: {scan.error}" for scan in report.cameras if scan.error]
