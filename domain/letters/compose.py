"""What each letter says: the composers, from the case's facts (`CaseFacts`, handed over by
`models` as values) and the words (`LetterTexts`) to a `ComposedLetter` for its template.

Everything here takes plain values and returns plain values: no database, no files, no clock. The
facts are from domain.md and cited in the data files. A letter that cannot be made is refused with
`LetterRefused`, naming the missing field and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.calendar import format_date
from domain.catalogue import Body
from domain.checklist import ChecklistLine, ItemStatus, Stage, missing_items
from domain.errors import _clip
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
from domain.lifecycle import EVENT_DE, STATE_DE, CaseState, Event, Outcome
from domain.messages import Term

if TYPE_CHECKING:
    from domain.letters.texts import LanguageTexts, LetterTexts

# The names every template may use; `adapters.docx` refuses a template that uses another.
CONTEXT_NAMES = frozenset(
    {"letterhead", "recipient", "info", "subject", "salutation", "sections", "closing", "signature",
     "translation", "enclosures"}
)

# ------------------------------------------------------------------------ moves to data/ with the procedure data
# Profession keys (data/professions/*.yaml) that the code knows by name. They move to data/ with
# the procedure data per profession (the language level a licence needs); until then they are
# here and only here (domain/letters/samples.py uses "pflegefachmann" and "arzt" to reach them).
# Nursing professions: B2 German for the licence (BT-Drs. 18/7823; domain.md §5).
NURSING = frozenset({"pflegefachmann", "gesundheits_krankenpfleger", "altenpfleger", "kinderkrankenpfleger"})
# Doctors and pharmacists: a Fachsprachprüfung; the BAMF courses preparing for it are at C1 (domain.md §5).
SPECIALIST_LANGUAGE_EXAM = frozenset({"arzt", "apotheker"})
# ------------------------------------------------------------------------ end of the profession keys


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
        our_reference=case.reference, contact_name=sender.contact_person, phone=sender.phone, email=sender.email,
        date=format_date(today),
    )
    german = texts.german
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
    return subject, person_salutation(case.person, t), sections, t.text("common.closing")


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
    v = {**_values(case, t, sender), "contact_person": one_line(sme.contact_person)}
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
