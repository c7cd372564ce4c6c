"""The 运动 skills over the chat's REST transport: every answer comes from booking.queries and every
write from booking.actions, so the chat refuses exactly what POST /api/v1/bookings/ refuses and
says what to do next."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from booking import actions
from booking.models import Booking, Slot, Suspension, WaitlistEntry
from tests.booking.conftest import make_court, make_resident, make_slot, make_venue
from tests.portal.chat.conftest import at, bearer

pytestmark = pytest.mark.django_db


def day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def slot_ids(body) -> list[int]:
    return [c["id"] for c in body["reply"]["cards"] if c["type"] == "slot"]


def payloads(body) -> dict[str, str]:
    return {q["title"]: q["payload"] for q in body["reply"]["quick_replies"]}


# --- venue.book: refusals of the action become replies with a next step -------------------------


def test_a_resident_without_real_name_is_sent_to_bind_it_and_books_after_saying_continue(
        chat, resident, zhangjiang):
    chat.as_(resident)
    body = chat("帮我约明天下午两点的羽毛球场")
    wanted = zhangjiang.slots[("1号场", 1, 14)]
    assert slot_ids(body)[:2] == sorted(slot_ids(body)[:2]) and wanted.pk in slot_ids(body)
    assert re.search(r"还有(不少| \d+ 个)时段可约，选一个吧", body["reply"]["text"])  # a space each side of a figure
    body = chat("1号场")  # 1号场 at 14:00 and at 15:00: which one?
    assert "哪一个" in body["reply"]["text"] and set(payloads(body)) == {"1号场 14:00", "1号场 15:00"}
    body = chat("14点的")
    assert slot_ids(body) == [wanted.pk] and "确认" in body["reply"]["text"]
    body = chat("确认")
    assert "实名认证" in body["reply"]["text"]
    assert [c["type"] for c in body["reply"]["cards"]] == ["realname"]
    assert body["reply"]["cards"][0]["url"] == "/api/v1/auth/realname/"
    assert not Booking.objects.exists()

    resident.realname_verified_at = timezone.now()  # what POST /api/v1/auth/realname/ records
    resident.id_number_index, resident.id_number_masked = "index-of-a-test-id", "3101**********0000"
    resident.save(update_fields=["realname_verified_at", "id_number_index", "id_number_masked"])
    body = chat("继续")  # the task was kept: the same slot is read back
    assert slot_ids(body) == [wanted.pk] and "确认" in body["reply"]["text"]
    body = chat("确认")
    assert "预约成功" in body["reply"]["text"]
    assert Booking.objects.get(resident=resident).slot_id == wanted.pk


def test_a_slot_taken_between_offer_and_confirmation_is_refused_with_other_slots_and_the_waiting_list(
        chat, realname_resident, zhangjiang):
    chat.as_(realname_resident)
    taken = zhangjiang.slots[("2号场", 1, 14)]
    chat("明天下午的羽毛球场帮我订一个")
    body = chat("2号场14点那个")
    assert slot_ids(body) == [taken.pk]
    actions.booking_create(resident=make_resident(), slot_id=taken.pk)  # someone else was faster

    body = chat("确认")
    assert "约满" in body["reply"]["text"]
    assert slot_ids(body) and taken.pk not in slot_ids(body)  # the other slots of that afternoon
    assert not Booking.objects.filter(resident=realname_resident).exists()
    assert "pending" not in chat.state()
    waitlist = payloads(body)["加入候补"]

    body = chat(waitlist)
    assert "候补" in body["reply"]["text"] and "确认" in body["reply"]["text"]
    assert not WaitlistEntry.objects.exists()
    body = chat("确认")
    entry = WaitlistEntry.objects.get(resident=realname_resident)
    assert entry.slot_id == taken.pk and "第 1 位" in body["reply"]["text"]


def test_the_limits_are_the_actions_the_chat_only_says_them(chat, realname_resident, zhangjiang):
    # One booking per venue and day (the venue's rule, default 1): the first is made through the API's action.
    actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 1, 14)].pk)
    chat.as_(realname_resident)
    chat("明天下午三点 羽毛球 订场")
    body = chat("第一个")
    assert slot_ids(body) == [zhangjiang.slots[("1号场", 1, 15)].pk]
    body = chat("确认")
    assert "每人每天在本馆最多 1 次" in body["reply"]["text"] and "换一天" in body["reply"]["text"]
    assert "我的预约" in payloads(body) and payloads(body)["换一天约"] == "约场"
    assert Booking.objects.filter(resident=realname_resident).count() == 1


def test_a_resident_holding_the_most_bookings_is_offered_to_cancel_one(chat, realname_resident, zhangjiang):
    zhangjiang.venue.max_active_per_resident = 1
    zhangjiang.venue.max_per_venue_per_day = 5
    zhangjiang.venue.save()
    actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 2, 14)].pk)
    chat.as_(realname_resident)
    chat("明天下午三点 羽毛球 订场")
    chat("第一个")
    body = chat("确认")
    assert "每人最多同时持有 1 个" in body["reply"]["text"] and "先取消" in body["reply"]["text"]
    assert payloads(body)["取消预约"] == "取消预约"
    body = chat("取消预约")  # the way on: the one booking, read back for a yes
    assert body["intent"]["name"] == "booking.cancel" and "确认取消" in body["reply"]["text"]


def test_a_suspended_resident_is_told_until_when(chat, realname_resident, zhangjiang):
    now = timezone.now()
    Suspension.objects.create(resident=realname_resident, starts_at=now - timedelta(days=1),
                              ends_at=now + timedelta(days=6), reason="爽约 3 次")
    chat.as_(realname_resident)
    chat("订明天下午的羽毛球场")
    chat("第一个")
    body = chat("确认")
    assert "暂停至" in body["reply"]["text"]
    assert not Booking.objects.exists()
    assert "task" not in chat.state()


def test_nothing_bookable_says_so_and_keeps_the_task_for_another_day(chat, realname_resident, zhangjiang):
    chat.as_(realname_resident)
    body = chat("明天晚上8点 羽毛球 约个场")  # no evening slots: the afternoon ones of that day
    assert "没有可约的了，当天其他时间还有" in body["reply"]["text"]
    assert set(slot_ids(body)) == {zhangjiang.slots[(c, 1, h)].pk for c in ("1号场", "2号场") for h in (14, 15)}
    body = chat("那大后天呢")  # nothing at all that day
    assert not slot_ids(body)
    assert "暂时没有可以预约的场地" in body["reply"]["text"] and "换个时间" in payloads(body)
    body = chat("第一个")  # nothing is on offer for that day: no slot of another day is picked
    assert not slot_ids(body) and "pending" not in chat.state()
    body = chat("那后天下午呢")
    assert slot_ids(body) == [zhangjiang.slots[("1号场", 2, 14)].pk, zhangjiang.slots[("2号场", 2, 14)].pk]
    body = chat("换个时间")
    assert "哪天" in body["reply"]["text"] and "date" not in body["slots"] and body["slots"]["sport"] == "羽毛球"


def test_a_court_is_picked_by_its_number_and_2号场_is_not_12号场(chat, realname_resident):
    venue = make_venue(name="编号测试中心")
    two = make_slot(make_court(venue, name="2号场"), start=at(1, 14))
    make_slot(make_court(venue, name="12号场"), start=at(1, 14))
    chat.as_(realname_resident)
    chat("明天下午 羽毛球 订场")
    body = chat("就2号场吧")
    assert slot_ids(body) == [two.pk] and "确认" in body["reply"]["text"]


def test_a_blocked_slot_is_not_offered_and_a_pick_of_it_offers_the_others(chat, realname_resident, zhangjiang):
    chat.as_(realname_resident)
    body = chat("后天下午羽毛球 订场")
    first, second = slot_ids(body)
    Slot.objects.filter(pk=first).update(state=Slot.State.BLOCKED)  # maintenance, set by the venue's staff
    body = chat("第一个")
    assert slot_ids(body) == [second] and "约走或暂停" in body["reply"]["text"]
    assert "pending" not in chat.state()


def test_the_sport_date_and_time_are_asked_for_and_english_reaches_the_same_dialogue(
        chat, realname_resident, zhangjiang):
    chat.as_(realname_resident)
    body = chat("book a badminton court tomorrow")
    assert body["intent"]["name"] == "venue.book" and body["slots"]["date"] == day(1)
    # Asked in English, the question is English (docs/chat.md, "Reply language"); the payload stays 下午.
    assert "What time" in body["reply"]["text"] and payloads(body)["Afternoon"] == "下午"
    body = chat(payloads(body)["Afternoon"])
    assert set(slot_ids(body)) == {zhangjiang.slots[(c, 1, h)].pk for c in ("1号场", "2号场") for h in (14, 15)}
    chat("1")
    body = chat("yes")
    booking = Booking.objects.get(resident=realname_resident)
    body = chat("my bookings")
    assert body["intent"]["name"] == "booking.list" and [c["id"] for c in body["reply"]["cards"]] == [booking.pk]
    body = chat("cancel my booking")
    # Asked in English, the read-back is English too (docs/chat.md, "Reply language").
    assert body["intent"]["name"] == "booking.cancel" and body["reply"]["text"].startswith("Cancel your booking")
    chat("yes")
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_a_resident_whose_client_sends_accept_language_en_gets_a_reply_in_one_language(
        api, chat, resident, realname_resident, zhangjiang):
    """The chat answers in Chinese; under Accept-Language: en the action's refusal and the booking
    card's status read "Real-name verification …" and "Booked" inside Chinese sentences."""
    slot = zhangjiang.slots[("1号场", 1, 14)]
    api.credentials(HTTP_AUTHORIZATION=bearer(resident), HTTP_ACCEPT_LANGUAGE="en")
    chat("明天下午两点约羽毛球1号场")
    body = chat(f"#pick:{slot.pk}")
    body = chat("确认")
    assert body["reply"]["cards"][0]["type"] == "realname"
    assert not re.search(r"[A-Za-z]{3,}", body["reply"]["text"]), body["reply"]["text"]

    chat.session = None
    api.credentials(HTTP_AUTHORIZATION=bearer(realname_resident), HTTP_ACCEPT_LANGUAGE="en")
    chat("明天下午两点约羽毛球1号场")
    chat(f"#pick:{slot.pk}")
    body = chat("yes")
    assert [(c["type"], c["subtitle"], c["status_display"]) for c in body["reply"]["cards"]] == [
        ("booking", "已预约", "已预约")]
    body = chat("my bookings")
    assert [c["subtitle"] for c in body["reply"]["cards"]] == ["已预约"]


