"""Chat skills of 运动 (venues, bookings, fitness guidance).

Every handler calls the booking app's read side (``booking.queries``) or its actions
(``booking.actions``) — the functions behind the REST API — and turns the result into the
contract's cards (``booking.cards``: ``{"type": "slot" | "venue" | "booking", "id", "title", ...}``).
No booking rule lives here: whether a slot may be booked or a booking cancelled is the action's
answer, and its refusal (``booking.errors``) is what the resident reads, with a next step.

``venue.book``: sport, date and time (asked for when missing) → bookable slots as cards, each a
``Choice`` the resident picks (tap, 第一个, 2号场, 14点那个) → the pick read back → an explicit yes
→ ``booking_create``. ``booking.cancel``: which booking → yes → ``booking_cancel``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from portal.chat.registry import Card, Choice, QuickReply, Reply, Turn, skill
from portal.chat.sentences import CHINESE, Day, Hours, Moment, Text, When, Word, render, say
from portal.chat.sentences import text as joined

SPORT_CHOICES = (gettext_noop("羽毛球"), gettext_noop("篮球"), gettext_noop("乒乓球"), gettext_noop("网球"),
                 gettext_noop("足球"), gettext_noop("游泳"))  # marked: quick-reply titles of an English reply
# The other sports of sports.tsv, said inside an English sentence (``Word``: the catalogue's English).
OTHER_SPORTS = (gettext_noop("排球"), gettext_noop("健身"), gettext_noop("台球"), gettext_noop("跑步"),
                gettext_noop("瑜伽"), gettext_noop("壁球"), gettext_noop("门球"), gettext_noop("太极拳"),
                gettext_noop("广场舞"), gettext_noop("健身路径"))
_BOOK_VERB = ("预约", "约", "订", "定", "抢", "包场", "包个场")
_COURT = ("场地", "场馆", "球场", "场子", "有空场地", "时段", "场")
# Asking whether one has a place (我订到场地了吗, 我抢到场了吗, 约好了没, 我有没有约明天的羽毛球, 我是不是
# 约了后天的篮球): booking.list answers it, and it is no request to book. A got-it verb (订到, 约上, 抢到,
# 订好, 约成, 约过 …) with a yes/no question after it (吗, 没, 伐); 我 … 有没有 before a booking verb (a day
# may come between: 我明天有没有订场); 是不是 / 有没有 (已经) before a booking verb done (约了, 订过, 已经约过).
# 今天还能订到吗 and 明天有没有约满 ask about free courts and have none of them.
_BOOKING_VERBS = ("预约", "约", "订", "定", "抢")
# Not going to play after all (今天的网球不打了, 后天的篮球场我不想去了): a booking to cancel, no court to book.
_NOT_GOING = ("不打了", "不踢了", "不游了", "不想打了", "不想去了", "不去打了")
_GOT_A_PLACE = (*(f"{verb}{got}+{asked}" for verb in _BOOKING_VERBS for got in ("到", "上", "好", "成", "过")
                  for asked in ("了吗", "了没", "没有", "了伐", "了么")),
                "我有没有+预约", "我有没有+订到", "我有没有+约到",
                *(f"我+有没有{verb}" for verb in _BOOKING_VERBS),
                *(f"{asks}{already}{verb}{done}" for asks in ("是不是", "有没有") for already in ("", "已经")
                  for verb in _BOOKING_VERBS for done in ("了", "过")))
# Words of other domains that mention sports or booking (SMP-style out-of-scope sentences).
_NOT_A_VENUE = {
    "比赛": 0.8,
    "比分": 0.9,
    "直播": 0.9,
    "新闻": 0.8,
    "赛程": 0.9,
    "联赛": 0.9,
    "世界杯": 0.9,
    "nba": 0.9,
    "cba": 0.9,
    "球队": 0.8,
    "球星": 0.9,
    "球员": 0.8,
    "电视": 0.8,
    "节目": 0.8,
    "视频": 0.8,
    "游戏": 0.8,
    "彩票": 0.9,
    "机票": 0.95,
    "火车票": 0.95,
    "车票": 0.9,
    "酒店": 0.9,
    "电影": 0.9,
    "餐厅": 0.9,
    "饭店": 0.9,
    "外卖": 0.9,
    "歌": 0.7,
    "小说": 0.9,
    "天气": 0.9,
    "股票": 0.9,
    "闹钟": 0.9,
    "提醒": 0.7,
    "微信": 0.8,
}


_WEEKDAY_NAMES = "一二三四五六日"


def _when(slots: dict) -> Text:
    """明天（11月25日 周三） 19:00-21:00 — what a resident reads back before confirming (tomorrow
    (Wed 25 Nov), 19:00–21:00 in English)."""
    from portal.nlu.timeparse import now_shanghai

    day, hours = _day(slots), None
    relative = ""
    if day:
        relative = {0: "今天", 1: "明天", 2: "后天"}.get((day - now_shanghai().date()).days, "")
    if slots.get("time_from"):
        hours = Hours(slots["time_from"], slots.get("time_to") or None)
    if day and hours:
        return say("%(day)s %(hours)s", day=Day(day, relative=relative), hours=hours)
    return joined(Day(day, relative=relative) if day else hours or "")


class _Asked:
    """What the resident asked for, read back: 明天（11月25日 周三） 12:00-18:00 张江镇 羽毛球 3 人 /
    badminton in 张江镇 tomorrow (Wed 25 Nov), 12:00–18:00, for 3 people."""

    def __init__(self, when: Text, place: str, sport: str | None, party: int):
        self.when, self.place, self.sport, self.party = when, place, sport, party

    def render(self, language: str) -> str | None:
        if language == CHINESE:
            people = f"{self.party} 人" if self.party > 1 else ""
            return " ".join(p for p in (str(self.when), self.place, self.sport or "", people) if p)
        sport = render(Word(self.sport), language) if self.sport else "courts" if self.place else ""
        when = render(self.when, language)
        if sport is None or when is None:
            return None
        said = " ".join(p for p in (sport, f"in {self.place}" if self.place else "", when) if p)
        return said + (f", for {self.party} people" if self.party > 1 else "")


# --- what the handlers share: reads through booking.queries, writes through booking.actions --------

MAX_CARDS = 5
FARTHER_RADIUS_M = 15_000  # where a town has none of a sport: the nearest venues up to this far
CHOICE = "choice"  # the slot the engine fills when the resident picks one of the offered choices
WAITLIST = "waitlist:"  # a choice that means "put me on the waiting list of this slot"
OFFER = "offer:"  # a choice that means "book the place the waiting list holds for me" (entry id; * for several)
OFFER_LAPSED_HOURS = 12  # a yes this long after an offer ran out is still told that it ran out
TIME_QUICK_REPLIES = [QuickReply(gettext_noop("上午"), "上午"), QuickReply(gettext_noop("下午"), "下午"),
                      QuickReply(gettext_noop("晚上"), "晚上"),
                      QuickReply(gettext_noop("全天都行"), "早上6点到晚上10点")]
REALNAME_URL = "/api/v1/auth/realname/"
# Quick replies of many answers (titles marked: an English reply shows the catalogue's English).
OTHER_TIME = QuickReply(gettext_noop("换个时间"), "换个时间")
QUIT = QuickReply(gettext_noop("算了"), "算了")
MY_BOOKINGS = QuickReply(gettext_noop("我的预约"), "我的预约")
CANCEL_BOOKING = QuickReply(gettext_noop("取消预约"), "取消预约")
RETRY = QuickReply(gettext_noop("再试一次"), "确认")
KEEP_IT = QuickReply(gettext_noop("不取消了"), "算了")
OTHER_SLOTS = QuickReply(gettext_noop("约别的时段"), "#intent:venue.book")


def _day(slots: dict):
    from datetime import date

    from booking import queries

    try:
        day = date.fromisoformat(slots["date"]) if slots.get("date") else None
    except (TypeError, ValueError):  # a hand-made payload (#intent:venue.book?date=…) is not trusted
        return None
    # "9999年12月31日": no day anyone books, and the day after it overflows; asked again like no date.
    return day if day is None or queries.in_calendar(day) else None


def _clock(value):
    from datetime import time

    try:
        return time.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _int(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None  # "²".isdigit() too


def _party(slots: dict) -> int:
    """How many people the booking is for (``party_size``, said as 两个人, 我们仨 …); 1 when unsaid."""
    return max(1, _int(slots.get("party_size")) or 1)


def _short_town(town: str) -> str:
    for suffix in ("新镇", "街道", "镇"):
        if town.endswith(suffix) and len(town) > len(suffix) + 1:
            return town[: -len(suffix)]
    return town


@dataclass
class _Place:
    """Where the resident said they are: a town (filter, and distances from the middle of its
    venues) or a district (filter)."""

    label: str = ""
    town: str | None = None
    district: str | None = None
    near: tuple[float, float] | None = None
    radius_m: int | None = None


def _place(slots: dict) -> _Place:
    from booking import queries

    name = slots.get("district")
    if not name:
        return _Place()
    if name.endswith("区"):
        return _Place(label=name, district=name)
    hits = queries.venues_search(town=name)
    if not hits:
        return _Place(label=name, town=name)
    lat = sum(h.venue.lat for h in hits) / len(hits)
    lng = sum(h.venue.lng for h in hits) / len(hits)
    farthest = max(queries.haversine_m(lat, lng, h.venue.lat, h.venue.lng) for h in hits)
    return _Place(label=name, town=name, near=(lat, lng), radius_m=max(2000, int(farthest) + 300))


def _distance(metres: float | None) -> str:
    if metres is None:
        return ""
    return f"{round(metres)} 米" if metres < 1000 else f"{metres / 1000:.1f} 公里"


def _slot_choice(slot) -> Choice:
    from django.utils import timezone

    court = slot.court.name
    keys = [court, slot.venue.name, slot.venue.town, _short_town(slot.venue.town)]
    tail = re.search(r"\d+号场$", court)
    if tail:
        keys.append(tail.group(0))
    start = timezone.localtime(slot.start)
    return Choice(str(slot.pk), f"{court} {start:%H:%M}", keys=tuple(dict.fromkeys(k for k in keys if k)),
                  time=f"{start:%H:%M}")


def _price(slot) -> str:
    return f"¥{slot.price.normalize():f}" if slot.price else "免费"


def _slot_card(slot, distance_m: float | None, place: _Place | None = None) -> Card:
    from booking import cards

    data = cards.slot_card(slot, distance_m)
    where = f"距{place.label}中心 {_distance(distance_m)}" if place and place.label and distance_m is not None else ""
    left = f"余 {slot.remaining}" if slot.capacity > 1 else ""
    subtitle = " · ".join(p for p in (_price(slot), left, where) if p)
    data.update({"subtitle": subtitle, "payload": f"#pick:{slot.pk}"})
    return Card(data.pop("type"), data.pop("id"), data.pop("title"), data)


def _booking_card(booking, *, pick: bool = False) -> Card:
    from booking import cards

    data = cards.booking_card(booking)
    data["subtitle"] = data["status_display"]
    if pick:
        data["payload"] = f"#pick:{booking.pk}"
    return Card(data.pop("type"), data.pop("id"), data.pop("title"), data)


def _label(venue: str, court: str, start, end) -> Text:
    """A slot or booking as its card's title says it (张江体育中心 2号场 11月26日 14:00-15:00), in a
    sentence of either language (… 2号场, Thu 26 Nov, 14:00–15:00)."""
    from django.utils import timezone

    return say("%(venue)s %(court)s %(when)s", venue=venue, court=court,
               when=When(timezone.localtime(start), timezone.localtime(end)))


def _slot_label(slot) -> Text:
    return _label(slot.venue.name, slot.court.name, slot.start, slot.end)


def _booking_label(booking) -> Text:
    return _label(booking.venue.name, booking.slot.court.name, booking.starts_at, booking.ends_at)


_PLAY = {"游泳": "游泳", "足球": "踢足球", "跑步": "跑步", "健身": "健身", "健身路径": "用健身路径",
         "太极拳": "打太极拳", "广场舞": "跳广场舞", "瑜伽": "练瑜伽"}


def _clause(text: str) -> str:
    """A sentence joined into a list (…；…) or put in brackets loses its full stop."""
    return text.strip().rstrip("。；;.")


def _play(sport: str) -> str:
    return _PLAY.get(sport) or (f"打{sport}" if sport.endswith("球") else sport)


_GUIDE_STARTERS = [(gettext_noop("高血压"), "高血压适合什么运动"), (gettext_noop("糖尿病"), "糖尿病怎么运动"),
                   (gettext_noop("减重"), "想减肥怎么锻炼"), (gettext_noop("老年人"), "老年人适合什么运动"),
                   (gettext_noop("膝关节"), "膝盖不好能做什么运动"), (gettext_noop("儿童"), "孩子适合什么运动")]
GENERAL_ADVICE = (gettext_noop(
    "一般建议：成年人每周至少 150 分钟中等强度运动（如快走、游泳、骑车），分 5 天进行，每次 30 分钟；"
    "有慢病或关节问题的，先请家庭医生评估再定强度。") + gettext_noop("告诉我您的情况，我给您更具体的建议："))


def _booking_choice(booking) -> Choice:
    from django.utils import timezone

    from portal.nlu.timeparse import now_shanghai

    start = timezone.localtime(booking.starts_at)
    keys = [booking.venue.name, booking.slot.court.name, booking.slot.sport, f"{start.month}月{start.day}日",
            f"{start.month}月{start.day}号", f"周{_WEEKDAY_NAMES[start.weekday()]}"]
    relative = {0: "今天", 1: "明天", 2: "后天"}.get((start.date() - now_shanghai().date()).days)
    if relative:
        keys.append(relative)
    return Choice(str(booking.pk), f"{start.month}月{start.day}日 {start:%H:%M} {booking.slot.court.name}",
                  keys=tuple(dict.fromkeys(keys)), time=f"{start:%H:%M}")


def _what(slots: dict, place: _Place | None = None) -> Text:
    """明天（11月25日 周三） 12:00-18:00 张江镇 羽毛球 (``_Asked``)"""
    return joined(_Asked(_when(slots), place.label if place else "", slots.get("sport"), _party(slots)))


@skill(
    "venue.book",
    title=gettext_noop("预约场地"),
    examples=[
        "明天下午想约个羽毛球场",
        "帮我订一个篮球场",
        "约场",
        "订场",
        "抢场",
        "预约场地",
        "还有羽毛球场吗 我想订",
        "周六上午订网球场",
        "我想包场踢足球",
        "预约游泳时段",
        "订个乒乓球台",
        "约个球",
        "book a badminton court",
    ],
    keywords={
        "预约场地": 0.92,
        "预约打球": 0.9,
        **{f"{verb}+{{sport}}": 0.85 for verb in _BOOK_VERB},
        **{f"{verb}+{court}": 0.85 for verb in _BOOK_VERB for court in _COURT},
        "有空场地": 0.7,
        "有空场地+{date}": 0.8,
        "有空场地+{sport}": 0.8,
        "有空+{sport}": 0.8, "有空的+场": 0.75, "还剩+{sport}": 0.7, "{sport}+还剩": 0.75, "剩几": 0.5,
        "怎么预订": 0.5, "看看+有没有场": 0.8, "有没有场": 0.7,
        "{sport}+{date}": 0.55,
        "{sport}+{time}": 0.55,
        "打+{sport}+{date}": 0.7,
        "{sport}场+{date}": 0.7,
        "{sport}场+{time}": 0.7,
        "还有+{sport}": 0.5,
        "还能约": 0.6,
        "能约吗": 0.6,
        "能约": 0.5,
        "预约": 0.3,
        "场地": 0.2,
        "打球": 0.3,
        "踢球": 0.3,
        "{sport}": 0.2,
    },
    negative={
        **_NOT_A_VENUE,
        "我的预约": 0.9,
        "取消": 0.9,
        "上次": 0.8,
        "是哪天": 0.8,
        "我约了": 0.8, "我订了": 0.8, "约了几点": 0.9,
        **dict.fromkeys(_GOT_A_PLACE, 0.8), **dict.fromkeys(_NOT_GOING, 0.8),
        "哪个": 0.4, "人少": 0.5, "记录": 0.7, "上周": 0.6, "约的": 0.5, "订的": 0.5,
        "是几点": 0.8,
        "几号场": 0.7,
        "英语": 0.9,
        "怎么说": 0.8,
        "集": 0.5,
        "就诊": 0.9,
        "体检": 0.9,
        "疫苗": 0.9,
        "医生": 0.9,
        "门诊": 0.9,
        "牙": 0.7,
        "专家号": 0.9,
        "在哪": 0.5,
        "哪里": 0.5,
        "开放时间": 0.6,
    },
    personal=True,
    required=("sport", "date", "time_from"),
    prompts={"sport": gettext_noop("想约什么项目？") + gettext_noop("羽毛球、篮球还是别的？"),
             "date": gettext_noop("想约哪天？") + gettext_noop("比如 明天、周六。"),
             "time_from": gettext_noop("想约几点？") + gettext_noop("比如 下午、晚上7点。")},
    writes=True,
    standing=lambda user, state: _offer_held(user, state),  # a place held on the waiting list (defined below)
)
def venue_book(turn: Turn) -> Reply:
    """Offer the bookable slots for sport, date and time (``queries.slots_available``) as cards; a
    pick (``choice``) is read back for an explicit yes; the yes books through
    ``actions.booking_create``, the action of ``POST /api/v1/bookings/``, whose refusals become the
    reply with a next step."""
    choice = str(turn.slots.get(CHOICE) or "")
    if choice.startswith(OFFER):
        return _offer_accept(turn, choice[len(OFFER):])
    if choice.startswith(WAITLIST):
        return _waitlist(turn, _int(choice[len(WAITLIST):]))
    if choice:
        return _book_chosen(turn, _int(choice), confirmed=turn.confirmed)
    return _offer_slots(turn)


def _offer_slots(turn: Turn, *, note: str = "", exclude: frozenset[int] = frozenset()) -> Reply:
    from django.utils import timezone

    from booking import queries

    slots = turn.slots
    slots.pop(CHOICE, None)
    day = _day(slots)
    if day is None:
        slots.pop("date", None)
        return Reply(note + "想约哪天？比如 明天、周六。", done=False, asks_confirmation=False,
                     quick_replies=[QuickReply(d, d) for d in ("今天", "明天", "后天", "这周六", "这周日")])
    place = _place(slots)
    wanted = {"sport": slots.get("sport"), "date": day, "near": place.near, "radius_m": place.radius_m,
              "town": place.town, "venue_id": _int(slots.get("venue")), "party_size": _party(slots)}
    which = _morning_or_evening(turn, day, wanted, place)
    if which is not None:
        return which
    t_from, t_to = _clock(slots.get("time_from")), _clock(slots.get("time_to"))
    court = str(slots.pop("court", "") or "") or _court_named(turn.text)  # said in this message only

    def find(*, limit: int = 20, **times) -> list:
        # A court named (4号场) is looked for among all of the day's slots, not the first 20.
        found = queries.slots_available(**wanted, **times, limit=200 if court else limit)
        return [(s, d) for s, d in found if s.pk not in exclude
                and (not place.district or s.venue.district == place.district)]

    def starts_at(slot, at) -> bool:
        return timezone.localtime(slot.start).time() == at

    found = find(time_from=t_from, time_to=t_to)
    asked = _what(slots, place)
    lead = note
    nearest = False
    # A clock time said alone (明天7点) is that time: slots from 09:00 on are not what was asked.
    at_clock = bool(t_from and not t_to)
    if (not found and (t_from or t_to)) or (at_clock and not any(starts_at(s, t_from) for s, _ in found)):
        found = find(limit=200 if at_clock else 20)
        if found:
            note += say("%(asked)s 没有可约的了，当天其他时间还有：", asked=asked)
            if at_clock:  # 20:30 asked, none then: the slots nearest to it, not the morning's
                nearest = True
                found.sort(key=lambda sd: abs(_minutes(timezone.localtime(sd[0].start).time()) - _minutes(t_from)))
    if court and found:
        on_court = [(s, d) for s, d in found if _on_court(s, court)]
        at_time = [s for s, _ in on_court if at_clock and starts_at(s, t_from)]
        if len(at_time) == 1 and not note:  # 20点4号场: that one slot, read back for a yes
            turn.slots[CHOICE] = str(at_time[0].pk)
            reply = _book_chosen(turn, at_time[0].pk, confirmed=False)
            reply.choices = [_slot_choice(at_time[0])] if CHOICE in turn.slots else reply.choices
            return reply
        if on_court:
            found = on_court
        else:  # 5号场 and only 1–4号场 free then: that court's nearest free times, else the other courts
            own = [(s, d) for s, d in find(limit=200) if _on_court(s, court)]
            if own:
                nearest = True
                note = lead + say("%(court)s号场%(when)s没有空，%(court)s号场当天离这个时间最近的空闲时段：",
                                  court=court, when=_when(slots))
                found = sorted(own, key=lambda sd: _gap(timezone.localtime(sd[0].start).time(), t_from, t_to))
            elif t_from:
                note = lead + say("%(court)s号场%(when)s没有空，当天也没有它的空闲时段了。其他场地这个时间还有：",
                                  court=court, when=_when(slots))
            else:
                note = lead + say("%(court)s号场%(when)s没有空，当天也没有它的空闲时段了。其他场地还有：",
                                  court=court, when=_when(slots))
        found = found[:20]
    if found and _party(slots) > 1:
        found, refusal = _fitting(found, _party(slots))
        if not found:  # no court here takes a party that size: the action's own sentence
            return refusal
    if not found:
        why = _why_none(wanted["venue_id"], day, wanted["sport"])
        if why:  # one venue asked for, closed or not released: say so rather than "booked up"
            return Reply(note + why + gettext_noop("换一天或者换个场馆试试？"),
                         quick_replies=[QuickReply(gettext_noop("换一天"), "换一天"),
                                        QuickReply(gettext_noop("附近的场馆"), "附近的场馆"), QUIT],
                         done=False, asks_confirmation=False)
        return Reply(note + say("%(asked)s 暂时没有可以预约的场地了。", asked=asked)
                     + gettext_noop("换个时间或者换一天试试？"),
                     quick_replies=[OTHER_TIME, QuickReply(gettext_noop("附近的场馆"), "附近的场馆"), QUIT],
                     done=False, asks_confirmation=False)
    shown = sorted(found[:MAX_CARDS], key=lambda sd: sd[0].start) if nearest else found[:MAX_CARDS]
    venues = {s.venue.name for s, _ in found}
    capped = len(found) >= 20  # slots_available stops at 20
    where = next(iter(venues)) if len(venues) == 1 else say("多个场馆") if capped else say(
        "%(n)s 个场馆", n=len(venues))
    if note:
        said = note
    elif capped:
        said = say("%(asked)s，%(where)s还有不少时段可约，选一个吧：", asked=asked, where=where)
    else:
        said = say("%(asked)s，%(where)s还有 %(n)s 个时段可约，选一个吧：", asked=asked, where=where, n=len(found))
    if len(found) > len(shown) and nearest:
        said += say("（先列出时间最接近的 %(n)s 个，说“换个时间”可以改时段）", n=len(shown))
    elif len(found) > len(shown):
        said += say("（先列出最早的 %(n)s 个，说“换个时间”可以改时段）", n=len(shown))
    return Reply(said, cards=[_slot_card(s, d, place) for s, d in shown], choices=[_slot_choice(s) for s, _ in shown],
                 quick_replies=[OTHER_TIME, QUIT], done=False, asks_confirmation=False)


BARE_HOUR = "bare_hour"  # session state: the clock hour asked about (早上还是晚上?), for an answer of 晚上 alone


def _morning_or_evening(turn: Turn, day, wanted: dict, place: _Place) -> Reply | None:
    """A clock hour said without the part of the day (明天7点, 9点半, at 8) is read as a booking clerk
    reads it: the one of the two hours (07:00, 19:00) that is still ahead and when the venues asked
    about are open; when both are, the resident is asked which (None: the hour stands, or was changed
    in ``turn.slots``). Hours 1–6 are afternoon already (``timeparse``); a part of the day said in
    the message (早上7点, 7pm) or in the answer just before (上午 … 9点) is what was meant."""
    from datetime import datetime, time

    from django.utils import timezone

    from portal.nlu.timeparse import names_period, parse_times

    slots = turn.slots
    asked = turn.state.pop(BARE_HOUR, None)
    at = _clock(slots.get("time_from"))
    if at is None:
        return None
    if asked and names_period(turn.text) and _clock(asked):  # "晚上" after 早上7点还是晚上7点？
        hour = _clock(asked)
        reading = time(hour.hour + 12, hour.minute) if at.hour >= 12 else hour
        slots.update(time_from=reading.strftime("%H:%M"))
        slots.pop("time_to", None)
        return None
    said_bare = not names_period(turn.text) and parse_times(turn.text) == (at, None)  # this message's hour
    if slots.get("time_to") or not 1 <= at.hour <= 11 or not said_bare:
        return None
    last = turn.state.get("last_slots") if turn.state.get("last") == "venue.book" else None
    start, end = (_clock((last or {}).get(k)) for k in ("time_from", "time_to"))
    if start and end and start <= at < end:  # 明天上午 … 9点: the morning said before
        return None
    tz = timezone.get_current_timezone()
    morning = datetime.combine(day, at, tzinfo=tz)
    evening = datetime.combine(day, time(at.hour + 12, at.minute), tzinfo=tz)
    now = timezone.now()
    possible = [moment for moment in (morning, evening) if moment > now and _open_at(wanted, place, moment)]
    if possible == [evening]:
        slots["time_from"] = f"{evening:%H:%M}"
    if len(possible) < 2:
        return None
    turn.state[BARE_HOUR] = at.strftime("%H:%M")
    slots.pop("time_from", None)
    early, late = f"{morning:%H:%M}", f"{evening:%H:%M}"
    return Reply(say("%(day)s %(early)s 和 %(late)s 都开放，您说的是早上还是晚上？",
                     day=_when({**slots, "time_from": None}), early=early, late=late),
                 quick_replies=[QuickReply(say("早上 %(at)s", at=early), f"早上{early}"),
                                QuickReply(say("晚上 %(at)s", at=late), f"晚上{late}"), QUIT],
                 done=False, asks_confirmation=False, awaits="time_from")


def _open_at(wanted: dict, place: _Place, moment) -> bool:
    """Whether a venue the resident asked about (the one named, or those of the sport near the
    town) is open at ``moment`` by its timetable (``schedule.is_open_at``, holidays included)."""
    from django.utils import timezone

    from booking import queries, schedule
    from booking.models import Venue

    if wanted["venue_id"] is not None:
        venue = Venue.objects.filter(pk=wanted["venue_id"]).first()
        return venue is not None and schedule.is_open_at(venue.opening_hours, timezone.localtime(moment))
    hits = queries.venues_search(near=place.near, radius_m=place.radius_m, sport=wanted["sport"], town=place.town,
                                 open_at=moment)
    return any(h.venue.bookable and (not place.district or h.venue.district == place.district) for h in hits)


def _fitting(found: list, party: int) -> tuple[list, Reply | None]:
    """The offered slots whose court takes a party of ``party`` (``actions.party_check``, the rule of
    ``booking_create``), and, when none does, the reply saying the action's refusal."""
    from booking import actions, errors

    fitting, refusal = [], None
    for slot, distance in found:
        try:
            actions.party_check(slot=slot, party_size=party)
        except errors.PartyTooLarge as exc:
            refusal = refusal or _party_refused(exc, slot)
            continue
        fitting.append((slot, distance))
    return fitting, refusal


