"""Start the production topology (`make run-prod`) and check every process answers, then stop it.

Checks: the WSGI web process serves /healthz (database + Redis ok) and the API schema; the ASGI
process serves /healthz and accepts a WebSocket handshake on a configured route when one exists;
a Celery worker answers a ping; beat is alive. Exits non-zero with the reason otherwise.
Needs DATABASE_URL (PostgreSQL) and REDIS_URL, like production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEB_PORT = int(os.environ.get("CHECK_WEB_PORT", "18000"))
WS_PORT = int(os.environ.get("CHECK_WS_PORT", "18001"))


def get(url: str) -> tuple[int, dict | str]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Host": "localhost"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode(), exc.code
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def wait_for(url: str, seconds: float = 60) -> tuple[int, dict | str]:
    deadline = time.monotonic() + seconds
    last: tuple[int, dict | str] | Exception = RuntimeError("never tried")
    while time.monotonic() < deadline:
        try:
            last = get(url)
            if last[0] == 200:
                return last
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    raise SystemExit(f"check-prod: {url} did not answer 200 in {seconds}s (last: {last})")


def celery_ping(env: dict) -> str:
    result = subprocess.run([str(ROOT / ".venv/bin/celery"), "-A", "portal", "inspect", "ping", "--timeout", "5"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def main() -> int:
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        print("check-prod: needs DATABASE_URL and REDIS_URL (production runs on PostgreSQL and Redis)")
        return 2
    env = {
        **os.environ,
        "HOST": "127.0.0.1", "PORT": str(WEB_PORT), "WS_PORT": str(WS_PORT),
        "WEB_WORKERS": "2", "WEB_THREADS": "2", "WS_WORKERS": "1", "CELERY_CONCURRENCY": "1",
        "DEBUG": "0", "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "check-prod-" + os.urandom(32).hex(),
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS",
                                                "3b0Jz1O5x6m3mR2b3a0bX9qz8E6u0m7i2gk3l4n5p6Q="),
        "BLIND_INDEX_KEY": os.environ.get("BLIND_INDEX_KEY", "check-prod-blind-index-key-0123456789abcdef"),
        "DEMO_DATA": "0",
    }
    process = subprocess.Popen(["make", "--no-print-directory", "run-prod"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        status, health = wait_for(f"http://127.0.0.1:{WEB_PORT}/healthz", 120)
        assert health["database"] == "ok" and health["redis"] == "ok", health
        print(f"web (gunicorn, WSGI): /healthz {status} {health}")
        status, schema = get(f"http://127.0.0.1:{WEB_PORT}/api/schema/?format=json")
        assert status == 200 and "/api/v1/auth/wechat/" in schema["paths"], status
        print(f"web: /api/schema/ {status}, {len(schema['paths'])} paths")
        status, health = wait_for(f"http://127.0.0.1:{WS_PORT}/healthz", 60)
        print(f"ws (uvicorn, ASGI): /healthz {status}")
        deadline = time.monotonic() + 90
        while "pong" not in (ping := celery_ping(env)) and time.monotonic() < deadline:
            time.sleep(2)
        assert "pong" in ping, ping
        print("worker (celery): pong")
        assert process.poll() is None, "a process exited"
        print("check-prod: ok")
        return 0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        if os.environ.get("CHECK_PROD_VERBOSE") or sys.exc_info()[0]:
            print(output[-5000:])


if __name__ == "__main__":
    sys.exit(main())
