"""The REST surface: contract shapes, refusals as 409 JSON, idempotent replay, staff least privilege."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from booking import actions, schedule
from booking.models import Booking, Court, Slot, Venue
from portal.connectors.models import Notification
from tests.booking.conftest import make_court, make_resident, make_slot, make_staff, make_venue

pytestmark = pytest.mark.django_db


def _bearer(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return api


def _assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# --- search ------------------------------------------------------------------------------------------


def test_venue_search_near_orders_by_distance_within_the_walking_circle(api):
    here = (31.2036, 121.5906)
    near = make_venue(name="近的", lat=31.2040, lng=121.5910)          # ~55 m
    farther = make_venue(name="稍远", lat=31.2100, lng=121.5906)       # ~710 m
    make_venue(name="太远", lat=31.2300, lng=121.5906)                 # ~2.9 km
    response = api.get("/api/v1/venues/", {"near": f"{here[0]},{here[1]}"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [v["id"] for v in body["results"]] == [near.pk, farther.pk]
    assert 40 < body["results"][0]["distance_m"] < 70
    assert 650 < body["results"][1]["distance_m"] < 760
    wider = api.get("/api/v1/venues/", {"near": "31.2036,121.5906", "radius_m": 5000}).json()
    assert wider["count"] == 3


def test_venue_search_filters_by_sport_town_and_free(api):
    pool = make_venue(name="游泳馆", town="花木街道", sports=["游泳"], is_free=False)
    make_venue(name="羽毛球馆", town="花木街道", sports=["羽毛球"])
    free_point = make_venue(name="健身苑", town="川沙新镇", sports=["健身路径"], is_free=True,
                            kind=Venue.Kind.FITNESS_POINT)
    assert [v["id"] for v in api.get("/api/v1/venues/", {"sport": "游泳"}).json()["results"]] == [pool.pk]
    assert [v["id"] for v in api.get("/api/v1/venues/", {"sport": "swimming"}).json()["results"]] == [pool.pk]
    assert api.get("/api/v1/venues/", {"town": "花木"}).json()["count"] == 2
    free = api.get("/api/v1/venues/", {"free": "true"}).json()["results"]
    assert [v["id"] for v in free] == [free_point.pk]
    assert free[0]["bookable"] is False and free[0]["free_slots_today"] is None


def test_venue_search_open_at_filters_by_opening_hours(api):
    evening_only = {str(d): [["18:00", "21:00"]] for d in range(1, 8)}
    evening = make_venue(name="夜场", opening_hours=evening_only)
    make_venue(name="全天")
    moment = dt.datetime(2026, 11, 25, 10, 0).isoformat() + "+08:00"
    ids = [v["id"] for v in api.get("/api/v1/venues/", {"open_at": moment}).json()["results"]]
    assert evening.pk not in ids and len(ids) == 1
    moment = dt.datetime(2026, 11, 25, 19, 0).isoformat() + "+08:00"
    assert evening.pk in [v["id"] for v in api.get("/api/v1/venues/", {"open_at": moment}).json()["results"]]


def test_venue_search_orders_by_availability(api, resident):
    start = timezone.now() + dt.timedelta(minutes=30)
    if timezone.localtime(start).date() != timezone.localdate():
        pytest.skip("needs some of today left")
    busy, quiet = make_venue(name="忙"), make_venue(name="闲")
    make_slot(make_court(busy), start=start)
    for _ in range(3):
        make_slot(make_court(quiet), start=start)
    results = api.get("/api/v1/venues/", {"ordering": "availability"}).json()["results"]
    assert [v["id"] for v in results][:2] == [quiet.pk, busy.pk]
    assert results[0]["free_places_today"] == 3


@pytest.mark.parametrize("params", [{"near": "abc"}, {"near": "91,121"}, {"radius_m": "-5", "near": "31,121"},
                                    {"open_at": "yesterday"}, {"ordering": "price"},
                                    {"open_at": "9999-12-31T23:59:59-12:00"}, {"open_at": "0001-01-01T00:00+14:00"}])
def test_bad_search_input_is_a_400_in_the_contract_shape(api, params):
    error = _assert_error(api.get("/api/v1/venues/", params), 400, "invalid")
    assert error["fields"]


def test_venue_detail_and_unknown_venue(api, slot):
    body = api.get(f"/api/v1/venues/{slot.venue_id}/").json()
    assert body["courts"][0]["capacity"] == 1
    assert body["rules"]["cancel_deadline_minutes"] == 120
    assert len(body["hours_next_7_days"]) == 7
    _assert_error(api.get("/api/v1/venues/999999/"), 404, "venue_not_found")


def test_slots_of_a_venue_and_date(api, court):
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                                              microsecond=0)
    opens = timezone.now() + dt.timedelta(days=1)
    make_slot(court, start=start + dt.timedelta(hours=1))
    first = make_slot(court, start=start)
    later = make_slot(court, start=start.replace(hour=15), opens_at=opens)
    response = api.get(f"/api/v1/venues/{court.venue_id}/slots/", {"date": timezone.localtime(start).date()})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == first.pk
    item = results[0]
    assert {"id", "start", "end", "capacity", "remaining", "price", "bookable"} <= set(item)
    assert item["start"].endswith("+08:00") and item["bookable"] is True
    assert next(s for s in results if s["id"] == later.pk)["bookable"] is False
    _assert_error(api.get(f"/api/v1/venues/{court.venue_id}/slots/", {"date": "2026-13-01"}), 400, "invalid")


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"])
def test_a_date_far_outside_the_calendar_is_a_400_with_a_sentence(api, court, manager, date):
    error = _assert_error(api.get(f"/api/v1/venues/{court.venue_id}/slots/", {"date": date}), 400, "invalid")
    assert "2000" in error["fields"]["date"][0]
    _bearer(api, manager)
    _assert_error(api.get(f"/api/v1/venues/{court.venue_id}/bookings/", {"date": date}), 400, "invalid")
    _assert_error(api.get(f"/api/v1/venues/{court.venue_id}/utilisation/", {"date_to": date}), 400, "invalid")
    _assert_error(api.get(f"/api/v1/venues/{court.venue_id}/utilisation/", {"date_from": date,
                                                                             "date_to": date}), 400, "invalid")


# --- booking -----------------------------------------------------------------------------------------


def test_booking_post_returns_201_with_the_booking(api, resident, slot):
    response = _bearer(api, resident).post("/api/v1/bookings/", {"slot": slot.pk}, format="json",
                                            HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["slot"]["id"] == slot.pk and body["slot"]["start"].endswith("+08:00")
    assert body["venue"]["id"] == slot.venue_id
    assert body["checkin"]["token_url"] == f"/api/v1/bookings/{body['id']}/checkin-token/"
    assert body["cancellable"] is True


def test_idempotent_replay_returns_the_same_booking(api, resident, court):
    slot = make_slot(make_court(court.venue, unit=Court.Unit.PERSON, capacity=10, sport="游泳"))
    _bearer(api, resident)
    first = api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    again = api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(resident=resident).count() == 1
    slot.refresh_from_db()
    assert slot.remaining == 9


def test_a_booking_and_its_answer_under_the_key_are_written_together(api, resident, court):
    from portal.core.models import IdempotencyKey

    slot = make_slot(make_court(court.venue, unit=Court.Unit.PERSON, capacity=10, sport="游泳"))
    first = _bearer(api, resident).post("/api/v1/bookings/", {"slot": slot.pk}, format="json",
                                        HTTP_IDEMPOTENCY_KEY="together")
    assert first.status_code == 201, first.content
    record = IdempotencyKey.objects.get(user=resident, key="together")
    assert record.response_status == 201
    assert record.response_body == first.json()
    assert record.response_body["id"] == Booking.objects.get(resident=resident).pk
    # A refusal (here a second booking of the same slot) is kept under its own key as before.
    again = api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="second")
    _assert_error(again, 409, "already_booked")
    assert IdempotencyKey.objects.get(user=resident, key="second").response_status == 409


@pytest.mark.parametrize("case, code", [
    ("full", "slot_full"), ("window", "window_not_open"), ("limit", "limit_reached"),
    ("suspended", "suspended"), ("realname", "realname_required"),
])
def test_refusals_are_409_json_with_a_chinese_sentence(api, court, case, code):
    from booking.models import Suspension

    resident = make_resident(realname=(case != "realname"))
    slot = make_slot(court)
    if case == "full":
        actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    elif case == "window":
        slot = make_slot(court, start=slot.start + dt.timedelta(days=7), opens_at=timezone.now() + dt.timedelta(days=1))
    elif case == "limit":
        venue = court.venue
        venue.max_active_per_resident = 1
        venue.save()
        actions.booking_create(resident=resident, slot_id=make_slot(court, start=slot.start + dt.timedelta(days=1)).pk)
    elif case == "suspended":
        Suspension.objects.create(resident=resident, starts_at=timezone.now() - dt.timedelta(days=1),
                                  ends_at=timezone.now() + dt.timedelta(days=6), reason="test")
    response = _bearer(api, resident).post("/api/v1/bookings/", {"slot": slot.pk}, format="json")
    error = _assert_error(response, 409, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


def test_english_refusals_give_their_times_in_an_english_form(api, court):
    """Accept-Language: en read "Booking for this slot opens at 11月26日 08:00" — a Chinese date
    inside the English sentence."""
    resident = make_resident()
    opens = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(hour=8, minute=0, second=0,
                                                                             microsecond=0)
    later = make_slot(court, start=opens + dt.timedelta(days=7), opens_at=opens)
    response = _bearer(api, resident).post("/api/v1/bookings/", {"slot": later.pk}, format="json",
                                           HTTP_ACCEPT_LANGUAGE="en")
    message = _assert_error(response, 409, "window_not_open")["message"]
    assert message == f"Booking for this slot opens at {opens:%Y-%m-%d} 08:00. Please come back then."
    chinese = _bearer(api, resident).post("/api/v1/bookings/", {"slot": later.pk}, format="json")
    assert f"{opens:%m月%d日} 08:00" in chinese.json()["error"]["message"]


def test_booking_and_waiting_list_statuses_are_shown_in_english(api, resident, slot):
    """status_display and the refusal naming the status were 已取消 in an English answer."""
    client = _bearer(api, resident)
    booking = client.post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert booking["status_display"] == "Booked"
    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert cancelled["status_display"] == "Cancelled"
    again = client.post(f"/api/v1/bookings/{booking['id']}/cancel/", HTTP_ACCEPT_LANGUAGE="en")
    assert _assert_error(again, 409, "not_cancellable")["message"] == (
        'This booking is "Cancelled" and cannot be cancelled.')
    actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    entry = client.post("/api/v1/bookings/waitlist/", {"slot": slot.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert entry.json()["status_display"] == "Waiting"
    assert client.get(f"/api/v1/bookings/{booking['id']}/").json()["status_display"] == "已取消"


@pytest.mark.parametrize("payload", [{}, {"slot": "x"}, {"slot": 1, "party_size": 0}, {"slot": 1, "companions": "x"}])
def test_bad_booking_input_is_400(api, resident, payload):
    _assert_error(_bearer(api, resident).post("/api/v1/bookings/", payload, format="json"), 400, "invalid")


@pytest.mark.parametrize("slot_id", [987654, 2**63, 10**20])
def test_booking_unknown_slot_is_404(api, resident, slot_id):
    _assert_error(_bearer(api, resident).post("/api/v1/bookings/", {"slot": slot_id}, format="json"), 404,
                  "slot_not_found")


def test_a_booking_body_over_the_upload_limit_is_a_413(api, resident, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # the rush gate reads the body first: it must let DRF answer
    body = '{"slot": 1, "companions": ["' + "x" * 2000 + '"]}'
    _assert_error(_bearer(api, resident).post("/api/v1/bookings/", body, content_type="application/json"), 413,
                  "too_large")


def test_json_nested_too_deep_in_a_booking_is_a_400_parse_error(api, resident):
    body = '{"slot": ' + "[" * 5000 + "]" * 5000 + "}"
    _assert_error(_bearer(api, resident).post("/api/v1/bookings/", body, content_type="application/json"), 400,
                  "parse_error")


def test_booking_needs_login(api, slot):
    _assert_error(api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json"), 401, "not_authenticated")


def test_my_bookings_lists_only_mine_and_cancel_works(api, resident, court):
    mine = actions.booking_create(resident=resident, slot_id=make_slot(court).pk)
    other_slot = make_slot(court, start=mine.starts_at + dt.timedelta(hours=2))
    actions.booking_create(resident=make_resident(), slot_id=other_slot.pk)
    _bearer(api, resident)
    listed = api.get("/api/v1/bookings/").json()
    assert [b["id"] for b in listed["results"]] == [mine.pk]
    assert api.get("/api/v1/bookings/", {"scope": "upcoming"}).json()["count"] == 1
    cancelled = api.post(f"/api/v1/bookings/{mine.pk}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    _assert_error(api.post(f"/api/v1/bookings/{mine.pk}/cancel/"), 409, "not_cancellable")
    _assert_error(api.get("/api/v1/bookings/", {"scope": "nonsense"}), 400, "invalid")


def test_someone_elses_booking_is_404(api, resident, slot):
    theirs = actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    _bearer(api, resident)
    _assert_error(api.get(f"/api/v1/bookings/{theirs.pk}/"), 404, "booking_not_found")
    _assert_error(api.post(f"/api/v1/bookings/{theirs.pk}/cancel/"), 404, "booking_not_found")
    _assert_error(api.get(f"/api/v1/bookings/{theirs.pk}/checkin-token/"), 404, "booking_not_found")


def test_checkin_token_then_staff_checkin_over_http(api, resident, court, manager):
    slot = make_slot(court, start=timezone.now() + dt.timedelta(minutes=5))
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    token = _bearer(api, resident).get(f"/api/v1/bookings/{booking.pk}/checkin-token/").json()
    assert token["token"].startswith("BK1.") and token["refresh_seconds"] == 30
    _assert_error(api.post("/api/v1/venues/checkin/", {"token": token["token"], "venue": court.venue_id},
                           format="json"), 403, "not_venue_staff")
    staff_api = _bearer(api.__class__(), manager)
    done = staff_api.post("/api/v1/venues/checkin/", {"token": token["token"], "venue": court.venue_id}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "checked_in"
    assert done.json()["resident"]["id_number_masked"].startswith("3101")
    _assert_error(staff_api.post("/api/v1/venues/checkin/", {"token": token["token"], "venue": court.venue_id},
                                 format="json"), 409, "checkin_already_used")
    _assert_error(staff_api.post("/api/v1/venues/checkin/", {"venue": court.venue_id}, format="json"), 400, "invalid")


def test_waitlist_over_http(api, resident, slot):
    holder = make_resident()
    booking = actions.booking_create(resident=holder, slot_id=slot.pk)
    _bearer(api, resident)
    joined = api.post("/api/v1/bookings/waitlist/", {"slot": slot.pk}, format="json")
    assert joined.status_code == 201 and joined.json()["position"] == 1
    actions.booking_cancel(resident=holder, booking_id=booking.pk)
    entry = api.get("/api/v1/bookings/waitlist/").json()["results"][0]
    assert entry["status"] == "offered" and entry["offer_expires_at"]
    accepted = api.post(f"/api/v1/bookings/waitlist/{entry['id']}/accept/")
    assert accepted.status_code == 201 and accepted.json()["status"] == "confirmed"


# --- staff -------------------------------------------------------------------------------------------


def test_staff_sees_bookings_of_their_venue_only(api, resident, slot, manager):
    actions.booking_create(resident=resident, slot_id=slot.pk)
    other_venue = make_venue()
    staff_api = _bearer(api, manager)
    listed = staff_api.get(f"/api/v1/venues/{slot.venue_id}/bookings/")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    _assert_error(staff_api.get(f"/api/v1/venues/{other_venue.pk}/bookings/"), 403, "not_venue_staff")
    _assert_error(_bearer(api.__class__(), resident).get(f"/api/v1/venues/{slot.venue_id}/bookings/"), 403,
                  "not_venue_staff")
    assert [v["id"] for v in staff_api.get("/api/v1/venues/managed/").json()["results"]] == [slot.venue_id]


def test_my_managed_venues_say_whether_they_are_open_and_what_is_free_today(api):
    """The manager's list said open_now false and no free places for every venue, open or not."""
    all_day = {**{str(d): [["00:00", "23:59"]] for d in range(1, 8)}, "holiday": [["00:00", "23:59"]]}
    venue = make_venue(opening_hours=all_day)
    manager = make_staff(venues=(venue,))
    mine = _bearer(api, manager).get("/api/v1/venues/managed/").json()["results"][0]
    public = api.__class__().get(f"/api/v1/venues/{venue.pk}/").json()
    assert mine["open_now"] is True
    for field in ("open_now", "free_slots_today", "free_places_today"):
        assert mine[field] == public[field] is not None


