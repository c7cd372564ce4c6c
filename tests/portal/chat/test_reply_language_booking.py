"""The booking conversation in the resident's language (docs/chat.md, "Reply language"): a message
written in English is answered in English from search to booked, in 我的预约 and a cancellation,
and in every refusal; a Chinese conversation reads exactly as it did."""

import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from booking import actions
from booking.models import Booking, Suspension, WaitlistEntry
from tests.booking.conftest import make_resident

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "data" / "zh_booking_replies.json"
_WEEKDAYS = "一二三四五六日"


def _days_as_tokens(text: str) -> str:
    """The dates of the coming days as <D+n>, so a reply recorded on one day compares on another."""
    today = timezone.localdate()
    for n in range(10):
        d = today + timedelta(days=n)
        text = text.replace(f"{d.month}月{d.day}日 周{_WEEKDAYS[d.weekday()]}", f"<D+{n} 周>")
        text = text.replace(f"{d:%m月%d日}", f"<D+{n}>").replace(f"{d.month}月{d.day}日", f"<D+{n}>")
    return text


def _recorded(reply: dict) -> dict:
    return {"text": _days_as_tokens(reply["text"]),
            "quick_replies": [_days_as_tokens(q["title"]) for q in reply["quick_replies"]],
            "cards": [_days_as_tokens(f"{c['title']} | {c.get('subtitle', '')}") for c in reply["cards"]]}


def test_a_chinese_booking_conversation_reads_exactly_as_before(at_the_recording_time, chat, realname_resident,
                                                                 zhangjiang):
    """Search, offer, read-back, booked, 我的预约, cancel, a full slot and a fitness guide in Chinese:
    byte for byte the replies recorded before the English booking replies were added."""
    chat.as_(realname_resident)
    replies = [chat.reply(text) for text in ("张江附近有羽毛球馆吗", "明天下午的羽毛球场帮我订一个", "2号场14点那个",
                                             "确认", "我的预约", "取消预约", "确认", "高血压适合什么运动",
                                             "张江附近呢")]
    replies += [chat.reply(text) for text in ("张江附近有网球场吗", "算了", "张江测试体育中心后天开门吗", "运动建议",
                                              "明天晚上7点张江有开放的羽毛球馆吗")]
    replies.append(chat.reply("后天下午两点 羽毛球 订场"))
    replies.append(chat.reply("1号场"))
    actions.booking_create(resident=make_resident(), slot_id=zhangjiang.slots[("1号场", 2, 14)].pk)
    replies.append(chat.reply("确认"))
    waitlist = {q["title"]: q["payload"] for q in replies[-1]["quick_replies"]}["加入候补"]
    replies.append(chat.reply(waitlist))
    replies.append(chat.reply("确认"))  # on the waiting list
    replies.append(chat.reply("我的预约"))  # …which 我的预约 says
    replies.append(chat.reply("明天7点 羽毛球 订场"))  # 07:00 or 19:00?
    replies.append(chat.reply("算了"))
    replies.append(chat.reply("明天下午三点 羽毛球 订场"))
    replies.append(chat.reply("第一个"))
    replies.append(chat.reply("确认"))
    replies.append(chat.reply("明天下午三点 羽毛球 订场"))
    replies.append(chat.reply("第一个"))
    replies.append(chat.reply("确认"))  # one booking per venue and day
    recorded = [_recorded(r) for r in replies]
    if os.environ.get("EN19_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(recorded, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert recorded == json.loads(GOLDEN.read_text(encoding="utf-8"))


CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def _without_proper_nouns(text: str, *names: str) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return text



VENUE = "张江测试体育中心"


def english_only(reply: dict, *proper_nouns: str) -> bool:
    """No Chinese in the reply's text and quick-reply titles once the data's proper nouns are taken out."""
    said = [reply["text"], *(q["title"] for q in reply["quick_replies"])]
    return not any(CJK.search(_without_proper_nouns(s, VENUE, "1号场", "2号场", "张江镇", *proper_nouns)) for s in said)


def _en_day(offset: int) -> str:
    d = timezone.localdate() + timedelta(days=offset)
    return f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[d.weekday()]} {d.day} {d:%b}"


