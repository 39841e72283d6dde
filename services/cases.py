"""Services: every change to persons, cases and documents, each with its audit entry.

Plain functions with keyword-only arguments (HackSoftware style); the caller owns the transaction
(`models.db.session_scope`), so a service's changes and its audit entry commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from adapters.transliteration import LatinProposal, propose_latin
from domain import validation
from domain.access import Actor, check_new_case_district
from domain.calendar import WorkingCalendar
from domain.catalogue import Catalogue
from domain.consent import check_keep_reason, check_withdrawal_day
from domain.deadlines import Period
from domain.errors import InvalidInput, _clip
from domain.fast_track import check_fast_track
from domain.funding import FundingRoute, funding_warnings
from domain.lifecycle import (
    OCCUPATION_STATES,
    OUTCOME_DE,
    CaseState,
    Event,
    Outcome,
    ProcedureProfile,
    RecordedEvent,
    case_deadlines,
    check_event_day,
    check_note,
    next_state,
    possible_outcomes,
)
from domain.messages import Term
from domain.routing import Routing, route
from domain.validation import FieldError, person_identity_key
from models._types import checked, utc_now
from models.adviser import Adviser
from models.case import Appointment, Case, CaseCreate, CaseEvent, Deadline
from models.letter import LatinNameCreate, PersonAddress, PersonAddressCreate
from models.person import CONSENT_PURPOSE, Consent, Person, PersonCreate
from models.selectors import has_consent, withdrawal_of
from services.audit import record_audit
from services.outbox import cancel_after_withdrawal
from services.search import refresh_case_search

# ---------------------------------------------------------------------------------------- persons

PERSON_FIELDS = (
    "given_name", "family_name", "birth_date", "sex", "language", "email", "phone", "district",
    "receives_buergergeld", "arrival_date", "lives_abroad", "name_changed",
)


def person_create_audit(fields: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of a new person: every field as entered."""
    return {name: fields.get(name) for name in PERSON_FIELDS}


def find_person(session: Session, *, given_name: str, family_name: str, birth_date: date) -> Person | None:
    """The person with these names (NFC, case-folded) and birth date: "Zoë" typed in NFD or as "ZOË"
    finds the "Zoë" on file (domain.validation.person_identity_key)."""
    key = person_identity_key(given_name, family_name, birth_date)
    return session.exec(select(Person).where(Person.identity_key == key)).first()


def find_or_create_person(session: Session, *, actor: str, **fields: Any) -> tuple[Person, bool]:
    """The person with this given name, family name and birth date, created if new."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    existing = find_person(
        session, given_name=fields["given_name"], family_name=fields["family_name"], birth_date=fields["birth_date"]
    )
    if existing is not None:
        return existing, False
    person = Person(**fields)
    session.add(person)
    session.flush()
    record_audit(
        session, actor=actor, action="person.create", entity="person", entity_id=person.id, person_id=person.id,
        after=person_create_audit({name: getattr(person, name) for name in PERSON_FIELDS}),
    )
    return person, True


CONSENT_GIVER_MAX = 100


def check_consent_giver(given_by: str | None) -> str:
    """Who gave the consent: "Person", or the name of the legal guardian (one line, at most 100
    characters; Art. 8 DSGVO for a child)."""
    text = (given_by or "").strip()
    if not text or len(text) > CONSENT_GIVER_MAX or not text.isprintable():
        raise InvalidInput("consent.given_by", "given_by", limit=CONSENT_GIVER_MAX)
    return text


def record_consent(
    session: Session, *, person: Person, given_on: date, given_by: str, actor: str, purpose: str = CONSENT_PURPOSE
) -> Consent:
    given_by = check_consent_giver(given_by)
    consent = Consent(person_id=person.id, purpose=purpose, given_on=given_on, given_by=given_by, recorded_by=actor)
    session.add(consent)
    session.flush()
    record_audit(
        session, actor=actor, action="consent.record", entity="consent", entity_id=consent.id, person_id=person.id,
        after={"person_id": person.id, "purpose": purpose, "given_on": given_on, "given_by": consent.given_by},
    )
    return consent


def withdraw_consent(session: Session, *, consent: Consent, on: date, actor: str) -> None:
    """Mark one consent row withdrawn on `on`, audited (`withdraw_consents` is the use case)."""
    before = {"withdrawn_on": consent.withdrawn_on}
    consent.withdrawn_on = on
    consent.withdrawn_by = actor
    session.add(consent)
    record_audit(
        session, actor=actor, action="consent.withdraw", entity="consent", entity_id=consent.id,
        person_id=consent.person_id, before=before, after={"withdrawn_on": on},
    )


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal did: the day, who recorded it, the person's cases (references), and how
    many queued reminders to the person or the body were cancelled."""

    on: date
    by: str
    references: tuple[str, ...]
    cancelled_reminders: int


