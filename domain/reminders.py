"""Which reminders are due: pure selection over case facts, by the rules in data/reminders.yaml.

A reminder is identified by (case, rule, due day, recipient): selecting the same day twice gives the
same reminders, which the outbox's unique key turns into "nothing new". A reminder always falls on
a working day in Lower Saxony; one whose reason has gone (documents arrived, case decided) is simply
not selected any more, and the outbox cancels it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from domain.calendar import WorkingCalendar
from domain.catalogue import LINE
from domain.errors import CatalogueError
from domain.lifecycle import FINAL_STATES, CaseState

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class Trigger(StrEnum):
    DEADLINE_OVERDUE = "deadline_overdue"
    DEADLINE_AHEAD = "deadline_ahead"
    SUSPENSION_ENDING = "suspension_ending"
    INACTIVE = "inactive"
    DOCUMENTS_MISSING = "documents_missing"
    APPOINTMENT = "appointment"


class Recipient(StrEnum):
    ADVISER = "adviser"
    PERSON = "person"
    BODY = "body"


DEADLINE_KINDS = ("acknowledgement", "decision", "person")


@dataclass(frozen=True, slots=True)
class ReminderRule:
    key: str
    recipient: Recipient
    trigger: Trigger
    source: str
    enabled: bool = True
    deadline: str | None = None
    days_before: int = 0
    days_after: int = 0
    weeks: int = 0

    @property
    def lead_days(self) -> int:
        """How far ahead of its event the rule looks (for the candidate query)."""
        return self.days_before


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the rules need to know of one case (loaded in batches by services.outbox)."""

    case_id: int
    reference: str
    district: str
    state: str
    person_name: str
    language: str
    person_email: str | None
    adviser_email: str  # the case's adviser, else the district's Welcome Center mailbox
    body_email: str | None
    body_name: str | None
    deadlines: tuple[tuple[str, str, date | None], ...] = ()  # (kind, status, due)
    suspension_until: date | None = None
    last_activity: date | None = None
    missing_items: tuple[str, ...] = ()  # titles of checklist items still outstanding
    appointments: tuple[tuple[date, str, str], ...] = ()  # (day, "10:30", place)
    consent_withdrawn: bool = False  # the person withdrew consent (Art. 7 Abs. 3 DSGVO): see recipient_for


@dataclass(frozen=True, slots=True)
class Reminder:
    case_id: int
    reference: str
    district: str
    rule: str
    due_on: date
    recipient_kind: Recipient
    recipient: str
    language: str
    context: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> tuple[int, str, date, str]:
        return (self.case_id, self.rule, self.due_on, self.recipient)


def select_reminders(
    facts: Iterable[CaseFacts],
    rules: Sequence[ReminderRule],
    *,
    today: date,
    calendar: WorkingCalendar,
) -> list[Reminder]:
    """Reminders whose day has come (due_on ≤ today) and whose reason still holds.

    On a weekend or public holiday nothing is due: the next working day's run takes them.
    """
    if not calendar.is_working_day(today):
        return []
    active = [rule for rule in rules if rule.enabled]
    result: list[Reminder] = []
    for case in facts:
        if case.state in FINAL_STATES:
            continue
        for rule in active:
            for due_on, context in _occasions(rule, case, today, calendar):
                if due_on > today:
                    continue
                recipient = _recipient(rule, case)
                if recipient is None:
                    continue
                language = case.language if rule.recipient is Recipient.PERSON else "de"
                result.append(Reminder(
                    case.case_id, case.reference, case.district, rule.key, due_on, rule.recipient, recipient, language,
                    {"rule": rule.key, "reference": case.reference, "person_name": case.person_name,
                     "body_name": case.body_name, "missing_items": list(case.missing_items), **context},
                ))
    return result


def _recipient(rule: ReminderRule, case: CaseFacts) -> str | None:
    return recipient_for(rule.recipient, case)


def recipient_for(kind: Recipient, case: CaseFacts) -> str | None:
    """The address a reminder to `kind` goes to, from the case's facts as they are now (None: none).

    After the person withdrew consent, none to the person and none to the body (which would pass
    the case on): nothing new is processed towards anyone outside the Center. The adviser's own
    reminders go on, the Center still owes its deadlines and the decision to erase or keep."""
    if case.consent_withdrawn and kind in (Recipient.PERSON, Recipient.BODY):
        return None
    if kind is Recipient.PERSON:
        return case.person_email
    if kind is Recipient.BODY:
        return case.body_email
    return case.adviser_email


