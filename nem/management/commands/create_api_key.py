from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from nem.models import api_key_create


class Command(BaseCommand):
    help = "Creates an API key named NAME and prints it once (only its SHA-256 is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            _, raw = api_key_create(name=name)
        except IntegrityError:
            raise CommandError(f"An API key named {name!r} exists already; pick another name or revoke it in the admin.") from None
        self.stdout.write(raw)