def test_admin_role_manages_every_venue(api, slot):
    from portal.accounts import roles

    admin = make_staff(role=roles.ADMIN)
    assert _bearer(api, admin).get(f"/api/v1/venues/{slot.venue_id}/bookings/").status_code == 200


def test_staff_block_and_unblock_a_slot_over_http(api, slot, manager):
    staff_api = _bearer(api, manager)
    url = f"/api/v1/venues/{slot.venue_id}/slots/{slot.pk}/block/"
    blocked = staff_api.post(url, {"reason": "换灯"}, format="json")
    assert blocked.status_code == 200 and blocked.json()["state"] == "blocked"
    assert blocked.json()["bookable"] is False
    assert staff_api.post(f"/api/v1/venues/{slot.venue_id}/slots/{slot.pk}/unblock/").json()["state"] == "open"
    _assert_error(staff_api.post(f"/api/v1/venues/{slot.venue_id + 1}/slots/{slot.pk}/block/"), 404, "slot_not_found")


def test_blocking_a_booked_slot_tells_the_manager_how_many_bookings_it_cancelled(api, resident, slot, manager):
    """The answer was the slot alone: the manager could not see that residents' bookings went with it."""
    actions.booking_create(resident=resident, slot_id=slot.pk)
    blocked = _bearer(api, manager).post(f"/api/v1/venues/{slot.venue_id}/slots/{slot.pk}/block/",
                                         {"reason": "地板维修"}, format="json").json()
    assert blocked["state"] == "blocked" and blocked["blocked_reason"] == "地板维修"
    assert blocked["cancelled_bookings"] == 1
    public = api.__class__().get(f"/api/v1/venues/{slot.venue_id}/slots/",
                                 {"date": timezone.localtime(slot.start).date().isoformat()}).json()
    assert public["results"][0]["blocked_reason"] == "地板维修"


