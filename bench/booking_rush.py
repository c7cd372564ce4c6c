"""运动 booking bench: the rush, throughput against PostgreSQL's hot-row ceiling, read latencies.

    .venv/bin/python bench/booking_rush.py            # full run (about 2 minutes on 2 cores)
    BENCH_ATTEMPTS=300 .venv/bin/python bench/booking_rush.py   # quicker

The server runs with persistent database connections; ``BENCH_DB_POOL=1`` gives it psycopg's pool,
production's default, to compare. Needs a local PostgreSQL (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/portal_bench_booking``; the database is dropped and created)
and ``pgbench``. Prints one JSON object: each measure with its target, its baseline where it has
one, the ratio, and ``pass``.

1. rush_one_slot — 1,000 residents press "book" on one court slot (capacity 1) at the same instant,
   over real HTTP, against ``BENCH_WORKERS`` (default 2, at least 2) granian worker processes of
   ``BENCH_THREADS`` (4) blocking threads each, as in the Procfile.
   ``BENCH_SERVER=gunicorn`` runs them under gunicorn gthread instead, to compare (bench/rushlib.py).
   Target: exactly one 201, every other answer a 409 JSON error, no 5xx, p99 ≤ 2 s.
2. rush_100_slots — the same 1,000 spread over 100 slots of capacity 1. Target: confirmed = 100.
3. throughput — successful bookings per second on one hot slot (a session of large capacity),
   closed loop of ``BENCH_THROUGHPUT_CLIENTS`` (16) clients; baseline: pgbench running the same
   conditional decrement + insert on one hot row of the same PostgreSQL, in the same run.
   Target: ratio ≥ 0.3. Each client opens a new connection per booking. Reported beside it,
   ``keep_alive``: the same load on a second session with each client keeping one connection open
   (HTTP/1.1 keep-alive, as nginx does towards the web processes in production, deploy/nginx.conf), with
   its own ratio; it says what new connections cost, it is not the target's figure.
   ``cpu_ms_per_booking``: CPU of the server workers, their PostgreSQL backends, this client and
   the whole machine during the hot-slot phase, per booking (from /proc).
4. availability_p50 — ``GET /api/v1/venues/{id}/slots/?date=`` (target ≤ 20 ms);
   nearby_p50 — ``GET /api/v1/venues/?near=…`` with 2,000 venues (target ≤ 30 ms).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rushlib import (  # noqa: E402
    Request,
    Server,
    closed_loop,
    fire,
    machine_cpu_s,
    percentile,
    processes_cpu_s,
    run,
    server_env,
)

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_booking")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "")
ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "1000"))
WORKERS = max(2, int(os.environ.get("BENCH_WORKERS", "2")))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
VENUES = int(os.environ.get("BENCH_VENUES", "2000"))
THROUGHPUT_BOOKINGS = int(os.environ.get("BENCH_THROUGHPUT_BOOKINGS", "1500"))
THROUGHPUT_CLIENTS = int(os.environ.get("BENCH_THROUGHPUT_CLIENTS", "16"))
PGBENCH_SECONDS = int(os.environ.get("BENCH_PGBENCH_SECONDS", "10"))
JWT_KEY = "bench-jwt-" + uuid.uuid4().hex

# Pudong, roughly: the box the synthetic venues are scattered in.
LAT_RANGE, LNG_RANGE = (31.00, 31.36), (121.48, 121.80)


def _psql(url: str, sql: str) -> str:
    u = urlparse(url)
    out = subprocess.run(["psql", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U",
                          u.username or "postgres", "-d", u.path.lstrip("/"), "-v", "ON_ERROR_STOP=1", "-tAc", sql],
                         capture_output=True, text=True, check=True)
    return out.stdout


def _fresh_database() -> None:
    name = urlparse(DB_URL).path.lstrip("/")
    admin_url = DB_URL.rsplit("/", 1)[0] + "/postgres"
    _psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin_url, f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": DB_URL, "DEMO_DATA": "0"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = DB_URL
    os.environ["JWT_SIGNING_KEY"] = JWT_KEY
    os.environ["JWT_ACCESS_MINUTES"] = "120"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DEMO_DATA"] = "0"
    import django

    django.setup()


def _seed(n_residents: int):
    from decimal import Decimal

    from django.utils import timezone

    from booking.models import Court, Slot, Venue
    from portal.accounts.models import User

    now = timezone.now()
    User.objects.bulk_create([
        User(username=f"bench_{i}", kind=User.Kind.RESIDENT, realname_verified_at=now, id_number_index=f"bench-{i}",
             display_name=f"居民{i}") for i in range(n_residents)
    ], batch_size=1000)
    residents = list(User.objects.filter(username__startswith="bench_").order_by("id"))

    hours = {**{str(d): [["07:00", "22:00"]] for d in range(1, 8)}}
    rng = random.Random(42)
    sports_cycle = [["羽毛球"], ["游泳"], ["羽毛球", "乒乓球"], ["篮球"], ["健身路径"]]
    Venue.objects.bulk_create([
        Venue(name=f"基准场馆{i:04d}", town=f"街镇{i % 36}", address=f"基准路 {i} 号",
              lat=rng.uniform(*LAT_RANGE), lng=rng.uniform(*LNG_RANGE), sports=sports_cycle[i % 5],
              opening_hours=hours, kind="fitness_point" if i % 5 == 4 else "centre", is_free=i % 5 == 4)
        for i in range(VENUES)
    ], batch_size=1000)
    venues = list(Venue.objects.exclude(kind="fitness_point").order_by("id"))
    Court.objects.bulk_create([Court(venue=v, sport=v.sports[0], name=f"{k}号场", capacity=1, price=Decimal("40"))
                               for v in venues for k in (1, 2)], batch_size=2000)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    slots = []
    for court in Court.objects.select_related("venue"):
        for hour in range(7, 22):
            start = dt.datetime.combine(tomorrow, dt.time(hour), tzinfo=tz)
            slots.append(Slot(court=court, venue=court.venue, sport=court.sport, start=start,
                              end=start + dt.timedelta(hours=1), opens_at=now - dt.timedelta(days=1), capacity=1,
                              remaining=1, price=court.price))
    Slot.objects.bulk_create(slots, batch_size=5000)

    def venue_with_slots(name: str, count: int, capacity: int, unit: str = "party", max_party: int = 4):
        venue = Venue.objects.create(name=name, town="张江镇", address="基准路", lat=31.2036, lng=121.5906,
                                     sports=["羽毛球"], opening_hours=hours, max_per_day_per_resident=10,
                                     max_active_per_resident=10, max_per_venue_per_day=10)
        out = []
        for k in range(count):
            court = Court.objects.create(venue=venue, sport="羽毛球", name=f"{k + 1}号场", capacity=capacity,
                                         unit=unit, max_party_size=max_party)
            start = dt.datetime.combine(tomorrow, dt.time(9), tzinfo=tz)
            out.append(Slot.objects.create(court=court, venue=venue, sport="羽毛球", start=start,
                                           end=start + dt.timedelta(hours=1), opens_at=now - dt.timedelta(days=1),
                                           capacity=capacity, remaining=capacity))
        return out

    hot = venue_with_slots("抢场基准馆", 1, 1)[0]
    spread = venue_with_slots("分散基准馆", 100, 1)
    session = venue_with_slots("大容量基准馆", 1, 1_000_000, unit="person", max_party=1)[0]
    session_b = venue_with_slots("大容量基准馆二", 1, 1_000_000, unit="person", max_party=1)[0]
    warm = venue_with_slots("预热基准馆", 1, 1_000, unit="person", max_party=1)[0]
    cold = venue_with_slots("多场基准馆", 16, 1_000_000, unit="person", max_party=1)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return residents, hot, spread, (session, session_b), warm, cold, venues


def _tokens(users) -> list[str]:
    from rest_framework_simplejwt.tokens import AccessToken

    return [str(AccessToken.for_user(u)) for u in users]


def _book(token: str, slot_id: int) -> Request:
    return Request("POST", "/api/v1/bookings/", {"Authorization": f"Bearer {token}",
                                                 "Content-Type": "application/json",
                                                 "Idempotency-Key": uuid.uuid4().hex},
                   json.dumps({"slot": slot_id}).encode())


def _rush_summary(results, capacity: int) -> dict:
    statuses = Counter(r.status for r in results)
    latencies = [r.latency_s for r in results]
    json_409 = sum(1 for r in results if r.status == 409 and r.body and r.body.get("error", {}).get("code"))
    codes = Counter(r.body["error"]["code"] for r in results if r.status == 409 and r.body)
    return {
        "attempts": len(results), "confirmed": statuses.get(201, 0), "capacity": capacity,
        "refused_409_json": json_409, "refusal_codes": dict(codes),
        "server_errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "failed_connections": statuses.get(0, 0), "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_s": round(percentile(latencies, 50), 3), "p99_s": round(percentile(latencies, 99), 3),
        "max_s": round(max(latencies), 3),
    }


def _pgbench_hot_row(clients: int, seconds: int) -> dict:
    """The hot-row ceiling: one statement taking a place (conditional decrement) and inserting the
    booking row, on one row, as fast as this PostgreSQL commits it."""
    _psql(DB_URL, "DROP TABLE IF EXISTS pgb_slot, pgb_booking; "
                  "CREATE TABLE pgb_slot (id int PRIMARY KEY, remaining int NOT NULL CHECK (remaining >= 0)); "
                  "CREATE TABLE pgb_booking (id bigserial PRIMARY KEY, slot_id int NOT NULL, resident_id int NOT NULL,"
                  " party_size int NOT NULL, status varchar(16) NOT NULL, created_at timestamptz NOT NULL); "
                  "INSERT INTO pgb_slot VALUES (1, 1000000000);")
    script = ("\\set r random(1, 1000000000)\n"
              "WITH taken AS (UPDATE pgb_slot SET remaining = remaining - 1 WHERE id = 1 AND remaining >= 1 "
              "RETURNING id) INSERT INTO pgb_booking (slot_id, resident_id, party_size, status, created_at) "
              "SELECT id, :r, 1, 'confirmed', now() FROM taken;\n")
    u = urlparse(DB_URL)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(["pgbench", "-n", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U",
                              u.username or "postgres", "-c", str(clients), "-j", "2", "-T", str(seconds), "-M",
                              "prepared", "-f", f.name, u.path.lstrip("/")], capture_output=True, text=True,
                             check=True).stdout
    finally:
        os.unlink(f.name)
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))
    sold = int(_psql(DB_URL, "SELECT count(*) FROM pgb_booking").strip())
    return {"tps": round(tps, 1), "clients": clients, "seconds": seconds, "rows_inserted": sold,
            "script": script.strip()}


def _backend_pids() -> list[int]:
    """The PostgreSQL backends of the bench database other than this process's own connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                       " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        return [row[0] for row in cursor.fetchall()]


