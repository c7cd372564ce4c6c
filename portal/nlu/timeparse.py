"""Dates and times as residents say them, resolved against an injectable "now" (Asia/Shanghai).

Dates: 今天/明天/后天/大后天 (in Shanghai also 今朝/明朝/后日), 周六/星期天/礼拜三, 这周六/下周日/下下周一,
这周末/下周末, 11月3日/11月3号, 3号, 下个月5号, 3天后, 2026-11-25, 11/3.
Times: 七点/7点半/7点15(分)/19:00, 上午/下午/晚上/中午/傍晚, 上半天/下半天 (DESIGN §5 defaults: 上午 08–12,
下午 12–18, 晚上 18–22), 明早/明晚/今晚, 8点到10点, 8-10点, 下午3点到5点; English 7pm, 7:30 am. A number
after the hour that counts people or things (7点2人, 7点2个场) is no minutes.

Why our own parser rather than ChineseTimeNLP or jionlp: see docs/nlu.md (measured side by
side on the same phrases; ours is exact on the booking phrases, runs in microseconds and brings
no extra dependency).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

PERIODS: dict[str, tuple[int, int]] = {
    "上午": (8, 12), "早上": (8, 12), "早晨": (8, 12), "清早": (8, 12), "一早": (8, 12), "早": (8, 12),
    "上半天": (8, 12), "上半日": (8, 12),  # as Shanghai says 上午 and 下午
    "中午": (12, 14), "下午": (12, 18), "午后": (12, 18), "下半天": (12, 18), "下半日": (12, 18), "傍晚": (17, 19),
    "晚上": (18, 22), "夜里": (18, 22), "晚": (18, 22), "夜": (18, 22),
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "今儿": 0, "今": 0, "明天": 1, "明日": 1, "明儿": 1, "明": 1,
                  "后天": 2, "後天": 2, "大后天": 3, "昨天": -1,
                  "今朝": 0, "明朝": 1, "后日": 2, "大后日": 3}  # 今朝, 明朝, 后日: Shanghai's today, tomorrow …

_PERIOD_RE = "上午|早上|早晨|清早|一早|上半天|上半日|中午|下午|午后|下半天|下半日|傍晚|晚上|夜里"
# 明朝 of the dynasty (明朝末年), 后日 in 以后日子 / 前后日期 are no day.
_DAYWORD_RE = re.compile(r"(大后天|后天|明天|明日|明儿|今天|今日|今儿"
                         r"|今朝|明朝(?![代末初年皇人])|大后日|后日(?![子期常]))")
_DAY_PERIOD_RE = re.compile(r"(今|明)(早|晚)")  # 明早, 明晚, 今晚上
_WEEK_RE = re.compile(r"(下下|下|这|本|上)?(?:个)?(?:周|星期|礼拜)(?:的)?(?:周|星期|礼拜)?([一二三四五六日天末1-7])")
_MONTH_DAY_RE = re.compile(r"(\d{1,2})月(\d{1,2})(?:日|号)?")
# 2号场, 5号台, 3号馆 name a court, a table, a hall: not a day of the month (nor, after 19点, minutes).
_NUMBERED_PLACE = "场台馆楼池道线口位门厅房窗桌"
_DAY_ONLY_RE = re.compile(rf"(?:(下个月|下月|本月|这个月)|(?<![\d月]))(\d{{1,2}})(?:日|号(?![{_NUMBERED_PLACE}]))")
_ISO_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_SLASH_RE = re.compile(r"(?<![\d:])(\d{1,2})/(\d{1,2})(?![\d/])")
_IN_DAYS_RE = re.compile(r"(\d{1,2})天(?:后|以后|之后)")

# How many people, as a count is said (2人, 3个人, 两位, 5口人): a number before one of these is a party,
# never the minutes of the clock time just before it (7点2人 is 07:00 for two, not 07:02); nor is a
# number counting something (7点2个场).
PEOPLE = r"(?:个人|个大人|人|位|口人)"
_CLOCK = (rf"(\d{{1,2}})(?:(?::|：)(\d{{2}})"
          rf"|点(?:钟)?(?:(半)|(\d{{1,2}})(?![\d号个]|{PEOPLE})(?:分)?|(一刻)|(三刻))?|时)")
_CLOCK_RE = re.compile(rf"(?:({_PERIOD_RE}|早|晚))?\s*{_CLOCK}")
_RANGE_RE = re.compile(rf"(?:({_PERIOD_RE}|早|晚))?\s*(?:从)?{_CLOCK}\s*(?:到|至|-|~)\s*(?:({_PERIOD_RE}))?\s*{_CLOCK}")
_BARE_RANGE_RE = re.compile(rf"(?:({_PERIOD_RE}))?\s*(\d{{1,2}})\s*(?:到|至|-|~)\s*(\d{{1,2}})\s*点")
_PERIOD_ONLY_RE = re.compile(rf"({_PERIOD_RE})")
_EARLY_LATE_CLOCK_RE = re.compile(r"(?:早|晚)\s*\d")  # 早8点, 晚7点: a part of the day said in one character
_EN_TIME_RE = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)")
_EN_AT_RE = re.compile(r"\b(?:at|from)\s+(\d{1,2})(?::(\d{2}))?\b")
_EN_TO_RE = re.compile(r"(\d{1,2}(?::\d{2})?)\s*(?:to|until|till)\s*(\d{1,2})")


@dataclass(frozen=True)
class When:
    date: date | None = None
    time_from: time | None = None
    time_to: time | None = None

    def as_slots(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.date:
            out["date"] = self.date.isoformat()
        if self.time_from:
            out["time_from"] = self.time_from.strftime("%H:%M")
        if self.time_to:
            out["time_to"] = self.time_to.strftime("%H:%M")
        return out


def now_shanghai() -> datetime:
    return datetime.now(SHANGHAI)


def _today(now: datetime | None) -> date:
    now = now or now_shanghai()
    if now.tzinfo is not None:
        now = now.astimezone(SHANGHAI)
    return now.date()


def _english(text: str) -> str:
    """7pm → 下午7点, 7:30 am → 上午7点30, at 7 → 7点, 8 to 10 → 8到10点."""
    def pm(match: re.Match) -> str:
        hour, minute, suffix = int(match.group(1)), match.group(2), match.group(3)
        period = "下午" if suffix.startswith("p") and hour < 6 else ("晚上" if suffix.startswith("p") else "上午")
        return f"{period}{hour}点{minute or ''}"

    text = _EN_TIME_RE.sub(pm, text)
    text = _EN_TO_RE.sub(lambda m: f"{m.group(1)}到{m.group(2)}点", text)
    return _EN_AT_RE.sub(lambda m: f"{m.group(1)}点{m.group(2) or ''}", text)


def parse_date(text: str, now: datetime | None = None) -> date | None:
    """The first date the text names, resolved relative to ``now`` (Asia/Shanghai)."""
    today = _today(now)
    text = text.replace(" ", "")
    found: list[tuple[int, date]] = []

    for match in _ISO_RE.finditer(text):
        try:
            found.append((match.start(), date(int(match.group(1)), int(match.group(2)), int(match.group(3)))))
        except ValueError:
            pass
    for match in _DAYWORD_RE.finditer(text):
        found.append((match.start(), today + timedelta(days=_RELATIVE_DAYS[match.group(1)])))
    for match in _DAY_PERIOD_RE.finditer(text):
        found.append((match.start(), today + timedelta(days=_RELATIVE_DAYS[match.group(1)])))
    for match in _IN_DAYS_RE.finditer(text):
        found.append((match.start(), today + timedelta(days=int(match.group(1)))))
    for match in _WEEK_RE.finditer(text):
        prefix, day = match.group(1) or "", match.group(2)
        weekday = _WEEKDAYS[day]
        monday = today - timedelta(days=today.weekday())
        if prefix in ("下", "下下"):
            target = monday + timedelta(weeks=len(prefix), days=weekday)
        elif prefix in ("这", "本"):
            target = monday + timedelta(days=weekday)
            if day == "末" and today.weekday() == 6:
                target = today  # 这周末 said on a Sunday: today
            elif target < today:
                target += timedelta(weeks=1)
        elif prefix == "上":
            target = monday - timedelta(weeks=1) + timedelta(days=weekday)
        else:  # 周六: the next one, today included
            target = today + timedelta(days=(weekday - today.weekday()) % 7)
            if day == "末" and today.weekday() == 6:
                target = today
        found.append((match.start(), target))
    month_day_spans = []
    for match in _MONTH_DAY_RE.finditer(text):
        month_day_spans.append(match.span())
        target = _month_day(today, int(match.group(1)), int(match.group(2)))
        if target:
            found.append((match.start(), target))
    for match in _SLASH_RE.finditer(text):
        target = _month_day(today, int(match.group(1)), int(match.group(2)))
        if target:
            found.append((match.start(), target))
    for match in _DAY_ONLY_RE.finditer(text):
        if any(a <= match.start(2) < b for a, b in month_day_spans):
            continue
        day = int(match.group(2))
        month_word = match.group(1) or ""
        year, month = today.year, today.month
        if month_word.startswith("下"):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        elif not month_word and day < today.day:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        try:
            found.append((match.start(), date(year, month, day)))
        except ValueError:
            pass
    if not found:
        return None
    found.sort(key=lambda f: f[0])
    return found[0][1]


def _month_day(today: date, month: int, day: int) -> date | None:
    try:
        target = date(today.year, month, day)
    except ValueError:
        return None
    if target < today - timedelta(days=1):
        try:
            target = date(today.year + 1, month, day)
        except ValueError:
            return None
    return target


def _hour(period: str | None, hour: int) -> int:
    if period in ("下午", "午后", "下半天", "下半日", "傍晚", "晚上", "夜里", "晚", "夜") and hour < 12:
        return hour + 12
    if period == "中午" and hour < 6:
        return hour + 12
    if period in ("上午", "早上", "早晨", "清早", "一早", "上半天", "上半日", "早") and hour == 12:
        return 12
    return hour


def _minute(groups: tuple) -> int:
    colon_minute, half, minute, quarter, three_quarters = groups
    if colon_minute:
        return int(colon_minute)
    if half:
        return 30
    if minute:
        return int(minute)
    if quarter:
        return 15
    if three_quarters:
        return 45
    return 0


def _clock(period: str | None, hour_s: str, groups: tuple, *, bare_afternoon: bool = True) -> time | None:
    hour = int(hour_s)
    if not 0 <= hour <= 24:
        return None
    if period:
        hour = _hour(period, hour)
    elif bare_afternoon and 1 <= hour <= 6:
        hour += 12  # nobody books a court at 3 a.m.: a bare 3点 is 15:00
    minute = _minute(groups)
    if hour == 24:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return time(hour, minute)


def _full_period(period: str | None) -> str | None:
    return {"晚": "晚上", "早": "上午"}.get(period or "", period)


def _compact(text: str) -> str:
    """The text as the time patterns read it: English time words in Chinese, no spaces."""
    return _english(text.replace(" ", " ")).replace(" ", "")


def parse_times(text: str) -> tuple[time | None, time | None]:
    """(time_from, time_to) the text states; an explicit clock time wins over a period word."""
    compact = _compact(text)
    day_period = _DAY_PERIOD_RE.search(compact)
    implied_period = {"早": "上午", "晚": "晚上"}[day_period.group(2)] if day_period else None

    match = _RANGE_RE.search(compact)
    if match:
        period1 = _full_period(match.group(1) or implied_period)
        period2 = match.group(8) or period1
        start = _clock(period1, match.group(2), match.group(3, 4, 5, 6, 7))
        end = _clock(period2, match.group(9), match.group(10, 11, 12, 13, 14))
        if start and end:
            if end <= start and end.hour < 12:
                end = time(end.hour + 12, end.minute)
            return start, end
    match = _BARE_RANGE_RE.search(compact)
    if match:
        period = match.group(1) or implied_period
        start = _clock(period, match.group(2), (None,) * 5)
        end = _clock(period, match.group(3), (None,) * 5)
        if start and end:
            if end <= start and end.hour < 12:
                end = time(end.hour + 12, end.minute)
            return start, end
    match = _CLOCK_RE.search(compact)
    if match:
        period = _full_period(match.group(1) or implied_period)
        start = _clock(period, match.group(2), match.group(3, 4, 5, 6, 7))
        if start:
            return start, None
    match = _PERIOD_ONLY_RE.search(compact)
    period = match.group(1) if match else implied_period
    if period:
        begin, end = PERIODS[period]
        return time(begin), time(end % 24)
    return None, None


def names_period(text: str) -> bool:
    """Whether the text says which part of the day (上午, 晚上, 明早, 7pm …), not just a clock hour."""
    compact = _compact(text)
    return any(pattern.search(compact) for pattern in (_PERIOD_ONLY_RE, _DAY_PERIOD_RE, _EARLY_LATE_CLOCK_RE))


def in_context(at: time, text: str, window: tuple[time | None, time | None]) -> time:
    """A bare clock hour read in the conversation's part of the day: 7点 said about an evening
    (晚上, 18:00–22:00) is 19:00. Unchanged when the text names a part of the day itself, when the
    hour is already 12 or later, or when the afternoon reading falls outside the window."""
    start, end = window
    if at.hour >= 12 or start is None or start.hour < 12 or names_period(text):
        return at
    later = time(at.hour + 12, at.minute)
    return later if end is None or later <= end or end.hour == 0 else at


def parse_when(text: str, now: datetime | None = None) -> When:
    """Date and time range of a message (each None when not stated)."""
    time_from, time_to = parse_times(text)
    return When(parse_date(_english(text), now), time_from, time_to)
