"""What each letter says: the composers, from the case's facts (`CaseFacts`, handed over by
`models` as values) and the words (`LetterTexts`) to a `ComposedLetter` for its template.

Everything here takes plain values and returns plain values: no database, no files, no clock (`today`
and the working-day calendar are arguments). A letter that cannot be made is refused with
`LetterRefused`, naming the missing field and the fix.

What a letter says about the procedure comes from the routing and the procedure data
(data/procedures.yaml, `Profession.procedure_facts`), never from the outcome alone:

- what the law ties to the qualification (`regulates`): the activity, only the title (NIngG, NArchtG,
  the health professions' titles) or nothing; a profession that is not regulated never hears of a
  licence or a mandatory compensation measure (§ 3 Abs. 5, § 7 Abs. 2 BQFG);
- the licence a positive decision leads to (Approbation, Erlaubnis zum Führen der Berufsbezeichnung,
  Eintragung in die Handwerksrolle …), the German it needs and the documents asked for before it;
- the compensation measures by where the training was done (third country or EU/EEA/CH, e.g. § 3
  Abs. 2 and 3 BÄO): with the country unknown, both routes are named.

Texts that differ by procedure family (a ZAB Zeugnisbewertung is no recognition) are the family texts
of data/letters/<language>.yaml (`LanguageTexts.for_family`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from domain.calendar import WorkingCalendar, format_date, lower_saxony_calendar
from domain.catalogue import Body, Compensation, Language, Procedure
from domain.checklist import ChecklistLine, ItemStatus, Stage, missing_items
from domain.errors import _clip
from domain.fast_track import fast_track_applies
from domain.funding import FundingRoute
from domain.letters.address import (
    PostalAddress,
    Sender,
    address_lines,
    contact_salutation,
    is_blank,
    one_line,
    person_address,
    person_salutation,
    salutation_name,
)
from domain.letters.due import LetterRequest, recipient_key
from domain.letters.kinds import (
    FALLBACK_LANGUAGE,
    GERMAN,
    KIND_DE,
    RECIPIENT_OF,
    TEMPLATE_OF,
    LetterKind,
    LetterRefused,
    RecipientKind,
)
from domain.lifecycle import EVENT_DE, OUTCOME_DE, STATE_DE, CaseState, Event, Outcome
from domain.messages import Term

if TYPE_CHECKING:
    from domain.letters.texts import LanguageTexts, LetterTexts

# The names every template may use; `adapters.docx` refuses a template that uses another.
CONTEXT_NAMES = frozenset(
    {"letterhead", "recipient", "info", "subject", "salutation", "sections", "closing", "signature",
     "translation", "enclosures"}
)

# The least time a person is given to hand in documents, in working days after the letter's date
# (Lower Saxony's calendar); the service passes the setting `letter_min_working_days`. The law sets
# no period: the body sets an "angemessene Frist" (§ 15 Abs. 3 BQFG, domain.md §2).
MIN_WORKING_DAYS = 10

# Procedures with statutory deadlines (BQFG, NBQFG; domain/deadlines.py); "none": ZAB, school
# certificates, lawyers
STATUTORY = ("BQFG", "NBQFG")

# The compensation measures (domain.catalogue.MEASURES) and their text keys
MEASURE_KEYS = {"Kenntnisprüfung": "knowledge_test", "Anpassungslehrgang": "adaptation_course",
                "Eignungsprüfung": "aptitude_test"}


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
    country: str | None = None  # of the postal address, ISO 3166-1 alpha-2; None: Germany
    country_name: str | None = None  # its German name, for the country line ("UKRAINE")
    # the name in Latin script as in the passport (address field, German salutation); None: the name as it is
    latin_given_name: str | None = None
    latin_family_name: str | None = None
    academic_title: str | None = None  # "Dr.": in the address field and the German salutation
    lives_abroad: bool = False  # outside the EU/EEA/CH: the only persons the fast track (§ 81a AufenthG) is for

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def title(self) -> str:
        return one_line(self.academic_title)

    @property
    def titled_name(self) -> str:
        """"Dr. Shabnam Karimi": the name with the academic title, as a letter names the person."""
        return f"{self.title} {self.full_name}" if self.title else self.full_name


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
    fast_track: bool = False  # as recorded; whether it applies: `fast_track_applies` (the person lives abroad)
    country_of_training: str | None = None
    eu_training: bool = False
    outcome: Outcome | None = None
    funding_route: FundingRoute = FundingRoute.NOT_RECORDED
    consent: bool = False
    consent_withdrawn_on: date | None = None  # the person withdrew consent (and gave none again): no letter
    checklist: tuple[ChecklistLine, ...] = ()
    person_due: date | None = None  # the open deadline set for the person (Deadline row 'person')
    smes: tuple[SmeFacts, ...] = ()
    adviser_name: str | None = None
    adviser_email: str | None = None
    adviser_phone: str | None = None
    adviser_function: str | None = None
    # the procedure family's facts (data/procedures.yaml via Profession.procedure_facts); None: only
    # `regulated` is known, and the letters name no licence, language level or measure
    procedure_facts: Procedure | None = None

    @property
    def family(self) -> str:
        return self.procedure_facts.key if self.procedure_facts else ""


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
class Recipient:
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InfoBlock:
    our_reference: str
    contact_name: str | None
    phone: str
    email: str
    date: str
    your_reference: str = ""


@dataclass(frozen=True, slots=True)
class Signature:
    """Under the closing: the contact's name, and the line below it: their function and the Welcome
    Center ("Beraterin für Berufsanerkennung, Welcome Center Landkreis Verden"), or the district."""

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


# ------------------------------------------------------------------------------------ the procedure


@dataclass(frozen=True, slots=True)
class ProcedureView:
    """The procedure facts one case's letters use, for the route its training took."""

    family: str
    regulates: str  # activity | title | none
    licence: str | None
    third_country: Compensation | None  # None: not known (no procedure facts)
    eu: Compensation | None
    route: str | None  # "eu", "third_country", or None when the country of training is not recorded
    language: Language | None
    licence_documents: tuple[str, ...]

    @property
    def regulated(self) -> bool:
        return self.regulates != "none"

    @property
    def compensation(self) -> Compensation | None:
        """The measures for the case's route; None when the route or the facts are not known."""
        if self.route is None:
            return self.third_country if self.third_country == self.eu else None
        return self.eu if self.route == "eu" else self.third_country


