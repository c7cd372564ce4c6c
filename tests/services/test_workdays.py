"""Working-day due dates follow the State Council calendar: holidays skipped, make-up workdays counted."""

import datetime as dt
import logging

from services import workdays


def test_add_workdays_skips_the_national_day_holiday_and_counts_the_make_up_saturday():
    # 2026: 1–7 October are holidays; Saturday 10 October is a make-up workday (调休上班).
    start = dt.date(2026, 9, 29)  # Tuesday
    assert workdays.add_workdays(start, 1) == dt.date(2026, 9, 30)
    assert workdays.add_workdays(start, 2) == dt.date(2026, 10, 8)
    assert workdays.add_workdays(start, 4) == dt.date(2026, 10, 10)  # the Saturday counts
    assert workdays.add_workdays(start, 5) == dt.date(2026, 10, 12)
    # A plain Monday–Friday count would have said 6 October, in the middle of the holiday.


def test_zero_days_means_the_same_day_or_the_next_working_day():
    assert workdays.add_workdays(dt.date(2026, 11, 24), 0) == dt.date(2026, 11, 24)
    assert workdays.add_workdays(dt.date(2026, 10, 3), 0) == dt.date(2026, 10, 8)


def test_workdays_between_counts_working_days_only():
    assert workdays.workdays_between(dt.date(2026, 9, 30), dt.date(2026, 10, 10)) == 3  # 8, 9, 10 Oct
    assert workdays.workdays_between(dt.date(2026, 10, 10), dt.date(2026, 10, 10)) == 0


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday_and_says_so(caplog):
    workdays._warned_years.discard(2027)
    caplog.set_level(logging.WARNING, logger="services.workdays")
    assert not workdays.calendar_known(dt.date(2027, 1, 4))
    # Thursday 31 December 2026 + 2 working days: Friday 1 January 2027 is counted as a working day by
    # the fallback (the 2027 holidays are not published in chinesecalendar 1.11.0), then Monday 4.
    assert workdays.add_workdays(dt.date(2026, 12, 31), 2) == dt.date(2027, 1, 4)
    assert any("2027" in record.getMessage() for record in caplog.records)
    assert workdays.calendar_known(dt.date(2026, 12, 31))
