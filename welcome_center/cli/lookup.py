"""Look-ups that answer at once: `route`, `deadline`, `bodies`, `professions`. They need the catalogue
and the rules only: no database, no Prefect, no web framework, no letter renderer."""

from __future__ import annotations

from typing import Annotated

import typer

from adapters.catalogue import load_catalogue
from domain.catalogue import Catalogue
from domain.routing import resolve_district
from domain.routing import route as route_profession
from domain.text import fold
from welcome_center.cli.console import friendly, out, print_json

app = typer.Typer()


@app.callback()
def _group() -> None:
    """Look-ups."""


def catalogue() -> Catalogue:
    return load_catalogue()


@app.command()
@friendly
def route(
    profession: Annotated[str, typer.Argument(help="The profession as the person says it, any language.")],
    district: Annotated[str, typer.Option("--district", "-d", help="verden or osterholz")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
):
    """Who decides, and is recognition required? Exit 0 on a match, 1 with candidates only, 2 on bad input."""
    result = route_profession(profession, district, catalogue())
    if as_json:
        print_json(result.as_dict())
    elif result.matched:
        body = result.body
        p = result.profession
        out.print(f"[bold]{p.name}[/]  ({'reglementiert' if p.regulated else 'nicht reglementiert'}, {p.law})")
        out.print(f"Stelle: [bold]{body.name}[/]" + (f", {body.department}" if body.department else ""), soft_wrap=True)
        out.print(f"        {body.address}" + (f" · {body.email}" if body.email else ""), soft_wrap=True)
        out.print(f"Begründung: {result.reason}", soft_wrap=True)
    else:
        out.print(result.reason, soft_wrap=True)
        if result.candidates:
            from rich.table import Table  # defers rich's tables: `route` with one answer prints none
            table = Table("Referenzberuf", "Ähnlichkeit", "reglementiert", "Stelle")
            for c in result.candidates:
                table.add_row(c.profession.name, f"{c.score} %", "ja" if c.profession.regulated else "nein", c.body.name)
            out.print(table)
    raise typer.Exit(0 if result.matched else 1)


@app.command()
@friendly
def bodies():
    """The responsible bodies (zuständige Stellen) with address, fees and source."""
    from rich.table import Table  # defers rich's tables: `route` with one answer prints none
    table = Table("Schlüssel", "Stelle", "Anschrift", "E-Mail", "Gebühr", "geprüft", title="Zuständige Stellen")
    for body in catalogue().bodies.values():
        name = body.name + (f"\n{body.department}" if body.department else "")
        table.add_row(body.key, name, body.address, body.email or "–", body.fee_text or "–", "ja" if body.verified else "nein")
    out.print(table)


@app.command()
@friendly
def professions(
    search: Annotated[str | None, typer.Option("--search", "-s", help="Part of a name or synonym, any language.")] = None,
    district: Annotated[str, typer.Option("--district", "-d", help="District whose body is shown.")] = "verden",
):
    """The reference occupations (Referenzberufe), optionally filtered."""
    cat = catalogue()
    district_key = resolve_district(district, cat)
    wanted = fold(search) if search else ""
    from rich.table import Table  # defers rich's tables: `route` with one answer prints none
    table = Table("Referenzberuf", "Gruppe", "reglementiert", "Gesetz", "Stelle")
    shown = 0
    for p in cat.professions.values():
        if wanted:
            words = [p.name, p.key, *(w for _, ws in p.synonyms for w in ws)]
            if not any(wanted in fold(w) for w in words):
                continue
        table.add_row(p.name, p.group, "ja" if p.regulated else "nein", p.law, cat.bodies[p.body_for(district_key)].name)
        shown += 1
    table.title = f"{shown} Referenzberufe"
    out.print(table)