def _party_refused(exc, slot) -> Reply:
    """每单最多 4 人，请调整人数。 — with the sizes the court takes as quick replies."""
    most = slot.court.max_party_size
    return Reply(joined(exc.message, gettext_noop("人多的话，可以分开约两片场地。")),
                 quick_replies=[QuickReply(say("%(n)s 人", n=most), f"{most}个人"), QUIT],
                 done=False, asks_confirmation=False)


def _court_named(text: str) -> str | None:
    """The court number a message names (4号场, 四号场地, 3号台), as digits."""
    from portal.nlu.normalize import normalize
    from portal.nlu.slots import find_court

    return find_court(normalize(text or ""))  # spaces kept: "20:00 4号场" is not 004号场


def _minutes(at) -> int:
    return at.hour * 60 + at.minute


def _gap(start, t_from, t_to) -> int:
    """Minutes from a slot's start to the time asked (a clock time, or the part of the day)."""
    if t_from is None:
        return 0
    if t_to is None or start < t_from:
        return abs(_minutes(start) - _minutes(t_from))
    return max(0, _minutes(start) - _minutes(t_to))


def _on_court(slot, number: str) -> bool:
    return re.search(rf"(?<!\d){number}号[场台桌]", slot.court.name) is not None


def _book_chosen(turn: Turn, slot_id: int | None, *, confirmed: bool) -> Reply:
    from django.utils import timezone

    from booking import actions, errors, queries
    from portal.core.errors import PortalError

    if slot_id is None:
        return _offer_slots(turn)
    if not confirmed:
        try:
            slot = queries.slot_get(slot_id=slot_id)
        except errors.SlotNotFound:
            return _offer_slots(turn, note=say("这个时段找不到了，"), exclude=frozenset({slot_id}))
        if not queries.slot_bookable(slot, timezone.now()):
            return _offer_slots(turn, note=gettext_noop("这个时段刚刚被约走或暂停预约了。"),
                                exclude=frozenset({slot_id}))
        turn.slots[CHOICE] = str(slot_id)
        try:
            actions.party_check(slot=slot, party_size=_party(turn.slots))
        except errors.PartyTooLarge as exc:  # the pick is kept: "4个人" reads it back again
            return _party_refused(exc, slot)
        card = _slot_card(slot, None)
        party = _party(turn.slots)
        return Reply(say("为您预约：%(slot)s，%(people)s%(price)s确认吗？", slot=_slot_label(slot),
                         people=say("%(n)s 人，", n=party) if party > 1 else "",
                         price=say("费用 %(price)s，", price=_price(slot)) if slot.price else ""), cards=[card],
                     quick_replies=[QuickReply(gettext_noop("确认预约"), "确认"), OTHER_TIME, QUIT],
                     done=False, asks_confirmation=True)
    try:
        booking = actions.booking_create(resident=turn.user, slot_id=slot_id, party_size=_party(turn.slots))
    except errors.RealnameRequired as exc:
        return Reply(joined(exc.message, gettext_noop("完成实名认证后说“继续”，我接着为您预约这个时段。")),
                     cards=[Card("realname", "realname", "去实名认证",
                                 {"action": "realname", "url": REALNAME_URL})],
                     quick_replies=[QuickReply(gettext_noop("继续"), "继续"), QUIT],
                     done=False, asks_confirmation=False)
    except errors.SlotFull as exc:
        reply = _offer_slots(turn, note=joined(exc.message), exclude=frozenset({slot_id}))
        if reply.choices and "还有" not in reply.text:
            reply.text = joined(exc.message, gettext_noop("同一时间段还有这些可选："))
        reply.choices.append(Choice(f"{WAITLIST}{slot_id}", "加入候补", keys=("候补", "排队", "等位")))
        reply.quick_replies.insert(0, QuickReply(gettext_noop("加入候补"), f"#pick:{WAITLIST}{slot_id}"))
        return reply
    except (errors.WindowNotOpen, errors.SlotClosed, errors.SlotUnavailable, errors.NotBookable,
            errors.SlotNotFound, errors.PartyTooLarge) as exc:
        reply = _offer_slots(turn, note=joined(exc.message), exclude=frozenset({slot_id}))
        if reply.choices and "还有" not in reply.text:
            reply.text = joined(exc.message, gettext_noop("可以换这些时段："))
        return reply
    except errors.LimitReached as exc:  # with the way on: free a place first, or another day
        if exc.extra.get("limit") == "active":
            return Reply(joined(exc.message, gettext_noop("不去的预约可以先取消，再来约。")),
                         quick_replies=[CANCEL_BOOKING, MY_BOOKINGS])
        return Reply(joined(exc.message, gettext_noop("可以换一天再约。")),
                     quick_replies=[QuickReply(gettext_noop("换一天约"), "约场"), MY_BOOKINGS])
    except errors.AlreadyBooked as exc:
        return Reply(joined(exc.message), quick_replies=[MY_BOOKINGS])
    except errors.Busy as exc:
        return Reply(joined(exc.message, gettext_noop("要再试一次吗？")), quick_replies=[RETRY, QUIT],
                     done=False, asks_confirmation=True)
    except PortalError as exc:  # suspended and whatever else the action refuses: its sentence
        return Reply(joined(exc.message), quick_replies=[MY_BOOKINGS])
    return _booked(booking)


