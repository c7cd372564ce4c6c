"""The rush, in the suite: hundreds of residents press "book" at the same instant over real HTTP
against two server processes (granian workers, as in the Procfile) sharing PostgreSQL. Exactly the capacity is sold;
every other attempt is a 409 JSON refusal; nothing is a 5xx. (The 1,000-attempt version with
latency figures is ``bench/booking_rush.py``.)"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from bench.rushlib import Request, Server, fire, run, server_env
from booking.models import Booking, Slot
from portal.accounts.models import User
from tests.booking.conftest import make_court, make_slot, make_venue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _residents(n: int) -> list[User]:
    now = timezone.now()
    tag = uuid.uuid4().hex[:8]
    User.objects.bulk_create([
        User(username=f"rush_{tag}_{i}", kind=User.Kind.RESIDENT, realname_verified_at=now,
             id_number_index=f"rush-{tag}-{i}", display_name=f"抢场居民{i}") for i in range(n)
    ])
    return list(User.objects.filter(username__startswith=f"rush_{tag}_").order_by("id"))


def _booking_request(user: User, slot_id: int) -> Request:
    return Request("POST", "/api/v1/bookings/", {
        "Authorization": f"Bearer {AccessToken.for_user(user)}", "Content-Type": "application/json",
        "Idempotency-Key": uuid.uuid4().hex,
    }, json.dumps({"slot": slot_id}).encode())


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_rush_over_http_across_two_server_processes_sells_each_place_exactly_once():
    start = timezone.now() + dt.timedelta(days=1)
    hot = make_slot(make_court(make_venue(name="抢场测试馆")), start=start)
    spread_venue = make_venue(name="分散测试馆")
    spread = [make_slot(make_court(spread_venue), start=start) for _ in range(20)]
    residents = _residents(300)

    env = server_env(database_url=_database_url(), redis_url=settings.REDIS_URL,
                     jwt_signing_key=settings.SIMPLE_JWT["SIGNING_KEY"])
    with Server(env=env, workers=2) as server:
        assert len(server.pids()) == 2
        one_slot = run(fire("127.0.0.1", server.port, [_booking_request(u, hot.pk) for u in residents]))
        many = run(fire("127.0.0.1", server.port,
                                [_booking_request(u, spread[i % 20].pk) for i, u in enumerate(residents[:200])]))

    for results, capacity in ((one_slot, 1), (many, 20)):
        statuses = Counter(r.status for r in results)
        assert statuses[201] == capacity, statuses
        assert statuses[409] == len(results) - capacity, (statuses, [r.raw for r in results if r.status != 409][:3])
        refusals = [r.body for r in results if r.status == 409]
        assert all(b and b["error"]["code"] == "slot_full" and b["error"]["message"] for b in refusals)
        assert not [r for r in results if r.status >= 500 or r.status == 0]

    hot.refresh_from_db()
    assert hot.remaining == 0
    assert Booking.objects.filter(slot=hot, status="confirmed").count() == 1
    assert list(Slot.objects.filter(pk__in=[s.pk for s in spread]).values_list("remaining", flat=True)) == [0] * 20
    assert Booking.objects.filter(slot__in=spread, status="confirmed").count() == 20
    winners = {r.body["id"] for r in one_slot + many if r.status == 201}
    assert winners == set(Booking.objects.filter(status="confirmed").values_list("id", flat=True))


@pytest.mark.redis
def test_a_place_freed_by_one_process_stops_being_refused_by_the_others_within_a_second():
    """This test process plays the other server process: it learns the slot is full from the shared
    store, as a server process would, and forgets it once the server's cancellation cleared it."""
    import time

    from booking import soldout

    slot = make_slot(make_court(make_venue(name="退订测试馆")), start=timezone.now() + dt.timedelta(days=1))
    holder, other, later = _residents(3)
    env = server_env(database_url=_database_url(), redis_url=settings.REDIS_URL,
                     jwt_signing_key=settings.SIMPLE_JWT["SIGNING_KEY"])
    with Server(env=env, workers=2) as server:
        booked = run(fire("127.0.0.1", server.port, [_booking_request(holder, slot.pk)]))[0]
        assert booked.status == 201, booked.raw
        assert soldout.is_sold_out(slot.pk) and soldout.refuses(slot.pk, other.pk)
        cancel = Request("POST", f"/api/v1/bookings/{booked.body['id']}/cancel/",
                         {"Authorization": f"Bearer {AccessToken.for_user(holder)}"})
        assert run(fire("127.0.0.1", server.port, [cancel]))[0].status == 200
        time.sleep(soldout.LOCAL_SECONDS + 0.2)
        assert not soldout.is_sold_out(slot.pk)
        again = run(fire("127.0.0.1", server.port, [_booking_request(later, slot.pk)]))[0]
        assert again.status == 201, again.raw