def test_staff_mark_no_show_over_http(api, resident, court, manager):
    start = timezone.now() - dt.timedelta(minutes=20)
    slot = make_slot(court, start=start, opens_at=start - dt.timedelta(days=1))
    booking = actions.booking_create(resident=resident, slot_id=slot.pk, now=start - dt.timedelta(hours=3))
    response = _bearer(api, manager).post(f"/api/v1/bookings/{booking.pk}/no-show/")
    assert response.status_code == 200 and response.json()["status"] == "no_show"


def test_utilisation_of_a_venue_that_does_not_exist_is_a_404_even_for_an_admin(api):
    from portal.accounts import actions as account_actions

    admin = account_actions.staff_ensure(username="root1", password="a-long-password-1", display_name="管理员",
                                         role="admin")
    _assert_error(_bearer(api, admin).get("/api/v1/venues/987654/utilisation/"), 404, "venue_not_found")


def test_utilisation_per_hour(api, resident, court, manager):
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(hour=19, minute=0, second=0,
                                                                              microsecond=0)
    taken = make_slot(court, start=start)
    make_slot(court, start=start.replace(hour=9))
    actions.booking_create(resident=resident, slot_id=taken.pk)
    day = timezone.localtime(start).date()
    body = _bearer(api, manager).get(f"/api/v1/venues/{court.venue_id}/utilisation/",
                                     {"date_from": day, "date_to": day}).json()
    by_hour = {h["hour"]: h for h in body["hours"]}
    assert by_hour[19]["taken"] == 1 and by_hour[19]["rate"] == 1.0
    assert by_hour[9]["taken"] == 0
    assert body["total"] == {"taken": 1, "capacity": 2, "rate": 0.5}


