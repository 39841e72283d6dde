"""Invented letters that reach every branch of the composers: to check the texts when they are
loaded (`check_with_samples`), a template before a batch writes anything
(`adapters.docx.load_checked_templates`), and in the benchmark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from domain.catalogue import Body, Compensation, Fact, Language, Procedure
from domain.checklist import ALWAYS, ChecklistItem, ChecklistLine, ItemStatus
from domain.errors import CatalogueError
from domain.funding import FundingRoute
from domain.letters.address import Letterhead, Sender
from domain.letters.compose import CaseFacts, ComposedLetter, PersonFacts, SmeFacts, compose_letter
from domain.letters.due import due_letters
from domain.letters.kinds import LetterRefused
from domain.lifecycle import CaseState, Outcome

if TYPE_CHECKING:
    from domain.letters.texts import LetterTexts

SAMPLE_SENDER = Sender(
    letterhead=Letterhead(
        authority="Landkreis Muster", organisation="Welcome Center Landkreis Muster", street="Musterweg 1", postcode="12345",
        city="Musterstadt", phone="01234 5678-0", email="welcome@muster.example", opening_hours="Mo–Do 9–12 Uhr",
        return_line="Landkreis Muster · Musterweg 1 · 12345 Musterstadt",
    ),
    contact_name="Anna Muster", phone="01234 5678-1", email="a.muster@muster.example", function="Beraterin Anerkennung",
)
# The same Welcome Center without a named adviser: the office is the contact
SAMPLE_OFFICE = replace(SAMPLE_SENDER, contact_name=SAMPLE_SENDER.letterhead.organisation, phone="01234 5678-0",
                        email="welcome@muster.example", function="")


def sample_procedure(key: str = "muster_activity", *, regulates: str = "activity", licence: str | None = "Approbation",
                     third_country: tuple[str, ...] = ("Kenntnisprüfung",), eu: tuple[str, ...] = ("Anpassungslehrgang", "Eignungsprüfung"),
                     choice: bool = True, level: str | None = "C1", exam: str | None = "Fachsprachprüfung",
                     exam_body: str | None = "Musterkammer", documents: tuple[str, ...] = ("Führungszeugnis", "ärztliche Bescheinigung")
                     ) -> Procedure:
    """An invented procedure family shaped like data/procedures.yaml."""
    def fact(value):
        return Fact(value, "Muster", False)

    return Procedure(
        key=key, name=f"Muster {key}", regulates=fact(regulates), licence=fact(licence),
        compensation_third_country=fact(Compensation(third_country, choice and len(third_country) > 1)),
        compensation_eu=fact(Compensation(eu, choice and len(eu) > 1)),
        language=fact(Language(level, exam, exam_body) if level else None), licence_documents=fact(documents),
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
    """Invented cases that reach every branch of the letters (each kind; each outcome the law allows
    for the activity regulated, only the title, or nothing; each route of the training, known or not;
    the fast track; no statutory deadline; an academic title; left-to-right and right-to-left
    translations, the English fallback, enclosures, missing items): to try the texts when they are
    loaded, a template before a batch writes anything, and in the benchmark."""
    person = PersonFacts(
        given_name="Olena", family_name="Muster", birth_date=date(1990, 5, 17), language="uk", sex="f",
        receives_buergergeld=True, street="Musterstraße 1", postcode="27283", city="Verden (Aller)",
    )
    activity = sample_procedure()
    title = sample_procedure("muster_title", regulates="title", licence="Erlaubnis zum Führen der Berufsbezeichnung",
                             third_country=("Anpassungslehrgang", "Eignungsprüfung"), level=None, documents=())
    free = sample_procedure("muster_none", regulates="none", licence=None, third_country=(), eu=(), level=None, documents=())
    base = CaseFacts(
        reference="VER-2026-0001", district=district, state=CaseState.COLLECTING_DOCUMENTS, person=person, state_since=1,
        occupation="Pflegefachfrau/Pflegefachmann", occupation_key="pflegefachmann", regulated=True,
        legal_basis="§§ 40–43 PflBG", procedure="BQFG", group="health", body=body, country_of_training="UA",
        checklist=checklist, person_due=date(2026, 12, 14), consent=True, funding_route=FundingRoute.JOBCENTER,
        smes=(SmeFacts(1, "Muster GmbH", "Industriestraße 5", "27283", "Verden (Aller)", "Frau Muster", person_agreed=True),),
        procedure_facts=activity,
    )
    crafts = dict(regulated=False, group="crafts", occupation="Bäcker/Bäckerin", occupation_key="x", procedure_facts=free)
    cases = [
        base,
        replace(base, person=replace(person, language="ar", sex="m", receives_buergergeld=False, academic_title="Dr."),
                person_due=None),
        replace(base, person=replace(person, language="ar", sex="m", lives_abroad=True), fast_track=True,
                state=CaseState.READY_TO_SUBMIT),
        replace(base, person=replace(person, language="fa", sex=None, academic_title="Dr."), state=CaseState.READY_TO_SUBMIT,
                body=replace(body, fee_min_cents=None, fee_max_cents=None), **crafts),
        replace(base, state=CaseState.READY_TO_SUBMIT, procedure="none", group="medicine", occupation_key="arzt",
                body=replace(body, fee_min_cents=None, fee_max_cents=59_000)),
        replace(base, state=CaseState.READY_TO_SUBMIT, procedure="NBQFG", procedure_facts=title, regulated=True),
        replace(base, state=CaseState.READY_TO_SUBMIT, procedure_facts=None),
    ]
    decided = replace(base, state=CaseState.DECIDED, country_of_training="SY", person=replace(person, language="ar"))
    for outcome in Outcome:
        cases.append(replace(decided, outcome=outcome))
        cases.append(replace(decided, outcome=outcome, procedure_facts=title, country_of_training=None,
                             person=replace(person, language="de", sex="m", academic_title="Prof. Dr.")))
        cases.append(replace(decided, outcome=outcome, country_of_training=None, procedure_facts=replace(
            activity, compensation_third_country=Fact(Compensation(("Kenntnisprüfung", "Anpassungslehrgang")), "Muster", False)),
            person=replace(person, language="en")))
        cases.append(replace(decided, outcome=outcome, procedure_facts=None, person=replace(person, language="ru", sex=None)))
        if outcome is not Outcome.COMPENSATION_MEASURE:  # no compensation measure where nothing is regulated
            cases.append(replace(decided, outcome=outcome, person=replace(person, language="de"), **crafts))
    cases.append(replace(decided, outcome=Outcome.COMPENSATION_MEASURE, procedure_facts=replace(
        activity, compensation_third_country=Fact(Compensation(()), "Muster", False))))
    return cases


def sample_letters(texts: LetterTexts, *, today: date, languages: Iterable[str] | None = None,
                   every_language: bool = True) -> list[ComposedLetter]:
    """Every kind and branch composed from invented cases: with `every_language`, each case in each
    language given (default: each language with texts, and one without, for the English fallback);
    otherwise the languages take turns over the cases (enough to try a template's branches)."""
    codes = list(languages) if languages is not None else [*texts.languages, "xx"]
    letters = []
    for number, case in enumerate(sample_cases("muster", sample_body(), sample_checklist())):
        if case.person_due is not None:  # a deadline the letter's date leaves time for
            case = replace(case, person_due=today + timedelta(weeks=6))
        sender = SAMPLE_SENDER if number % 2 else SAMPLE_OFFICE
        for code in codes if every_language else [codes[number % len(codes)]]:
            localised = replace(case, person=replace(case.person, language=code))
            for request in due_letters(localised):
                letters.append(compose_letter(request, localised, sender=sender, texts=texts, today=today))
    return letters


def check_with_samples(texts: LetterTexts) -> None:
    """Compose every branch once in every language: a key or a placeholder the letters need but a
    file lacks is refused now, with the file, not when an adviser writes a letter."""
    try:
        sample_letters(texts, today=date(2026, 1, 1))
    except LetterRefused as refused:  # a text that prints "None" or nothing for a value that does not apply
        raise CatalogueError(texts.german.file, None, None, refused.field,
                             f"a sample letter is refused: {refused.message}") from None
    except KeyError as error:
        missing = error.args[0]
        if "." in missing:
            raise CatalogueError(texts.german.file, None, None, missing, "is missing; the letters need this text") from None
        raise CatalogueError(texts.german.file, None, None, f"{{{missing}}}",
                             "this placeholder is not available in the letter whose text uses it") from None
