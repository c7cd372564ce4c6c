"""Working days (工作日) for promised time limits, after the State Council's holiday calendar.

``chinese_calendar`` knows official holidays and make-up workdays (调休上班) for the years it ships
data for (chinesecalendar 1.11.0: 2004–2026). For a year it does not know, it raises
``NotImplementedError``; we then fall back to plain Monday–Friday, log a warning once per year,
and report the fallback through :func:`calendar_known` so callers (and staff) can see that a due
date past that horizon is an estimate. Pure Python, no Django.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar

logger = logging.getLogger(__name__)

_warned_years: set[int] = set()


@lru_cache(maxsize=4096)
def _official_workday(day: dt.date) -> bool | None:
    """The official answer, or None when the calendar has no data for that year."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def calendar_known(day: dt.date) -> bool:
    """True when the holiday calendar covers ``day``'s year (so the answer is official)."""
    return _official_workday(day) is not None


def is_workday(day: dt.date) -> bool:
    official = _official_workday(day)
    if official is not None:
        return official
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "holiday calendar has no data for %s: counting Monday–Friday as working days "
            "(upgrade chinesecalendar when the State Council publishes that year's holidays)",
            day.year,
        )
    return day.weekday() < 5


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (the start day itself does not count).

    ``days == 0`` means 即办: the same day if it is a working day, else the next working day.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    if days == 0:
        while not is_workday(current):
            current += dt.timedelta(days=1)
        return current
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_workday(current):
            remaining -= 1
    return current


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: how many working days passed from ``start`` to ``end``."""
    if end <= start:
        return 0
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_workday(current):
            count += 1
    return count
