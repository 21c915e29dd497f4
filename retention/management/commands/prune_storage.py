from django.core.management.base import CommandError

from cameras.models import Camera
from nem.jobs import JobCommand
from retention.services import prune_storage


class Command(JobCommand):
    job = "retention.prune_storage"
    help = (
        "Applies the storage retention policies (NEM_RETENTION_* and each camera's storage policy): NEM's "
        "grabbed frames by age and count, uploads by age and bytes when enabled, snapshot cache and retired "
        "references by age, detections/events/anomalies by age (never inside the baseline window plus "
        "NEM_RETENTION_ROWS_MARGIN_DAYS), resolved alerts and finished deliveries by age; files a scene change, "
        "reference or alert points at are kept. Then, if free space on the media root's filesystem is below "
        "the floor (NEM_STORAGE_FLOOR_PERCENT / NEM_STORAGE_FLOOR_BYTES), deletes the oldest grabbed frames, "
        "snapshot cache files and (when enabled) uploads until it is met. Exits 1 when a part failed or the "
        "floor could not be restored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", metavar="ID", help="Only this (live) camera.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would be deleted; delete nothing.")

    def run_job(self, *, camera=None, dry_run=False, **options):
        if camera is not None and not Camera.objects.filter(pk=camera).exists():
            raise CommandError(f"No live camera with id {camera!r}; list them with GET /api/cameras.")
        report = prune_storage(camera_id=camera, dry_run=dry_run)
        return report.summary(), report.failures
