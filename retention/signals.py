"""Domain signals of storage retention (``prune_storage``). Sent after the run's deletions, outside
any transaction (files are not transactional), from the process that ran the job.

``storage_floor_breached``: free space on the media root's filesystem stayed below the floor after
everything prunable was pruned (or the floor cannot be met without deleting what is held or
turned off). Sent once per run that ends below the floor; receivers (alerts) decide whether that
is news.
    kwargs: free_bytes (int), total_bytes (int), floor_bytes (int), freed_bytes (int),
            at (aware datetime)
``storage_floor_restored``: a run ended at or above the floor after the previous run had ended
below it.
    kwargs: free_bytes (int), total_bytes (int), floor_bytes (int), at (aware datetime)
"""

from django.dispatch import Signal

storage_floor_breached = Signal()
storage_floor_restored = Signal()