def withdraw_consents(session: Session, *, person: Person, on: date, today: date, actor: str) -> Withdrawal:
    """The person withdraws consent (Art. 7 Abs. 3 DSGVO) on `on` (domain.consent.check_withdrawal_day:
    not after today, not before the consent was given). Every standing consent of the person is
    marked withdrawn, and in the same transaction the queued reminders of the person's cases to the
    person and to the body are cancelled (services.outbox.cancel_after_withdrawal). From then on the
    reminder selection skips them (domain.reminders.recipient_for), the letters are refused
    (domain.letters.compose), the inbox holds their files (services.intake, no consent); a consent
    given again (`record_consent`) ends all three. The caller commits."""
    standing = [c for c in session.exec(select(Consent).where(Consent.person_id == person.id)).all()
                if c.withdrawn_on is None]
    if not standing:
        raise InvalidInput("consent.none_to_withdraw", "consent")
    check_withdrawal_day(on, given_on=max(c.given_on for c in standing), today=today)
    for consent in standing:
        withdraw_consent(session, consent=consent, on=on, actor=actor)
    cases = session.exec(select(Case.id, Case.reference).where(Case.person_id == person.id).order_by(Case.id)).all()
    cancelled = cancel_after_withdrawal(session, case_ids=[case_id for case_id, _ in cases])
    for case_id, reference in cases:  # the case's own trail says it too (the history shows case entries)
        record_audit(session, actor=actor, action="case.consent_withdrawn", entity="case", entity_id=case_id,
                     case_reference=reference, person_id=person.id,
                     after={"withdrawn_on": on, "cancelled_reminders": cancelled})
    return Withdrawal(on, actor, tuple(reference for _, reference in cases), cancelled)


def record_keep_decision(session: Session, *, person: Person, reason: str, actor: str) -> Consent:
    """After a withdrawal, the adviser's decision to keep what a legal duty requires instead of
    erasing now (Art. 17 Abs. 3 lit. b/e DSGVO), with the duty named (domain.consent.check_keep_reason);
    recorded on the withdrawn consent, audited. The other decision, erasure, is
    `welcome-center person erase`. The caller commits."""
    reason = check_keep_reason(reason)
    withdrawn = withdrawal_of(session, person_id=person.id)
    if withdrawn is None:
        reference = session.exec(select(Case.reference).where(Case.person_id == person.id).order_by(Case.id)).first()
        raise InvalidInput("consent.keep_not_withdrawn", "keep_reason", reference=reference or "REF")
    before = {"keep_reason": withdrawn.keep_reason}
    withdrawn.keep_reason, withdrawn.keep_recorded_by, withdrawn.keep_recorded_at = reason, actor, utc_now()
    session.add(withdrawn)
    record_audit(session, actor=actor, action="consent.keep", entity="consent", entity_id=withdrawn.id,
                 person_id=person.id, before=before, after={"keep_reason": reason})
    return withdrawn


def set_person_address(session: Session, *, person: Person, address: PersonAddressCreate, actor: str) -> PersonAddress:
    """The person's postal address (DIN 5008 Anschriftzone), validated by `PersonAddressCreate`. A name
    written in another script than Latin gets the proposal for its Latin spelling now, if none is
    recorded (`propose_latin_name`): every door that records an address (the CLI, the web form, the
    demo) leaves the person ready for a letter, and the adviser checks the proposal against the passport."""
    values = address.model_dump()
    stored = session.get(PersonAddress, person.id)
    before = None
    if stored is None:
        stored = PersonAddress(person_id=person.id, **values)
    else:
        before = {name: getattr(stored, name) for name in values}
        for name, value in values.items():
            setattr(stored, name, value)
        stored.updated_at = utc_now()
    session.add(stored)
    session.flush()
    record_audit(session, actor=actor, action="person.address", entity="person_address", entity_id=person.id,
                 person_id=person.id, before=before, after=values)
    propose_latin_name(session, person=person, actor=actor)
    return stored