# --- booking.list and booking.cancel --------------------------------------------------------------


def test_my_bookings_are_listed_soonest_first(chat, realname_resident, zhangjiang):
    later = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 2, 14)].pk)
    sooner = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("2号场", 1, 15)].pk)
    body = chat.as_(realname_resident)("我的预约")
    assert body["intent"]["name"] == "booking.list"
    assert [(c["type"], c["id"]) for c in body["reply"]["cards"]] == [("booking", sooner.pk), ("booking", later.pk)]
    assert "2 个" in body["reply"]["text"]


def test_my_bookings_tells_of_a_booking_the_venue_cancelled_and_of_my_waiting_list_places(
        chat, realname_resident, zhangjiang):
    """我的预约 said 您目前没有待使用的场地预约 to a resident whose court the venue had just closed
    (地板维修) and who was second on a waiting list: both are what they came to see."""
    from tests.booking.conftest import make_staff

    other = make_resident(name="小张")
    closed = zhangjiang.slots[("1号场", 1, 14)]
    full = zhangjiang.slots[("2号场", 1, 15)]
    actions.booking_create(resident=realname_resident, slot_id=closed.pk)
    actions.booking_create(resident=other, slot_id=full.pk)
    actions.waitlist_join(resident=make_resident(name="小赵"), slot_id=full.pk)
    actions.waitlist_join(resident=realname_resident, slot_id=full.pk)
    actions.slot_block(staff=make_staff(venues=(zhangjiang.venue,)), slot_id=closed.pk, reason="地板维修")

    body = chat.as_(realname_resident)("我的预约")
    text = body["reply"]["text"]
    assert body["intent"]["name"] == "booking.list" and body["reply"]["cards"] == []
    assert "没有待使用的场地预约" in text
    assert "张江测试体育中心 1号场" in text and "场馆取消" in text and "地板维修" in text
    assert "2号场" in text and "候补" in text and "第 2 位" in text


def test_cancelling_asks_first_and_cancels_through_the_action(chat, api, realname_resident, zhangjiang):
    booking = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 1, 14)].pk)
    chat.as_(realname_resident)
    body = chat("把明天的预约取消掉")
    assert body["intent"]["name"] == "booking.cancel"
    assert [c["id"] for c in body["reply"]["cards"]] == [booking.pk] and "确认取消" in body["reply"]["text"]
    body = chat("不取消了")
    booking.refresh_from_db()
    assert booking.status == "confirmed"

    chat("取消预约")
    body = chat("第一个")  # neither yes nor no under a read-back of one booking: asked again, nothing done
    assert body["reply"]["text"].startswith("取消预约还在等您确认")
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    body = chat("确认")
    assert "已取消" in body["reply"]["text"]
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    listed = api.get("/api/v1/bookings/").json()["results"]
    assert [(b["id"], b["status"]) for b in listed] == [(booking.pk, "cancelled")]
    assert Slot.objects.get(pk=booking.slot_id).remaining == 1  # the place is back


def test_cancelling_a_day_without_a_booking_says_so_before_offering_the_one_there_is(
        chat, realname_resident, zhangjiang):
    """明天的羽毛球取消掉 with only the day after's booking asked 确认取消 (the day after) 的预约吗？ as if it
    were tomorrow's: a quick 确认 cancelled the wrong day."""
    booking = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("2号场", 2, 14)].pk)
    body = chat.as_(realname_resident)("明天的羽毛球取消掉")
    assert body["reply"]["text"].startswith("没有找到明天"), body["reply"]["text"]
    assert "确认取消" in body["reply"]["text"] and [c["id"] for c in body["reply"]["cards"]] == [booking.pk]


