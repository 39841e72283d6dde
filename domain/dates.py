"""The one parser for a day typed at any door: the web forms, the CLI options and the CSV import.

Two forms are taken, both with a four-digit year: `DD.MM.YYYY` (also `D.M.YYYY`, as German Excel and
advisers write it) and `YYYY-MM-DD` (what a date field of a browser sends, and ISO 8601). A two-digit
year is refused, not guessed: "06.12.26" may be 2026 or 1926, and a birth date or a receipt date in
the wrong century files a person wrongly or runs a deadline out a hundred years ago. Slashes are
refused too: "02/03/1990" is 2 March in Germany and 3 February in the US.

Every day must lie in a plausible range, so that a typo ("01.01.0001", "2062" for "2026") is caught
where it is typed and not when a deadline turns out absurd: a step of a case (an event, a deadline's
start) from 1990-01-01 to a year after today; a birth date from 1900-01-01 to today. Today is an
argument: this module does not read the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta

from domain.errors import InvalidInput, _clip

EARLIEST_EVENT = date(1990, 1, 1)
EARLIEST_BIRTH = date(1900, 1, 1)
EVENT_HORIZON = relativedelta(years=1)

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_GERMAN = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_TWO_DIGIT_YEAR = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2}")


class DateError(InvalidInput):
    """A typed day is not acceptable; `field` is the field as the door names it ("--on", "on",
    "birth_date"), `value` the text as typed."""

    def __init__(self, code: str, field: str, *, typed: str | None, **params) -> None:
        super().__init__(code, field, **params)
        self.value = typed


@dataclass(frozen=True, slots=True)
class DayRange:
    """The days a field accepts, both ends included."""

    earliest: date
    latest: date


def event_range(today: date) -> DayRange:
    """A step of a case, a deadline's start, a run day: 1990-01-01 to today + 1 year."""
    return DayRange(EARLIEST_EVENT, today + EVENT_HORIZON)


def birth_range(today: date) -> DayRange:
    """A birth date: 1900-01-01 to today."""
    return DayRange(EARLIEST_BIRTH, today)


def parse_day(value: str | None, *, field: str, accepted: DayRange, today: date) -> date:
    """The day `value` names, or a `DateError` naming the field, the value and the fix."""
    text = "" if value is None else value.strip()
    if not text:
        raise DateError("date.empty", field, typed=value)
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _GERMAN.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif _TWO_DIGIT_YEAR.fullmatch(text):
        raise DateError("date.two_digit_year", field, typed=value, value=_clip(text))
    else:
        raise DateError("date.format", field, typed=value, value=_clip(text))
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise DateError("date.not_a_date", field, typed=value, value=_clip(text)) from None
    if parsed < accepted.earliest:
        raise DateError("date.too_early", field, typed=value, value=_clip(text), earliest=accepted.earliest,
                        latest=accepted.latest)
    if parsed > accepted.latest:
        if accepted.latest == today:
            raise DateError("date.future", field, typed=value, value=_clip(text), today=today)
        raise DateError("date.too_late", field, typed=value, value=_clip(text), earliest=accepted.earliest,
                        latest=accepted.latest)
    return parsed


def event_day(value: str | None, *, field: str, today: date) -> date:
    """The day of a step (or a deadline's start, a run day) as typed: see `event_range`."""
    return parse_day(value, field=field, accepted=event_range(today), today=today)


def birth_day(value: str | None, *, field: str, today: date) -> date:
    """A birth date as typed: see `birth_range`."""
    return parse_day(value, field=field, accepted=birth_range(today), today=today)


def event_moment(value: str | None, *, field: str, today: date) -> datetime:
    """A day and a time of day as typed ("2026-12-03 10:30", "03.12.2026 10:30"), naive: the day
    as `event_day` accepts it, the time as HH:MM."""
    text = "" if value is None else value.strip()
    day_text, _, time_text = text.rpartition(" ")
    match = _TIME.fullmatch(time_text)
    if not day_text or not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise DateError("datetime.format", field, typed=value, value=_clip(text))
    day = event_day(day_text, field=field, today=today)
    return datetime.combine(day, time(int(match.group(1)), int(match.group(2))))