def set_latin_name(session: Session, *, person: Person, name: LatinNameCreate, actor: str,
                   source: str = "adviser") -> Person:
    """The person's name in Latin script as in the passport, which the address field and the German
    salutation print (DIN 5008); `source` says where it came from: "adviser" (typed, checked against
    the passport) or the transliteration that proposed it."""
    before = {"latin_given_name": person.latin_given_name, "latin_family_name": person.latin_family_name}
    after = {"latin_given_name": name.latin_given_name, "latin_family_name": name.latin_family_name}
    if before == after:
        return person
    person.latin_given_name, person.latin_family_name = name.latin_given_name, name.latin_family_name
    session.add(person)
    session.flush()
    record_audit(session, actor=actor, action="person.latin_name", entity="person", entity_id=person.id,
                 person_id=person.id, before=before, after={**after, "source": source})
    refresh_case_search(session, person_ids=[person.id])
    return person


def correct_person_name(session: Session, *, person: Person, given_name: str, family_name: str, actor: str) -> Person:
    """Correct the person's name as written (a typo at intake, a name changed by marriage); the same
    checks as a new person's (`domain.validation`). The search finds the person by the new name at
    once, and no longer by the old one; the audit trail keeps both."""
    given, family = validation.given_name(given_name), validation.family_name(family_name)
    before = {"given_name": person.given_name, "family_name": person.family_name}
    after = {"given_name": given, "family_name": family}
    if before == after:
        return person
    person.given_name, person.family_name = given, family
    session.add(person)
    session.flush()
    record_audit(session, actor=actor, action="person.name", entity="person", entity_id=person.id,
                 person_id=person.id, before=before, after=after)
    refresh_case_search(session, person_ids=[person.id])
    return person


CORRECTABLE = (
    "given_name", "family_name", "latin_given_name", "latin_family_name", "birth_date", "email", "phone", "language",
    "sex", "receives_buergergeld", "arrival_date",
)
"""What a correction (Art. 16 DSGVO) may change. The district has its own rule (who may move a person
to the other district, domain.access); the postal address its own service (`set_person_address`)."""
IDENTITY_FIELDS = ("given_name", "family_name", "birth_date")
_LATIN = ("latin_given_name", "latin_family_name")


def parse_person_correction(person: Person, changes: dict[str, Any], *, today: date,
                            districts: list[str]) -> dict[str, Any] | list[FieldError]:
    """The corrected values that differ from what is stored, parsed as a new person's are
    (`PersonCreate`, `LatinNameCreate`: the parsers of domain.validation), or every field's error.
    `changes` holds only what was typed (text as typed, a bool for Bürgergeld; "" clears an optional
    value). A value the same as stored is no change; no change at all is refused too."""
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise TypeError(f"not correctable here: {sorted(unknown)}")
    stored = {name: getattr(person, name) for name in PERSON_FIELDS}
    merged = {**stored, **{k: v for k, v in changes.items() if k not in _LATIN}}
    parsed_person = checked(PersonCreate, merged, today=today, districts=districts)
    errors = list(parsed_person) if isinstance(parsed_person, list) else []
    latin = {}
    if any(name in changes for name in _LATIN):
        wanted = {name: changes.get(name, getattr(person, name)) or None for name in _LATIN}
        parsed_latin = checked(LatinNameCreate, wanted)
        if isinstance(parsed_latin, list):
            errors.extend(parsed_latin)
        else:
            latin = parsed_latin.model_dump()
    if errors:  # the fields typed first: an old value that no longer passes is named after them
        return sorted(errors, key=lambda e: e.field not in changes)
    values = {name: getattr(parsed_person, name) for name in CORRECTABLE if name not in _LATIN} | latin
    corrected = {name: value for name, value in values.items() if name in changes and value != getattr(person, name)}
    if not corrected:
        return [FieldError("person.nothing_to_correct", "person")]
    return corrected


