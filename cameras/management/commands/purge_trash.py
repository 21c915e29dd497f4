from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cameras.services import camera_purge_trash


class Command(BaseCommand):
    help = (
        "Hard-deletes cameras trashed more than --older-than days ago (default NEM_TRASH_RETENTION_DAYS), "
        "with all their rows. Media files are not touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, metavar="DAYS")
        parser.add_argument("--dry-run", action="store_true", help="List what would be purged; change nothing.")

    def handle(self, *args, older_than, dry_run, **options):
        days = settings.NEM_TRASH_RETENTION_DAYS if older_than is None else older_than
        if days < 0:
            raise CommandError("--older-than must be 0 or more days.")
        ids = camera_purge_trash(older_than_days=days, actor="command:purge_trash", dry_run=dry_run)
        verb = "would purge" if dry_run else "purged"
        self.stdout.write(f"{verb} {len(ids)} camera(s) trashed more than {days} day(s) ago" + (f": {', '.join(ids)}" if ids else ""))
