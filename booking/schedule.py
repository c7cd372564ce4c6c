"""Opening hours for a date, with Chinese public holidays (no Django here).

Rules, in order:

1. a statutory holiday (法定节假日, e.g. 国庆节) uses ``hours["holiday"]`` when the venue sets it,
   else Sunday's hours ("7");
2. a weekend day that is a working day by adjustment (调休上班) uses Monday's hours ("1");
3. any other day uses its ISO weekday's hours ("1" … "7").

``chinesecalendar`` only knows the years the State Council has published (1.11.0: up to 2026) and
raises ``NotImplementedError`` beyond them. For such a year we cannot know the holidays, so every
day gets its regular weekday hours (rule 3) until the package is updated; ``calendar_known(date)``
tells callers (and the admin) when that fallback is in force.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import chinese_calendar

logger = logging.getLogger(__name__)

Interval = tuple[dt.time, dt.time]


class DayKind:
    REGULAR = "regular"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"
    UNKNOWN_YEAR = "unknown_year"


@functools.lru_cache(maxsize=4096)
def day_kind(date: dt.date) -> str:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(date)
    except NotImplementedError:
        _warn_unknown_year(date.year)
        return DayKind.UNKNOWN_YEAR
    if on_holiday and name is not None:
        return DayKind.HOLIDAY
    if not on_holiday and date.isoweekday() >= 6:
        return DayKind.ADJUSTED_WORKDAY
    return DayKind.REGULAR


@functools.lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    logger.warning("chinesecalendar has no holiday data for %s: regular weekday opening hours apply", year)


def calendar_known(date: dt.date) -> bool:
    return day_kind(date) != DayKind.UNKNOWN_YEAR


def parse_intervals(raw: object) -> list[Interval]:
    """``[["06:30", "21:00"], …]`` → sorted time pairs; raises ValueError on bad input."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("opening hours must be a list of [open, close] pairs")
    out: list[Interval] = []
    for pair in raw:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise ValueError(f"bad interval {pair!r}")
        start, end = (dt.time.fromisoformat(str(p)) for p in pair)
        if end <= start:
            raise ValueError(f"interval {pair!r} ends before it starts")
        out.append((start, end))
    return sorted(out)


def hours_for(opening_hours: dict, date: dt.date) -> list[Interval]:
    """The opening intervals of a venue on ``date`` (empty: closed)."""
    kind = day_kind(date)
    key = str(date.isoweekday())
    if kind == DayKind.HOLIDAY:
        key = "holiday" if "holiday" in opening_hours else "7"
    elif kind == DayKind.ADJUSTED_WORKDAY:
        key = "1"
    return parse_intervals(opening_hours.get(key))


def is_open_at(opening_hours: dict, moment: dt.datetime) -> bool:
    """``moment`` is a naive or local (Asia/Shanghai) datetime."""
    clock = moment.time()
    return any(start <= clock < end for start, end in hours_for(opening_hours, moment.date()))


def validate_opening_hours(opening_hours: object) -> None:
    if not isinstance(opening_hours, dict):
        raise ValueError("opening hours must be an object")
    for key, value in opening_hours.items():
        if key not in {"1", "2", "3", "4", "5", "6", "7", "holiday"}:
            raise ValueError(f"unknown key {key!r}: use 1–7 (Monday–Sunday) or holiday")
        parse_intervals(value)