@dataclass(frozen=True)
class PersonCorrected:
    person: Person
    before: dict[str, Any]
    after: dict[str, Any]


def correct_person(session: Session, *, person: Person, corrected: dict[str, Any], actor: str) -> PersonCorrected:
    """Correct the person's data (Art. 16 DSGVO) with values from `parse_person_correction`: one audit
    entry with each changed field before and after (sealed with the person's key, services.audit),
    the search documents of the person's cases rewritten. A change that makes the person the same as
    another person on file (name and birth date, `person_identity_key`) is refused: two rows for one
    person would split their cases and their consent. Letters already written stay as they were sent
    (their files and rows are not touched: a letter is a record of what went out). The caller commits."""
    if not corrected:
        raise FieldError("person.nothing_to_correct", "person")
    if any(name in corrected for name in IDENTITY_FIELDS):
        new = {name: corrected.get(name, getattr(person, name)) for name in IDENTITY_FIELDS}
        key = person_identity_key(new["given_name"], new["family_name"], new["birth_date"])
        other = session.exec(select(Person.id).where(Person.identity_key == key, Person.id != person.id)).first()
        if other is not None:
            reference = session.exec(select(Case.reference).where(Case.person_id == other).order_by(Case.id)).first()
            field = next(name for name in IDENTITY_FIELDS if name in corrected)
            raise FieldError("person.identity_clash", field, other=reference or f"person {other}")
    before = {name: getattr(person, name) for name in corrected}
    for name, value in corrected.items():
        setattr(person, name, value)
    session.add(person)
    session.flush()
    record_audit(session, actor=actor, action="person.correct", entity="person", entity_id=person.id,
                 person_id=person.id, before=before, after=dict(corrected))
    refresh_case_search(session, person_ids=[person.id])
    return PersonCorrected(person, before, dict(corrected))


def propose_latin_name(session: Session, *, person: Person, actor: str, replace: bool = False) -> LatinProposal | None:
    """Fill the Latin spelling of a name written in another script with a proposal
    (`adapters.transliteration`: the Ukrainian national standard, ICAO Doc 9303, or ICU), unless one
    is recorded already (`replace` overwrites it). The proposal is stored marked as such in the audit
    trail, and the door that calls this shows it to be checked against the passport. None: the name is
    written in Latin letters, or its Latin spelling is kept."""
    if not replace and (person.latin_given_name or person.latin_family_name):
        return None
    proposal = propose_latin(person.given_name, person.family_name, language=person.language)
    if proposal is None:
        return None
    name = LatinNameCreate(latin_given_name=proposal.given_name, latin_family_name=proposal.family_name)
    set_latin_name(session, person=person, name=name, actor=actor, source=f"proposal: {proposal.method}")
    return proposal


# ---------------------------------------------------------------------------------------- cases


def next_reference(session: Session, *, prefix: str, year: int) -> str:
    """VER-2026-0042: the next number for the prefix and year, atomically (an upsert with RETURNING,
    on SQLite ≥ 3.35 and PostgreSQL alike), so two advisers never get the same reference."""
    return reserve_references(session, prefix=prefix, year=year, count=1)[0]


def reserve_references(session: Session, *, prefix: str, year: int, count: int) -> list[str]:
    """`count` consecutive references in one atomic statement (the bulk import takes a block)."""
    last = session.execute(
        text(
            "INSERT INTO reference_counter (prefix, year, last) VALUES (:prefix, :year, :count) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last = reference_counter.last + :count RETURNING last"
        ),
        {"prefix": prefix, "year": year, "count": count},
    ).scalar_one()
    return [f"{prefix}-{year}-{number:04d}" for number in range(last - count + 1, last + 1)]


def trained_in_eu(country_of_training: str | None, eu_training: bool) -> bool | None:
    """Where the training was done, as routing asks it: EU/EEA/CH, a third country, or unknown (no
    country recorded): teachers and lawyers go to different bodies by it, and the compensation
    measures differ (domain.md §9)."""
    return eu_training if country_of_training else None


