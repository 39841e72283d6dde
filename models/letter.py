"""Letters written, the employers (SMEs) they go to, and the person's postal address.

- `Letter`: one row per .docx written into the case's folder, with its SHA-256, kind, language, the
  recipient and the case's state (and the event that entered it) when it was written. The same
  content on the same case is one letter (unique case + SHA-256), so a retried batch adds nothing.
- `Sme` and `CaseSme`: an employer (kleines oder mittleres Unternehmen) and its link to a case, with
  the day the person agreed that the outcome may be told to that employer (DSGVO: no letter without).
- `PersonAddress`: the postal address a letter to the person needs (DIN 5008 Anschriftzone); the
  person table itself holds none.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, ValidationInfo, model_validator
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain import validation
from domain.errors import _clip
from domain.letters.address import GERMANY, normal_postcode, postal_format
from domain.transliteration import is_latin_text
from domain.validation import FieldError
from models._types import parsed, parsed_in_context, timestamp


class SmeBase(SQLModel):
    name: str = Field(max_length=200)
    street: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=100)
    contact_person: str | None = Field(default=None, max_length=200)  # "Frau Petra Berger"
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    district: str | None = Field(default=None, max_length=20)


class Sme(SmeBase, table=True):
    """An employer. Name and postcode identify it: adding it again finds the one on file."""

    __tablename__ = "sme"
    __table_args__ = (UniqueConstraint("name", "postcode", name="uq_sme_name_postcode"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp()



class CaseSme(SQLModel, table=True):
    __tablename__ = "case_sme"
    __table_args__ = (UniqueConstraint("case_id", "sme_id", name="uq_case_sme"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="recognition_case.id", index=True)
    sme_id: int = Field(foreign_key="sme.id", index=True)
    person_agreed_on: date | None = None  # the outcome may be told to this employer from this day
    linked_at: datetime = timestamp()


class PersonAddress(SQLModel, table=True):
    __tablename__ = "person_address"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    street: str = Field(max_length=200)
    postcode: str = Field(max_length=10)
    city: str = Field(max_length=100)
    addition: str | None = Field(default=None, max_length=200)  # c/o, Wohnheim, Zimmer …
    country: str = Field(default="DE", max_length=2)  # ISO 3166-1 alpha-2; abroad: a country line (DIN 5008)
    updated_at: datetime = timestamp()


class Letter(SQLModel, table=True):
    __tablename__ = "letter"
    __table_args__ = (
        UniqueConstraint("case_id", "sha256", name="uq_letter_case_sha256"),
        Index("ix_letter_case_kind_recipient_state", "case_id", "kind", "recipient", "state_since"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="recognition_case.id", index=True)
    case_reference: str = Field(max_length=20, index=True)
    kind: str = Field(max_length=20)  # checklist | next_steps | outcome | body_cover | sme_guidance
    recipient: str = Field(max_length=30)  # person | body | sme:<id>
    sme_id: int | None = Field(default=None, foreign_key="sme.id")
    language: str = Field(max_length=2)  # de, or the language of the courtesy translation
    template: str = Field(max_length=20)  # person | body | sme
    subject: str = Field(max_length=400)
    case_state: str = Field(max_length=30)  # the case's state when the letter was written
    state_since: int = 0  # id of the event that entered that state (0: none)
    sha256: str = Field(max_length=64)
    size: int
    path: str = Field(max_length=600)  # relative to the cases folder: <reference>/letters/<name>.docx
    pdf_path: str | None = Field(default=None, max_length=600)
    actor: str = Field(max_length=254)
    created_at: datetime = timestamp()


ADDRESS_LIMITS = {"street": 200, "postcode": 10, "city": 100, "addition": 200}


def _needed(value: Any, info: ValidationInfo) -> str:
    """Street and city: one line each, and neither may be left out."""
    name = info.field_name
    text = validation.free_text(name, value, limit=ADDRESS_LIMITS[name])
    if text is None:
        raise FieldError("address.missing", name, typed=value)
    return text


def _postcode(value: Any, info: ValidationInfo) -> str:
    """The postcode by the rules of the address's country (checked before it): in Germany five
    digits; abroad that country's form ("00-950" in Poland, "1234 AB" in the Netherlands), or none
    where its post uses none (Syria)."""
    code = info.data.get("country")
    if code is None:  # the country was refused, and its error says what to fix
        return validation.free_text("postcode", value, limit=ADDRESS_LIMITS["postcode"]) or ""
    if code == GERMANY:
        text = validation.german_postcode(value)
        if text is None:
            raise FieldError("address.missing", "postcode", typed=value)
        return text
    text = validation.free_text("postcode", value, limit=ADDRESS_LIMITS["postcode"]) or ""
    normal = normal_postcode(text, code)
    if normal is None:
        if not text:
            raise FieldError("address.missing", "postcode", typed=value)
        table = (info.context or {}).get("countries")
        raise FieldError("postcode.not_for_country", "postcode", typed=value, value=_clip(text),
                         country=table.name_de(code) if table else code, examples=(postal_format(code).example or "–",))
    return normal


def _country(value: Any, info: ValidationInfo) -> str:
    """The country as `catalogue.countries` understands it ("Ukraine", "UA", "Türkei") → ISO 3166-1
    alpha-2; empty → DE. Needs the context `countries` (a `domain.countries.CountryTable`) for any
    other country than Germany."""
    text = validation.free_text("country", value, limit=60)
    if text is None or text.upper() in ("DE", "DEU"):
        return GERMANY
    table = (info.context or {}).get("countries")
    if table is None:
        raise FieldError("country.unknown", "country", typed=value, value=_clip(text))
    code = table.lookup(text)
    if code is None:
        raise FieldError("country.unknown", "country", typed=value, value=_clip(text))
    return code


class PersonAddressCreate(SQLModel):
    """A postal address as typed (the CLI's `address`, the web form): street, postcode and city are
    all needed for the DIN 5008 address field, one line each, no control characters. The postcode is
    checked by the rules of the country (`domain.letters.address.POSTAL_FORMATS`: five digits in
    Germany and Ukraine, "00-950" in Poland, none in Syria …) and written as that country writes it.
    A country other than Germany needs the context `countries` (the catalogue's country table)."""

    model_config = ConfigDict(validate_default=True)  # an absent field is refused like an empty one

    # the country first: a field's validator sees the fields declared before it, and the postcode's rule is the country's
    country: Annotated[str, parsed_in_context(_country)] = GERMANY
    street: Annotated[str, parsed_in_context(_needed)] = None
    postcode: Annotated[str, parsed_in_context(_postcode)] = None
    city: Annotated[str, parsed_in_context(_needed)] = None
    addition: Annotated[str | None, parsed(lambda value: validation.free_text("addition", value, limit=ADDRESS_LIMITS["addition"]))] = None


def _latin(value: Any, info: ValidationInfo) -> str | None:
    """A name in Latin script as the passport writes it ("Kovalchuk"); empty → None."""
    name = info.field_name
    text = validation.free_text(name, value, limit=100)
    if text is not None and not is_latin_text(text):
        raise FieldError("latin_name.not_latin", name, typed=value, value=_clip(text))
    return text


class LatinNameCreate(SQLModel):
    """The person's name in Latin script as in the passport (the address field and the German
    salutation print it): both parts, or neither to clear them."""

    latin_given_name: Annotated[str | None, parsed_in_context(_latin)] = None
    latin_family_name: Annotated[str | None, parsed_in_context(_latin)] = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> LatinNameCreate:
        if (self.latin_given_name is None) != (self.latin_family_name is None):
            missing = "latin_given_name" if self.latin_given_name is None else "latin_family_name"
            raise FieldError("latin_name.half", missing)
        return self
