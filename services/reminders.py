"""The daily reminder run: select what is due, send each mail exactly once, report.

One flow run per day (deployment in prefect.yaml: 07:00 Europe/Berlin on working days), one task
for the selection, one task per batch of mails, one for the report with a table artifact.

Exactly once, and what "exactly" can mean with SMTP. A mail is at risk of being sent twice only
between handing its text to the server (DATA) and committing it as sent: a process killed in that
window leaves a mail the server may have accepted and the outbox still shows as claimed. Each
process lets only ONE mail be in that window at a time (`SEND_WINDOW`, a lock held from DATA to the
commit of `settle`), whatever the number of sender threads: the threads still overlap in claiming,
loading, building the mails and the envelope (MAIL FROM, RCPT TO). So a killed process causes at
most one duplicate, and the repeat carries the same Message-ID, so a mail client shows it once.

What a killed process had claimed is taken over by the next run on the same host at once
(`take_over_abandoned`: the claim names host, PID and the PID's start time, and that process is
gone); a run on another host cannot see the holder's processes and waits out the lease
(`reminder_lease_seconds`, 5 minutes), and says which rows are held by whom until when. Every other
mail is sent once: claims are atomic, a second run selects nothing new (the outbox's unique key),
and an unreachable server leaves the mails pending for the next run. A run that could not reach the
server, or in which the server refused mails for good, raises `ReminderRunFailed` after its report:
the Prefect flow run ends Failed and `welcome-center remind` exits 6.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters.mailer import SendFailure, build_message
from adapters.process_identity import Liveness, liveness, start_ticks
from domain.calendar import WorkingCalendar
from domain.display import without_mail_addresses
from domain.errors import DomainError, InvalidInput
from domain.messages import Term
from domain.reminders import Recipient, Trigger, max_lead_days, recipient_for, select_reminders
from models.outbox import OutboxMessage, OutboxState
from services.audit import record_audit
from services.outbox import (
    Composed,
    cancel_gone,
    candidate_case_ids,
    claim,
    load_facts,
    load_messages,
    message_id,
    message_id_for,
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


@dataclass(frozen=True)
class Held:
    """Rows claimed by another run that is (as far as this host can tell) still at work."""

    by: str  # the holder's process: host:pid:start:token
    host: str
    pid: int | None
    rows: int
    until: datetime  # the claim's lease ends (UTC)
    same_host: bool  # False: its process cannot be checked from here, so its lease is waited out


@dataclass
class Sending:
    sent: int = 0
    failed: int = 0
    retry: int = 0
    unreachable: bool = False
    errors: list[str] = field(default_factory=list)
    taken_over: int = 0  # rows of a killed run on this host, taken over at once
    held: list[Held] = field(default_factory=list)


class ReminderRunFailed(DomainError):
    """The run could not reach the mail server, or the server refused mails for good. Raised after
    the report is written, so that the Prefect flow run ends Failed and the CLI exits non-zero; it
    carries the run's figures for the summary. Its message becomes the failed flow run's state
    message and log line in Prefect's database: it names counts and, when the server could not be
    reached, why, never a recipient (the refused mails and their addresses are in the outbox,
    `welcome-center reminders --failed`). The figures it carries (`sending.errors` with addresses)
    stay in this process: the flows do not persist results (`persist_result=False`)."""

    def __init__(self, selection: Selection, sending: Sending) -> None:
        super().__init__(
            "reminders.smtp_unreachable" if sending.unreachable else "reminders.mails_failed", "remind",
            count=sending.failed, reason=without_mail_addresses(sending.errors[-1] if sending.unreachable and sending.errors else "")[:200],
        )
        self.selection, self.sending = selection, sending

    def __reduce__(self):
        """Picklable with its figures but without the mails' addresses and subjects: Prefect pickles a
        failed run's exception into its result storage even when results are not persisted."""
        return (ReminderRunFailed, (replace(self.selection, preview=[]), replace(self.sending, errors=[])))


# One mail per process between DATA and its `settle` commit: see the module docstring. A module-level
# lock because the bound is per process: two flow runs in one process (the serving process,
# flows.serving) must share it too.
SEND_WINDOW = threading.Lock()


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
                        sender.offer(mail)  # MAIL FROM, RCPT TO: the server has nothing of the mail yet
                        with SEND_WINDOW:  # from DATA to the commit: one mail per process in the window
                            sender.hand_over(mail)
                            settle(connection, row.id, worker=worker, state=OutboxState.SENT, now=now())
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
                    outcome.sent += 1
        except SendFailure as failure:  # the server is not there: leave the rest for the next run
            outcome.unreachable = True
            outcome.errors.append(failure.answer)
            settled = outcome.sent + outcome.failed + outcome.retry
            for row in messages[settled:]:
                settle(connection, row.id, worker=worker, state=OutboxState.PENDING, error=failure.answer,
                       refund_attempt=True)
    return len(ids), outcome


# ------------------------------------------------------------------------------------- who holds a claim


def worker_name() -> str:
    """host:pid:start:token, the start time of this process as /proc gives it ("-" where it cannot be
    read): together with the PID it names this process even after the PID is reused. The sender
    threads add "/n". The host is clipped so that the name fits `claimed_by` (100 characters)."""
    return f"{this_host()}:{os.getpid()}:{start_ticks(os.getpid())}:{uuid.uuid4().hex[:8]}"


def this_host() -> str:
    return socket.gethostname()[:60].replace(":", "_")


@dataclass(frozen=True)
class Holder:
    process: str  # the claim without the thread's "/n"
    host: str
    pid: int | None
    started: str