def routing_fields(routing: Routing) -> dict[str, Any]:
    """The case columns a routing result fills (shared by open_case and the bulk import)."""
    profession = routing.profession
    return {
        "routing_method": routing.method,
        "routing_score": routing.score,
        "routing_reason": routing.reason,
        "routing_conflict": routing.conflict,
        "reference_occupation_key": profession.key if profession else None,
        "reference_occupation": profession.name if profession else None,
        "body_key": routing.body.key if routing.body else None,
        "regulated": profession.regulated if profession else None,
        "law": profession.law if profession else None,
        "legal_basis": profession.legal_basis if profession else None,
        "procedure": profession.procedure if profession else None,
        "profession_group": profession.group if profession else None,
    }


def _apply_routing(case: Case, routing: Routing) -> None:
    for name, value in routing_fields(routing).items():
        setattr(case, name, value)


def new_case_fields(
    *, reference: str, person_id: int, district: str, routing: Routing, fast_track: bool,
    country_of_training: str | None, eu_training: bool, adviser_id: int | None = None,
) -> dict[str, Any]:
    """Every column of a new case in state intake (shared by open_case and the bulk import)."""
    now = utc_now()
    return {
        "reference": reference, "person_id": person_id, "district": district, "profession_text": routing.query,
        "fast_track": fast_track, "eu_training": eu_training, "country_of_training": country_of_training,
        "adviser_id": adviser_id, "state": "intake", "funding_route": FundingRoute.NOT_RECORDED.value,
        "created_at": now, "updated_at": now, "last_activity_at": now, **routing_fields(routing),
    }


def case_open_audit(fields: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of a new case."""
    return {
        "person_id": fields["person_id"], "profession_text": fields["profession_text"], "fast_track": fields["fast_track"],
        "country_of_training": fields["country_of_training"], "reference_occupation": fields["reference_occupation"],
        "body_key": fields["body_key"], "regulated": fields["regulated"], "routing_method": fields["routing_method"],
    }


def _routing_summary(case: Case) -> dict:
    return {
        "reference_occupation": case.reference_occupation,
        "body_key": case.body_key,
        "regulated": case.regulated,
        "routing_method": case.routing_method,
    }


def open_case(
    session: Session,
    *,
    person: Person,
    profession_text: str,
    catalogue: Catalogue,
    today: date,
    actor: str,
    fast_track: bool = False,
    country_of_training: str | None = None,
    eu_training: bool = False,
    adviser_id: int | None = None,
) -> Case:
    """A new case in state intake, routed for the person's district (candidates kept in the reason
    when the profession is not certain; the adviser then picks one with `choose_occupation`)."""
    routing = route(profession_text, person.district, catalogue, eu_training=trained_in_eu(country_of_training, eu_training))
    prefix = catalogue.districts[person.district].reference_prefix
    fields = new_case_fields(
        reference=next_reference(session, prefix=prefix, year=today.year), person_id=person.id,
        district=person.district, routing=routing, fast_track=fast_track,
        country_of_training=country_of_training, eu_training=eu_training, adviser_id=adviser_id,
    )
    case = Case(**fields)
    session.add(case)
    session.flush()
    refresh_case_search(session, case_ids=[case.id])
    record_audit(
        session, actor=actor, action="case.open", entity="case", entity_id=case.id, case_reference=case.reference,
        person_id=person.id, after=case_open_audit(fields),
    )
    return case


def choose_occupation(session: Session, *, case: Case, profession_key: str, catalogue: Catalogue, actor: str) -> Case:
    """Fix the reference occupation the adviser chose (im Einvernehmen with the body, domain.md §1)."""
    profession = catalogue.professions.get(profession_key)
    if profession is None:
        raise InvalidInput("occupation.unknown", "reference occupation", value=_clip(profession_key, 60))
    if CaseState(case.state) not in OCCUPATION_STATES:
        raise InvalidInput("occupation.after_submission", "reference occupation")
    before = _routing_summary(case)
    routing = route(profession.name, case.district, catalogue,
                    eu_training=trained_in_eu(case.country_of_training, case.eu_training))
    _apply_routing(case, routing)
    case.updated_at = case.last_activity_at = utc_now()
    session.add(case)
    refresh_case_search(session, case_ids=[case.id])
    record_audit(
        session, actor=actor, action="case.choose_occupation", entity="case", entity_id=case.id,
        case_reference=case.reference, before=before, after=_routing_summary(case),
    )
    return case


def assign_adviser(session: Session, *, case: Case, adviser: Adviser | None, actor: str) -> Case:
    """The case's adviser: the contact person in its letters and the one who sees it under "my cases".
    An adviser works for one district; a lead for both."""
    if adviser is not None and adviser.district is not None and adviser.district != case.district:
        raise InvalidInput("adviser.other_district", "adviser", district=case.district)
    before = {"adviser_id": case.adviser_id}
    case.adviser_id = adviser.id if adviser is not None else None
    case.updated_at = utc_now()
    session.add(case)
    record_audit(session, actor=actor, action="case.assign", entity="case", entity_id=case.id,
                 case_reference=case.reference, before=before, after={"adviser_id": case.adviser_id})
    return case


def set_funding(session: Session, *, case: Case, route_: FundingRoute, decided_on: date, actor: str) -> None:
    before = {"funding_route": case.funding_route, "funding_decided_on": case.funding_decided_on}
    case.funding_route = route_.value
    case.funding_decided_on = decided_on
    case.updated_at = case.last_activity_at = utc_now()
    session.add(case)
    record_audit(
        session, actor=actor, action="case.funding", entity="case", entity_id=case.id, case_reference=case.reference,
        before=before, after={"funding_route": route_.value, "funding_decided_on": decided_on},
    )


def procedure_profile(case: Case) -> ProcedureProfile:
    return ProcedureProfile(
        fast_track=case.fast_track,
        regulated=bool(case.regulated) if case.regulated is not None else True,
        procedure=case.procedure or "none",
        eu_training=case.eu_training,
    )


def recorded_events(session: Session, case: Case) -> list[RecordedEvent]:
    """The case's steps in the order recorded, each on its corrected day (the last correction wins)."""
    return [_recorded(row, on) for row, on in effective_events(session, case)]


