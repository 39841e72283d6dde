"""`welcome-center retention [--dry-run] [--on YYYY-MM-DD]`: the retention flow run at once (on the
server of `welcome-center up` when it runs), printing its summary: counts per kind with the period
and its source, and the references of the cases erased. A module of its own: the command imports
Prefect and the retention service only."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markdown import Markdown

from adapters.database import ready_engine
from domain.retention import run_day
from flows.retention import retention as retention_flow
from welcome_center.cli.console import friendly, out, print_json, room_for_a_flow_run, today
from welcome_center.cli.prefect_api import ensure_prefect_api

app = typer.Typer()


@app.callback()
def _group() -> None:
    """Retention."""


@friendly
def retention(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list what would be erased; erase nothing")] = False,
    on: Annotated[str | None, typer.Option(
        "--on", help="count the periods from this day (YYYY-MM-DD or DD.MM.YYYY; default today). A later day moves "
                     "the clock forward: a real run then erases early")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Erase what has outlived its retention period (closed cases with their person, quarantined files,
    mail texts, login counts, sessions, old Prefect runs); --dry-run only lists it."""
    day = run_day(on, field="--on", today=today()) if on else today()
    room_for_a_flow_run()
    ready_engine()
    ensure_prefect_api()
    result = retention_flow(dry_run=dry_run, on=day.isoformat())
    if as_json:
        print_json({key: value for key, value in result.items() if key != "summary"})
        return
    out.print(Markdown(result["summary"]))


app.command("retention")(retention)