def procedure_view(case: CaseFacts) -> ProcedureView:
    """What the letters may say about the procedure: from the procedure data when the case has it,
    else only regulated or not (from the routing)."""
    route = ("eu" if case.eu_training else "third_country") if case.country_of_training else None
    facts = case.procedure_facts
    if facts is None:
        return ProcedureView("", "activity" if case.regulated else "none", None, None, None, route, None, ())
    return ProcedureView(
        family=facts.key, regulates=facts.regulates.value, licence=facts.licence.value,
        third_country=facts.compensation_third_country.value, eu=facts.compensation_eu.value, route=route,
        language=facts.language.value, licence_documents=tuple(facts.licence_documents.value),
    )


def occupation_for(name: str | None, sex: str | None) -> str | None:
    """The form of the Referenzberuf that fits the person: "Pflegefachfrau/Pflegefachmann" is
    "Pflegefachfrau" for a woman, "Pflegefachmann" for a man; both forms for d or nothing recorded,
    and wherever the name does not show which form is which (the official name is kept)."""
    if not name or sex not in ("f", "m"):
        return name
    core, suffix = name, ""
    match = re.fullmatch(r"(.*?)(\s*\([^()]*\))", name)
    if match:
        core, suffix = match.group(1), match.group(2)
    parts = core.split("/")
    if len(parts) < 2 or len(parts) % 2:
        return name
    chosen = []
    for first, second in zip(parts[::2], parts[1::2]):
        feminine = _feminine_of(first.strip(), second.strip())
        if feminine is None:
            return name
        masculine = second.strip() if feminine == first.strip() else first.strip()
        chosen.append(feminine if sex == "f" else masculine)
    return "/".join(chosen) + suffix


def _feminine_of(first: str, second: str) -> str | None:
    """Which of two forms is the feminine one ("Ärztin"/"Arzt", "Kauffrau"/"Kaufmann", "Medizinische
    Fachangestellte"/"Medizinischer Fachangestellter"), or None when the words do not tell."""
    words_a, words_b = first.split(), second.split()
    if len(words_a) != len(words_b):
        return None
    a_feminine = b_feminine = 0
    for a, b in zip(words_a, words_b):
        if a == b:
            continue
        if _feminine_word(a, b):
            a_feminine += 1
        elif _feminine_word(b, a):
            b_feminine += 1
        else:
            return None
    if a_feminine and not b_feminine:
        return first
    if b_feminine and not a_feminine:
        return second
    return None


def _feminine_word(word: str, other: str) -> bool:
    return (
        (word.endswith("in") and not other.endswith("in"))  # Ärztin/Arzt, Köchin/Koch, Biologin/Biologe
        or other == word + "r"  # Angestellte/Angestellter, Medizinische/Medizinischer
        or ("frau" in word and word.replace("frau", "mann") == other)  # Kauffrau/Kaufmann, Pflegefachfrau
    )


# ------------------------------------------------------------------------------------ the letter


