"""The server-side stop for continuous PTZ moves: a per-camera dead-man timer.

A ContinuousMove keeps the motor running until the device hears Stop. If the client that started
the move goes away (a closed browser tab, a dropped phone connection) the camera would spin on.
So every move arms a timer that sends Stop after ``NEM_PTZ_MOVE_SECONDS`` unless another command
for that camera comes first (a client holding a joystick simply repeats the move).

Why a ``threading.Timer`` in the web process and not a Celery task with a countdown: the stop has
to land within a fraction of a second of the bound, and a countdown task goes through the broker
and a worker that would first have to build its own ONVIF client (parsing WSDLs) or
wait for a busy prefork slot; in the embedded run Celery may even be eager. The price: if the web
process dies in the window between the move and the stop, nobody sends the Stop (the move goes on
until the device's own PTZ timeout, or the next command). That window is ``NEM_PTZ_MOVE_SECONDS``.

Several web processes: each command also writes a token to the shared cache. A timer only stops
the camera if its token is still the newest one, so a move renewed through another process is not
cut short by this process's older timer (that process's own timer stops it instead). If the cache
is down the token reads as missing and the timer stops the camera: failing towards "stopped".
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

from django.core.cache import cache

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_timers: dict[str, tuple[str, threading.Timer]] = {}


def _key(camera_id: str) -> str:
    return f"onvifctl:ptz-move:{camera_id}"


def _newest(camera_id: str, seconds: float) -> str:
    token = uuid.uuid4().hex
    cache.set(_key(camera_id), token, timeout=int(seconds) + 60)
    return token


def deadman_arm(*, camera_id: str, seconds: float, stop: Callable[[], None]) -> None:
    """(Re)start the camera's timer: ``stop()`` runs after ``seconds`` unless re-armed or disarmed."""
    token = _newest(camera_id, seconds)
    timer = threading.Timer(seconds, _fire, args=(camera_id, token, stop))
    timer.name = f"onvif-deadman-{camera_id}"
    timer.daemon = True  # never hold up process exit
    with _lock:
        previous = _timers.pop(camera_id, None)
        if previous is not None:
            previous[1].cancel()
        _timers[camera_id] = (token, timer)
        timer.start()


def deadman_disarm(*, camera_id: str) -> None:
    """An explicit stop or a preset goto: no timer of any process may stop what comes next."""
    _newest(camera_id, 0)
    with _lock:
        previous = _timers.pop(camera_id, None)
    if previous is not None:
        previous[1].cancel()


def _fire(camera_id: str, token: str, stop: Callable[[], None]) -> None:
    with _lock:
        current = _timers.get(camera_id)
        if current is None or current[0] != token:
            return
        del _timers[camera_id]
    newest = cache.get(_key(camera_id))
    if newest not in (None, token):
        return  # renewed through another web process; its timer owns the stop
    try:
        stop()
        logger.info("ptz: camera %s stopped by the server after the move bound", camera_id)
    except Exception:
        # A timer thread has nobody to report to: log it. The device may keep moving until its
        # own timeout or the next command.
        logger.warning("ptz: automatic stop of camera %s failed", camera_id, exc_info=True)


def deadman_cancel_all() -> None:
    """Cancel every pending automatic stop of this process (tests; a clean shutdown)."""
    with _lock:
        timers = list(_timers.values())
        _timers.clear()
    for _, timer in timers:
        timer.cancel()
