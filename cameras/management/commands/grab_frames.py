from django.core.management.base import CommandError

from cameras.media.streams import stream_grab_frames
from cameras.models import Camera
from nem.jobs import JobCommand


class Command(JobCommand):
    job = "cameras.grab_frames"
    help = (
        "Grabs one frame from the stream of every live rtsp/onvif camera (or --camera ID) with OpenCV, "
        "within NEM_STREAM_TIMEOUT_SECONDS, and stores it as a JPEG in the camera's folder. "
        "Same effect as the beat entry 'grab-frames'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", metavar="ID", help="Grab only this camera.")

    def run_job(self, *, camera, **options):
        if camera is not None and not Camera.objects.streaming().filter(pk=camera).exists():
            raise CommandError(
                f"No live rtsp/onvif camera with id {camera!r}. List cameras with GET /api/cameras; "
                "ftp cameras are ingested by scan_media; a trashed camera must be restored first."
            )
        report = stream_grab_frames(camera_ids=[camera] if camera else None)
        summary = (
            f"grabbed {len(report.grabbed)} frame(s), {len(report.failed)} failed, "
            f"{len(report.skipped)} busy, {len(report.status_changes)} status change(s)"
        )
        return summary, [f"{cid}: {error}" for cid, error in sorted(report.failed.items())]
