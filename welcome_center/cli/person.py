"""`welcome-center person …`: what the DSGVO lets a person ask for.

- `person export REF --out FILE.zip` (Art. 15): everything stored about the person of case REF
  (services/access_export.py).
- `person correct REF --family-name … --email …` (Art. 16): validated as at creation, audited; letters
  written before stay as they were sent.
- `person erase REF` (Art. 17): the person of the case and all their cases, with every file, after the
  adviser has seen what goes and typed the reference to confirm (services/erasure.py says what goes
  and how).

Each command of the group is self-contained; the group is this module's `app`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session

from adapters.catalogue import load_catalogue
from adapters.database import ready_engine
from adapters.docx import load_letter_texts
from adapters.settings import get_settings
from domain.calendar import format_date
from domain.errors import InvalidInput, _clip
from models.db import session_scope
from models.person import Person
from models.selectors import case_by_reference, person_of
from services.access_export import export_person
from services.cases import correct_person, parse_person_correction
from services.erasure import check_reason, erase_person, person_of_reference, preview
from welcome_center.cli.console import EXIT_INVALID, actor, err, escape, fail, friendly, out, print_json, today

Opt = typer.Option
DEFAULT_REASON = "Löschung auf Antrag der Person (Art. 17 DSGVO)"

person_app = typer.Typer(help="A person's rights under the DSGVO: export (Art. 15), correct (Art. 16), erase (Art. 17).", no_args_is_help=True)
app = typer.Typer()


@app.callback()
def _group() -> None:
    """Persons and their data protection rights."""


COUNT_LABELS = {
    "cases": "cases", "persons": "persons", "consents": "consents", "addresses": "postal addresses",
    "events": "case events", "deadlines": "deadlines", "appointments": "appointments",
    "employer_links": "employer links (the employers stay)", "documents": "documents", "letters": "letters",
    "mails": "mails (outbox)", "ledger_rows": "inbox ledger rows", "quarantined_files": "quarantined files of the cases",
    "unmatched_quarantined_files": "unmatched quarantined files carrying the name",
    "search_documents": "search entries", "keys_shredded": "audit keys shredded", "files": "files in the state folder",
}


@person_app.command("erase")
@friendly
def erase(
    reference: Annotated[str, typer.Argument(help="a case reference of the person, e.g. VER-2026-0042")],
    reason: Annotated[str, Opt("--reason", help="why (kept in the audit trail; no name, birth date or e-mail)")] = DEFAULT_REASON,
    yes: Annotated[bool, Opt("--yes", help="do not ask; erase at once")] = False,
    as_json: Annotated[bool, Opt("--json")] = False,
):
    """Erase the person of case REF and all their cases, documents, letters, mails and quarantined files.

    The audit trail keeps who erased which case references when and why, with the counts; the
    values of the person's earlier entries become unreadable (their key is destroyed)."""
    engine = ready_engine()
    home = get_settings().home
    person_id, references = person_of_reference(engine, reference)
    with Session(engine) as session:
        person = session.get(Person, person_id)
        check_reason(reason, [person])  # before asking: a reason that would keep the name is refused now
        who = f"{person.given_name} {person.family_name}, geb. {format_date(person.birth_date)}"
    planned = preview(engine, person_id=person_id, home=home)
    if not as_json:
        out.print(f"Erasing [bold]{escape(who)}[/] with {len(references)} case(s): {escape(', '.join(references))}")
        out.print(_counts_table(planned.counts()))
    if not yes:
        typed = typer.prompt(f"Type the case reference {references[0] if len(references) == 1 else reference.strip().upper()} "
                             "to erase everything listed (this cannot be undone)", default="", show_default=False)
        if typed.strip().upper() not in {r.upper() for r in references}:
            err.print(f"[bold red]Error:[/] reference: '{escape(typed.strip()[:40])}' is not a case reference of this person; "
                      "nothing was erased")
            raise typer.Exit(EXIT_INVALID)
    summary = erase_person(engine, person_id, actor=actor(), reason=reason, home=home)
    if as_json:
        print_json(summary.as_dict())
        return
    out.print(f"Erased: {escape(', '.join(summary.case_references))} "
              f"({summary.files} file(s), {summary.documents} document(s), {summary.letters} letter(s), "
              f"{summary.mails} mail(s)). The audit trail keeps the references and counts only.")
    if summary.files_left:
        fail("File error", f"{summary.files_left} file(s) could not be removed now; run `welcome-center person erase` "
             "again later or check the permissions of the state folder", 5)


def _counts_table(counts: dict[str, int]) -> Table:
    table = Table("What", "Count", box=None)
    for key, number in counts.items():
        if number and key in COUNT_LABELS:
            table.add_row(COUNT_LABELS[key], str(number))
    return table


def _checked_target(path: Path) -> Path:
    """The file --out names: a new file in an existing folder; an existing file (or folder) is refused,
    never overwritten."""
    if path.exists() or path.is_symlink():
        raise InvalidInput("export.out_exists", "--out", value=_clip(str(path), 80))
    if not path.parent.is_dir():
        raise InvalidInput("export.out_folder_missing", "--out", value=_clip(str(path.parent), 80))
    return path