def compose_letter(
    request: LetterRequest | LetterKind,
    case: CaseFacts,
    *,
    sender: Sender,
    texts: LetterTexts,
    today: date,
    language: str | None = None,
    calendar: WorkingCalendar | None = None,
    min_working_days: int = MIN_WORKING_DAYS,
) -> ComposedLetter:
    """The content of one letter, or LetterRefused naming the field that is missing or wrong.

    `calendar` counts the working days to a deadline the letter names (default: Lower Saxony's
    public holidays); a deadline in the past or fewer than `min_working_days` working days after
    `today` is refused. The finished letter is checked for empty or "None"-like values
    (`check_filled`)."""
    request = request if isinstance(request, LetterRequest) else LetterRequest(request)
    kind = request.kind
    recipient_kind = RECIPIENT_OF[kind]
    if case.consent_withdrawn_on is not None:  # Art. 7 Abs. 3 DSGVO: nothing new after a withdrawal, of any kind
        raise LetterRefused("letter.consent_withdrawn", "consent_withdrawn", on=case.consent_withdrawn_on,
                            reference=case.reference)
    if recipient_kind is not RecipientKind.PERSON and language not in (None, GERMAN):
        raise LetterRefused("letter.german_only", "--lang", kind=Term(kind.value, KIND_DE[kind]))
    if kind in (LetterKind.OUTCOME, LetterKind.SME_GUIDANCE):
        if case.outcome is None:
            raise LetterRefused("letter.no_decision", "outcome", state=Term(case.state.value, STATE_DE[case.state]),
                                event=Term(Event.DECIDE.value, EVENT_DE[Event.DECIDE]))
    if case.body is None or case.occupation is None:  # every letter names the body and the Referenzberuf
        raise LetterRefused("letter.no_occupation", "reference occupation")
    if kind in (LetterKind.OUTCOME, LetterKind.SME_GUIDANCE):
        check_outcome(case)
    if kind is LetterKind.CHECKLIST and not case.checklist:
        raise LetterRefused("letter.no_checklist", "checklist")
    if kind is LetterKind.CHECKLIST and case.person_due is not None:
        check_deadline(case.person_due, today=today, calendar=calendar or _lower_saxony(),
                       min_working_days=min_working_days, reference=case.reference)

    info = InfoBlock(
        our_reference=case.reference, contact_name=sender.contact_person, phone=sender.phone, email=sender.email,
        date=format_date(today),
    )
    german = texts.german.for_family(case.family)
    context: dict[str, Any] = {
        "letterhead": sender.letterhead, "info": info, "translation": None, "enclosures": (),
        "signature": _signature(sender),
    }
    if recipient_kind is RecipientKind.PERSON:
        person = case.person
        lines = address_lines(person_address(person, reference=case.reference), who="person", reference=case.reference)
        chosen = language or person.language or GERMAN
        subject, salutation, sections, closing = _person_letter(kind, case, german, sender)
        context.update(recipient=Recipient(lines), subject=subject, salutation=salutation, sections=sections, closing=closing)
        translated, fallback = texts.translation_for(chosen)
        used = GERMAN
        if translated is not None:
            used = translated.code
            context["translation"] = _translation(kind, case, sender, texts, translated.for_family(case.family),
                                                  requested=chosen, fallback=fallback)
        return check_filled(ComposedLetter(kind, TEMPLATE_OF[kind], used, recipient_key(kind), subject, context))

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
        return check_filled(ComposedLetter(kind, TEMPLATE_OF[kind], GERMAN, recipient_key(kind), subject, context))

    sme = next((s for s in case.smes if s.id == request.sme_id), None)
    if sme is None:
        raise LetterRefused("letter.sme_not_linked", "sme", sme=request.sme_id, reference=case.reference,
                            linked=[s.id for s in case.smes])
    if is_blank(sme.contact_person):
        raise LetterRefused("letter.sme_no_contact", "sme.contact_person", sme=sme.id, name=_clip(sme.name))
    lines = address_lines(
        PostalAddress(name=sme.name, street=sme.street, postcode=sme.postcode, city=sme.city, attention=f"z. Hd. {one_line(sme.contact_person)}"),
        who="sme", sme=sme.id,
    )
    if not sme.person_agreed:
        raise LetterRefused("letter.sme_not_agreed", "sme.person_agreed", person=case.person.full_name, sme=sme.id,
                            reference=case.reference)
    subject, salutation, sections = _sme_guidance(case, sme, german, sender)
    context.update(recipient=Recipient(lines), subject=subject, salutation=salutation, sections=sections,
                   closing=german.text("common.closing"))
    return check_filled(ComposedLetter(kind, TEMPLATE_OF[kind], GERMAN, recipient_key(kind, sme_id=sme.id), subject, context,
                                       sme_id=sme.id))


def _signature(sender: Sender) -> Signature:
    head = sender.letterhead
    if _from_office(sender):
        return Signature(head.organisation, head.authority)
    function = one_line(sender.function)
    return Signature(sender.contact_name, f"{function}, {head.organisation}" if function else head.organisation)


def _from_office(sender: Sender) -> bool:
    """No adviser is named: the Welcome Center itself is the contact."""
    return sender.contact_name == sender.letterhead.organisation


_CALENDAR: list[WorkingCalendar] = []


