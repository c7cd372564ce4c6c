"""Dates and times resolved against an injected now (Tuesday 2026-11-24 10:00, Asia/Shanghai)."""

from datetime import datetime

import pytest

from portal.nlu.normalize import normalize
from portal.nlu.timeparse import SHANGHAI, parse_when

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


def when(text: str) -> dict:
    return parse_when(normalize(text), NOW).as_slots()


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("今天", "2026-11-24"), ("明天", "2026-11-25"), ("后天", "2026-11-26"), ("大后天", "2026-11-27"),
        ("周六", "2026-11-28"), ("星期天", "2026-11-29"), ("礼拜三", "2026-11-25"), ("周二", "2026-11-24"),
        ("这周末", "2026-11-28"), ("下周日", "2026-12-06"), ("下周一", "2026-11-30"), ("下下周一", "2026-12-07"),
        ("下周的周六", "2026-12-05"), ("11月3日", "2027-11-03"), ("12月3号", "2026-12-03"), ("3号", "2026-12-03"),
        ("30号", "2026-11-30"), ("下个月5号", "2026-12-05"), ("3天后", "2026-11-27"), ("2026-12-01", "2026-12-01"),
        ("12/5", "2026-12-05"), ("明早", "2026-11-25"), ("明晚", "2026-11-25"), ("今晚", "2026-11-24"),
        ("十二月三号", "2026-12-03"),
    ],
)
def test_dates_resolve_relative_to_now(text, date):
    assert when(text)["date"] == date


def test_dates_resolve_across_a_year_end():
    new_year_eve = datetime(2026, 12, 31, 20, 0, tzinfo=SHANGHAI)
    assert parse_when("明天", new_year_eve).as_slots()["date"] == "2027-01-01"
    assert parse_when("3号", new_year_eve).as_slots()["date"] == "2027-01-03"


def test_now_in_another_time_zone_is_read_in_shanghai():
    late_utc = datetime.fromisoformat("2026-11-24T17:00:00+00:00")  # already the 25th in Shanghai
    early_utc = datetime.fromisoformat("2026-11-24T01:00:00+00:00")  # 09:00 on the 24th in Shanghai
    assert parse_when("今天", late_utc).as_slots()["date"] == "2026-11-25"
    assert parse_when("今天", early_utc).as_slots()["date"] == "2026-11-24"


@pytest.mark.parametrize(
    ("text", "time_from", "time_to"),
    [
        ("上午", "08:00", "12:00"), ("下午", "12:00", "18:00"), ("晚上", "18:00", "22:00"),
        ("明早", "08:00", "12:00"), ("明晚", "18:00", "22:00"),
        ("七点", "07:00", None), ("7点半", "07:30", None), ("19:00", "19:00", None),
        ("晚上七点", "19:00", None), ("下午三点", "15:00", None), ("明晚八点", "20:00", None),
        ("3点", "15:00", None),  # a bare afternoon hour: nobody books at 3 a.m.
        ("8点到10点", "08:00", "10:00"), ("八点-十点", "08:00", "10:00"), ("8-10点", "08:00", "10:00"),
        ("下午2-4点", "14:00", "16:00"), ("晚上7点到9点", "19:00", "21:00"), ("下午3点到5点", "15:00", "17:00"),
        ("10点一刻", "10:15", None), ("9点45分", "09:45", None),
        ("tomorrow at 7pm", "19:00", None), ("7:30 am", "07:30", None), ("from 8 to 10", "08:00", "10:00"),
    ],
)
def test_times_take_explicit_clock_times_over_period_defaults(text, time_from, time_to):
    slots = when(text)
    assert slots.get("time_from") == time_from
    assert slots.get("time_to") == time_to


def test_text_without_dates_or_times_has_none():
    assert when("社保卡怎么办") == {}
    assert when("一网通办") == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19点2号场", {"time_from": "19:00"}), ("晚上7点3号场", {"time_from": "19:00"}),
        ("2号场", {}), ("要乒乓球5号台", {}), ("明天12号场", {"date": "2026-11-25"}),
        ("3号的2号场", {"date": "2026-12-03"}), ("7点10分", {"time_from": "07:10"}),
    ],
)
def test_a_numbered_court_or_table_is_no_day_of_the_month_and_no_minutes(text, expected):
    """19点2号场 was read as 12月2日 19:02: 2号场 names the court."""
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7点2人", {"time_from": "07:00"}), ("七点两人", {"time_from": "07:00"}),
        ("明天晚上7点2人", {"date": "2026-11-25", "time_from": "19:00"}),
        ("下午2点 5个人", {"time_from": "14:00"}), ("8点两位", {"time_from": "08:00"}),
        ("7点2个羽毛球场", {"time_from": "07:00"}), ("7点20分2人", {"time_from": "07:20"}),
    ],
)
def test_a_count_of_people_or_things_after_the_hour_is_no_minutes(text, expected):
    """7点2人 was read as 07:02 (and no party): 2人 counts the people."""
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明朝夜里7点", {"date": "2026-11-25", "time_from": "19:00"}), ("今朝", {"date": "2026-11-24"}),
        ("后日下半天", {"date": "2026-11-26", "time_from": "12:00", "time_to": "18:00"}),
        ("大后日上半天", {"date": "2026-11-27", "time_from": "08:00", "time_to": "12:00"}),
        ("下半天3点", {"time_from": "15:00"}),
        ("明朝末年", {}), ("以后日子好过了", {}),  # the Ming dynasty, days to come: no date
    ],
)
def test_shanghai_words_for_days_and_parts_of_the_day(text, expected):
    """明朝 (tomorrow), 今朝, 后日, 下半天 (the afternoon) as residents here say them."""
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "window", "expected"),
    [
        ("7点", ("18:00", "22:00"), "19:00"),  # after 晚上: the evening's 7
        ("八点半", ("18:00", "22:00"), "20:30"),
        ("9点", ("20:00", None), "21:00"),  # after 晚上8点: "make it 9"
        ("7点", ("12:00", "18:00"), "07:00"),  # 19:00 is not the afternoon asked about: as said
        ("早上7点", ("18:00", "22:00"), "07:00"),  # the resident names the morning
        ("明早7点", ("18:00", "22:00"), "07:00"),
        ("7am", ("18:00", "22:00"), "07:00"),
        ("7点", ("08:00", "12:00"), "07:00"),  # a morning conversation
        ("7点", (None, None), "07:00"),  # nothing to go by
        ("19点", ("18:00", "22:00"), "19:00"),
    ],
)
def test_a_bare_hour_is_read_in_the_part_of_the_day_the_conversation_is_about(text, window, expected):
    from datetime import time

    from portal.nlu.timeparse import in_context

    said = parse_when(normalize(text), NOW).time_from
    bounds = tuple(time.fromisoformat(t) if t else None for t in window)
    assert in_context(said, normalize(text), bounds).strftime("%H:%M") == expected
