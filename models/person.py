"""The person whose qualification is recognised, and their consent to data processing.

Input is validated by `domain.validation` / `domain.csvfile.validate_row`, shared by the CLI, the
CSV import and the web form; these classes hold what is stored and what is shown.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import timestamp

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


class Person(PersonBase, table=True):
    """A person is the same when given name, family name and birth date match (import-format.md)."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("given_name", "family_name", "birth_date", name="uq_person_identity"),
        Index("ix_person_family_given", "family_name", "given_name"),  # migration 0005: the list by name
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp()


class PersonPublic(PersonBase):
    id: int


class Consent(SQLModel, table=True):
    """Consent to data processing; no document is stored for a person without it."""

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    purpose: str = Field(default=CONSENT_PURPOSE, max_length=50)
    given_on: date
    given_by: str = Field(max_length=100)  # "person" or the name of a legal guardian
    recorded_by: str = Field(max_length=254)
    withdrawn_on: date | None = None
    created_at: datetime = timestamp()