def _lower_saxony() -> WorkingCalendar:
    if not _CALENDAR:
        _CALENDAR.append(lower_saxony_calendar())
    return _CALENDAR[0]


# ------------------------------------------------------------------------------------ checks


def check_outcome(case: CaseFacts) -> None:
    """The recorded outcome must exist for the case's procedure (domain.md §1 "Outcomes"): a
    compensation measure only where the profession is regulated (§ 10 BQFG; a profession that is
    not regulated is told its differences, § 7 Abs. 2), partial equivalence only in a recognition
    procedure under the BQFG or NBQFG. Otherwise the letter would explain a notice that cannot exist."""
    view = procedure_view(case)
    outcome = case.outcome
    shown = Term(outcome.value, OUTCOME_DE[outcome])
    if outcome is Outcome.COMPENSATION_MEASURE and not view.regulated:
        raise LetterRefused("letter.outcome_not_regulated", "outcome", outcome=shown, occupation=case.occupation,
                            reference=case.reference)
    if outcome is Outcome.PARTIAL_EQUIVALENCE and case.procedure not in STATUTORY:
        raise LetterRefused("letter.outcome_no_partial", "outcome", outcome=shown, occupation=case.occupation,
                            reference=case.reference)


def working_days_after(start: date, end: date, calendar: WorkingCalendar, *, enough: int | None = None) -> int:
    """Working days after `start` up to and including `end` (Lower Saxony: no weekend, no public
    holiday); counting stops at `enough`."""
    days, day = 0, start
    while day < end and (enough is None or days < enough):
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            days += 1
    return days


def check_deadline(due: date, *, today: date, calendar: WorkingCalendar, min_working_days: int, reference: str) -> None:
    """A deadline a letter gives the person is never in the past and leaves at least
    `min_working_days` working days after the letter's date; otherwise the adviser sets a new one."""
    if due <= today:
        raise LetterRefused("letter.deadline_past", "deadline", due=due, today=today, limit=min_working_days,
                            reference=reference)
    days = working_days_after(today, due, calendar, enough=min_working_days)
    if days < min_working_days:
        raise LetterRefused("letter.deadline_too_close", "deadline", due=due, today=today, count=days,
                            limit=min_working_days, reference=reference)


# A value that was never filled: a Python None, a database NULL, a spreadsheet's NaN, as a word of its own
_NONE_LIKE = re.compile(r"(?<![\w.-])(?:None|none|null|NULL|nan|NaN|undefined)(?![\w-])")
# Fields that may be empty: the body's reference, a block's bold lead and list mark, a section
# without heading, an enclosure without detail
# texts a letter may leave out: the Name line of the information block is left out when the Welcome
# Center itself is the contact (no adviser on the case; the template hides the empty line)
_MAY_BE_EMPTY = frozenset({"your_reference", "lead", "mark", "heading", "detail", "contact_name"})


def check_filled(letter: ComposedLetter) -> ComposedLetter:
    """Every text of the letter is there and none reads "None", "none", "null" or "NaN": such a value
    is a field never filled, and the letter is refused naming it ("sections[2].blocks[0].text")."""
    context = dict(letter.context)
    context["translation"] = context.pop("translation", None)  # the binding German first
    for path, value in _texts_of(context, ""):
        if value is None or not str(value).strip():
            if path.rsplit(".", 1)[-1] in _MAY_BE_EMPTY:
                continue
            raise LetterRefused("letter.empty_value", path, kind=Term(letter.kind.value, KIND_DE[letter.kind]))
        match = _NONE_LIKE.search(str(value))
        if match:
            raise LetterRefused("letter.none_value", path, kind=Term(letter.kind.value, KIND_DE[letter.kind]),
                                value=_clip(str(value)[max(0, match.start() - 40):match.end() + 20], 80))
    return letter


def _texts_of(value: Any, path: str):
    """(path, text) of every text in a letter's context; None where a text should be."""
    if isinstance(value, str) or value is None:
        yield path, value
    elif isinstance(value, Mapping):
        for name, item in value.items():
            if name == "translation" and item is None:
                continue
            yield from _texts_of(item, f"{path}.{name}" if path else str(name))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _texts_of(item, f"{path}[{index}]")
    elif is_dataclass(value):
        for spec in fields(value):
            if isinstance(getattr(value, spec.name), bool):
                continue
            yield from _texts_of(getattr(value, spec.name), f"{path}.{spec.name}")


# ------------------------------------------------------------------------------------ values


