import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alerts.mqtt import Publisher, parse_mqtt_url


class Command(BaseCommand):
    help = (
        "Runs the MQTT alert publisher until SIGTERM/SIGINT: one connection to NEM_MQTT_URL with nem/available "
        "as birth and last will, the outbox's MQTT rows published at QoS 1 in order, retained per-camera states "
        "and Home Assistant discovery. Run exactly one, next to the Celery worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--prefix", help="Topic prefix (default NEM_MQTT_TOPIC_PREFIX).")
        parser.add_argument(
            "--discovery-prefix", help="Home Assistant discovery prefix (default NEM_MQTT_DISCOVERY_PREFIX)."
        )
        parser.add_argument("--client-id", help="MQTT client id (default NEM_MQTT_CLIENT_ID).")

    def handle(self, *args, prefix=None, discovery_prefix=None, client_id=None, **options):
        if not settings.NEM_MQTT_URL:
            raise CommandError("NEM_MQTT_URL is not set: e.g. export NEM_MQTT_URL=mqtt://user:password@127.0.0.1:1883")
        try:
            parse_mqtt_url(settings.NEM_MQTT_URL)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        publisher = Publisher(prefix=prefix, discovery_prefix=discovery_prefix, client_id=client_id)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        if options["verbosity"] > 0:
            self.stdout.write(f"alert publisher started (topics under {publisher.topics.prefix}/)")
            self.stdout.flush()
        publisher.run(stop)
        if options["verbosity"] > 0:
            self.stdout.write("alert publisher stopped")
