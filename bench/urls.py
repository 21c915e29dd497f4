"""The project's URLs plus ``/bench/bare``: a bare Django JSON view, the reference the cached
camera list is compared with (same gunicorn, same middleware, no DRF, no auth, no cache)."""

from django.http import JsonResponse
from django.urls import path

from nem.urls import handler404, handler500  # noqa: F401 - read by Django
from nem.urls import urlpatterns as project_patterns

BARE_CAMERAS = 20  # bench_load seeds the same number of cameras, so both bodies weigh the same


def _payload(n: int) -> dict:
    items = [
        {
            "id": f"load_{i:03d}",
            "name": f"Load camera {i:03d}",
            "folder_path": f"/export/foscam/load_{i:03d}",
            "status": "online",
            "created_at": "2026-01-01T10:00:00Z",
            "last_seen_at": None,
            "ingestion_mode": "ftp",
            "rtsp_url": None,
            "stream_profile": "main",
            "motion_sensitivity": 0.5,
            "onvif_url": None,
            "timezone": "UTC",
        }
        for i in range(n)
    ]
    return {
        "items": items,
        "pagination": {"total": n, "limit": 1000, "offset": 0, "next_cursor": None, "has_more": False},
    }


PAYLOAD = _payload(BARE_CAMERAS)


def bare_json(request):
    return JsonResponse(PAYLOAD)  # serialised per request, as a view that renders data would


urlpatterns = [path("bench/bare", bare_json), *project_patterns]
