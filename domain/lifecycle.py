"""The life of a recognition case as a pure state machine, and the deadlines its events drive.

intake → collecting documents → ready to submit → submitted → acknowledged (the body's receipt
date) → documents complete → in assessment (optionally suspended) → decided (full / partial
equivalence, compensation measure required, no equivalence) → closed; withdrawn from any open state.

The statutory deadlines are recomputed from the recorded events every time (never patched):
- acknowledgement of receipt: runs from the submission until the body confirms receipt
  (§ 6 Abs. 2 / § 13 Abs. 2 BQFG; 2 weeks on the fast track, § 14a Abs. 2 BQFG);
- decision: runs from complete documents (§ 6 Abs. 3 / § 13 Abs. 3 BQFG; § 14a Abs. 3), extended
  once, with suspensions (Hemmung, § 6 Abs. 4 / § 13 Abs. 4 BQFG) added;
- the deadline the adviser sets for the person (days or weeks), met when the adviser records it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.calendar import WorkingCalendar, format_date
from domain.deadlines import Due, Kind, Period, Suspension, due_date
from domain.errors import InvalidInput, _clip
from domain.messages import Term
from domain.validation import FieldError

# The decision deadline "kann einmal angemessen verlängert werden" (§ 13 Abs. 3 S. 3 BQFG; § 6 Abs. 3 for
# professions that are not regulated, the NBQFG with the same numbering): a second extension is refused.
EXTEND_ONCE_RULE = "§ 13 Abs. 3 BQFG"


class CaseState(StrEnum):
    INTAKE = "intake"
    COLLECTING_DOCUMENTS = "collecting_documents"
    READY_TO_SUBMIT = "ready_to_submit"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    DOCUMENTS_COMPLETE = "documents_complete"
    IN_ASSESSMENT = "in_assessment"
    SUSPENDED = "suspended"
    DECIDED = "decided"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


STATE_DE = {
    CaseState.INTAKE: "Aufnahme",
    CaseState.COLLECTING_DOCUMENTS: "Unterlagen werden gesammelt",
    CaseState.READY_TO_SUBMIT: "bereit zur Antragstellung",
    CaseState.SUBMITTED: "Antrag gestellt",
    CaseState.ACKNOWLEDGED: "Eingang bestätigt",
    CaseState.DOCUMENTS_COMPLETE: "Unterlagen vollständig",
    CaseState.IN_ASSESSMENT: "in Prüfung",
    CaseState.SUSPENDED: "Prüfung ausgesetzt (Hemmung)",
    CaseState.DECIDED: "entschieden",
    CaseState.CLOSED: "abgeschlossen",
    CaseState.WITHDRAWN: "zurückgezogen",
}

FINAL_STATES = frozenset({CaseState.CLOSED, CaseState.WITHDRAWN})
OPEN_STATES = frozenset(CaseState) - FINAL_STATES


class Event(StrEnum):
    COLLECT = "collect"
    READY = "ready"
    REOPEN = "reopen"
    SUBMIT = "submit"
    ACKNOWLEDGE = "acknowledge"
    DOCUMENTS_COMPLETE = "documents_complete"
    ASSESS = "assess"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"
    DECIDE = "decide"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    SET_DEADLINE = "set_deadline"
    DEADLINE_MET = "deadline_met"


EVENT_DE = {
    Event.COLLECT: "Unterlagen sammeln",
    Event.READY: "Unterlagen bereit",
    Event.REOPEN: "Unterlagen nachfordern",
    Event.SUBMIT: "Antrag gestellt",
    Event.ACKNOWLEDGE: "Eingangsbestätigung erhalten",
    Event.DOCUMENTS_COMPLETE: "Unterlagen vollständig",
    Event.ASSESS: "Prüfung begonnen",
    Event.SUSPEND: "Frist gehemmt",
    Event.RESUME: "Hemmung beendet",
    Event.EXTEND: "Entscheidungsfrist verlängert",
    Event.DECIDE: "Bescheid erhalten",
    Event.CLOSE: "Fall abgeschlossen",
    Event.WITHDRAW: "Antrag zurückgezogen",
    Event.SET_DEADLINE: "Frist für die Person gesetzt",
    Event.DEADLINE_MET: "Frist der Person erfüllt",
}

_S = CaseState
# event → (states it is allowed in, state it leads to; None = the state stays)
TRANSITIONS: dict[Event, tuple[frozenset[CaseState], CaseState | None]] = {
    Event.COLLECT: (frozenset({_S.INTAKE}), _S.COLLECTING_DOCUMENTS),
    Event.READY: (frozenset({_S.COLLECTING_DOCUMENTS}), _S.READY_TO_SUBMIT),
    Event.REOPEN: (frozenset({_S.READY_TO_SUBMIT}), _S.COLLECTING_DOCUMENTS),
    Event.SUBMIT: (frozenset({_S.READY_TO_SUBMIT}), _S.SUBMITTED),
    Event.ACKNOWLEDGE: (frozenset({_S.SUBMITTED}), _S.ACKNOWLEDGED),
    Event.DOCUMENTS_COMPLETE: (frozenset({_S.ACKNOWLEDGED}), _S.DOCUMENTS_COMPLETE),
    Event.ASSESS: (frozenset({_S.DOCUMENTS_COMPLETE}), _S.IN_ASSESSMENT),
    Event.SUSPEND: (frozenset({_S.IN_ASSESSMENT}), _S.SUSPENDED),
    Event.RESUME: (frozenset({_S.SUSPENDED}), _S.IN_ASSESSMENT),
    Event.EXTEND: (frozenset({_S.DOCUMENTS_COMPLETE, _S.IN_ASSESSMENT, _S.SUSPENDED}), None),
    Event.DECIDE: (frozenset({_S.IN_ASSESSMENT}), _S.DECIDED),
    Event.CLOSE: (frozenset({_S.DECIDED}), _S.CLOSED),
    Event.WITHDRAW: (OPEN_STATES - {_S.DECIDED}, _S.WITHDRAWN),
    Event.SET_DEADLINE: (OPEN_STATES - {_S.DECIDED}, None),
    Event.DEADLINE_MET: (OPEN_STATES, None),
}


class Outcome(StrEnum):
    """The body's decision (domain.md §1 "Outcomes")."""

    FULL_EQUIVALENCE = "full_equivalence"
    PARTIAL_EQUIVALENCE = "partial_equivalence"
    COMPENSATION_MEASURE = "compensation_measure"
    NO_EQUIVALENCE = "no_equivalence"


