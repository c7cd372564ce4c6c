"""The floor of any Python HTTP path on this machine, under the booking bench's client and server.

    .venv/bin/python bench/wsgi_floor.py

A WSGI hello world (it reads the body, answers a small JSON 201) under the server
``bench/booking_rush.py`` runs the portal under (granian, or ``BENCH_SERVER=gunicorn``) — 2 worker
processes × 4 threads — driven by the
same closed loop of 16 clients (``bench.rushlib.closed_loop``), with a new connection per request
and with keep-alive. No booking can be answered faster than this over HTTP here; the booking
bench's ``bookings_per_s`` is read against it (docs/benchmarks.md). Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rushlib import Request, closed_loop, free_port, percentile, run, server_command  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_FLOOR_REQUESTS", "6000"))
CLIENTS = int(os.environ.get("BENCH_THROUGHPUT_CLIENTS", "16"))
APP = '''
def application(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = b'{"id": 1, "status": "confirmed"}'
    start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
'''


def main() -> None:
    report: dict = {"bench": "wsgi_floor", "cpus": os.cpu_count(), "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
                    "clients": CLIENTS}
    request = Request("POST", "/api/v1/bookings/", {"Authorization": "Bearer " + "x" * 200,
                                                    "Content-Type": "application/json",
                                                    "Idempotency-Key": "k" * 32}, b'{"slot": 123}')
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "floor_app.py").write_text(APP)
        port = free_port()
        cmd, description = server_command("floor_app:application", port, workers=2, threads=4)
        report["server"] = description + ", a WSGI hello world"
        server = subprocess.Popen(cmd, cwd=folder)
        try:
            time.sleep(2)
            for name, keep_alive in (("connection_per_request", False), ("keep_alive", True)):
                rates, p50 = [], []
                for _ in range(2):
                    results, wall = run(closed_loop("127.0.0.1", port, [request] * REQUESTS, concurrency=CLIENTS,
                                                    keep_alive=keep_alive))
                    ok = sum(1 for r in results if r.status == 201)
                    rates.append(round(ok / wall, 1))
                    p50.append(round(percentile([r.latency_s * 1000 for r in results], 50), 2))
                report[name] = {"requests_per_s": rates, "p50_ms": p50}
        finally:
            server.terminate()
            server.wait(timeout=15)
    report["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