def _zh_day(offset: int) -> str:
    d = timezone.localdate() + timedelta(days=offset)
    return f"{d.month}月{d.day}日 周{_WEEKDAYS[d.weekday()]}"


def test_an_english_conversation_books_a_real_slot_in_english_from_offer_to_booked(chat, realname_resident,
                                                                                   zhangjiang):
    """The slots on offer, the read-back and the booked confirmation were Chinese after an English
    request; now every reply is English, the data's names (venue, court) as they are."""
    chat.as_(realname_resident)
    reply = chat.reply("book a badminton court tomorrow afternoon")
    tomorrow = _en_day(1)
    assert reply["text"] == (f"For badminton tomorrow ({tomorrow}), 12:00–18:00, there are 4 free slots at {VENUE}. "
                             "Pick one:")
    assert [q["title"] for q in reply["quick_replies"]] == ["Another time", "Never mind"]
    assert reply["cards"][0]["title"].startswith(f"{VENUE} 1号场")  # cards keep the domain's words (contract)
    assert english_only(reply)

    reply = chat.reply("the first one")
    assert reply["text"] == f"Book {VENUE} 1号场, {tomorrow}, 14:00–15:00 (fee ¥40)? Please confirm."
    assert [q["title"] for q in reply["quick_replies"]] == ["Confirm booking", "Another time", "Never mind"]

    reply = chat.reply("yes")
    booking = Booking.objects.get(resident=realname_resident)
    assert booking.slot_id == zhangjiang.slots[("1号场", 1, 14)].pk
    assert reply["text"] == (
        f"Booked: {VENUE} 1号场, {tomorrow}, 14:00–15:00. From 13:45 you can check in by showing the check-in "
        f"code under \"My bookings\"; to cancel, say \"cancel my booking\" before {tomorrow}, 12:00.")
    assert [q["title"] for q in reply["quick_replies"]] == ["My bookings", "Cancel a booking"]
    assert reply["cards"][0]["status_display"] == "已预约"  # card fields: the domain's words


def test_english_my_bookings_and_cancelling_one(chat, realname_resident, zhangjiang):
    actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("2号场", 1, 15)].pk)
    actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 2, 14)].pk)
    chat.as_(realname_resident)
    tomorrow = _en_day(1)

    reply = chat.reply("show my bookings")
    assert reply["text"] == ("Upcoming bookings: 2. Check in around the start time by showing the booking's "
                             "check-in code:")
    assert [q["title"] for q in reply["quick_replies"]] == ["Cancel a booking", "Book another"]
    assert len(reply["cards"]) == 2

    reply = chat.reply("cancel my booking")
    assert reply["text"] == "You have 2 bookings. Which one do you want to cancel?"
    assert english_only(reply)
    reply = chat.reply("the first one")
    assert reply["text"] == f"Cancel your booking {VENUE} 2号场, {tomorrow}, 15:00–16:00? Please confirm."
    assert [q["title"] for q in reply["quick_replies"]] == ["Confirm cancellation", "Keep it"]
    reply = chat.reply("yes")
    assert reply["text"] == f"Your booking {VENUE} 2号场, {tomorrow}, 15:00–16:00 is cancelled."
    assert [q["title"] for q in reply["quick_replies"]] == ["My bookings", "Book again"]
    assert Booking.objects.get(slot=zhangjiang.slots[("2号场", 1, 15)]).status == "cancelled"

    reply = chat.reply("my bookings")
    assert reply["text"].startswith("Upcoming bookings: 1.")
    assert [c["slot"] for c in reply["cards"]] == [zhangjiang.slots[("1号场", 2, 14)].pk]


