"""REST transport of the chat: the contract's reply shape, a multi-turn booking-style dialogue,
login cards, errors, history, hand-off and unmatched questions."""

import re
from datetime import timedelta

import pytest

from booking.models import Booking
from portal.chat.models import ChatSession, HandoffTicket, UnmatchedQuestion
from portal.nlu.timeparse import now_shanghai
from tests.portal.chat.conftest import bearer

pytestmark = pytest.mark.django_db


def day(offset: int) -> str:
    return (now_shanghai().date() + timedelta(days=offset)).isoformat()


def test_anonymous_message_gets_a_reply_in_the_contract_shape(api, say):
    status, body = say(api, "你好")
    assert status == 200
    assert set(body) == {"session", "intent", "slots", "reply"}
    assert body["intent"]["name"] == "greeting"
    assert 0 <= body["intent"]["confidence"] <= 1
    assert set(body["reply"]) == {"text", "cards", "quick_replies"}
    assert body["reply"]["text"]
    assert all(set(q) == {"title", "payload"} for q in body["reply"]["quick_replies"])


def test_booking_dialogue_over_rest_books_a_demo_slot_that_the_bookings_api_then_lists(
        api, realname_resident, demo_venues, say):
    """Issue 5's acceptance over REST: slots collected over turns, a carry-over, a reset, slot
    cards, a pick, the confirmation step, then the booking in GET /api/v1/bookings/."""
    api.credentials(HTTP_AUTHORIZATION=bearer(realname_resident))
    status, body = say(api, "订场")
    assert status == 200 and body["intent"]["name"] == "venue.book"
    session = body["session"]
    assert "项目" in body["reply"]["text"]  # asks for the sport first

    _, body = say(api, "明天下午", session)  # remembered while the sport is still missing
    assert body["intent"]["name"] == "venue.book" and "项目" in body["reply"]["text"]
    assert body["slots"]["date"] == day(1)
    assert (body["slots"]["time_from"], body["slots"]["time_to"]) == ("12:00", "18:00")

    _, body = say(api, "羽毛球还是篮球呢 羽毛球吧", session)
    assert body["slots"]["sport"] == "羽毛球"
    offered = body["reply"]["cards"]
    assert offered and {c["type"] for c in offered} == {"slot"}
    assert all(c["sport"] == "羽毛球" and c["start"][:10] == day(1) and "12:00" <= c["start"][11:16] < "18:00"
               for c in offered)
    state = ChatSession.objects.get(pk=session).state
    assert "pending" not in state  # offering slots is not yet asking for a yes

    _, body = say(api, "那后天呢", session)  # carry-over: same task, new date
    assert body["intent"]["name"] == "venue.book"
    assert body["slots"]["date"] == day(2) and body["slots"]["sport"] == "羽毛球"
    assert body["reply"]["cards"] and all(c["start"][:10] == day(2) for c in body["reply"]["cards"])

    _, body = say(api, "算了", session)
    assert "重新开始" in body["reply"]["text"]
    state = ChatSession.objects.get(pk=session).state
    assert "pending" not in state and "task" not in state and "choices" not in state

    _, body = say(api, "帮我约明天下午的羽毛球场 张江", session)
    assert body["slots"]["district"] == "张江镇"
    cards = body["reply"]["cards"]
    assert cards and all("张江" in c["title"] and c["distance_m"] is not None for c in cards)

    _, body = say(api, "14点那个", session)  # several courts at 14:00: offered from 14:00 on
    cards = body["reply"]["cards"]
    assert cards and cards[0]["start"][11:16] == "14:00"
    court_two = next(c for c in cards if "羽毛球2号场" in c["title"] and c["start"][11:16] == "14:00")

    _, body = say(api, "2号场", session)  # a pick: read back, one card, a yes asked for
    assert [c["id"] for c in body["reply"]["cards"]] == [court_two["id"]]
    assert "确认" in body["reply"]["text"]
    assert not Booking.objects.exists()  # nothing is written before the resident says yes
    assert ChatSession.objects.get(pk=session).state["pending"]["intent"] == "venue.book"

    _, body = say(api, "确认", session)
    assert body["intent"]["name"] == "venue.book" and "预约成功" in body["reply"]["text"]
    booking = Booking.objects.get(resident=realname_resident)
    assert booking.slot_id == court_two["id"] and booking.status == "confirmed"
    assert [c["type"] for c in body["reply"]["cards"]] == ["booking"] and body["reply"]["cards"][0]["id"] == booking.pk
    state = ChatSession.objects.get(pk=session).state
    assert "pending" not in state and "task" not in state

    listed = api.get("/api/v1/bookings/").json()["results"]
    assert [(b["id"], b["slot"]["id"]) for b in listed] == [(booking.pk, court_two["id"])]


def test_declining_a_confirmation_writes_nothing(signed_in_api, say):
    _, body = say(signed_in_api, "转人工")
    assert body["intent"]["name"] == "human"
    _, body = say(signed_in_api, "不用", body["session"])
    assert HandoffTicket.objects.count() == 0