def _values(case: CaseFacts, t: LanguageTexts, sender: Sender) -> dict[str, Any]:
    """Every placeholder's value. A value that does not apply to the case is None: a text that uses
    it anyway prints "None", and `check_filled` refuses the letter instead of printing a gap."""
    body = case.body
    person = case.person
    view = procedure_view(case)
    outcome = t.text(f"outcomes.{case.outcome.value}") if case.outcome else None
    language = view.language
    licence = t.term(view.licence) if view.licence else (t.text("common.licence_unknown") if view.regulated else None)
    compensation = view.compensation
    honorific = {"f": "names.person_f", "m": "names.person_m"}.get(person.sex or "", "names.person_other")
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "academic_title": person.title or None,
        "person_name": person.titled_name,
        "person": t.text(honorific, person_name=person.titled_name) if t.has(honorific) else person.titled_name,
        "birth_date": format_date(person.birth_date),
        "occupation": occupation_for(case.occupation, person.sex),
        "body_name": body.name if body else None,
        "body_address": body.address if body else None,
        "fee": _fee(body, t),
        "deadline": format_date(case.person_due) if case.person_due else None,
        "contact_name": sender.contact_name,
        "phone": sender.phone,
        "email": sender.email,
        "outcome": outcome,
        "funding": t.text(f"funding_routes.{case.funding_route.value}"),
        "legal_basis": case.legal_basis,
        "procedure": case.procedure if case.procedure in STATUTORY else None,
        "clause": _acknowledgement_clause(case),
        "district": sender.letterhead.authority,
        "organisation": sender.letterhead.organisation,
        "licence": licence,
        "level": language.level if language else None,
        "exam": t.term(language.exam) if language and language.exam else None,
        "exam_body": language.body if language and language.body else None,
        "measures": _measures(compensation.measures, t) if compensation else None,
        "measures_third_country": _measures(view.third_country.measures, t) if view.third_country else None,
        "measures_eu": _measures(view.eu.measures, t) if view.eu else None,
        "documents": _joined([t.term(d) for d in view.licence_documents], t, "and") if view.licence_documents else None,
    }


def _measures(measures: tuple[str, ...], t: LanguageTexts) -> str:
    if not measures:
        return t.text("measures.none")
    return _joined([t.text(f"measures.{MEASURE_KEYS[m]}") for m in measures], t, "or")


def _joined(items: list[str], t: LanguageTexts, word: str) -> str:
    """"A, B oder C" in the letter's language (common.comma, common.or / common.and); a one-letter
    conjunction such as the Arabic و is written joined to the word it introduces."""
    if len(items) < 2:
        return "".join(items)
    conjunction = t.text(f"common.{word}")
    glue = f" {conjunction}" if len(conjunction) == 1 and not conjunction.isascii() else f" {conjunction} "
    return f"{t.text('common.comma').join(items[:-1])}{glue}{items[-1]}"


# number formats of the fee: (the amount with its currency, the thousands separator); a no-break space
# keeps "600 €" on one line
_MONEY = {"de": ("{}\u00a0€", "."), "en": ("€{}", ","), "uk": ("{}\u00a0€", "\u00a0"), "ru": ("{}\u00a0€", "\u00a0"),
          "ar": ("{}\u00a0يورو", ".")}


def _fee(body: Body | None, t: LanguageTexts) -> str | None:
    """The body's fee in the letter's language: "100–600 €"; in German with the body's note (which is
    German, and only said of a fee range); None when no amount is known."""
    if body is None or (body.fee_min_cents is None and body.fee_max_cents is None):
        return None
    money, thousands = _MONEY.get(t.code, _MONEY[GERMAN])

    def amount(cents: int) -> str:
        return f"{cents // 100:,}".replace(",", thousands)

    low, high = body.fee_min_cents, body.fee_max_cents or body.fee_min_cents
    if low is None:
        text = t.text("common.up_to", fee=money.format(amount(high)))
    elif low == high:
        text = money.format(amount(low))
    else:
        text = money.format(f"{amount(low)}–{amount(high)}")
    if t.code == GERMAN and body.fee_note and low is not None:
        text = f"{text} ({body.fee_note})"
    return text


def _acknowledgement_clause(case: CaseFacts) -> str | None:
    """The paragraph on the acknowledgement of receipt (§ 6 Abs. 2 BQFG when the profession is not
    regulated, § 13 Abs. 2 when it is; § 14a Abs. 2 on the fast track; NBQFG with the same
    numbering, domain.md §1–2). None where no recognition act applies (ZAB, school certificates)."""
    if case.procedure not in STATUTORY:
        return None
    if _fast_track(case):
        return f"§ 14a Abs. 2 {case.procedure}"
    return f"§ {13 if procedure_view(case).regulated else 6} Abs. 2 {case.procedure}"


def _fast_track(case: CaseFacts) -> bool:
    """The fast track (§ 81a AufenthG, § 14a BQFG) is said only where it applies: marked, a person
    entering from abroad, and a recognition procedure with statutory deadlines."""
    return fast_track_applies(fast_track=case.fast_track, lives_abroad=case.person.lives_abroad) and case.procedure in STATUTORY


# ------------------------------------------------------------------------------------ person letters


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
    questions = "common.questions_office" if _from_office(sender) else "common.questions"
    sections = (*sections, Section("", (Block(t.text(questions, **values)),)))
    return subject, _salutation(case.person, t), sections, t.text("common.closing")


