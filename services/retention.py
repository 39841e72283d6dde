"""The retention run: what has outlived its period in data/retention.yaml goes (Art. 5 Abs. 1 lit. e,
Art. 17 Abs. 1 lit. a DSGVO).

- cases closed or withdrawn longer ago than the period: erased through `services.erasure.erase_cases`
  (every table, file and folder of the case; the person too once no case of theirs remains);
- files in the quarantine (with their `.reason.txt`) and the inbox ledger's rows that name them;
- the subject and text of reminder mails sent or cancelled longer ago than the period. The row stays:
  its key (case, rule, due day, recipient) and the Message-ID derived from it are what keep the
  reminder from being sent a second time while the reminder run still looks back at its due day,
  and it goes with its case. Failed mails keep their text: `reminders resend` sends it as composed,
  once the adviser has corrected the address;
- counts of failed logins whose window and lock have ended, the old login ledger, expired sessions.

Prefect's own records (flow runs, logs, artifacts) are Prefect's: flows/retention.py removes them
through Prefect's client, this module only renders them into the summary.

`plan` reads and changes nothing; `apply` erases what `plan` lists. Each kind is erased by its own
statements and committed on its own, every statement selects only what is still there, so a run cut
off half way is finished by the next one and a second run erases nothing. What either returns is
counts and case references: never a name, an address or a file name.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.files import REASON_SUFFIX
from domain.lifecycle import FINAL_STATES, Event
from domain.retention import BERLIN, Kind, RetentionRule, RetentionRules
from models.case import Case, CaseEvent
from models.db import session_scope
from models.document import IntakeFile
from models.outbox import OutboxMessage, OutboxState
from models.web_session import LoginAttempt, LoginThrottle, WebSession
from services.accounts import FAILURE_WINDOW
from services.audit import record_audit
from services.erasure import erase_cases

CASE_BATCH = 50  # cases per erase_cases call: a run cut off keeps what the batches before committed
_STAMP = re.compile(r"^(\d{8}T\d{6})-[0-9a-zA-Z]{8}-")
_ENDING = (Event.CLOSE.value, Event.WITHDRAW.value)
_DONE_MAIL = (OutboxState.SENT.value, OutboxState.CANCELLED.value)


@dataclass(frozen=True)
class RetentionPlan:
    """What a run on `today` erases: counts per kind and the references of the cases."""

    today: date
    case_references: tuple[str, ...] = ()
    counts: dict[Kind, int] = field(default_factory=dict)

    def count(self, kind: Kind) -> int:
        return self.counts.get(kind, 0)


@dataclass(frozen=True)
class RetentionResult:
    """What a run erased (same shape as the plan); `erasure` is what erase_cases reported."""

    today: date
    case_references: tuple[str, ...] = ()
    counts: dict[Kind, int] = field(default_factory=dict)
    erasure: tuple = ()

    def count(self, kind: Kind) -> int:
        return self.counts.get(kind, 0)

    @property
    def persons(self) -> int:
        """Persons erased with their last case."""
        return sum(summary.persons for summary in self.erasure)


# ------------------------------------------------------------------------------------------- plan


def plan(engine: Engine, *, today: date, rules: RetentionRules, home: Path) -> RetentionPlan:
    """What `apply` would erase on `today`; reads only."""
    with Session(engine) as session:
        cases = expired_cases(session, today=today, rule=rules[Kind.CLOSED_CASES])
        counts = {
            Kind.CLOSED_CASES: len(cases),
            Kind.QUARANTINE: sum(not path.name.endswith(REASON_SUFFIX) for path in
                                 _expired_quarantine(session, home / "quarantine", rules[Kind.QUARANTINE], today)[0]),
            Kind.OUTBOX_BODIES: session.scalar(select(func.count()).select_from(OutboxMessage).where(
                _outbox_expired(rules[Kind.OUTBOX_BODIES], today))) or 0,
            Kind.LOGIN_ATTEMPTS: sum(session.scalar(select(func.count()).select_from(table).where(condition)) or 0
                                     for table, condition in _login_expired(rules[Kind.LOGIN_ATTEMPTS], today)),
            Kind.WEB_SESSIONS: session.scalar(select(func.count()).select_from(WebSession).where(
                _sessions_expired(rules[Kind.WEB_SESSIONS], today))) or 0,
        }
    return RetentionPlan(today, tuple(reference for _, reference in cases), counts)


def expired_cases(session: Session, *, today: date, rule: RetentionRule) -> list[tuple[int, str]]:
    """(id, reference) of the cases closed or withdrawn at least the period before `today`.

    The end is the latest day of a close or withdrawal, each on the day of its latest correction
    (services.cases.correct_event keeps the original and adds the correction); a case in a final
    state without such an event (imported closed) counts from its last change."""
    final = [state.value for state in FINAL_STATES]
    cases = session.execute(select(Case.id, Case.reference, Case.updated_at).where(Case.state.in_(final))).all()
    if not cases:
        return []
    ended: dict[int, date] = {}
    ids = [case_id for case_id, _, _ in cases]
    for chunk in _chunks(ids, 500):
        events = session.execute(
            select(CaseEvent.id, CaseEvent.case_id, CaseEvent.occurred_on, CaseEvent.corrects_id)
            .where(CaseEvent.case_id.in_(chunk), CaseEvent.event.in_(_ENDING)).order_by(CaseEvent.id)
        ).all()
        effective: dict[tuple[int, int], date] = {}
        for event_id, case_id, occurred_on, corrects_id in events:  # ordered by id: the latest correction wins
            effective[(case_id, corrects_id or event_id)] = occurred_on
        for (case_id, _), day in effective.items():
            ended[case_id] = max(day, ended.get(case_id, day))
    result = []
    for case_id, reference, updated_at in cases:
        end = ended.get(case_id) or _berlin_day(updated_at)
        if rule.expired(end, today):
            result.append((case_id, reference))
    return sorted(result, key=lambda item: item[1])


def _outbox_expired(rule: RetentionRule, today: date):
    cutoff = rule.moment_cutoff(today)
    return and_(
        OutboxMessage.body != "",
        or_(and_(OutboxMessage.state == OutboxState.SENT.value, OutboxMessage.sent_at <= cutoff),
            and_(OutboxMessage.state == OutboxState.CANCELLED.value, OutboxMessage.created_at <= cutoff)),
    )


def _login_expired(rule: RetentionRule, today: date):
    """(table, condition) of the login counts whose window and lock ended at least the period ago,
    and of the old ledger's rows (no longer written since migration 0008)."""
    cutoff = rule.moment_cutoff(today)
    return (
        (LoginThrottle, and_(LoginThrottle.window_start <= cutoff - FAILURE_WINDOW,
                             or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= cutoff))),
        (LoginAttempt, LoginAttempt.at <= cutoff),
    )