def _booked(booking) -> Reply:
    """The answer to a booking made: when to check in, until when it can be cancelled."""
    from datetime import datetime

    from booking import api

    out = api.booking_out(booking)
    deadline = datetime.fromisoformat(out["cancel_deadline"])
    opens = datetime.fromisoformat(out["checkin"]["window_opens_at"])
    card = _booking_card(booking)
    people = say("，%(n)s 人", n=booking.party_size) if booking.party_size > 1 else ""
    return Reply(say("预约成功：%(booking)s%(people)s。", booking=_booking_label(booking), people=people)
                 + say("%(opens)s 起可在“我的预约”里出示签到码签到；如需取消，请在 %(deadline)s 前说“取消预约”。",
                       opens=f"{opens:%H:%M}", deadline=Moment(deadline)),
                 cards=[card], quick_replies=[MY_BOOKINGS, CANCEL_BOOKING])


def _offers(user):
    """The resident's waiting-list offers a yes may answer (``queries.waitlist_offers_of_resident``)."""
    from datetime import timedelta

    from django.utils import timezone

    from booking import queries

    now = timezone.now()
    return queries.waitlist_offers_of_resident(
        resident=user, lapsed_since=now - timedelta(hours=OFFER_LAPSED_HOURS), now=now)


def _live(entry) -> bool:
    from django.utils import timezone

    from booking.models import WaitlistEntry

    return entry.status == WaitlistEntry.Status.OFFERED and entry.offer_expires_at > timezone.now()


