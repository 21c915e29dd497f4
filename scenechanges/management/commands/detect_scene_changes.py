from django.core.management.base import BaseCommand, CommandError

from nem.errors import CameraNotFound
from scenechanges.services import scenechanges_detect_pending


class Command(BaseCommand):
    help = (
        "Compares the newest image in each live camera's folder (under NEM_MEDIA_ROOT) with the camera's "
        "scene reference, if that image was not compared yet, and records confirmed scene changes. "
        "Synchronous; safe to overlap with workers (each camera's comparison holds a row lock)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", metavar="ID", default=None, help="Only this camera.")

    def handle(self, *args, camera, **options):
        try:
            summary = scenechanges_detect_pending(camera_id=camera)
        except CameraNotFound:
            raise CommandError(
                f"Camera {camera!r} not found or in the trash; list live cameras with GET /api/cameras."
            ) from None
        self.stdout.write(
            f"compared {summary.compared} new frame(s) of {summary.cameras} camera(s); "
            f"{summary.changes} scene change(s) recorded"
        )
