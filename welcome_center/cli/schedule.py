"""`welcome-center runs`: the scheduled runs (flows.deployments) with their next run, and the last flow
runs of reminders, intake and letters with state, start, duration and a summary (counts only), from
the Prefect server that `welcome-center up` starts (flows/run_history.py).

Without a reachable server (PREFECT_API_URL unset, or nobody answering there) it does not start
Prefect's temporary server: it says so on stderr, lists the schedules with their next run computed
locally, and exits with EXIT_NO_SERVER (69, EX_UNAVAILABLE of sysexits.h), so a script can tell.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table

from flows.run_history import RunsOverview, read_overview
from welcome_center.cli.console import err, escape, friendly, out, print_json

EXIT_NO_SERVER = 69  # EX_UNAVAILABLE: the schedules are listed, the runs could not be read

app = typer.Typer()


@app.callback()
def _group() -> None:
    """Scheduled and past flow runs."""


@friendly
def runs(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="how many of the last runs")] = 20,
):
    """The deployments with their schedule and next run, and the last runs (exit 69 without a Prefect server)."""
    overview = read_overview(limit=limit)
    if not overview.reachable:
        where = f"at {overview.prefect_api} ({overview.problem})" if overview.prefect_api else "(PREFECT_API_URL is not set)"
        err.print(f"No Prefect server runs {escape(where)}. Start one with "
                  "`welcome-center up`; the schedules below are computed locally, past runs cannot be shown.",
                  soft_wrap=True)
    if as_json:
        print_json(overview.as_json())
    else:
        _print(overview)
    if not overview.reachable:
        raise typer.Exit(EXIT_NO_SERVER)


def _print(overview: RunsOverview) -> None:
    if overview.reachable:
        out.print(f"Prefect server {escape(overview.prefect_api)} · UI {escape(overview.ui or '–')}", soft_wrap=True)
    noted = any(item.registered is False or item.paused or (item.next_run_from == "local" and overview.reachable)
                for item in overview.deployments)
    zones = {item.timezone for item in overview.deployments}
    one_zone = len(zones) == 1
    schedules = Table("Deployment", "Cron", *([] if one_zone else ["Time zone"]), "Next run", *(["Note"] if noted else []),
                      title=f"Schedules ({escape(next(iter(zones)))})" if one_zone else "Schedules")
    for item in overview.deployments:
        notes = []
        if item.registered is False:
            notes.append("not on the server (welcome-center up registers it)")
        if item.paused:
            notes.append("paused")
        if item.next_run_from == "local" and overview.reachable and item.registered:
            notes.append("computed locally: the server has not scheduled it yet")
        schedules.add_row(escape(item.full_name), escape(item.cron), *([] if one_zone else [escape(item.timezone)]),
                          f"{item.next_run:%a %d.%m.%Y %H:%M}" if item.next_run else "–", *([escape("; ".join(notes))] if noted else []))
    out.print(schedules)
    if not overview.reachable:
        return
    if not overview.runs:
        out.print("No runs of reminders, intake or letters on this server yet.")
        return
    table = Table("Start", "Run", "State", "Time", "Summary", "Id", title="Last runs, newest first (--json: every field)",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in (table.columns[0], table.columns[1], table.columns[3], table.columns[5]):
        column.no_wrap = True
    for run in overview.runs:
        state = escape(run.state_name)
        if run.problem:
            state = f"[bold red]{state}[/]"
        table.add_row(f"{run.start:%d.%m. %H:%M}" if run.start else "–",
                      escape(run.deployment or f"{run.flow} (by hand)"), state,
                      _duration(run.duration_seconds), escape(run.summary or ""), escape(run.id[:8]))
    out.print(table)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d} min"


app.command("runs")(runs)
