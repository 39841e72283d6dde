"""CLI commands about a person's data (DSGVO): `person correct` (Art. 16). The group is shared with
`person export` and `person erase`, which live beside it.

What the adviser reads is German; errors are one English line per field, naming the option.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from adapters.catalogue import load_catalogue
from adapters.database import ready_engine
from domain.calendar import format_date
from models.db import session_scope
from models.selectors import case_by_reference, person_of
from services.cases import correct_person, parse_person_correction
from welcome_center.cli.console import actor, err, escape, friendly, out, print_json, today

Opt = typer.Option

person_app = typer.Typer(help="A person's data: correct it (Art. 16 DSGVO).", no_args_is_help=True)

app = typer.Typer()


@app.callback()
def _group() -> None:
    """A person's data (DSGVO)."""


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
