"""Production mode refuses insecure settings with a readable message, and passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
STRONG = {
    "DEBUG": "0",
    "SECRET_KEY": "q8Zr3vN0pL5sT1xW7yB2cD4fG6hJ9kM3nP5rS8tV0wX2zA4bC6dE8fH0jK2lN4pQ",
    "ALLOWED_HOSTS": "portal.example.gov.cn",
    "FIELD_ENCRYPTION_KEYS": "3b0Jz1O5x6m3mR2b3a0bX9qz8E6u0m7i2gk3l4n5p6Q=",
    "BLIND_INDEX_KEY": "b7c1e9d3f5a2b8c4d6e0f1a3b5c7d9e2",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY",
                          "DJANGO_SETTINGS_MODULE", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_debug_off_without_secret_key_refuses_to_start_with_a_readable_message():
    env = {k: v for k, v in STRONG.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode == 2
    assert "Refusing to start" in result.stderr and "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start():
    env = {k: v for k, v in STRONG.items() if k != "ALLOWED_HOSTS"}
    result = manage("check", env=env)
    assert result.returncode == 2
    assert "ALLOWED_HOSTS" in result.stderr and "Traceback" not in result.stderr


def test_debug_off_with_the_embedded_dev_key_refuses_to_start():
    env = {**STRONG, "SECRET_KEY": "embedded-dev-only-insecure-key-do-not-use-in-production-0123456789"}
    result = manage("check", env=env)
    assert result.returncode == 2


def test_check_deploy_passes_at_warning_level_with_strong_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=STRONG)
    assert result.returncode == 0, result.stdout + result.stderr
