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

# Sent inside the transaction that changes a camera's seed ``status`` (online/offline/error), so a
# receiver's writes (an alert, an outbox row) commit or roll back with the change itself.
#     kwargs: camera_id (str), previous (str), current (str), at (aware datetime), detail (str)
camera_status_changed = Signal()
