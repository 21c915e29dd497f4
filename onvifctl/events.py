"""The ONVIF event process: one asyncio loop keeps a PullPoint subscription alive for every live
camera in onvif mode, and a few threads write what it pulls to the database.

Per camera (one coroutine):

1. Connect (device clock, Events address; a device without an Events service is noted and asked
   again at the next refresh).
2. ``CreatePullPointSubscription`` for NEM_ONVIF_EVENTS_SUBSCRIPTION_SECONDS.
3. Loop: ``Renew`` when fewer than RENEW_BEFORE + PULL seconds are left (so a pull never outlives
   the subscription), then ``PullMessages`` waiting up to PULL seconds; messages are recorded
   before the next pull, so nothing is acknowledged to the device before it is stored.
4. Any failure (lapsed subscription, refusal, unreachable device) is recorded on the camera's
   ``OnvifEventState`` and the coroutine starts again at 1 after a backoff that doubles up to
   BACKOFF_MAX. Subscriptions are never cancelled: stopping the process lets them expire.

Every NEM_ONVIF_EVENTS_REFRESH_SECONDS the camera list is re-read: new cameras get a coroutine,
trashed ones lose theirs, and a camera whose device settings changed starts again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import close_old_connections, connection

from cameras.models import Camera, IngestionMode
from onvifctl import event_services
from onvifctl.adapter import DeviceUnsupported, OnvifError, device_url_for
from onvifctl.pullpoint import PullPointClient, SubscriptionLost

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventsConfig:
    pull_seconds: float
    subscription_seconds: float
    renew_before_seconds: float
    message_limit: int
    backoff_initial_seconds: float
    backoff_max_seconds: float
    refresh_seconds: float
    db_workers: int
    connect_timeout: float
    timeout: float

    @classmethod
    def from_settings(cls) -> EventsConfig:
        return cls(
            pull_seconds=settings.NEM_ONVIF_EVENTS_PULL_SECONDS,
            subscription_seconds=settings.NEM_ONVIF_EVENTS_SUBSCRIPTION_SECONDS,
            renew_before_seconds=settings.NEM_ONVIF_EVENTS_RENEW_BEFORE_SECONDS,
            message_limit=settings.NEM_ONVIF_EVENTS_MESSAGE_LIMIT,
            backoff_initial_seconds=1.0,
            backoff_max_seconds=settings.NEM_ONVIF_EVENTS_BACKOFF_MAX_SECONDS,
            refresh_seconds=settings.NEM_ONVIF_EVENTS_REFRESH_SECONDS,
            db_workers=settings.NEM_ONVIF_EVENTS_DB_WORKERS,
            connect_timeout=settings.NEM_ONVIF_CONNECT_TIMEOUT_SECONDS,
            timeout=settings.NEM_ONVIF_TIMEOUT_SECONDS,
        )


@dataclass(frozen=True)
class Target:
    camera_id: str
    device_url: str
    username: str
    password: str

    @property
    def fingerprint(self) -> str:
        parts = (self.device_url, self.username, self.password)
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def event_targets() -> list[Target]:
    """Live cameras in onvif mode with a device address, by id."""
    targets = []
    for camera in Camera.objects.filter(ingestion_mode=IngestionMode.ONVIF).order_by("id"):
        device_url = device_url_for(onvif_url=camera.onvif_url, rtsp_url=camera.rtsp_url)
        if device_url:
            targets.append(Target(camera.id, device_url, camera.rtsp_username or "", camera.rtsp_password or ""))
    return targets


class EventSubscriptions:
    """Run with ``run(stop)`` in an event loop, or ``start()``/``stop()`` on a thread of its own."""

    def __init__(self, config: EventsConfig | None = None):
        self.config = config or EventsConfig.from_settings()
        self.stats = {"pulls": 0, "messages": 0, "recorded": 0, "subscriptions": 0, "renewals": 0, "failures": 0}
        self._tasks: dict[str, tuple[str, asyncio.Task]] = {}
        self._db: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._http: httpx.AsyncClient | None = None
        self._started = threading.Event()

    # database work, off the loop

    def _db_call(self, function, /, **kwargs):
        close_old_connections()
        return function(**kwargs)

    async def db(self, function, /, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(self._db, lambda: self._db_call(function, **kwargs))

    def _close_db_connections(self) -> None:
        # Each worker thread holds its own connection; one close per thread, all at once.
        barrier = threading.Barrier(self.config.db_workers)

        def close():
            connection.close()
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass

        for future in [self._db.submit(close) for _ in range(self.config.db_workers)]:
            future.result()

    # the loop

    async def run(self, stop: asyncio.Event | None = None) -> None:
        self._stop = stop or asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._db = ThreadPoolExecutor(max_workers=self.config.db_workers, thread_name_prefix="onvif-events-db")
        timeout = httpx.Timeout(self.config.timeout, connect=self.config.connect_timeout)
        # Device traffic never goes through an environment proxy and never follows a redirect.
        http = httpx.AsyncClient(
            timeout=timeout,
            trust_env=False,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
        )
        self._http = http
        self._started.set()
        try:
            while not self._stop.is_set():
                try:
                    targets = await self.db(event_targets)
                except Exception:
                    logger.exception("onvif events: could not read the camera list")
                    targets = None
                if targets is not None:
                    self._reconcile(targets, http)
                try:
                    await asyncio.wait_for(self._stop.wait(), timeout=self.config.refresh_seconds)
                except TimeoutError:
                    pass
        finally:
            tasks = [task for _fingerprint, task in self._tasks.values()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._tasks:
                try:  # nobody pulls any more: the subscriptions are left to expire
                    await self.db(event_services.onvif_events_stopped, camera_ids=list(self._tasks))
                except Exception:
                    logger.exception("onvif events: could not record the stop")
            self._tasks.clear()
            await http.aclose()
            await self._loop.run_in_executor(None, self._close_db_connections)
            self._db.shutdown(wait=True)

    def _reconcile(self, targets: list[Target], http: httpx.AsyncClient) -> None:
        wanted = {target.camera_id: target for target in targets}
        for camera_id, (fingerprint, task) in list(self._tasks.items()):
            target = wanted.get(camera_id)
            if target is None or target.fingerprint != fingerprint or task.done():
                task.cancel()
                del self._tasks[camera_id]
        for camera_id, target in wanted.items():
            if camera_id not in self._tasks:
                task = asyncio.get_running_loop().create_task(
                    self._camera(target, http), name=f"onvif-events-{camera_id}"
                )
                self._tasks[camera_id] = (target.fingerprint, task)

    async def _camera(self, target: Target, http: httpx.AsyncClient) -> None:
        config = self.config
        backoff = config.backoff_initial_seconds
        while True:
            try:
                client = PullPointClient(
                    device_url=target.device_url, username=target.username, password=target.password, http=http
                )
                await client.connect()
                subscription = await client.create(seconds=config.subscription_seconds)
                self.stats["subscriptions"] += 1
                await self.db(
                    event_services.onvif_events_subscribed,
                    camera_id=target.camera_id,
                    terminates_at=subscription.terminates_at,
                )
                backoff = config.backoff_initial_seconds
                renew_supported = True
                while True:
                    left = (subscription.terminates_at - dt.datetime.now(dt.UTC)).total_seconds()
                    if left <= config.renew_before_seconds + config.pull_seconds:
                        if renew_supported:
                            try:
                                await client.renew(subscription, seconds=config.subscription_seconds)
                            except DeviceUnsupported:
                                renew_supported = False
                                logger.info("onvif events of %s: no Renew; replacing subscriptions", target.camera_id)
                        if not renew_supported:
                            subscription = await self._replace(client, subscription, target)
                        self.stats["renewals"] += 1
                        await self.db(
                            event_services.onvif_events_renewed,
                            camera_id=target.camera_id,
                            terminates_at=subscription.terminates_at,
                        )
                    notifications = await client.pull(
                        subscription, seconds=config.pull_seconds, limit=config.message_limit
                    )
                    self.stats["pulls"] += 1
                    await self._record(target, notifications)
            except asyncio.CancelledError:
                raise
            except (OnvifError, SubscriptionLost) as exc:
                self.stats["failures"] += 1
                error = str(exc)
                if isinstance(exc, DeviceUnsupported):
                    # Nothing to subscribe to; ask again after a long pause.
                    wait = max(config.refresh_seconds, config.backoff_max_seconds)
                else:
                    wait = backoff
                    backoff = min(backoff * 2, config.backoff_max_seconds)
                logger.info("onvif events of %s: %s; again in %.1f s", target.camera_id, error, wait)
                try:
                    await self.db(event_services.onvif_events_failed, camera_id=target.camera_id, error=error)
                except Exception:
                    logger.exception("onvif events of %s: could not record the failure", target.camera_id)
                await asyncio.sleep(wait)
            except Exception as exc:
                # A bug or a database outage must not end the camera's subscription for good.
                self.stats["failures"] += 1
                logger.exception("onvif events of %s failed", target.camera_id)
                try:
                    await self.db(
                        event_services.onvif_events_failed, camera_id=target.camera_id, error=type(exc).__name__
                    )
                except Exception:
                    logger.exception("onvif events of %s: could not record the failure", target.camera_id)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, config.backoff_max_seconds)

    async def _record(self, target: Target, notifications) -> None:
        if notifications:
            self.stats["messages"] += len(notifications)
            await self.db(event_services.onvif_events_record, camera_id=target.camera_id, notifications=notifications)
            self.stats["recorded"] += len(notifications)

    async def _replace(self, client: PullPointClient, old, target: Target):
        """For a device without Renew: a new subscription first, then the old one drained without
        waiting (a message published in between is in both: a repeated state, never a lost one),
        and the old one left to expire."""
        new = await client.create(seconds=self.config.subscription_seconds)
        try:
            await self._record(target, await client.pull(old, seconds=0, limit=self.config.message_limit))
        except SubscriptionLost:
            pass
        return new

    # on a thread (tests, the benchmark)

    def start(self) -> EventSubscriptions:
        self._thread = threading.Thread(target=lambda: asyncio.run(self.run()), name="onvif-events", daemon=True)
        self._thread.start()
        self._started.wait(10)
        return self

    def refresh(self) -> None:
        """Re-read the camera list now (the tests; the process does it every REFRESH seconds)."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._refresh(), self._loop).result(10)

    async def _refresh(self) -> None:
        targets = await self.db(event_targets)
        self._reconcile(targets, self._http)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(30)