def test_human_creates_a_handoff_ticket_staff_see_in_the_admin(signed_in_api, say, admin_client):
    _, body = say(signed_in_api, "我要人工客服")
    assert body["intent"]["name"] == "human"
    assert HandoffTicket.objects.count() == 0  # asked first
    _, body = say(signed_in_api, "好的", body["session"])
    ticket = HandoffTicket.objects.get()
    assert ticket.number in body["reply"]["text"]
    assert ticket.status == HandoffTicket.Status.OPEN
    page = admin_client.get("/admin/chat/handoffticket/")
    assert page.status_code == 200 and ticket.number in page.content.decode()


def test_personal_intent_from_an_anonymous_resident_gets_a_login_card(api, say):
    _, body = say(api, "看看我的健康档案")
    assert body["intent"]["name"] == "health.record"
    assert [c["type"] for c in body["reply"]["cards"]] == ["login"]
    assert "登录" in body["reply"]["text"]


def test_login_mid_conversation_keeps_the_task(api, resident, say):
    _, body = say(api, "我的家庭医生是谁")
    session = body["session"]
    assert body["reply"]["cards"][0]["type"] == "login"
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, body = say(api, "继续", session)
    assert body["intent"]["name"] == "doctor.info"
    assert not body["reply"]["cards"]
    assert ChatSession.objects.get(pk=session).user == resident


def test_the_login_cards_payload_after_signing_in_picks_the_task_up(api, resident, say):
    """The card's (and 去登录's) payload is ``#login``: after signing in it was a fallback (抱歉，这个我还不太明白)."""
    _, body = say(api, "我的家庭医生是谁")
    payload = body["reply"]["cards"][0]["payload"]
    assert payload == "#login"
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, body = say(api, payload, body["session"])
    assert body["intent"]["name"] == "doctor.info"
    assert [c["type"] for c in body["reply"]["cards"]] != ["login"]


