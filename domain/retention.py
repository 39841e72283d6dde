"""How long each kind of data is kept (data/retention.yaml) and when a piece of it has expired.

Pure rules: the retention run (services.retention) reads the dates, this module says which have
passed. A period runs from the day its kind starts (a case's close or withdrawal, a file's refusal, a
mail's sending, a session's expiry) and the data goes on the run whose day is that day plus the
period or later: a case closed on 15.03.2023 with 3 years goes on 15.03.2026, not the day before.
Storage limitation is Art. 5 Abs. 1 lit. e DSGVO; erasure once the purpose has ended, Art. 17
Abs. 1 lit. a DSGVO.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from domain.catalogue import Entry, entries
from domain.dates import EARLIEST_EVENT, DayRange, parse_day
from domain.errors import CatalogueError


class Kind(StrEnum):
    CLOSED_CASES = "closed_cases"  # the case (and the person once no case remains) is erased
    QUARANTINE = "quarantine"  # files turned away by the inbox, with their reason
    OUTBOX_BODIES = "outbox_bodies"  # subject and text of reminder mails
    LOGIN_ATTEMPTS = "login_attempts"  # counts of failed logins per address
    WEB_SESSIONS = "web_sessions"  # sessions of the adviser web page
    PREFECT_RUNS = "prefect_runs"  # Prefect's flow runs with their logs and artifacts


BERLIN = ZoneInfo("Europe/Berlin")
MAX_YEARS = 30
MAX_DAYS = 3650
_URL_OR_LAW = re.compile(r"https?://|§|Art\.")


@dataclass(frozen=True, slots=True)
class RetentionRule:
    kind: Kind
    years: int
    days: int
    starts: str
    source: str
    verified: bool
    note: str | None = None

    def expires_on(self, start: date) -> date:
        """The first day the data may no longer be kept (relativedelta keeps 29.02. → 28.02.)."""
        return start + relativedelta(years=self.years) + timedelta(days=self.days)

    def expired(self, start: date, today: date) -> bool:
        return today >= self.expires_on(start)

    def moment_cutoff(self, today: date) -> datetime:
        """For data stamped with a time (UTC): what started at or before this moment has expired on
        `today`, i.e. its period had passed when `today` began in Europe/Berlin. A session that
        expires at 10:00 is therefore kept until the next day's run, never cut short."""
        start_of_day = datetime.combine(today, time(0), BERLIN)
        return (start_of_day - relativedelta(years=self.years) - timedelta(days=self.days)).astimezone(UTC)

    @property
    def period_text(self) -> str:
        if self.years:
            return f"{self.years} Jahr" + ("e" if self.years != 1 else "")
        return f"{self.days} Tag" + ("e" if self.days != 1 else "")


@dataclass(frozen=True, slots=True)
class RetentionRules:
    rules: Mapping[Kind, RetentionRule]

    def __getitem__(self, kind: Kind) -> RetentionRule:
        return self.rules[kind]


def run_day(value: str, *, field: str, today: date) -> date:
    """The day a retention run counts from, as typed (YYYY-MM-DD or DD.MM.YYYY): a later day than
    today moves the clock forward (to see, or test, what a run then erases); at most the longest
    period ahead, and a real run on such a day erases early, so say so before running it."""
    horizon = DayRange(EARLIEST_EVENT, today + relativedelta(years=MAX_YEARS + 1))
    return parse_day(value, field=field, accepted=horizon, today=today)


def build_retention_rules(file_name: str, parsed: Any) -> RetentionRules:
    """Validate data/retention.yaml: every kind once, one period, a source; a broken entry is named
    with file, line, entry and field."""
    rules: dict[Kind, RetentionRule] = {}
    for position, raw in enumerate(entries(file_name, parsed, "periods"), 1):
        fail = Entry(file_name, raw, position).fail
        try:
            kind = Kind(raw.get("key"))
        except ValueError:
            raise fail("key", f"use one of {', '.join(k.value for k in Kind)}") from None
        if kind in rules:
            raise fail("key", f"'{kind.value}' is defined twice")
        given = [unit for unit in ("years", "days") if unit in raw]
        if len(given) != 1:
            raise fail("years" if not given else given[1], "give the period as exactly one of years: N or days: N")
        unit = given[0]
        value, limit = raw[unit], MAX_YEARS if unit == "years" else MAX_DAYS
        low = 1 if unit == "years" else 0
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= limit:
            raise fail(unit, f"must be a whole number from {low} to {limit}, not {value!r}")
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            raise fail("source", "is missing; name the law (e.g. 'Art. 5 Abs. 1 lit. e DSGVO') and/or a public URL")
        if not _URL_OR_LAW.search(source):
            raise fail("source", "names neither a law (§ …, Art. …) nor a public URL (https://…)")
        verified = raw.get("verified")
        if not isinstance(verified, bool):
            raise fail("verified", "must be true (the source fixes the number) or false (the Center's decision)")
        starts = raw.get("starts")
        if not isinstance(starts, str) or not starts.strip():
            raise fail("starts", "is missing; say what the period runs from")
        note = raw.get("note")
        if note is not None and not isinstance(note, str):
            raise fail("note", "must be text")
        if not verified and not (note and note.strip()):
            raise fail("note", "an unverified period needs a note saying whose decision the number is and why")
        rules[kind] = RetentionRule(kind, value if unit == "years" else 0, value if unit == "days" else 0,
                                    starts.strip(), source.strip(), verified, note.strip() if note else None)
    missing = [kind.value for kind in Kind if kind not in rules]
    if missing:
        raise CatalogueError(file_name, None, None, "key", f"no period for {', '.join(missing)}; add an entry for each")
    return RetentionRules(rules)
