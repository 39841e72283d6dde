"""`welcome-center demo`: the main job on invented data (import, lifecycle, and the intake and letters
flows). Importing this module imports Prefect; most other commands do not."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from adapters.catalogue import load_catalogue
from adapters.database import ready_engine
from adapters.settings import get_settings
from adapters.storage import ensure_room, flow_run_folders
from adapters.up_state import running_up
from domain.errors import InvalidInput
from domain.lifecycle import STATE_DE, CaseState
from flows.intake import intake_flow
from models.selectors import state_counts
from services.intake import OUTCOME_DE, outcome_counts_de
from welcome_center.cli.console import err, escape, friendly, out, today
from welcome_center.cli.letters import print_letters_summary, write_due_letters
from welcome_center.cli.prefect_api import ensure_prefect_api
from welcome_center.demo.accounts import assign_demo_cases, demo_login_line, ensure_demo_accounts
from welcome_center.demo.letters import prepare_demo_letters
from welcome_center.demo.population import demo_bytes, reset_state, run_demo

Opt = typer.Option
app = typer.Typer()


@app.callback()
def _group() -> None:
    """Flow runs."""


# ------------------------------------------------------------------------------------------ demo


@friendly
def demo(
    fresh: Annotated[bool, Opt("--fresh", help="start from an empty state folder (data/local/)")] = False,
    count: Annotated[int, Opt("--count", min=1, max=100_000, help="invented persons")] = 240,
    seed: Annotated[int, Opt("--seed")] = 2026,
):
    """The main job on invented data: import, routing, lifecycle, inbox intake, and a summary."""
    settings = get_settings()
    if fresh:
        if settings.database_url != settings.default_database_url:
            raise InvalidInput("demo.fresh_other_database", "--fresh")
        running = running_up(settings.home)
        if running is not None:
            raise InvalidInput("demo.fresh_while_up", "--fresh", pid=running.pid)
        reset_state(settings.home)
    # the demo writes its cases, files and letters into the state folder: checked for room first, since
    # a demo cut off half way cannot be finished by a rerun (it works on the persons it imported itself)
    ensure_room(flow_run_folders(settings))
    ensure_room([settings.home], size=demo_bytes(count))
    engine = ready_engine()
    catalogue = load_catalogue()
    with err.status("Demo: Personen erfinden, importieren, Fälle fortschreiben …"):
        summary = run_demo(engine=engine, catalogue=catalogue, home=settings.home, inbox=settings.inbox_dir,
                           today=today(), count=count, seed=seed)
    ensure_prefect_api()
    with err.status("Posteingang: Prefect-Flow nimmt die Dateien auf …"):
        # the demo dropped its files a moment ago and writes nothing more: no need to wait for them to settle
        outcomes = intake_flow(settle_seconds=0)
    with err.status("Briefe: Prefect-Flow schreibt die fälligen Briefe …"):
        ensure_demo_accounts(engine)
        assign_demo_cases(engine)  # the letters name the case's adviser as the contact person
        prepare_demo_letters(engine, seed=seed, today=today())
        letters = write_due_letters(day=today(), who="demo:beratung@welcome-center.example")
    _print_demo_summary(summary, outcomes, catalogue, settings)
    print_letters_summary(letters)
    out.print(escape(demo_login_line()), soft_wrap=True)
    out.print("Weiter: welcome-center case list --overdue · welcome-center case show <Aktenzeichen> · "
              "welcome-center letters <Aktenzeichen>", soft_wrap=True)


def _print_demo_summary(summary, outcomes, catalogue, settings) -> None:
    report = summary.import_report
    out.rule("[bold]Demo[/]")
    out.print(f"Importdatei {escape(str(summary.csv_path))}: {report.imported_count} Fälle angelegt, "
              f"{report.skipped_count} schon vorhanden, {report.refused_row_count} Zeilen abgelehnt; "
              f"{summary.consents} Einwilligungen erfasst.", soft_wrap=True)
    if report.refused:
        refused = Table("Zeile", "Feld", "Wert", "Grund", title="Abgelehnte Zeilen der Importdatei")
        for e in report.refused:
            refused.add_row(str(e.row), e.field, escape(e.value), escape(e.message_de))
        out.print(refused)

    with Session(ready_engine()) as session:
        counts = state_counts(session)
    districts = list(catalogue.districts)
    table = Table("Stand", *[catalogue.districts[d].name for d in districts], "zusammen", title="Fälle nach Landkreis und Stand")
    for state in CaseState:
        row = [counts.get((d, state.value), 0) for d in districts]
        if any(row):
            table.add_row(STATE_DE[state], *map(str, row), str(sum(row)))
    totals = [sum(n for (d, _), n in counts.items() if d == district) for district in districts]
    table.add_row("[bold]alle[/]", *map(str, totals), str(sum(totals)))
    out.print(table)

    tally: dict[str, int] = {}
    for o in outcomes:
        tally[o.outcome] = tally.get(o.outcome, 0) + 1
    names = OUTCOME_DE
    out.print("Posteingang: " + outcome_counts_de(tally))
    held = [o for o in outcomes if o.outcome == "held"]
    if held:
        cases_held = sorted({o.case_reference for o in held})
        out.print(f"Zurückgehalten, bis die Einwilligung erfasst ist: {len(held)} Dateien in {len(cases_held)} Fällen "
                  f"({', '.join(cases_held)})", soft_wrap=True)
    turned = [o for o in outcomes if o.outcome in ("rejected", "duplicate")]
    if turned:
        files = Table("Datei", "Ergebnis", "Grund", title="Nicht angenommene Dateien (in quarantine/, mit .reason.txt)")
        files.columns[0].overflow = "fold"
        for o in turned:
            files.add_row(escape(repr(o.inbox_path)[1:-1]), names.get(o.outcome, o.outcome), escape(o.reason or ""))
        out.print(files)
    out.print(f"Daten: {escape(str(settings.home))} (Datenbank, inbox/, cases/, quarantine/)", soft_wrap=True)


app.command("demo")(demo)
