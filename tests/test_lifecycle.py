"""The case lifecycle: every transition, allowed and refused, and the deadlines events drive."""

from datetime import date

import pytest

from domain.calendar import lower_saxony_calendar
from domain.deadlines import Kind, Period
from domain.errors import InvalidInput
from domain.lifecycle import (
    CaseState as S,
    DeadlineStatus,
    Event as E,
    InvalidTransition,
    Outcome,
    ProcedureProfile,
    RecordedEvent,
    case_deadlines,
    next_state,
    parse_event,
    replay,
)

OPEN_BUT_DECIDED = [s for s in S if s not in (S.CLOSED, S.WITHDRAWN, S.DECIDED)]

# The lifecycle as the issue states it, written out by hand (not derived from the code's table).
ALLOWED = {
    (S.INTAKE, E.COLLECT): S.COLLECTING_DOCUMENTS,
    (S.COLLECTING_DOCUMENTS, E.READY): S.READY_TO_SUBMIT,
    (S.READY_TO_SUBMIT, E.REOPEN): S.COLLECTING_DOCUMENTS,
    (S.READY_TO_SUBMIT, E.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, E.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.ACKNOWLEDGED, E.DOCUMENTS_COMPLETE): S.DOCUMENTS_COMPLETE,
    (S.DOCUMENTS_COMPLETE, E.ASSESS): S.IN_ASSESSMENT,
    (S.IN_ASSESSMENT, E.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, E.RESUME): S.IN_ASSESSMENT,
    (S.IN_ASSESSMENT, E.DECIDE): S.DECIDED,
    (S.DECIDED, E.CLOSE): S.CLOSED,
    (S.DOCUMENTS_COMPLETE, E.EXTEND): S.DOCUMENTS_COMPLETE,
    (S.IN_ASSESSMENT, E.EXTEND): S.IN_ASSESSMENT,
    (S.SUSPENDED, E.EXTEND): S.SUSPENDED,
    **{(s, E.WITHDRAW): S.WITHDRAWN for s in OPEN_BUT_DECIDED},
    **{(s, E.SET_DEADLINE): s for s in OPEN_BUT_DECIDED},
    **{(s, E.DEADLINE_MET): s for s in [*OPEN_BUT_DECIDED, S.DECIDED]},
}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("event", list(E))
def test_every_transition_is_allowed_or_refused_with_the_allowed_ones_named(state, event):
    expected = ALLOWED.get((state, event))
    if expected is not None:
        assert next_state(state, event) is expected
    else:
        with pytest.raises(InvalidTransition) as caught:
            next_state(state, event)
        allowed = [e.value for (s, e) in ALLOWED if s is state]
        message = str(caught.value)
        assert f"'{event.value}' is not allowed in state '{state.value}'" in message
        for name in allowed:
            assert name in message
        if not allowed:
            assert "none (the case is final)" in message


def test_unknown_event_names_the_known_ones():
    with pytest.raises(InvalidInput, match="use one of collect, ready"):
        parse_event("approve")
    assert parse_event("documents-complete") is E.DOCUMENTS_COMPLETE


NI = lower_saxony_calendar()
STANDARD = ProcedureProfile()


def ev(event, on, **kw):
    return RecordedEvent(event, on, **kw)


def path_to_assessment(submitted=date(2026, 3, 2), acknowledged=date(2026, 3, 20), complete=date(2026, 4, 15)):
    return [
        ev(E.COLLECT, date(2026, 2, 1)),
        ev(E.READY, date(2026, 2, 20)),
        ev(E.SUBMIT, submitted),
        ev(E.ACKNOWLEDGE, acknowledged),
        ev(E.DOCUMENTS_COMPLETE, complete),
        ev(E.ASSESS, complete),
    ]


def by_kind(deadlines):
    return {d.kind: d for d in deadlines}


def test_submission_opens_the_acknowledgement_deadline():
    events = path_to_assessment()[:3]
    deadlines = by_kind(case_deadlines(events, STANDARD, calendar=NI))
    assert deadlines[Kind.ACKNOWLEDGEMENT].status is DeadlineStatus.OPEN
    assert deadlines[Kind.ACKNOWLEDGEMENT].due == date(2026, 4, 2)
    assert Kind.DECISION not in deadlines


def test_acknowledgement_meets_it_and_complete_documents_start_the_decision_clock():
    deadlines = by_kind(case_deadlines(path_to_assessment(), STANDARD, calendar=NI))
    assert deadlines[Kind.ACKNOWLEDGEMENT].status is DeadlineStatus.MET
    assert deadlines[Kind.ACKNOWLEDGEMENT].met_on == date(2026, 3, 20)
    decision = deadlines[Kind.DECISION]
    assert decision.status is DeadlineStatus.OPEN
    assert decision.start == date(2026, 4, 15)
    assert decision.due == date(2026, 7, 15)
    assert decision.law == "§ 13 Abs. 3 BQFG"


