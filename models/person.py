"""The person whose qualification is recognised, and their consent to data processing.

`PersonCreate` is the input every door shares (the CLI's options, an import row, the web form): each
field is checked by the parsers of `domain.validation`, whose errors name the field and the fix.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, ValidationInfo
from sqlalchemy import Index, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from domain import validation
from models._types import day_text, long_text, parsed, parsed_in_context, timestamp, yes_no

CONSENT_PURPOSE = "anerkennungsberatung"  # processing for advice and the recognition procedure (Art. 6 (1) a DSGVO)


class PersonBase(SQLModel):
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date
    sex: str | None = Field(default=None, max_length=1)  # f, m, d: for the Jobcenter's reports on women
    language: str = Field(max_length=2)  # ISO 639-1
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    district: str = Field(max_length=20, index=True)
    receives_buergergeld: bool = False
    arrival_date: date | None = None
    lives_abroad: bool = False  # outside the EU/EEA/CH: intent-to-work proof (§ 5 Abs. 6 BQFG)
    name_changed: bool = False  # marriage certificate for LS Lüneburg
    academic_title: str | None = Field(default=None, max_length=40)  # "Dr.", kept in the address and salutation
    # the name in Latin script as in the passport, for the address field and the German salutation
    latin_given_name: str | None = Field(default=None, max_length=100)
    latin_family_name: str | None = Field(default=None, max_length=100)


class Person(PersonBase, table=True):
    """A person is the same when given name, family name and birth date match (import-format.md), the
    names compared in NFC and case-folded: `identity_key` (domain.validation.person_identity_key),
    unique, kept by the ORM events below and written by the bulk import beside the names (migration 0009)."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("given_name", "family_name", "birth_date", name="uq_person_identity"),
        Index("ix_person_family_given", "family_name", "given_name"),  # migration 0005: the list by name
        Index("ix_person_identity_key", "identity_key", unique=True),  # migration 0009
    )

    id: int | None = Field(default=None, primary_key=True)
    identity_key: str | None = Field(default=None, max_length=450)
    created_at: datetime = timestamp()


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _keep_identity_key(_mapper, _connection, person: Person) -> None:
    person.identity_key = validation.person_identity_key(person.given_name, person.family_name, person.birth_date)


def _birth_date(value: Any, info: ValidationInfo) -> date:
    return validation.birth_date(day_text(value), today=info.context["today"])


def _arrival_date(value: Any, info: ValidationInfo) -> date | None:
    return validation.arrival_date(day_text(value), today=info.context["today"])


def _district(value: Any, info: ValidationInfo) -> str:
    return validation.district(value, known=info.context["districts"])


class PersonCreate(SQLModel):
    """A new person as typed. Text fields take the raw text; yes/no fields a bool, or the text of an
    import cell ("ja", "nein", "WAHR"); dates a date, or "25.03.1990" / "1990-03-25". Needs the
    context `today` and `districts` (the keys served)."""

    model_config = ConfigDict(validate_default=True)  # an absent field is checked (and refused) like an empty one

    given_name: Annotated[str, parsed(validation.given_name)] = None
    family_name: Annotated[str, parsed(validation.family_name)] = None
    birth_date: Annotated[date, parsed_in_context(_birth_date)] = None
    sex: Annotated[str | None, parsed(validation.sex)] = None
    language: Annotated[str, parsed(validation.language)] = None
    email: Annotated[str | None, parsed(validation.email)] = None
    phone: Annotated[str | None, parsed(validation.phone)] = None
    district: Annotated[str, parsed_in_context(_district)] = None
    receives_buergergeld: Annotated[bool, parsed_in_context(yes_no)] = False
    arrival_date: Annotated[date | None, parsed_in_context(_arrival_date)] = None
    lives_abroad: Annotated[bool, parsed_in_context(yes_no)] = False
    name_changed: Annotated[bool, parsed_in_context(yes_no)] = False


class Consent(SQLModel, table=True):
    """Consent to data processing; no document is stored for a person without it.

    A withdrawal (Art. 7 Abs. 3 DSGVO) sets `withdrawn_on` (the day the person declared it) and
    `withdrawn_by` (the adviser who recorded it); from then on nothing new is processed for the
    person (services.cases.withdraw_consents). What the adviser decided next, keeping data a legal
    duty requires (Art. 17 Abs. 3 DSGVO), is `keep_reason` with who recorded it when (migration 0016).
    A consent given again is a new row: the person is processed again from then on."""

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    purpose: str = Field(default=CONSENT_PURPOSE, max_length=50)
    given_on: date
    given_by: str = Field(max_length=100)  # "person" or the name of a legal guardian
    recorded_by: str = Field(max_length=254)
    withdrawn_on: date | None = None
    withdrawn_by: str | None = Field(default=None, max_length=254)
    keep_reason: str | None = long_text()
    keep_recorded_by: str | None = Field(default=None, max_length=254)
    keep_recorded_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp()
