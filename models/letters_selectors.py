"""Selectors for letters: the facts a batch of letters needs (a few queries per batch, not per case),
the letters already written, the cases whose state may call for one, employers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import func
from sqlmodel import Session, select

from domain.catalogue import Catalogue
from domain.checklist import ChecklistRules, DocumentFacts, checklist
from domain.funding import FundingRoute
from domain.letters.compose import CaseFacts, PersonFacts, SmeFacts
from domain.letters.due import LetterKey
from domain.letters.kinds import LetterKind
from domain.lifecycle import TRANSITIONS, CaseState, Outcome
from models.adviser import Adviser
from models.case import Case, CaseEvent, Deadline
from models.document import Document
from models.letter import CaseSme, Letter, PersonAddress, Sme
from models.person import Consent, Person
from models.selectors import checklist_profile, withdrawn_persons

# states whose letters `due_letters` knows (domain.letters)
LETTER_STATES = (CaseState.COLLECTING_DOCUMENTS.value, CaseState.READY_TO_SUBMIT.value, CaseState.DECIDED.value)
# events that move a case into another state: the last of them is the entry into the current state
STATE_EVENTS = tuple(event.value for event, (_, target) in TRANSITIONS.items() if target is not None)


def cases_in_letter_states(session: Session, *, district: str | None = None, after_id: int = 0, limit: int | None = None) -> list[int]:
    """Ids of the cases whose state may call for a letter, in id order."""
    query = select(Case.id).where(Case.state.in_(LETTER_STATES), Case.id > after_id)
    if district:
        query = query.where(Case.district == district)
    query = query.order_by(Case.id)
    if limit:
        query = query.limit(limit)
    return list(session.exec(query).all())


def letter_facts(session: Session, *, case_ids: Collection[int], catalogue: Catalogue, rules: ChecklistRules) -> dict[int, CaseFacts]:
    """CaseFacts for each case id found, read with one query per table for the whole batch."""
    ids = list(case_ids)
    if not ids:
        return {}
    cases = session.exec(select(Case).where(Case.id.in_(ids))).all()
    person_ids = list({c.person_id for c in cases})
    persons = {p.id: p for p in session.exec(select(Person).where(Person.id.in_(person_ids))).all()}
    addresses = {a.person_id: a for a in session.exec(select(PersonAddress).where(PersonAddress.person_id.in_(person_ids))).all()}
    consenting = set(session.exec(
        select(Consent.person_id).where(Consent.person_id.in_(person_ids), Consent.withdrawn_on.is_(None))
    ).all())
    withdrawn = withdrawn_persons(session, person_ids=person_ids)
    documents: dict[int, list[DocumentFacts]] = defaultdict(list)
    for case_id, item, translated, certified in session.exec(
        select(Document.case_id, Document.item_key, Document.translated, Document.certified).where(Document.case_id.in_(ids))
    ).all():
        documents[case_id].append(DocumentFacts(item=item, translated=translated, certified=certified))
    person_due = dict(session.exec(
        select(Deadline.case_id, Deadline.due).where(Deadline.case_id.in_(ids), Deadline.kind == "person", Deadline.status == "open")
    ).all())
    state_since = dict(session.exec(
        select(CaseEvent.case_id, func.max(CaseEvent.id)).where(CaseEvent.case_id.in_(ids), CaseEvent.event.in_(STATE_EVENTS),
                                                         CaseEvent.corrects_id.is_(None))
        .group_by(CaseEvent.case_id)
    ).all())
    smes: dict[int, list[SmeFacts]] = defaultdict(list)
    for link, sme in session.exec(
        select(CaseSme, Sme).join(Sme, Sme.id == CaseSme.sme_id).where(CaseSme.case_id.in_(ids)).order_by(CaseSme.id)
    ).all():
        smes[link.case_id].append(SmeFacts(
            id=sme.id, name=sme.name, street=sme.street, postcode=sme.postcode, city=sme.city,
            contact_person=sme.contact_person, email=sme.email, phone=sme.phone, person_agreed=link.person_agreed_on is not None,
        ))
    adviser_ids = list({c.adviser_id for c in cases if c.adviser_id})
    advisers = {a.id: a for a in session.exec(select(Adviser).where(Adviser.id.in_(adviser_ids))).all()} if adviser_ids else {}

    facts = {}
    for case in cases:
        person = persons[case.person_id]
        address = addresses.get(person.id)
        abroad = _abroad(address)
        profile = checklist_profile(case, person)
        lines = checklist(rules, profile, documents.get(case.id, ())) if profile is not None else ()
        adviser = advisers.get(case.adviser_id) if case.adviser_id else None
        profession = catalogue.professions.get(case.reference_occupation_key) if case.reference_occupation_key else None
        facts[case.id] = CaseFacts(
            reference=case.reference,
            district=case.district,
            state=CaseState(case.state),
            state_since=state_since.get(case.id) or 0,
            person=PersonFacts(
                given_name=person.given_name, family_name=person.family_name, birth_date=person.birth_date,
                language=person.language, sex=person.sex, receives_buergergeld=person.receives_buergergeld,
                street=address.street if address else None, postcode=address.postcode if address else None,
                city=address.city if address else None, address_addition=address.addition if address else None,
                country=abroad, country_name=catalogue.countries.name_de(abroad) if abroad and catalogue.countries else abroad,
                latin_given_name=person.latin_given_name, latin_family_name=person.latin_family_name,
                academic_title=person.academic_title,
                lives_abroad=person.lives_abroad,
            ),
            occupation=case.reference_occupation,
            occupation_key=case.reference_occupation_key,
            regulated=case.regulated,
            legal_basis=case.legal_basis,
            procedure=case.procedure,
            group=case.profession_group,
            body=catalogue.bodies.get(case.body_key) if case.body_key else None,
            fast_track=case.fast_track,
            country_of_training=case.country_of_training,
            eu_training=case.eu_training,
            outcome=Outcome(case.outcome) if case.outcome else None,
            funding_route=FundingRoute(case.funding_route),
            consent=person.id in consenting,
            consent_withdrawn_on=withdrawn.get(person.id),
            checklist=tuple(lines),
            person_due=person_due.get(case.id),
            smes=tuple(smes.get(case.id, ())),
            adviser_name=adviser.name if adviser and adviser.active else None,
            adviser_email=adviser.email if adviser and adviser.active else None,
            adviser_phone=adviser.phone if adviser and adviser.active else None,
            adviser_function=adviser.function if adviser and adviser.active else None,
            procedure_facts=profession.procedure_facts if profession else None,
        )
    return facts


def _abroad(address: PersonAddress | None) -> str | None:
    """The address's country when it is not Germany (the letter then has a country line)."""
    return address.country if address is not None and address.country and address.country != "DE" else None