def _offer_held(user, state: dict) -> dict | None:
    """A bare yes (确认预约, 好的, 要) with nothing pending in the chat answers the notification of a
    place held on the waiting list: the one held (several: which one?), else one whose time ran out
    and that the chat has not yet said so of."""
    told = set(state.get("offers_told") or ())
    offers = [e for e in _offers(user)[:20] if e.pk not in told]
    live = [e for e in offers if _live(e)]
    if len(live) > 1:
        return {CHOICE: OFFER + "*"}
    entry = (live or offers or [None])[0]
    return {CHOICE: f"{OFFER}{entry.pk}"} if entry else None


def _offer_accept(turn: Turn, which: str) -> Reply:
    """Book the place the waiting list holds through ``actions.waitlist_accept`` (the action of
    ``POST /api/v1/bookings/waitlist/{id}/accept/``): on the yes that answers the notification, or
    after a pick among several offers and its read-back."""
    from booking import actions, errors
    from portal.core.errors import PortalError

    again = [OTHER_SLOTS, MY_BOOKINGS]
    if which == "*":
        live = [e for e in _offers(turn.user)[:20] if _live(e)][:MAX_CARDS]
        if not live:
            return Reply(gettext_noop("您的候补名额已经没有待确认的了。"), quick_replies=again)
        cards, choices = [], []
        for entry in live:
            card = _slot_card(entry.slot, None)
            card.extra["payload"] = f"#pick:{OFFER}{entry.pk}"
            cards.append(card)
            choice = _slot_choice(entry.slot)
            choices.append(Choice(f"{OFFER}{entry.pk}", choice.title, keys=choice.keys, time=choice.time))
        return Reply(say("您有 %(n)s 个候补名额在等您确认，要预约哪一个？", n=len(live)), cards=cards, choices=choices,
                     quick_replies=[QUIT], done=False, asks_confirmation=False)
    entry_id = _int(which)
    entry = _offers(turn.user).filter(pk=entry_id).first() if entry_id is not None else None
    if entry is None:
        return Reply(joined(errors.OfferNotFound.message), quick_replies=again)
    if not turn.confirmed:
        from django.utils import timezone

        card = _slot_card(entry.slot, None)
        until = timezone.localtime(entry.offer_expires_at)
        return Reply(say("候补到位：%(slot)s，名额为您保留到 %(until)s，确认预约吗？", slot=_slot_label(entry.slot),
                         until=f"{until:%H:%M}"), cards=[card],
                     quick_replies=[QuickReply(gettext_noop("确认预约"), "确认"), QUIT],
                     done=False, asks_confirmation=True)
    try:
        booking = actions.waitlist_accept(resident=turn.user, entry_id=entry.pk)
    except errors.OfferExpired as exc:
        turn.state["offers_told"] = [*(turn.state.get("offers_told") or ())[-9:], entry.pk]
        return Reply(say("%(slot)s：", slot=_slot_label(entry.slot)) + joined(exc.message)
                     + gettext_noop("可以看看别的时段。"), quick_replies=again)
    except errors.RealnameRequired as exc:
        return Reply(joined(exc.message, gettext_noop("完成实名认证后回复“确认预约”，名额保留期内仍可确认。")),
                     cards=[Card("realname", "realname", "去实名认证", {"action": "realname", "url": REALNAME_URL})],
                     quick_replies=[QuickReply(gettext_noop("确认预约"), "确认")], done=False, asks_confirmation=True)
    except errors.Busy as exc:
        return Reply(joined(exc.message, gettext_noop("要再试一次吗？")), quick_replies=[RETRY, QUIT],
                     done=False, asks_confirmation=True)
    except PortalError as exc:  # slot_unavailable, limit_reached, suspended, already_booked: the action's sentence
        return Reply(joined(exc.message), quick_replies=again)
    return _booked(booking)


