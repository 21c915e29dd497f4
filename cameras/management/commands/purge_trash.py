from django.conf import settings
from django.core.management.base import CommandError

from cameras.services import camera_purge_trash
from nem.jobs import JobCommand


class Command(JobCommand):
    job = "cameras.purge_trash"
    help = (
        "Hard-deletes cameras trashed more than --older-than days ago (default NEM_TRASH_RETENTION_DAYS), "
        "with all their rows. Media files are not touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, metavar="DAYS")
        parser.add_argument("--dry-run", action="store_true", help="List what would be purged; change nothing.")

    def run_job(self, *, older_than, dry_run, **options):
        if older_than is None and settings.NEM_TRASH_RETENTION_DAYS < 1:
            raise CommandError(
                f"NEM_TRASH_RETENTION_DAYS={settings.NEM_TRASH_RETENTION_DAYS} would empty the whole trash; "
                "it must be 1 or more (say --older-than 0 to mean it)."
            )
        days = settings.NEM_TRASH_RETENTION_DAYS if older_than is None else older_than
        if days < 0:
            raise CommandError("--older-than must be 0 or more days.")
        ids = camera_purge_trash(older_than_days=days, actor="command:purge_trash", dry_run=dry_run)
        verb = "would purge" if dry_run else "purged"
        return f"{verb} {len(ids)} camera(s) trashed more than {days} day(s) ago" + (
            f": {', '.join(ids)}" if ids else ""
        ), []
