"""Employers (SMEs): record one, and link it to a case with the person's agreement that it may be told
the outcome (the employer letter is refused without it). Every change with its audit entry; the caller
owns the transaction (`models.db.session_scope`), as for every service.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from domain import validation
from domain.errors import InvalidInput
from models.case import Case
from models.letter import CaseSme, Sme
from services.audit import record_audit


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
    clean_name = validation.free_text("name", name, limit=200)
    if clean_name is None:
        raise InvalidInput("sme.name_missing", "name")
    fields = {
        "name": clean_name,
        "street": validation.free_text("street", street, limit=200),
        "postcode": validation.german_postcode(postcode),
        "city": validation.free_text("city", city, limit=100),
        "contact_person": validation.free_text("contact_person", contact_person, limit=200),
        "email": validation.email(email),
        "phone": validation.phone(phone),
        "district": validation.free_text("district", district, limit=20),
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