def test_with_several_bookings_the_resident_picks_which_to_cancel(chat, realname_resident, zhangjiang):
    first = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 1, 14)].pk)
    second = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("2号场", 2, 14)].pk)
    chat.as_(realname_resident)
    body = chat("取消预约")
    assert [c["id"] for c in body["reply"]["cards"]] == [first.pk, second.pk]
    assert "pending" not in chat.state()  # which one, before any yes
    body = chat("后天的那个")
    assert [c["id"] for c in body["reply"]["cards"]] == [second.pk] and "确认取消" in body["reply"]["text"]
    chat("确认")
    assert Booking.objects.get(pk=first.pk).status == "confirmed"
    assert Booking.objects.get(pk=second.pk).status == "cancelled"


def test_the_cancel_deadline_comes_from_the_action(chat, realname_resident):
    venue = make_venue(name="临时体育中心")
    soon = make_slot(make_court(venue), start=(timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0))
    booking = actions.booking_create(resident=realname_resident, slot_id=soon.pk)
    chat.as_(realname_resident)
    chat("取消预约")
    body = chat("确认")
    assert "不能取消" in body["reply"]["text"] and "120" in body["reply"]["text"]
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_someone_elses_booking_cannot_be_cancelled_by_a_forged_choice(chat, realname_resident, zhangjiang):
    theirs = actions.booking_create(resident=make_resident(), slot_id=zhangjiang.slots[("1号场", 1, 14)].pk)
    chat.as_(realname_resident)
    body = chat(f"#intent:booking.cancel?choice={theirs.pk}")
    assert "没有找到这个预约" in body["reply"]["text"]
    body = chat("确认")
    assert Booking.objects.get(pk=theirs.pk).status == "confirmed"


# --- venue.search and fitness.guide ----------------------------------------------------------------


def test_venue_search_near_a_town_shows_distance_open_now_and_free_places(chat, zhangjiang):
    make_venue(name="川沙测试中心", town="川沙新镇", lat=31.1942, lng=121.7039)
    body = chat("张江附近的羽毛球馆")  # anonymous: public information
    assert body["intent"]["name"] == "venue.search"
    cards = body["reply"]["cards"]
    assert [c["title"] for c in cards] == ["张江测试体育中心"]
    card = cards[0]
    assert card["type"] == "venue" and card["distance_m"] is not None and card["distance_m"] < 1000
    assert card["open_now"] in (True, False) and card["free_places_today"] == 0  # its slots are tomorrow on
    assert card["payload"] == f"#intent:venue.book?venue={zhangjiang.venue.pk}&sport=羽毛球"


def test_a_town_without_the_sport_is_answered_with_the_nearest_venues_beyond_it(chat, zhangjiang):
    near = make_venue(name="花木网球测试中心", town="花木街道", lat=31.2133, lng=121.5464, sports=["网球"])
    make_court(near, sport="网球", name="1号场")
    far = make_venue(name="川沙网球测试中心", town="川沙新镇", lat=31.1942, lng=121.7039, sports=["网球"])
    make_court(far, sport="网球", name="1号场")
    body = chat("张江附近有网球场吗")
    assert body["intent"]["name"] == "venue.search"
    assert body["reply"]["text"].startswith("张江镇附近没有能打网球的公共场馆，离得最近的")
    cards = body["reply"]["cards"]
    assert [c["title"] for c in cards] == ["花木网球测试中心", "川沙网球测试中心"]  # nearest first
    assert cards[0]["distance_m"] < cards[1]["distance_m"]


@pytest.mark.parametrize("question", ["去哪打羽毛球", "孩子学羽毛球去哪"])
def test_asking_where_to_go_for_a_sport_is_a_venue_search(chat, zhangjiang, question):
    assert chat(question)["intent"]["name"] == "venue.search"


def test_venue_search_without_a_place_lists_the_venues_with_free_places_first(chat, zhangjiang):
    other = make_venue(name="川沙测试中心", town="川沙新镇", lat=31.1942, lng=121.7039)
    # Free later today (local time): 90 minutes ahead, or half of what is left of the day late at night.
    local = timezone.localtime()
    left = local.replace(hour=23, minute=59, second=59, microsecond=0) - local
    make_slot(make_court(other), start=timezone.now() + min(timedelta(minutes=90), left / 2))
    body = chat("哪里可以打羽毛球")
    titles = [c["title"] for c in body["reply"]["cards"]]
    assert titles[:2] == ["川沙测试中心", "张江测试体育中心"]
    assert body["reply"]["cards"][0]["free_places_today"] == 1
    assert all(c["distance_m"] is None for c in body["reply"]["cards"])


def test_a_venue_card_books_at_that_venue(chat, realname_resident, zhangjiang):
    other = make_venue(name="川沙测试中心", town="川沙新镇", lat=31.1942, lng=121.7039)
    make_slot(make_court(other), start=at(1, 14))
    chat.as_(realname_resident)
    body = chat(f"#intent:venue.book?venue={zhangjiang.venue.pk}&sport=羽毛球")
    body = chat("明天下午")
    assert slot_ids(body) and all(Slot.objects.get(pk=i).venue_id == zhangjiang.venue.pk for i in slot_ids(body))


def test_fitness_guidance_suggests_venues_near_the_town_for_the_recommended_sports(chat):
    pool = make_venue(name="张江测试游泳馆", town="张江镇", lat=31.2071, lng=121.5985, sports=["游泳"])
    make_venue(name="惠南测试游泳馆", town="惠南镇", lat=31.0529, lng=121.7601, sports=["游泳"])
    body = chat("高血压适合什么运动 我在张江")
    assert body["intent"]["name"] == "fitness.guide"
    assert body["reply"]["text"].startswith("高血压人群运动建议")
    assert [c["id"] for c in body["reply"]["cards"]] == [pool.pk]

    chat.session = None
    body = chat("糖尿病怎么运动")  # no place: venues are one tap away
    assert "糖尿病" in body["reply"]["text"]
    assert any(p.startswith("#intent:venue.search?sport=") for p in payloads(body).values())


@pytest.mark.parametrize("question", ["高血压适合什么运动", "糖尿病怎么运动", "想减肥怎么锻炼", "老年人适合什么运动",
                                      "膝盖不好能做什么运动", "孩子适合什么运动", "孕妇适合什么运动",
                                      "血脂高适合什么运动", "心脏不好能做什么运动", "我70岁了适合什么运动",
                                      "我70岁了，能做点啥运动", "血压高做啥运动好"])
def test_fitness_guidance_reads_as_sentences(chat, question):
    text = chat(question)["reply"]["text"]
    assert "运动建议" in text and "推荐：" in text
    for clumsy in ("。；", "。）", "；。", "。。"):
        assert clumsy not in text, (clumsy, text)


