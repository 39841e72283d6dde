"""`welcome-center remind`: the daily reminder flow, run at once on the configured database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import func
from sqlmodel import Session, select

from adapters.database import ready_engine
from domain.calendar import lower_saxony_calendar
from flows.reminders import reminders_flow
from models.outbox import OutboxMessage, OutboxState
from welcome_center.cli.console import (
    err,
    escape,
    friendly,
    out,
    parse_date,
    print_json,
    today,
)
from welcome_center.cli.prefect_api import ensure_prefect_api

app = typer.Typer()


@app.callback()
def _group() -> None:
    """Reminders."""


@friendly
def remind(
    on: Annotated[str | None, typer.Option("--on", help="the day to run for (DD.MM.YYYY or YYYY-MM-DD); default today")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would be sent; write and send nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Select the reminders due and send them over SMTP (WELCOME_CENTER_SMTP_HOST/PORT), each once."""
    day = parse_date(on, "--on") if on else today()
    engine = ready_engine()
    ensure_prefect_api()
    started = datetime.now(UTC)
    stop = threading.Event()

    def watch(progress: Progress, bar) -> None:
        while not stop.wait(0.25):
            with Session(engine) as session:
                rows = session.exec(
                    select(OutboxMessage.state, func.count()).where(OutboxMessage.created_at >= started).group_by(OutboxMessage.state)
                ).all()
                counts = dict(rows)
            total = sum(counts.values())
            done = total - counts.get(OutboxState.PENDING.value, 0) - counts.get(OutboxState.SENDING.value, 0)
            progress.update(bar, total=max(total, 1), completed=done)

    with Progress(TextColumn("Erinnerungen"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  disable=as_json or dry_run or not err.is_terminal, transient=True) as progress:
        bar = progress.add_task("mails", total=None)
        watcher = threading.Thread(target=watch, args=(progress, bar), daemon=True)
        watcher.start()
        try:
            result = reminders_flow(on=day, dry_run=dry_run)
        finally:
            stop.set()
            watcher.join(timeout=2)

    selection, sending = result["selection"], result["sending"]
    if as_json:
        print_json({
            "on": day.isoformat(), "working_day": selection.working_day, "selected": selection.selected,
            "new": selection.new, "cancelled": selection.cancelled, "sent": sending.sent, "failed": sending.failed,
            "retry": sending.retry, "smtp_unreachable": sending.unreachable, "errors": sending.errors,
            "preview": selection.preview,
        })
        return
    if not selection.working_day:
        why = lower_saxony_calendar().why_not_working(day)
        out.print(f"{day:%d.%m.%Y} ist kein Werktag ({why}): keine Erinnerungen; der nächste Werktag holt sie nach.")
        return
    if dry_run:
        table = Table("Fall", "Regel", "an", "Betreff", title=f"Würde senden ({len(selection.preview)})")
        for row in selection.preview:
            table.add_row(row["Fall"], row["Regel"], escape(row["an"]), escape(row["Betreff"]))
        out.print(table)
        return
    out.print(f"Erinnerungen {day:%d.%m.%Y}: {selection.selected} fällig, {selection.new} neu, "
              f"{sending.sent} gesendet, {sending.failed} fehlgeschlagen, {sending.retry} später erneut, "
              f"{selection.cancelled} storniert (Anlass entfallen).")
    if sending.unreachable:
        err.print("[bold yellow]Warning:[/] SMTP server not reachable; the mails stay pending for the next run.")
    for error in sending.errors[:20]:
        err.print(f"  {escape(error)}", soft_wrap=True)


app.command("remind")(remind)