@person_app.command("export")
@friendly
def person_export(
    reference: Annotated[str, typer.Argument(help="a case reference of the person, e.g. VER-2026-0042")],
    out_file: Annotated[Path, Opt("--out", help="the ZIP to write (a new file; an existing one is never overwritten)")],
):
    """Everything stored about the person of case REF as a ZIP (Art. 15 DSGVO): a summary (HTML, in
    German and the person's language), daten.json, documents, letters, mails and the audit entries; audited."""
    target = _checked_target(out_file)
    settings = get_settings()
    languages = tuple(load_letter_texts().languages)
    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:80]}.", suffix=".part")
    partial = Path(partial_name)
    published = False
    try:
        with session_scope(ready_engine()) as session:
            with os.fdopen(handle, "w+b") as stream:
                result = export_person(
                    session, reference=reference, actor=None, audit_actor=actor(), cases_dir=settings.cases_dir,
                    quarantine_dir=settings.quarantine_dir, letter_languages=languages, now=datetime.now(UTC),
                    target=stream, channel="cli",
                )
                stream.flush()
                os.fsync(stream.fileno())
            try:
                os.link(partial, target)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise InvalidInput("export.out_exists", "--out", value=_clip(str(target), 80)) from None
            published = True
    except BaseException:
        if published:  # the audit entry did not commit: the file does not go out either
            with contextlib.suppress(OSError):
                target.unlink()
        raise
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    counts = result.counts
    out.print(f"Auskunft zu {escape(result.reference)} nach {escape(str(target))} geschrieben: "
              f"{counts['cases']} Fälle, {counts['documents']} Unterlagen, {counts['letters']} Briefe, "
              f"{counts['mails']} E-Mails, {counts['audit_entries']} Protokolleinträge "
              f"(Zusammenfassung: {', '.join(result.languages)}).", soft_wrap=True)
    for missing in result.missing:
        err.print(f"[yellow]Warning:[/] file missing on disk, listed as missing in the export: {escape(missing)}",
                  soft_wrap=True)


OPTION_OF = {
    "given_name": "--given-name", "family_name": "--family-name", "latin_given_name": "--latin-given-name",
    "latin_family_name": "--latin-family-name", "birth_date": "--birth-date", "email": "--email", "phone": "--phone",
    "language": "--language", "sex": "--sex", "receives_buergergeld": "--buergergeld", "arrival_date": "--arrival",
    "person": "an option",
}

LABEL_DE = {
    "given_name": "Vorname", "family_name": "Nachname", "latin_given_name": "Vorname (lateinisch)",
    "latin_family_name": "Nachname (lateinisch)", "birth_date": "Geburtsdatum", "email": "E-Mail", "phone": "Telefon",
    "language": "Sprache", "sex": "Geschlecht", "receives_buergergeld": "Bürgergeld", "arrival_date": "Einreisedatum",
}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if hasattr(value, "isoformat"):
        return format_date(value)
    return escape(str(value))


@person_app.command("correct")
@friendly
def correct(
    reference: Annotated[str, typer.Argument(help="a case of the person, e.g. VER-2026-0042")],
    given_name: Annotated[str | None, Opt("--given-name", help="Vorname as written (any script)")] = None,
    family_name: Annotated[str | None, Opt("--family-name", help="Nachname as written")] = None,
    latin_given_name: Annotated[str | None, Opt("--latin-given-name", help="Vorname in Latin script as in the passport ('' clears both)")] = None,
    latin_family_name: Annotated[str | None, Opt("--latin-family-name", help="Nachname in Latin script as in the passport")] = None,
    birth_date: Annotated[str | None, Opt("--birth-date", help="YYYY-MM-DD or DD.MM.YYYY")] = None,
    email: Annotated[str | None, Opt("--email", help="'' clears it")] = None,
    phone: Annotated[str | None, Opt("--phone", help="'' clears it")] = None,
    language: Annotated[str | None, Opt("--language", help="ISO 639-1 code: uk, ru, ar, fa, tr, en, de ...")] = None,
    sex: Annotated[str | None, Opt("--sex", help="f, m or d; '' clears it")] = None,
    buergergeld: Annotated[str | None, Opt("--buergergeld", help="receives Bürgergeld: ja or nein")] = None,
    arrival: Annotated[str | None, Opt("--arrival", help="date of arrival in Germany, YYYY-MM-DD; '' clears it")] = None,
    as_json: Annotated[bool, Opt("--json")] = False,
):
    """Correct the person's data (Art. 16 DSGVO), checked as at intake; audited with before and after.
    Letters already written stay as they were sent."""
    typed = {
        "given_name": given_name, "family_name": family_name, "latin_given_name": latin_given_name,
        "latin_family_name": latin_family_name, "birth_date": birth_date, "email": email, "phone": phone,
        "language": language, "sex": sex, "receives_buergergeld": buergergeld, "arrival_date": arrival,
    }
    changes = {name: value for name, value in typed.items() if value is not None}
    catalogue = load_catalogue()
    with session_scope(ready_engine()) as session:
        case = case_by_reference(session, reference)
        person = person_of(session, case)
        corrected = parse_person_correction(person, changes, today=today(), districts=list(catalogue.districts))
        if isinstance(corrected, list):
            session.rollback()
            for error in corrected:
                option = OPTION_OF.get(error.field)
                hint = f" ({option})" if option else ""
                err.print(f"[bold red]Error:[/] {escape(error.field)}{hint}: {escape(error.message)}", soft_wrap=True)
            raise typer.Exit(2)
        result = correct_person(session, person=person, corrected=corrected, actor=actor())
    if as_json:
        print_json({"reference": case.reference, "before": result.before, "after": result.after})
        return
    out.print(f"Angaben der Person berichtigt (Fall {case.reference}):")
    for name, value in result.after.items():
        out.print(f"  {LABEL_DE[name]}: {_shown(result.before[name])} → {_shown(value)}", soft_wrap=True, highlight=False)
    out.print("Der Verlauf hält alte und neue Werte fest; bereits geschriebene Briefe bleiben unverändert.")


app.add_typer(person_app, name="person")