OUTCOME_DE = {
    Outcome.FULL_EQUIVALENCE: "volle Gleichwertigkeit",
    Outcome.PARTIAL_EQUIVALENCE: "teilweise Gleichwertigkeit",
    Outcome.COMPENSATION_MEASURE: "Ausgleichsmaßnahme erforderlich",
    Outcome.NO_EQUIVALENCE: "keine Gleichwertigkeit",
}


class InvalidTransition(InvalidInput):
    """The event is not one the case's state allows (TRANSITIONS); the texts name the allowed ones."""

    def __init__(self, state: CaseState, event: str) -> None:
        allowed = [_event_term(e) for e in allowed_events(state)]
        shown = dict(event=_event_term(event), state=Term(state.value, STATE_DE[state]))
        if allowed:
            super().__init__("step.not_allowed", "event", allowed=allowed, **shown)
        else:
            super().__init__("step.case_final", "event", **shown)
        self.state = state


def _event_term(event: Event | str) -> Term:
    """The event as the CLI takes it and as the page names it (EVENT_DE)."""
    event = Event(event)
    return Term(event.value, EVENT_DE[event])


def parse_event(value: str) -> Event:
    try:
        return Event(value.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidInput("step.unknown", "event", value=_clip(value), events=[e.value for e in Event]) from None


def allowed_events(state: CaseState) -> list[Event]:
    return [event for event, (sources, _) in TRANSITIONS.items() if state in sources]


def next_state(state: CaseState, event: Event | str) -> CaseState:
    """The state after `event`, or InvalidTransition naming the allowed events."""
    event = parse_event(event) if isinstance(event, str) and not isinstance(event, Event) else event
    sources, target = TRANSITIONS[event]
    if state not in sources:
        raise InvalidTransition(state, event.value)
    return target or state


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: what happened, on which day (e.g. the body's receipt date), details."""

    event: Event
    on: date
    outcome: Outcome | None = None
    period: Period | None = None  # extension, or the deadline set for the person
    until: date | None = None  # a suspension's known end (the applicant's deadline)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ProcedureProfile:
    """What the deadline rules need to know about the case."""

    fast_track: bool = False
    regulated: bool = True
    procedure: str = "BQFG"  # BQFG | NBQFG | none
    eu_training: bool = False


class DeadlineStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    PAUSED = "paused"  # decision clock stopped by a suspension without a known end
    CANCELLED = "cancelled"


STATUS_DE = {
    DeadlineStatus.OPEN: "offen",
    DeadlineStatus.MET: "erfüllt",
    DeadlineStatus.PAUSED: "gehemmt",
    DeadlineStatus.CANCELLED: "entfallen",
}


@dataclass(frozen=True, slots=True)
class CaseDeadline:
    kind: Kind
    status: DeadlineStatus
    start: date
    due: date | None
    law: str
    reason: str
    met_on: date | None = None


@dataclass
class _Replay:
    state: CaseState = CaseState.INTAKE
    submitted: date | None = None
    acknowledged: date | None = None
    complete: date | None = None
    decided: date | None = None
    ended: date | None = None  # withdrawn or closed
    extension: Period | None = None
    suspensions: list[Suspension] = field(default_factory=list)
    open_suspension: RecordedEvent | None = None
    person: RecordedEvent | None = None
    person_met: date | None = None


def replay(events: Iterable[RecordedEvent]) -> CaseState:
    """The state reached by applying `events` in order from intake (refusing invalid ones)."""
    return _replay(events).state


def _replay(events: Iterable[RecordedEvent]) -> _Replay:
    r = _Replay()
    for item in events:
        r.state = next_state(r.state, item.event)
        match item.event:
            case Event.SUBMIT:
                r.submitted = item.on
            case Event.ACKNOWLEDGE:
                r.acknowledged = item.on
            case Event.DOCUMENTS_COMPLETE:
                r.complete = item.on
            case Event.SUSPEND:
                r.open_suspension = item
            case Event.RESUME:
                start = r.open_suspension.on if r.open_suspension else item.on
                reason = (r.open_suspension.note if r.open_suspension else None) or "Hemmung"
                r.suspensions.append(Suspension(start, max(start, item.on), reason))
                r.open_suspension = None
            case Event.EXTEND:
                if r.extension is not None:
                    raise InvalidInput("deadline.extend_once", "event", law=EXTEND_ONCE_RULE)
                if item.period is None:
                    raise InvalidInput("deadline.extension_needs_period", "period")
                r.extension = item.period
            case Event.DECIDE:
                r.decided = item.on
            case Event.WITHDRAW | Event.CLOSE:
                r.ended = item.on
            case Event.SET_DEADLINE:
                if item.period is None:
                    raise InvalidInput("deadline.person_needs_days_or_weeks", "period")
                r.person, r.person_met = item, None
            case Event.DEADLINE_MET:
                if r.person is None or r.person_met is not None:
                    raise InvalidInput("deadline.none_open_for_person", "event")
                r.person_met = item.on
    return r


def case_deadlines(
    events: Sequence[RecordedEvent], profile: ProcedureProfile, *, calendar: WorkingCalendar
) -> list[CaseDeadline]:
    """The deadlines the recorded events call for, each open, met, paused or cancelled."""
    r = _replay(events)
    result: list[CaseDeadline] = []
    statutory = profile.procedure in ("BQFG", "NBQFG")
    common = dict(calendar=calendar, fast_track=profile.fast_track, regulated=profile.regulated, procedure=profile.procedure)

    if statutory and r.submitted:
        due = due_date(Kind.ACKNOWLEDGEMENT, r.submitted, **common)
        if r.acknowledged:
            status, met = DeadlineStatus.MET, r.acknowledged
        elif r.ended:
            status, met = DeadlineStatus.CANCELLED, None
        else:
            status, met = DeadlineStatus.OPEN, None
        result.append(_deadline(due, status, met))

    if statutory and r.complete:
        suspensions = list(r.suspensions)
        paused = False
        if r.open_suspension is not None:
            if r.open_suspension.until is not None:
                suspensions.append(Suspension(r.open_suspension.on, r.open_suspension.until, r.open_suspension.note or "Hemmung"))
            else:
                paused = True
        due = due_date(
            Kind.DECISION, r.complete, extension=r.extension, eu_training=profile.eu_training,
            suspensions=suspensions, **common,
        )
        if r.decided:
            status, met = DeadlineStatus.MET, r.decided
        elif r.ended:
            status, met = DeadlineStatus.CANCELLED, None
        elif paused:
            status, met = DeadlineStatus.PAUSED, None
        else:
            status, met = DeadlineStatus.OPEN, None
        deadline = _deadline(due, status, met)
        if paused:
            deadline = CaseDeadline(
                deadline.kind, status, deadline.start, None, deadline.law,
                deadline.reason + f" → gehemmt seit {format_date(r.open_suspension.on)}, Ende offen",
            )
        result.append(deadline)

    if r.person is not None:
        due = due_date(Kind.PERSON, r.person.on, calendar=calendar, period=r.person.period)
        if r.person_met:
            status, met = DeadlineStatus.MET, r.person_met
        elif r.ended or r.state is CaseState.DECIDED:
            status, met = DeadlineStatus.CANCELLED, None
        else:
            status, met = DeadlineStatus.OPEN, None
        result.append(_deadline(due, status, met))
    return result


def _deadline(due: Due, status: DeadlineStatus, met: date | None) -> CaseDeadline:
    return CaseDeadline(due.kind, status, due.start, due.due, due.law, due.reason, met)


# ---------------------------------------------------------------------------------------- what a door offers

# The reference occupation is fixed before the application (domain.md §1: "must be fixed before the
# application"); after submission the body decides against the occupation applied for.
OCCUPATION_STATES = frozenset({CaseState.INTAKE, CaseState.COLLECTING_DOCUMENTS, CaseState.READY_TO_SUBMIT})


def offered_events(state: CaseState, *, person_deadline_open: bool, extended: bool, occupation_fixed: bool) -> list[Event]:
    """The steps an adviser is offered (the web page's buttons, the command line's "next steps"): those
    the lifecycle allows in `state`, less the ones that would be refused for this case: marking a
    person's deadline as met when none is open, extending the decision deadline a second time
    (§ 13 Abs. 3 BQFG: once), submitting before the reference occupation is fixed."""
    offered = []
    for event in allowed_events(state):
        if (event is Event.DEADLINE_MET and not person_deadline_open) or (event is Event.EXTEND and extended) \
                or (event is Event.SUBMIT and not occupation_fixed):
            continue
        offered.append(event)
    return offered


def check_event_day(on: date, *, last_recorded: date | None, today: date | None) -> None:
    """A step is recorded on the day it happened: not after today (when the door knows today) and not
    before the last recorded step (events are kept in order; the deadlines are computed from them)."""
    if today is not None and on > today:
        raise FieldError("step.date_in_future", "on", typed=on.isoformat(), on=on, today=today)
    if last_recorded is not None and on < last_recorded:
        raise FieldError("step.before_last", "on", typed=on.isoformat(), on=on, last=last_recorded)


NOTE_MAX = 500


def check_note(note: str | None) -> str | None:
    """A short note kept with a step: one line, at most 500 characters; empty → None."""
    if note is None or not note.strip():
        return None
    text = note.strip()
    if len(text) > NOTE_MAX or not text.isprintable():
        raise FieldError("step.note_too_long", "note", typed=note, limit=NOTE_MAX, length=len(text))
    return text


def possible_outcomes(*, regulated: bool, procedure: str | None) -> tuple[Outcome, ...]:
    """The outcomes a notice can have for this procedure (domain.md §1 "Outcomes"): a compensation
    measure only where the profession is regulated (§ 10 BQFG); partial equivalence only for a
    profession that is not regulated, in a recognition procedure under the BQFG or NBQFG (§ 7 Abs. 2
    BQFG: the notice lists the differences)."""
    outcomes = [Outcome.FULL_EQUIVALENCE]
    if regulated:
        outcomes.append(Outcome.COMPENSATION_MEASURE)
    elif procedure in ("BQFG", "NBQFG"):
        outcomes.append(Outcome.PARTIAL_EQUIVALENCE)
    outcomes.append(Outcome.NO_EQUIVALENCE)
    return tuple(outcomes)