def _salutation(person: PersonFacts, t: LanguageTexts) -> str:
    """"Sehr geehrte Frau Dr. Karimi,": with the academic title when one is recorded."""
    if not person.title:
        return person_salutation(person, t)
    key = {"f": "common.salutation_f_title", "m": "common.salutation_m_title"}.get(person.sex or "",
                                                                                   "common.salutation_other_title")
    given, family, _ = salutation_name(person, t)  # German in Latin script, a translation in the name's own
    return t.text(key, academic_title=person.title, given_name=given, family_name=family)


def _checklist_sections(case: CaseFacts, t: LanguageTexts, v: dict[str, Any]) -> tuple[Section, ...]:
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
        items.append(Block(text=t.text("common.semicolon").join(details), lead=f"{item_title(line, t)}: ", mark="•"))
    if not items:
        items.append(Block(t.text("checklist.nothing_missing")))
    deadline = t.text("checklist.deadline", **v) if case.person_due else t.text("checklist.no_deadline")
    why = "checklist.deadline_why" if case.procedure in STATUTORY else "checklist.deadline_why_none"
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
        Section(t.text("checklist.heading_deadline"), (Block(deadline), Block(t.text(why)))),
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


def _funding_section(case: CaseFacts, t: LanguageTexts, v: dict[str, Any]) -> Section:
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


def _next_steps_sections(case: CaseFacts, t: LanguageTexts, v: dict[str, Any]) -> tuple[Section, ...]:
    view = procedure_view(case)
    if v["fee"] is not None:
        fee = t.text("next_steps.fees", **v)
    else:
        fee = t.text("next_steps.fees_unknown", **v)
    if case.procedure not in STATUTORY:
        procedure = t.text("next_steps.procedure_none", **v)
    elif _fast_track(case):
        procedure = t.text("next_steps.procedure_fast_track", **v)
    else:
        procedure = t.text("next_steps.procedure_standard", **v)
    practice = {"activity": "next_steps.regulated", "title": "next_steps.title", "none": "next_steps.not_regulated"}[view.regulates]
    practice_text = t.text(practice, **v)
    if view.regulates == "title":
        practice_text = f"{practice_text} {t.text('outcome.title_practice', **v)}"
    steps = [
        (t.text("next_steps.lead_submit"), t.text("next_steps.submit", **v)),
        (t.text("next_steps.lead_fees"), fee),
        (t.text("next_steps.lead_procedure"), procedure),
    ]
    if case.procedure in STATUTORY:  # the average is that of recognition procedures (Anerkennungsbericht 2023)
        steps.append((t.text("next_steps.lead_duration"), t.text("next_steps.duration", **v)))
    steps.append((t.text("next_steps.lead_practice"), practice_text))
    language = _language_texts(case, t, v, section="next_steps")
    if language:
        steps.append((t.text("next_steps.lead_language"), " ".join(language)))
    return (
        Section("", (Block(t.text("next_steps.intro", **v)),)),
        Section(t.text("next_steps.heading"), tuple(Block(text, lead=lead, mark=f"{n}.") for n, (lead, text) in enumerate(steps, 1))),
        _funding_section(case, t, v),
    )


def _language_texts(case: CaseFacts, t: LanguageTexts, v: dict[str, Any], *, section: str, courses: bool = True) -> list[str]:
    """The German the licence needs (level, exam and who holds it: data/procedures.yaml), and for the
    health professions the job-related language courses (§ 45a AufenthG; domain.md §5)."""
    view = procedure_view(case)
    texts = []
    if view.regulated and view.language is not None and view.language.level:
        key = "language_exam_body" if v["exam_body"] else ("language_exam" if v["exam"] else "language")
        texts.append(t.text(f"{section}.{key}", **v))
    if courses and case.group in ("health", "medicine"):
        texts.append(t.text("next_steps.language_courses"))
    return texts


def _licence_steps(case: CaseFacts, t: LanguageTexts, v: dict[str, Any]) -> list[Block]:
    """Before the licence: the German it needs and the documents asked for only then."""
    view = procedure_view(case)
    blocks = [Block(text, mark="•") for text in _language_texts(case, t, v, section="next_steps", courses=False)]
    if view.regulated and view.licence_documents:
        blocks.append(Block(t.text("outcome.licence_documents", **v), mark="•"))
    return blocks


def _measures_text(case: CaseFacts, t: LanguageTexts, v: dict[str, Any], section: str) -> str:
    """Which compensation measure, from the procedure data for the route the training took
    (domain.md §9: third-country training in the health professions → Kenntnisprüfung)."""
    view = procedure_view(case)
    compensation = view.compensation
    if view.third_country is None:
        return t.text(f"{section}.measures_unknown", **v)
    if compensation is None:  # the country of training is not recorded and the routes differ
        return t.text(f"{section}.measures_route_unknown", **v)
    if not compensation.measures:
        return t.text(f"{section}.measures_none", **v)
    if len(compensation.measures) > 1:
        return t.text(f"{section}.measures_choice" if compensation.applicant_chooses else f"{section}.measures_all", **v)
    return t.text(f"{section}.measures_one", **v)