# --- anonymous residents and bad input --------------------------------------------------------------


def test_an_anonymous_resident_gets_the_login_card_before_any_slot(chat, zhangjiang):
    body = chat("明天下午帮我订个羽毛球场")
    assert [c["type"] for c in body["reply"]["cards"]] == ["login"]
    body = chat(f"#pick:{zhangjiang.slots[('1号场', 1, 14)].pk}")
    assert not slot_ids(body)
    body = chat("我的预约")
    assert [c["type"] for c in body["reply"]["cards"]] == ["login"]


@pytest.mark.parametrize("text", [
    "#pick:", "#pick:abc", "#pick:999999999999999999999", "#intent:venue.book?date=garbage&time_from=25:99&venue=x",
    "#intent:venue.book?choice=abc", "#intent:venue.book?choice=waitlist:zz", "#intent:booking.cancel?choice=-1",
    "#intent:venue.search?district=火星区&time_from=nope", "#intent:fitness.guide?district=张江镇",
    "#intent:venue.book?choice=²", "#intent:venue.book?choice=waitlist:³", "#intent:booking.cancel?choice=²",
    "#intent:venue.book?venue=²", "#intent:venue.book?choice=99999999999",
    "#intent:venue.book?date=9999-12-31", "#intent:venue.book?date=0001-01-01", "#intent:venue.search?date=9999-12-31",
    "9999年12月31日下午订羽毛球场", "公元1年1月1日订羽毛球",
    "#intent:venue.book?date=2026-11-25&time_from=23:59&time_to=00:00",
])
def test_odd_payloads_get_an_answer_never_a_server_error(chat, realname_resident, zhangjiang, text):
    chat.as_(realname_resident)
    chat("订明天下午的羽毛球场")
    body = chat(text)
    assert body["reply"]["text"]
    assert not Booking.objects.exists()


def test_a_new_request_naming_the_same_town_is_not_taken_for_a_pick(chat, realname_resident, zhangjiang):
    chat.as_(realname_resident)
    chat("帮我约明天下午的羽毛球场 张江")
    body = chat("帮我约后天下午的羽毛球场 张江")  # 张江 is on every card: it picks nothing
    assert body["slots"]["date"] == day(2)
    assert slot_ids(body) == [zhangjiang.slots[("1号场", 2, 14)].pk, zhangjiang.slots[("2号场", 2, 14)].pk]
    body = chat("后天的2号场")  # a court of the day on offer
    assert slot_ids(body) == [zhangjiang.slots[("2号场", 2, 14)].pk] and "确认" in body["reply"]["text"]


def test_a_time_said_the_way_people_say_it_picks_the_slot_at_that_time(chat, realname_resident):
    court = make_court(make_venue(name="单场测试中心"), name="1号场")
    two, three = make_slot(court, start=at(1, 14)), make_slot(court, start=at(1, 15))
    chat.as_(realname_resident)
    body = chat("明天下午 羽毛球 订场")
    assert slot_ids(body) == [two.pk, three.pk]
    body = chat("14点那个")
    assert slot_ids(body) == [two.pk] and "确认" in body["reply"]["text"]
    body = chat("还是下午三点那个吧")  # changing one's mind before saying yes
    assert slot_ids(body) == [three.pk] and "确认" in body["reply"]["text"]
    chat("好的")
    assert Booking.objects.get(resident=realname_resident).slot_id == three.pk


def test_a_bare_hour_after_asking_for_the_evening_is_the_evening_hour(chat, realname_resident):
    court = make_court(make_venue(name="晚场测试中心"), name="1号场")
    morning, evening = make_slot(court, start=at(1, 7)), make_slot(court, start=at(1, 19))
    chat.as_(realname_resident)
    body = chat("明天晚上 羽毛球 订场")
    assert slot_ids(body) == [evening.pk]
    body = chat("7点")  # 19:00, not the 07:00 slot
    assert slot_ids(body) == [evening.pk] and "确认" in body["reply"]["text"]
    assert morning.pk not in slot_ids(body)


def test_cancelling_is_not_narrowed_by_a_sport_from_an_earlier_question(chat, realname_resident, zhangjiang):
    for key in (("1号场", 1, 14), ("1号场", 2, 14)):
        actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[key].pk)
    chat.as_(realname_resident)
    chat("膝盖不好能跑步吗")  # fitness guidance: 跑步 is remembered as the sport
    body = chat("帮我取消预约")
    assert body["intent"]["name"] == "booking.cancel"
    assert "跑步" not in body["reply"]["text"]  # not "没有找到跑步的预约"
    assert sorted(c["id"] for c in body["reply"]["cards"]) == sorted(
        Booking.objects.filter(resident=realname_resident).values_list("pk", flat=True))


def test_an_hour_for_another_matter_is_not_read_in_the_evening_of_the_court_on_offer(chat, realname_resident):
    court = make_court(make_venue(name="晚场测试中心二"), name="1号场")
    make_slot(court, start=at(1, 19))
    chat.as_(realname_resident)
    chat("明天晚上 羽毛球 订场")
    body = chat("明天9点想看牙")  # a clinic visit, not the court: 09:00 as said
    assert body["intent"]["name"] == "appointment.book"
    assert body["slots"].get("time_from") == "09:00"


def test_a_venue_closed_for_the_day_says_why_not_that_it_is_booked_up(chat, zhangjiang, realname_resident):
    """After the manager closed the venue for a day the chat said only 暂时没有可以预约的场地了."""
    from django.utils import timezone

    from booking import actions as booking_actions
    from tests.booking.conftest import make_staff

    tomorrow = timezone.localdate() + timedelta(days=1)
    booking_actions.slots_close(staff=make_staff(venues=(zhangjiang.venue,)), venue_id=zhangjiang.venue.pk,
                                date_from=tomorrow, reason="羽毛球比赛")
    chat.as_(realname_resident)
    chat(f"#intent:venue.book?venue={zhangjiang.venue.pk}&sport=羽毛球")
    body = chat("明天下午")
    assert body["reply"]["text"] == (f"张江测试体育中心{tomorrow.month}月{tomorrow.day}日因“羽毛球比赛”暂停预约。"
                                     "换一天或者换个场馆试试？")
    assert not slot_ids(body)
    body = chat("后天下午")  # the next day is open
    assert slot_ids(body)


# --- the waiting list's offer answered in the chat ----------------------------------------------------


def _offered(resident, slot) -> WaitlistEntry:
    """``resident`` queued for ``slot`` (full) and the place freed by a cancellation is held for them."""
    holder = make_resident(name="小周")
    booking = actions.booking_create(resident=holder, slot_id=slot.pk)
    entry = actions.waitlist_join(resident=resident, slot_id=slot.pk)
    actions.booking_cancel(resident=holder, booking_id=booking.pk)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    return entry