def _sessions_expired(rule: RetentionRule, today: date):
    return WebSession.expires_at <= rule.moment_cutoff(today)


def _expired_quarantine(session: Session, folder: Path, rule: RetentionRule, today: date) -> tuple[list[Path], list[int]]:
    """The quarantined files past the period (each with its reason beside it) and the ledger rows of
    refused files past the period.

    A file's time is the UTC time in its quarantine name (services.intake.quarantine_name); a file
    without one (put there by hand) counts from the later of its modification and its inode change
    (a rename into the quarantine changes the latter, never the former)."""
    cutoff = rule.moment_cutoff(today)
    files: list[Path] = []
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            name = path.name
            if name.endswith(REASON_SUFFIX) and os.path.lexists(path.with_name(name.removesuffix(REASON_SUFFIX))):
                continue  # goes with its file
            if _quarantined_at(path) <= cutoff:
                files.append(path)
    rows = session.scalars(select(IntakeFile.id).where(
        IntakeFile.quarantine_path.is_not(None), IntakeFile.processed_at <= cutoff)).all()
    return files, list(rows)


def _quarantined_at(path: Path) -> datetime:
    stamp = _STAMP.match(path.name.removesuffix(REASON_SUFFIX))
    if stamp:
        try:
            return datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        status = path.lstat()
    except FileNotFoundError:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.fromtimestamp(max(status.st_mtime, status.st_ctime), UTC)


# ------------------------------------------------------------------------------------------ apply


def apply(engine: Engine, *, today: date, rules: RetentionRules, home: Path, actor: str) -> RetentionResult:
    """Erase what has expired on `today`; each kind committed on its own (see the module's docstring).
    The run is audited with its counts (no personal value); each erased case by erase_cases."""
    counts: dict[Kind, int] = {}
    with Session(engine) as session:
        cases = expired_cases(session, today=today, rule=rules[Kind.CLOSED_CASES])
    summaries = []
    rule = rules[Kind.CLOSED_CASES]
    reason = f"Aufbewahrungsfrist abgelaufen: {rule.period_text} nach Abschluss oder Rücknahme des Falls"
    for batch in _chunks([case_id for case_id, _ in cases], CASE_BATCH):
        summaries.append(erase_cases(engine, batch, actor=actor, reason=reason, home=home))
    counts[Kind.CLOSED_CASES] = len(cases)

    counts[Kind.QUARANTINE] = _erase_quarantine(engine, home / "quarantine", rules[Kind.QUARANTINE], today)
    with session_scope(engine) as session:
        counts[Kind.OUTBOX_BODIES] = session.execute(
            update(OutboxMessage).where(_outbox_expired(rules[Kind.OUTBOX_BODIES], today))
            .values(subject="", body="", last_error=None).execution_options(synchronize_session=False)
        ).rowcount or 0
    with session_scope(engine) as session:
        counts[Kind.LOGIN_ATTEMPTS] = sum(
            session.execute(delete(table).where(condition).execution_options(synchronize_session=False)).rowcount or 0
            for table, condition in _login_expired(rules[Kind.LOGIN_ATTEMPTS], today))
        counts[Kind.WEB_SESSIONS] = session.execute(
            delete(WebSession).where(_sessions_expired(rules[Kind.WEB_SESSIONS], today))
            .execution_options(synchronize_session=False)).rowcount or 0
    if any(counts.values()):
        with session_scope(engine) as session:
            record_audit(session, actor=actor, action="retention.run", entity="retention",
                         after={"day": today.isoformat(), **{kind.value: n for kind, n in counts.items()},
                                "cases": [reference for _, reference in cases]})
    return RetentionResult(today, tuple(reference for _, reference in cases), counts, tuple(summaries))


