"""Domain signals of the baselines app, sent inside the transaction that writes the anomaly row, so
a receiver's writes commit or roll back together with it.

``anomaly_recorded``: the anomaly scan stored an anomaly (surge, rare class or absence).
    kwargs: anomaly_id (int), camera_id (str)
``anomaly_withdrawn``: late detections disproved a stored absence anomaly; the row is removed
after the signal, so receivers read what they need from the kwargs.
    kwargs: anomaly_id (int), camera_id (str), hour_start (aware datetime)
"""

from django.dispatch import Signal

anomaly_recorded = Signal()
anomaly_withdrawn = Signal()
