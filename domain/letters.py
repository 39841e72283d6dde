"""Letters: which letters a case's state calls for, what each says, and the DIN 5008 address field.

Five kinds, three recipients (one Word template per recipient, `templates/letters/<template>.docx`):

| kind | to | the case's state that calls for it |
|---|---|---|
| checklist | the person | collecting_documents, while an application document is outstanding |
| next_steps | the person | ready_to_submit |
| body_cover | the responsible body | ready_to_submit |
| outcome | the person | decided |
| sme_guidance | each employer (SME) linked to the case | decided |

A letter written for a case in its current state (the same entry into that state: reopening the
collection and coming back is a new entry) is not due again (`due_letters` and `LetterKey`).

Letters to the person carry the German text, which is binding, and after it a courtesy translation
into the person's language (data/letters/<language>.yaml); a language without texts gets the English
one with a note saying so. Letters to bodies and employers are German only.

Everything here takes plain values and returns plain values: no database, no files, no clock. The
words are data (`LetterTexts`, built from the parsed YAML by `build_letter_texts`); the facts are
from domain.md and cited in the data files.

A letter that cannot be made is refused with `LetterRefused`, naming the missing field and the fix
(DIN 5008: no address field without street, postcode and city; no information block without a
contact person, phone and e-mail).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from domain.calendar import format_date
from domain.catalogue import LINE, Body, Contact, District
from domain.checklist import (
    ALWAYS,
    ChecklistItem,
    ChecklistLine,
    ItemStatus,
    Stage,
    missing_items,
)
from domain.errors import CatalogueError, DomainError, InvalidInput, _clip
from domain.funding import FundingRoute
from domain.lifecycle import EVENT_DE, STATE_DE, CaseState, Event, Outcome
from domain.messages import Term

# ------------------------------------------------------------------------------------ kinds


class LetterKind(StrEnum):
    CHECKLIST = "checklist"
    NEXT_STEPS = "next_steps"
    OUTCOME = "outcome"
    BODY_COVER = "body_cover"
    SME_GUIDANCE = "sme_guidance"


class RecipientKind(StrEnum):
    PERSON = "person"
    BODY = "body"
    SME = "sme"


RECIPIENT_OF = {
    LetterKind.CHECKLIST: RecipientKind.PERSON,
    LetterKind.NEXT_STEPS: RecipientKind.PERSON,
    LetterKind.OUTCOME: RecipientKind.PERSON,
    LetterKind.BODY_COVER: RecipientKind.BODY,
    LetterKind.SME_GUIDANCE: RecipientKind.SME,
}
TEMPLATE_OF = {kind: recipient.value for kind, recipient in RECIPIENT_OF.items()}  # person | body | sme
TEMPLATES = ("person", "body", "sme")

KIND_DE = {
    LetterKind.CHECKLIST: "Unterlagen-Checkliste an die Person",
    LetterKind.NEXT_STEPS: "Nächste Schritte an die Person",
    LetterKind.OUTCOME: "Bescheid erklärt, an die Person",
    LetterKind.BODY_COVER: "Anschreiben an die Stelle",
    LetterKind.SME_GUIDANCE: "Hinweise an den Betrieb",
}

# The names every template may use; `adapters.docx` refuses a template that uses another.
CONTEXT_NAMES = frozenset(
    {"letterhead", "recipient", "info", "subject", "salutation", "sections", "closing", "signature",
     "translation", "enclosures"}
)

GERMAN = "de"
FALLBACK_LANGUAGE = "en"
# Nursing professions: B2 German for the licence (BT-Drs. 18/7823; domain.md §5).
NURSING = frozenset({"pflegefachmann", "gesundheits_krankenpfleger", "altenpfleger", "kinderkrankenpfleger"})
# Doctors and pharmacists: a Fachsprachprüfung; the BAMF courses preparing for it are at C1 (domain.md §5).
SPECIALIST_LANGUAGE_EXAM = frozenset({"arzt", "apotheker"})


def parse_kind(value: str) -> LetterKind:
    try:
        return LetterKind(value.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidInput("letter.unknown_kind", "kind", value=_clip(value), kinds=[k.value for k in LetterKind]) from None


class LetterRefused(InvalidInput):
    """This letter cannot be made; `field` names what is missing. The rest of a batch goes on."""

    def __init__(self, code: str, field: str, **params) -> None:
        DomainError.__init__(self, code, field, **params)  # always a code: the legacy form is InvalidInput's only


# ------------------------------------------------------------------------------------ texts

_FORMATTER = string.Formatter()
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

# Every placeholder a text may use; the values come from the case (see `_values`).
PLACEHOLDERS = frozenset({
    "given_name", "family_name", "person_name", "birth_date", "occupation", "body_name", "body_address",
    "fee", "deadline", "contact_name", "phone", "email", "outcome", "funding", "legal_basis", "procedure",
    "clause", "contact_person", "language_name", "requested_language", "district", "organisation",
})
# Sections that the person's letters read; every translation must have each of their keys.
PERSON_SECTIONS = (
    "common", "translation", "outcomes", "funding_routes", "item_status", "funding", "checklist",
    "next_steps", "outcome",
)
# German only: the letters to bodies and employers, and the names of languages.
GERMAN_SECTIONS = ("translation_de", "body_cover", "sme_guidance")


@dataclass(frozen=True)
class LanguageTexts:
    """The words of one language file: `texts` by dotted key ("checklist.subject"), checklist item
    titles by item key, and (German and English) the names of other languages."""

    code: str
    name: str  # in the language itself: "Українська"
    rtl: bool
    reviewed: bool  # False: a translation not yet checked by a native speaker
    file: str
    texts: Mapping[str, str]
    items: Mapping[str, str] = field(default_factory=dict)
    language_names: Mapping[str, str] = field(default_factory=dict)

    def text(self, key: str, **values: str) -> str:
        return self.texts[key].format_map(values)

    def has(self, key: str) -> bool:
        return key in self.texts


@dataclass(frozen=True)
class LetterTexts:
    languages: Mapping[str, LanguageTexts]

    @property
    def german(self) -> LanguageTexts:
        return self.languages[GERMAN]

    def translation_for(self, language: str) -> tuple[LanguageTexts | None, bool]:
        """(texts of the courtesy translation, whether they are the English fallback); (None, False)
        for German."""
        if language == GERMAN:
            return None, False
        if language in self.languages:
            return self.languages[language], False
        return self.languages[FALLBACK_LANGUAGE], True

    def language_name(self, code: str) -> str:
        return self.german.language_names.get(code, code)


def _placeholders(text: str) -> set[str]:
    names = set()
    for _, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        if not _IDENTIFIER.match(name) or spec or conversion:
            raise ValueError(f"{{{name}}}")
        names.add(name)
    return names


def build_letter_texts(files: Sequence[tuple[str, Any]]) -> LetterTexts:
    """Validate the parsed data/letters/*.yaml files (each given as (file name, parsed YAML)).

    German (de) and English (en, the fallback) are required. Each placeholder must be known, and a
    translation may only use the placeholders its German key uses; a translation must have every key
    of the sections the person's letters read. A broken file is named with its line and field.
    """
    languages: dict[str, LanguageTexts] = {}
    lines: dict[str, dict[str, int | None]] = {}
    for file, document in files:
        if not isinstance(document, Mapping):
            raise CatalogueError(file, 1, None, "(file)", "must be a mapping with language, name, rtl and the sections")
        code = document.get("language")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2}", code):
            raise CatalogueError(file, document.get(f"{LINE}language", 1), None, "language", "give the ISO 639-1 code, e.g. uk")
        if code in languages:
            raise CatalogueError(file, document.get(f"{LINE}language"), None, "language", f"'{code}' is also in {languages[code].file}")
        texts: dict[str, str] = {}
        where: dict[str, int | None] = {}
        for section, content in document.items():
            if str(section).startswith(LINE) or section in ("language", "name", "rtl", "reviewed", "translated_by",
                                                             "items", "language_names", "sources"):
                continue
            if not isinstance(content, Mapping):
                raise CatalogueError(file, document.get(f"{LINE}{section}"), None, str(section), "must be a mapping of texts")
            for key, value in content.items():
                if str(key).startswith(LINE):
                    continue
                dotted = f"{section}.{key}"
                line = content.get(f"{LINE}{key}", content.get(LINE))
                if not isinstance(value, str) or not value.strip():
                    raise CatalogueError(file, line, None, dotted, "must be a non-empty text")
                try:
                    names = _placeholders(value)
                except ValueError as error:
                    raise CatalogueError(file, line, None, dotted, f"placeholder {error} is not allowed; use plain names like {{deadline}}") from None
                unknown = names - PLACEHOLDERS
                if unknown:
                    raise CatalogueError(file, line, None, dotted, f"unknown placeholder {{{sorted(unknown)[0]}}}; known: {', '.join(sorted(PLACEHOLDERS))}")
                # whitespace runs become one space; a trailing space (a bold lead "Gebühren: ") stays
                texts[dotted] = " ".join(value.split()) + (" " if value[-1:].isspace() else "")
                where[dotted] = line
        name = document.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CatalogueError(file, document.get(LINE), None, "name", "give the language's own name, e.g. Українська")
        rtl = document.get("rtl", False)
        if not isinstance(rtl, bool):
            raise CatalogueError(file, document.get(f"{LINE}rtl"), None, "rtl", "must be true or false")
        items = document.get("items") or {}
        names = document.get("language_names") or {}
        for label, mapping in (("items", items), ("language_names", names)):
            if not isinstance(mapping, Mapping) or not all(isinstance(v, str) for k, v in mapping.items() if not str(k).startswith(LINE)):
                raise CatalogueError(file, document.get(f"{LINE}{label}"), None, label, "must be a mapping of key: text")
        languages[code] = LanguageTexts(
            code=code, name=name.strip(), rtl=rtl, reviewed=bool(document.get("reviewed", False)), file=file, texts=texts,
            items={k: " ".join(v.split()) for k, v in items.items() if not str(k).startswith(LINE)},
            language_names={k: v for k, v in names.items() if not str(k).startswith(LINE)},
        )
        lines[code] = where

    for required in (GERMAN, FALLBACK_LANGUAGE):
        if required not in languages:
            raise CatalogueError(f"data/letters/{required}.yaml", None, None, "(file)", "is missing; German and English texts are required")
    german = languages[GERMAN]
    for section in (*PERSON_SECTIONS, *GERMAN_SECTIONS):
        if not any(key.startswith(f"{section}.") for key in german.texts):
            raise CatalogueError(german.file, None, None, section, "is missing")
    person_keys = [key for key in german.texts if key.split(".")[0] in PERSON_SECTIONS]
    for code, language in languages.items():
        if code == GERMAN:
            continue
        for key in person_keys:
            if key not in language.texts:
                raise CatalogueError(language.file, None, None, key, f"is missing; translate the German text: {_clip(german.texts[key], 60)}")
        for key, text in language.texts.items():
            if key not in german.texts:
                raise CatalogueError(language.file, lines[code].get(key), None, key, "is not a key of the German file; check the spelling")
            extra = _placeholders(text) - _placeholders(german.texts[key])
            if extra:
                raise CatalogueError(language.file, lines[code].get(key), None, key,
                                     f"uses {{{sorted(extra)[0]}}}, which the German text of this key does not have")
    texts = LetterTexts(languages=languages)
    _self_check(texts)
    return texts


# ------------------------------------------------------------------------------------ facts


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


@dataclass(frozen=True, slots=True)
class PersonFacts:
    given_name: str
    family_name: str
    birth_date: date
    language: str
    sex: str | None = None  # f | m | d
    receives_buergergeld: bool = False
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    address_addition: str | None = None  # c/o, Wohnheim, Zimmer …

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True, slots=True)
class SmeFacts:
    """An employer (kleines oder mittleres Unternehmen) linked to a case."""

    id: int
    name: str
    street: str | None
    postcode: str | None
    city: str | None
    contact_person: str | None
    email: str | None = None
    phone: str | None = None
    person_agreed: bool = False  # the person agreed that the outcome may be told to this employer


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the letters need to know about one case, read by `models` and handed over as values."""

    reference: str
    district: str
    state: CaseState
    person: PersonFacts
    state_since: int = 0  # id of the event that entered the current state (0: none yet)
    occupation: str | None = None  # Referenzberuf
    occupation_key: str | None = None
    regulated: bool | None = None
    legal_basis: str | None = None
    procedure: str | None = None  # BQFG | NBQFG | none
    group: str | None = None
    body: Body | None = None
    fast_track: bool = False
    country_of_training: str | None = None
    eu_training: bool = False
    outcome: Outcome | None = None
    funding_route: FundingRoute = FundingRoute.NOT_RECORDED
    consent: bool = False
    checklist: tuple[ChecklistLine, ...] = ()
    person_due: date | None = None  # the open deadline set for the person (Deadline row 'person')
    smes: tuple[SmeFacts, ...] = ()
    adviser_name: str | None = None
    adviser_email: str | None = None


@dataclass(frozen=True, slots=True)
class LetterRequest:
    kind: LetterKind
    sme_id: int | None = None

    @property
    def recipient(self) -> str:
        return recipient_key(self.kind, sme_id=self.sme_id)


def recipient_key(kind: LetterKind, *, sme_id: int | None = None) -> str:
    """"person", "body" or "sme:<id>": with the kind and the state entry, what makes a letter unique."""
    recipient = RECIPIENT_OF[kind]
    if recipient is RecipientKind.SME:
        return f"sme:{sme_id}"
    return recipient.value


@dataclass(frozen=True, slots=True)
class LetterKey:
    """A letter is due once per case, kind, recipient and entry into the case's state."""

    case_reference: str
    kind: LetterKind
    recipient: str
    state_since: int


def due_letters(case: CaseFacts) -> list[LetterRequest]:
    """The letters the case's state calls for (the table in the module docstring)."""
    if case.state is CaseState.COLLECTING_DOCUMENTS:
        if case.checklist and missing_items(case.checklist, stage=Stage.APPLICATION):
            return [LetterRequest(LetterKind.CHECKLIST)]
        return []
    if case.state is CaseState.READY_TO_SUBMIT:
        return [LetterRequest(LetterKind.NEXT_STEPS), LetterRequest(LetterKind.BODY_COVER)]
    if case.state is CaseState.DECIDED:
        return [LetterRequest(LetterKind.OUTCOME), *(LetterRequest(LetterKind.SME_GUIDANCE, sme.id) for sme in case.smes)]
    return []


def still_due(case: CaseFacts, written: Iterable[LetterKey]) -> list[LetterRequest]:
    """`due_letters` minus those already written for the case's current state entry."""
    done = set(written)
    return [
        request for request in due_letters(case)
        if LetterKey(case.reference, request.kind, request.recipient, case.state_since) not in done
    ]


# ------------------------------------------------------------------------------------ address field

_GERMAN_POSTCODE = re.compile(r"^\d{5}$")
MAX_ADDRESS_LINES = 6  # DIN 5008 Anschriftzone with the normal font (up to 9 with a smaller one)


def _blank(value: Any) -> bool:
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
        if _blank(getattr(address, name)):
            raise LetterRefused(missing_code, f"{who}.{name}", **where)
    postcode = str(address.postcode).strip()
    if address.country is None and not _GERMAN_POSTCODE.match(postcode):
        raise LetterRefused(postcode_code, f"{who}.postcode", value=_clip(postcode), **where)
    lines = [
        _one_line(address.prefix),
        _one_line(address.name),
        _one_line(address.attention),
        _one_line(address.street),
        f"{postcode} {_one_line(address.city)}",
        _one_line(address.country).upper() if address.country else "",
    ]
    lines = [line for line in lines if line]
    if len(lines) > MAX_ADDRESS_LINES and address.prefix:
        lines = [f"{lines[0]} {lines[1]}", *lines[2:]]
    return tuple(lines)


def _one_line(value: Any) -> str:
    return " ".join(str(value).split()) if not _blank(value) else ""


# ------------------------------------------------------------------------------------ letter content


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, or with `mark` ("•", "☐", "1.") a list item; `lead` is set in bold."""

    text: str
    lead: str = ""
    mark: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


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
class Recipient:
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InfoBlock:
    our_reference: str
    contact_name: str
    phone: str
    email: str
    date: str
    your_reference: str = ""


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    organisation: str


@dataclass(frozen=True, slots=True)
class Enclosure:
    title: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Translation:
    language: str
    rtl: bool
    heading_de: str
    heading: str
    note: str
    subject: str
    salutation: str
    sections: tuple[Section, ...]
    closing: str


@dataclass(frozen=True)
class ComposedLetter:
    """A letter ready for its template: `context` holds exactly the names in CONTEXT_NAMES."""

    kind: LetterKind
    template: str
    language: str  # "de", or the language of the courtesy translation actually used
    recipient: str
    subject: str
    context: Mapping[str, Any]
    sme_id: int | None = None


@dataclass(frozen=True, slots=True)
class Sender:
    """The Welcome Center of the case's district, and the contact person named in the letter."""

    letterhead: Letterhead
    contact_name: str
    phone: str
    email: str


def sender_for(district: District, *, adviser_name: str | None = None, adviser_email: str | None = None) -> Sender:
    """The district's Welcome Center from data/districts.yaml; the contact person is the case's
    adviser when set, else the Welcome Center itself. Refused without a name, phone or e-mail."""
    centre: Contact = district.welcome_center
    contact_name = adviser_name if not _blank(adviser_name) else centre.name
    email = adviser_email if not _blank(adviser_email) else centre.email
    for name, value in (("name", contact_name), ("phone", centre.phone), ("email", email)):
        if _blank(value):
            raise LetterRefused("letter.contact_missing", f"contact.{name}", name=name)
    # One line in the Zusatz- und Vermerkzone (letters.md): "Straße" shortened so that it fits 80 mm
    return_line = f"{district.name} · {_short_street(centre.street)} · {centre.postcode} {centre.city}"
    return Sender(
        letterhead=Letterhead(
            authority=district.name, organisation=centre.name, street=centre.street, postcode=centre.postcode,
            city=centre.city, phone=centre.phone or "", email=centre.email or "", opening_hours=centre.opening_hours or "",
            return_line=return_line,
        ),
        contact_name=_one_line(contact_name), phone=_one_line(centre.phone), email=_one_line(email),
    )


def compose_letter(
    request: LetterRequest | LetterKind,
    case: CaseFacts,
    *,
    sender: Sender,
    texts: LetterTexts,
    today: date,
    language: str | None = None,
) -> ComposedLetter:
    """The content of one letter, or LetterRefused naming the field that is missing."""
    request = request if isinstance(request, LetterRequest) else LetterRequest(request)
    kind = request.kind
    recipient_kind = RECIPIENT_OF[kind]
    if recipient_kind is not RecipientKind.PERSON and language not in (None, GERMAN):
        raise LetterRefused("letter.german_only", "--lang", kind=Term(kind.value, KIND_DE[kind]))
    if kind in (LetterKind.OUTCOME, LetterKind.SME_GUIDANCE) and case.outcome is None:
        raise LetterRefused("letter.no_decision", "outcome", state=Term(case.state.value, STATE_DE[case.state]),
                            event=Term(Event.DECIDE.value, EVENT_DE[Event.DECIDE]))
    if case.body is None or case.occupation is None:  # every letter names the body and the Referenzberuf
        raise LetterRefused("letter.no_occupation", "reference occupation")
    if kind is LetterKind.CHECKLIST and not case.checklist:
        raise LetterRefused("letter.no_checklist", "checklist")

    info = InfoBlock(
        our_reference=case.reference, contact_name=sender.contact_name, phone=sender.phone, email=sender.email,
        date=format_date(today),
    )
    german = texts.german
    context: dict[str, Any] = {
        "letterhead": sender.letterhead, "info": info, "translation": None, "enclosures": (),
        "signature": _signature(sender),
    }
    if recipient_kind is RecipientKind.PERSON:
        person = case.person
        lines = address_lines(
            PostalAddress(name=person.full_name, street=person.street, postcode=person.postcode, city=person.city,
                          prefix={"f": "Frau", "m": "Herrn"}.get(person.sex or ""), attention=person.address_addition),
            who="person", reference=case.reference,
        )
        chosen = language or person.language or GERMAN
        subject, salutation, sections, closing = _person_letter(kind, case, german, sender)
        context.update(recipient=Recipient(lines), subject=subject, salutation=salutation, sections=sections, closing=closing)
        translated, fallback = texts.translation_for(chosen)
        used = GERMAN
        if translated is not None:
            used = translated.code
            context["translation"] = _translation(kind, case, sender, texts, translated, requested=chosen, fallback=fallback)
        return ComposedLetter(kind, TEMPLATE_OF[kind], used, recipient_key(kind), subject, context)

    if recipient_kind is RecipientKind.BODY:
        body = case.body
        lines = address_lines(
            PostalAddress(name=body.name, street=body.street, postcode=body.postcode, city=body.city, attention=body.department),
            who="body", body=body.key,
        )
        if not case.consent:
            raise LetterRefused("letter.no_consent", "consent", reference=case.reference)
        subject, sections, enclosures = _body_cover(case, german, sender)
        context.update(recipient=Recipient(lines), subject=subject, salutation=german.text("body_cover.salutation"),
                       sections=sections, closing=german.text("common.closing"), enclosures=enclosures)
        return ComposedLetter(kind, TEMPLATE_OF[kind], GERMAN, recipient_key(kind), subject, context)

    sme = next((s for s in case.smes if s.id == request.sme_id), None)
    if sme is None:
        raise LetterRefused("letter.sme_not_linked", "sme", sme=request.sme_id, reference=case.reference,
                            linked=[s.id for s in case.smes])
    if _blank(sme.contact_person):
        raise LetterRefused("letter.sme_no_contact", "sme.contact_person", sme=sme.id, name=_clip(sme.name))
    lines = address_lines(
        PostalAddress(name=sme.name, street=sme.street, postcode=sme.postcode, city=sme.city, attention=f"z. Hd. {_one_line(sme.contact_person)}"),
        who="sme", sme=sme.id,
    )
    if not sme.person_agreed:
        raise LetterRefused("letter.sme_not_agreed", "sme.person_agreed", person=case.person.full_name, sme=sme.id,
                            reference=case.reference)
    subject, salutation, sections = _sme_guidance(case, sme, german, sender)
    context.update(recipient=Recipient(lines), subject=subject, salutation=salutation, sections=sections,
                   closing=german.text("common.closing"))
    return ComposedLetter(kind, TEMPLATE_OF[kind], GERMAN, recipient_key(kind, sme_id=sme.id), subject, context, sme_id=sme.id)


def _signature(sender: Sender) -> Signature:
    head = sender.letterhead
    if sender.contact_name == head.organisation:
        return Signature(head.organisation, head.authority)
    return Signature(sender.contact_name, head.organisation)


# ------------------------------------------------------------------------------------ person letters


def _values(case: CaseFacts, t: LanguageTexts, sender: Sender) -> dict[str, str]:
    body = case.body
    outcome = t.text(f"outcomes.{case.outcome.value}") if case.outcome else ""
    return {
        "given_name": case.person.given_name,
        "family_name": case.person.family_name,
        "person_name": case.person.full_name,
        "birth_date": format_date(case.person.birth_date),
        "occupation": case.occupation or "",
        "body_name": body.name if body else "",
        "body_address": body.address if body else "",
        "fee": body.fee_text if body else "",
        "deadline": format_date(case.person_due) if case.person_due else "",
        "contact_name": sender.contact_name,
        "phone": sender.phone,
        "email": sender.email,
        "outcome": outcome,
        "funding": t.text(f"funding_routes.{case.funding_route.value}"),
        "legal_basis": case.legal_basis or "",
        "procedure": case.procedure or "",
        "clause": _acknowledgement_clause(case),
        "district": sender.letterhead.authority,
        "organisation": sender.letterhead.organisation,
    }


def _acknowledgement_clause(case: CaseFacts) -> str:
    """The paragraph on the acknowledgement of receipt (§ 6 Abs. 2 / § 13 Abs. 2 BQFG; § 14a Abs. 2
    on the fast track; NBQFG with the same numbering, domain.md §1–2)."""
    procedure = case.procedure if case.procedure in ("BQFG", "NBQFG") else "BQFG"
    if case.fast_track:
        return f"§ 14a Abs. 2 {procedure}"
    return f"§ {13 if case.regulated else 6} Abs. 2 {procedure}"


def _salutation(person: PersonFacts, t: LanguageTexts) -> str:
    key = {"f": "common.salutation_f", "m": "common.salutation_m"}.get(person.sex or "", "common.salutation_other")
    return t.text(key, given_name=person.given_name, family_name=person.family_name)


def _person_letter(kind: LetterKind, case: CaseFacts, t: LanguageTexts, sender: Sender):
    values = _values(case, t, sender)
    section = {LetterKind.CHECKLIST: "checklist", LetterKind.NEXT_STEPS: "next_steps", LetterKind.OUTCOME: "outcome"}[kind]
    subject = t.text(f"{section}.subject", **values)
    if kind is LetterKind.CHECKLIST:
        sections = _checklist_sections(case, t, values)
    elif kind is LetterKind.NEXT_STEPS:
        sections = _next_steps_sections(case, t, values)
    else:
        sections = _outcome_sections(case, t, values)
    sections = (*sections, Section("", (Block(t.text("common.questions", **values)),)))
    return subject, _salutation(case.person, t), sections, t.text("common.closing")


def _checklist_sections(case: CaseFacts, t: LanguageTexts, v: dict[str, str]) -> tuple[Section, ...]:
    outstanding = missing_items(case.checklist, stage=Stage.APPLICATION)
    items = []
    for line in outstanding:
        status = {
            ItemStatus.MISSING: "item_status.missing",
            ItemStatus.NOT_TRANSLATED: "item_status.not_translated",
            ItemStatus.NOT_CERTIFIED: "item_status.not_certified",
        }.get(line.status, "item_status.missing")
        details = [t.text(status)]
        if line.translation and line.status is ItemStatus.MISSING:
            details.append(t.text("item_status.needs_translation"))
        if line.certified_copy and line.status is not ItemStatus.NOT_TRANSLATED:
            details.append(t.text("item_status.needs_certified"))
        if not line.required:
            details.append(t.text("item_status.optional"))
        items.append(Block(text="; ".join(details), lead=f"{item_title(line, t)}: ", mark="•"))
    if not items:
        items.append(Block(t.text("checklist.nothing_missing")))
    deadline = t.text("checklist.deadline", **v) if case.person_due else t.text("checklist.no_deadline")
    needs_translation = any(line.translation for line in outstanding)
    needs_certified = any(line.certified_copy for line in outstanding)
    where = []
    if needs_translation:
        where.append(Block(t.text("checklist.translators")))
    if needs_certified:
        where.append(Block(t.text("checklist.certified_copies")))
    sections = [
        Section("", (Block(t.text("checklist.intro", **v)),)),
        Section(t.text("checklist.heading_missing"), tuple(items)),
        Section(t.text("checklist.heading_deadline"), (Block(deadline), Block(t.text("checklist.deadline_why")))),
    ]
    if where:
        sections.append(Section(t.text("checklist.heading_where"), tuple(where)))
    sections.append(_funding_section(case, t, v))
    return tuple(sections)


def item_title(line: ChecklistLine, t: LanguageTexts) -> str:
    """The item's title in the letter's language: the language file, then English, then German."""
    if t.code == GERMAN:
        return line.item.title
    if line.item.key in t.items:
        return t.items[line.item.key]
    if t.code == FALLBACK_LANGUAGE:
        return line.item.title_en
    return line.item.title


def _funding_section(case: CaseFacts, t: LanguageTexts, v: dict[str, str]) -> Section:
    """Who pays, and in which order (domain/funding.py; domain.md §5): Bürgergeld → the Jobcenter
    first; the Anerkennungszuschuss only BEFORE the application and never retroactively."""
    blocks = []
    if case.funding_route is not FundingRoute.NOT_RECORDED:
        blocks.append(Block(t.text("funding.recorded", **v)))
    if case.person.receives_buergergeld:
        blocks.append(Block(t.text("funding.buergergeld"), mark="•"))
    blocks.append(Block(t.text("funding.zuschuss"), mark="•"))
    blocks.append(Block(t.text("funding.zuschuss_before"), mark="•"))
    return Section(t.text("funding.heading"), tuple(blocks))


def _next_steps_sections(case: CaseFacts, t: LanguageTexts, v: dict[str, str]) -> tuple[Section, ...]:
    fee = t.text("next_steps.fees", **v) if v["fee"] else t.text("next_steps.fees_unknown", **v)
    if case.procedure not in ("BQFG", "NBQFG"):
        procedure = t.text("next_steps.procedure_none", **v)
    elif case.fast_track:
        procedure = t.text("next_steps.procedure_fast_track", **v)
    else:
        procedure = t.text("next_steps.procedure_standard", **v)
    steps = [
        Block(t.text("next_steps.submit", **v), lead=t.text("next_steps.lead_submit"), mark="1."),
        Block(fee, lead=t.text("next_steps.lead_fees"), mark="2."),
        Block(procedure, lead=t.text("next_steps.lead_procedure"), mark="3."),
        Block(t.text("next_steps.duration"), lead=t.text("next_steps.lead_duration"), mark="4."),
        Block(t.text("next_steps.regulated" if case.regulated else "next_steps.not_regulated"),
              lead=t.text("next_steps.lead_practice"), mark="5."),
    ]
    language = _language_blocks(case, t)
    if language:
        steps.append(Block(" ".join(b.text for b in language), lead=t.text("next_steps.lead_language"), mark="6."))
    return (
        Section("", (Block(t.text("next_steps.intro", **v)),)),
        Section(t.text("next_steps.heading"), tuple(steps)),
        _funding_section(case, t, v),
    )


def _language_blocks(case: CaseFacts, t: LanguageTexts) -> list[Block]:
    blocks = []
    if case.occupation_key in NURSING:
        blocks.append(Block(t.text("next_steps.language_nursing")))
    elif case.occupation_key in SPECIALIST_LANGUAGE_EXAM:
        blocks.append(Block(t.text("next_steps.language_medicine")))
    if case.group in ("health", "medicine"):
        blocks.append(Block(t.text("next_steps.language_courses")))
    return blocks


def _outcome_sections(case: CaseFacts, t: LanguageTexts, v: dict[str, str]) -> tuple[Section, ...]:
    """The decision explained (domain.md §1 "Outcomes", §§ 7, 10, 11 BQFG) and what to do next."""
    outcome = case.outcome
    meaning: list[Block] = []
    next_steps: list[Block] = []
    if outcome is Outcome.FULL_EQUIVALENCE:
        meaning.append(Block(t.text("outcome.full_meaning", **v)))
        if case.regulated:
            next_steps.append(Block(t.text("outcome.full_next_regulated", **v), mark="•"))
        next_steps.append(Block(t.text("outcome.full_next", **v), mark="•"))
        if case.group == "crafts":
            next_steps.append(Block(t.text("outcome.full_crafts", **v), mark="•"))
    elif outcome is Outcome.PARTIAL_EQUIVALENCE:
        meaning.append(Block(t.text("outcome.partial_meaning", **v)))
        next_steps.append(Block(t.text("outcome.partial_next", **v), mark="•"))
        next_steps.append(Block(t.text("outcome.partial_funding", **v), mark="•"))
    elif outcome is Outcome.COMPENSATION_MEASURE:
        meaning.append(Block(t.text("outcome.compensation_meaning", **v)))
        next_steps.append(Block(t.text("outcome.compensation_next", **v), mark="•"))
        # the grant's €3,000 is documented for measures after *partial* equivalence only (domain.md §5)
    else:
        meaning.append(Block(t.text("outcome.none_meaning", **v)))
        if case.regulated is False:
            next_steps.append(Block(t.text("outcome.none_not_regulated", **v), mark="•"))
        next_steps.append(Block(t.text("outcome.none_next", **v), mark="•"))
    if outcome in (Outcome.PARTIAL_EQUIVALENCE, Outcome.COMPENSATION_MEASURE) and case.group in ("health", "medicine"):
        next_steps.append(Block(t.text("next_steps.language_courses"), mark="•"))
    return (
        Section("", (Block(t.text("outcome.intro", **v)),)),
        Section(t.text("outcome.heading_meaning"), tuple(meaning)),
        Section(t.text("outcome.heading_next"), tuple(next_steps)),
        Section(t.text("outcome.heading_remedy"), (Block(t.text("outcome.remedy", **v)),)),
    )


def _translation(kind: LetterKind, case: CaseFacts, sender: Sender, texts: LetterTexts, t: LanguageTexts, *,
                 requested: str, fallback: bool) -> Translation:
    german = texts.german
    requested_name = texts.language_name(requested)
    heading_de = german.text("translation_de.heading", language_name=texts.language_name(t.code))
    note = t.text("translation.note")
    if fallback:
        heading_de = german.text("translation_de.fallback", language_name=texts.language_name(t.code),
                                 requested_language=requested_name)
        note = f"{t.text('translation.fallback', requested_language=t.language_names.get(requested, requested))} {note}"
    subject, salutation, sections, closing = _person_letter(kind, case, t, sender)
    return Translation(
        language=t.code, rtl=t.rtl, heading_de=heading_de, heading=t.text("translation.heading"), note=note,
        subject=subject, salutation=salutation, sections=sections, closing=closing,
    )


# ------------------------------------------------------------------------------------ to the body


def _body_cover(case: CaseFacts, t: LanguageTexts, sender: Sender) -> tuple[str, tuple[Section, ...], tuple[Enclosure, ...]]:
    """Cover letter for the application, with the enclosures (Anlagen) from the checklist: each
    document on file that the body asks for (§ 5 Abs. 1, § 12 Abs. 1 BQFG, data/checklists.yaml)."""
    v = _values(case, t, sender)
    enclosures = []
    for line in case.checklist:
        if line.status is ItemStatus.MISSING:
            continue
        details = []
        if line.translation and line.status is not ItemStatus.NOT_TRANSLATED:
            details.append(t.text("body_cover.with_translation"))
        if line.certified_copy and line.status is ItemStatus.PRESENT:
            details.append(t.text("body_cover.certified_copy"))
        enclosures.append(Enclosure(line.item.title, f" ({', '.join(details)})" if details else ""))
    if not enclosures:
        raise LetterRefused("letter.nothing_to_enclose", "enclosures", reference=case.reference)
    sections = [Section("", (Block(t.text("body_cover.intro", **v)),))]
    if case.fast_track:
        sections.append(Section(t.text("body_cover.fast_track_heading"), (Block(t.text("body_cover.fast_track", **v)),)))
    else:
        sections.append(Section("", (Block(t.text("body_cover.acknowledgement", **v)),)))
    outstanding = missing_items(case.checklist, stage=Stage.APPLICATION)
    if outstanding:
        sections.append(Section(t.text("body_cover.missing_heading"),
                                tuple(Block(item_title(line, t), mark="•") for line in outstanding)))
    sections.append(Section("", (Block(t.text("body_cover.questions", **v)),)))
    subject = t.text("body_cover.subject", **v)
    return subject, tuple(sections), tuple(enclosures)


# ------------------------------------------------------------------------------------ to an employer


def _sme_guidance(case: CaseFacts, sme: SmeFacts, t: LanguageTexts, sender: Sender) -> tuple[str, str, tuple[Section, ...]]:
    """Guidance for the employer by outcome (domain.md §8): hiring and the right to work; the
    Anpassungsqualifizierung with its Qualifizierungsplan and funding (§ 82 SGB III); the
    compensation measure; alternatives when there is no equivalence; § 16d AufenthG for third-country
    nationals and § 24 AufenthG for refugees from Ukraine; a welcome-culture checklist."""
    v = {**_values(case, t, sender), "contact_person": _one_line(sme.contact_person)}
    s = "sme_guidance"
    outcome = case.outcome
    sections = [Section("", (Block(t.text(f"{s}.intro", **v)),))]
    if outcome is Outcome.FULL_EQUIVALENCE:
        blocks = [Block(t.text(f"{s}.full", **v))]
        if case.regulated:
            blocks.append(Block(t.text(f"{s}.full_regulated", **v)))
        if case.group == "crafts":
            blocks.append(Block(t.text(f"{s}.full_crafts", **v)))
        sections.append(Section(t.text(f"{s}.full_heading"), tuple(blocks)))
    elif outcome is Outcome.PARTIAL_EQUIVALENCE:
        sections.append(Section(t.text(f"{s}.partial_heading"), (
            Block(t.text(f"{s}.partial", **v)),
            Block(t.text(f"{s}.partial_step_gaps", **v), mark="1."),
            Block(t.text(f"{s}.partial_step_plan", **v), mark="2."),
            Block(t.text(f"{s}.partial_step_agreement", **v), mark="3."),
            Block(t.text(f"{s}.partial_step_follow_up", **v), mark="4."),
        )))
    elif outcome is Outcome.COMPENSATION_MEASURE:
        sections.append(Section(t.text(f"{s}.compensation_heading"), (Block(t.text(f"{s}.compensation", **v)),)))
    else:
        blocks = [Block(t.text(f"{s}.none", **v))]
        if case.regulated is False:
            blocks.append(Block(t.text(f"{s}.none_not_regulated", **v)))
        blocks.extend(Block(t.text(f"{s}.none_{way}", **v), mark="•") for way in ("assistant", "training", "retraining"))
        sections.append(Section(t.text(f"{s}.none_heading"), tuple(blocks)))
    if outcome in (Outcome.PARTIAL_EQUIVALENCE, Outcome.COMPENSATION_MEASURE):
        # the grant's €3,000 is documented for measures after partial equivalence only (domain.md §5)
        names = ("sgb3_82", "sgb3_82a", "zuschuss", "language") if outcome is Outcome.PARTIAL_EQUIVALENCE else (
            "sgb3_82", "sgb3_82a", "language")
        sections.append(Section(t.text(f"{s}.funding_heading"), tuple(
            Block(t.text(f"{s}.funding_{name}", **v), mark="•") for name in names
        )))
    ukrainian = (case.country_of_training or "").upper() == "UA"
    third_country = not ukrainian and not case.eu_training and bool(case.country_of_training)
    right_to_work = []
    if ukrainian:
        right_to_work.append(Block(t.text(f"{s}.section_24", **v)))
    if third_country and outcome in (Outcome.PARTIAL_EQUIVALENCE, Outcome.COMPENSATION_MEASURE):
        right_to_work.append(Block(t.text(f"{s}.section_16d", **v)))
    right_to_work.append(Block(t.text(f"{s}.permit_check", **v)))
    sections.append(Section(t.text(f"{s}.right_to_work_heading"), tuple(right_to_work)))
    sections.append(Section(t.text(f"{s}.welcome_heading"), tuple(
        Block(t.text(f"{s}.welcome_{name}", **v), mark="☐")
        for name in ("folder", "registration", "bank", "childcare", "housing", "family", "language")
    )))
    sections.append(Section("", (Block(t.text(f"{s}.material", **v)), Block(t.text(f"{s}.questions", **v)))))
    return t.text(f"{s}.subject", **v), contact_salutation(sme.contact_person, t, s), tuple(sections)


def _short_street(street: str) -> str:
    return street.replace("straße", "str.").replace("Straße", "Str.")


def contact_salutation(contact_person: str, t: "LanguageTexts", section: str) -> str:
    """"Frau Anke Lührs" → "Sehr geehrte Frau Lührs,"; a contact without Frau/Herr → "Guten Tag …,"
    (DIN 5008 business letters address a named person formally, with the family name only)."""
    words = contact_person.split()
    title = words[0].rstrip(".").casefold() if words else ""
    key = {"frau": "salutation_f", "herr": "salutation_m", "hr": "salutation_m"}.get(title)
    if key and len(words) >= 2:
        return t.text(f"{section}.{key}", family_name=words[-1])
    return t.text(f"{section}.salutation_contact", contact_person=contact_person)


# ------------------------------------------------------------------------------------ samples

SAMPLE_SENDER = Sender(
    letterhead=Letterhead(
        authority="Landkreis Muster", organisation="Welcome Center Landkreis Muster", street="Musterweg 1", postcode="12345",
        city="Musterstadt", phone="01234 5678-0", email="welcome@muster.example", opening_hours="Mo–Do 9–12 Uhr",
        return_line="Landkreis Muster · Musterweg 1 · 12345 Musterstadt",
    ),
    contact_name="Anna Muster", phone="01234 5678-0", email="a.muster@muster.example",
)


def sample_body(*, fee: bool = True) -> Body:
    return Body(
        key="musterstelle", name="Musterstelle für Anerkennung", department="Abteilung 1", street="Amtsweg 2",
        postcode="12345", city="Musterstadt", legal_basis="§ 8 BQFG", source_url="https://example.org", verified=False,
        districts=("muster",), fee_min_cents=10_000 if fee else None, fee_max_cents=60_000 if fee else None,
    )


def sample_checklist() -> tuple[ChecklistLine, ...]:
    """One line of each kind: on file (translated, certified), translation missing, certified copy
    missing, missing, missing but only "falls vorhanden"."""
    def line(key, status, *, translation=False, certified=False, required=True):
        item = ChecklistItem(key=key, title=f"Unterlage {key}", title_en=f"Document {key}", source="Muster", verified=False,
                             when=ALWAYS)
        return ChecklistLine(item=item, status=status, required=required, translation=translation, certified_copy=certified)

    return (
        line("a", ItemStatus.PRESENT, translation=True, certified=True),
        line("b", ItemStatus.NOT_TRANSLATED, translation=True),
        line("c", ItemStatus.NOT_CERTIFIED, certified=True),
        line("d", ItemStatus.MISSING, translation=True, certified=True),
        line("e", ItemStatus.MISSING, required=False),
    )


def sample_cases(district: str, body: Body, checklist: tuple[ChecklistLine, ...]) -> list[CaseFacts]:
    """Invented cases that reach every branch of the letters (each kind, each outcome, regulated or
    not, fast track, no statutory deadline, left-to-right and right-to-left translations, the
    English fallback, enclosures, missing items): to try the texts when they are loaded, a template
    before a batch writes anything, and in the benchmark."""
    person = PersonFacts(
        given_name="Olena", family_name="Muster", birth_date=date(1990, 5, 17), language="uk", sex="f",
        receives_buergergeld=True, street="Musterstraße 1", postcode="27283", city="Verden (Aller)",
    )
    base = CaseFacts(
        reference="VER-2026-0001", district=district, state=CaseState.COLLECTING_DOCUMENTS, person=person, state_since=1,
        occupation="Pflegefachfrau/Pflegefachmann", occupation_key="pflegefachmann", regulated=True,
        legal_basis="§§ 40–43 PflBG", procedure="BQFG", group="health", body=body, country_of_training="UA",
        checklist=checklist, person_due=date(2026, 12, 14), consent=True, funding_route=FundingRoute.JOBCENTER,
        smes=(SmeFacts(1, "Muster GmbH", "Industriestraße 5", "27283", "Verden (Aller)", "Frau Muster", person_agreed=True),),
    )
    cases = [
        base,
        replace(base, person=replace(person, language="ar", sex="m", receives_buergergeld=False), person_due=None),
        replace(base, person=replace(person, language="ar", sex="m"), fast_track=True, state=CaseState.READY_TO_SUBMIT),
        replace(base, person=replace(person, language="fa", sex=None), state=CaseState.READY_TO_SUBMIT, regulated=False,
                group="crafts", occupation_key="x", body=replace(body, fee_min_cents=None, fee_max_cents=None)),
        replace(base, state=CaseState.READY_TO_SUBMIT, procedure="none", group="medicine", occupation_key="arzt"),
    ]
    for outcome in Outcome:
        cases.append(replace(base, state=CaseState.DECIDED, outcome=outcome, country_of_training="SY",
                             person=replace(person, language="ar")))
        cases.append(replace(base, state=CaseState.DECIDED, outcome=outcome, regulated=False, group="crafts",
                             person=replace(person, language="de")))
    return cases


def sample_letters(texts: LetterTexts, *, today: date, languages: Iterable[str] | None = None,
                   every_language: bool = True) -> list[ComposedLetter]:
    """Every kind and branch composed from invented cases: with `every_language`, each case in each
    language given (default: each language with texts, and one without, for the English fallback);
    otherwise the languages take turns over the cases (enough to try a template's branches)."""
    codes = list(languages) if languages is not None else [*texts.languages, "xx"]
    letters = []
    for number, case in enumerate(sample_cases("muster", sample_body(), sample_checklist())):
        for code in codes if every_language else [codes[number % len(codes)]]:
            localised = replace(case, person=replace(case.person, language=code))
            for request in due_letters(localised):
                letters.append(compose_letter(request, localised, sender=SAMPLE_SENDER, texts=texts, today=today))
    return letters


def _self_check(texts: LetterTexts) -> None:
    """Compose every branch once in every language: a key or a placeholder the letters need but a
    file lacks is refused now, with the file, not when an adviser writes a letter."""
    try:
        sample_letters(texts, today=date(2026, 1, 1))
    except KeyError as error:
        missing = error.args[0]
        if "." in missing:
            raise CatalogueError(texts.german.file, None, None, missing, "is missing; the letters need this text") from None
        raise CatalogueError(texts.german.file, None, None, f"{{{missing}}}",
                             "this placeholder is not available in the letter whose text uses it") from None
