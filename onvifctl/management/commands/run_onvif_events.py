import asyncio
import signal

from django.core.management.base import BaseCommand

from onvifctl.events import EventSubscriptions


class Command(BaseCommand):
    help = (
        "Long-running: keeps a PullPoint event subscription alive for every live camera in onvif mode "
        "whose device offers the Events service (renewed before expiry, recreated with backoff when it "
        "lapses or is refused, never cancelled), on one event loop. Camera tamper events open or join "
        "scene-change episodes; motion and signal loss are stored on the camera's ONVIF event state; "
        "unknown topics are kept for the admin. Stops on SIGINT/SIGTERM (or after --seconds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=None, help="Stop after this many seconds.")

    def handle(self, *args, seconds=None, **options):
        subscriptions = EventSubscriptions()
        asyncio.run(self._run(subscriptions, seconds))
        stats = subscriptions.stats
        if options["verbosity"] > 0:
            self.stdout.write(
                f"onvif events: {stats['subscriptions']} subscription(s), {stats['renewals']} renewal(s), "
                f"{stats['pulls']} pull(s), {stats['messages']} message(s), {stats['failures']} failure(s)"
            )

    async def _run(self, subscriptions: EventSubscriptions, seconds: float | None) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        if seconds is not None:
            loop.call_later(seconds, stop.set)
        await subscriptions.run(stop)