def _waitlist(turn: Turn, slot_id: int | None) -> Reply:
    from booking import actions, errors, queries
    from portal.core.errors import PortalError

    if slot_id is None:
        return _offer_slots(turn)
    try:
        slot = queries.slot_get(slot_id=slot_id)
    except errors.SlotNotFound:
        return _offer_slots(turn, note=say("这个时段找不到了，"))
    label = _slot_label(slot)
    if not turn.confirmed:
        return Reply(say("为您加入 %(slot)s 的候补：有人取消时会通知您，请在通知里的时限内确认。确认加入吗？",
                         slot=label),
                     quick_replies=[QuickReply(gettext_noop("确认加入"), "确认"), QUIT],
                     done=False, asks_confirmation=True)
    try:
        entry = actions.waitlist_join(resident=turn.user, slot_id=slot_id, party_size=_party(turn.slots))
    except errors.WaitlistNotNeeded:
        turn.slots[CHOICE] = str(slot_id)
        reply = _book_chosen(turn, slot_id, confirmed=False)
        reply.text = gettext_noop("这个时段又有空位了，可以直接预约。") + reply.text
        return reply
    except errors.RealnameRequired as exc:
        return Reply(joined(exc.message, gettext_noop("完成实名认证后说“继续”。")),
                     cards=[Card("realname", "realname", "去实名认证",
                                 {"action": "realname", "url": REALNAME_URL})],
                     quick_replies=[QuickReply(gettext_noop("继续"), "继续")], done=False, asks_confirmation=False)
    except PortalError as exc:
        return Reply(joined(exc.message), quick_replies=[MY_BOOKINGS])
    position = queries.waitlist_position(entry)
    ahead = say("您排第 %(n)s 位，", n=position) if position else ""
    return Reply(say("已加入 %(slot)s 的候补。", slot=label) + ahead + gettext_noop("有人取消时会通知您。"),
                 quick_replies=[MY_BOOKINGS, OTHER_SLOTS])


