"""The daily reminder run: select what is due, send each mail exactly once, report.

One flow run per day (deployment in prefect.yaml: 07:00 Europe/Berlin on working days), one task
for the selection, one task per batch of mails, one for the report with a table artifact.

Exactly once, and what "exactly" can mean with SMTP: a mail is committed as sent right after the
server accepted it, one mail at a time. A worker killed between the server's "250 OK" and that commit
leaves its row claimed; after the lease expires another run sends it again. That duplicate window is
at most one mail per killed worker, and the repeat carries the same Message-ID, so a mail client
shows it once. Every other mail is sent once: claims are atomic, a second run selects nothing new
(the outbox's unique key), and an unreachable server leaves the mails pending for the next run.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters.mailer import SendFailure, build_message
from domain.calendar import WorkingCalendar
from domain.reminders import Trigger, max_lead_days, select_reminders
from models.outbox import OutboxState
from services.outbox import (
    Composed,
    cancel_gone,
    candidate_case_ids,
    claim,
    load_facts,
    load_messages,
    message_id,
    outbox_counts,
    settle,
    write_pending,
)

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Selection:
    today: date
    working_day: bool
    candidates: int = 0
    selected: int = 0
    new: int = 0
    cancelled: int = 0
    preview: list[dict] = field(default_factory=list)  # dry run: what would be written


@dataclass
class Sending:
    sent: int = 0
    failed: int = 0
    retry: int = 0
    unreachable: bool = False
    errors: list[str] = field(default_factory=list)


def select_due(
    *, engine: Engine, catalogue, rules, checklist_rules, composer, calendar: WorkingCalendar,
    today: date, mail_domain: str, lookback_days: int, dry_run: bool = False,
) -> Selection:
    """Write a pending outbox row for every reminder due today; cancel those whose reason has gone."""
    result = Selection(today, calendar.is_working_day(today))
    if not result.working_day:
        return result  # never on a weekend or public holiday: the next working day takes them
    inactive = [r.weeks for r in rules if r.enabled and r.trigger is Trigger.INACTIVE]
    with Session(engine) as session:
        ids = candidate_case_ids(
            session, today=today, lookback_days=lookback_days, lead_days=max_lead_days(rules),
            inactive_weeks=min(inactive) if inactive else None,
        )
        facts = load_facts(session, ids, catalogue=catalogue, checklist_rules=checklist_rules, today=today)
    reminders = select_reminders(facts, rules, today=today, calendar=calendar)
    result.candidates, result.selected = len(ids), len(reminders)
    composed = []
    for reminder in reminders:
        subject, body = composer.compose(reminder)
        composed.append(Composed(reminder, subject, body, message_id(reminder, mail_domain)))
    if dry_run:
        result.preview = [
            {"Fall": c.reminder.reference, "Regel": c.reminder.rule, "an": c.reminder.recipient,
             "Tag": c.reminder.due_on.isoformat(), "Betreff": c.subject}
            for c in composed
        ]
        return result
    result.new = write_pending(engine, composed)
    result.cancelled = cancel_gone(engine, case_ids=ids, still_due={r.key for r in reminders})
    return result


def send_batch(
    *, engine: Engine, catalogue, sender_factory, worker: str, lease: timedelta, limit: int,
    max_attempts: int, backoff: timedelta, now=lambda: datetime.now(UTC),
) -> tuple[int, Sending]:
    """Claim up to `limit` mails and send them over one SMTP connection; returns (claimed, outcome)."""
    ids = claim(engine, worker=worker, now=now(), lease=lease, limit=limit)
    outcome = Sending()
    if not ids:
        return 0, outcome
    messages = load_messages(engine, ids)
    with engine.connect() as connection:  # one connection; each outcome committed on its own
        try:
            with sender_factory() as sender:
                for row in messages:
                    center = catalogue.districts[row.district].welcome_center
                    mail = build_message(
                        sender_name=center.name, sender_address=center.email, recipient=row.recipient,
                        subject=row.subject, body=row.body, message_id=row.message_id, language=row.language,
                    )
                    try:
                        sender.send(mail)
                    except SendFailure as failure:
                        if failure.unreachable:
                            raise
                        if failure.permanent or row.attempts >= max_attempts:
                            settle(connection, row.id, worker=worker, state=OutboxState.FAILED, error=failure.answer)
                            outcome.failed += 1
                        else:
                            retry_at = now() + backoff * (2 ** (row.attempts - 1))
                            settle(connection, row.id, worker=worker, state=OutboxState.PENDING, error=failure.answer,
                                   next_attempt_at=retry_at)
                            outcome.retry += 1
                        outcome.errors.append(f"{row.case_reference} {row.rule} → {row.recipient}: {failure.answer}")
                        continue
                    settle(connection, row.id, worker=worker, state=OutboxState.SENT, now=now())  # right after "250 OK"
                    outcome.sent += 1
        except SendFailure as failure:  # the server is not there: leave the rest for the next run
            outcome.unreachable = True
            outcome.errors.append(failure.answer)
            settled = outcome.sent + outcome.failed + outcome.retry
            for row in messages[settled:]:
                settle(connection, row.id, worker=worker, state=OutboxState.PENDING, error=failure.answer,
                       refund_attempt=True)
    return len(ids), outcome


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def report_rows(*, engine: Engine, catalogue) -> list[dict]:
    """The outbox per district and rule: sent, failed, pending, cancelled (counts only)."""
    with Session(engine) as session:
        counts = outbox_counts(session)
    rows: dict[tuple[str, str], Counter] = {}
    for (district, rule, state), number in counts.items():
        rows.setdefault((district, rule), Counter())[state] += number
    return [
        {"Landkreis": catalogue.districts[d].short if d in catalogue.districts else d, "Regel": rule,
         "gesendet": c["sent"], "fehlgeschlagen": c["failed"], "ausstehend": c["pending"] + c["sending"],
         "storniert": c["cancelled"]}
        for (d, rule), c in sorted(rows.items())
    ]