def parse_holder(claimed_by: str) -> Holder:
    """Read a claim's holder; a name in another form (an older "host:pid:token", a test's "w1") keeps
    what it can: host and PID if they are there, else no PID (such a claim waits out its lease)."""
    process = claimed_by.split("/", 1)[0]
    parts = process.split(":")
    if len(parts) >= 4 and parts[-3].isdigit():  # host:pid:start:token
        return Holder(process, ":".join(parts[:-3]), int(parts[-3]), parts[-2])
    if len(parts) == 3 and parts[1].isdigit():  # host:pid:token (before start times were recorded)
        return Holder(process, parts[0], int(parts[1]), "-")
    return Holder(process, process, None, "-")


def take_over_abandoned(*, engine: Engine, now: datetime) -> int:
    """Claims whose lease has not run out but whose holder, a process on this host, is gone (killed):
    made pending again at once, so this run sends them instead of waiting out the lease. Returns the
    number of rows taken over. Rows held by a running process or by another host are left alone."""
    dead = [name for name, holder in _claims(engine, now) if holder.host == this_host() and holder.pid is not None
            and liveness(holder.pid, holder.started) is Liveness.GONE]
    if not dead:
        return 0
    t = OutboxMessage.__table__
    with engine.begin() as connection:
        result = connection.execute(
            update(t).where(t.c.state == OutboxState.SENDING.value, t.c.claimed_by.in_(dead))
            .values(state=OutboxState.PENDING.value, claimed_by=None, claimed_until=None, next_attempt_at=None,
                    last_error="Lauf abgebrochen (Prozess beendet); übernommen")
        )
    return result.rowcount


def held_claims(*, engine: Engine, now: datetime, own: str) -> list[Held]:
    """Rows claimed by another run whose lease has not yet run out, per holding process."""
    per_process: dict[str, list] = {}
    for (name, holder), rows, until in _claims(engine, now, with_counts=True):
        if holder.process == own:
            continue
        entry = per_process.setdefault(holder.process, [holder, 0, until])
        entry[1] += rows
        entry[2] = max(entry[2], until)
    return [Held(by=p, host=h.host, pid=h.pid, rows=n, until=u, same_host=h.host == this_host())
            for p, (h, n, u) in sorted(per_process.items())]


def _claims(engine: Engine, now: datetime, *, with_counts: bool = False):
    """The claims in force: (claimed_by, Holder) or with counts ((claimed_by, Holder), rows, until)."""
    t = OutboxMessage.__table__
    with engine.connect() as connection:
        rows = connection.execute(
            sa_select(t.c.claimed_by, func.count(), func.max(t.c.claimed_until))
            .where(t.c.state == OutboxState.SENDING.value, t.c.claimed_until >= now, t.c.claimed_by.is_not(None))
            .group_by(t.c.claimed_by)
        ).all()
    if with_counts:
        return [((name, parse_holder(name)), count, _utc(until)) for name, count, until in rows]
    return [(name, parse_holder(name)) for name, _, _ in rows]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------- sending a failed one again


def resend_failed(session: Session, *, outbox_id: int, catalogue, checklist_rules, today: date,
                  actor: str) -> OutboxMessage:
    """A failed reminder made pending again for the next run, to the address the case has NOW (the
    person's e-mail, the case's adviser or the district's mailbox, the body's address: as the
    selection derives it, domain.reminders.recipient_for), with a fresh count of attempts and the
    Message-ID of its new key. The text stays as composed. Audited; the caller commits."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise InvalidInput("record.not_found", "ID", what="reminder", value=str(outbox_id))
    if row.state != OutboxState.FAILED.value:
        raise InvalidInput("reminder.not_failed", "ID", value=str(outbox_id),
                           state=Term(row.state, STATE_DE.get(row.state, row.state)))
    facts = load_facts(session, [row.case_id], catalogue=catalogue, checklist_rules=checklist_rules, today=today)
    recipient = recipient_for(Recipient(row.recipient_kind), facts[0]) if facts else None
    if not recipient and facts and facts[0].consent_withdrawn:
        raise InvalidInput("reminder.consent_withdrawn", "ID", reference=row.case_reference,
                           what=Term(row.recipient_kind, RECIPIENT_DE.get(row.recipient_kind, row.recipient_kind)))
    if not recipient:
        raise InvalidInput("reminder.no_address", "recipient", reference=row.case_reference,
                           what=Term(row.recipient_kind, RECIPIENT_DE.get(row.recipient_kind, row.recipient_kind)))
    other = session.execute(
        sa_select(OutboxMessage.id).where(
            OutboxMessage.case_id == row.case_id, OutboxMessage.rule == row.rule, OutboxMessage.due_on == row.due_on,
            OutboxMessage.recipient == recipient, OutboxMessage.id != row.id,
        )
    ).first()
    if other is not None:
        raise InvalidInput("reminder.already_there", "ID", value=str(outbox_id), reference=row.case_reference,
                           name=str(other[0]))
    before = {"state": row.state, "recipient": row.recipient, "attempts": row.attempts, "last_error": row.last_error}
    domain = row.message_id.rsplit("@", 1)[-1].rstrip(">")
    row.recipient = recipient
    row.message_id = message_id_for(row.case_id, row.rule, row.due_on, recipient, domain)
    row.state, row.attempts, row.last_error = OutboxState.PENDING.value, 0, None
    row.next_attempt_at = row.claimed_by = row.claimed_until = None
    session.add(row)
    record_audit(session, actor=actor, action="reminder.resend", entity="outbox", entity_id=row.id,
                 case_reference=row.case_reference, before=before, after={"state": row.state, "recipient": recipient})
    return row


STATE_DE = {"pending": "ausstehend", "sending": "wird gesendet", "sent": "gesendet", "failed": "fehlgeschlagen",
            "cancelled": "storniert"}
RECIPIENT_DE = {"person": "Person", "adviser": "Beratung", "body": "zuständige Stelle"}


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