@pytest.mark.parametrize("yes", ["确认预约", "好的", "要", "确认"])
def test_a_yes_in_the_chat_accepts_the_place_the_waiting_list_holds(chat, realname_resident, zhangjiang, yes):
    """The notification says 请在 18:10 前确认预约; typing that in the chat fell back."""
    entry = _offered(realname_resident, zhangjiang.slots[("1号场", 1, 14)])
    body = chat.as_(realname_resident)(yes)
    assert body["intent"]["name"] == "venue.book" and "预约成功" in body["reply"]["text"], body["reply"]["text"]
    entry.refresh_from_db()
    booking = Booking.objects.get(resident=realname_resident)
    assert entry.status == WaitlistEntry.Status.ACCEPTED and entry.booking_id == booking.pk
    assert [c["type"] for c in body["reply"]["cards"]] == ["booking"]
    assert "pending" not in chat.state()


def test_my_bookings_says_how_to_accept_an_offer_and_the_yes_then_books(chat, realname_resident, zhangjiang):
    _offered(realname_resident, zhangjiang.slots[("2号场", 1, 15)])
    chat.as_(realname_resident)
    body = chat("我的预约")
    assert "候补有空位了" in body["reply"]["text"] and "确认预约" in body["reply"]["text"]
    body = chat("好的")
    assert "预约成功" in body["reply"]["text"]
    assert Booking.objects.get(resident=realname_resident).slot_id == zhangjiang.slots[("2号场", 1, 15)].pk


def test_an_offer_whose_time_ran_out_is_said_to_have_run_out_once(chat, realname_resident, zhangjiang):
    entry = _offered(realname_resident, zhangjiang.slots[("1号场", 1, 14)])
    WaitlistEntry.objects.filter(pk=entry.pk).update(offer_expires_at=timezone.now() - timedelta(minutes=1))
    chat.as_(realname_resident)
    body = chat("确认预约")
    assert "确认时间已过" in body["reply"]["text"] and "约别的时段" in payloads(body)
    assert not Booking.objects.filter(resident=realname_resident).exists()
    body = chat("好的")  # acknowledging the news: not told again
    assert "确认时间已过" not in body["reply"]["text"]
    assert not Booking.objects.filter(resident=realname_resident).exists()


def test_with_two_places_held_the_yes_asks_which_then_reads_it_back(chat, realname_resident, zhangjiang):
    _offered(realname_resident, zhangjiang.slots[("1号场", 1, 14)])
    second = zhangjiang.slots[("2号场", 2, 14)]
    _offered(realname_resident, second)
    chat.as_(realname_resident)
    body = chat("确认预约")
    assert "哪一个" in body["reply"]["text"] and len(body["reply"]["cards"]) == 2
    assert not Booking.objects.filter(resident=realname_resident).exists()
    body = chat("2号场")
    assert "确认预约吗" in body["reply"]["text"] and slot_ids(body) == [second.pk]
    body = chat("确认")
    assert "预约成功" in body["reply"]["text"]
    assert list(Booking.objects.filter(resident=realname_resident).values_list("slot_id", flat=True)) == [second.pk]


def test_a_yes_without_any_offer_is_not_a_booking(chat, realname_resident, zhangjiang):
    body = chat.as_(realname_resident)("好的")
    assert "预约成功" not in body["reply"]["text"] and not Booking.objects.exists()


# --- a time and a court said together -----------------------------------------------------------------


@pytest.fixture
def four_courts(db):
    """晚场四片测试中心: 1号场–4号场, each with slots tomorrow at 09:00, 15:00, 18:00, 19:00 and 20:00,
    and 3号场 one at 20:30 too; ``slots[(court, hour, minute)]``."""
    venue = make_venue(name="晚场四片测试中心")
    slots = {}
    for n in range(1, 5):
        court = make_court(venue, name=f"{n}号场")
        for hour in (9, 15, 18, 19, 20):
            slots[(f"{n}号场", hour, 0)] = make_slot(court, start=at(1, hour))
        if n == 3:
            slots[("3号场", 20, 30)] = make_slot(court, start=at(1, 20, 30), minutes=30)
    return slots


@pytest.mark.parametrize("said", ["20点4号场", "晚上8点4号场", "20:00 4号场", "就20点的4号场吧"])
def test_a_time_and_a_court_after_evening_slots_are_offered_pick_that_court_at_that_time(
        chat, realname_resident, four_courts, said):
    """20点4号场 with the 18:00 slots on offer picked 4号场 at 18:00."""
    chat.as_(realname_resident)
    body = chat("明天晚上 羽毛球 订场")
    assert four_courts[("4号场", 18, 0)].pk in slot_ids(body)
    body = chat(said)
    assert slot_ids(body) == [four_courts[("4号场", 20, 0)].pk] and "确认" in body["reply"]["text"]
    chat("确认")
    assert Booking.objects.get(resident=realname_resident).slot_id == four_courts[("4号场", 20, 0)].pk


def test_a_time_and_a_court_in_the_first_message_read_that_slot_back(chat, realname_resident, four_courts):
    body = chat.as_(realname_resident)("明天20点4号场 羽毛球")
    assert slot_ids(body) == [four_courts[("4号场", 20, 0)].pk] and "确认" in body["reply"]["text"]


def test_half_past_and_an_afternoon_hour_with_a_court_pick_that_slot(chat, realname_resident, four_courts):
    chat.as_(realname_resident)
    chat("明天晚上 羽毛球 订场")
    body = chat("8点半3号场")  # the evening being asked about: 20:30
    assert slot_ids(body) == [four_courts[("3号场", 20, 30)].pk] and "确认" in body["reply"]["text"]
    chat("算了")
    chat("明天上午 羽毛球 订场")
    body = chat("明天下午3点2号场")  # a new time: not bounded by the morning (15:00–12:00)
    assert slot_ids(body) == [four_courts[("2号场", 15, 0)].pk] and "确认" in body["reply"]["text"]


def test_an_hour_with_no_slot_offers_the_nearest_hours_not_the_mornings(chat, realname_resident, four_courts):
    chat.as_(realname_resident)
    body = chat("明天晚上9点 羽毛球 订场")
    assert "没有可约的了" in body["reply"]["text"]
    hours = {timezone.localtime(Slot.objects.get(pk=pk).start).hour for pk in slot_ids(body)}
    assert hours <= {19, 20} and 9 not in hours


# --- a card picked by its place in the list -----------------------------------------------------------


@pytest.mark.parametrize(("said", "index"), [
    ("第一个", 0), ("就第一个吧", 0), ("那就第一个吧", 0), ("第一个就行", 0), ("帮我订第一个", 0), ("嗯 第一个", 0),
    ("第二个", 1), ("最后一个", -1), ("就最后那个吧", -1), ("倒数第二个", -2),
    ("the first one", 0), ("The second one", 1), ("I'll take the last one", -1), ("option 2", 1),
])
def test_an_offered_card_is_picked_by_its_place_in_the_list(chat, realname_resident, zhangjiang, said, index):
    """"the first one" and 最后一个 after the slot cards fell back."""
    chat.as_(realname_resident)
    offered = slot_ids(chat("明天下午 羽毛球 订场"))
    assert len(offered) == 4
    body = chat(said)
    from portal.nlu.language import ENGLISH, written_in

    # Said in English, read back in English; "option 2" says nothing of its language (the conversation's).
    confirm = "Please confirm" if written_in(said) == ENGLISH else "确认"
    assert slot_ids(body) == [offered[index]] and confirm in body["reply"]["text"], body["reply"]["text"]


