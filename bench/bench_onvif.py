"""ONVIF: GET /api/cameras/{id}/onvif/capabilities with a warm (cached) device client against a
cold one (client dropped before every request, so the device clock and its service addresses are
asked again: three SOAP round trips instead of one), in-process through the full DRF stack, against
the device simulator on 127.0.0.1. The cold request is what every request would cost without the
per-process client cache.

Also reported: the very first request of the process, which parses the WSDL files (the adapter
shares parsed WSDLs between clients, so only the first client pays that), and a PTZ command
(ContinuousMove + arming the dead-man timer) with a warm client.

Target: the warm request costs at most half the cold one. On loopback a round trip is ~1 ms; on a
LAN camera (10-50 ms per answer, often more on cheap cameras) the saving grows with it.
"""

from __future__ import annotations

import os
import time

from bench.common import Row, median, setup_django, timed

REPEAT = int(os.environ.get("BENCH_ONVIF_REPEAT", "50"))
API_KEY = "test-api-key-for-the-test-suite-only-0001"  # NEM_API_KEYS of nem.settings.test


def run() -> list[Row]:
    os.environ.setdefault("NEM_ONVIF_MULTICAST", "false")
    setup_django()

    from rest_framework.test import APIClient

    from cameras.models import Camera
    from onvifctl import services
    from onvifctl.deadman import deadman_cancel_all
    from onvifctl.tests.simulator import DeviceSimulator

    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_X_API_KEY=API_KEY)
    path = "/api/cameras/bench_onvif/onvif/capabilities"

    with DeviceSimulator() as device:
        Camera.all_objects.filter(pk="bench_onvif").delete()
        camera = Camera(
            id="bench_onvif",
            name="Bench ONVIF",
            folder_path="/export/foscam/bench_onvif",
            ingestion_mode="onvif",
            rtsp_url="rtsp://127.0.0.1:8554/live",
            rtsp_username="admin",
            onvif_url=device.url,
        )
        camera.rtsp_password = "secret"
        camera.save()
        try:

            def warm():
                response = client.get(path)
                assert response.status_code == 200, response.content

            def cold():
                services.onvif_clients_clear()
                warm()

            def move():
                response = client.post(
                    "/api/cameras/bench_onvif/onvif/ptz", {"command": "pan", "value": 0.1, "speed": 1}, format="json"
                )
                assert response.status_code == 200, response.content

            started = time.perf_counter()
            cold()
            first_ms = (time.perf_counter() - started) * 1000
            cold_ms = median(timed(cold, repeat=REPEAT))
            warm_ms = median(timed(warm, repeat=REPEAT))
            move_ms = median(timed(move, repeat=REPEAT))
        finally:
            deadman_cancel_all()
            services.onvif_clients_clear()
            Camera.all_objects.filter(pk="bench_onvif").delete()

    return [
        Row(
            figure="capabilities, warm (cached) client, median",
            value=round(warm_ms, 2),
            unit="ms",
            reference="capabilities, cold client (built per request), median",
            reference_value=round(cold_ms, 2),
            target="warm <= 0.5 x cold",
            ok=warm_ms <= 0.5 * cold_ms,
        ),
        Row(
            figure="capabilities, first request of the process (parses the WSDLs), one sample",
            value=round(first_ms, 2),
            unit="ms",
            reference="capabilities, cold client, median",
            reference_value=round(cold_ms, 2),
            target="reported",
            ok=None,
        ),
        Row(
            figure="PTZ pan (ContinuousMove + dead-man timer), warm client, median",
            value=round(move_ms, 2),
            unit="ms",
            reference="capabilities, warm client, median",
            reference_value=round(warm_ms, 2),
            target="reported",
            ok=None,
        ),
    ]