@skill(
    "venue.search",
    title=gettext_noop("查找场馆"),
    examples=[
        "附近有羽毛球馆吗",
        "哪里可以打篮球",
        "游泳馆几点开门",
        "体育中心在哪里",
        "场馆开放时间",
        "离我最近的足球场",
        "有什么免费的运动场所",
        "篮球场收费吗",
        "sports venues near me",
    ],
    keywords={
        "场馆": 0.5,
        "开放时间": 0.85,
        "开放到": 0.8, "开到": 0.6, "开放": 0.5, "晚上还开": 0.8, "还开着": 0.8, "几点关": 0.8,
        "营业时间": 0.8,
        "开门": 0.5,
        "关门": 0.5,
        "开到几点": 0.7,
        "附近+{sport}": 0.85,
        "附近+场馆": 0.9,
        "附近+场地": 0.85,
        "附近+球场": 0.85,
        "最近+{sport}": 0.8,
        "哪里+{sport}": 0.8,
        "在哪+{sport}": 0.8,
        "哪有+{sport}": 0.85,
        "去哪+{sport}": 0.85,  # 去哪打羽毛球, 孩子学游泳去哪 (哪里 is a cue already; 去哪 alone was not)
        "哪儿+{sport}": 0.8,
        "哪个+场馆": 0.7,
        "哪些+场馆": 0.8,
        "哪里+场馆": 0.8,
        "场馆+在哪": 0.85,
        "体育中心": 0.5,
        "运动场所": 0.8,
        "健身圈": 0.85,
        "操场": 0.6,
        "{sport}场+在哪": 0.85,
        "{sport}+收费": 0.75,
        "{sport}+多少钱": 0.75,
        "{sport}+电话": 0.6,
        "{sport}+几楼": 0.7,
        "{sport}+对外开放": 0.8,
        "对外开放": 0.6,
        "停车": 0.5,
        "{sport}": 0.3,
        "哪些+{sport}": 0.8,
        "哪个+{sport}馆": 0.8, "哪家+{sport}": 0.75, "人少": 0.5, "人多不多": 0.6,
        "{district}+{sport}": 0.5,
        "{sport}馆": 0.45,
        "{sport}室": 0.45,
        "{sport}场": 0.3,
    },
    negative={**_NOT_A_VENUE, "预约": 0.5, "取消": 0.9, "我的预约": 0.9, "医生": 0.8, "运动建议": 0.9},
)
def venue_search(turn: Turn) -> Reply:
    """``queries.venues_search`` with the resident's sport, town and date/time: venue cards with
    distance (from the town named), open now and free places today (``annotate_free_places``)."""
    from datetime import datetime

    from django.utils import timezone

    from booking import cards as booking_cards
    from booking import queries

    slots = turn.slots
    sport = slots.get("sport")
    place = _place(slots)
    t_from = _clock(slots.get("time_from"))
    day = _day(slots)
    open_at = None
    if t_from:
        open_at = datetime.combine(day or timezone.localdate(), t_from, tzinfo=timezone.get_current_timezone())
    if place.near:
        hits = queries.venues_search(near=place.near, radius_m=place.radius_m, sport=sport, open_at=open_at)
    else:
        hits = queries.venues_search(sport=sport, town=place.town, open_at=open_at, order="availability")
    if place.district:
        hits = [h for h in hits if h.venue.district == place.district]
    when = _when(slots) if open_at else None
    farther = False
    if not hits and place.near:  # only a town has a centre (a district is a filter)
        # None in the town: the nearest ones beyond it (花木 has no tennis court; 陆家嘴 has).
        hits = queries.venues_search(near=place.near, radius_m=FARTHER_RADIUS_M, sport=sport, open_at=open_at)
        farther = bool(hits)
    if not hits:
        return Reply(say("没有找到%(venues)s。", venues=_Venues(sport, when, within=place.label, public=True))
                     + gettext_noop("换个地方或项目试试？"),
                     quick_replies=[QuickReply(gettext_noop("全部场馆"), "#intent:venue.search"),
                                    QuickReply(gettext_noop("预约场地"), "约场")])
    asks_day = day is not None and open_at is None  # 后天开门吗: that day's hours, not today's
    if asks_day:
        hits = _venues_named(turn.text, hits) or hits
    shown = hits[:MAX_CARDS]
    if place.near:  # order="availability" has already counted today's free places
        queries.annotate_free_places(shown, sport=sport)
    order = say("由近到远") if place.near else say("今天空位多的在前")
    if farther:
        text = say("%(place)s附近没有%(venues)s，离得最近的（%(order)s）：", place=place.label,
                   venues=_Venues(sport, when, public=True), order=order)
    else:
        text = say("%(venues)s有 %(n)s 个（%(order)s）：", venues=_Venues(sport, when, near=place.label), n=len(hits),
                   order=order)
    days = queries.venues_day_hours([h.venue for h in shown], date=day) if asks_day else {}
    if asks_day and not farther:
        text = _day_answer(shown, days, _when(slots), place, sport, order, count=len(hits))
    cards = []
    for hit in shown:
        data = booking_cards.venue_card(hit)
        if asks_day:  # the day asked about, not today (open_now, free_places_today stay today's)
            hours = days[hit.venue.pk]
            data.update({"subtitle": " · ".join(p for p in (hit.venue.town, _distance(hit.distance_m),
                                                            _day_state(hours)) if p),
                         "date": day.isoformat(), "open_on_date": hours.open, "hours_on_date": _hours(hours)})
        if hit.venue.bookable:
            data["payload"] = f"#intent:venue.book?venue={hit.venue.pk}" + (f"&sport={sport}" if sport else "")
        cards.append(Card(data.pop("type"), data.pop("id"), data.pop("title"), data))
    quick = [QuickReply(gettext_noop("预约场地"), "#intent:venue.book" + (f"?sport={sport}" if sport else ""))]
    return Reply(text, cards=cards, quick_replies=quick)


class _Venues:
    """The venues a search is about: 张江镇附近明天（11月26日 周四） 19:00 开放的能打羽毛球的场馆 / venues for
    badminton near 张江镇 open tomorrow (Thu 26 Nov), 19:00 (``near`` adds 附近, ``within`` not)."""

    def __init__(self, sport: str | None, when: Text | None, *, near: str = "", within: str = "",
                 public: bool = False):
        self.sport, self.when, self.near, self.within, self.public = sport, when, near, within, public

    def render(self, language: str) -> str | None:
        if language == CHINESE:
            return "".join((f"{self.near}附近" if self.near else self.within,
                            f"{self.when} 开放的" if self.when else "",
                            f"能{_play(self.sport)}的" if self.sport else "", "公共场馆" if self.public else "场馆"))
        sport = render(Word(self.sport), language) if self.sport else ""
        when = render(self.when, language) if self.when else ""
        if sport is None or when is None:
            return None
        return " ".join(p for p in ("public venues" if self.public else "venues", sport and f"for {sport}",
                                    self.near and f"near {self.near}", self.within and f"in {self.within}",
                                    when and f"open {when}") if p)


class _OpenHours:
    """A day's opening hours: 08:00-12:00、14:00-21:00 / 08:00–12:00, 14:00–21:00."""

    def __init__(self, day):
        self.day = day

    def render(self, language: str) -> str:
        if language == CHINESE:
            return _hours(self.day)
        return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.day.hours)


def _venues_named(text: str, hits: list) -> list:
    """The venues a message names, fully (花木市民体育中心) or by the end of the name with the town
    (花木体育中心, 张江游泳馆): the longest ending said wins; none named → []."""
    from portal.nlu.normalize import normalize

    said = normalize(text).replace(" ", "")
    best, named = 0, []
    for hit in hits:
        name = normalize(hit.venue.name).replace(" ", "")
        core = name.removeprefix(normalize(hit.venue.town)).removeprefix(_short_town(hit.venue.town))
        length = len(name) + 10 if name in said else max(
            (n for n in range(3, len(core) + 1) if core[-n:] in said), default=0)
        if length > best:
            best, named = length, [hit]
        elif length and length == best:
            named.append(hit)
    return named


def _hours(day) -> str:
    return "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in day.hours)


def _day_state(day) -> str:
    if day.closed_by_venue:
        return "暂停开放"
    return f"开放 {_hours(day)}" if day.hours else "不开放"