def test_a_place_beyond_the_list_picks_nothing(chat, realname_resident, zhangjiang):
    chat.as_(realname_resident)
    chat("明天下午 羽毛球 订场")
    body = chat("第六个")
    assert "pending" not in chat.state() and "choice" not in body["slots"]


# --- is a venue open on the day asked ----------------------------------------------------------------


def _hours_venue(**hours):
    from tests.booking.conftest import ALWAYS_OPEN

    return make_venue(name="花木测试体育中心", town="花木街道", lat=31.2153, lng=121.5520,
                      opening_hours={**ALWAYS_OPEN, **hours})


def test_asking_whether_a_venue_opens_on_a_weekday_answers_with_that_weekdays_hours(chat):
    """花木…后天开门吗 was answered with today's status (开放中)."""
    _hours_venue(**{"1": []})  # closed on Mondays; 2026-11-30 is a Monday (no holiday)
    body = chat("花木测试体育中心2026年11月30日开门吗")
    assert body["intent"]["name"] == "venue.search"
    assert "11月30日" in body["reply"]["text"] and "不开放" in body["reply"]["text"], body["reply"]["text"]
    card = body["reply"]["cards"][0]
    assert card["open_on_date"] is False and card["date"] == "2026-11-30" and "open_now" in card
    body = chat("那12月1日呢")  # a Tuesday
    assert "开放，时间 06:00-22:00" in body["reply"]["text"], body["reply"]["text"]


def test_a_statutory_holiday_is_answered_with_the_holiday_hours(chat):
    _hours_venue(holiday=[["09:00", "17:00"]])
    body = chat("花木体育中心2026年10月1日开门吗")  # 国庆节; said without 测试 and 市民
    assert "法定节假日" in body["reply"]["text"] and "09:00-17:00" in body["reply"]["text"], body["reply"]["text"]
    assert [c["title"] for c in body["reply"]["cards"]] == ["花木测试体育中心"]


def test_a_day_the_staff_closed_is_answered_as_closed_with_their_reason(chat):
    from booking import schedule
    from tests.booking.conftest import make_staff

    venue = _hours_venue()
    make_slot(make_court(venue, name="1号场"), start=at(2, 14))
    make_slot(make_court(venue, name="2号场"), start=at(1, 14))
    actions.slots_close(staff=make_staff(venues=(venue,)), venue_id=venue.pk,
                        date_from=timezone.localdate() + timedelta(days=2), reason="羽毛球比赛")
    body = chat("花木测试体育中心后天开门吗")
    assert "暂停开放" in body["reply"]["text"] and "羽毛球比赛" in body["reply"]["text"], body["reply"]["text"]
    assert body["reply"]["cards"][0]["open_on_date"] is False
    body = chat("明天呢")  # the day before is open, with its own hours
    tomorrow = timezone.localdate() + timedelta(days=1)
    hours = "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in schedule.hours_for(venue.opening_hours, tomorrow))
    assert f"开放，时间 {hours}" in body["reply"]["text"], body["reply"]["text"]


def test_a_clock_time_with_no_slot_then_says_so_before_offering_other_hours(chat, realname_resident):
    """明天7点 was answered "07:00 …还有 2 个时段可约" with the 09:00 and 19:00 slots: not what was asked."""
    court = make_court(make_venue(name="早场测试中心"), name="1号场")
    nine, seven_pm = make_slot(court, start=at(1, 9)), make_slot(court, start=at(1, 19))
    chat.as_(realname_resident)
    body = chat("我要预定羽毛球场明天早上7点")  # a bare 7点 at a venue open at 07:00 and 19:00 is asked about
    assert "07:00" in body["reply"]["text"] and "没有可约的了" in body["reply"]["text"], body["reply"]["text"]
    assert slot_ids(body) == [nine.pk, seven_pm.pk]  # nearest first chosen, shown in time order


@pytest.mark.parametrize("said", ["明天那个场不要了", "明天的预约不去了", "明天的场去不了了",
                                  "下雨了明天的羽毛球不打了", "明天的羽毛球场我不想去了"])
def test_saying_a_booked_court_is_not_wanted_any_more_asks_to_cancel_it(chat, realname_resident, zhangjiang, said):
    """明天那个场不要了, right after booking, offered new slots for tomorrow; 明天的羽毛球不打了 and
    …我不想去了 did too (heard as a wish to play)."""
    chat.as_(realname_resident)
    chat("明天下午 羽毛球 订场")
    chat("第一个")
    chat("好的")
    booking = Booking.objects.get(resident=realname_resident)
    body = chat(said)
    assert body["intent"]["name"] == "booking.cancel" and "确认取消" in body["reply"]["text"], body["reply"]["text"]
    chat("确定")
    booking.refresh_from_db()
    assert booking.status == "cancelled"


# --- how many people ----------------------------------------------------------------------------------


def test_the_party_size_said_with_the_request_is_read_back_and_booked(chat, realname_resident, zhangjiang):
    """明天下午两个人打羽毛球 booked for one person: the number was not read."""
    chat.as_(realname_resident)
    body = chat("明天下午两个人打羽毛球")
    assert body["slots"]["party_size"] == "2" and slot_ids(body)
    body = chat("第一个")
    assert "2 人" in body["reply"]["text"] and "确认" in body["reply"]["text"], body["reply"]["text"]
    body = chat("确认")
    booking = Booking.objects.get(resident=realname_resident)
    assert booking.party_size == 2 and "2 人" in body["reply"]["text"], body["reply"]["text"]
    assert body["reply"]["cards"][0]["party_size"] == 2


def test_the_party_size_said_at_the_read_back_keeps_the_slot_picked(chat, realname_resident, zhangjiang):
    chat.as_(realname_resident)
    chat("明天下午 羽毛球 订场")
    body = chat("第二个")
    picked = slot_ids(body)
    body = chat("我们三个人")
    assert slot_ids(body) == picked and "3 人" in body["reply"]["text"], body["reply"]["text"]
    chat("确认")
    booking = Booking.objects.get(resident=realname_resident)
    assert (booking.slot_id, booking.party_size) == (picked[0], 3)


def test_a_time_and_a_party_said_together_without_a_measure_word_are_both_read(chat, realname_resident, zhangjiang):
    """7点2人 was read as 07:02 with no party: the 2 of 2人 counted people, not minutes."""
    chat.as_(realname_resident)
    body = chat("明天约羽毛球")
    assert "几点" in body["reply"]["text"], body["reply"]["text"]
    body = chat("3点2人")
    assert (body["slots"]["time_from"], body["slots"]["party_size"]) == ("15:00", "2"), body["slots"]
    assert zhangjiang.slots[("1号场", 1, 15)].pk in slot_ids(body)
    body = chat("1号场")
    assert "2 人" in body["reply"]["text"] and "确认" in body["reply"]["text"], body["reply"]["text"]
    chat("确认")
    booking = Booking.objects.get(resident=realname_resident)
    assert (booking.slot_id, booking.party_size) == (zhangjiang.slots[("1号场", 1, 15)].pk, 2)


