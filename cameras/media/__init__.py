"""Camera media: ingestion (ftp scanner, stream frame grabber), status, snapshot, path validation.

Every path a camera's media comes from is resolved (symlinks included) and must stay inside
``NEM_MEDIA_ROOT`` (``paths``). Ingestion keeps an ``IngestionRecord`` per camera, so the request
path reads one row instead of walking a folder.
"""