def effective_events(session: Session, case: Case) -> list[tuple[CaseEvent, date]]:
    """The original step rows in order, each with the day of its latest correction (or its own); the
    deadlines and the state are computed from these, the history shows the rows as recorded."""
    rows = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    corrected: dict[int, date] = {row.corrects_id: row.occurred_on for row in rows if row.corrects_id is not None}
    return [(row, corrected.get(row.id, row.occurred_on)) for row in rows if row.corrects_id is None]


def _recorded(row: CaseEvent, on: date | None = None) -> RecordedEvent:
    return RecordedEvent(
        event=Event(row.event),
        on=on or row.occurred_on,
        outcome=Outcome(row.outcome) if row.outcome else None,
        period=Period.parse(row.period) if row.period else None,
        until=row.until,
        note=row.note,
    )


@dataclass(frozen=True)
class Advanced:
    case: Case
    before: CaseState
    after: CaseState
    warnings: tuple[str, ...]


def advance_case(
    session: Session,
    *,
    case: Case,
    event: Event,
    on: date,
    actor: str,
    calendar: WorkingCalendar,
    outcome: Outcome | None = None,
    period: Period | None = None,
    until: date | None = None,
    note: str | None = None,
    today: date | None = None,
) -> Advanced:
    """Apply one lifecycle event: store it, recompute the deadlines, write the audit entry.

    Refused (nothing stored) when the event is not allowed in the case's state, when its date lies
    before the last recorded event or after `today` (every door passes it; a replay of history, as in
    the demo, may leave it out), or when the details it needs are missing.
    """
    before = CaseState(case.state)
    after = next_state(before, event)
    if event is Event.DECIDE and outcome is None:
        raise InvalidInput("step.outcome_missing", "outcome", outcomes=[o.value for o in Outcome])
    if event is not Event.DECIDE and outcome is not None:
        raise InvalidInput("step.outcome_not_expected", "outcome")
    if outcome is not None:
        possible = possible_outcomes(regulated=bool(case.regulated), procedure=case.procedure)
        if outcome not in possible:
            raise InvalidInput("step.outcome_impossible", "outcome", outcome=Term(outcome.value, OUTCOME_DE[outcome]),
                               possible=[Term(o.value, OUTCOME_DE[o]) for o in possible])
    if until is not None and until < on:
        raise FieldError("step.until_before_start", "until")
    note = check_note(note)
    if event is Event.SUBMIT and case.procedure is None:
        raise InvalidInput("step.submit_without_occupation", "reference occupation")

    history = recorded_events(session, case)
    check_event_day(on, last_recorded=history[-1].on if history else None, today=today)
    new = RecordedEvent(event, on, outcome, period, until, note)
    profile = procedure_profile(case)
    deadlines = case_deadlines([*history, new], profile, calendar=calendar)  # validates the whole history

    warnings: tuple[str, ...] = ()
    if event is Event.SUBMIT:
        person = session.get(Person, case.person_id)
        warnings = tuple(funding_warnings(FundingRoute(case.funding_route), receives_buergergeld=person.receives_buergergeld))

    session.add(
        CaseEvent(
            case_id=case.id, event=event.value, occurred_on=on, outcome=outcome.value if outcome else None,
            period=period.code if period else None, until=until, note=note, actor=actor,
        )
    )
    _store_deadlines(session, case=case, deadlines=deadlines)
    case.state = after.value
    if outcome is not None:
        case.outcome = outcome.value
    case.updated_at = case.last_activity_at = utc_now()
    session.add(case)
    record_audit(
        session, actor=actor, action=f"case.{event.value}", entity="case", entity_id=case.id,
        case_reference=case.reference, before={"state": before.value},
        after={"state": after.value, "on": on, "outcome": outcome, "period": period.code if period else None,
               "until": until, "note": note, "warnings": list(warnings) or None},
    )
    return Advanced(case, before, after, warnings)