def _day_answer(shown: list, days: dict, when: Text, place: _Place, sport: str | None, order: Text, *,
                count: int) -> Text:
    """Whether the venue asked about opens on the day asked (its hours that day, a holiday's, a
    closure its staff made), or each venue's hours that day."""
    from booking.schedule import DayKind

    first = days[shown[0].venue.pk]
    kind = {DayKind.HOLIDAY: say("（法定节假日，按节假日时间）"),
            DayKind.ADJUSTED_WORKDAY: say("（调休上班日，按工作日时间）")}.get(first.kind, "")
    if len(shown) > 1:
        return say("%(venues)s有 %(n)s 个，%(when)s%(kind)s的开放时间（%(order)s）：",
                   venues=_Venues(sport, None, near=place.label), n=count, when=when, kind=kind, order=order)
    name = shown[0].venue.name
    if first.closed_by_venue:  # the staff's reasons, as they wrote them
        reasons = "、".join(first.reasons) or say("场馆安排")
        return say("%(venue)s%(when)s因“%(reasons)s”暂停开放。", venue=name, when=when, reasons=reasons)
    if not first.hours:
        return say("%(venue)s%(when)s%(kind)s不开放。", venue=name, when=when, kind=kind)
    return say("%(venue)s%(when)s%(kind)s开放，时间 %(hours)s。", venue=name, when=when, kind=kind,
               hours=_OpenHours(first))


@skill(
    "booking.list",
    title=gettext_noop("我的预约"),
    examples=["我的预约", "我约了哪些场", "查看预约记录", "我订的场地是几号场", "my bookings"],
    keywords={
        "我的预约": 0.95,
        "预约记录": 0.9,
        "查看+预约": 0.6,
        "我+预约": 0.4,
        "我的订单": 0.85,
        "订了什么": 0.8,
        "约的是": 0.7,
        "几个预约": 0.85,
        "我约了": 0.85, "我订了": 0.85, "约了+几点": 0.85, "订了+哪些": 0.85, "约了+哪些": 0.85,
        "预约信息": 0.85, "查询+预约": 0.7, "我的+场地预约": 0.9,
        "约的+记录": 0.85, "订的+记录": 0.85, "上周+约": 0.7, "场地+记录": 0.8,
        # Asking whether one has a booking at all (我预约了吗, 我有没有预约, 约了没): the list answers it.
        "预约了吗": 0.85, "预约了没": 0.85, "约了没": 0.85, "订了没": 0.85,
        "有没有预约": 0.85, "有预约吗": 0.85, "预约成功+吗": 0.8, "预约成功+没": 0.8,
        **dict.fromkeys(_GOT_A_PLACE, 0.85),
        "订的+场": 0.7,
        "约的+场": 0.7,
        "上次+订": 0.6,
        "我订": 0.5,
    },
    negative={"取消": 0.9, "就诊": 0.8, "医生": 0.8, "挂号": 0.8, "体检": 0.8, "疫苗": 0.8, "门诊": 0.8,
              **_NOT_A_VENUE},
    personal=True,
    remembers=(),  # only what this message names narrows the list: not a sport said before
)
def booking_list(turn: Turn) -> Reply:
    """The resident's upcoming bookings (``queries.bookings_of_resident``, like
    ``GET /api/v1/bookings/?scope=upcoming``); a day or sport the message names (我有没有约明天的羽毛球)
    narrows them, and when none is of that day or sport, that is said before the others."""
    from booking import queries

    upcoming = list(queries.bookings_of_resident(resident=turn.user, scope="upcoming")[:20])
    notes = _booking_notes(turn.user)
    if not upcoming:
        return Reply(gettext_noop("您目前没有待使用的场地预约。") + notes,
                     quick_replies=[QuickReply(gettext_noop("预约场地"), "约场")])
    day, sport = _day(turn.slots), turn.slots.get("sport")
    named = [b for b in upcoming if (not day or b.starts_at.astimezone(_tz()).date() == day)
             and (not sport or b.slot.sport == sport)]
    lead = ""
    if day or sport:
        what = _what({"date": turn.slots.get("date") if day else None, "sport": sport})
        if named:
            lead, upcoming = say("%(what)s：", what=what), named
        else:
            lead = say("没有找到%(what)s的预约。", what=what)
    shown = upcoming[:MAX_CARDS]
    if len(upcoming) > len(shown):
        count = say("您有 %(n)s 个待使用的预约，先列出最近的 %(shown)s 个。", n=len(upcoming), shown=len(shown))
    else:
        count = say("您有 %(n)s 个待使用的预约。", n=len(upcoming))
    return Reply(lead + count + gettext_noop("开场前后可在预约里出示签到码签到：") + notes,
                 cards=[_booking_card(b) for b in shown],
                 quick_replies=[CANCEL_BOOKING, QuickReply(gettext_noop("再约一个"), "约场")])


def _booking_notes(user) -> str:
    """What else 我的预约 should say: bookings of days to come that the venue cancelled (the
    notification's news, with the reason) and the resident's waiting-list places; one line each."""
    from django.utils import timezone

    from booking import queries
    from booking.models import WaitlistEntry

    lines = []
    for booking in queries.bookings_cancelled_by_venue(resident=user)[:MAX_CARDS]:
        if booking.slot.blocked_reason:  # the staff's words: said as they wrote them
            lines.append(say("%(booking)s 的预约已被场馆取消（%(reason)s）。", booking=_booking_label(booking),
                             reason=booking.slot.blocked_reason))
        else:
            lines.append(say("%(booking)s 的预约已被场馆取消。", booking=_booking_label(booking)))
    for entry in queries.waitlist_open_of_resident(resident=user)[:MAX_CARDS]:
        label = _slot_label(entry.slot)
        if entry.status == WaitlistEntry.Status.OFFERED and entry.offer_expires_at:
            expires = timezone.localtime(entry.offer_expires_at)
            lines.append(say("%(slot)s 的候补有空位了，请在 %(until)s 前确认预约（回复“确认预约”即可）。", slot=label,
                             until=f"{expires:%H:%M}"))
        else:
            position = queries.waitlist_position(entry)
            lines.append(say("%(slot)s 在候补中，您排第 %(n)s 位。", slot=label, n=position) if position
                         else say("%(slot)s 在候补中。", slot=label))
    return joined(*(part for line in lines for part in ("\n", line)))