@pytest.mark.parametrize(
    "payload",
    [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 501}, {"text": ["list"]}, {"text": "你好", "channel": "fax"}],
)
def test_bad_input_is_a_4xx_with_the_error_body(api, payload):
    response = api.post("/api/v1/chat/messages/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["message"]


def test_malformed_json_is_a_4xx_with_the_error_body(api):
    response = api.post("/api/v1/chat/messages/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_residents_session_cannot_be_continued_by_someone_else(api, resident, other_resident, say):
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, body = say(api, "你好")
    api.credentials(HTTP_AUTHORIZATION=bearer(other_resident))
    status, error = say(api, "你好", body["session"])
    assert status == 403 and error["error"]["code"] == "session_forbidden"
    api.credentials()
    status, _error = say(api, "你好", body["session"])
    assert status == 403


def test_history_lists_the_turns_for_the_owner_only(api, resident, other_resident, say):
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, first = say(api, "你好")
    say(api, "谢谢", first["session"])
    response = api.get(f"/api/v1/chat/sessions/{first['session']}/messages/")
    assert response.status_code == 200
    page = response.json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 2
    assert [t["text"] for t in page["results"]] == ["你好", "谢谢"]
    assert page["results"][1]["intent"]["name"] == "thanks"
    api.credentials(HTTP_AUTHORIZATION=bearer(other_resident))
    assert api.get(f"/api/v1/chat/sessions/{first['session']}/messages/").status_code == 404
    api.credentials()
    assert api.get(f"/api/v1/chat/sessions/{first['session']}/messages/").status_code == 404
    assert api.get("/api/v1/chat/sessions/nope/messages/").status_code == 404


def test_a_signed_in_resident_resumes_the_conversation_from_another_channel(signed_in_api, say):
    _, first = say(signed_in_api, "约场", channel="wechat_mini")
    _, body = say(signed_in_api, "羽毛球", channel="alipay")  # no session id: the latest one continues
    assert body["session"] == first["session"]
    assert body["slots"]["sport"] == "羽毛球"


def test_fallbacks_and_clarifications_are_recorded_as_unmatched_questions(api, say):
    say(api, "qwerty zxcv")
    say(api, "QWERTY zxcv！！")
    question = UnmatchedQuestion.objects.get()
    assert question.normalized == "qwerty zxcv"
    assert question.count == 2 and question.fallback_count == 2


def test_ws_ticket_needs_a_signed_in_resident(api, resident):
    response = api.post("/api/v1/chat/ws-ticket/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    response = api.post("/api/v1/chat/ws-ticket/")
    assert response.status_code == 201
    assert response.json()["ticket"] and response.json()["expires_in"] > 0


def test_id_and_phone_numbers_are_stored_masked(api, say):
    _, body = say(api, "我的身份证号110101199003077777 手机13812345678")
    turn = ChatSession.objects.get(pk=body["session"]).turns.get()
    assert "110101199003077777" not in turn.text and "13812345678" not in turn.text
    assert all("110101199003077777" not in q.normalized + q.example for q in UnmatchedQuestion.objects.all())


def test_idle_anonymous_sessions_are_purged_but_handed_off_and_residents_ones_stay(api, resident, say):
    from django.utils import timezone
    from rest_framework.test import APIClient

    from portal.chat.tasks import chat_sessions_purge

    _, anonymous = say(api, "你好")
    _, handed = say(api, "转人工")
    say(api, "好的", handed["session"])
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, theirs = say(signed_in, "你好")
    assert anonymous["session"] != handed["session"]
    old = timezone.now() - timedelta(days=31)
    ChatSession.objects.update(updated_at=old)
    chat_sessions_purge.delay()
    assert set(ChatSession.objects.values_list("pk", flat=True)) == {handed["session"], theirs["session"]}
    chat_sessions_purge.delay()  # idempotent
    assert ChatSession.objects.count() == 2


def test_too_many_messages_from_one_address_are_refused_with_the_error_body(api, say, settings):
    settings.CHAT_RATELIMIT = "2/h"  # fixed windows: under 2/m a minute boundary between the calls could let one in
    assert say(api, "你好")[0] == 200
    assert say(api, "你好")[0] == 200
    status, body = say(api, "你好")
    assert status == 429 and body["error"]["code"] == "rate_limited"


def test_a_clarification_offers_choices_and_an_ordinal_picks_one(signed_in_api, say):
    _, body = say(signed_in_api, "家庭医生")
    assert body["reply"]["text"].startswith("我不太确定")
    payloads = [q["payload"] for q in body["reply"]["quick_replies"]]
    assert 2 <= len(payloads) <= 4 and all(p.startswith("#intent:") for p in payloads)
    _, picked = say(signed_in_api, "第二个", body["session"])
    assert picked["intent"]["name"] == payloads[1].removeprefix("#intent:")


def test_a_fallback_says_what_the_bot_can_do_and_offers_the_closest_intents(api, say):
    _, body = say(api, "羽毛球")
    assert body["intent"]["name"] == "fallback"
    titles = [q["title"] for q in body["reply"]["quick_replies"]]
    assert "查找场馆" in titles and "预约场地" in titles and "转人工" in titles
    assert "办事指南" in body["reply"]["text"] and "家庭医生" in body["reply"]["text"]


def test_a_city_matter_outside_the_skills_is_pointed_to_the_12345_hotline(api, say):
    _, body = say(api, "小区门口的路灯坏了")
    assert body["intent"]["name"] == "fallback"
    assert "12345" in body["reply"]["text"]


@pytest.mark.parametrize("text", ["我不办了", "那我不办了吧", "不想办了", "暂时不约了", "我不去了", "算了算了"])
def test_saying_one_is_not_doing_it_after_all_resets_and_never_reads_as_a_replacement(api, say, text):
    _, first = say(api, "明天下午约羽毛球")
    _, body = say(api, text, first["session"])
    assert body["reply"]["text"].startswith("好的，已经取消"), body  # not 补办 by sound
    assert "task" not in ChatSession.objects.get(pk=first["session"]).state


@pytest.mark.parametrize(("text", "intent"), [
    ("签约家庭医生", "doctor.sign"),  # 签约 holds a 约: it was a question between signing and booking a visit
    ("家庭医生怎么签约", "doctor.sign"),
    ("异地看病怎么报销", "service.search"),  # a claim is a service matter, not a visit to book
    ("预约家庭医生", "appointment.book"),
])
def test_signing_and_claims_are_not_read_as_booking_a_visit(api, say, text, intent):
    _, body = say(api, text)
    assert body["intent"]["name"] == intent
    assert not body["reply"]["text"].startswith("我不太确定"), body


# --- the language of the reply -------------------------------------------------------------------


def test_a_message_written_in_english_is_answered_in_english_whatever_the_clients_language(api, say):
    """A resident who wrote a whole sentence in English got the answer in Chinese under a Chinese
    Accept-Language. The rule (docs/chat.md, "Reply language"): the message's language when it
    clearly has one; otherwise the conversation's."""
    han = re.compile(r"[\u4e00-\u9fff]")
    api.credentials(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    _, body = say(api, "Hello, what can you do for me?")
    assert body["intent"]["name"] == "help"
    assert "I can help you with" in body["reply"]["text"] and not han.search(body["reply"]["text"]), body["reply"]
    assert [q["title"] for q in body["reply"]["quick_replies"]][:2] == ["Service guides", "Book a court"]
    session = body["session"]
    _, body = say(api, "thanks", session)  # one word says nothing of its language: the conversation's
    assert body["intent"]["name"] == "thanks" and body["reply"]["text"].startswith("You're welcome")
    _, body = say(api, "谢谢", session)  # a Chinese message keeps Chinese
    assert body["reply"]["text"] == "不客气，还有什么可以帮您？"
    _, body = say(api, "ok", session)  # a lone ok in a Chinese conversation stays Chinese
    assert han.search(body["reply"]["text"]), body["reply"]


def test_a_chinese_message_or_pinyin_keeps_chinese_under_an_english_accept_language(api, say):
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")
    _, body = say(api, "你好")
    assert body["reply"]["text"].startswith("您好！")
    _, body = say(api, "ni hao", body["session"])
    assert body["reply"]["text"].startswith("您好！"), body["reply"]
    _, body = say(api, "hi")  # the first message of a conversation, no language of its own: the request's
    assert body["reply"]["text"].startswith("Hello!"), body["reply"]
