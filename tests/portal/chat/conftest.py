import pytest
from rest_framework_simplejwt.tokens import RefreshToken


@pytest.fixture
def resident(db):
    from portal.accounts.models import User

    return User.objects.create(username="resident-chat", kind=User.Kind.RESIDENT, display_name="小王")


@pytest.fixture
def other_resident(db):
    from portal.accounts.models import User

    return User.objects.create(username="resident-other", kind=User.Kind.RESIDENT)


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


@pytest.fixture
def signed_in_api(api, resident):
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    return api


@pytest.fixture
def say():
    """Post one message and return (status, body)."""

    def _say(client, text, session=None, **extra):
        body = {"text": text, **extra}
        if session:
            body["session"] = session
        response = client.post("/api/v1/chat/messages/", body, format="json")
        return response.status_code, response.json()

    return _say


@pytest.fixture
def chat(api, say):
    """A conversation as one resident: ``chat.as_(user)``, then ``chat("…")`` → the body, or
    ``chat.reply("…")`` → its reply alone; ``chat.state()`` the session's state."""

    class Conversation:
        session = None

        def as_(self, user):
            api.credentials(HTTP_AUTHORIZATION=bearer(user))
            return self

        def __call__(self, text):
            status, body = say(api, text, self.session)
            assert status == 200, body
            self.session = body["session"]
            return body

        def reply(self, text):
            return self(text)["reply"]

        def state(self):
            from portal.chat.models import ChatSession

            return ChatSession.objects.get(pk=self.session).state

    return Conversation()


@pytest.fixture
def realname_resident(db):
    """A resident who has bound their real name (booking needs it)."""
    from tests.booking.conftest import make_resident

    return make_resident(name="小李")


@pytest.fixture(autouse=True)
def _forget_sold_out_slots():
    """Slot ids are reused between tests on SQLite: the booking gate's memory starts empty."""
    from booking import soldout

    soldout.clear()
    yield
    soldout.clear()


@pytest.fixture
def demo_venues(db):
    """The demo venues of booking/demo.py with their slots for the coming days (what `make run`
    serves): real badminton courts of 张江镇市民健身中心 and the rest of Pudong."""
    from booking import demo

    demo.load()


def at(day_offset: int, hour: int, minute: int = 0):
    """A moment ``day_offset`` days from today (Asia/Shanghai) at ``hour``:``minute``."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def zhangjiang(db):
    """张江测试体育中心 (张江镇): badminton courts 1号场 and 2号场, each with slots tomorrow at 14:00
    and 15:00 and the day after at 14:00; ``slots[(court, day_offset, hour)]``."""
    from types import SimpleNamespace

    from tests.booking.conftest import make_court, make_slot, make_venue

    venue = make_venue(name="张江测试体育中心", town="张江镇", lat=31.2036, lng=121.5906)
    slots = {}
    for name in ("1号场", "2号场"):
        court = make_court(venue, name=name)
        for offset, hour in ((1, 14), (1, 15), (2, 14)):
            slots[(name, offset, hour)] = make_slot(court, start=at(offset, hour))
    return SimpleNamespace(venue=venue, slots=slots)


@pytest.fixture
def at_the_recording_time():
    """The clock when the recorded Chinese replies (tests/portal/chat/data) were recorded, a Wednesday,
    18:45 in Shanghai: a card says whether the venue is open now (at 23:50, CI's late run, it would
    read 未开放), and due dates and the days on offer count from today."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    with time_machine.travel(datetime(2026, 11, 25, 18, 45, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield
