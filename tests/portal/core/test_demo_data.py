import json
import threading
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connections

from portal.core import demo


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()
            if m._meta.app_label in {"accounts", "services", "booking", "health"}}


@pytest.mark.django_db(transaction=True)
def test_two_servers_loading_demo_data_at_once_duplicate_nothing():
    import time_machine
    from django.utils import timezone

    # One instant for the three loads: the demo slots are generated from "now", and a load that
    # crosses the start of a slot (16:00 …) makes one fewer slot per court than the load before it.
    with time_machine.travel(timezone.now(), tick=False):
        _two_servers_load_and_a_restart()


def _two_servers_load_and_a_restart():
    demo.load_all()
    expected = _row_counts()
    call_command("flush", "--no-input", verbosity=0)
    errors = []

    def start_server():
        try:
            demo.load_all()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start_server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert _row_counts() == expected
    demo.load_all()  # and a later restart adds nothing either
    assert _row_counts() == expected


@pytest.mark.django_db
def test_demo_accounts_json_lists_residents_with_valid_fictitious_id_numbers():
    from portal.accounts import idcard

    demo.load_all()
    out = StringIO()
    call_command("demo_accounts", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"residents", "doctors", "staff"}
    assert len(data["residents"]) >= 3
    for resident in data["residents"]:
        assert {"name", "id_number", "phone", "doctor"} <= set(resident)
        assert idcard.is_valid(resident["id_number"])
    assert any(s["username"] == "admin" for s in data["staff"])


@pytest.mark.django_db(transaction=True)
def test_set_up_waits_for_another_servers_set_up_longer_than_the_usual_busy_timeout():
    import sqlite3
    import time

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL's advisory lock waits without a limit")
    connection.ensure_connection()
    connection.connection.execute("PRAGMA busy_timeout = 200")  # the usual wait, shortened for the test
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another server's set-up holds the write lock …
    released = threading.Timer(1.0, other.execute, ["COMMIT"])  # … for five times the usual wait
    released.start()
    began = time.monotonic()
    try:
        with demo.setup_lock():
            waited = time.monotonic() - began
    finally:
        released.join()
        other.close()
    assert waited >= 0.9
    assert connection.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 200  # and back to usual