def _deadline(case: CaseFacts, kind: str | None) -> date | None:
    for deadline_kind, status, due in case.deadlines:
        if deadline_kind == kind and status == "open" and due is not None:
            return due
    return None


def _occasions(rule: ReminderRule, case: CaseFacts, today: date, calendar: WorkingCalendar):
    """(the working day of the reminder, what the mail says) for each occasion of the rule."""
    before = calendar.previous_working_day
    after = calendar.next_working_day
    match rule.trigger:
        case Trigger.DEADLINE_OVERDUE:
            due = _deadline(case, rule.deadline)
            if due is not None:
                yield after(due + timedelta(days=max(1, rule.days_after))), {"due": due, "deadline": rule.deadline}
        case Trigger.DEADLINE_AHEAD:
            due = _deadline(case, rule.deadline)
            if due is not None and today <= due:
                yield before(due - timedelta(days=rule.days_before)), {"due": due, "deadline": rule.deadline}
        case Trigger.SUSPENSION_ENDING:
            if case.state == CaseState.SUSPENDED and case.suspension_until and today <= case.suspension_until:
                yield before(case.suspension_until - timedelta(days=rule.days_before)), {"due": case.suspension_until}
        case Trigger.INACTIVE:
            if case.last_activity is not None and case.state != CaseState.DECIDED:
                since = case.last_activity + timedelta(weeks=rule.weeks)
                yield after(since), {"last_activity": case.last_activity, "weeks": rule.weeks}
        case Trigger.DOCUMENTS_MISSING:
            due = _deadline(case, "person")
            if due is not None and case.missing_items and today <= due:
                yield before(due - timedelta(days=rule.days_before)), {"due": due}
        case Trigger.APPOINTMENT:
            for day, time, place in case.appointments:
                if today <= day:
                    yield before(day - timedelta(days=rule.days_before)), {"appointment_day": day, "appointment_time": time, "place": place}


# ------------------------------------------------------------------------------- reading the rules


def build_reminder_rules(file_name: str, parsed: Any) -> tuple[ReminderRule, ...]:
    """Validate data/reminders.yaml; a broken entry is named with file, line, entry and field."""
    if not isinstance(parsed, list):
        raise CatalogueError(file_name, 1, None, "(file)", "must be a YAML list of rules (each starting with '- key:')")
    rules: dict[str, ReminderRule] = {}
    for position, raw in enumerate(parsed, 1):
        if not isinstance(raw, Mapping):
            raise CatalogueError(file_name, None, f"#{position}", "(entry)", "expected a mapping of fields")
        name = str(raw.get("key") or f"#{position}")

        def fail(field_name: str, message: str) -> CatalogueError:
            return CatalogueError(file_name, raw.get(f"{LINE}{field_name}", raw.get(LINE)), name, field_name, message)

        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise fail("key", "must be lowercase letters, digits and _ (e.g. decision_overdue)")
        if key in rules:
            raise fail("key", f"'{key}' is defined twice")
        try:
            recipient = Recipient(raw.get("recipient"))
        except ValueError:
            raise fail("recipient", f"use one of {', '.join(r.value for r in Recipient)}") from None
        try:
            trigger = Trigger(raw.get("trigger"))
        except ValueError:
            raise fail("trigger", f"use one of {', '.join(t.value for t in Trigger)}") from None
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            raise fail("source", "is missing; name the rule's legal basis or reason")
        numbers = {}
        for number in ("days_before", "days_after", "weeks"):
            value = raw.get(number, 0)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
                raise fail(number, "must be a whole number from 0 to 365")
            numbers[number] = value
        deadline = raw.get("deadline")
        if trigger in (Trigger.DEADLINE_OVERDUE, Trigger.DEADLINE_AHEAD) and deadline not in DEADLINE_KINDS:
            raise fail("deadline", f"name the deadline: {', '.join(DEADLINE_KINDS)}")
        if trigger is Trigger.INACTIVE and numbers["weeks"] < 1:
            raise fail("weeks", "an inactivity rule needs at least 1 week")
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            raise fail("enabled", "must be true or false")
        rules[key] = ReminderRule(key, recipient, trigger, source.strip(), enabled, deadline, **numbers)
    return tuple(rules.values())


def max_lead_days(rules: Iterable[ReminderRule]) -> int:
    return max((rule.days_before for rule in rules if rule.enabled), default=0)
