"""The outbox's queries: which cases to look at, writing pending reminders, claiming and settling them.

Selection reads only the cases that can have a reminder today (indexed: open deadlines in the
window, suspended cases, inactive cases, appointments, cases with pending mails), so its cost grows
with the due items, not with all cases.

Claiming is one atomic statement per batch: an UPDATE … RETURNING over the ids of claimable rows
(`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the single statement runs under the database's
write lock). A row is claimable when pending (and its retry time has come) or when its claim's lease
has expired (a killed worker on another host; on its own host the next run makes its rows pending at
once, services.reminders.take_over_abandoned).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from domain.catalogue import Catalogue
from domain.checklist import DocumentFacts, checklist, missing_items
from domain.lifecycle import FINAL_STATES, CaseState
from domain.reminders import CaseFacts, Reminder
from models.adviser import Adviser
from models.case import Appointment, Case, CaseEvent, Deadline
from models.document import Document
from models.outbox import OutboxMessage, OutboxState
from models.person import Person
from models.selectors import profile_from, withdrawn_persons

BERLIN = ZoneInfo("Europe/Berlin")
OPEN_STATES = [s.value for s in CaseState if s not in FINAL_STATES and s is not CaseState.DECIDED]
CHUNK = 500


def message_id(reminder: Reminder, domain: str) -> str:
    """Deterministic: the same reminder always carries the same Message-ID."""
    return message_id_for(reminder.case_id, reminder.rule, reminder.due_on, reminder.recipient, domain)


def message_id_for(case_id: int, rule: str, due_on: date, recipient: str, domain: str) -> str:
    """The Message-ID of the outbox key (case, rule, due day, recipient)."""
    digest = hashlib.sha256(f"{case_id}|{rule}|{due_on.isoformat()}|{recipient.lower()}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"  # short enough never to be folded onto a second header line


# ------------------------------------------------------------------------------------- candidates


def candidate_case_ids(
    session: Session, *, today: date, lookback_days: int, lead_days: int, inactive_weeks: int | None
) -> set[int]:
    window_start, window_end = today - timedelta(days=lookback_days), today + timedelta(days=lead_days + 7)
    ids: set[int] = set()
    ids.update(session.exec(
        select(Deadline.case_id).where(Deadline.status == "open", Deadline.due >= window_start, Deadline.due <= window_end)
    ).all())
    ids.update(session.exec(  # suspensions whose known end comes up (index on event, until)
        select(CaseEvent.case_id)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.event == "suspend", CaseEvent.until >= today, CaseEvent.until <= window_end,
               Case.state == CaseState.SUSPENDED.value)
    ).all())
    if inactive_weeks:
        cutoff = datetime.combine(today - timedelta(weeks=inactive_weeks), datetime.min.time(), BERLIN)
        ids.update(session.exec(
            select(Case.id).where(Case.state.in_(OPEN_STATES), Case.last_activity_at < cutoff)
        ).all())
    start = datetime.combine(today, datetime.min.time(), BERLIN)
    ids.update(session.exec(
        select(Appointment.case_id).where(
            Appointment.cancelled.is_(False), Appointment.starts_at >= start,
            Appointment.starts_at < start + timedelta(days=lead_days + 7),
        )
    ).all())
    ids.update(session.exec(select(OutboxMessage.case_id).where(OutboxMessage.state == OutboxState.PENDING.value)).all())
    return ids


def load_facts(
    session: Session, case_ids: Iterable[int], *, catalogue: Catalogue, checklist_rules, today: date
) -> list[CaseFacts]:
    """CaseFacts for the given cases: a few column queries per chunk of 500 cases (no ORM objects),
    the missing documents worked out once per distinct (profile, documents on file)."""
    facts: list[CaseFacts] = []
    missing_memo: dict[tuple, tuple[str, ...]] = {}
    ids = sorted(case_ids)
    midnight = datetime.combine(today, datetime.min.time(), BERLIN)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.execute(
            sa_select(
                Case.id, Case.reference, Case.district, Case.state, Case.body_key, Case.procedure, Case.regulated,
                Case.profession_group, Case.reference_occupation_key, Case.adviser_id, Case.last_activity_at,
                Person.given_name, Person.family_name, Person.language, Person.email, Person.lives_abroad,
                Person.name_changed, Case.person_id,
            ).join(Person, Person.id == Case.person_id).where(Case.id.in_(chunk))
        ).all()
        deadlines = defaultdict(list)
        for case_id, kind, status, due in session.execute(
            sa_select(Deadline.case_id, Deadline.kind, Deadline.status, Deadline.due).where(Deadline.case_id.in_(chunk))
        ):
            deadlines[case_id].append((kind, status, due))
        adviser_ids = {row.adviser_id for row in rows if row.adviser_id}
        advisers = dict(session.execute(sa_select(Adviser.id, Adviser.email).where(Adviser.id.in_(adviser_ids))).all()) if adviser_ids else {}
        suspended = [row.id for row in rows if row.state == CaseState.SUSPENDED.value]
        until: dict[int, date | None] = {}
        if suspended:
            for case_id, end in session.execute(
                sa_select(CaseEvent.case_id, CaseEvent.until)
                .where(CaseEvent.case_id.in_(suspended), CaseEvent.event == "suspend").order_by(CaseEvent.id)
            ):
                until[case_id] = end  # the latest suspension counts
        appointments = defaultdict(list)
        for case_id, starts_at, place in session.execute(
            sa_select(Appointment.case_id, Appointment.starts_at, Appointment.place)
            .where(Appointment.case_id.in_(chunk), Appointment.cancelled.is_(False), Appointment.starts_at >= midnight)
        ):
            local = starts_at.astimezone(BERLIN)
            appointments[case_id].append((local.date(), local.strftime("%H:%M"), place))
        withdrawn = withdrawn_persons(session, person_ids={row.person_id for row in rows})
        with_person_deadline = {cid for cid, items in deadlines.items() if any(k == "person" and s == "open" for k, s, _ in items)}
        documents = defaultdict(list)
        if with_person_deadline:
            for case_id, item, translated, certified in session.execute(
                sa_select(Document.case_id, Document.item_key, Document.translated, Document.certified)
                .where(Document.case_id.in_(with_person_deadline))
            ):
                documents[case_id].append(DocumentFacts(item=item, translated=translated, certified=certified))

        for row in rows:
            district = catalogue.districts[row.district]
            body = catalogue.bodies.get(row.body_key) if row.body_key else None
            missing: tuple[str, ...] = ()
            if row.id in with_person_deadline:
                profile = profile_from(
                    body_key=row.body_key, procedure=row.procedure, regulated=row.regulated, group=row.profession_group,
                    occupation_key=row.reference_occupation_key, lives_abroad=row.lives_abroad, name_changed=row.name_changed,
                )
                if profile is not None:
                    on_file = tuple(sorted(documents.get(row.id, ()), key=repr))
                    key = (profile, on_file)
                    if key not in missing_memo:
                        lines = checklist(checklist_rules, profile, on_file)
                        missing_memo[key] = tuple(line.item.title for line in missing_items(lines))
                    missing = missing_memo[key]
            facts.append(CaseFacts(
                case_id=row.id, reference=row.reference, district=row.district, state=row.state,
                person_name=f"{row.given_name} {row.family_name}", language=row.language,
                person_email=row.email, adviser_email=advisers.get(row.adviser_id) or district.welcome_center.email,
                body_email=body.email if body else None, body_name=body.name if body else None,
                deadlines=tuple(deadlines.get(row.id, ())), suspension_until=until.get(row.id),
                last_activity=row.last_activity_at.astimezone(BERLIN).date() if row.last_activity_at else None,
                missing_items=missing, appointments=tuple(appointments.get(row.id, ())),
                consent_withdrawn=row.person_id in withdrawn,
            ))
    return facts


# ------------------------------------------------------------------------------------- pending rows


@dataclass(frozen=True)
class Composed:
    reminder: Reminder
    subject: str
    body: str
    message_id: str


def write_pending(engine: Engine, composed: Sequence[Composed]) -> int:
    """Insert new pending rows; a row that exists already (same case, rule, day, recipient) is left
    alone. One short write transaction that starts with the insert (no read-then-write upgrade)."""
    if not composed:
        return 0
    values = [
        {
            "case_id": c.reminder.case_id, "case_reference": c.reminder.reference, "district": c.reminder.district,
            "rule": c.reminder.rule, "due_on": c.reminder.due_on, "recipient": c.reminder.recipient,
            "recipient_kind": c.reminder.recipient_kind.value, "language": c.reminder.language,
            "subject": c.subject, "body": c.body, "message_id": c.message_id, "state": OutboxState.PENDING.value,
            "attempts": 0, "created_at": datetime.now(ZoneInfo("UTC")),
        }
        for c in composed
    ]
    table = OutboxMessage.__table__
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["case_id", "rule", "due_on", "recipient"])
        .returning(table.c.id)
    )
    with engine.begin() as connection:  # executemany: compiled once, sent in batches
        return len(connection.execute(statement, values).all())


def cancel_gone(engine: Engine, *, case_ids: Iterable[int], still_due: set[tuple[int, str, date, str]]) -> int:
    """Pending reminders of the looked-at cases whose reason has gone are cancelled, not sent."""
    ids = set(case_ids)
    if not ids:
        return 0
    with Session(engine) as session:
        pending = session.exec(
            select(OutboxMessage).where(OutboxMessage.state == OutboxState.PENDING.value, OutboxMessage.case_id.in_(ids))
        ).all()
        gone = [row.id for row in pending if (row.case_id, row.rule, row.due_on, row.recipient) not in still_due]
    if not gone:
        return 0
    with engine.begin() as connection:
        connection.execute(
            update(OutboxMessage.__table__)
            .where(OutboxMessage.__table__.c.id.in_(gone), OutboxMessage.__table__.c.state == OutboxState.PENDING.value)
            .values(state=OutboxState.CANCELLED.value, last_error="Anlass entfallen (z. B. Unterlagen eingegangen, Fall entschieden)")
        )
    return len(gone)


WITHDRAWN_REASON = "Einwilligung widerrufen (Art. 7 Abs. 3 DSGVO): keine Erinnerung an die Person oder die Stelle"
STOPPED_BY_WITHDRAWAL = ("person", "body")
"""The recipients a withdrawal of consent stops reminders to: the person, and the responsible body
(a mail to the body passes the person's case on, which the consent allowed). Reminders to the
adviser go on: they are the Center's own work on its own mailbox (the deadlines it must keep, the
decision to erase or keep), no processing towards anyone else."""


def cancel_after_withdrawal(session: Session, *, case_ids: Iterable[int]) -> int:
    """Cancel the queued reminders (pending, not sent) of these cases to the person and the body, in
    the caller's transaction: the withdrawal and the cancellation commit together. A mail already
    claimed by a running sender (state sending) is in the server's hands or about to be; the next
    selection cannot queue a new one (domain.reminders: no such recipient after a withdrawal)."""
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    t = OutboxMessage.__table__
    result = session.execute(
        update(t)
        .where(t.c.case_id.in_(ids), t.c.state == OutboxState.PENDING.value,
               t.c.recipient_kind.in_(STOPPED_BY_WITHDRAWAL))
        .values(state=OutboxState.CANCELLED.value, last_error=WITHDRAWN_REASON)
    )
    return result.rowcount


# ------------------------------------------------------------------------------------- claiming


def claim(engine: Engine, *, worker: str, now: datetime, lease: timedelta, limit: int) -> list[int]:
    """Atomically take up to `limit` claimable rows for `worker`; returns their ids."""
    t = OutboxMessage.__table__
    claimable = or_(
        and_(t.c.state == OutboxState.PENDING.value, or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now)),
        and_(t.c.state == OutboxState.SENDING.value, t.c.claimed_until < now),
    )
    chosen = sa_select(t.c.id).where(claimable).order_by(t.c.id).limit(limit)
    claimed = update(t).values(
        state=OutboxState.SENDING.value, claimed_by=worker, claimed_until=now + lease, attempts=t.c.attempts + 1
    )
    if engine.dialect.name == "postgresql":
        # A materialised CTE runs the LIMIT … SKIP LOCKED choice exactly once; as an IN subquery
        # the planner may re-run it per row (seen with a just-analysed empty outbox: 298 of 300
        # rows taken with limit 200), which would let one worker take everything.
        picked = chosen.with_for_update(skip_locked=True).cte("chosen").prefix_with("MATERIALIZED")
        statement = claimed.where(t.c.id == picked.c.id, claimable)
    else:  # SQLite: one statement under the database's write lock
        statement = claimed.where(t.c.id.in_(chosen.scalar_subquery()), claimable)
    statement = statement.returning(t.c.id)
    with engine.begin() as connection:
        return sorted(connection.execute(statement).scalars().all())


def load_messages(engine: Engine, ids: Sequence[int]) -> list[OutboxMessage]:
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all())


def settle(connection: Connection, message_id_: int, *, worker: str, state: OutboxState, error: str | None = None,
           next_attempt_at: datetime | None = None, now: datetime | None = None, refund_attempt: bool = False) -> bool:
    """Record and commit the outcome of one send, only if this worker still holds the claim.
    `refund_attempt`: the mail was never offered (server unreachable), so it was no attempt."""
    t = OutboxMessage.__table__
    values = {"state": state.value, "claimed_by": None, "claimed_until": None, "last_error": error,
              "next_attempt_at": next_attempt_at}
    if refund_attempt:
        values["attempts"] = t.c.attempts - 1
    if state is OutboxState.SENT:
        values["sent_at"] = now
    result = connection.execute(
        update(t).where(t.c.id == message_id_, t.c.claimed_by == worker, t.c.state == OutboxState.SENDING.value).values(**values)
    )
    connection.commit()
    return bool(result.rowcount)


def undelivered(session: Session) -> list[OutboxMessage]:
    """What an adviser has to look at after a run: reminders refused for good or out of attempts
    (failed), claimed by a run (sending: in flight, or held by a run that was killed), and pending
    ones that already met an error (to be retried). Oldest due day first."""
    t = OutboxMessage
    return list(session.exec(
        select(t).where(or_(
            t.state.in_([OutboxState.FAILED.value, OutboxState.SENDING.value]),
            and_(t.state == OutboxState.PENDING.value, t.last_error.is_not(None)),
        )).order_by(t.due_on, t.case_reference, t.id)
    ).all())


def outbox_counts(session: Session, *, since: datetime | None = None) -> dict[tuple[str, str, str], int]:
    """Rows per (district, rule, state)."""
    query = select(OutboxMessage.district, OutboxMessage.rule, OutboxMessage.state, func.count()).group_by(
        OutboxMessage.district, OutboxMessage.rule, OutboxMessage.state
    )
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    return {(d, r, s): n for d, r, s, n in session.exec(query).all()}
