"""Who a letter goes to and who sends it: the DIN 5008 address field (Anschriftzone), the
salutation, and the sender (the district's Welcome Center and its contact person).

DIN 5008: no address field without name, street, postcode and city, filled from the top with
"PLZ Ort" last; no information block without a contact person, phone and e-mail. A letter that
cannot have them is refused with `LetterRefused`, naming the missing field and where to fix it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.catalogue import Contact, District
from domain.errors import _clip
from domain.letters.kinds import LetterRefused

if TYPE_CHECKING:
    from domain.letters.compose import PersonFacts
    from domain.letters.texts import LanguageTexts


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """What goes into the Anschriftzone. `prefix` is "Frau"/"Herrn"; `attention` an extra line
    such as the body's department or "z. Hd. Frau Berger"."""

    name: str | None
    street: str | None
    postcode: str | None
    city: str | None
    prefix: str | None = None
    attention: str | None = None
    country: str | None = None  # None: Germany


_GERMAN_POSTCODE = re.compile(r"^\d{5}$")
MAX_ADDRESS_LINES = 6  # DIN 5008 Anschriftzone with the normal font (up to 9 with a smaller one)


def is_blank(value: Any) -> bool:
    """None, NaN (a missing cell read by a spreadsheet library) or only whitespace: not a value."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


# who → (a line of the address is missing, the postcode is not German); each text says where to fix it
_ADDRESS_CODES = {
    "person": ("letter.person_address_missing", "letter.person_postcode"),
    "body": ("letter.body_address_missing", "letter.body_postcode"),
    "sme": ("letter.sme_address_missing", "letter.sme_postcode"),
}


def address_lines(address: PostalAddress, *, who: str, **where) -> tuple[str, ...]:
    """The lines of the Anschriftzone, filled from the top with no blank line and "PLZ Ort" last
    (DIN 5008); LetterRefused names the first missing field ("person.street") and where to fix it:
    `who` is "person" (give `reference`), "body" (give `body`, its key) or "sme" (give `sme`, its id)."""
    missing_code, postcode_code = _ADDRESS_CODES[who]
    for name in ("name", "street", "postcode", "city"):
        if is_blank(getattr(address, name)):
            raise LetterRefused(missing_code, f"{who}.{name}", **where)
    postcode = str(address.postcode).strip()
    if address.country is None and not _GERMAN_POSTCODE.match(postcode):
        raise LetterRefused(postcode_code, f"{who}.postcode", value=_clip(postcode), **where)
    lines = [
        one_line(address.prefix),
        one_line(address.name),
        one_line(address.attention),
        one_line(address.street),
        f"{postcode} {one_line(address.city)}",
        one_line(address.country).upper() if address.country else "",
    ]
    lines = [line for line in lines if line]
    if len(lines) > MAX_ADDRESS_LINES and address.prefix:
        lines = [f"{lines[0]} {lines[1]}", *lines[2:]]
    return tuple(lines)


def one_line(value: Any) -> str:
    """The value as one line of a letter (runs of whitespace, line breaks included, become a space)."""
    return " ".join(str(value).split()) if not is_blank(value) else ""


@dataclass(frozen=True, slots=True)
class Letterhead:
    authority: str  # Landkreis Verden
    organisation: str  # Welcome Center Landkreis Verden
    street: str
    postcode: str
    city: str
    phone: str
    email: str
    opening_hours: str
    return_line: str  # Rücksendeangabe: the sender in one line


@dataclass(frozen=True, slots=True)
class Sender:
    """The Welcome Center of the case's district, and the contact person named in the letter."""

    letterhead: Letterhead
    contact_name: str
    phone: str
    email: str
    function: str = ""  # the adviser's function, signed under their name ("Beraterin für Berufsanerkennung")


def sender_for(district: District, *, adviser_name: str | None = None, adviser_email: str | None = None,
               adviser_phone: str | None = None, adviser_function: str | None = None) -> Sender:
    """The district's Welcome Center from data/districts.yaml; the contact person is the case's
    adviser when set (their phone and e-mail, the Welcome Center's where they have none), else the
    Welcome Center itself. Refused without a name, phone or e-mail."""
    centre: Contact = district.welcome_center
    adviser = not is_blank(adviser_name)
    contact_name = adviser_name if adviser else centre.name
    email = adviser_email if adviser and not is_blank(adviser_email) else centre.email
    phone = adviser_phone if adviser and not is_blank(adviser_phone) else centre.phone
    for name, value in (("name", contact_name), ("phone", phone), ("email", email)):
        if is_blank(value):
            raise LetterRefused("letter.contact_missing", f"contact.{name}", name=name)
    # One line in the Zusatz- und Vermerkzone (letters.md): "Straße" shortened so that it fits 80 mm
    return_line = f"{district.name} · {_short_street(centre.street)} · {centre.postcode} {centre.city}"
    return Sender(
        letterhead=Letterhead(
            authority=district.name, organisation=centre.name, street=centre.street, postcode=centre.postcode,
            city=centre.city, phone=centre.phone or "", email=centre.email or "", opening_hours=centre.opening_hours or "",
            return_line=return_line,
        ),
        contact_name=one_line(contact_name), phone=one_line(phone), email=one_line(email),
        function=one_line(adviser_function) if adviser else "",
    )


def _short_street(street: str) -> str:
    return street.replace("straße", "str.").replace("Straße", "Str.")


def person_salutation(person: PersonFacts, t: LanguageTexts) -> str:
    """"Sehr geehrte Frau …" / "Sehr geehrter Herr …" by the recorded sex; with d or none recorded, the
    neutral form with the full name (common.salutation_other), so nobody is addressed by a guess."""
    key = {"f": "common.salutation_f", "m": "common.salutation_m"}.get(person.sex or "", "common.salutation_other")
    return t.text(key, given_name=person.given_name, family_name=person.family_name)


def contact_salutation(contact_person: str, t: "LanguageTexts", section: str) -> str:
    """"Frau Anke Lührs" → "Sehr geehrte Frau Lührs,"; a contact without Frau/Herr → "Guten Tag …,"
    (DIN 5008 business letters address a named person formally, with the family name only)."""
    words = contact_person.split()
    title = words[0].rstrip(".").casefold() if words else ""
    key = {"frau": "salutation_f", "herr": "salutation_m", "hr": "salutation_m"}.get(title)
    if key and len(words) >= 2:
        return t.text(f"{section}.{key}", family_name=words[-1])
    return t.text(f"{section}.salutation_contact", contact_person=contact_person)