def _erase_quarantine(engine: Engine, folder: Path, rule: RetentionRule, today: date) -> int:
    """Files first (each with its reason), then the ledger rows: a row naming a file already gone
    is harmless, and the next run removes it."""
    with Session(engine) as session:
        files, rows = _expired_quarantine(session, folder, rule, today)
    erased = 0
    for path in files:
        path.unlink(missing_ok=True)
        if not path.name.endswith(REASON_SUFFIX):
            path.with_name(path.name + REASON_SUFFIX).unlink(missing_ok=True)
            erased += 1
    _remove_emptied_folders(folder, {path.parent for path in files})
    with session_scope(engine) as session:
        for chunk in _chunks(rows, 500):
            session.execute(delete(IntakeFile).where(IntakeFile.id.in_(chunk)).execution_options(synchronize_session=False))
    return erased


def _remove_emptied_folders(folder: Path, emptied: set[Path]) -> None:
    """The per-case folders this run emptied (their names are case references); never the quarantine
    itself, and never a folder it did not empty (the inbox may be creating one right now)."""
    for path in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        if path != folder and folder in path.parents:
            with contextlib.suppress(OSError):  # not empty: a file came in meanwhile
                path.rmdir()


# ---------------------------------------------------------------------------------------- summary

KIND_DE = {
    Kind.CLOSED_CASES: "Fälle (abgeschlossen oder zurückgezogen) mit Dokumenten, Briefen und Mails; "
                       "die Person, wenn ihr kein Fall bleibt",
    Kind.QUARANTINE: "Dateien in Quarantäne",
    Kind.OUTBOX_BODIES: "Texte versandter oder stornierter Erinnerungsmails",
    Kind.LOGIN_ATTEMPTS: "Zählungen fehlgeschlagener Anmeldungen",
    Kind.WEB_SESSIONS: "abgelaufene Sitzungen der Web-Seite",
    Kind.PREFECT_RUNS: "Prefect-Läufe mit Protokollen und Berichten",
}


def summary_markdown(*, today: date, dry_run: bool, counts: dict[Kind, int], case_references: Sequence[str],
                     rules: RetentionRules, persons: int | None = None) -> str:
    """The run's artifact: counts per kind with the rule and its source, and the case references.
    Nothing else: no name, no address, no file name."""
    title = "Aufbewahrung: Probelauf (nichts gelöscht)" if dry_run else "Aufbewahrung: Löschlauf"
    verb = "würde löschen" if dry_run else "gelöscht"
    lines = [f"# {title} am {today:%d.%m.%Y}", "", f"| Art der Daten | {verb} | Frist | ab | Quelle |", "|---|---:|---|---|---|"]
    for kind in Kind:
        rule = rules[kind]
        source = rule.source.replace("|", "/") + ("" if rule.verified else " (Frist: Entscheidung des Welcome Centers)")
        lines.append(f"| {KIND_DE[kind]} | {counts.get(kind, 0)} | {rule.period_text} | {rule.starts} | {source} |")
    if case_references:
        lines += ["", "Fälle: " + ", ".join(case_references)]
    if persons:
        lines += ["", f"Personen ohne verbleibenden Fall, mit ihnen gelöscht: {persons}"]
    return "\n".join(lines) + "\n"


def summary_line(*, today: date, dry_run: bool, counts: dict[Kind, int]) -> str:
    """One line for the artifact's description (`welcome-center runs`, the Läufe page)."""
    verb = "würde löschen" if dry_run else "gelöscht"
    parts = ", ".join(f"{kind.value} {counts.get(kind, 0)}" for kind in Kind)
    return f"Aufbewahrung {today:%d.%m.%Y} ({verb}): {parts}"


# ------------------------------------------------------------------------------------------ helpers


def _berlin_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BERLIN).date()


def _chunks(values: Iterable, size: int):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]
