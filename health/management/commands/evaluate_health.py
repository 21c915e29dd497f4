from django.core.management.base import CommandError

from cameras.models import Camera
from health.services import health_evaluate_many
from nem.jobs import JobCommand


class Command(JobCommand):
    job = "health.evaluate"
    help = (
        "Computes the health verdict of every live camera (or --camera ID): error, offline (after the grace, "
        "back online after NEM_HEALTH_ONLINE_AFTER_FRAMES consecutive new frames), blinded, frozen, silent or "
        "online; stores each change with its reasons and derives the camera's status from it. Same effect as "
        "the beat entry 'evaluate-health' (and as check_camera_status). Exits 1 if a camera's evaluation failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", metavar="ID", help="Evaluate only this camera.")

    def run_job(self, *, camera, **options):
        if camera is not None and not Camera.objects.filter(pk=camera).exists():
            raise CommandError(
                f"No live camera with id {camera!r}. List cameras with GET /api/cameras; "
                "a trashed camera must be restored first."
            )
        report = health_evaluate_many(camera_ids=[camera] if camera else None, keep_going=True)
        changes = "".join(f"; {cid}: {old} -> {new}" for cid, (old, new) in sorted(report.transitions.items()))
        summary = (
            f"evaluated {report.checked} camera(s), {len(report.transitions)} health change(s), "
            f"{len(report.status_changes)} status change(s){changes}"
        )
        return summary, [f"{cid}: {error}" for cid, error in sorted(report.failed.items())]
