"""The person whose qualification is recognised, and their consent to data processing.

`PersonCreate` is the input every door shares (the CLI's options, an import row, the web form): each
field is checked by the parsers of `domain.validation`, whose errors name the field and the fix.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, ValidationInfo, field_validator
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain import validation
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


def _today(info: ValidationInfo) -> date:
    return (info.context or {})["today"]


class PersonCreate(SQLModel):
    """A new person as typed. Text fields take the raw text; yes/no fields a bool, or the text of an
    import cell ("ja", "nein", "WAHR"); dates a date, or "25.03.1990" / "1990-03-25". Needs the
    context `today` and `districts` (the keys served)."""

    model_config = ConfigDict(validate_default=True)  # an absent field is checked (and refused) like an empty one

    given_name: str = None
    family_name: str = None
    birth_date: date = None
    sex: str | None = None
    language: str = None
    email: str | None = None
    phone: str | None = None
    district: str = None
    receives_buergergeld: bool = False
    arrival_date: date | None = None
    lives_abroad: bool = False
    name_changed: bool = False

    @field_validator("given_name", mode="before")
    @classmethod
    def _given_name(cls, value: Any) -> str:
        return validation.given_name(value)

    @field_validator("family_name", mode="before")
    @classmethod
    def _family_name(cls, value: Any) -> str:
        return validation.family_name(value)

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth_date(cls, value: Any, info: ValidationInfo) -> date:
        return validation.birth_date(value.isoformat() if isinstance(value, date) else value, today=_today(info))

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value: Any) -> str | None:
        return validation.sex(value)

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> str:
        return validation.language(value)

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: Any) -> str | None:
        return validation.email(value)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> str | None:
        return validation.phone(value)

    @field_validator("district", mode="before")
    @classmethod
    def _district(cls, value: Any, info: ValidationInfo) -> str:
        return validation.district(value, known=(info.context or {})["districts"])

    @field_validator("receives_buergergeld", "lives_abroad", "name_changed", mode="before")
    @classmethod
    def _yes_no(cls, value: Any, info: ValidationInfo) -> bool:
        return value if isinstance(value, bool) else validation.yes_no(info.field_name, value)

    @field_validator("arrival_date", mode="before")
    @classmethod
    def _arrival_date(cls, value: Any, info: ValidationInfo) -> date | None:
        return validation.arrival_date(value.isoformat() if isinstance(value, date) else value, today=_today(info))


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
