"""Start the product the way a newcomer or an operator does, check it answers, stop it.

    python scripts/check_serving.py run    # `make run`: embedded default, one ASGI process
    python scripts/check_serving.py prod   # `make run-prod`: needs DATABASE_URL and REDIS_URL

run:  /healthz 200, /api/schema/ lists the login endpoints, /api/docs/ serves; a second start
      loads the demo data again and duplicates nothing.
prod: the WSGI web process serves /healthz (database + Redis ok) and the schema; the ASGI process
      serves /healthz; a Celery worker answers a ping; no process exited.
Exits non-zero with the reason otherwise.
"""

from __future__ import annotations

import contextlib
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
LOGIN_PATHS = {"/api/v1/auth/wechat/", "/api/v1/auth/alipay/", "/api/v1/auth/sms/", "/api/v1/auth/staff/"}


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
    raise SystemExit(f"check-serving: {url} did not answer 200 in {seconds}s (last: {last})")


def celery_ping(env: dict) -> str:
    result = subprocess.run([str(ROOT / ".venv/bin/celery"), "-A", "portal", "inspect", "ping", "--timeout", "5"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


@contextlib.contextmanager
def started(target: str, env: dict):
    process = subprocess.Popen(["make", "--no-print-directory", target], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    failed = True
    try:
        yield process
        failed = False
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        if failed or os.environ.get("CHECK_VERBOSE"):
            print(output[-5000:])


def check_schema(base: str) -> None:
    status, schema = get(f"{base}/api/schema/?format=json")
    assert status == 200, status
    missing = LOGIN_PATHS - set(schema["paths"])
    assert not missing, f"login endpoints missing from the schema: {missing}"
    print(f"/api/schema/ {status}: {len(schema['paths'])} paths, login endpoints documented")


# Rows the clock makes, not the demo loader: slots are generated N days ahead at each start, so a
# second start after midnight (Asia/Shanghai) adds a day of them without duplicating anything.
CLOCK_MADE = "{'booking.slot'}"


def user_count(env: dict) -> str:
    """Rows of the domain apps, as ``label: count`` per model, minus those the clock makes."""
    code = ("from django.apps import apps; print(sorted((m._meta.label_lower, m.objects.count()) for m in"
            " apps.get_models() if m._meta.app_label in {'accounts', 'services', 'booking', 'health'}"
            f" and m._meta.label_lower not in {CLOCK_MADE}))")
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-v", "0", "-c", code],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    return result.stdout.strip().splitlines()[-1]


def check_run() -> int:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DEMO_DATA"}}
    env.update({"HOST": "127.0.0.1", "PORT": str(WEB_PORT)})
    base = f"http://127.0.0.1:{WEB_PORT}"
    counts = []
    for attempt in (1, 2):
        with started("run", env):
            status, health = wait_for(f"{base}/healthz", 300)
            assert health["database"] == "ok", health
            print(f"make run #{attempt}: /healthz {status} {health}")
            check_schema(base)
            status, docs = get(f"{base}/api/docs/")
            assert status == 200 and "swagger" in str(docs).lower(), status
            print(f"/api/docs/ {status}")
        counts.append(user_count(env))
    assert counts[0] == counts[1], f"demo data duplicated on the second start: {counts}"
    print(f"demo rows after each start: {counts} (idempotent)")
    print("check-serving run: ok")
    return 0


def check_prod() -> int:
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        print("check-serving prod: needs DATABASE_URL and REDIS_URL (production runs on PostgreSQL and Redis)")
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
    with started("run-prod", env) as process:
        status, health = wait_for(f"http://127.0.0.1:{WEB_PORT}/healthz", 180)
        assert health["database"] == "ok" and health["redis"] == "ok", health
        print(f"web (granian, WSGI): /healthz {status} {health}")
        check_schema(f"http://127.0.0.1:{WEB_PORT}")
        status, health = wait_for(f"http://127.0.0.1:{WS_PORT}/healthz", 60)
        print(f"ws (uvicorn, ASGI): /healthz {status}")
        deadline = time.monotonic() + 90
        while "pong" not in (ping := celery_ping(env)) and time.monotonic() < deadline:
            time.sleep(2)
        assert "pong" in ping, ping
        print("worker (celery): pong")
        assert process.poll() is None, "a process exited"
    print("check-serving prod: ok")
    return 0


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in {"run", "prod"}:
        raise SystemExit(__doc__)
    sys.exit(check_run() if mode == "run" else check_prod())
