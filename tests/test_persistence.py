"""Persons, cases, events, deadlines and the audit trail, on SQLite and on PostgreSQL."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from domain.access import Actor, Role
from domain.calendar import lower_saxony_calendar
from domain.deadlines import Period
from domain.errors import InvalidInput
from domain.funding import FundingRoute
from domain.lifecycle import CaseState, Event, InvalidTransition, Outcome
from models import AuditEvent, CaseEvent, Deadline, Person
from models.selectors import (
    NotFound,
    case_by_reference,
    cases_page,
    deadlines_of,
    has_consent,
    state_counts,
)
from services.audit import history
from services.cases import advance_case, choose_occupation, find_or_create_person, open_case, record_consent, set_funding

NI = lower_saxony_calendar()
TODAY = date(2026, 11, 25)
ACTOR = "test:adviser@example.org"


def new_person(session, **overrides):
    fields = dict(
        given_name="Olena", family_name="Testenko", birth_date=date(1994, 5, 17), sex="f", language="uk",
        district="verden", receives_buergergeld=True,
    )
    fields.update(overrides)
    person, _ = find_or_create_person(session, actor=ACTOR, **fields)
    return person


def new_case(session, catalogue, profession="Krankenschwester", **overrides):
    person = new_person(session, **overrides)
    return open_case(session, person=person, profession_text=profession, catalogue=catalogue, today=TODAY, actor=ACTOR)


def test_same_name_and_birth_date_is_the_same_person(session):
    first, created = find_or_create_person(
        session, actor=ACTOR, given_name="Ahmad", family_name="Beispiel", birth_date=date(1990, 1, 2),
        language="ar", district="osterholz",
    )
    again, created_again = find_or_create_person(
        session, actor=ACTOR, given_name="Ahmad", family_name="Beispiel", birth_date=date(1990, 1, 2),
        language="ar", district="osterholz",
    )
    session.commit()
    assert created and not created_again and first.id == again.id
    assert len(session.exec(select(Person)).all()) == 1


def test_the_database_refuses_a_duplicate_person_too(session):
    new_person(session)
    session.commit()
    session.add(Person(given_name="Olena", family_name="Testenko", birth_date=date(1994, 5, 17), language="uk", district="verden"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_case_references_count_per_district_and_year(session, catalogue):
    verden = [new_case(session, catalogue, given_name=f"V{i}") for i in range(3)]
    osterholz = new_case(session, catalogue, given_name="O", district="osterholz")
    session.commit()
    assert [c.reference for c in verden] == ["VER-2026-0001", "VER-2026-0002", "VER-2026-0003"]
    assert osterholz.reference == "OHZ-2026-0001"


def test_new_case_stores_the_routing_with_its_reason(session, catalogue):
    case = new_case(session, catalogue)
    session.commit()
    stored = case_by_reference(session, case.reference)
    assert stored.reference_occupation == "Pflegefachfrau/Pflegefachmann"
    assert stored.body_key == "ls_lueneburg" and stored.regulated is True and stored.procedure == "BQFG"
    assert "Landkreis Verden" in stored.routing_reason
    assert stored.state == CaseState.INTAKE


def test_uncertain_profession_leaves_the_choice_to_the_adviser(session, catalogue):
    case = new_case(session, catalogue, profession="Altenpflegehelferin")
    assert case.reference_occupation is None and "Vorschläge" in case.routing_reason
    choose_occupation(session, case=case, profession_key="altenpfleger", catalogue=catalogue, actor=ACTOR)
    session.commit()
    assert case.reference_occupation_key == "altenpfleger" and case.body_key == "ls_lueneburg"


def test_other_district_does_not_find_the_case(session, catalogue):
    case = new_case(session, catalogue)
    session.commit()
    osterholz = Actor(id=1, name="Oda", email="oda@example.org", role=Role.ADVISER, district="osterholz")
    verden = Actor(id=2, name="Vera", email="vera@example.org", role=Role.ADVISER, district="verden")
    with pytest.raises(NotFound):
        case_by_reference(session, case.reference, actor=osterholz)
    assert case_by_reference(session, case.reference.lower(), actor=verden).id == case.id


def advance(session, case, event, on, **kw):
    result = advance_case(session, case=case, event=event, on=on, actor=ACTOR, calendar=NI, **kw)
    session.commit()
    return result


def test_full_lifecycle_stores_events_and_recomputes_deadlines(session, catalogue):
    case = new_case(session, catalogue)
    session.commit()
    advance(session, case, Event.COLLECT, date(2026, 1, 5))
    advance(session, case, Event.READY, date(2026, 2, 20))
    set_funding(session, case=case, route_=FundingRoute.JOBCENTER, decided_on=date(2026, 2, 25), actor=ACTOR)
    result = advance(session, case, Event.SUBMIT, date(2026, 3, 2))
    assert result.warnings == ()
    ack = {d.kind: d for d in deadlines_of(session, case)}["acknowledgement"]
    assert (ack.status, ack.due) == ("open", date(2026, 4, 2))

    advance(session, case, Event.ACKNOWLEDGE, date(2026, 3, 20))
    advance(session, case, Event.DOCUMENTS_COMPLETE, date(2026, 4, 15))
    advance(session, case, Event.ASSESS, date(2026, 4, 16))
    advance(session, case, Event.SUSPEND, date(2026, 5, 4), note="Frist für Nachweise")
    advance(session, case, Event.RESUME, date(2026, 5, 17))
    deadlines = {d.kind: d for d in deadlines_of(session, case)}
    assert deadlines["acknowledgement"].status == "met"
    assert (deadlines["decision"].status, deadlines["decision"].due) == ("open", date(2026, 7, 29))

    advance(session, case, Event.DECIDE, date(2026, 7, 1), outcome=Outcome.COMPENSATION_MEASURE)  # a regulated profession (§ 10 BQFG)
    advance(session, case, Event.CLOSE, date(2026, 7, 10))
    assert case.state == CaseState.CLOSED and case.outcome == "compensation_measure"
    assert {d.kind: d.status for d in deadlines_of(session, case)} == {"acknowledgement": "met", "decision": "met"}
    assert len(session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()) == 10


def test_refused_transition_stores_nothing(session, catalogue):
    case = new_case(session, catalogue)
    session.commit()
    with pytest.raises(InvalidTransition, match="allowed: collect, withdraw, set_deadline"):
        advance_case(session, case=case, event=Event.SUBMIT, on=TODAY, actor=ACTOR, calendar=NI)
    session.rollback()
    assert session.exec(select(CaseEvent)).all() == []
    assert case_by_reference(session, case.reference).state == CaseState.INTAKE


def test_event_before_the_last_one_is_refused(session, catalogue):
    case = new_case(session, catalogue)
    advance(session, case, Event.COLLECT, date(2026, 3, 1))
    with pytest.raises(InvalidInput, match="before the last recorded event"):
        advance_case(session, case=case, event=Event.READY, on=date(2026, 2, 1), actor=ACTOR, calendar=NI)


def test_decision_needs_an_outcome(session, catalogue):
    case = new_case(session, catalogue)
    for event in (Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS):
        advance(session, case, event, date(2026, 3, 2))
    with pytest.raises(InvalidInput, match="outcome"):
        advance_case(session, case=case, event=Event.DECIDE, on=date(2026, 3, 3), actor=ACTOR, calendar=NI)


def test_submitting_without_a_funding_decision_warns_and_the_audit_keeps_it(session, catalogue):
    case = new_case(session, catalogue)
    advance(session, case, Event.COLLECT, date(2026, 3, 1))
    advance(session, case, Event.READY, date(2026, 3, 1))
    result = advance(session, case, Event.SUBMIT, date(2026, 3, 2))
    assert result.warnings and "Anerkennungszuschuss" in result.warnings[0] and "Jobcenter" in result.warnings[0]
    entry = [a for a in history(session, case_reference=case.reference) if a.action == "case.submit"][0]
    assert "Anerkennungszuschuss" in json.loads(entry.after)["warnings"][0]


def test_person_deadline_and_extension_round_trip_through_the_database(session, catalogue):
    case = new_case(session, catalogue)
    advance(session, case, Event.COLLECT, date(2026, 11, 2))
    advance(session, case, Event.SET_DEADLINE, date(2026, 11, 25), period=Period(days=14))
    person = {d.kind: d for d in deadlines_of(session, case)}["person"]
    assert person.due == date(2026, 12, 9) and "14 Tage" in person.reason


def test_audit_trail_records_who_what_before_and_after(engine, session, catalogue):
    started = datetime.now(UTC)
    case = new_case(session, catalogue)
    advance(session, case, Event.COLLECT, date(2026, 3, 1))
    session.commit()
    finished = datetime.now(UTC)
    with Session(engine) as fresh:  # what the database gives back, not the objects this session made
        trail = history(fresh, case_reference=case.reference, person_id=case.person_id)
    actions = [entry.action for entry in trail]
    assert actions == ["person.create", "case.open", "case.collect"]
    last = trail[-1]
    assert last.actor == ACTOR and json.loads(last.before) == {"state": "intake"}
    assert json.loads(last.after)["state"] == "collecting_documents"
    # when it happened: an aware time in UTC (not the 1 March the case event is dated), during this test
    assert last.at.utcoffset() == timedelta(0)
    assert started <= last.at <= finished


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"])
def test_audit_trail_cannot_be_rewritten_even_by_sql(engine, session, catalogue, statement):
    new_case(session, catalogue)
    session.commit()
    with Session(engine) as other:
        with pytest.raises(DBAPIError, match="append-only"):
            other.execute(text(statement))
            other.commit()
        other.rollback()
    assert len(session.exec(select(AuditEvent)).all()) == 2


def test_consent_is_recorded_and_withdrawable(session):
    person = new_person(session)
    assert not has_consent(session, person_id=person.id)
    consent = record_consent(session, person=person, given_on=TODAY, given_by="person", actor=ACTOR)
    session.commit()
    assert has_consent(session, person_id=person.id)
    from services.cases import withdraw_consent

    withdraw_consent(session, consent=consent, on=TODAY, actor=ACTOR)
    session.commit()
    assert not has_consent(session, person_id=person.id)


def test_list_filters_by_district_state_and_overdue(session, catalogue):
    late = new_case(session, catalogue, given_name="Late")
    advance(session, late, Event.COLLECT, date(2026, 9, 1))
    advance(session, late, Event.SET_DEADLINE, date(2026, 9, 1), period=Period(days=14))
    new_case(session, catalogue, given_name="Other", district="osterholz")
    session.commit()
    def listed(**filters):
        return [r.reference for r in cases_page(session, today=TODAY, **filters).rows]

    assert listed(overdue=True) == [late.reference]
    assert listed(district="osterholz") == ["OHZ-2026-0001"]
    assert listed(state=CaseState.COLLECTING_DOCUMENTS.value) == [late.reference]
    assert state_counts(session) == {("verden", "collecting_documents"): 1, ("osterholz", "intake"): 1}
    row = cases_page(session, district="verden", today=TODAY).rows[0]
    assert row.next_due == date(2026, 9, 15) and row.given_name == "Late"


def test_deadline_rows_are_unique_per_case_and_kind(session, catalogue):
    case = new_case(session, catalogue)
    advance(session, case, Event.COLLECT, date(2026, 9, 1))
    advance(session, case, Event.SET_DEADLINE, date(2026, 9, 1), period=Period(days=14))
    advance(session, case, Event.SET_DEADLINE, date(2026, 9, 2), period=Period(weeks=3))
    rows = session.exec(select(Deadline).where(Deadline.case_id == case.id)).all()
    assert len(rows) == 1 and rows[0].due == date(2026, 9, 23)
    session.commit()
    session.add(Deadline(case_id=case.id, kind="person", status="open", start=date(2026, 9, 3), due=date(2026, 9, 17),
                         law="§ 15 BQFG", reason="a second person deadline"))
    with pytest.raises(IntegrityError):  # the database refuses a second row too, not only the service
        session.commit()
    session.rollback()


def test_the_newest_migration_file_is_alembics_head():
    """ready_engine answers "schema current" without Alembic by comparing with the newest file."""
    from alembic.script import ScriptDirectory

    from adapters.database import alembic_config, newest_migration

    assert newest_migration() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