def test_fitness_guides_suggest_nearby_venues_for_the_recommended_sports(api):
    pool = make_venue(name="附近游泳馆", sports=["游泳"], lat=31.2040, lng=121.5910)
    make_venue(name="远处游泳馆", sports=["游泳"], lat=31.40, lng=121.80)
    response = api.get("/api/v1/fitness/guides/", {"q": "我有高血压，适合什么运动", "near": "31.2036,121.5906"})
    assert response.status_code == 200
    guides = response.json()["results"]
    assert guides[0]["key"] == "hypertension"
    assert guides[0]["cautions"] and guides[0]["intensity"] and guides[0]["general_note"]
    assert [v["id"] for v in guides[0]["nearby_venues"]] == [pool.pk]
    assert api.get("/api/v1/fitness/guides/", {"q": "膝盖疼"}).json()["results"][0]["key"] == "knee"
    assert api.get("/api/v1/fitness/guides/").json()["count"] >= 6
    nothing = api.get("/api/v1/fitness/guides/", {"q": "火星旅行"}).json()
    assert nothing["count"] == 0 and "高血压" in nothing["notice"] and "孕期" in nothing["notice"]


def test_a_sold_out_slot_is_refused_fast_but_an_idempotent_replay_still_gets_its_booking(api, slot):
    from booking import soldout

    winner, loser = make_resident(), make_resident()
    first = _bearer(api, winner).post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="w")
    assert first.status_code == 201
    assert soldout.is_sold_out(slot.pk)  # the booking took the last place
    replay = api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="w")
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    refused = _bearer(api.__class__(), loser).post("/api/v1/bookings/", {"slot": slot.pk}, format="json",
                                                   HTTP_IDEMPOTENCY_KEY="l")
    _assert_error(refused, 409, "slot_full")