@skill(
    "booking.cancel",
    title=gettext_noop("取消预约"),
    examples=["取消预约", "明天的场不去了", "退订", "把周六的预约取消掉", "cancel my booking"],
    keywords={
        "取消": 0.7,
        "取消+预约": 0.95,
        "取消+场": 0.9,
        "取消+{sport}": 0.9,
        "取消+我的预约": 0.95,
        "能退吗": 0.7,
        "退+场": 0.7,
        "{sport}+退": 0.6,
        # 明天那个场不要了, 周六的预约不去了: said of a booking, not a reset (nor a new search)
        "场+不要了": 0.85, "预约+不要了": 0.9, "场+不去了": 0.85, "预约+不去了": 0.9, "场+去不了": 0.85,
        # 今天的网球不打了, 后天的篮球场我不想去了: not playing what was booked
        **{f"{what}+{word}": 0.85 for what in ("场", "预约", "{sport}") for word in _NOT_GOING},
    },
    negative={
        "签约": 0.9,
        "医生": 0.8,
        "就诊": 0.8,
        "挂号": 0.8,
        "订单": 0.3,
        "机票": 0.95,
        "火车票": 0.95,
        "酒店": 0.9,
        "闹钟": 0.9,
        "提醒": 0.8,
        "外卖": 0.9,
        "会员": 0.9,
    },
    personal=True,
    writes=True,
    remembers=(),  # only what this message names narrows which booking: not a sport said before
)
def booking_cancel(turn: Turn) -> Reply:
    """Which booking (the only one, the one the resident named, or a pick among the cards), an
    explicit yes, then ``actions.booking_cancel`` — the action of ``POST /api/v1/bookings/{id}/cancel/``,
    so the deadline and every other refusal come from there."""
    from booking import actions, errors, queries
    from booking.models import BookingStatus
    from portal.core.errors import PortalError

    booking_id = _int(turn.slots.get(CHOICE))
    note = ""
    if booking_id is None:
        upcoming = [b for b in queries.bookings_of_resident(resident=turn.user, scope="upcoming")[:20]
                    if b.status == BookingStatus.CONFIRMED]
        day, sport = _day(turn.slots), turn.slots.get("sport")
        named = [b for b in upcoming if (not day or b.starts_at.astimezone(_tz()).date() == day)
                 and (not sport or b.slot.sport == sport)]
        if upcoming and not named:
            note = say("没有找到%(what)s的预约。", what=_what(turn.slots))
            named = upcoming
        if not named:
            return Reply(gettext_noop("您目前没有可以取消的场地预约。"), quick_replies=[MY_BOOKINGS])
        if len(named) > 1:
            shown = named[:MAX_CARDS]
            return Reply(note + say("您有 %(n)s 个预约，要取消哪一个？", n=len(named)),
                         cards=[_booking_card(b, pick=True) for b in shown],
                         choices=[_booking_choice(b) for b in shown], quick_replies=[KEEP_IT],
                         done=False, asks_confirmation=False)
        booking_id = named[0].pk
        turn.slots[CHOICE] = str(booking_id)
    if not turn.confirmed:
        try:
            booking = queries.booking_of_resident(resident=turn.user, booking_id=booking_id)
        except errors.BookingNotFound as exc:
            return Reply(joined(exc.message), quick_replies=[MY_BOOKINGS])
        card = _booking_card(booking)
        # 明天的羽毛球取消掉 with only Friday's booking: say there is none tomorrow before offering Friday's.
        return Reply(note + say("确认取消 %(booking)s 的预约吗？", booking=_booking_label(booking)), cards=[card],
                     quick_replies=[QuickReply(gettext_noop("确认取消"), "确认"), KEEP_IT],
                     done=False, asks_confirmation=True)
    try:
        booking = actions.booking_cancel(resident=turn.user, booking_id=booking_id)
    except errors.Busy as exc:
        return Reply(joined(exc.message, gettext_noop("要再试一次吗？")), quick_replies=[RETRY, KEEP_IT],
                     done=False, asks_confirmation=True)
    except PortalError as exc:  # cancel_deadline_passed, not_cancellable, booking_not_found: the action's sentence
        return Reply(joined(exc.message), quick_replies=[MY_BOOKINGS])
    return Reply(say("已取消 %(booking)s 的预约。", booking=_booking_label(booking)),
                 quick_replies=[MY_BOOKINGS, QuickReply(gettext_noop("重新约一个"), "约场")])


def _why_none(venue_id: int | None, day, sport: str | None) -> str | Text:
    """Why the one venue asked for has nothing to book that day, when the reason is not that it is
    booked up: closed by the venue (with the reason it gave), closed that day, not released yet."""
    from django.utils import timezone

    from booking import queries
    from booking.models import Slot, Venue

    venue = Venue.objects.filter(pk=venue_id).first() if venue_id else None
    if venue is None:
        return ""
    slots = queries.slots_for_venue(venue_id=venue.pk, date=day, sport=sport).filter(start__gt=timezone.now())
    states = set(slots.values_list("state", "blocked_reason"))
    if not states:
        return queries.no_slots_reason(venue, date=day, sport=sport, now=timezone.now())
    if all(state == Slot.State.BLOCKED for state, _ in states):
        reasons = "、".join(sorted({reason for _, reason in states if reason})) or say("场地维护")
        return say("%(venue)s%(day)s因“%(reasons)s”暂停预约。", venue=venue.name, day=Day(day, short=True),
                   reasons=reasons)
    return ""


@skill(
    "fitness.guide",
    title=gettext_noop("运动建议"),
    examples=[
        "高血压适合做什么运动",
        "老人每天走多少步合适",
        "想减肥怎么锻炼",
        "膝盖不好能跑步吗",
        "运动建议",
        "给我个健身计划",
        "exercise advice",
    ],
    keywords={
        "运动建议": 0.95,
        "锻炼": 0.7,
        "减肥": 0.75,
        "健身计划": 0.9,
        "运动+注意": 0.8,
        "适合+运动": 0.85,
        "能+跑步": 0.6,
        "能+游泳": 0.5,
        "多少步": 0.85,
        "走路": 0.5,
        "运动+多少": 0.8,
        "运动+多久": 0.8,
        "跑+多久": 0.8,
        "跑步+多久": 0.85,
        "会不会太": 0.6, "公里": 0.5, "{sport}+会不会": 0.7, "运动+合适": 0.85, "锻炼+合适": 0.85,
        "多久+运动": 0.85, "可以运动": 0.7, "怎么运动": 0.85,
        "能做什么运动": 0.9,
        "什么运动": 0.8,
        "久坐": 0.7,
        "拉伸": 0.8,
        "运动量": 0.85,
        "快走": 0.75, "散步": 0.7, "骨质疏松": 0.6, "关节炎": 0.6, "颈椎": 0.6, "腰椎": 0.6,
        "能做哪些运动": 0.9, "做哪些运动": 0.9, "够吗": 0.4, "半小时": 0.4, "每天+走": 0.7,
        "适合+{sport}": 0.8, "运动+适合": 0.85, "关节+运动": 0.8, "膝盖": 0.5,
        "高血压+运动": 0.9,
        "糖尿病+运动": 0.9,
        "孕妇+运动": 0.9,
        "老人+运动": 0.85,
        # 啥 for 什么, and the conditions the guides cover said with 运动 (我70岁了能做点啥运动)
        "啥运动": 0.8, "岁+运动": 0.8, "血压+运动": 0.9, "血脂+运动": 0.9, "血糖+运动": 0.9, "心脏+运动": 0.85,
        "怀孕+运动": 0.9,
    },
    negative={"预约": 0.6, "场地": 0.6, **_NOT_A_VENUE},
)
def fitness_guide(turn: Turn) -> Reply:
    """The guide for the condition or goal the resident names (``queries.fitness_guides``, as
    ``GET /api/v1/fitness/guides/?q=&near=``), with venues near the town they named for its sports."""
    from booking import queries

    place = _place(turn.slots)
    guides = queries.fitness_guides(q=turn.text, near=place.near, radius_m=place.radius_m)
    if not guides and turn.slots.get("guide"):  # "张江附近呢" after a guide: the same guide, near there
        guides = queries.fitness_guides(q=turn.slots["guide"], near=place.near, radius_m=place.radius_m)
    if not guides:
        return Reply(GENERAL_ADVICE, quick_replies=[QuickReply(title, text) for title, text in _GUIDE_STARTERS])
    guide = guides[0]
    turn.slots["guide"] = guide["title"]
    activities = "；".join(f"{a['name']}（{_clause(a['how'])}）" for a in guide["activities"][:3])
    cautions = "；".join(_clause(c) for c in guide["cautions"][:2]) + "。"
    text = (f"{guide['title']}：{guide['summary']}\n推荐：{activities}\n强度：{guide['intensity']}\n"
            f"频率：{guide['frequency']}\n注意：{cautions}\n{guide['general_note']}")
    cards = [Card("venue", v["id"], v["name"],
                  {"subtitle": f"{v['sport']} · {_distance(v['distance_m'])}" + (" · 免费" if v["is_free"] else ""),
                   "distance_m": v["distance_m"], "sport": v["sport"], "bookable": v["bookable"],
                   **({"payload": f"#intent:venue.book?venue={v['id']}&sport={v['sport']}"} if v["bookable"] else {})})
             for v in guide["nearby_venues"][:MAX_CARDS]]
    if cards:
        text += f"\n{place.label}附近适合的场馆："
        quick = []
    else:
        quick = [QuickReply(f"哪里可以{_play(s)}", f"#intent:venue.search?sport={s}")
                 for s in guide["venue_sports"][:3]]
        if not place.label:
            text += "\n告诉我您在哪个镇（比如“张江附近”），我帮您找附近适合的场馆。"
    return Reply(text, cards=cards, quick_replies=[*quick, QuickReply("咨询家庭医生", "咨询家庭医生")])


def _tz():
    from django.utils import timezone

    return timezone.get_current_timezone()


SPORT_QUICK_REPLIES = [QuickReply(s, s) for s in SPORT_CHOICES]
__all__ = ["SPORT_QUICK_REPLIES", "TIME_QUICK_REPLIES", "Card"]
