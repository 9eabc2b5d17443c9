"""The service center's office hours: whether staff are on duty now, and when they are next.

The hours come from the configuration (`center.office_hours`, periods of one working day such as
08:30-12:00 and 14:30-17:30); which days are working days comes from `terminal.workdays` (holidays
and 调休 included; a year the calendar does not know falls back to weekends only). The help and
no-guide screens say this at 01:00 instead of showing a phone that nobody answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from terminal.errors import ConfigError
from terminal.workdays import CalendarOverrides, is_working_day

PERIOD = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = "一二三四五六日"
LOOKAHEAD_DAYS = 31  # the longest run of days off (Spring Festival and weekends) is far shorter


def parse_periods(texts: Sequence[str], key: str = "center.office_hours") -> tuple[tuple[time, time], ...]:
    """`("08:30-12:00", "14:30-17:30")` as (start, end) pairs, in order and not overlapping; ConfigError naming
    the key otherwise."""
    periods: list[tuple[time, time]] = []
    for text in texts:
        match = PERIOD.match(text)
        if match is None:
            raise ConfigError(f"configuration key {key}: {text!r} is not a period such as 08:30-12:00")
        start, end = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
        if end <= start or (periods and start < periods[-1][1]):
            raise ConfigError(f"configuration key {key}: {text!r} must end after it starts and after the period "
                              "before it")
        periods.append((start, end))
    return tuple(periods)


@dataclass(frozen=True)
class OnDuty:
    """The answer for one moment: staff there now (until when), else when they are next."""

    now: bool
    until: datetime | None       # end of the current period, when on duty
    next_open: datetime | None   # start of the next period, when not (None: no hours configured)

    def sentence(self, today: date) -> str:
        """What the screen says, in plain Chinese."""
        if self.now and self.until is not None:
            return f"现在是办公时间，工作人员在岗（今天{self.until:%H:%M}前）。"
        if self.next_open is None:
            return "服务中心的办公时间请拨打咨询电话了解。"
        return f"现在不是办公时间，工作人员{when_zh(self.next_open, today)}上班。"


def when_zh(moment: datetime, today: date) -> str:
    """今天 08:30, 明天 08:30, else 12月8日（周二）08:30."""
    days = (moment.date() - today).days
    day = {0: "今天", 1: "明天", 2: "后天"}.get(days) or f"{moment.month}月{moment.day}日（周{WEEKDAYS[moment.weekday()]}）"
    return f"{day}{moment:%H:%M}"


class OfficeHours:
    """The center's periods on working days, with the working-day calendar of the configuration."""

    def __init__(self, periods: Sequence[str], calendar: CalendarOverrides | None = None) -> None:
        self.periods = parse_periods(periods)
        self.calendar = calendar

    def describe(self) -> str:
        """工作日 08:30-12:00、14:30-17:30 (what the home screen and the slips print)."""
        if not self.periods:
            return "请拨打咨询电话了解"
        return "工作日 " + "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.periods) + "（法定节假日除外）"

    def _working(self, day: date) -> bool:
        return is_working_day(day, self.calendar, estimate=True)

    def at(self, moment: datetime) -> OnDuty:
        """On duty at `moment` (a naive local time), or when next."""
        if not self.periods:
            return OnDuty(False, None, None)
        day = moment.date()
        if self._working(day):
            for start, end in self.periods:
                if start <= moment.time() < end:
                    return OnDuty(True, datetime.combine(day, end), None)
                if moment.time() < start:
                    return OnDuty(False, None, datetime.combine(day, start))
        for ahead in range(1, LOOKAHEAD_DAYS + 1):
            later = day + timedelta(days=ahead)
            if self._working(later):
                return OnDuty(False, None, datetime.combine(later, self.periods[0][0]))
        return OnDuty(False, None, None)
