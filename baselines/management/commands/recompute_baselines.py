from django.core.management.base import CommandError

from baselines import services
from cameras.models import Camera
from nem.jobs import JobCommand


class Command(JobCommand):
    job = "baselines.recompute"
    help = (
        "Rebuilds hourly counts, activity slots and class slots from raw detections over the last "
        "NEM_BASELINE_WINDOW_DAYS days (up to the last completed hour) for every live camera, or one. "
        "Idempotent; a camera already being recomputed is skipped. On PostgreSQL only the hours whose "
        "detections changed (or never rolled up) are re-read, unless --full."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", metavar="ID", help="Only this (live) camera.")
        parser.add_argument("--full", action="store_true", help="Re-read every hour of the window from the detections.")

    def run_job(self, *, camera=None, full=False, **options):
        if camera is not None:
            if not Camera.objects.filter(pk=camera).exists():
                raise CommandError(f"No live camera with id {camera!r}; list them with GET /api/cameras.")
            results = [services.baseline_recompute(camera_id=camera, full=full)]
        else:
            results = services.baseline_recompute_all(full=full)
        done = [r for r in results if not r.skipped]
        learnt = sum(1 for r in done if r.learning_complete)
        summary = (
            f"recomputed {len(done)} camera(s) ({learnt} learnt, {len(results) - len(done)} skipped), "
            f"{sum(r.detections for r in done)} detections in {sum(r.hours for r in done)} hours "
            f"({sum(r.rolled_up_hours for r in done)} re-read from the detections)"
        )
        return summary, []
