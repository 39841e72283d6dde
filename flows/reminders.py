"""The daily reminder run as a Prefect flow: one task for the selection, one that takes over the
claims of a killed run on this host, one task per batch of mails (two batches in flight), one for the
report with a table artifact. What "exactly once" means is `services.reminders`'s docstring; the
deployment is in prefect.yaml (07:00 Europe/Berlin, working days). A run that could not reach the
mail server or had mails refused for good raises `ReminderRunFailed` after the report: the flow run
ends Failed (and `welcome-center remind` exits 6).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from adapters.catalogue import load_catalogue
from adapters.database import configured_engine
from adapters.mailer import MailComposer, SmtpSender
from adapters.rules import load_checklist_rules, load_reminder_rules
from adapters.settings import get_settings
from domain.calendar import lower_saxony_calendar
from flows import records_no_personal_data
from services.reminders import (
    BERLIN,
    Held,
    ReminderRunFailed,
    Selection,
    Sending,
    held_claims,
    report_rows,
    select_due,
    send_batch,
    take_over_abandoned,
    worker_name,
)


def _context():
    settings = get_settings()
    catalogue = load_catalogue()
    return settings, configured_engine(), catalogue, load_reminder_rules(), load_checklist_rules(), MailComposer(settings.templates_dir, catalogue)


@task(name="select-reminders", persist_result=False, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
@records_no_personal_data
def select_task(today: date, dry_run: bool) -> Selection:
    settings, engine, catalogue, rules, checklist_rules, composer = _context()
    composer.check(rules)
    return select_due(
        engine=engine, catalogue=catalogue, rules=rules, checklist_rules=checklist_rules, composer=composer,
        calendar=lower_saxony_calendar(), today=today, mail_domain=settings.mail_domain,
        lookback_days=settings.reminder_lookback_days, dry_run=dry_run,
    )


@task(name="send-reminder-batch", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def send_task(worker: str, limit: int) -> tuple[int, Sending]:
    settings, engine, catalogue, *_ = _context()

    def sender():
        return SmtpSender(host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
                          username=settings.smtp_username, password=settings.smtp_password.get_secret_value(),
                          timeout=settings.smtp_timeout_seconds)

    return send_batch(
        engine=engine, catalogue=catalogue, sender_factory=sender, worker=worker,
        lease=timedelta(seconds=settings.reminder_lease_seconds), limit=limit,
        max_attempts=settings.reminder_max_attempts, backoff=timedelta(seconds=settings.reminder_backoff_seconds),
    )


@task(name="take-over-abandoned-claims", persist_result=False, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
@records_no_personal_data
def take_over_task() -> int:
    return take_over_abandoned(engine=configured_engine(), now=datetime.now(UTC))


@task(name="held-claims", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def held_task(worker: str) -> list[Held]:
    return held_claims(engine=configured_engine(), now=datetime.now(UTC), own=worker)


@task(name="reminder-report", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def report_task(selection: Selection, sending: Sending) -> list[dict]:
    if not selection.working_day:
        why = lower_saxony_calendar().why_not_working(selection.today)
        create_markdown_artifact(
            key="reminder-report",
            markdown=f"**Erinnerungen: kein Versand am {selection.today:%d.%m.%Y}** – kein Werktag in Niedersachsen "
                     f"({why}). Der nächste Werktag holt die Erinnerungen nach.",
            description=f"Erinnerungen: {selection.today:%d.%m.%Y} ist kein Werktag ({why})",
        )
        return []
    table = report_rows(engine=configured_engine(), catalogue=load_catalogue())
    description = (f"Erinnerungen {selection.today:%d.%m.%Y}: {selection.selected} fällig, {selection.new} neu, "
                   f"{sending.sent} gesendet, {sending.failed} fehlgeschlagen, {selection.cancelled} storniert"
                   + ("; Mailserver nicht erreichbar" if sending.unreachable else "")
                   + (f"; {sum(h.rows for h in sending.held)} von einem anderen Lauf gehalten" if sending.held else ""))
    if table:
        create_table_artifact(table=table, key="reminder-report", description=description)
    else:  # nothing in the outbox yet: the run says so too (`welcome-center runs`, the Läufe page)
        create_markdown_artifact(key="reminder-report", markdown=description + ".", description=description)
    return table


@flow(name="reminders", persist_result=False, log_prints=False)
@records_no_personal_data
def reminders_flow(on: date | None = None, dry_run: bool = False, batch_size: int = 200, senders: int = 2,
                   scheduled: bool = False) -> dict:
    """Select and send the reminders due on `on` (default: today in Europe/Berlin).

    `senders` batches are in flight at once (threads of Prefect's task runner): while one waits for
    the mail server's answer, the other claims, loads and builds mails and offers the envelope; only
    one mail of the process is between DATA and its recorded outcome at a time (SEND_WINDOW), so a
    killed run leaves at most one duplicate whatever `senders` is. Claims are atomic, so the batches
    never overlap. On a weekend or public holiday nothing is selected, scheduled or not (the
    reminder rules count working days), and the artifact says so; `scheduled` is there for the
    deployment (flows.deployments).
    """
    today = on or datetime.now(BERLIN).date()
    selection = select_task(today, dry_run)
    sending = Sending()
    if not dry_run and selection.working_day:
        worker = worker_name()
        sending.taken_over = take_over_task()
        in_flight = [(name, send_task.submit(name, batch_size)) for name in (f"{worker}/{n}" for n in range(max(1, senders)))]
        while in_flight:
            name, future = in_flight.pop(0)
            claimed, outcome = future.result()
            sending.sent += outcome.sent
            sending.failed += outcome.failed
            sending.retry += outcome.retry
            sending.errors += outcome.errors
            sending.unreachable |= outcome.unreachable
            if claimed and not sending.unreachable:
                in_flight.append((name, send_task.submit(name, batch_size)))
        sending.held = held_task(worker)
    report_task(selection, sending)
    if sending.unreachable or sending.failed:
        raise ReminderRunFailed(selection, sending)  # after the report: the flow run ends Failed
    return {"selection": selection, "sending": sending}