def _latencies(port: int, requests: list[Request], rounds: int = 1) -> dict:
    results = []
    for _ in range(rounds):
        for req in requests:
            results.extend(run(fire("127.0.0.1", port, [req])))
    bad = [r for r in results if r.status != 200]
    lat = [r.latency_s * 1000 for r in results]
    return {"requests": len(results), "non_200": len(bad), "p50_ms": round(percentile(lat, 50), 2),
            "p95_ms": round(percentile(lat, 95), 2), "p99_ms": round(percentile(lat, 99), 2)}


def main() -> None:
    began = time.time()
    _fresh_database()
    _setup_django()
    n_residents = max(ATTEMPTS, THROUGHPUT_BOOKINGS)
    residents, hot, spread, (session, session_b), warm, cold, venues = _seed(n_residents + 20)
    tokens = _tokens(residents)
    tokens, warm_tokens = tokens[:n_residents], tokens[n_residents:]
    from django.utils import timezone

    from booking.models import Booking, Slot

    env = server_env(database_url=DB_URL, redis_url=REDIS_URL, jwt_signing_key=JWT_KEY)
    report: dict = {"bench": "booking_rush", "when": timezone.now().isoformat(), "cpus": os.cpu_count(),
                    "loadavg_1m_at_start": round(os.getloadavg()[0], 2)}
    with Server(env=env, workers=WORKERS, threads=THREADS) as server:
        report["server"] = (server.description + ", DEBUG=0, Redis " + ("on" if REDIS_URL else "off")
                            + (", psycopg pool" if env["DB_POOL"] == "1" else ", persistent connections")
                            + ", PostgreSQL " + _psql(DB_URL, "SHOW server_version").strip())
        report["server_processes"] = len(server.pids())
        # Warm every worker (imports, DB connection, first bookings) the way a running service is
        # warm, on a slot of its own and with residents the rush does not use.
        run(fire("127.0.0.1", server.port, [Request("GET", f"/api/v1/venues/{hot.venue_id}/", {})] * 20))
        run(fire("127.0.0.1", server.port, [_book(t, warm.pk) for t in warm_tokens]))
        # ... and let the workers finish their start-up work in the background (the catalogue index)
        # before measuring: it would otherwise share the cores with whichever phase came first.
        report["server_settled_s"] = round(server.wait_quiet(), 1)

        rush = run(fire("127.0.0.1", server.port, [_book(t, hot.pk) for t in tokens[:ATTEMPTS]]))
        one = _rush_summary(rush, 1)
        one["db_confirmed"] = Booking.objects.filter(slot=hot, status="confirmed").count()
        one["db_remaining"] = Slot.objects.get(pk=hot.pk).remaining
        one["target"] = "exactly 1 confirmed, all others 409 JSON, no 5xx, p99 <= 2 s"
        one["pass"] = (one["confirmed"] == 1 == one["db_confirmed"] and one["refused_409_json"] == ATTEMPTS - 1
                       and one["server_errors_5xx"] == 0 and one["failed_connections"] == 0 and one["p99_s"] <= 2.0)
        report["rush_one_slot"] = one

        # The same residents again, each on one of 100 slots (10 per slot).
        rush = run(fire("127.0.0.1", server.port,
                                [_book(t, spread[i % len(spread)].pk) for i, t in enumerate(tokens[:ATTEMPTS])]))
        many = _rush_summary(rush, len(spread))
        many["db_confirmed"] = Booking.objects.filter(slot__in=spread, status="confirmed").count()
        many["db_remaining_total"] = sum(Slot.objects.filter(pk__in=[s.pk for s in spread])
                                         .values_list("remaining", flat=True))
        many["target"] = "confirmed = total capacity (100), all others 409 JSON, no 5xx, p99 <= 2 s"
        many["pass"] = (many["confirmed"] == len(spread) == many["db_confirmed"] and many["db_remaining_total"] == 0
                        and many["refused_409_json"] == ATTEMPTS - len(spread) and many["server_errors_5xx"] == 0
                        and many["p99_s"] <= 2.0)
        report["rush_100_slots"] = many

        # Throughput on one hot row: distinct residents booking a large session, closed loop — and
        # where the CPU went meanwhile (server workers, their PostgreSQL backends, this client, all).
        backends = _backend_pids()
        cpu_before = (server.cpu_s(), processes_cpu_s(backends), time.process_time(), machine_cpu_s())
        results, wall = run(closed_loop("127.0.0.1", server.port,
                                        [_book(t, session.pk) for t in tokens[:THROUGHPUT_BOOKINGS]],
                                        concurrency=THROUGHPUT_CLIENTS))
        cpu_after = (server.cpu_s(), processes_cpu_s(backends), time.process_time(), machine_cpu_s())
        ok = sum(1 for r in results if r.status == 201)
        booked_per_s = ok / wall
        throughput = {"bookings": ok, "attempts": len(results), "wall_s": round(wall, 2),
                      "bookings_per_s": round(booked_per_s, 1), "clients": THROUGHPUT_CLIENTS,
                      "client_connections": "one per booking",
                      "non_201": dict(Counter(r.status for r in results if r.status != 201)),
                      "p50_ms": round(percentile([r.latency_s * 1000 for r in results], 50), 1),
                      "cpu_ms_per_booking": {
                          name: round((after - before) * 1000 / max(ok, 1), 2) for name, before, after in
                          zip(("server_workers", "postgresql_backends", "client", "machine"), cpu_before, cpu_after,
                              strict=True)}}

        # The same load spread over 16 slots: if this is no faster, the hot row is not what limits.
        results, wall = run(closed_loop("127.0.0.1", server.port,
                                        [_book(t, cold[i % len(cold)].pk)
                                         for i, t in enumerate(tokens[:THROUGHPUT_BOOKINGS])],
                                        concurrency=THROUGHPUT_CLIENTS))
        throughput["same_load_on_16_slots_bookings_per_s"] = round(
            sum(1 for r in results if r.status == 201) / wall, 1)

        # The same load on a second session, each client keeping its connection open (as nginx
        # does towards the web processes in production): what new connections cost, not the target's figure.
        results, wall = run(closed_loop("127.0.0.1", server.port,
                                        [_book(t, session_b.pk) for t in tokens[:THROUGHPUT_BOOKINGS]],
                                        concurrency=THROUGHPUT_CLIENTS, keep_alive=True))
        ok_b = sum(1 for r in results if r.status == 201)
        kept_alive = {"bookings": ok_b, "wall_s": round(wall, 2), "bookings_per_s": round(ok_b / wall, 1),
                      "non_201": dict(Counter(r.status for r in results if r.status != 201)),
                      "p50_ms": round(percentile([r.latency_s * 1000 for r in results], 50), 1)}
        throughput["keep_alive"] = kept_alive

        # Reads, one at a time: availability of one venue-day, nearby search among VENUES venues.
        day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
        rng = random.Random(1)
        sample = rng.sample(venues, 50)
        report["availability"] = _latencies(server.port, [
            Request("GET", f"/api/v1/venues/{v.pk}/slots/?date={day}", {}) for v in sample], rounds=4)
        report["availability"].update({"target_p50_ms": 20.0, "pass": report["availability"]["p50_ms"] <= 20.0
                                       and report["availability"]["non_200"] == 0})
        points = [(rng.uniform(31.10, 31.30), rng.uniform(121.50, 121.70)) for _ in range(200)]
        report["nearby_search"] = _latencies(server.port, [
            Request("GET", f"/api/v1/venues/?near={lat:.5f},{lng:.5f}", {}) for lat, lng in points])
        report["nearby_search"].update({"venues": VENUES, "radius_m": 1200, "target_p50_ms": 30.0,
                                        "pass": report["nearby_search"]["p50_ms"] <= 30.0
                                        and report["nearby_search"]["non_200"] == 0})

    # The baseline, measured in the same run on the same PostgreSQL.
    pg = _pgbench_hot_row(clients=THROUGHPUT_CLIENTS, seconds=PGBENCH_SECONDS)
    throughput["baseline_pgbench"] = pg
    throughput["ratio"] = round(booked_per_s / pg["tps"], 3)
    kept_alive["ratio"] = round(kept_alive["bookings_per_s"] / pg["tps"], 3)
    throughput["target_ratio"] = 0.3
    throughput["pass"] = throughput["ratio"] >= 0.3
    report["throughput"] = throughput
    report["elapsed_s"] = round(time.time() - began, 1)
    report["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    report["pass"] = all(report[k]["pass"] for k in ("rush_one_slot", "rush_100_slots", "throughput",
                                                     "availability", "nearby_search"))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    sys.exit(0 if report["pass"] else 1)


if __name__ == "__main__":
    main()
