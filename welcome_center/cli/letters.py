"""CLI commands for letters, employers (SMEs) and the person's postal address.

    welcome-center letter REF KIND [--lang uk] [--sme ID] [--pdf]   one letter, now
    welcome-center letters --due [--district verden] [--pdf]        every letter the cases' states call for
    welcome-center letters REF                                       the letters written for a case
    welcome-center sme add --name … / sme list / sme link REF SME_ID --agreed
    welcome-center address REF --street … --postcode … --city … [--country UA] [--latin-given … --latin-family …]
    welcome-center letters --review DIR                              every kind × language × district, to look at

`write_due_letters` and `print_letters_summary` are what the demo calls too. What advisers read is
German; errors are one English line naming the field.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlmodel import Session

from adapters.catalogue import load_catalogue
from adapters.database import ready_engine
from adapters.docx import load_checked_templates, load_letter_texts, templates_dir
from adapters.pdf import PdfUnavailable, convert_to_pdf, soffice
from adapters.rules import load_checklist_rules
from adapters.settings import get_settings
from domain.calendar import format_date
from domain.checklist import CaseProfile, DocumentFacts, checklist
from domain.errors import InvalidInput
from domain.funding import FundingRoute
from domain.letters.address import address_lines, person_address, sender_for
from domain.letters.compose import CaseFacts, PersonFacts, SmeFacts, compose_letter
from domain.letters.due import LetterRequest
from domain.letters.kinds import KIND_DE, LetterKind, LetterRefused, parse_kind
from domain.lifecycle import CaseState, Outcome
from domain.routing import resolve_district
from models._types import checked
from models.db import session_scope
from models.letter import LatinNameCreate, PersonAddress, PersonAddressCreate, Sme
from models.letters_selectors import find_smes, letters_of
from models.selectors import case_by_reference, person_of
from services.cases import propose_latin_name, set_latin_name, set_person_address
from services.employers import add_sme, link_sme
from services.letters import WITHHELD, LetterKit, letter_language, write_one_letter
from welcome_center.cli.console import (
    actor,
    err,
    escape,
    fail,
    friendly,
    out,
    parse_date,
    print_json,
    room_for_a_flow_run,
    show_field_errors,
    today,
)
from welcome_center.cli.prefect_api import ensure_prefect_api

Opt = typer.Option
sme_app = typer.Typer(help="Employers (SMEs) that letters go to, and their link to cases.", no_args_is_help=True)

OUTCOME_DE = {"written": "geschrieben", "unchanged": "unverändert (schon vorhanden)", "refused": "abgelehnt"}


app = typer.Typer()


@app.callback()
def _group() -> None:
    """Letters, employers, postal addresses."""


# ------------------------------------------------------------------------------------------ letter


@friendly
def letter(
    reference: Annotated[str, typer.Argument(help="the case, e.g. VER-2026-0042")],
    kind: Annotated[str, typer.Argument(help="checklist, next_steps, outcome, body_cover or sme_guidance")],
    lang: Annotated[str | None, Opt("--lang", help="language of the courtesy translation (uk, en, ru, ar, …; de: none); default the person's")] = None,
    sme: Annotated[int | None, Opt("--sme", help="for sme_guidance: the employer's id (default: the only one linked)")] = None,
    pdf: Annotated[bool, Opt("--pdf", help="also make a PDF with LibreOffice")] = False,
    as_json: Annotated[bool, Opt("--json")] = False,
):
    """Write one letter for a case now (a new version when its content changed since the last one)."""
    letter_kind = parse_kind(kind)
    if pdf and soffice() is None:
        raise PdfUnavailable()
    engine = ready_engine()
    settings = get_settings()
    day = today()
    texts = load_letter_texts()
    with Session(engine) as session:
        case = case_by_reference(session, reference)
    result = write_one_letter(
        engine, case=case, kind=letter_kind, language=letter_language(lang), sme_id=sme,
        kit=LetterKit(templates=load_checked_templates(templates_dir(), texts=texts, today=day), texts=texts,
                      catalogue=load_catalogue(), rules=load_checklist_rules(), cases_dir=settings.cases_dir),
        today=day, actor=actor(), convert=convert_to_pdf if pdf else None,
    )
    if as_json:
        print_json(asdict(result) | {"folder": str(settings.cases_dir)})
        if result.outcome == "refused":
            raise typer.Exit(2)
        return
    if result.outcome == "refused":
        fail("Error", f"{result.field}: {result.reason}")
    where = settings.cases_dir / result.path
    verb = "geschrieben" if result.outcome == "written" else "unverändert, schon vorhanden"
    out.print(f"{KIND_DE[letter_kind]} ({result.language}) {verb}: {escape(str(where))}", soft_wrap=True)
    if result.pdf_path:
        out.print(f"PDF: {escape(str(settings.cases_dir / result.pdf_path))}", soft_wrap=True)
    _placeholder_warning(case.district)


def _placeholder_warning(district: str) -> None:
    centre = load_catalogue().districts[district].welcome_center
    if centre.placeholder:
        err.print("[yellow]Hinweis:[/] Telefon, E-Mail und Sprechzeiten des Welcome Centers in data/districts.yaml "
                  "sind noch Platzhalter; vor dem Versand ersetzen.", soft_wrap=True)


# ------------------------------------------------------------------------------------------ letters --due


@dataclass
class LettersSummary:
    """What `letters --due` (and the demo) did: every result, and where the letters are."""

    results: list = field(default_factory=list)
    folder: Path | None = None

    @property
    def counts(self) -> Counter:
        return Counter(r.outcome for r in self.results)

    @property
    def refused(self) -> list:
        return [r for r in self.results if r.outcome == "refused"]

    @property
    def written(self) -> list:
        return [r for r in self.results if r.outcome == "written"]

    @property
    def withheld(self) -> list:
        """Cases whose due letters were not written: the person withdrew consent."""
        return [r for r in self.results if r.outcome == WITHHELD]


def write_due_letters(*, day: date, who: str, pdf: bool = False, district: str | None = None,
                      progress=None) -> LettersSummary:
    """Every letter the cases' states call for and not yet written for that state: one Prefect flow
    run (the command line's `letters --due` and the demo), on the configured database."""
    # defers Prefect (about 1 s of imports) to the commands that run a flow
    from flows.letters import letters_flow

    room_for_a_flow_run()
    ensure_prefect_api()
    results = letters_flow(due=True, district=district, pdf=pdf, today=day, actor=who, progress=progress)
    return LettersSummary(results=list(results), folder=get_settings().cases_dir)


def print_letters_summary(summary: LettersSummary, *, console: Console | None = None, refused_rows: int = 6) -> None:
    """Letters per kind and result, the refused ones with the missing field, and where the files are."""
    console = console or out
    per_kind: dict[str, Counter] = {}
    for r in summary.results:
        if r.outcome != WITHHELD:
            per_kind.setdefault(r.kind, Counter())[r.outcome] += 1
    withheld = summary.withheld
    if withheld:
        cases = ", ".join(r.case_reference for r in withheld[:refused_rows])
        more = f" und {len(withheld) - refused_rows} weitere" if len(withheld) > refused_rows else ""
        console.print(f"[bold]Zurückgehalten: {len(withheld)} {'Fall' if len(withheld) == 1 else 'Fälle'}[/] "
                      f"({cases}{more}): die Person hat ihre Einwilligung widerrufen (Art. 7 Abs. 3 DSGVO), "
                      "kein Brief geschrieben.", soft_wrap=True, highlight=False)
    if not per_kind:
        console.print("Briefe: keine fällig.")
        return
    table = Table("Brief", "geschrieben", "unverändert", "abgelehnt", title="Briefe nach Art")
    for kind in LetterKind:
        if kind.value in per_kind:
            c = per_kind[kind.value]
            table.add_row(KIND_DE[kind], str(c["written"]), str(c["unchanged"]), str(c["refused"]))
    console.print(table)
    refused = summary.refused
    if refused:
        groups: dict[tuple[str, str], list] = {}
        for r in refused:
            groups.setdefault((r.kind, r.field), []).append(r)
        console.print(f"[bold]Abgelehnte Briefe ({len(refused)})[/], nach Brief und fehlendem Feld:")
        for (kind, name), items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            cases = ", ".join(r.case_reference for r in items[:refused_rows])
            more = f" und {len(items) - refused_rows} weitere" if len(items) > refused_rows else ""
            console.print(f"  • {kind}, Feld [bold]{escape(name)}[/]: {len(items)} ({cases}{more}); "
                          f"{items[0].case_reference}: {escape(items[0].reason)}", soft_wrap=True, highlight=False)
        console.print("Alle abgelehnten Briefe mit Grund: welcome-center letters --due --json")
    written = summary.written
    if summary.folder is not None:
        example = f", z. B. {escape(str(summary.folder / written[0].path))}" if written else ""
        console.print(f"Briefe liegen unter {escape(str(summary.folder))}/<Aktenzeichen>/letters/{example}", soft_wrap=True)
    pdfs = [r for r in summary.results if r.pdf_path]
    if pdfs:
        console.print(f"PDF: {len(pdfs)} Briefe, z. B. {escape(str(summary.folder / pdfs[0].pdf_path))}", soft_wrap=True)


@friendly
def letters(
    reference: Annotated[str | None, typer.Argument(help="list the letters written for this case")] = None,
    due: Annotated[bool, Opt("--due", help="write every letter the cases' states call for (a Prefect flow run)")] = False,
    review: Annotated[Path | None, Opt("--review", help="write one letter of every kind × language × district as PDF and PNG into this folder, with an index.html")] = None,
    district: Annotated[str | None, Opt("--district", help="only this district (verden or osterholz)")] = None,
    pdf: Annotated[bool, Opt("--pdf", help="also make PDFs (one LibreOffice run for the batch)")] = False,
    as_json: Annotated[bool, Opt("--json")] = False,
):
    """Write the letters that are due (--due), list the letters of one case, or make the review sheet (--review DIR)."""
    if review is not None:
        return _review(review, as_json=as_json)
    if due == (reference is not None):
        raise InvalidInput("letters.due_or_reference", "letters")
    if reference is not None:
        return _list_letters(reference, as_json)
    if district is not None:
        district = resolve_district(district, load_catalogue())
    if pdf and soffice() is None:
        raise PdfUnavailable()
    ready_engine()
    with Progress(TextColumn("Briefe (Fälle)"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  disable=as_json or not err.is_terminal, transient=True) as bar:
        task = bar.add_task("letters", total=None)
        summary = write_due_letters(day=today(), who=actor(), pdf=pdf, district=district,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        print_json({"folder": str(summary.folder), "counts": dict(summary.counts), "letters": [asdict(r) for r in summary.results]})
    else:
        print_letters_summary(summary)
        districts = {district} if district else set(load_catalogue().districts)
        for key in sorted(districts):
            _placeholder_warning(key)
    if summary.refused:
        raise typer.Exit(1)


def _list_letters(reference: str, as_json: bool) -> None:
    settings = get_settings()
    with Session(ready_engine()) as session:
        case = case_by_reference(session, reference)
        rows = letters_of(session, case_id=case.id)
    if as_json:
        print_json([{**row.model_dump(exclude={"id"}), "created_at": row.created_at.isoformat()} for row in rows])
        return
    table = Table("Datum", "Brief", "Empfänger", "Sprache", "Stand", "Datei", title=f"Briefe zu {case.reference}")
    table.columns[5].overflow = "fold"
    for row in rows:
        table.add_row(format_date(row.created_at.date()), row.kind, row.recipient, row.language, row.case_state,
                      escape(str(settings.cases_dir / row.path)) + (" (+ PDF)" if row.pdf_path else ""))
    out.print(table if rows else f"Noch keine Briefe zu {case.reference}.")


# ------------------------------------------------------------------------------------------ letters --review

REVIEW_LANGUAGES = ("de", "uk", "ru", "ar", "en")
PERSON_KINDS = (LetterKind.CHECKLIST, LetterKind.NEXT_STEPS, LetterKind.OUTCOME)
KIND_STATE = {LetterKind.CHECKLIST: CaseState.COLLECTING_DOCUMENTS, LetterKind.NEXT_STEPS: CaseState.READY_TO_SUBMIT,
              LetterKind.BODY_COVER: CaseState.READY_TO_SUBMIT}


@dataclass(frozen=True)
class ReviewLetter:
    """One letter of the review sheet: `name` is its file name without suffix."""

    name: str
    district: str
    kind: LetterKind
    language: str
    letter: object  # ComposedLetter


def review_persons(district: str) -> dict[str, PersonFacts]:
    """Invented persons, one per letter language, whose addresses and names reach what the address
    field must handle: an address in Ukraine, in Great Britain, a long street with an addition and an
    academic title, names in Cyrillic and Arabic script with their Latin spelling, no recorded sex."""
    city = {"verden": ("27283", "Verden (Aller)"), "osterholz": ("27711", "Osterholz-Scharmbeck")}.get(district, ("27283", "Verden (Aller)"))
    return {
        "de": PersonFacts(given_name="Jana", family_name="Becker", birth_date=date(1988, 6, 2), language="de", sex="f",
                          street="Große Straße 14", postcode=city[0], city=city[1]),
        "uk": PersonFacts(given_name="Олена", family_name="Ковальчук", birth_date=date(1991, 3, 4), language="uk", sex="f",
                          receives_buergergeld=True, street="vul. Khreshchatyk 22, kv. 5", postcode="01001", city="Kyiv",
                          country="UA", country_name="Ukraine", latin_given_name="Olena", latin_family_name="Kovalchuk"),
        "ru": PersonFacts(given_name="Дмитрий", family_name="Щукин", birth_date=date(1979, 11, 23), language="ru", sex="m",
                          street="Bürgermeister-Münchmeyer-Straße 117a", postcode=city[0], city=city[1],
                          address_addition="c/o Familie Schneider-Hohenstein", academic_title="Dr.",
                          latin_given_name="Dmitrii", latin_family_name="Shchukin"),
        "ar": PersonFacts(given_name="آمنة", family_name="الخليل", birth_date=date(1995, 1, 30), language="ar", sex="f",
                          receives_buergergeld=True, street="Am Wall 3", postcode=city[0], city=city[1],
                          address_addition="Wohnheim Nord, Zimmer 12", latin_given_name="Amna", latin_family_name="Al-Khalil"),
        "en": PersonFacts(given_name="Chidinma", family_name="Okafor-Williams", birth_date=date(1990, 8, 15), language="en",
                          sex="d", street="Flat 3, 12 Baker Street", postcode="NW1 6XE", city="LONDON", country="GB",
                          country_name="Vereinigtes Königreich"),
    }


# per language: the outcome, the country of training, the fast track (every branch once)
_REVIEW_CASES = {
    "de": (Outcome.FULL_EQUIVALENCE, "TR", False),
    "uk": (Outcome.PARTIAL_EQUIVALENCE, "UA", True),
    "ru": (Outcome.COMPENSATION_MEASURE, "RU", False),
    "ar": (Outcome.NO_EQUIVALENCE, "SY", False),
    "en": (Outcome.PARTIAL_EQUIVALENCE, "NG", False),
}


def review_letters(*, catalogue, rules, texts, today: date) -> list[ReviewLetter]:
    """One letter of every kind × language × district from invented cases (no database): the person's
    three letters in each language, the cover letter to the body and the employer letter in German.
    In Verden the case has an adviser (the information block names her), in Osterholz none (the
    Welcome Center is the contact)."""
    profession = catalogue.professions["pflegefachmann"]
    letters = []
    for district_key in sorted(catalogue.districts):
        district = catalogue.districts[district_key]
        adviser = ("Anna Berger", f"beratung.{district_key}@welcome-center.example") if district_key == "verden" else (None, None)
        sender = sender_for(district, adviser_name=adviser[0], adviser_email=adviser[1])
        lines = checklist(rules, CaseProfile.of(profession, district=district_key), [
            DocumentFacts(item="lebenslauf"),
            DocumentFacts(item="ausbildungsnachweise", translated=True, certified=True),
            DocumentFacts(item="identitaetsnachweis"),
        ])
        number = 0
        for language, person in review_persons(district_key).items():
            outcome, trained_in, fast_track = _REVIEW_CASES[language]
            number += 1
            case = CaseFacts(
                reference=f"{district.reference_prefix}-{today.year}-{number:04d}", district=district_key,
                state=CaseState.DECIDED, state_since=1, person=person, occupation=profession.name,
                occupation_key=profession.key, regulated=profession.regulated, legal_basis=profession.legal_basis,
                procedure=profession.procedure, group=profession.group, body=catalogue.bodies[profession.body_for(district_key)],
                fast_track=fast_track, country_of_training=trained_in, eu_training=False, outcome=outcome,
                funding_route=FundingRoute.JOBCENTER if person.receives_buergergeld else FundingRoute.NOT_RECORDED,
                consent=True, checklist=tuple(lines), person_due=today + timedelta(days=28),
                smes=(SmeFacts(7, "Pflegedienst Allerblick GmbH", "Am Markt 1", "27283", "Verden (Aller)", "Frau Petra Berger",
                               person_agreed=True),),
                adviser_name=adviser[0], adviser_email=adviser[1],
            )
            kinds = [*PERSON_KINDS, *((LetterKind.BODY_COVER, LetterKind.SME_GUIDANCE) if language == "de" else ())]
            for kind in kinds:
                state = KIND_STATE.get(kind, CaseState.DECIDED)
                request = LetterRequest(kind, 7 if kind is LetterKind.SME_GUIDANCE else None)
                composed = compose_letter(request, replace(case, state=state), sender=sender, texts=texts, today=today,
                                          language=language if kind in PERSON_KINDS else None)
                letters.append(ReviewLetter(f"{district_key}_{kind.value}_{language}", district_key, kind, language, composed))
    return letters


@friendly
def _review(folder: Path, *, as_json: bool) -> None:
    """`letters --review DIR`: every kind × language × district as .docx, PDF and PNG (one LibreOffice
    run), and an index.html that shows them side by side."""
    missing = [name for name, found in (("LibreOffice (soffice)", soffice()), ("pdftoppm", shutil.which("pdftoppm")))
               if found is None]
    if missing:
        raise InvalidInput("review.tools_missing", "--review", value=", ".join(missing))
    day = today()
    texts = load_letter_texts()
    catalogue = load_catalogue()
    templates = load_checked_templates(templates_dir(), texts=texts, today=day)
    letters = review_letters(catalogue=catalogue, rules=load_checklist_rules(), texts=texts, today=day)
    folder.mkdir(parents=True, exist_ok=True)
    docs = []
    for item in letters:
        path = folder / f"{item.name}.docx"
        path.write_bytes(templates.render(item.letter, day=day))
        docs.append(path)
    with Progress(TextColumn("LibreOffice: PDF"), BarColumn(), TimeElapsedColumn(), console=err,
                  disable=as_json or not err.is_terminal, transient=True) as bar:
        bar.add_task("pdf", total=None)
        pdfs = convert_to_pdf(docs)
    pages: dict[str, list[str]] = {}
    for item, doc in zip(letters, docs):
        pdf = pdfs.get(doc)
        if pdf is None:
            continue
        # every page: the courtesy translation, where right-to-left text is set, starts on page 2 or 3
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(folder / item.name)],
                       check=True, capture_output=True, timeout=60)
        pages[item.name] = sorted(p.name for p in folder.glob(f"{item.name}-*.png"))
    index = folder / "index.html"
    index.write_text(review_page(letters, pages, day=day, districts={k: d.name for k, d in catalogue.districts.items()}),
                     encoding="utf-8")
    failed = [item.name for item in letters if item.name not in pages]
    if as_json:
        print_json({"folder": str(folder), "index": str(index), "letters": len(letters), "pdf": len(pages), "failed": failed})
    else:
        out.print(f"{len(pages)} von {len(letters)} Briefen als PDF und Bild: {escape(str(index))}", soft_wrap=True)
    if failed:
        fail("Error", f"LibreOffice converted no PDF for {', '.join(failed)}")


def review_page(letters: list[ReviewLetter], pages: dict[str, list[str]], *, day: date, districts: dict[str, str]) -> str:
    """The review sheet: per district and kind a row, per language a column, each letter's pages as
    pictures linked to its PDF. Every text escaped; no script."""
    esc = html.escape
    rows = []
    for district in sorted({item.district for item in letters}):
        rows.append(f'<h2>{esc(districts.get(district, district))}</h2>')
        for kind in LetterKind:
            cells = []
            for item in (i for i in letters if i.district == district and i.kind is kind):
                pictures = "".join(f'<img src="{esc(name)}" alt="{esc(item.name)}, Seite {n}" width="420">'
                                   for n, name in enumerate(pages.get(item.name, []), start=1))
                cells.append(f'<figure><figcaption><a href="{esc(item.name)}.pdf">{esc(KIND_DE[kind])} · '
                             f'{esc(item.language)}</a></figcaption>{pictures or "<p>kein PDF</p>"}</figure>')
            if cells:
                rows.append(f'<section><h3>{esc(KIND_DE[kind])}</h3><div class="row">{"".join(cells)}</div></section>')
    return (
        "<!doctype html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
        f"<title>Briefe zur Durchsicht, {esc(format_date(day))}</title><style>"
        "body{font-family:sans-serif;margin:1rem} .row{display:flex;gap:1rem;overflow-x:auto}"
        "figure{margin:0;border:1px solid #ccc;padding:.5rem} img{display:block;border:1px solid #eee;margin-bottom:.5rem}"
        "</style></head><body>"
        f"<h1>Briefe zur Durchsicht ({esc(format_date(day))})</h1>"
        f"<p>Erfundene Fälle: jede Briefart in jeder Sprache ({esc(', '.join(REVIEW_LANGUAGES))}) und jedem Landkreis; "
        "je Brief alle Seiten nebeneinander. Ein Klick öffnet das PDF.</p>"
        + "".join(rows) + "</body></html>\n"
    )


# ------------------------------------------------------------------------------------------ address


@friendly
def address(
    reference: Annotated[str, typer.Argument(help="a case of the person")],
    street: Annotated[str | None, Opt("--street", help="Straße und Hausnummer")] = None,
    postcode: Annotated[str | None, Opt("--postcode", help="Postleitzahl in the form of the country (DE: 5 digits)")] = None,
    city: Annotated[str | None, Opt("--city", help="Ort")] = None,
    addition: Annotated[str | None, Opt("--addition", help="Zusatz: c/o, Wohnheim, Zimmer …")] = None,
    country: Annotated[str | None, Opt("--country", help="country of the address, name or ISO code (default DE): UA, Polen, Türkei …")] = None,
    latin_given: Annotated[str | None, Opt("--latin-given", help="given name in Latin script as in the passport")] = None,
    latin_family: Annotated[str | None, Opt("--latin-family", help="family name in Latin script as in the passport")] = None,
    propose_latin: Annotated[bool, Opt("--propose-latin", help="replace the Latin name by the transliteration's proposal")] = False,
):
    """Record the person's postal address and the name in Latin script that the address field shows.

    A name in Cyrillic or Arabic script gets a proposal for its Latin spelling (the Ukrainian national
    standard, ICAO Doc 9303, or ICU) when none is recorded: check it against the passport and correct
    it with --latin-given/--latin-family."""
    address_given = any(value is not None for value in (street, postcode, city, addition, country))
    latin_given_now = latin_given is not None or latin_family is not None
    if not (address_given or latin_given_now or propose_latin):
        raise InvalidInput("address.nothing_given", "address", reference=reference)
    countries = load_catalogue().countries
    errors: list = []
    checked_address = None
    if address_given:
        checked_address = checked(PersonAddressCreate, {"street": street, "postcode": postcode, "city": city,
                                                        "addition": addition, "country": country}, countries=countries)
        if isinstance(checked_address, list):
            errors += checked_address
    checked_name = None
    if latin_given_now:
        checked_name = checked(LatinNameCreate, {"latin_given_name": latin_given, "latin_family_name": latin_family})
        if isinstance(checked_name, list):
            errors += checked_name
    if errors:
        show_field_errors(errors)
        raise typer.Exit(2)
    proposal = None
    with session_scope(ready_engine()) as session:
        case = case_by_reference(session, reference)
        person = person_of(session, case)
        if checked_name is not None:
            set_latin_name(session, person=person, name=checked_name, actor=actor())
        else:  # before the address, which would otherwise store the proposal unseen
            proposal = propose_latin_name(session, person=person, actor=actor(), replace=propose_latin)
        if checked_address is not None:
            set_person_address(session, person=person, address=checked_address, actor=actor())
        stored = session.get(PersonAddress, person.id)
        name = f"{escape(person.given_name)} {escape(person.family_name)}"
        if checked_address is not None:
            out.print(f"Anschrift für {name} erfasst.")
        if checked_name is not None:
            out.print(f"Name in lateinischer Schrift für {name}: {escape(person.latin_given_name or '–')} "
                      f"{escape(person.latin_family_name or '–')}.")
        if proposal is not None:
            err.print(f"[yellow]Vorschlag[/] für den Namen in lateinischer Schrift ({escape(proposal.method)}): "
                      f"[bold]{escape(proposal.given_name)} {escape(proposal.family_name)}[/]. Bitte mit dem Pass "
                      f"vergleichen und berichtigen: welcome-center address {case.reference} --latin-given … "
                      "--latin-family …", soft_wrap=True, highlight=False)
        _show_address_field(person, stored, case.reference, countries)


def _show_address_field(person, stored, reference: str, countries) -> None:
    """The address field as letters will print it, or why a letter would be refused."""
    if stored is None:
        return
    abroad = stored.country if stored.country and stored.country != "DE" else None
    facts = PersonFacts(
        given_name=person.given_name, family_name=person.family_name, birth_date=person.birth_date,
        language=person.language, sex=person.sex, street=stored.street, postcode=stored.postcode, city=stored.city,
        address_addition=stored.addition, country=abroad, country_name=countries.name_de(abroad) if abroad else None,
        latin_given_name=person.latin_given_name, latin_family_name=person.latin_family_name,
        academic_title=person.academic_title,
    )
    try:
        lines = address_lines(person_address(facts, reference=reference), who="person", reference=reference)
    except LetterRefused as refused:
        err.print(f"[yellow]Hinweis:[/] Briefe an die Person würden abgelehnt: {escape(str(refused))}", soft_wrap=True)
        return
    out.print("Anschriftfeld:\n" + "\n".join(f"  {escape(line)}" for line in lines), highlight=False)


# ------------------------------------------------------------------------------------------ sme


@sme_app.command("add")
@friendly
def sme_add(
    name: Annotated[str, Opt("--name", help="the employer's name")],
    street: Annotated[str | None, Opt("--street")] = None,
    postcode: Annotated[str | None, Opt("--postcode")] = None,
    city: Annotated[str | None, Opt("--city")] = None,
    contact: Annotated[str | None, Opt("--contact", help="contact person, e.g. 'Frau Petra Berger'")] = None,
    email: Annotated[str | None, Opt("--email")] = None,
    phone: Annotated[str | None, Opt("--phone")] = None,
    district: Annotated[str | None, Opt("--district")] = None,
    as_json: Annotated[bool, Opt("--json")] = False,
):
    """Record an employer (name and postcode identify it; adding it again finds the one on file)."""
    with session_scope(ready_engine()) as session:
        sme, created = add_sme(session, actor=actor(), name=name, street=street, postcode=postcode, city=city,
                               contact_person=contact, email=email, phone=phone, district=district)
    if as_json:
        print_json({"id": sme.id, "created": created, **sme.model_dump(exclude={"id", "created_at"})})
        return
    out.print(f"Betrieb Nr. {sme.id}: {escape(sme.name)}" + ("" if created else " (war schon erfasst)"))


@sme_app.command("list")
@friendly
def sme_list(search: Annotated[str | None, Opt("--search", "-s")] = None):
    """The employers on file."""
    with Session(ready_engine()) as session:
        rows = find_smes(session, search=search)
    table = Table("Nr.", "Betrieb", "Anschrift", "Ansprechperson", "E-Mail", title="Betriebe")
    for sme in rows:
        where = " ".join(x for x in (sme.street or "", sme.postcode or "", sme.city or "") if x)
        table.add_row(str(sme.id), escape(sme.name), escape(where or "–"), escape(sme.contact_person or "–"), escape(sme.email or "–"))
    out.print(table)


@sme_app.command("link")
@friendly
def sme_link(
    reference: Annotated[str, typer.Argument(help="the case")],
    sme_id: Annotated[int, typer.Argument(help="the employer's number (sme list)")],
    agreed: Annotated[bool, Opt("--agreed", help="the person agreed that the outcome may be told to this employer")] = False,
    on: Annotated[str | None, Opt("--on", help="day of the agreement, DD.MM.YYYY or YYYY-MM-DD; default today")] = None,
):
    """Link an employer to a case (the employer letter also needs the person's agreement: --agreed)."""
    day = parse_date(on, "--on") if on else today()
    with session_scope(ready_engine()) as session:
        case = case_by_reference(session, reference)
        sme = session.get(Sme, sme_id)
        if sme is None:
            raise InvalidInput("sme.unknown", "sme", value=sme_id)
        link_sme(session, case=case, sme=sme, actor=actor(), agreed_on=day if agreed else None)
    note = f", Einverständnis vom {format_date(day)}" if agreed else "; ohne Einverständnis der Person wird kein Brief an den Betrieb geschrieben"
    out.print(f"{escape(sme.name)} mit {case.reference} verknüpft{note}.")


app.command("letter")(letter)
app.command("letters")(letters)
app.command("address")(address)
app.add_typer(sme_app, name="sme")
