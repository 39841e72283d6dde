"""Services for letters: employers (SMEs), their link to a case, the person's postal address, and the
record of each letter written; every change with its audit entry (`models.services.record_audit`).

The caller owns the transaction (`models.db.session_scope`), as for every service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from domain import validation
from domain.errors import InvalidInput, _clip
from domain.letters import ComposedLetter
from models._types import utc_now
from models.case import Case
from models.letter import CaseSme, Letter, PersonAddress, Sme
from models.person import Person
from models.audit import AuditEvent
from models.services import _json, record_audit

_POSTCODE = re.compile(r"^\d{5}$")
SME_FIELDS = ("name", "street", "postcode", "city", "contact_person", "email", "phone", "district")


def _clean(value: str | None, field: str, limit: int) -> str | None:
    if value is None or not str(value).strip():
        return None
    text = " ".join(str(value).split())
    if not text.isprintable():
        raise InvalidInput(field, f"'{_clip(text)}' contains control characters; type it again")
    if len(text) > limit:
        raise InvalidInput(field, f"is {len(text)} characters long; at most {limit}")
    return text


def _postcode(value: str | None) -> str | None:
    text = _clean(value, "postcode", 10)
    if text is not None and not _POSTCODE.match(text):
        raise InvalidInput("postcode", f"'{_clip(text)}' is not a German postcode; give 5 digits, e.g. 27283")
    return text


def add_sme(
    session: Session,
    *,
    actor: str,
    name: str,
    street: str | None = None,
    postcode: str | None = None,
    city: str | None = None,
    contact_person: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    district: str | None = None,
) -> tuple[Sme, bool]:
    """The employer with this name and postcode, created if new (then True). An employer may be
    recorded with what is known; a letter to it names the field still missing, and adding it again
    with that field fills it in (a field already on file is kept)."""
    clean_name = _clean(name, "name", 200)
    if clean_name is None:
        raise InvalidInput("name", "give the employer's name, e.g. 'Pflegedienst Aller GmbH'")
    fields = {
        "name": clean_name,
        "street": _clean(street, "street", 200),
        "postcode": _postcode(postcode),
        "city": _clean(city, "city", 100),
        "contact_person": _clean(contact_person, "contact_person", 200),
        "email": validation.email(email),
        "phone": validation.phone(phone),
        "district": _clean(district, "district", 20),
    }
    existing = session.exec(select(Sme).where(Sme.name == fields["name"], Sme.postcode == fields["postcode"])).first()
    if existing is not None:
        added = {name: value for name, value in fields.items() if value is not None and getattr(existing, name) is None}
        if added:  # fill in what was not known yet; what is on file is not overwritten
            for name, value in added.items():
                setattr(existing, name, value)
            session.add(existing)
            record_audit(session, actor=actor, action="sme.complete", entity="sme", entity_id=existing.id,
                         before={name: None for name in added}, after=added)
        return existing, False
    sme = Sme(**fields)
    session.add(sme)
    session.flush()
    record_audit(session, actor=actor, action="sme.add", entity="sme", entity_id=sme.id, after=fields)
    return sme, True


def link_sme(session: Session, *, case: Case, sme: Sme, actor: str, agreed_on: date | None = None) -> CaseSme:
    """Link an employer to a case; with `agreed_on`, the person agreed that the outcome may be told
    to it (the employer letter is refused without that). Linking again only records the agreement."""
    link = session.exec(select(CaseSme).where(CaseSme.case_id == case.id, CaseSme.sme_id == sme.id)).first()
    before = None
    if link is None:
        link = CaseSme(case_id=case.id, sme_id=sme.id, person_agreed_on=agreed_on)
    else:
        before = {"person_agreed_on": link.person_agreed_on}
        if agreed_on is None or link.person_agreed_on == agreed_on:
            return link
        link.person_agreed_on = agreed_on
    session.add(link)
    session.flush()
    record_audit(
        session, actor=actor, action="case.sme_link", entity="case_sme", entity_id=link.id, case_reference=case.reference,
        person_id=case.person_id, before=before, after={"sme_id": sme.id, "sme": sme.name, "person_agreed_on": agreed_on},
    )
    return link


def set_person_address(
    session: Session, *, person: Person, street: str, postcode: str, city: str, actor: str, addition: str | None = None,
) -> PersonAddress:
    """The person's postal address (DIN 5008: street, postcode and city are all needed)."""
    values = {
        "street": _clean(street, "street", 200),
        "postcode": _postcode(postcode),
        "city": _clean(city, "city", 100),
        "addition": _clean(addition, "addition", 200),
    }
    for name in ("street", "postcode", "city"):
        if values[name] is None:
            raise InvalidInput(name, "is needed for the address field of a letter")
    address = session.get(PersonAddress, person.id)
    before = None
    if address is None:
        address = PersonAddress(person_id=person.id, **values)
    else:
        before = {name: getattr(address, name) for name in values}
        for name, value in values.items():
            setattr(address, name, value)
        address.updated_at = utc_now()
    session.add(address)
    session.flush()
    record_audit(session, actor=actor, action="person.address", entity="person_address", entity_id=person.id,
                 person_id=person.id, before=before, after=values)
    return address


@dataclass(frozen=True)
class WrittenLetter:
    """A letter whose file is written, to be recorded (`record_letters`)."""

    case_id: int
    case_reference: str
    person_id: int | None
    letter: ComposedLetter
    case_state: str
    state_since: int
    sha256: str
    size: int
    path: str


def record_letters(session: Session, *, written: list[WrittenLetter], actor: str) -> list[Letter]:
    """One row per letter written, with its audit entry; one INSERT round for the whole batch (a
    flush per letter cost more than rendering it)."""
    rows = [
        Letter(
            case_id=w.case_id, case_reference=w.case_reference, kind=w.letter.kind.value, recipient=w.letter.recipient,
            sme_id=w.letter.sme_id, language=w.letter.language, template=w.letter.template, subject=w.letter.subject[:400],
            case_state=w.case_state, state_since=w.state_since, sha256=w.sha256, size=w.size, path=w.path, actor=actor,
        )
        for w in written
    ]
    if not rows:
        return rows
    session.add_all(rows)
    session.flush()
    session.add_all([
        AuditEvent(
            actor=actor, action="letter.write", entity="letter", entity_id=row.id, case_reference=w.case_reference,
            person_id=w.person_id,
            after=_json({"kind": row.kind, "recipient": row.recipient, "language": row.language, "sha256": row.sha256,
                         "path": row.path, "case_state": row.case_state}),
        )
        for row, w in zip(rows, written)
    ])
    return rows


def set_letter_pdfs(session: Session, *, pdfs: dict[int, str], actor: str) -> None:
    """Record the PDF made beside each letter (letter id → path relative to the cases folder)."""
    if not pdfs:
        return
    for row in session.exec(select(Letter).where(Letter.id.in_(list(pdfs)))).all():
        row.pdf_path = pdfs[row.id]
        session.add(row)
        record_audit(session, actor=actor, action="letter.pdf", entity="letter", entity_id=row.id,
                     case_reference=row.case_reference, after={"pdf_path": row.pdf_path})
