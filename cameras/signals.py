"""Signals other apps listen to, so that ``cameras`` never imports them.

``frame_arrived``: ingestion (an ftp upload found by ``scan_media`` or a frame stored by
``grab_frames``) has a new image for a live camera. Sent after the ingestion record commits.
    kwargs: camera_id (str), path (str, absolute, inside NEM_MEDIA_ROOT), captured_at (aware datetime)

``view_moving``: a PTZ move or preset goto is about to change the camera's view on purpose
(sent by onvifctl). Scene-change comparison pauses for ``seconds``.
    kwargs: camera_id (str), seconds (float)
"""

from django.dispatch import Signal

frame_arrived = Signal()
view_moving = Signal()

# Sent inside the transaction that changes a camera's ``status`` (online/offline/error), so a
# receiver's writes (an alert, an outbox row) commit or roll back with the change itself.
#     kwargs: camera_id (str), previous (str), current (str), at (aware datetime), detail (str)
camera_status_changed = Signal()

# ONVIF events and PTZ arrival, sent by onvifctl; scenechanges listens.
# ``view_moving`` may also carry ``preset_token`` (str): the move is a goto of that preset, and
# comparisons resume only when ``view_settled`` says the camera arrived.
# ``view_settled``: the device reported MoveStatus IDLE after a preset goto.
#     kwargs: camera_id (str), preset_token (str)
view_settled = Signal()
# ``camera_tamper_reported``: the camera itself reports tampering (an ONVIF tamper topic turned
# active). Sent inside the transaction that records the device's message.
#     kwargs: camera_id (str), change_type (a scenechanges ChangeType value), topic (str),
#     occurred_at (aware datetime, our clock)
camera_tamper_reported = Signal()
