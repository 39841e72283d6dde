"""Selectors: reads that the CLI, flows and the web page share. Keyword-only, no hidden globals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, select

from domain.errors import InvalidInput
from domain.lifecycle import CaseState
from models.audit import AuditEvent
from models.case import Case, CaseEvent, Deadline
from models.document import Document, IntakeFile
from models.person import Consent, Person


class CaseNotFound(InvalidInput):
    def __init__(self, reference: str) -> None:
        super().__init__("reference", f"no case '{reference[:30]}' (references look like VER-2026-0042)")


def case_by_reference(session: Session, reference: str, *, district: str | None = None) -> Case:
    """The case, or CaseNotFound — also when it belongs to another district than `district`."""
    query = select(Case).where(Case.reference == reference.strip().upper())
    if district is not None:
        query = query.where(Case.district == district)
    case = session.exec(query).first()
    if case is None:
        raise CaseNotFound(reference)
    return case


def person_of(session: Session, case: Case) -> Person:
    return session.get(Person, case.person_id)


def has_consent(session: Session, *, person_id: int) -> bool:
    """A recorded consent that has not been withdrawn."""
    return (
        session.exec(
            select(Consent.id).where(Consent.person_id == person_id, Consent.withdrawn_on.is_(None)).limit(1)
        ).first()
        is not None
    )


def consents_of(session: Session, *, person_id: int) -> list[Consent]:
    return list(session.exec(select(Consent).where(Consent.person_id == person_id).order_by(Consent.id)).all())


@dataclass(frozen=True)
class CaseRow:
    reference: str
    district: str
    state: str
    given_name: str
    family_name: str
    profession_text: str
    reference_occupation: str | None
    next_due: date | None


def list_cases(
    session: Session,
    *,
    district: str | None = None,
    state: CaseState | None = None,
    overdue_on: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[CaseRow]:
    """Cases with their earliest open deadline, newest first; `overdue_on` keeps only cases with an
    open deadline before that day, most overdue first. Each variant is one index range
    (ix_case_district_next_due, ix_case_state_id, the primary key), also at 100,000 cases."""
    query = select(
        Case.reference, Case.district, Case.state, Person.given_name, Person.family_name,
        Case.profession_text, Case.reference_occupation, Case.next_due,
    ).join(Person, Person.id == Case.person_id)
    if district:
        query = query.where(Case.district == district)
    if state:
        query = query.where(Case.state == state.value)
    if overdue_on:
        query = query.where(Case.next_due < overdue_on).order_by(Case.next_due, Case.id)
    else:
        query = query.order_by(Case.id.desc())
    rows = session.exec(query.limit(limit).offset(offset)).all()
    return [CaseRow(*row) for row in rows]


def count_cases(session: Session, *, district: str | None = None) -> dict[tuple[str, str], int]:
    """Cases per (district, state)."""
    query = select(Case.district, Case.state, func.count()).group_by(Case.district, Case.state)
    if district:
        query = query.where(Case.district == district)
    return {(d, s): n for d, s, n in session.exec(query).all()}


def deadlines_of(session: Session, case: Case) -> list[Deadline]:
    return list(session.exec(select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.start)).all())


def events_of(session: Session, case: Case) -> list[CaseEvent]:
    return list(session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all())


def documents_of(session: Session, case: Case) -> list[Document]:
    return list(session.exec(select(Document).where(Document.case_id == case.id).order_by(Document.id)).all())


def intake_counts(session: Session) -> dict[str, int]:
    return dict(session.exec(select(IntakeFile.outcome, func.count()).group_by(IntakeFile.outcome)).all())


def rejected_reasons(session: Session, *, limit: int = 20) -> list[IntakeFile]:
    return list(
        session.exec(
            select(IntakeFile).where(IntakeFile.outcome.in_(("rejected", "duplicate"))).order_by(IntakeFile.id.desc()).limit(limit)
        ).all()
    )


def audit_history(session: Session, *, case_reference: str, person_id: int | None = None) -> list[AuditEvent]:
    """Everything recorded about the case (and about its person, when given), oldest first."""
    condition = AuditEvent.case_reference == case_reference
    if person_id is not None:
        condition = or_(condition, AuditEvent.person_id == person_id)
    return list(session.exec(select(AuditEvent).where(condition).order_by(AuditEvent.id)).all())


def checklist_profile(case: Case, person: Person):
    """The facts that decide the case's documents; None until the reference occupation is fixed."""
    return profile_from(
        body_key=case.body_key, procedure=case.procedure, regulated=case.regulated, group=case.profession_group,
        occupation_key=case.reference_occupation_key, lives_abroad=person.lives_abroad, name_changed=person.name_changed,
    )


def profile_from(*, body_key, procedure, regulated, group, occupation_key, lives_abroad, name_changed):
    from domain.checklist import CaseProfile

    if body_key is None or procedure is None:
        return None
    return CaseProfile(
        procedure=procedure, regulated=bool(regulated), body=body_key, group=group or "",
        abroad=bool(lives_abroad), name_changed=bool(name_changed), profession=occupation_key,
    )


def case_checklist(session: Session, *, case: Case, person: Person, rules):
    """The case's checklist lines (present / missing / not translated / not certified)."""
    from domain.checklist import DocumentFacts, checklist

    profile = checklist_profile(case, person)
    if profile is None:
        return ()
    facts = [DocumentFacts(item=d.item_key, translated=d.translated, certified=d.certified) for d in documents_of(session, case)]
    return checklist(rules, profile, facts)