def test_fast_track_uses_the_short_periods():
    deadlines = by_kind(case_deadlines(path_to_assessment(), ProcedureProfile(fast_track=True), calendar=NI))
    assert deadlines[Kind.ACKNOWLEDGEMENT].due == date(2026, 3, 16)
    assert deadlines[Kind.DECISION].due == date(2026, 6, 15)


def test_a_finished_suspension_adds_its_days():
    events = [*path_to_assessment(), ev(E.SUSPEND, date(2026, 5, 4), note="Frist für Nachweise"), ev(E.RESUME, date(2026, 5, 17))]
    decision = by_kind(case_deadlines(events, STANDARD, calendar=NI))[Kind.DECISION]
    assert decision.due == date(2026, 7, 29)  # 15.07. + 14 days
    assert "14 Tage Hemmung" in decision.reason and "Frist für Nachweise" in decision.reason


def test_a_running_suspension_with_a_known_end_counts_to_that_end():
    events = [*path_to_assessment(), ev(E.SUSPEND, date(2026, 5, 4), until=date(2026, 5, 17))]
    decision = by_kind(case_deadlines(events, STANDARD, calendar=NI))[Kind.DECISION]
    assert decision.status is DeadlineStatus.OPEN and decision.due == date(2026, 7, 29)


def test_a_running_suspension_without_an_end_pauses_the_decision_deadline():
    events = [*path_to_assessment(), ev(E.SUSPEND, date(2026, 5, 4), note="Qualifikationsanalyse")]
    decision = by_kind(case_deadlines(events, STANDARD, calendar=NI))[Kind.DECISION]
    assert decision.status is DeadlineStatus.PAUSED and decision.due is None
    assert "gehemmt seit 04.05.2026" in decision.reason


def test_one_extension_only():
    events = [*path_to_assessment(), ev(E.EXTEND, date(2026, 6, 1), period=Period(months=1))]
    assert by_kind(case_deadlines(events, STANDARD, calendar=NI))[Kind.DECISION].due == date(2026, 8, 17)
    with pytest.raises(InvalidInput, match="only once"):
        case_deadlines([*events, ev(E.EXTEND, date(2026, 6, 2), period=Period(weeks=2))], STANDARD, calendar=NI)


def test_decision_meets_the_deadline_and_withdrawal_cancels_open_ones():
    decided = [*path_to_assessment(), ev(E.DECIDE, date(2026, 6, 30), outcome=Outcome.PARTIAL_EQUIVALENCE)]
    assert by_kind(case_deadlines(decided, STANDARD, calendar=NI))[Kind.DECISION].status is DeadlineStatus.MET
    withdrawn = [*path_to_assessment()[:3], ev(E.WITHDRAW, date(2026, 3, 10))]
    assert by_kind(case_deadlines(withdrawn, STANDARD, calendar=NI))[Kind.ACKNOWLEDGEMENT].status is DeadlineStatus.CANCELLED


def test_person_deadline_is_set_met_and_replaced():
    events = [ev(E.COLLECT, date(2026, 11, 2)), ev(E.SET_DEADLINE, date(2026, 11, 25), period=Period(days=14))]
    person = by_kind(case_deadlines(events, STANDARD, calendar=NI))[Kind.PERSON]
    assert person.status is DeadlineStatus.OPEN and person.due == date(2026, 12, 9)
    met = by_kind(case_deadlines([*events, ev(E.DEADLINE_MET, date(2026, 12, 1))], STANDARD, calendar=NI))[Kind.PERSON]
    assert met.status is DeadlineStatus.MET
    with pytest.raises(InvalidInput, match="no open deadline"):
        case_deadlines([*events, ev(E.DEADLINE_MET, date(2026, 12, 1)), ev(E.DEADLINE_MET, date(2026, 12, 2))], STANDARD, calendar=NI)


def test_procedures_without_statutory_deadlines_have_none():
    events = path_to_assessment()
    assert case_deadlines(events, ProcedureProfile(procedure="none"), calendar=NI) == []


def test_replay_refuses_an_impossible_history():
    with pytest.raises(InvalidTransition):
        replay([ev(E.COLLECT, date(2026, 1, 1)), ev(E.DECIDE, date(2026, 1, 2))])
    assert replay(path_to_assessment()) is S.IN_ASSESSMENT
