from django.core.management.base import BaseCommand, CommandError

from alerts.delivery import delivery_drain


class Command(BaseCommand):
    help = (
        "Sends every due webhook and Apprise outbox row (in order per endpoint and camera); failed rows are "
        "rescheduled with backoff, rows past NEM_ALERT_MAX_AGE are dead-lettered. Same effect as the beat entry "
        "'drain-alerts'. Exits 1 when a row was dead-lettered in this run."
    )

    def handle(self, *args, **options):
        summary = delivery_drain()
        if options["verbosity"] > 0:
            self.stdout.write(
                f"delivered {summary.delivered}, failed {summary.failed} (will retry), dead {summary.dead}"
            )
        if summary.dead:
            raise CommandError(f"{summary.dead} delivery(ies) dead-lettered; see GET /api/alert-deliveries?state=dead")