def test_a_place_freed_in_this_process_is_bookable_at_once(api, slot, django_capture_on_commit_callbacks):
    from booking import soldout

    winner, next_one = make_resident(), make_resident()
    booking = actions.booking_create(resident=winner, slot_id=slot.pk)
    _bearer(api, next_one)
    _assert_error(api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json"), 409, "slot_full")
    assert soldout.is_sold_out(slot.pk)
    with django_capture_on_commit_callbacks(execute=True):
        actions.booking_cancel(resident=winner, booking_id=booking.pk)
    assert not soldout.is_sold_out(slot.pk)
    response = api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json")
    assert response.status_code == 201, response.content


def test_the_rush_gate_lets_bad_tokens_and_bad_json_through_to_the_exact_answer(api, slot):
    from booking import soldout

    soldout.mark(slot.pk, [])
    _assert_error(api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json"), 401, "not_authenticated")
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    _assert_error(api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json"), 401, "authentication_failed")
    _bearer(api, make_resident())
    _assert_error(api.post("/api/v1/bookings/", "{not json", content_type="application/json"), 400, "parse_error")
    refused = api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    error = _assert_error(refused, 409, "slot_full")
    assert "约满" in error["message"]


def test_the_rush_gate_refuses_others_at_once_but_sends_holders_to_the_exact_path(api, slot):
    from booking import soldout
    from portal.core.models import IdempotencyKey

    holder, other = make_resident(), make_resident()
    actions.booking_create(resident=holder, slot_id=slot.pk)
    assert soldout.is_sold_out(slot.pk) and not soldout.refuses(slot.pk, holder.pk)
    assert soldout.refuses(slot.pk, other.pk)
    # Someone else: refused by the gate, which stores nothing under the key.
    _assert_error(_bearer(api, other).post("/api/v1/bookings/", {"slot": slot.pk}, format="json",
                                           HTTP_IDEMPOTENCY_KEY="o-1"), 409, "slot_full")
    assert not IdempotencyKey.objects.filter(user=other).exists()
    # The holder (maybe retrying): through the DRF view and @idempotent, which keeps the answer.
    _bearer(api, holder).post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="h-2")
    assert IdempotencyKey.objects.filter(user=holder, key="h-2").exists()
    assert Booking.objects.filter(slot=slot).count() == 1


def test_a_party_too_big_for_the_places_left_does_not_make_the_slot_look_full(api, venue):
    from booking import soldout

    pool = make_court(venue, sport="游泳", unit=Court.Unit.PERSON, capacity=3, max_party_size=4)
    slot = make_slot(pool)
    actions.booking_create(resident=make_resident(), slot_id=slot.pk)  # 2 places left
    _assert_error(_bearer(api, make_resident()).post("/api/v1/bookings/", {"slot": slot.pk, "party_size": 3},
                                                     format="json"), 409, "slot_full")
    assert not soldout.is_sold_out(slot.pk)
    single = _bearer(api.__class__(), make_resident()).post("/api/v1/bookings/", {"slot": slot.pk}, format="json")
    assert single.status_code == 201


def test_a_manager_closes_a_court_for_a_day_in_one_request_and_opens_it_again(api, resident, court, manager):
    """Closing a court for a day took one request per slot (72 for 张江's badminton day)."""
    day = timezone.localdate() + dt.timedelta(days=2)
    tz = timezone.get_current_timezone()
    slots = [make_slot(court, start=dt.datetime.combine(day, dt.time(hour), tzinfo=tz)) for hour in (9, 10, 19)]
    other_court = make_slot(make_court(court.venue), start=dt.datetime.combine(day, dt.time(9), tzinfo=tz))
    next_day = make_slot(court, start=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9), tzinfo=tz))
    actions.booking_create(resident=resident, slot_id=slots[0].pk)
    staff_api = _bearer(api, manager)
    url = f"/api/v1/venues/{court.venue_id}/slots/block/"

    closed = staff_api.post(url, {"date_from": day.isoformat(), "court": court.pk, "time_to": "18:00",
                                  "reason": "羽毛球比赛"}, format="json")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["blocked"] == [slots[0].pk, slots[1].pk] and closed.json()["cancelled_bookings"] == 1
    states = dict(Slot.objects.values_list("pk", "state"))
    assert [states[s.pk] for s in (*slots, other_court, next_day)] == ["blocked", "blocked", "open", "open", "open"]
    assert Slot.objects.get(pk=slots[0].pk).blocked_reason == "羽毛球比赛"
    assert Notification.objects.filter(user=resident, template="booking.cancelled_by_venue").count() == 1

    whole_day = staff_api.post(url, {"date_from": day.isoformat()}, format="json").json()
    assert set(whole_day["blocked"]) == {slots[2].pk, other_court.pk}  # what was blocked already is left as it is

    reopened = staff_api.post(f"/api/v1/venues/{court.venue_id}/slots/unblock/",
                              {"date_from": day.isoformat(), "court": court.pk}, format="json").json()
    assert set(reopened["reopened"]) == {s.pk for s in slots}
    assert Slot.objects.get(pk=other_court.pk).state == "blocked"


