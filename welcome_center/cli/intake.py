"""`welcome-center intake`: the inbox flow run at once (on the server of `welcome-center up` when it
runs). A module of its own: the command imports Prefect and the intake, not the demo or the letters."""

from __future__ import annotations

from typing import Annotated

import typer

from adapters.database import ready_engine
from domain.display import visible
from flows.intake import intake_flow
from welcome_center.cli.console import escape, friendly, out, print_json, room_for_a_flow_run
from welcome_center.cli.prefect_api import ensure_prefect_api

Opt = typer.Option
app = typer.Typer()


@app.callback()
def _group() -> None:
    """The inbox."""



@friendly
def intake(as_json: Annotated[bool, Opt("--json")] = False):
    """Take in the files waiting in the inbox (a Prefect flow run)."""
    room_for_a_flow_run()
    ready_engine()
    ensure_prefect_api()
    outcomes = intake_flow()
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    if as_json:
        print_json({"counts": counts, "files": [o.__dict__ for o in outcomes]})
        return
    out.print("Posteingang: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "keine Dateien"))
    for o in outcomes:
        if o.outcome in ("rejected", "duplicate", "held", "waiting", "error") or (o.outcome == "accepted" and o.reason):
            out.print(f"  {_shown(o.inbox_path)}: {o.outcome} – {_shown(o.reason or '')}", soft_wrap=True, emoji=False)
    if counts.get("waiting"):
        out.print(f"{counts['waiting']} Datei(en) bleiben für den nächsten Lauf liegen (Grund je Datei oben).")


def _shown(text: str) -> str:
    """A file name or reason from outside on the terminal: control, bidi and invisible characters
    made visible (domain.display.visible), then Rich's markup escaped."""
    return escape(visible(text))


app.command("intake")(intake)
