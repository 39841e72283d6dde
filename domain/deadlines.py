"""Statutory deadlines of the recognition procedure, computed like a court would.

- §§ 187 Abs. 1, 188 Abs. 2 BGB: the day of the event (receipt, complete documents) is not counted;
  a period in weeks or months ends on the day that matches the event day by name or number.
- § 188 Abs. 3 BGB: a month without that day ends on its last day (31.01. + 1 Monat = 28./29.02.).
- § 190 BGB: an extension runs from the end of the previous period (not from the next working day).
- Hemmung (§ 6 Abs. 4, § 13 Abs. 4 BQFG; same in the NBQFG): the days while a deadline set for the
  applicant runs, or a Qualifikationsanalyse takes place, are not counted; they are added at the end.
- § 193 BGB / § 31 Abs. 3 VwVfG: a period ending on a Saturday, Sunday or public holiday ends on the
  next working day.

Periods (domain.md §2): acknowledgement of receipt 1 month (§ 6 Abs. 2, § 13 Abs. 2 BQFG; § 13 Abs. 2
NBQFG), 2 weeks on the fast track (§ 14a Abs. 2 BQFG, § 81a AufenthG); decision 3 months from complete
documents (§ 6 Abs. 3, § 13 Abs. 3 BQFG), 2 months on the fast track (§ 14a Abs. 3 BQFG), extendable
once; for training from the EU/EEA/CH in a regulated profession by at most 1 month (§ 13 Abs. 3 S. 4 BQFG).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from domain.calendar import WorkingCalendar, format_date, format_day
from domain.errors import InvalidInput, _clip
from domain.messages import Term

SHIFT_RULE = "§ 31 Abs. 3 VwVfG"
_PERIOD = re.compile(r"^\s*(\d{1,4})\s*([dwm])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "w": "weeks", "m": "months"}


class Kind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    DECISION = "decision"
    PERSON = "person"


KIND_DE = {
    Kind.ACKNOWLEDGEMENT: "Eingangsbestätigung",
    Kind.DECISION: "Entscheidung",
    Kind.PERSON: "Frist für die Person",
}


@lru_cache(maxsize=256)
def _delta(months: int, weeks: int, days: int) -> relativedelta:
    # relativedelta clamps to the month's last day, as § 188 Abs. 3 BGB requires
    return relativedelta(months=months, weeks=weeks, days=days)


@dataclass(frozen=True, slots=True)
class Period:
    months: int = 0
    weeks: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if min(self.months, self.weeks, self.days) < 0 or not (self.months or self.weeks or self.days):
            raise InvalidInput("period.not_positive", "period")

    def after(self, day: date) -> date:
        """End of the period that starts with the event on `day` (§§ 187 Abs. 1, 188 BGB)."""
        return day + _delta(self.months, self.weeks, self.days)

    @classmethod
    def parse(cls, value: str, field: str = "period") -> "Period":
        """'14d', '6w' or '1m' (days, weeks, months)."""
        match = _PERIOD.match(value or "")
        if not match:
            raise InvalidInput("period.unreadable", field, value=_clip(value or ""))
        number, unit = int(match.group(1)), match.group(2).lower()
        if number == 0:
            raise InvalidInput("period.zero", field)
        return cls(**{_UNITS[unit]: number})

    @property
    def code(self) -> str:
        """The inverse of `parse` for a single-unit period."""
        return "".join(f"{n}{u}" for u, n in (("m", self.months), ("w", self.weeks), ("d", self.days)) if n)

    @property
    def text(self) -> str:
        parts = []
        if self.months:
            parts.append(f"{self.months} {'Monat' if self.months == 1 else 'Monate'}")
        if self.weeks:
            parts.append(f"{self.weeks} {'Woche' if self.weeks == 1 else 'Wochen'}")
        if self.days:
            parts.append(f"{self.days} {'Tag' if self.days == 1 else 'Tage'}")
        return " und ".join(parts)


@dataclass(frozen=True, slots=True)
class Suspension:
    """Hemmung from `start` to `end`, both days included."""

    start: date
    end: date
    reason: str = "Frist für die antragstellende Person"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("suspension.reversed", "suspension", end=self.end, start=self.start)


@dataclass(frozen=True, slots=True)
class Due:
    kind: Kind
    start: date
    fast_track: bool
    due: date
    period_end: date  # end of the plain period, before extension, suspension and § 193 shift
    law: str
    steps: tuple[str, ...]

    @property
    def reason(self) -> str:
        return " → ".join(self.steps)

    def as_dict(self) -> dict:
        return {
            "kind": str(self.kind),
            "start": self.start.isoformat(),
            "fast_track": self.fast_track,
            "due": self.due.isoformat(),
            "law": self.law,
            "reason": self.reason,
            "period_end": self.period_end.isoformat(),
        }


def _clause(kind: Kind, *, fast_track: bool, regulated: bool, procedure: str) -> str:
    """The paragraph that sets the period. NBQFG mirrors the BQFG's numbering (domain.md §1)."""
    if procedure not in ("BQFG", "NBQFG"):
        raise InvalidInput("deadline.no_statutory_deadline", "procedure", procedure=_clip(procedure))
    if fast_track:
        return f"§ 14a Abs. {2 if kind is Kind.ACKNOWLEDGEMENT else 3} {procedure}, § 81a AufenthG"
    section = 13 if regulated else 6
    return f"§ {section} Abs. {2 if kind is Kind.ACKNOWLEDGEMENT else 3} {procedure}"


