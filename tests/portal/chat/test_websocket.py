"""WebSocket transport: same JSON objects as REST; auth by single-use ticket or Authorization
header; origin allow-list; size and rate limits; error frames that leave the connection usable."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from booking.models import Booking
from portal.chat.actions import ws_ticket_issue
from portal.chat.models import ChatSession
from portal.nlu.timeparse import now_shanghai
from portal.routing import websocket_urlpatterns
from tests.portal.chat.conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)

WEB = (b"origin", b"http://127.0.0.1:8000")
TIMEOUT = 20  # the first message builds the NLU indexes


def application():
    return URLRouter(websocket_urlpatterns)


async def connect(path="/ws/chat/", headers=(WEB,)):
    communicator = WebsocketCommunicator(application(), path, headers=list(headers))
    connected, code = await communicator.connect(timeout=TIMEOUT)
    return communicator, connected, code


async def ask(communicator, text, **extra):
    await communicator.send_json_to({"text": text, **extra})
    return await communicator.receive_json_from(timeout=TIMEOUT)


@database_sync_to_async
def ticket_for(user):
    return ws_ticket_issue(user=user)["ticket"]


@database_sync_to_async
def session_state(session_id):
    return ChatSession.objects.get(pk=session_id).state


def day(offset: int) -> str:
    return (now_shanghai().date() + timedelta(days=offset)).isoformat()


@database_sync_to_async
def bookings_listed_for(user) -> list[tuple[int, int]]:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return [(b["id"], b["slot"]["id"]) for b in client.get("/api/v1/bookings/").json()["results"]]


@database_sync_to_async
def bookings_of(user) -> list[tuple[int, int]]:
    return list(Booking.objects.filter(resident=user).values_list("id", "slot_id"))


async def test_booking_dialogue_over_websocket_books_a_demo_slot_that_the_bookings_api_then_lists(
        realname_resident, demo_venues):
    """Issue 5's acceptance over the WebSocket: collect, carry over, pick, reset, pick again,
    confirm, and the booking is in GET /api/v1/bookings/."""
    communicator, connected, _ = await connect(f"/ws/chat/?ticket={await ticket_for(realname_resident)}")
    assert connected
    reply = await ask(communicator, "我想约场")
    assert set(reply) == {"session", "intent", "slots", "reply"}
    assert reply["intent"]["name"] == "venue.book"
    reply = await ask(communicator, "明天晚上七点 羽毛球")
    assert reply["slots"]["sport"] == "羽毛球"
    assert reply["slots"]["date"] == day(1) and reply["slots"]["time_from"] == "19:00"
    assert reply["reply"]["cards"] and all(c["type"] == "slot" and c["start"][:16] >= f"{day(1)}T19:00"
                                           for c in reply["reply"]["cards"])
    reply = await ask(communicator, "那后天呢")
    assert reply["slots"]["date"] == day(2) and reply["slots"]["sport"] == "羽毛球"
    first = reply["reply"]["cards"][0]
    assert first["start"][:10] == day(2)
    reply = await ask(communicator, "第一个")
    assert [c["id"] for c in reply["reply"]["cards"]] == [first["id"]] and "确认" in reply["reply"]["text"]
    state = await session_state(reply["session"])
    assert state["pending"]["slots"]["choice"] == str(first["id"])
    reply = await ask(communicator, "算了")
    assert "重新开始" in reply["reply"]["text"]
    state = await session_state(reply["session"])
    assert "pending" not in state and "task" not in state
    assert await bookings_of(realname_resident) == []

    reply = await ask(communicator, "订个羽毛球场 后天晚上")
    offered = reply["reply"]["cards"]
    assert len(offered) >= 2 and all(c["start"][:10] == day(2) for c in offered)
    reply = await ask(communicator, offered[1]["payload"])  # tapping the second card
    assert [c["id"] for c in reply["reply"]["cards"]] == [offered[1]["id"]]
    assert await bookings_of(realname_resident) == []
    reply = await ask(communicator, "确认")
    assert reply["intent"]["name"] == "venue.book" and "预约成功" in reply["reply"]["text"]
    booked = await bookings_of(realname_resident)
    assert [slot for _, slot in booked] == [offered[1]["id"]]
    assert await bookings_listed_for(realname_resident) == booked
    await communicator.disconnect()


async def test_websocket_without_auth_refuses_personal_intents(zhangjiang):
    communicator, connected, _ = await connect()
    assert connected  # anonymous chat is allowed …
    reply = await ask(communicator, "帮我订明天下午的羽毛球场")
    assert reply["intent"]["name"] == "venue.book"
    assert [c["type"] for c in reply["reply"]["cards"]] == ["login"]  # … personal things are not
    for text in ("第一个", "确认"):
        reply = await ask(communicator, text)
        assert not {c["type"] for c in reply["reply"]["cards"]} & {"slot", "booking"}
    assert not await database_sync_to_async(Booking.objects.exists)()
    reply = await ask(communicator, "我的健康档案")
    assert reply["reply"]["cards"][0]["type"] == "login"
    reply = await ask(communicator, "你好")
    assert reply["intent"]["name"] == "greeting"  # public answers still work
    await communicator.disconnect()


@pytest.mark.parametrize("path", ["/ws/nope/", "/ws/venues/abc/availability/", "/ws/chat"])
async def test_a_websocket_path_no_route_matches_is_refused_not_a_server_error(db, path):
    _communicator, connected, code = await connect(path)
    assert not connected and code == 4404


async def test_websocket_refuses_a_foreign_origin(db):
    _communicator, connected, code = await connect(headers=[(b"origin", b"https://evil.example")])
    assert not connected and code == 4403


async def test_websocket_accepts_a_page_of_this_site_itself(db):
    same_site = [(b"origin", b"https://portal.example.gov.cn"), (b"host", b"portal.example.gov.cn")]
    communicator, connected, _ = await connect(headers=same_site)
    assert connected
    await communicator.disconnect()
    other = [(b"origin", b"https://evil.example"), (b"host", b"portal.example.gov.cn")]
    _communicator, connected, code = await connect(headers=other)
    assert not connected and code == 4403


async def test_websocket_accepts_mini_program_and_alipay_clients_by_their_fixed_referer(db):
    wechat = (b"referer", b"https://servicewechat.com/wx-demo-appid/3/page-frame.html")
    communicator, connected, _ = await connect(headers=[wechat])
    assert connected
    await communicator.disconnect()
    other_app = (b"referer", b"https://servicewechat.com/wx-someone-else/1/page-frame.html")
    _communicator, connected, code = await connect(headers=[other_app])
    assert not connected and code == 4403
    alipay = (b"referer", b"https://2021000000000000.hybrid.alipay-eco.com/2021000000000000/0.2.1/index.html")
    communicator, connected, _ = await connect(headers=[alipay])
    assert connected
    await communicator.disconnect()


async def test_a_bad_frame_gets_an_error_frame_and_the_connection_still_works(db):
    communicator, connected, _ = await connect()
    assert connected
    for bad in ("{not json", "[" * 2000 + "]" * 2000, '{"text": ' + "[" * 1500 + "]" * 1500 + "}"):
        await communicator.send_to(text_data=bad)
        error = await communicator.receive_json_from(timeout=TIMEOUT)
        assert error["error"]["code"] == "parse_error" and error["error"]["message"]
    await communicator.send_json_to({"txt": "你好"})
    error = await communicator.receive_json_from(timeout=TIMEOUT)
    assert error["error"]["code"] == "invalid"
    await communicator.send_json_to({"text": "   "})
    error = await communicator.receive_json_from(timeout=TIMEOUT)
    assert error["error"]["code"] == "invalid"
    await communicator.send_to(bytes_data=b"\x00\x01")
    error = await communicator.receive_json_from(timeout=TIMEOUT)
    assert error["error"]["code"] == "invalid"
    for text in ("你\x00好", "\ud800"):  # PostgreSQL cannot store a NUL, UTF-8 has no lone surrogate
        await communicator.send_json_to({"text": text})
        error = await communicator.receive_json_from(timeout=TIMEOUT)
        assert error["error"]["code"] == "invalid"
    reply = await ask(communicator, "你好", session="no\x00such")  # names no session: a new one
    assert reply["intent"]["name"] == "greeting"
    reply = await ask(communicator, "你好")
    assert reply["intent"]["name"] == "greeting"
    await communicator.disconnect()


async def test_error_frames_speak_the_language_of_the_handshake(db):
    communicator, connected, _ = await connect(headers=(WEB, (b"accept-language", b"en-US,en;q=0.9")))
    assert connected
    await communicator.send_to(text_data="{not json")
    error = await communicator.receive_json_from(timeout=TIMEOUT)
    assert error["error"]["message"] == "That message is not valid JSON. Please check it and try again."
    await communicator.send_json_to({"txt": "hello"})
    error = await communicator.receive_json_from(timeout=TIMEOUT)
    assert error["error"]["fields"] == {"text": ["Required."]}
    await communicator.disconnect()

    communicator, connected, _ = await connect()  # no Accept-Language: Chinese
    await communicator.send_to(text_data="{not json")
    error = await communicator.receive_json_from(timeout=TIMEOUT)
    assert error["error"]["message"] == "消息不是有效的 JSON，请检查后再试。"
    await communicator.disconnect()


async def test_an_empty_or_too_long_message_is_refused_in_the_language_of_the_handshake_fields_included(db):
    communicator, connected, _ = await connect(headers=(WEB, (b"accept-language", b"en-US,en;q=0.9")))
    assert connected
    error = await ask(communicator, "   ")
    assert error["error"] == {"code": "invalid", "message": "Please type your question.",
                              "fields": {"text": ["Please type your question."]}}
    error = await ask(communicator, "长" * 501)
    assert error["error"]["code"] == "too_long"
    assert error["error"]["fields"]["text"] == [error["error"]["message"]]
    assert "500" in error["error"]["message"] and "长" not in str(error)
    await communicator.disconnect()

    communicator, connected, _ = await connect()  # no Accept-Language: Chinese, message and fields
    error = await ask(communicator, "")
    assert error["error"] == {"code": "invalid", "message": "请输入要问的内容。",
                              "fields": {"text": ["请输入要问的内容。"]}}
    await communicator.disconnect()


@override_settings(CHAT_WS_MAX_BYTES=1024)
async def test_an_oversized_frame_is_refused(db):
    communicator, connected, _ = await connect()
    assert connected
    await communicator.send_to(text_data='{"text": "' + "长" * 600 + '"}')
    error = await communicator.receive_json_from(timeout=TIMEOUT)
    assert error["error"]["code"] == "too_large" and "1024" in error["error"]["message"]
    closed = await communicator.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 1009}


@override_settings(CHAT_WS_RATE=3, CHAT_WS_RATE_SECONDS=60)
async def test_too_many_messages_on_one_connection_are_rate_limited(db):
    communicator, connected, _ = await connect()
    assert connected
    for _ in range(3):
        assert (await ask(communicator, "你好"))["intent"]["name"] == "greeting"
    error = await ask(communicator, "你好")
    assert error["error"]["code"] == "rate_limited"
    await communicator.disconnect()


async def test_a_ticket_works_once(resident):
    ticket = await ticket_for(resident)
    communicator, connected, _ = await connect(f"/ws/chat/?ticket={ticket}")
    assert connected
    await communicator.disconnect()
    _communicator, connected, code = await connect(f"/ws/chat/?ticket={ticket}")
    assert not connected and code == 4401
    _communicator, connected, code = await connect("/ws/chat/?ticket=made-up")
    assert not connected and code == 4401


async def test_an_authorization_header_signs_the_resident_in_and_a_token_in_the_url_is_refused(resident):
    authorization = await database_sync_to_async(bearer)(resident)
    header = (b"authorization", authorization.encode())
    communicator, connected, _ = await connect(headers=[WEB, header])
    assert connected
    reply = await ask(communicator, "我的预约")
    assert reply["intent"]["name"] == "booking.list" and not reply["reply"]["cards"]
    await communicator.disconnect()
    _communicator, connected, code = await connect(headers=[WEB, (b"authorization", b"Bearer not-a-jwt")])
    assert not connected and code == 4401
    token = authorization.split(" ", 1)[1]
    _communicator, connected, code = await connect(f"/ws/chat/?token={token}")
    assert not connected and code == 4401


async def test_an_unexpected_failure_is_an_error_frame_and_the_connection_stays(db, monkeypatch):
    from portal.chat import consumers

    real = consumers.chat_reply
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(consumers, "chat_reply", flaky)
    communicator, connected, _ = await connect()
    assert connected
    error = await ask(communicator, "你好")
    assert error["error"]["code"] == "server_error" and "database" not in error["error"]["message"]
    assert (await ask(communicator, "你好"))["intent"]["name"] == "greeting"
    await communicator.disconnect()


async def test_the_websocket_answers_an_english_message_in_english_by_the_same_rule_as_rest(db):
    communicator, connected, _ = await connect()  # no Accept-Language: Chinese
    assert connected
    reply = await ask(communicator, "what can you do")
    assert reply["intent"]["name"] == "help" and "I can help you with" in reply["reply"]["text"], reply["reply"]
    reply = await ask(communicator, "你能做什么", session=reply["session"])
    assert reply["reply"]["text"].startswith("我是市民服务小助手")
    await communicator.disconnect()


@database_sync_to_async
def sign_in(user) -> dict:
    from portal.accounts.tokens import login_tokens

    return login_tokens(user)


@database_sync_to_async
def log_out(refresh: str) -> int:
    from rest_framework.test import APIClient

    return APIClient().post("/api/v1/auth/logout/", {"refresh": refresh}, format="json").status_code


@database_sync_to_async
def ticket_of_session(access: str) -> str:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.post("/api/v1/chat/ws-ticket/").json()["ticket"]


async def test_logout_closes_the_sessions_websocket_and_refuses_its_token_and_tickets_other_sessions_stay(resident):
    phone, laptop = await sign_in(resident), await sign_in(resident)
    on_phone, connected, _ = await connect(headers=[WEB, (b"authorization", f"Bearer {phone['access']}".encode())])
    assert connected
    on_laptop, connected, _ = await connect(headers=[WEB, (b"authorization", f"Bearer {laptop['access']}".encode())])
    assert connected
    unused_ticket = await ticket_of_session(phone["access"])

    assert await log_out(phone["refresh"]) == 204
    closed = await on_phone.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 4401}
    _communicator, connected, code = await connect(
        headers=[WEB, (b"authorization", f"Bearer {phone['access']}".encode())])
    assert not connected and code == 4401
    _communicator, connected, code = await connect(f"/ws/chat/?ticket={unused_ticket}")
    assert not connected and code == 4401

    reply = await ask(on_laptop, "我的预约")  # the laptop's session is still signed in
    assert reply["intent"]["name"] == "booking.list"
    await on_laptop.disconnect()
    on_laptop, connected, _ = await connect(f"/ws/chat/?ticket={await ticket_of_session(laptop['access'])}")
    assert connected
    await on_laptop.disconnect()