def test_english_refusals_slot_full_and_a_limit_with_its_details(chat, realname_resident, zhangjiang):
    """The action's refusal in English — a fixed sentence (slot full) and one with details (the limit
    per venue and day, with the venue's name) — with the next step and the other slots."""
    chat.as_(realname_resident)
    chat.reply("book a badminton court the day after tomorrow at 2pm")
    reply = chat.reply("the first one")
    assert reply["text"].startswith(f"Book {VENUE} 1号场, {_en_day(2)}, 14:00–15:00")
    actions.booking_create(resident=make_resident(), slot_id=zhangjiang.slots[("1号场", 2, 14)].pk)  # faster
    reply = chat.reply("yes")
    assert reply["text"] == ("This time slot is fully booked. Choose another slot or join the waiting list. "
                             "These are still free around the same time:")
    assert [q["title"] for q in reply["quick_replies"]] == ["Join the waiting list", "Another time", "Never mind"]
    assert [c["id"] for c in reply["cards"]] == [zhangjiang.slots[("2号场", 2, 14)].pk]
    full = zhangjiang.slots[("1号场", 2, 14)]
    waitlist = {q["title"]: q["payload"] for q in reply["quick_replies"]}["Join the waiting list"]
    reply = chat.reply(waitlist)  # a tapped payload: the conversation's language
    assert reply["text"].startswith(f"Join the waiting list of {VENUE} 1号场, {_en_day(2)}, 14:00–15:00?")
    reply = chat.reply("yes")
    assert reply["text"] == (f"You are on the waiting list of {VENUE} 1号场, {_en_day(2)}, 14:00–15:00. "
                             "You are number 1 in line. You will be notified when someone cancels.")
    assert WaitlistEntry.objects.get(resident=realname_resident).slot_id == full.pk

    actions.booking_create(resident=realname_resident, slot_id=zhangjiang.slots[("1号场", 1, 14)].pk)
    chat.reply("book a badminton court tomorrow at 3pm")
    chat.reply("the first one")
    reply = chat.reply("yes")
    assert VENUE in reply["text"] and reply["text"].endswith("You can book another day.")
    assert english_only(reply)
    assert [q["title"] for q in reply["quick_replies"]] == ["Book another day", "My bookings"]


def test_a_reply_with_a_sentence_the_catalogue_lacks_stays_wholly_chinese(chat, realname_resident, zhangjiang):
    """All or nothing: slots of a sport the catalogue has no English for (攀岩) are offered in Chinese,
    the whole reply, in the same English conversation that is offered badminton in English."""
    from tests.booking.conftest import make_court

    make_court(zhangjiang.venue, sport="攀岩", name="攀岩墙")
    chat.as_(realname_resident)
    reply = chat.reply("book a badminton court tomorrow afternoon")
    assert reply["text"].startswith("For badminton tomorrow")
    reply = chat.reply(f"#intent:venue.book?sport=攀岩&date={(timezone.localdate() + timedelta(days=1)).isoformat()}"
                 "&time_from=12:00&time_to=18:00")
    assert reply["text"] == f"明天（{_zh_day(1)}） 12:00-18:00 攀岩 暂时没有可以预约的场地了。换个时间或者换一天试试？"
    assert [q["title"] for q in reply["quick_replies"]] == ["换个时间", "附近的场馆", "算了"]  # nor half the buttons


def test_sentences_with_details_are_translated_before_their_values_go_in():
    """The mechanism (portal/chat/sentences.py): the catalogue's sentence with named placeholders,
    then the values — proper nouns as they are, numbers, days and sports in the reply's language;
    a part without translation leaves nothing but None."""
    from datetime import date

    from portal.chat.sentences import Day, Word, in_language, say

    said = say("没有找到%(what)s的预约。", what=say("%(day)s %(hours)s", day=Day(date(2026, 11, 26), relative="明天"),
                                                  hours="19:00"))
    assert said == "没有找到明天（11月26日 周四） 19:00的预约。"  # the Chinese it always was
    assert in_language("en", said) == "No booking found for tomorrow (Thu 26 Nov), 19:00."
    assert in_language("en", say("您有 %(n)s 个待使用的预约。", n=2) + "换个时间或者换一天试试？") == (
        "Upcoming bookings: 2. Shall we try another time or another day?")
    assert in_language("en", say("您有 %(n)s 个待使用的预约。", n=2) + "这句话没有译文。") is None
    assert in_language("en", say("%(n)s 个场馆", n=Word("攀岩"))) is None
    assert in_language("en", say("%(n)s 个场馆", n=Word("乒乓球"))) == "table tennis venues"