@dataclass(frozen=True)
class Corrected:
    case: Case
    event: Event
    before: date
    after: date


def correct_event(
    session: Session,
    *,
    case: Case,
    event_no: int,
    on: date,
    actor: str,
    calendar: WorkingCalendar,
    today: date,
    note: str | None = None,
) -> Corrected:
    """Correct the day of a wrongly recorded step (`event_no`: its number in the case's history, 1 for
    the first). A new row points to the original (`corrects_id`); the original stays, so the history
    and the audit trail keep both. The deadlines are recomputed from the corrected day: a receipt
    recorded on the wrong day would otherwise run the body's deadline from that day (§ 13 Abs. 3
    BQFG counts from the complete documents). The day keeps the steps in order and is not after today."""
    steps = effective_events(session, case)
    if not 1 <= event_no <= len(steps):
        raise InvalidInput("correction.no_such_event", "event", value=str(event_no), count=len(steps))
    original, was = steps[event_no - 1]
    if on == was:
        raise InvalidInput("correction.same_day", "on", on=on)
    previous = steps[event_no - 2][1] if event_no > 1 else None
    check_event_day(on, last_recorded=previous, today=today)
    if event_no < len(steps) and on > steps[event_no][1]:
        raise FieldError("correction.after_next", "on", typed=on.isoformat(), on=on, next=steps[event_no][1])
    if original.until is not None and original.until < on:
        raise FieldError("step.until_before_start", "until")
    note = check_note(note)
    history = [_recorded(row, day) for row, day in steps]
    history[event_no - 1] = _recorded(original, on)
    deadlines = case_deadlines(history, procedure_profile(case), calendar=calendar)  # validates the whole history

    session.add(
        CaseEvent(
            case_id=case.id, event=original.event, occurred_on=on, outcome=original.outcome, period=original.period,
            until=original.until, note=note, actor=actor, corrects_id=original.id,
        )
    )
    _store_deadlines(session, case=case, deadlines=deadlines)
    case.updated_at = case.last_activity_at = utc_now()
    session.add(case)
    record_audit(
        session, actor=actor, action="case.correct", entity="case_event", entity_id=original.id,
        case_reference=case.reference, before={"event": original.event, "on": was},
        after={"event": original.event, "on": on, "event_no": event_no, "note": note},
    )
    return Corrected(case, Event(original.event), was, on)