def written_letter_keys(session: Session, *, case_ids: Collection[int]) -> set[LetterKey]:
    """(case, kind, recipient, state entry) of every letter written for these cases."""
    if not case_ids:
        return set()
    rows = session.exec(
        select(Letter.case_reference, Letter.kind, Letter.recipient, Letter.state_since).where(Letter.case_id.in_(list(case_ids)))
    ).all()
    return {LetterKey(reference, LetterKind(kind), recipient, since) for reference, kind, recipient, since in rows}


def letters_by_sha(session: Session, *, case_ids: Collection[int]) -> dict[tuple[int, str], Letter]:
    if not case_ids:
        return {}
    rows = session.exec(select(Letter).where(Letter.case_id.in_(list(case_ids)))).all()
    return {(row.case_id, row.sha256): row for row in rows}


def letters_of(session: Session, *, case_id: int) -> list[Letter]:
    return list(session.exec(select(Letter).where(Letter.case_id == case_id).order_by(Letter.id)).all())


def find_smes(session: Session, *, search: str | None = None, limit: int = 100) -> list[Sme]:
    query = select(Sme)
    if search:
        query = query.where(func.lower(Sme.name).contains(search.lower()))
    return list(session.exec(query.order_by(Sme.name).limit(limit)).all())


def smes_of(session: Session, *, case_id: int) -> list[tuple[Sme, CaseSme]]:
    return list(session.exec(
        select(Sme, CaseSme).join(CaseSme, CaseSme.sme_id == Sme.id).where(CaseSme.case_id == case_id).order_by(CaseSme.id)
    ).all())
