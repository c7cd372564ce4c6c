"""Live availability over WebSocket, the demo data, the staff heat map."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from booking import actions
from booking.models import Court, Slot, Venue
from portal.asgi import application
from tests.booking.conftest import make_court, make_resident, make_slot, make_staff, make_venue


@pytest.mark.django_db(transaction=True)
async def test_watchers_of_a_venue_and_date_get_availability_pushed_after_a_booking():
    slot = await database_sync_to_async(lambda: make_slot(make_court(make_venue())))()
    resident = await database_sync_to_async(make_resident)()
    day = timezone.localtime(slot.start).date().isoformat()
    watcher = WebsocketCommunicator(application, f"/ws/venues/{slot.venue_id}/availability/?date={day}")
    connected, _ = await watcher.connect()
    assert connected
    snapshot = await watcher.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot" and [s["id"] for s in snapshot["slots"]] == [slot.pk]
    assert snapshot["slots"][0]["remaining"] == 1

    await database_sync_to_async(actions.booking_create)(resident=resident, slot_id=slot.pk)
    pushed = await watcher.receive_json_from(timeout=5)
    assert pushed == {"type": "availability", "slots": [
        {"id": slot.pk, "remaining": 0, "capacity": 1, "state": "open", "bookable": False}]}
    await watcher.disconnect()


def test_an_in_memory_push_nobody_watches_starts_no_event_loop(monkeypatch):
    """A WSGI worker serves no WebSocket: its in-memory layer's groups are always empty, and a
    booking must not pay for a thread and an event loop to send to nobody."""
    from channels.layers import InMemoryChannelLayer

    from booking import realtime

    layer = InMemoryChannelLayer()
    calls = []
    monkeypatch.setattr(realtime, "async_to_sync", lambda fn: lambda *a: calls.append(a))
    realtime._send(layer, "venue.1.2026-11-25", {"type": "availability.changed", "slots": [{"id": 1}]})
    assert calls == []
    layer.groups["venue.1.2026-11-25"] = {"specific.watcher!abc": time.time()}
    realtime._send(layer, "venue.1.2026-11-25", {"type": "availability.changed", "slots": [{"id": 1}]})
    assert calls == [("venue.1.2026-11-25", {"type": "availability.changed", "slots": [{"id": 1}]})]


@pytest.mark.django_db(transaction=True)
async def test_a_rolled_back_booking_pushes_nothing_and_other_dates_hear_nothing():
    slot = await database_sync_to_async(lambda: make_slot(make_court(make_venue())))()
    other_day = (timezone.localtime(slot.start).date() + dt.timedelta(days=1)).isoformat()
    watcher = WebsocketCommunicator(application, f"/ws/venues/{slot.venue_id}/availability/?date={other_day}")
    assert (await watcher.connect())[0]
    assert (await watcher.receive_json_from(timeout=5))["slots"] == []
    resident = await database_sync_to_async(make_resident)()
    await database_sync_to_async(actions.booking_create)(resident=resident, slot_id=slot.pk)
    assert await watcher.receive_nothing(timeout=0.3)
    await watcher.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_watching_an_unknown_venue_or_a_bad_date_is_refused_politely():
    watcher = WebsocketCommunicator(application, "/ws/venues/999999/availability/")
    assert (await watcher.connect())[0]
    assert (await watcher.receive_json_from(timeout=5))["error"]["code"] == "venue_not_found"
    await watcher.disconnect()
    venue = await database_sync_to_async(make_venue)()
    for date in ("tomorrow", "9999-12-31", "0001-01-01"):
        watcher = WebsocketCommunicator(application, f"/ws/venues/{venue.pk}/availability/?date={date}")
        assert (await watcher.connect())[0]
        assert (await watcher.receive_json_from(timeout=5))["error"]["code"] == "invalid"
        await watcher.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_asking_for_a_bad_date_while_watching_is_refused_and_the_watch_goes_on():
    venue = await database_sync_to_async(make_venue)()
    watcher = WebsocketCommunicator(application, f"/ws/venues/{venue.pk}/availability/")
    assert (await watcher.connect())[0]
    assert (await watcher.receive_json_from(timeout=5))["type"] == "snapshot"
    for content in ({"date": "9999-12-31"}, {"date": 5}, {"date": ["2026-01-01"]}, ["x"]):
        await watcher.send_json_to(content)
        assert (await watcher.receive_json_from(timeout=5))["error"]["code"] == "invalid"
    for frame in ({"text_data": "{not json"}, {"text_data": "[" * 2000 + "]" * 2000}, {"bytes_data": b"\x00"}):
        await watcher.send_to(**frame)
        assert (await watcher.receive_json_from(timeout=5))["error"]["code"] == "invalid"
    await watcher.send_json_to({"date": timezone.localdate().isoformat()})
    assert (await watcher.receive_json_from(timeout=5))["type"] == "snapshot"
    await watcher.disconnect()


@pytest.mark.django_db
def test_demo_data_covers_pudong_and_is_idempotent():
    from booking import demo
    from portal.accounts import demo as accounts_demo

    accounts_demo.load()
    demo.load()
    counts = (Venue.objects.count(), Court.objects.count(), Slot.objects.count())
    demo.load()
    assert (Venue.objects.count(), Court.objects.count(), Slot.objects.count()) == counts
    assert Venue.objects.count() >= 30
    towns = set(Venue.objects.values_list("town", flat=True))
    for town in ["张江镇", "陆家嘴街道", "花木街道", "川沙新镇", "周浦镇", "惠南镇", "金桥镇", "高桥镇", "三林镇",
                 "北蔡镇", "唐镇", "曹路镇"]:
        assert town in towns
    for venue in Venue.objects.all():  # all inside Pudong, roughly
        assert 30.85 < venue.lat < 31.40 and 121.45 < venue.lng < 121.95
    badminton = Venue.objects.filter(courts__sport="羽毛球", courts__capacity=1, courts__unit="party").distinct()
    assert badminton.count() >= 10
    assert Court.objects.filter(sport="游泳", unit="person", capacity__gt=1).exists()
    points = Venue.objects.filter(kind=Venue.Kind.FITNESS_POINT)
    assert points.count() >= 5 and all(p.is_free and not p.bookable for p in points)
    now = timezone.now()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    bookable_tomorrow = [s for s in Slot.objects.filter(start__date=tomorrow, state="open", remaining__gt=0)
                         if s.opens_at <= now]
    assert len(bookable_tomorrow) > 100
    assert Venue.objects.filter(managers__username="venue").count() == 3


@pytest.mark.django_db
def test_the_heat_map_shows_a_manager_only_their_venues(client):
    from django.contrib.auth.models import Group

    from portal.accounts.roles import ensure_roles

    ensure_roles()
    mine = make_venue(name="我管的馆")
    make_venue(name="别人的馆")
    manager = make_staff(venues=(mine,))
    manager.groups.set([Group.objects.get(name="venue_manager")])
    start = timezone.localtime(timezone.now() - dt.timedelta(days=1)).replace(hour=19, minute=0, second=0,
                                                                               microsecond=0)
    make_slot(make_court(mine), start=start, remaining=0)
    make_slot(make_court(mine), start=start.replace(hour=10))
    client.force_login(manager)
    page = client.get("/admin/booking/venue/heatmap/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "我管的馆" in html and "别人的馆" not in html
    assert "已约 1 / 1（100%）" in html and "已约 0 / 1（0%）" in html
    assert client.get("/admin/booking/venue/").status_code == 200
    resident = make_resident()
    client.force_login(resident)
    assert client.get("/admin/booking/venue/heatmap/").status_code in (302, 403)


@pytest.mark.django_db
def test_the_admin_names_a_slot_by_its_local_start_time(client):
    """A manager reads 09:00 for the 09:00 court, not the UTC 01:00 the database keeps."""
    from django.contrib.auth.models import Group

    from portal.accounts.roles import ensure_roles

    ensure_roles()
    venue = make_venue(name="时间馆")
    manager = make_staff(venues=(venue,))
    manager.groups.set([Group.objects.get(name="venue_manager")])
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                                              microsecond=0)
    slot = make_slot(make_court(venue, name="1号场"), start=start)
    actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    assert str(Slot.objects.get(pk=slot.pk)) == f"时间馆 1号场 {start:%Y-%m-%d} 09:00"
    client.force_login(manager)
    html = client.get("/admin/booking/booking/").content.decode()
    assert f"时间馆 1号场 {start:%Y-%m-%d} 09:00" in html


@pytest.mark.redis
def test_pushes_through_a_redis_channel_layer_do_not_wait_for_redis_and_arrive():
    import asyncio
    import time

    from asgiref.sync import async_to_sync
    from channels_redis.core import RedisChannelLayer
    from django.conf import settings

    from booking.realtime import _send

    layer = RedisChannelLayer(hosts=[settings.REDIS_URL], prefix="booking-test")
    group = f"venue.1.{time.time_ns()}"

    async def subscribe():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        return channel

    channel = async_to_sync(subscribe)()
    for i in range(5):
        _send(layer, group, {"type": "availability.changed", "slots": [{"id": i}]})

    async def drain():
        seen = []
        while len(seen) < 5:  # changes that waited for the one before go out together, in order
            seen += [state["id"] for state in (await asyncio.wait_for(layer.receive(channel), 5))["slots"]]
        return seen

    assert async_to_sync(drain)() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("window_ms", [0, 50])
def test_a_venue_days_changes_go_out_in_order_and_those_that_waited_together_with_each_slots_latest_state(
        settings, window_ms):
    import asyncio
    import threading

    from booking import realtime

    class SlowLayer:  # a network layer (not the in-memory one) whose first send takes a while
        def __init__(self):
            self.sent, self.release = [], threading.Event()

        async def group_send(self, group, message):
            while not self.release.is_set():
                await asyncio.sleep(0.001)
            self.sent.append((group, message))

    settings.BOOKING_PUSH_COALESCE_MS = window_ms
    layer = SlowLayer()
    group = f"venue.1.2026-11-25.{window_ms}"
    change = lambda *states: {"type": "availability.changed", "slots": [{"id": i, "remaining": r} for i, r in states]}  # noqa: E731
    realtime._send(layer, group, change((1, 9)))
    deadline = time.monotonic() + 5
    while group in realtime._pending and time.monotonic() < deadline:  # until the first is on its way
        time.sleep(0.001)
    realtime._send(layer, group, change((1, 8), (2, 5)))
    realtime._send(layer, group, change((1, 7)))
    realtime._send(layer, f"venue.2.2026-11-25.{window_ms}", change((3, 0)))
    layer.release.set()
    while len(layer.sent) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    mine = [message["slots"] for g, message in layer.sent if g == group]
    assert mine[0] == [{"id": 1, "remaining": 9}]
    assert mine[1:] == [[{"id": 1, "remaining": 7}, {"id": 2, "remaining": 5}]]
    assert [m["slots"] for g, m in layer.sent if g != group] == [[{"id": 3, "remaining": 0}]]
    assert all(m["type"] == "availability.changed" for _, m in layer.sent)


@pytest.mark.django_db
def test_a_venue_manager_edits_their_venue_in_the_admin_but_not_who_manages_it(client):
    from portal.accounts.roles import ensure_roles

    ensure_roles()
    mine, theirs = make_venue(name="我的馆"), make_venue(name="他人的馆")
    manager = make_staff(venues=(mine,))
    client.force_login(manager)
    page = client.get(f"/admin/booking/venue/{mine.pk}/change/")
    assert page.status_code == 200
    assert 'name="managers"' not in page.content.decode()
    assert client.get(f"/admin/booking/venue/{theirs.pk}/change/").status_code in (302, 404)


@pytest.mark.django_db
def test_a_manager_blocks_and_reopens_slots_from_the_admin_list(client):
    """The slot pages were read-only: closing a court meant the API, one slot at a time."""
    from portal.accounts.roles import ensure_roles

    ensure_roles()
    venue = make_venue(name="维护馆")
    manager = make_staff(venues=(venue,))
    court = make_court(venue)
    future = make_slot(court)
    past = make_slot(court, start=timezone.now() - dt.timedelta(hours=3))
    booking = actions.booking_create(resident=make_resident(), slot_id=future.pk)
    client.force_login(manager)
    page = client.post("/admin/booking/slot/", {"action": "block_selected", "_selected_action": [future.pk, past.pk]},
                       follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "已停用 1 个时段" in html and "已开始或已结束的时段不能停用" in html
    assert Slot.objects.get(pk=future.pk).state == "blocked"
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_by_venue
    client.post("/admin/booking/slot/", {"action": "unblock_selected", "_selected_action": [future.pk]})
    assert Slot.objects.get(pk=future.pk).state == "open"


def _form_data(page) -> dict:
    """The POST an unchanged admin change form sends: the main form and every inline formset."""
    import json

    data = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.management_form.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, (dict, list)) and name != "managers":
                value = json.dumps(value)
            data[form.add_prefix(name)] = value
    return data


@pytest.mark.django_db
def test_saving_new_opening_hours_in_the_admin_moves_the_slots(client):
    from portal.accounts.roles import ensure_roles

    ensure_roles()
    hours = {str(d): [["08:00", "22:00"]] for d in range(1, 8)}
    venue = make_venue(name="改时间馆", opening_hours={**hours, "holiday": [["08:00", "22:00"]]}, window_days=2)
    make_court(venue)
    actions.slots_generate(days=2)
    manager = make_staff(venues=(venue,))
    client.force_login(manager)
    url = f"/admin/booking/venue/{venue.pk}/change/"
    data = _form_data(client.get(url))
    data["opening_hours"] = '{"1": [["08:00", "20:00"]], "2": [["08:00", "20:00"]], "3": [["08:00", "20:00"]], ' \
                            '"4": [["08:00", "20:00"]], "5": [["08:00", "20:00"]], "6": [["08:00", "20:00"]], ' \
                            '"7": [["08:00", "20:00"]], "holiday": [["08:00", "20:00"]]}'
    page = client.post(url, data, follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "时段已按新的设置更新" in html and "删除不再开放的空时段" in html, html[:3000]
    late = [s for s in Slot.objects.filter(venue=venue) if timezone.localtime(s.start).hour >= 20]
    assert late == []