def _store_deadlines(session: Session, *, case: Case, deadlines) -> None:
    """Upsert the case's deadline rows and keep `case.next_due` (earliest open due date) beside them."""
    existing = {row.kind: row for row in session.exec(select(Deadline).where(Deadline.case_id == case.id)).all()}
    open_dues = [item.due for item in deadlines if item.status.value == "open" and item.due is not None]
    case.next_due = min(open_dues) if open_dues else None
    for item in deadlines:
        row = existing.get(item.kind.value) or Deadline(case_id=case.id, kind=item.kind.value, start=item.start, law=item.law, reason="", status=item.status.value)
        row.status, row.start, row.due, row.law, row.reason, row.met_on = (
            item.status.value, item.start, item.due, item.law, item.reason, item.met_on,
        )
        session.add(row)


def add_appointment(session: Session, *, case: Case, starts_at, place: str, actor: str, note: str | None = None):
    """An appointment with the person; the person is reminded the working day before."""
    if not place.strip():
        raise InvalidInput("appointment.place", "place")
    appointment = Appointment(case_id=case.id, starts_at=starts_at, place=place.strip()[:200], note=note)
    session.add(appointment)
    case.last_activity_at = utc_now()
    session.add(case)
    session.flush()
    record_audit(
        session, actor=actor, action="appointment.add", entity="appointment", entity_id=appointment.id,
        case_reference=case.reference, person_id=case.person_id,
        after={"starts_at": starts_at.isoformat(), "place": appointment.place, "note": note},
    )
    return appointment


# ---------------------------------------------------------------------------------------- the use case


@dataclass(frozen=True)
class Opened:
    case: Case
    person: Person
    person_created: bool
    consent_on_file: bool


def check_new_case(*, person: PersonCreate, case: CaseCreate, registered: Person | None, actor: Actor | None,
                   catalogue: Catalogue) -> None:
    """The rules every door applies before a case is opened (`open_new_case` one by one, the CSV import
    per row with the persons it looked up for a chunk): the district rule
    (`domain.access.check_new_case_district`) and the fast track only for a person who lives abroad
    (`domain.fast_track.check_fast_track`, § 81a AufenthG); a person on file is judged by what is
    stored for them. Raises FieldError naming the field."""
    check_new_case_district(requested=person.district, registered=registered.district if registered else None,
                            actor=actor, district_names={key: d.name for key, d in catalogue.districts.items()})
    check_fast_track(fast_track=case.fast_track,
                     lives_abroad=registered.lives_abroad if registered else person.lives_abroad)


def open_new_case(
    session: Session,
    *,
    person: PersonCreate,
    case: CaseCreate,
    catalogue: Catalogue,
    today: date,
    actor: Actor | None,
    audit_actor: str,
    consent_by: str | None = None,
    adviser_id: int | None = None,
) -> Opened:
    """Open a case for a person, as every door does it (the CLI's `case new`, the web form; the CSV
    import applies the same rule row by row): the district rule (`domain.access.check_new_case_district`),
    the fast track only for a person who lives abroad (`domain.fast_track.check_fast_track`, § 81a
    AufenthG), the person found by name and birth date or registered, the consent recorded when given
    (`consent_by`: "Person" or the legal guardian's name), the case routed and opened. A person already
    on file keeps the data stored for them."""
    existing = find_person(session, given_name=person.given_name, family_name=person.family_name,
                           birth_date=person.birth_date)
    check_new_case(person=person, case=case, registered=existing, actor=actor, catalogue=catalogue)
    found, created = (existing, False) if existing is not None else find_or_create_person(
        session, actor=audit_actor, **person.model_dump())
    if consent_by is not None and not has_consent(session, person_id=found.id):
        record_consent(session, person=found, given_on=today, given_by=consent_by, actor=audit_actor)
    opened = open_case(
        session, person=found, profession_text=case.profession, catalogue=catalogue, today=today, actor=audit_actor,
        fast_track=case.fast_track, country_of_training=case.country_of_training, eu_training=case.eu_training,
        adviser_id=adviser_id,
    )
    return Opened(opened, found, created, has_consent(session, person_id=found.id))