def test_a_booking_said_in_shanghai_words_offers_that_days_afternoon(chat, realname_resident, zhangjiang):
    """后日下半天打羽毛球 (the day after tomorrow, in the afternoon) fell back: no day, no time was read."""
    chat.as_(realname_resident)
    body = chat("后日下半天打羽毛球 阿拉两个人")
    assert body["intent"]["name"] == "venue.book", body["reply"]["text"]
    assert (body["slots"]["date"], body["slots"]["time_from"], body["slots"]["party_size"]) == (day(2), "12:00", "2")
    assert set(slot_ids(body)) == {zhangjiang.slots[(c, 2, 14)].pk for c in ("1号场", "2号场")}


@pytest.mark.parametrize(("said", "court", "party"), [("第一个 2个人", "1号场", 2), ("2号场14点 我们三个", "2号场", 3)])
def test_the_party_size_said_with_the_pick_is_read_back_with_that_slot(
        chat, realname_resident, zhangjiang, said, court, party):
    """第一个 2个人 offered the same slots again (the pick was lost), 2号场14点 我们三个 read back one person."""
    chat.as_(realname_resident)
    chat("明天下午 羽毛球 订场")
    body = chat(said)
    assert slot_ids(body) == [zhangjiang.slots[(court, 1, 14)].pk], body["reply"]["text"]
    assert f"{party} 人" in body["reply"]["text"] and "确认" in body["reply"]["text"], body["reply"]["text"]
    chat("确认")
    booking = Booking.objects.get(resident=realname_resident)
    assert (booking.slot_id, booking.party_size) == (zhangjiang.slots[(court, 1, 14)].pk, party)


def test_the_party_size_said_with_a_court_of_several_times_is_kept_until_the_time_is_picked(
        chat, realname_resident, zhangjiang):
    chat.as_(realname_resident)
    chat("明天下午 羽毛球 订场")
    body = chat("1号场 两位")  # 1号场 at 14:00 and 15:00: which one?
    assert "哪一个" in body["reply"]["text"] and set(payloads(body)) == {"1号场 14:00", "1号场 15:00"}
    body = chat("14点的")
    assert slot_ids(body) == [zhangjiang.slots[("1号场", 1, 14)].pk] and "2 人" in body["reply"]["text"]


def test_a_party_larger_than_the_court_takes_is_refused_in_the_actions_words(chat, realname_resident, zhangjiang):
    """A badminton court is booked by one party of up to max_party_size (4) people."""
    chat.as_(realname_resident)
    body = chat("明天下午我们六个人打羽毛球")
    assert "每单最多 4 人，请调整人数。" in body["reply"]["text"], body["reply"]["text"]
    assert not slot_ids(body) and payloads(body)["4 人"] == "4个人"
    body = chat("4个人")
    assert slot_ids(body)
    chat("第一个")
    chat("确认")
    assert Booking.objects.get(resident=realname_resident).party_size == 4


# --- did I book? ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("asked", ["我预约了吗", "我约上了没", "我有没有预约", "我订上了吗", "我预约成功了吗",
                                   "我订到场地了吗", "我有没有约场", "我约到羽毛球场了没",
                                   "我抢到场了吗", "抢到了伐", "我约好了没", "刚才那个场订好了没有",
                                   "我有没有约明天的羽毛球", "我明天有没有订场", "我是不是约了明天的羽毛球",
                                   "do I have a booking tomorrow", "did I get the court",
                                   "等等 我是不是已经约过了", "我约过了吗"])
def test_asking_whether_one_has_booked_lists_ones_bookings(chat, realname_resident, zhangjiang, asked):
    """我预约了吗 got a clarification, 我约上了没 the cancellation (上了 heard as 删了); 我订到场地了吗 and
    我有没有约场 went to venue.book and asked which sport; so did 我抢到场了吗 (抢到 heard as 签到),
    我有没有约明天的羽毛球 and 我是不是约了…; 我约好了没 went to service.progress (办好了没)."""
    booking = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 1, 14)].pk)
    body = chat.as_(realname_resident)(asked)
    assert body["intent"]["name"] == "booking.list", body["reply"]["text"]
    listed = "Upcoming bookings: 1." if asked.isascii() else "您有 1 个待使用的预约"  # in the language asked
    assert [c["id"] for c in body["reply"]["cards"]] == [booking.pk] and listed in body["reply"]["text"], body
    assert "pending" not in chat.state()


# --- a plan made with friends ----------------------------------------------------------------------------


def test_a_game_arranged_with_a_friend_books_a_court_for_that_day(chat, realname_resident, zhangjiang):
    """约好 (arranged) was heard as 约号 (a clinic number) and the message went to appointment.book."""
    chat.as_(realname_resident)
    body = chat("我和朋友约好了明天打球 帮我订个场")
    assert body["intent"]["name"] == "venue.book", body["reply"]["text"]
    assert body["slots"]["date"] == day(1)
    body = chat("羽毛球 下午")
    assert body["intent"]["name"] == "venue.book" and slot_ids(body), body["reply"]["text"]
    assert all(timezone.localtime(Slot.objects.get(pk=pk).start).date().isoformat() == day(1) for pk in slot_ids(body))


# --- a town said in English or pinyin ---------------------------------------------------------------------


@pytest.fixture
def huamu_court(db):
    """A badminton court in 花木街道 with a slot tomorrow at 14:00, beside the 张江 one."""
    venue = make_venue(name="花木测试羽毛球馆", town="花木街道", lat=31.2153, lng=121.5520)
    return make_slot(make_court(venue, name="1号场"), start=at(1, 14))


def test_a_town_said_in_english_is_the_town(chat, realname_resident, zhangjiang, huamu_court):
    """"badminton in zhangjiang tomorrow": "in zhangjiang" was not read, and 花木's courts were offered too."""
    chat.as_(realname_resident)
    body = chat("badminton in zhangjiang tomorrow")
    assert body["slots"]["district"] == "张江镇"
    assert body["reply"]["text"] == "I'm not quite sure what you mean. Did you mean:"  # English, as asked
    body = chat(payloads(body)["Book a court"])  # search or book? as for 明天在张江打羽毛球
    assert body["intent"]["name"] == "venue.book" and body["slots"]["district"] == "张江镇"
    body = chat("afternoon")
    offered = slot_ids(body)
    assert offered and huamu_court.pk not in offered
    assert {Slot.objects.get(pk=pk).venue_id for pk in offered} == {zhangjiang.venue.pk}


@pytest.mark.parametrize("said", ["book a badminton court in Zhang Jiang tomorrow afternoon",
                                  "yue ge yumaoqiu zhangjiang mingtian xiawu"])