def test_an_english_refusal_with_details_says_them_in_english(chat, realname_resident, zhangjiang):
    """The suspension's sentence is the action's, formatted when read: until when, in English."""
    now = timezone.now()
    Suspension.objects.create(resident=realname_resident, starts_at=now - timedelta(days=1),
                              ends_at=now + timedelta(days=6), reason="爽约 3 次")
    chat.as_(realname_resident)
    chat.reply("book a badminton court tomorrow afternoon")
    chat.reply("the first one")
    reply = chat.reply("yes")
    assert reply["text"].startswith("You missed 3 bookings in 30 days; booking is suspended until ")
    assert english_only(reply) and not Booking.objects.exists()
    assert [q["title"] for q in reply["quick_replies"]] == ["My bookings"]



def test_english_venue_search_and_the_general_fitness_advice(chat, realname_resident, zhangjiang):
    """Venue search results and the fitness framing were Chinese after an English question."""
    chat.as_(realname_resident)
    reply = chat.reply("badminton venues near Zhangjiang")
    assert reply["text"] == "Number of venues for badminton near 张江镇: 1 (nearest first):"
    assert [c["title"] for c in reply["cards"]] == [VENUE]
    assert [q["title"] for q in reply["quick_replies"]] == ["Book a court"]
    reply = chat.reply("is there a tennis court near Zhangjiang")
    assert reply["text"] == "No public venues for tennis in 张江镇 found. Shall we try another place or sport?"
    assert [q["title"] for q in reply["quick_replies"]] == ["All venues", "Book a court"]
    reply = chat.reply("exercise advice")
    assert reply["text"].startswith("In general: adults should do at least 150 minutes of moderate exercise a week")
    assert english_only(reply) and reply["quick_replies"][0]["title"] == "High blood pressure"


def test_a_tapped_quick_reply_of_an_english_answer_is_answered_in_english(chat, realname_resident, zhangjiang):
    """The buttons' payloads are the engine's Chinese words (确认, 换个时间): tapping "Confirm booking"
    sent 确认, a Chinese message, and the booking was confirmed in Chinese."""
    chat.as_(realname_resident)
    chat.reply("book a badminton court tomorrow afternoon")
    reply = chat.reply("the first one")
    confirm = {q["title"]: q["payload"] for q in reply["quick_replies"]}["Confirm booking"]
    assert confirm == "确认"
    reply = chat.reply(confirm)
    assert reply["text"].startswith(f"Booked: {VENUE} 1号场") and Booking.objects.filter(resident=realname_resident)
    reply = chat.reply({q["title"]: q["payload"] for q in reply["quick_replies"]}["My bookings"])
    assert reply["text"].startswith("Upcoming bookings: 1.")
    reply = chat.reply("我的预约")  # typed, not tapped: Chinese
    assert reply["text"].startswith("您有 1 个待使用的预约")


def test_a_venue_closed_for_the_day_says_why_in_english(chat, zhangjiang, realname_resident):
    """The staff's reason is their words (kept); the sentence around it is English."""
    from booking import actions as booking_actions
    from tests.booking.conftest import make_staff

    tomorrow = timezone.localdate() + timedelta(days=1)
    booking_actions.slots_close(staff=make_staff(venues=(zhangjiang.venue,)), venue_id=zhangjiang.venue.pk,
                                date_from=tomorrow, reason="羽毛球比赛")
    chat.as_(realname_resident)
    chat.reply("book a badminton court the day after tomorrow afternoon")
    reply = chat.reply(f"#intent:venue.book?venue={zhangjiang.venue.pk}&sport=羽毛球&date={tomorrow.isoformat()}"
                 "&time_from=12:00&time_to=18:00")
    assert reply["text"] == (f"{VENUE} is closed for booking on {_en_day(1)} (羽毛球比赛). "
                             "Shall we try another day or another venue?")
    assert [q["title"] for q in reply["quick_replies"]] == ["Another day", "Venues nearby", "Never mind"]