def _outcome_sections(case: CaseFacts, t: LanguageTexts, v: dict[str, Any]) -> tuple[Section, ...]:
    """The decision explained (domain.md §1 "Outcomes", §§ 7, 10, 11 BQFG; §9 for the health
    professions) and what to do next, by what the law regulates."""
    view = procedure_view(case)
    outcome = case.outcome
    meaning: list[Block] = []
    next_steps: list[Block] = []
    if outcome is Outcome.FULL_EQUIVALENCE:
        meaning.append(Block(t.text("outcome.full_meaning", **v)))
        if view.regulates == "activity":
            next_steps.append(Block(t.text("outcome.full_licence", **v), mark="•"))
            next_steps.extend(_licence_steps(case, t, v))
        elif view.regulates == "title":
            next_steps.append(Block(t.text("outcome.full_title", **v), mark="•"))
            next_steps.append(Block(t.text("outcome.title_practice", **v), mark="•"))
            next_steps.extend(_licence_steps(case, t, v))
        else:
            next_steps.append(Block(t.text("outcome.full_not_regulated", **v), mark="•"))
        next_steps.append(Block(t.text("outcome.full_next", **v), mark="•"))
    elif outcome is Outcome.PARTIAL_EQUIVALENCE and not view.regulated:
        meaning.append(Block(t.text("outcome.partial_meaning", **v)))
        next_steps.append(Block(t.text("outcome.partial_next", **v), mark="•"))
        next_steps.append(Block(t.text("outcome.partial_funding", **v), mark="•"))
    elif outcome in (Outcome.PARTIAL_EQUIVALENCE, Outcome.COMPENSATION_MEASURE):
        # regulated: significant differences are made up by a compensation measure (§§ 10, 11 BQFG)
        key = "differences_meaning" if outcome is Outcome.PARTIAL_EQUIVALENCE else "compensation_meaning"
        meaning.append(Block(t.text(f"outcome.{key}{'_title' if view.regulates == 'title' else ''}", **v)))
        next_steps.append(Block(_measures_text(case, t, v, "outcome"), mark="•"))
        next_steps.append(Block(t.text("outcome.after_measure", **v), mark="•"))
        if view.regulates == "title":
            next_steps.append(Block(t.text("outcome.title_practice", **v), mark="•"))
        next_steps.extend(_licence_steps(case, t, v))
        next_steps.append(Block(t.text("outcome.compensation_place", **v), mark="•"))
    else:
        meaning.append(Block(t.text("outcome.none_meaning", **v)))
        if view.regulates == "none":
            next_steps.append(Block(t.text("outcome.none_not_regulated", **v), mark="•"))
        elif view.regulates == "title":
            next_steps.append(Block(t.text("outcome.none_title", **v), mark="•"))
            next_steps.append(Block(t.text("outcome.title_practice", **v), mark="•"))
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
    """Cover letter for the application. Each document of the checklist once: enclosed when it is on
    file as the body asks for it (§ 5 Abs. 1, § 12 Abs. 1 BQFG, data/checklists.yaml), else under
    "Wird nachgereicht" with what is missing; and the person's Vollmacht, since the Welcome Center
    submits the application on the person's behalf."""
    v = _values(case, t, sender)
    outstanding = missing_items(case.checklist, stage=Stage.APPLICATION)
    documents = []
    for line in case.checklist:
        if line.status is not ItemStatus.PRESENT or line.item.stage is not Stage.APPLICATION:
            continue
        details = []
        if line.translation:
            details.append(t.text("body_cover.with_translation"))
        if line.certified_copy:
            details.append(t.text("body_cover.certified_copy"))
        documents.append(Enclosure(line.item.title, f" ({', '.join(details)})" if details else ""))
    if not documents:
        raise LetterRefused("letter.nothing_to_enclose", "enclosures", reference=case.reference)
    enclosures = (*documents, Enclosure(t.text("body_cover.power_of_attorney", **v)))
    sections = [Section("", (Block(t.text("body_cover.intro", **v)), Block(t.text("body_cover.mandate", **v))))]
    if _fast_track(case):
        sections.append(Section(t.text("body_cover.fast_track_heading"), (Block(t.text("body_cover.fast_track", **v)),)))
    elif v["clause"]:
        sections.append(Section("", (Block(t.text("body_cover.acknowledgement", **v)),)))
    else:
        sections.append(Section("", (Block(t.text("body_cover.acknowledgement_none", **v)),)))
    if outstanding:
        to_follow = {
            ItemStatus.NOT_TRANSLATED: "body_cover.follows_translation",
            ItemStatus.NOT_CERTIFIED: "body_cover.follows_certified",
        }
        sections.append(Section(t.text("body_cover.missing_heading"), tuple(
            Block(f"{item_title(line, t)}: {t.text(to_follow[line.status])}" if line.status in to_follow else item_title(line, t),
                  mark="•")
            for line in outstanding
        )))
    questions = "body_cover.questions_office" if _from_office(sender) else "body_cover.questions"
    sections.append(Section("", (Block(t.text(questions, **v)),)))
    subject = t.text("body_cover.subject", **v)
    return subject, tuple(sections), enclosures


