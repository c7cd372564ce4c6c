"""Throughput of the same sync DRF view under WSGI (gunicorn gthread) and ASGI (uvicorn).

Why: the topology serves REST from WSGI workers and only WebSocket from ASGI workers; this bench
re-measures the reason on this machine. The baseline is WSGI; the ratio is ASGI / WSGI.
Endpoint: GET /api/v1/auth/me/ with a bearer token (JWT check + two small queries), the shape of
most resident API calls. Load: wrk, run after each server is warm. Prints one JSON object.

    .venv/bin/python bench/wsgi_vs_asgi.py            # uses DATABASE_URL, default the embedded SQLite
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"
PORT = 18100
DURATION = os.environ.get("BENCH_SECONDS", "10")
WORKERS = os.environ.get("BENCH_WORKERS", "2")
# Production settings (DEBUG=0) without the HTTPS redirect, since wrk speaks plain HTTP.
PRODUCTION = {
    "DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECRET_KEY": "bench-" + "x7Qp2Lm9Rt4Vw8Zc3Nb6Hj1Kd5Fs0Gy" * 2,
    "FIELD_ENCRYPTION_KEYS": "3b0Jz1O5x6m3mR2b3a0bX9qz8E6u0m7i2gk3l4n5p6Q=",
    "BLIND_INDEX_KEY": "bench-blind-index-key-0123456789abcdef", "LOG_LEVEL": "WARNING",
}


def token() -> str:
    os.environ.update(PRODUCTION)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import RefreshToken

    from portal.accounts import actions

    call_command("migrate", verbosity=0)
    user = actions.resident_for_phone(phone="13900009999")
    return str(RefreshToken.for_user(user).access_token)


def wait_up(url: str) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"server at {url} did not start")


def run(server: list[str], access: str) -> dict:
    process = subprocess.Popen(server, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env={**os.environ, **PRODUCTION})
    try:
        wait_up(f"http://127.0.0.1:{PORT}/healthz")
        args = ["wrk", "-t2", "-c16", "-H", f"Authorization: Bearer {access}", f"http://127.0.0.1:{PORT}/api/v1/auth/me/"]
        subprocess.run([*args[:1], "-d2s", *args[1:]], capture_output=True, check=True)  # warm-up
        out = subprocess.run([*args[:1], f"-d{DURATION}s", "--latency", *args[1:]], capture_output=True, text=True,
                             check=True).stdout
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"requests_per_second": rps, "p50": f"{p50.group(1)}{p50.group(2)}",
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt-get install wrk)")
    access = token()
    wsgi = run([str(BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"127.0.0.1:{PORT}",
                "--worker-class", "gthread", "--workers", WORKERS, "--threads", "4"], access)
    asgi = run([str(BIN / "uvicorn"), "portal.asgi:application", "--host", "127.0.0.1", "--port", str(PORT),
                "--workers", WORKERS, "--lifespan", "off", "--log-level", "warning"], access)
    from django.db import connection

    print(json.dumps({
        "bench": "sync DRF view: WSGI vs ASGI",
        "endpoint": "GET /api/v1/auth/me/",
        "database": connection.vendor,
        "workers_each": int(WORKERS),
        "baseline_wsgi_gunicorn_gthread": wsgi,
        "asgi_uvicorn": asgi,
        "ratio_asgi_to_wsgi": round(asgi["requests_per_second"] / wsgi["requests_per_second"], 2),
    }, indent=2))


if __name__ == "__main__":
    main()
