"""Demo data framework: every app may have a ``demo.py`` with

- ``ORDER`` (int, lower loads first) and ``load()`` — idempotent (natural keys, get_or_create);
- optionally ``annotate(accounts: dict)`` — adds to what ``manage.py demo_accounts`` prints.

``load_all`` runs them under one database lock so two servers starting together against one
database duplicate nothing.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps
from django.db import connection, transaction

_LOCK_KEY = 0x50_4F_52_54  # "PORT": arbitrary, fixed advisory-lock id for set-up work


def demo_modules() -> list[ModuleType]:
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "load") or hasattr(module, "annotate"):
            found.append(module)
    return sorted(found, key=lambda m: getattr(m, "ORDER", 100))


SQLITE_SETUP_WAIT_MS = 600_000  # a second server waits for the first's set-up, however slow the machine


@contextlib.contextmanager
def setup_lock() -> Iterator[None]:
    """One transaction holding a cross-process lock: a PostgreSQL advisory lock (waited for without
    limit), or SQLite's write lock (the connection begins transactions IMMEDIATE; its usual busy
    timeout, seconds, is lengthened while it waits: loading the demo data takes longer on a busy
    machine, and the second server must wait for it, not fail)."""
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        connection.ensure_connection()
        usual = connection.connection.execute("PRAGMA busy_timeout").fetchone()[0]
        connection.connection.execute(f"PRAGMA busy_timeout = {SQLITE_SETUP_WAIT_MS}")
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            yield
    finally:
        if sqlite and connection.connection is not None:
            connection.connection.execute(f"PRAGMA busy_timeout = {int(usual)}")


def load_all() -> list[str]:
    loaded = []
    with setup_lock():
        for module in demo_modules():
            if hasattr(module, "load"):
                module.load()
                loaded.append(module.__name__)
    return loaded


def accounts() -> dict:
    data: dict = {"residents": [], "doctors": [], "staff": []}
    for module in demo_modules():
        if hasattr(module, "annotate"):
            module.annotate(data)
    return data
