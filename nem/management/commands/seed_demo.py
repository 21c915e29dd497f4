from django.core.management.base import BaseCommand

from nem.demo import demo_seed


class Command(BaseCommand):
    help = "Creates demo cameras under NEM_MEDIA_ROOT with media, eight weeks of detections and a scene change (idempotent)."

    def handle(self, *args, **options):
        created = demo_seed()
        self.stdout.write(f"demo cameras created: {', '.join(created) if created else 'none (already there)'}")
