from django.core.management.base import CommandError

from cameras.media.status import camera_status_check
from cameras.models import Camera
from nem.jobs import JobCommand


class Command(JobCommand):
    job = "cameras.check_camera_status"
    help = (
        "Re-evaluates the status of every live camera (or --camera ID): error when its folder or stream is "
        "broken, offline after NEM_STATUS_OFFLINE_AFTER_SECONDS without media, online otherwise. "
        "Same effect as the beat entry 'check-camera-status'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", metavar="ID", help="Check only this camera.")

    def run_job(self, *, camera, **options):
        if camera is not None and not Camera.objects.filter(pk=camera).exists():
            raise CommandError(
                f"No live camera with id {camera!r}. List cameras with GET /api/cameras; "
                "a trashed camera must be restored first."
            )
        report = camera_status_check(camera_ids=[camera] if camera else None)
        changes = "".join(f"; {cid}: {old} -> {new}" for cid, (old, new) in sorted(report.changes.items()))
        return f"checked {report.checked} camera(s), {len(report.changes)} status change(s){changes}", []
