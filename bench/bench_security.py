"""Security hardening: what the new checks cost, each against the path it replaced.

- A device SOAP exchange (GetSystemDateAndTime to the ONVIF device simulator on 127.0.0.1)
  through ``DeviceHTTPAdapter`` (address check, one total deadline over every read, size cap, no
  redirects; a new connection per exchange) against the same POST through requests' own adapter
  (a kept-alive pooled connection), as zeep used before.
- ``StrictJSONParser`` (depth, NUL and identifier walk) against DRF's ``JSONParser`` on a
  1,000-detection ingest body.
- ``image_check`` (Pillow reads the header) against the detector's reduced decode of the same
  1920x1080 JPEG, which it now precedes.

Targets: the adapter within 2x of the pooled path on loopback (a LAN camera's own latency, 10-50 ms,
dwarfs both); the parser within 2x (one pass over the containers costs about half a decode); the header read under 10 % of the decode.
"""

from __future__ import annotations

import io
import json
import os

from bench.common import Row, median, setup_django, timed

REPEAT = int(os.environ.get("BENCH_SECURITY_REPEAT", "200"))

SOAP = (
    b'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
    b'<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
)


def _device_rows() -> list[Row]:
    import requests

    from onvifctl.tests.simulator import DeviceSimulator
    from onvifctl.transport import device_session

    headers = {"Content-Type": "application/soap+xml; charset=utf-8"}
    with DeviceSimulator() as device:
        ours = device_session(connect_timeout=2.0, timeout=5.0, max_bytes=2 * 1024 * 1024)
        plain = requests.Session()
        plain.trust_env = False

        def via_ours():
            assert ours.post(device.url, data=SOAP, headers=headers).status_code == 200

        def via_plain():
            assert plain.post(device.url, data=SOAP, headers=headers, timeout=(2.0, 5.0)).status_code == 200

        ours_ms = median(timed(via_ours, repeat=REPEAT))
        plain_ms = median(timed(via_plain, repeat=REPEAT))
    return [
        Row(
            figure="device SOAP exchange via DeviceHTTPAdapter (checked address, total deadline, cap), median",
            value=round(ours_ms, 3),
            unit="ms",
            reference="same exchange via requests' pooled HTTPAdapter (before), median",
            reference_value=round(plain_ms, 3),
            target="ratio <= 2",
            ok=ours_ms <= 2 * plain_ms,
        )
    ]


def _parser_rows() -> list[Row]:
    from rest_framework.parsers import JSONParser

    from nem.parsers import StrictJSONParser

    body = json.dumps(
        {
            "detections": [
                {
                    "camera_id": f"cam_{i % 20}",
                    "detected_at": "2026-01-23T12:00:00Z",
                    "object_type": "person",
                    "confidence": 0.9,
                    "bbox": {"x": 1, "y": 2, "w": 3, "h": 4},
                }
                for i in range(1000)
            ]
        }
    ).encode()
    strict, plain = StrictJSONParser(), JSONParser()
    strict_ms = median(timed(lambda: strict.parse(io.BytesIO(body)), repeat=REPEAT // 4))
    plain_ms = median(timed(lambda: plain.parse(io.BytesIO(body)), repeat=REPEAT // 4))
    return [
        Row(
            figure=f"StrictJSONParser, 1,000 detections ({len(body) // 1024} KB), median",
            value=round(strict_ms, 3),
            unit="ms",
            reference="DRF JSONParser, same body, median",
            reference_value=round(plain_ms, 3),
            target="ratio <= 2",
            ok=strict_ms <= 2 * plain_ms,
        )
    ]


def _image_rows() -> list[Row]:
    import cv2
    import numpy as np

    from cameras.media.images import image_check

    rng = np.random.default_rng(7)
    frame = cv2.GaussianBlur(rng.integers(0, 255, (1080, 1920, 3), dtype=np.uint8), (9, 9), 0)
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    data = encoded.tobytes()
    check_ms = median(timed(lambda: image_check(data), repeat=REPEAT))
    decode_ms = median(timed(lambda: cv2.imdecode(encoded, cv2.IMREAD_REDUCED_COLOR_4), repeat=REPEAT // 4))
    return [
        Row(
            figure="image_check (header read) of a 1920x1080 JPEG, median",
            value=round(check_ms, 3),
            unit="ms",
            reference="cv2.imdecode /4 reduced of the same JPEG, median",
            reference_value=round(decode_ms, 3),
            target="ratio <= 0.1",
            ok=check_ms <= 0.1 * decode_ms,
        )
    ]


def run() -> list[Row]:
    os.environ.setdefault("NEM_ONVIF_MULTICAST", "false")
    setup_django()
    return [*_device_rows(), *_parser_rows(), *_image_rows()]


if __name__ == "__main__":
    for row in run():
        print(
            f"{row.figure}: {row.value} {row.unit} | {row.reference}: {row.reference_value} | {row.target} ok={row.ok}"
        )