# ------------------------------------------------------------------------------------ to an employer


def _sme_guidance(case: CaseFacts, sme: SmeFacts, t: LanguageTexts, sender: Sender) -> tuple[str, str, tuple[Section, ...]]:
    """Guidance for the employer by outcome and by what the law regulates (domain.md §8, §9): hiring
    and the right to work; where only the title is protected, that hiring needs no recognition; the
    licence and its German for a regulated profession; the Anpassungsqualifizierung with its
    Qualifizierungsplan and funding (§ 82 SGB III) where the profession is not regulated; the
    compensation measure for the route the training took where it is; alternatives when there is no
    equivalence; § 16d AufenthG for third-country nationals and § 24 AufenthG for refugees from
    Ukraine; a welcome-culture checklist."""
    v = {**_values(case, t, sender), "contact_person": one_line(sme.contact_person)}
    s = "sme_guidance"
    view = procedure_view(case)
    outcome = case.outcome
    sections = [Section("", (Block(t.text(f"{s}.intro", **v)),))]
    language = [Block(text) for text in _language_texts(case, t, v, section=s, courses=False)]
    measure = outcome in (Outcome.PARTIAL_EQUIVALENCE, Outcome.COMPENSATION_MEASURE) and view.regulated
    if outcome is Outcome.FULL_EQUIVALENCE:
        blocks = [Block(t.text(f"{s}.full", **v))]
        if view.regulates == "activity":
            blocks.append(Block(t.text(f"{s}.full_licence", **v)))
            blocks.extend(language)
        elif view.regulates == "title":
            blocks.append(Block(t.text(f"{s}.full_title", **v)))
            blocks.append(Block(t.text(f"{s}.title_practice", **v)))
        else:
            blocks.append(Block(t.text(f"{s}.full_not_regulated", **v)))
        sections.append(Section(t.text(f"{s}.full_heading"), tuple(blocks)))
    elif outcome is Outcome.PARTIAL_EQUIVALENCE and not view.regulated:
        sections.append(Section(t.text(f"{s}.partial_heading"), (
            Block(t.text(f"{s}.partial", **v)),
            Block(t.text(f"{s}.partial_step_gaps", **v), mark="1."),
            Block(t.text(f"{s}.partial_step_plan", **v), mark="2."),
            Block(t.text(f"{s}.partial_step_agreement", **v), mark="3."),
            Block(t.text(f"{s}.partial_step_follow_up", **v), mark="4."),
        )))
    elif measure:
        key = "differences" if outcome is Outcome.PARTIAL_EQUIVALENCE else "compensation"
        blocks = [Block(t.text(f"{s}.{key}{'_title' if view.regulates == 'title' else ''}", **v)),
                  Block(_measures_text(case, t, v, s))]
        if view.regulates == "title":
            blocks.append(Block(t.text(f"{s}.title_practice", **v)))
        else:
            blocks.append(Block(t.text(f"{s}.after_measure", **v)))
            blocks.extend(language)
        sections.append(Section(t.text(f"{s}.compensation_heading"), tuple(blocks)))
    else:
        blocks = [Block(t.text(f"{s}.none", **v))]
        if view.regulates == "none":
            blocks.append(Block(t.text(f"{s}.none_not_regulated", **v)))
        elif view.regulates == "title":
            blocks.append(Block(t.text(f"{s}.none_title", **v)))
            blocks.append(Block(t.text(f"{s}.title_practice", **v)))
        blocks.extend(Block(t.text(f"{s}.none_{way}", **v), mark="•") for way in ("assistant", "training", "retraining"))
        sections.append(Section(t.text(f"{s}.none_heading"), tuple(blocks)))
    if outcome in (Outcome.PARTIAL_EQUIVALENCE, Outcome.COMPENSATION_MEASURE):
        # the grant's €3,000 is documented for measures after *partial* equivalence only (domain.md §5)
        names = ("sgb3_82", "sgb3_82a", "language") if measure else ("sgb3_82", "sgb3_82a", "zuschuss", "language")
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
    questions = f"{s}.questions_office" if _from_office(sender) else f"{s}.questions"
    sections.append(Section("", (Block(t.text(f"{s}.material", **v)), Block(t.text(questions, **v)))))
    return t.text(f"{s}.subject", **v), contact_salutation(sme.contact_person, t, s), tuple(sections)