@pytest.mark.parametrize("body", [
    {}, {"date_from": "2026-13-01"}, {"date_from": "2026-11-26", "date_to": "2026-11-25"},
    {"date_from": "2026-11-26", "date_to": "2027-01-26"}, {"date_from": "2026-11-26", "time_from": "20:00",
                                                           "time_to": "08:00"},
    {"date_from": "2026-11-26", "time_from": "25:00"}, {"date_from": "2026-11-26", "court": "一号场"},
])
def test_closing_with_a_bad_range_is_a_400_with_a_sentence(api, manager, venue, body):
    response = _bearer(api, manager).post(f"/api/v1/venues/{venue.pk}/slots/block/", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["message"]


def test_closing_a_venue_one_does_not_manage_or_a_court_of_another_venue_is_refused(api, court, manager):
    other = make_court(make_venue())
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    staff_api = _bearer(api, manager)
    assert staff_api.post(f"/api/v1/venues/{other.venue_id}/slots/block/", {"date_from": day},
                          format="json").status_code == 403
    _assert_error(staff_api.post(f"/api/v1/venues/{court.venue_id}/slots/block/",
                                 {"date_from": day, "court": other.pk}, format="json"), 400, "invalid")
    resident_api = _bearer(api, make_resident())
    assert resident_api.post(f"/api/v1/venues/{court.venue_id}/slots/block/", {"date_from": day},
                             format="json").status_code == 403


def test_an_empty_slot_listing_says_why(api, court):
    """count 0 and nothing else: a resident could not tell a closed day from one not released yet."""
    url = f"/api/v1/venues/{court.venue_id}/slots/"
    today = timezone.localdate()
    far = today + dt.timedelta(days=20)
    body = api.get(url, {"date": far.isoformat()}).json()
    assert body["count"] == 0 and "还没有放出" in body["notice"]
    assert "过去" in api.get(url, {"date": (today - dt.timedelta(days=1)).isoformat()}).json()["notice"]
    assert "没有游泳场地" in api.get(url, {"date": far.isoformat(), "sport": "游泳"}).json()["notice"]
    closed_on_mondays = make_venue(opening_hours={str(d): [["08:00", "22:00"]] for d in range(2, 8)})
    monday = next(day for day in (today + dt.timedelta(days=n) for n in range(1, 60))
                  if day.isoweekday() == 1 and schedule.day_kind(day) == schedule.DayKind.REGULAR)
    body = api.get(f"/api/v1/venues/{closed_on_mondays.pk}/slots/", {"date": monday.isoformat()}).json()
    assert "不开放" in body["notice"]
    point = make_venue(kind=Venue.Kind.FITNESS_POINT)
    assert "不用预约" in api.get(f"/api/v1/venues/{point.pk}/slots/").json()["notice"]
    english = api.get(url, {"date": far.isoformat()}, HTTP_ACCEPT_LANGUAGE="en").json()["notice"]
    assert far.isoformat() in english and "月" not in english
    slot = make_slot(court)
    listed = api.get(url, {"date": timezone.localtime(slot.start).date().isoformat()}).json()
    assert listed["count"] == 1 and "notice" not in listed


def test_a_manager_working_in_english_tells_residents_in_chinese(api, resident, court, manager):
    """The manager's Accept-Language wrote the residents' notifications and the reason kept on the slot."""
    slot = make_slot(court)
    actions.booking_create(resident=resident, slot_id=slot.pk)
    waiting = make_resident()
    actions.waitlist_join(resident=waiting, slot_id=slot.pk)
    blocked = _bearer(api, manager).post(f"/api/v1/venues/{slot.venue_id}/slots/{slot.pk}/block/", {},
                                         format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert blocked.status_code == 200 and blocked.json()["blocked_reason"] == "场地维护"
    told = Notification.objects.filter(user__in=[resident, waiting]).exclude(template="booking.confirmed")
    assert {n.template for n in told} == {"booking.cancelled_by_venue", "booking.waitlist_closed_by_venue"}
    for note in told:
        assert "场地维护" in note.body and "maintenance" not in note.body.lower(), note.body
        assert "停用" in note.body


def test_a_resident_cannot_tell_which_booking_ids_exist_from_the_no_show_endpoint(api, resident, slot):
    """It answered 404 for a missing id and 403 for a real one."""
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    prober = _bearer(api, make_resident())
    real, missing = (prober.post(f"/api/v1/bookings/{pk}/no-show/") for pk in (booking.pk, booking.pk + 1000))
    assert real.status_code == missing.status_code == 403
    assert real.json() == missing.json()


def test_a_manager_cannot_tell_which_booking_and_slot_ids_exist_at_other_venues(api, resident, slot, manager):
    """Another venue's booking or slot answered 403 not_venue_staff and a missing id 404: a manager could
    probe which ids exist elsewhere. Now both are the same 404, like another department's application."""
    other_slot = make_slot(make_court(make_venue()))
    other_booking = actions.booking_create(resident=resident, slot_id=other_slot.pk)
    missing = Booking.objects.order_by("-pk").first().pk + 1000
    staff_api = _bearer(api, manager)
    real, absent = (staff_api.post(f"/api/v1/bookings/{pk}/no-show/") for pk in (other_booking.pk, missing))
    _assert_error(real, 404, "booking_not_found")
    assert real.json() == absent.json()
    missing_slot = Slot.objects.order_by("-pk").first().pk + 1000
    for action in ("block", "unblock"):
        real, absent = (staff_api.post(f"/api/v1/venues/{other_slot.venue_id}/slots/{pk}/{action}/", {},
                                       format="json") for pk in (other_slot.pk, missing_slot))
        _assert_error(real, 404, "slot_not_found")
        assert real.json() == absent.json()
    other_slot.refresh_from_db()
    other_booking.refresh_from_db()
    assert other_slot.state == "open" and other_booking.status == "confirmed"
    # Their own venue's objects are unchanged for them.
    own = actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    blocked = staff_api.post(f"/api/v1/venues/{slot.venue_id}/slots/{slot.pk}/block/", {}, format="json")
    assert blocked.status_code == 200 and blocked.json()["cancelled_bookings"] == 1
    own.refresh_from_db()
    assert own.status == "cancelled"
    assert staff_api.post(f"/api/v1/venues/{slot.venue_id}/slots/{slot.pk}/unblock/").status_code == 200


def test_someone_who_is_no_venue_staff_is_still_403_for_a_slot_whether_it_exists_or_not(api, slot):
    prober = _bearer(api, make_resident())
    missing_slot = Slot.objects.order_by("-pk").first().pk + 1000
    for action in ("block", "unblock"):
        real, absent = (prober.post(f"/api/v1/venues/{slot.venue_id}/slots/{pk}/{action}/", {}, format="json")
                        for pk in (slot.pk, missing_slot))
        _assert_error(real, 403, "not_venue_staff")
        assert real.json() == absent.json()
