"""Promised dates in working days: weekends, official holidays, adjusted working days, config overrides."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings, strategies as st

from terminal import config
from terminal.workdays import CalendarUnknownYear, add_working_days, is_working_day

D = date.fromisoformat


def calendar(**keys: list[str]) -> config.CalendarSettings:
    """Calendar overrides parsed the way the terminal parses its TOML file."""
    return config.from_dict({"calendar": keys}).calendar


def test_three_working_days_across_national_day_2025() -> None:
    # 10-01..10-08 are off; counting starts the next working day: 10-09, 10-10, 10-11 (a working Saturday)
    assert add_working_days(D("2025-09-30"), 3, calendar()) == D("2025-10-11")
    assert add_working_days(D("2025-09-30"), 1, calendar()) == D("2025-10-09")


def test_adjusted_working_weekend_days() -> None:
    assert D("2025-09-28").weekday() == 6 and is_working_day(D("2025-09-28"))    # 调休: a working Sunday
    assert D("2025-10-11").weekday() == 5 and is_working_day(D("2025-10-11"))    # 调休: a working Saturday
    assert not is_working_day(D("2025-09-27")) and not is_working_day(D("2025-10-08"))
    # handed in on Friday 09-26: the next working day is that Sunday
    assert add_working_days(D("2025-09-26"), 1) == D("2025-09-28")
    assert add_working_days(D("2025-10-10"), 1) == D("2025-10-11")


def test_ordinary_weekend_and_on_the_spot() -> None:
    assert add_working_days(D("2025-11-14"), 1) == D("2025-11-17")               # Friday -> Monday
    assert add_working_days(D("2025-11-15"), 0) == D("2025-11-15")               # 即办件: the same day
    with pytest.raises(ValueError):
        add_working_days(D("2025-11-15"), -1)


def test_config_overrides_the_package() -> None:
    extra_off = calendar(extra_holidays=["2025-10-09"])
    assert add_working_days(D("2025-09-30"), 3, extra_off) == D("2025-10-13")
    extra_on = calendar(extra_workdays=["2025-10-04"])
    assert add_working_days(D("2025-09-30"), 1, extra_on) == D("2025-10-04")


FUTURE = 2099  # a year no release of the package knows


def test_unknown_year_without_config_is_a_typed_error() -> None:
    assert FUTURE not in {d.year for d in chinese_calendar.holidays}
    with pytest.raises(CalendarUnknownYear) as caught:
        add_working_days(D(f"{FUTURE}-03-02"), 2, calendar())
    assert str(FUTURE) in caught.value.message and "extra_holidays" in caught.value.message
    assert "日历" in caught.value.for_people()


def test_unknown_year_estimate_uses_weekends_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="terminal.workdays"):
        # 2099-10-02 is a Friday: Mon 10-05 .. Wed 10-07
        assert add_working_days(D(f"{FUTURE}-10-02"), 3, calendar(), estimate=True) == D(f"{FUTURE}-10-07")
    assert f"calendar_year_unknown year={FUTURE}" in caplog.text


def test_unknown_year_covered_by_config() -> None:
    holidays = [f"{FUTURE}-10-0{d}" for d in range(1, 8)]       # Thu 10-01 .. Wed 10-07 off
    cal = calendar(extra_holidays=holidays, extra_workdays=[f"{FUTURE}-10-10"])  # Saturday 10-10 worked
    assert not is_working_day(D(f"{FUTURE}-10-05"), cal)
    assert is_working_day(D(f"{FUTURE}-10-10"), cal)
    # Wed 09-30 + 3: Thu 10-08, Fri 10-09, Sat 10-10
    assert add_working_days(D(f"{FUTURE}-09-30"), 3, cal) == D(f"{FUTURE}-10-10")
    # other days of the covered year follow the weekend rule, no error
    assert add_working_days(D(f"{FUTURE}-03-06"), 1, cal) == D(f"{FUTURE}-03-09")


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2019, 1, 1), date(2025, 10, 31)), days=st.integers(0, 40))
def test_matches_the_package_count_of_working_days(start: date, days: int) -> None:
    due = add_working_days(start, days)
    assert len(chinese_calendar.get_workdays(start + timedelta(days=1), due)) == days
    if days:
        assert chinese_calendar.is_workday(due)
