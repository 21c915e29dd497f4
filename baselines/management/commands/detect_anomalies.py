from django.core.management.base import CommandError

from baselines import services
from cameras.models import Camera
from nem.jobs import JobCommand


class Command(JobCommand):
    job = "baselines.detect_anomalies"
    help = (
        "Scores the last completed local hour(s) of every live camera, or one, against its baseline and "
        "stores the anomalies found (surges: 1 - P(X >= x | Poisson) above the threshold_stdev tail; absences: "
        "nothing in a normally busy hour). One anomaly per camera, hour and class, so reruns add nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", metavar="ID", help="Only this (live) camera.")
        parser.add_argument("--hours", type=int, default=1, help="Completed hours to score (default 1, at most 168).")

    def run_job(self, *, camera=None, hours=1, **options):
        if not 1 <= hours <= 168:
            raise CommandError("--hours must be between 1 and 168.")
        if camera is not None:
            if not Camera.objects.filter(pk=camera).exists():
                raise CommandError(f"No live camera with id {camera!r}; list them with GET /api/cameras.")
            results = [services.anomaly_detect(camera_id=camera, hours=hours)]
        else:
            results = services.anomaly_detect_all(hours=hours)
        done = [r for r in results if not r.skipped]
        summary = (
            f"scanned {len(done)} camera(s) over {hours} hour(s) ({len(results) - len(done)} skipped), "
            f"{sum(r.created for r in done)} new anomalies"
        )
        return summary, []
