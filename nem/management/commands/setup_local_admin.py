from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string

from nem.models import ApiKey, api_key_create


class Command(BaseCommand):
    help = (
        "For a local (DEBUG) run only: (re)sets the password of the superuser 'admin' to a new random one "
        "and replaces the API key named 'local'; prints both."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("setup_local_admin only runs with DEBUG=true; use createsuperuser and create_api_key.")
        password = get_random_string(20)
        user, _ = get_user_model().objects.get_or_create(username="admin", defaults={"email": "admin@localhost"})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        ApiKey.objects.filter(name="local").delete()
        _, raw = api_key_create(name="local")
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "  Admin:   http://127.0.0.1:8000/admin/   user admin   password " + password,
                    "  API key: " + raw + "   (header X-API-Key)",
                    "  Docs:    http://127.0.0.1:8000/api/docs/",
                    "",
                ]
            )
        )
