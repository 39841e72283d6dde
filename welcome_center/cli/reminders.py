"""`welcome-center remind`: the daily reminder flow, run at once on the configured database;
`welcome-center reminders --failed` / `reminders resend ID`: what was not delivered, and sending one again.

Exit codes of `remind`: 0 the run went through (also a dry run, a weekend, or rows held by another
run, which it names); 6 the mail server could not be reached or refused mails for good (the Prefect
flow run is Failed; the summary line is printed all the same); 2, 3, 4, 5 as every command."""

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

from adapters.catalogue import load_catalogue
from adapters.database import ready_engine
from adapters.process_identity import Liveness, liveness
from adapters.rules import load_checklist_rules
from domain.calendar import lower_saxony_calendar
from domain.errors import InvalidInput
from flows.reminders import reminders_flow
from models.db import session_scope
from models.outbox import OutboxMessage, OutboxState
from services.outbox import undelivered
from services.reminders import STATE_DE, ReminderRunFailed, parse_holder, resend_failed, this_host
from welcome_center.cli.console import (
    BERLIN,
    EXIT_NOT_DELIVERED,
    actor,
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
    """Select the reminders due and send them over SMTP (WELCOME_CENTER_SMTP_HOST/PORT), each once.

    Exit 0: the run went through (also a dry run or a day off). Exit 6: the mail server could not be reached or refused mails for good (the flow run is Failed, the summary is printed all the same; `welcome-center reminders --failed` lists them)."""
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
            state = reminders_flow(on=day, dry_run=dry_run, return_state=True)
        finally:
            stop.set()
            watcher.join(timeout=2)

    failure: ReminderRunFailed | None = None
    if state.is_failed():
        error = state.result(raise_on_failure=False)
        if not isinstance(error, ReminderRunFailed):
            raise error if isinstance(error, BaseException) else RuntimeError(state.message)  # friendly: one line
        failure = error
        selection, sending = error.selection, error.sending
    else:
        result = state.result()
        selection, sending = result["selection"], result["sending"]
    if as_json:
        print_json({
            "on": day.isoformat(), "working_day": selection.working_day, "selected": selection.selected,
            "new": selection.new, "cancelled": selection.cancelled, "sent": sending.sent, "failed": sending.failed,
            "retry": sending.retry, "smtp_unreachable": sending.unreachable, "errors": sending.errors,
            "taken_over": sending.taken_over,
            "held": [{"by": h.by, "host": h.host, "pid": h.pid, "rows": h.rows, "until": h.until.isoformat(),
                      "same_host": h.same_host} for h in sending.held],
            "flow_run_state": state.name, "flow_run_id": str(state.state_details.flow_run_id),
            "error": {"code": failure.code, "message": failure.message} if failure else None,
            "preview": selection.preview,
        })
        if failure:
            raise typer.Exit(EXIT_NOT_DELIVERED)
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
    if sending.taken_over:
        out.print(f"Übernommen: {sending.taken_over} Erinnerungen eines abgebrochenen Laufs auf diesem Rechner "
                  "(Prozess beendet), sofort statt nach Ablauf der Sperre.")
    for held in sending.held:
        where = ("der Prozess läuft noch; er sendet sie selbst, sonst holt sie der nächste Lauf nach Ablauf der Sperre nach"
                 if held.same_host else
                 "auf einem anderen Rechner, von hier nicht prüfbar; nach Ablauf der Sperre holt sie der nächste Lauf nach")
        out.print(f"Gehalten: {held.rows} Erinnerungen von Lauf {escape(held.host)} (PID {held.pid or '?'}) bis "
                  f"{_local(held.until)}; {where}.", soft_wrap=True)
    for error in sending.errors[:20]:
        err.print(f"  {escape(error)}", soft_wrap=True)
    if failure:
        err.print(f"[bold red]Error:[/] {escape(failure.message)}", soft_wrap=True)
        raise typer.Exit(EXIT_NOT_DELIVERED)


def _local(moment: datetime | None) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M:%S") if moment else ""


app.command("remind")(remind)


# ------------------------------------------------------------------------------------------ reminders

reminders_app = typer.Typer(help="Reminders that were not delivered: list them (--failed), send one again (resend ID).",
                            invoke_without_command=True)


@reminders_app.callback()
@friendly
def reminders(
    ctx: typer.Context,
    failed: Annotated[bool, typer.Option("--failed", help="list the failed reminders and those a run holds")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Failed reminders (refused by the mail server, out of attempts), the ones a run holds (claimed,
    with who and until when) and pending ones that met an error, with the server's answer."""
    if ctx.invoked_subcommand:
        return
    if not failed:
        raise InvalidInput("reminders.failed_or_resend", "--failed")
    with Session(ready_engine()) as session:
        rows = undelivered(session)
    listed = [_listed(row) for row in rows]
    if as_json:
        print_json(listed)
        return
    if not listed:
        out.print("Keine fehlgeschlagenen oder gehaltenen Erinnerungen.")
        return
    table = Table("Nr.", "Fall", "Regel", "Tag", "an", "Stand", "Versuche", "Antwort des Servers", "gehalten von", "bis",
                  title=f"Nicht zugestellte Erinnerungen ({len(listed)})")
    for item in listed:
        holder = ""
        if item["held_by"]:
            holder = f"{item['held_by']['host']} (PID {item['held_by']['pid'] or '?'})"
            if item["held_by"]["gone"]:
                holder += ", Prozess beendet: der nächste Lauf übernimmt"
        table.add_row(str(item["id"]), escape(item["case_reference"]), item["rule"], f"{item['due_on']:%d.%m.%Y}",
                      escape(item["recipient"]), STATE_DE.get(item["state"], item["state"]), str(item["attempts"]),
                      escape(item["answer"] or ""), escape(holder), _local(item["held_until"]))
    out.print(table)
    if any(item["state"] == OutboxState.FAILED.value for item in listed):
        out.print("Nach dem Berichtigen der Adresse: welcome-center reminders resend NR (gesendet beim nächsten "
                  "welcome-center remind).")


def _listed(row: OutboxMessage) -> dict:
    held = None
    if row.state == OutboxState.SENDING.value and row.claimed_by:
        holder = parse_holder(row.claimed_by)
        gone = holder.pid is not None and holder.host == this_host() and liveness(holder.pid, holder.started) is Liveness.GONE
        held = {"by": row.claimed_by, "host": holder.host, "pid": holder.pid, "gone": gone}
    return {
        "id": row.id, "case_reference": row.case_reference, "rule": row.rule, "due_on": row.due_on,
        "recipient": row.recipient, "recipient_kind": row.recipient_kind, "state": row.state, "attempts": row.attempts,
        "answer": row.last_error, "held_by": held, "held_until": row.claimed_until if held else None,
        "next_attempt_at": row.next_attempt_at,
    }


@reminders_app.command("resend")
@friendly
def resend(outbox_id: Annotated[int, typer.Argument(metavar="ID", help="the number in `reminders --failed`")]):
    """Send a failed reminder again, to the address the case has now (fix it first); the next `welcome-center remind` sends it. Audited."""
    with session_scope(ready_engine()) as session:
        row = resend_failed(session, outbox_id=outbox_id, catalogue=load_catalogue(), checklist_rules=load_checklist_rules(),
                            today=today(), actor=actor())
    out.print(f"Erinnerung {row.id} ({escape(row.case_reference)}, {row.rule}) wird beim nächsten Lauf an "
              f"{escape(row.recipient)} gesendet (welcome-center remind).", soft_wrap=True)


app.add_typer(reminders_app, name="reminders")