def test_a_town_said_in_pinyin_is_the_town(chat, realname_resident, zhangjiang, huamu_court, said):
    body = chat.as_(realname_resident)(said)
    assert body["intent"]["name"] == "venue.book" and body["slots"]["district"] == "张江镇", body
    assert slot_ids(body) and huamu_court.pk not in slot_ids(body)


# --- a clock hour said without the part of the day ---------------------------------------------------


def _hours(opening: str, closing: str) -> dict:
    return {**{str(d): [[opening, closing]] for d in range(1, 8)}, "holiday": [[opening, closing]]}


def test_a_bare_hour_the_venue_is_closed_at_in_the_morning_is_the_evening(chat, realname_resident):
    """明天7点打羽毛球 was read as 07:00 at a venue that opens at 09:00."""
    court = make_court(make_venue(name="九点开门测试中心", opening_hours=_hours("09:00", "21:00")), name="1号场")
    nine, seven_pm = make_slot(court, start=at(1, 9)), make_slot(court, start=at(1, 19))
    body = chat.as_(realname_resident)("明天7点打羽毛球")
    assert body["slots"]["time_from"] == "19:00" and slot_ids(body) == [seven_pm.pk], body["reply"]["text"]
    assert nine.pk not in slot_ids(body)


def test_a_bare_hour_gone_by_today_is_the_evening(chat, realname_resident, monkeypatch):
    from django.utils import timezone as django_timezone

    one_pm = at(0, 13)
    monkeypatch.setattr(django_timezone, "now", lambda: one_pm)  # today 13:00: 09:00 is gone, 21:00 ahead
    court = make_court(make_venue(name="今晚测试中心"), name="1号场")
    nine_pm = make_slot(court, start=at(0, 21))
    body = chat.as_(realname_resident)("今天9点 羽毛球 订场")
    assert body["slots"]["time_from"] == "21:00" and slot_ids(body) == [nine_pm.pk], body["reply"]["text"]


def test_a_bare_hour_the_venue_only_has_in_the_morning_stays_the_morning(chat, realname_resident):
    court = make_court(make_venue(name="早场测试中心二", opening_hours=_hours("06:00", "18:00")), name="1号场")
    seven = make_slot(court, start=at(1, 7))
    body = chat.as_(realname_resident)("明天7点打羽毛球")
    assert body["slots"]["time_from"] == "07:00" and slot_ids(body) == [seven.pk], body["reply"]["text"]


@pytest.mark.parametrize(("answer", "hour"), [("晚上", 19), ("晚上7点", 19), ("早上", 7), ("早上07:00", 7)])
def test_a_bare_hour_open_both_in_the_morning_and_the_evening_is_asked_about(
        chat, realname_resident, answer, hour):
    court = make_court(make_venue(name="全天测试中心"), name="1号场")  # open 06:00–22:00
    slots = {7: make_slot(court, start=at(1, 7)), 19: make_slot(court, start=at(1, 19))}
    chat.as_(realname_resident)
    body = chat("明天7点打羽毛球")
    assert "早上还是晚上" in body["reply"]["text"] and not slot_ids(body), body["reply"]["text"]
    assert payloads(body)["早上 07:00"] == "早上07:00" and payloads(body)["晚上 19:00"] == "晚上19:00"
    body = chat(answer)
    assert body["intent"]["name"] == "venue.book" and slot_ids(body)[0] == slots[hour].pk, body["reply"]["text"]
    assert f"{hour:02d}:00" in body["reply"]["text"]  # 07:00 and the slots after it, as for 明天早上7点


def test_a_bare_hour_after_asking_for_the_morning_is_the_morning_hour(chat, realname_resident):
    court = make_court(make_venue(name="上午测试中心"), name="1号场")
    nine = make_slot(court, start=at(1, 9))
    make_slot(court, start=at(1, 21))
    make_slot(court, start=at(1, 10))
    chat.as_(realname_resident)
    chat("明天上午 羽毛球 订场")
    body = chat("9点")
    assert slot_ids(body) == [nine.pk] and "确认" in body["reply"]["text"], body["reply"]["text"]


# --- a court named that is not among the cards ----------------------------------------------------------


def test_a_court_taken_at_that_time_is_said_so_with_its_nearest_free_times(chat, realname_resident, four_courts):
    """5号场 with 1–4号场 on offer fell back to 抱歉，我没太明白."""
    venue = Slot.objects.get(pk=four_courts[("1号场", 15, 0)].pk).venue
    fifth = make_court(venue, name="5号场")
    make_slot(fifth, start=at(1, 15), remaining=0)  # someone has it
    evening = make_slot(fifth, start=at(1, 19))
    chat.as_(realname_resident)
    body = chat("明天下午 羽毛球 订场")
    assert len(slot_ids(body)) == 4  # 1–4号场 at 15:00
    body = chat("5号场")
    assert body["intent"]["name"] == "venue.book", body["reply"]["text"]
    assert "5号场" in body["reply"]["text"] and "没有空" in body["reply"]["text"], body["reply"]["text"]
    assert slot_ids(body) == [evening.pk]
    body = chat("第一个")
    assert slot_ids(body) == [evening.pk] and "确认" in body["reply"]["text"]


def test_a_court_the_venue_has_no_free_time_on_offers_the_other_courts(chat, realname_resident, four_courts):
    chat.as_(realname_resident)
    offered = slot_ids(chat("明天下午 羽毛球 订场"))
    body = chat("5号场")
    assert body["intent"]["name"] == "venue.book", body["reply"]["text"]
    assert "5号场" in body["reply"]["text"] and "其他场地" in body["reply"]["text"], body["reply"]["text"]
    assert slot_ids(body) == offered  # 1–4号场 at the time asked


def test_asking_about_a_day_or_sport_lists_the_bookings_of_that_day_or_sport(chat, realname_resident, zhangjiang):
    tomorrow = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 1, 14)].pk)
    later = actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("2号场", 2, 14)].pk)
    chat.as_(realname_resident)
    body = chat("我有没有约后天的羽毛球")
    assert body["intent"]["name"] == "booking.list", body["reply"]["text"]
    assert [c["id"] for c in body["reply"]["cards"]] == [later.pk], body["reply"]["text"]
    assert "后天" in body["reply"]["text"] and "您有 1 个待使用的预约" in body["reply"]["text"]

    body = chat("我明天有没有约网球")  # none of that sport: said, and what there is is shown
    assert body["intent"]["name"] == "booking.list", body["reply"]["text"]
    assert body["reply"]["text"].startswith("没有找到明天") and "网球的预约" in body["reply"]["text"]
    assert [c["id"] for c in body["reply"]["cards"]] == [tomorrow.pk, later.pk]

    chat("明天下午打羽毛球")  # a sport said in another task does not narrow 我的预约
    body = chat("我的预约")
    assert [c["id"] for c in body["reply"]["cards"]] == [tomorrow.pk, later.pk], body["reply"]["text"]
