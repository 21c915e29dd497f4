"""The camera health verdict: one service computes it from the signals other apps keep, stores
it with a transition row per change, sends ``health_changed`` and derives the camera's ``status``.

States, worst first (a camera in several is reported in the worst, all are listed as reasons):

- ``error``: ingestion cannot work (the folder is missing/unreadable/outside the media root, or
  the last stream grab failed after the last good one), the camera reports video signal loss, or
  its ONVIF device refuses our credentials (wrong password or a skewed clock) on the event
  subscription.
- ``offline``: no new media for the grace period (``NEM_HEALTH_OFFLINE_GRACE_SECONDS`` for
  stream cameras, ``NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS`` for upload folders, or the camera's
  override). Back to online only after ``NEM_HEALTH_ONLINE_AFTER_FRAMES`` consecutive new media
  (each within the grace of the one before), so one late frame does not flap it.
- ``blinded``: an open (unacknowledged) ``view_blocked``/``view_tampered`` scene change whose
  view is not back (the detector's, or the camera's own tamper event).
- ``frozen``: new frames keep arriving but the picture, clock bands masked, has not changed for
  ``NEM_HEALTH_FROZEN_MINUTES``, on a camera whose picture did change before (at least
  ``MIN_MOVES`` times in the ``MOVES_LOOKBACK`` before the still run began).
- ``silent``: absence anomalies (all activity) over ``NEM_HEALTH_SILENT_HOURS`` consecutive
  hours, the newest within the last two hours, while media still arrive.
- ``online``: none of the above.

The camera's status: error and frozen -> ``error`` (media arrive but are useless, or cannot arrive),
offline -> ``offline``, online/blinded/silent -> ``online`` (ingestion works; the view or the
detector is the problem, and the verdict says which).
"""

from health.services.evaluate import (
    Evaluation,
    HealthReport,
    health_evaluate,
    health_evaluate_many,
    health_status_check,
)
from health.services.frames import health_frame_observe
from health.services.history import health_history_page
from health.services.verdict import SEVERITY, STATUS_OF, Limits, health_limits, health_verdict

__all__ = [
    "SEVERITY",
    "STATUS_OF",
    "Evaluation",
    "HealthReport",
    "Limits",
    "health_evaluate",
    "health_evaluate_many",
    "health_frame_observe",
    "health_history_page",
    "health_limits",
    "health_status_check",
    "health_verdict",
]
