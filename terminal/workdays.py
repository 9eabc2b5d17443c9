"""Working days for promised dates (承诺时限) on receipts and guides.

A day is a working day unless it is a weekend or an official holiday, except that adjusted
working days (调休, e.g. Sunday 2025-09-28 and Saturday 2025-10-11 around National Day 2025)
are worked. The rules come from the maintained `chinesecalendar` package (import name
`chinese_calendar`); `config.calendar.extra_holidays` and `extra_workdays` override it, for a
year the package does not know yet or for a local change.

Years the package does not know (it covers 2004 up to the year of its release; it learns a
year when the State Council publishes the schedule, usually in November before) are handled
like this:
- if the configuration lists any extra holiday or extra workday in that year, the year counts
  as covered: the listed days are used and every other day follows the weekend rule;
- otherwise `CalendarUnknownYear` is raised, unless the caller passes `estimate=True`: then
  weekends only are used and a warning is logged once per year (the result is an estimate;
  the session marks such dates 预计 on the receipt).

Promised dates are counted from the next working day after submission: a 3-working-day case
handed in on Tuesday 2025-09-30 is due on Saturday 2025-10-11 (10-09, 10-10, 10-11).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import cache
from typing import Protocol

import chinese_calendar

from terminal.errors import TerminalError

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


class CalendarOverrides(Protocol):
    """What this module reads from the configuration (terminal.config.CalendarSettings)."""

    @property
    def extra_holidays(self) -> tuple[date, ...]: ...

    @property
    def extra_workdays(self) -> tuple[date, ...]: ...


class CalendarUnknownYear(TerminalError):
    """Neither the holiday package nor the configuration knows the holidays of a year."""

    advice_zh = "终端节假日日历需要更新，暂时无法计算承诺办结日期，请咨询工作人员。"


def _package_knows(year: int) -> bool:
    return year in _package_years()


@cache
def _package_years() -> frozenset[int]:
    known = set(chinese_calendar.holidays) | set(chinese_calendar.workdays)
    return frozenset(d.year for d in known)


def is_working_day(day: date, calendar: CalendarOverrides | None = None, *, estimate: bool = False) -> bool:
    """Whether government offices work on `day` (see the module docstring for unknown years)."""
    holidays = calendar.extra_holidays if calendar else ()
    workdays = calendar.extra_workdays if calendar else ()
    if day in workdays:
        return True
    if day in holidays:
        return False
    if _package_knows(day.year):
        return bool(chinese_calendar.is_workday(day))
    covered = any(d.year == day.year for d in (*holidays, *workdays))
    if not covered:
        if not estimate:
            raise CalendarUnknownYear(
                f"no holiday data for {day.year}: update the chinesecalendar package or list the year's days "
                "in [calendar] extra_holidays / extra_workdays")
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("event=calendar_year_unknown year=%d fallback=weekends_only", day.year)
    return day.weekday() < 5


def add_working_days(start: date, days: int, calendar: CalendarOverrides | None = None, *,
                     estimate: bool = False) -> date:
    """The date `days` working days after `start`, counting from the next working day.

    `days == 0` (done on the spot) gives `start` itself.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, calendar, estimate=estimate):
            left -= 1
    return day