def statutory_period(kind: Kind, *, fast_track: bool) -> Period:
    if kind is Kind.ACKNOWLEDGEMENT:
        return Period(weeks=2) if fast_track else Period(months=1)
    if kind is Kind.DECISION:
        return Period(months=2) if fast_track else Period(months=3)
    raise InvalidInput("deadline.person_not_statutory", "kind")


def due_date(
    kind: Kind | str,
    start: date,
    *,
    calendar: WorkingCalendar,
    fast_track: bool = False,
    regulated: bool = True,
    procedure: str = "BQFG",
    period: Period | None = None,
    extension: Period | None = None,
    eu_training: bool = False,
    suspensions: Iterable[Suspension] = (),
) -> Due:
    """When the body (or, for kind 'person', the person) must have acted, with the reason chain."""
    try:
        kind = Kind(kind)
    except ValueError:
        raise InvalidInput("deadline.unknown_kind", "kind", value=_clip(str(kind)), kinds=[k.value for k in Kind]) from None

    if kind is Kind.PERSON:
        if period is None:
            raise InvalidInput("deadline.person_needs_period", "period")
        law = "Frist der Beratung; die Stelle setzt eine angemessene Frist (§ 15 Abs. 3 BQFG)"
        clause = "von der Beratung gesetzt"
    else:
        if period is not None:
            raise InvalidInput("deadline.period_is_statutory", "period", kind=Term(kind.value, KIND_DE[kind]))
        period = statutory_period(kind, fast_track=fast_track)
        law = clause = _clause(kind, fast_track=fast_track, regulated=regulated, procedure=procedure)

    end = period.after(start)
    period_end = end
    steps = [f"{period.text} ab {format_date(start)} ({clause}) endet {format_day(end)}"]
    if start.day > end.day and (period.months and not period.weeks and not period.days):
        steps[0] += f" (Monat ohne {start.day}. Tag: letzter Tag, § 188 Abs. 3 BGB)"

    if extension is not None:
        if kind is not Kind.DECISION:
            raise InvalidInput("deadline.extension_decision_only", "extension")
        if eu_training and regulated and extension.after(end) > Period(months=1).after(end):
            raise InvalidInput("deadline.extension_eu_limit", "extension")
        end = extension.after(end)
        steps.append(f"einmal verlängert um {extension.text} ({law.split(',')[0]}, § 190 BGB) bis {format_day(end)}")

    section = "§ 13 Abs. 4" if regulated else "§ 6 Abs. 4"
    for suspension in _merged(suspensions):
        counted_from = max(suspension.start, start + timedelta(days=1))
        if counted_from > end or suspension.end < counted_from:
            continue
        days = (suspension.end - counted_from).days + 1
        end += timedelta(days=days)
        where = "" if kind is Kind.PERSON else f", {section} {procedure}"
        steps.append(
            f"+ {days} {'Tag' if days == 1 else 'Tage'} Hemmung {format_date(counted_from)}–"
            f"{format_date(suspension.end)} ({suspension.reason}{where}) bis {format_day(end)}"
        )

    if not calendar.is_working_day(end):
        holiday = calendar.holiday_name(end)
        if holiday:
            steps[-1] += f" ({holiday})"
        end = calendar.next_working_day(end)
        steps.append(f"nächster Werktag {format_day(end)} ({SHIFT_RULE})")

    return Due(kind, start, fast_track, end, period_end, law, tuple(steps))


def _merged(suspensions: Iterable[Suspension]) -> list[Suspension]:
    """Overlapping suspensions count each day once."""
    merged: list[Suspension] = []
    for item in sorted(suspensions, key=lambda s: s.start):
        if merged and item.start <= merged[-1].end + timedelta(days=1):
            last = merged[-1]
            merged[-1] = Suspension(last.start, max(last.end, item.end), last.reason)
        else:
            merged.append(item)
    return merged
