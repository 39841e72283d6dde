"""Inbox intake: files dropped into `inbox/<case reference>/` become documents of the case.

One flow run per inbox sweep, one task per batch of files (not per file: a Prefect task run costs
milliseconds of bookkeeping, checking a file costs microseconds).

Each file, exactly once, even when a run is killed half way and started again:
1. its content is judged (`domain.files.inspect_file`: type from the content, size limit, DOCX
   zip bombs and macros) and its name checked (`is_unsafe_name`);
2. accepted: the content is copied into the case's documents folder under a name derived from its
   SHA-256 (a repeat copy writes the same file), then the Document, the ledger row (`IntakeFile`)
   and the audit entry are committed together, then the inbox file is removed;
   turned away: the ledger row is committed first, then the file is moved into the quarantine folder
   beside a `.reason.txt` — never deleted;
3. a re-run finds the ledger row of a file whose last step was cut off and finishes that step only
   (a turned-away file dropped again after its move completed is judged anew).
A file for a person without recorded consent is left in the inbox untouched ("held") and taken in
by the first run after the consent is recorded: no document is stored without consent.

The steps for one file (judge, store, quarantine with the reason) are plain functions in
`flows/intake_files.py`, which the web page's upload uses too.

Settings, catalogue and engine come from the composition root's loaders (`welcome_center.*`): a
deployment's worker starts at this module, so it builds them from the environment itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.checklist import ChecklistRules
from domain.files import inspect_file
from flows.intake_files import (
    NO_CASE_FOLDER,
    copy_into,
    document_audit,
    document_row,
    ledger_row,
    quarantine,
    quarantine_name,
    refusal,
    stored_name,
)
from models import AuditEvent, Case, Consent, Document, IntakeFile, Person
from models.selectors import checklist_profile
from models.services import audit_json

ACTOR = "flow:intake"


@dataclass(frozen=True)
class InboxFile:
    path: Path
    case_reference: str | None  # None: dropped straight into the inbox, not into a case folder
    name: str  # as dropped, relative to the case folder (may contain a sub-folder)

    @property
    def inbox_path(self) -> str:
        return f"{self.case_reference or NO_CASE_FOLDER}/{self.name}"


@dataclass(frozen=True)
class Outcome:
    inbox_path: str
    case_reference: str | None
    outcome: str  # accepted | duplicate | rejected | held | finished
    reason: str | None = None


def scan_inbox(inbox: Path) -> list[InboxFile]:
    """Every file under the inbox, oldest first; symlinks are listed too (and turned away)."""
    found: list[InboxFile] = []
    if not inbox.exists():
        return found
    for path in sorted(inbox.rglob("*"), key=lambda p: (p.parts, p.name)):
        if path.is_dir() and not path.is_symlink():
            continue
        relative = path.relative_to(inbox)
        if len(relative.parts) == 1:
            found.append(InboxFile(path, None, relative.parts[0]))
        else:
            found.append(InboxFile(path, relative.parts[0], "/".join(relative.parts[1:])))
    return found


def batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def take_in(
    files: list[InboxFile],
    *,
    engine: Engine,
    cases_dir: Path,
    quarantine_dir: Path,
    rules: ChecklistRules,
    max_bytes: int,
) -> list[Outcome]:
    """Judge and store one batch in one transaction; then move the files (see module docstring).

    What the batch needs from the database is read up front (cases, consents, the ledger, the
    documents already on the cases) and the batch is written with set inserts at the end: the
    per-file cost is reading and copying the file.
    """
    outcomes: list[Outcome] = []
    removals: list[Path] = []
    moves: list[tuple[InboxFile, str, str]] = []  # file, quarantine path, reason
    documents: list[dict] = []  # new Document rows, in the order of `accepted`
    accepted: list[tuple[InboxFile, Case]] = []
    ledger: list[dict] = []
    now = datetime.now(UTC)

    def turn_away(item: InboxFile, sha: str, size: int, outcome: str, reason: str) -> None:
        relative = _quarantine_name(item)
        ledger.append(_ledger_row(item, sha, size, outcome, reason=reason, quarantine=relative, at=now))
        moves.append((item, relative, reason))
        outcomes.append(Outcome(item.inbox_path, item.case_reference, outcome, reason))

    with Session(engine, expire_on_commit=False) as session:
        known = _batch_facts(session, files)
        for item in files:
            if item.path.is_symlink():
                turn_away(item, "", 0, "rejected", "Verknüpfung (Symlink) statt Datei; bitte die Datei selbst ablegen")
                continue
            with item.path.open("rb") as stream:
                verdict = inspect_file(stream, name=item.name, max_bytes=max_bytes)
            sha = verdict.sha256 or f"size:{verdict.size}"
            done = known.ledger.get((item.inbox_path, sha))
            if done is not None and done.outcome == "accepted":
                # cut off before the inbox file was removed, or the same file dropped again: its
                # content is stored already, so only the last step remains
                removals.append(item.path)
                outcomes.append(Outcome(item.inbox_path, item.case_reference, "finished", "bereits übernommen"))
                continue
            if done is not None and not (quarantine_dir / done.quarantine_path).exists():
                # cut off between the commit and the move: finish the move
                moves.append((item, done.quarantine_path, done.reason))
                outcomes.append(Outcome(item.inbox_path, item.case_reference, "finished", done.reason))
                continue

            case = known.cases.get(item.case_reference or "")
            reason = _refusal(item, case, verdict)
            if reason is not None or case is None:
                turn_away(item, sha, verdict.size, "rejected", reason)
                continue
            if case.person_id not in known.consented:
                outcomes.append(Outcome(item.inbox_path, item.case_reference, "held", "keine Einwilligung erfasst"))
                continue
            twin = known.documents.get((case.id, sha))
            if twin is not None:
                turn_away(item, sha, verdict.size, "duplicate",
                          f"Duplikat: identisch mit Dokument „{twin}“ des Falls")
                continue
            stored = stored_name(sha, item.name)
            copy_into(item.path, cases_dir / case.reference / "documents" / stored)
            known.documents[(case.id, sha)] = item.name
            documents.append(document_row(case_id=case.id, name=item.name, stored=stored, verdict=verdict, rules=rules,
                                          profile=known.profiles.get(case.id), source="inbox", at=now))
            accepted.append((item, case))
            removals.append(item.path)
            outcomes.append(Outcome(item.inbox_path, item.case_reference, "accepted"))

        if documents:
            table = Document.__table__
            ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), documents).scalars().all()
            audit = []
            for document_id, values, (item, case) in zip(ids, documents, accepted):
                ledger.append(_ledger_row(item, values["sha256"], values["size"], "accepted", document_id=document_id, at=now))
                audit.append({
                    "at": now, "actor": ACTOR, "action": "document.add", "entity": "document", "entity_id": document_id,
                    "case_reference": case.reference, "person_id": case.person_id, "before": None,
                    "after": audit_json(document_audit(values)),
                })
            session.execute(insert(AuditEvent.__table__), audit)
        if ledger:
            session.execute(insert(IntakeFile.__table__), ledger)
        session.commit()

    for path in removals:
        path.unlink(missing_ok=True)
    for item, relative, reason in moves:
        _quarantine(item, quarantine_dir / relative, reason)
    return outcomes


@dataclass
class _Known:
    cases: dict[str, Case]
    consented: set[int]  # person ids with a consent not withdrawn
    profiles: dict[int, object]
    ledger: dict[tuple[str, str], IntakeFile]  # (inbox path, sha256) → newest row
    documents: dict[tuple[int, str], str]  # (case id, sha256) → original name


def _batch_facts(session: Session, files: list[InboxFile]) -> _Known:
    """Everything a batch needs to know from the database, in five queries."""
    references = {f.case_reference for f in files if f.case_reference}
    cases = {c.reference: c for c in session.exec(select(Case).where(Case.reference.in_(references))).all()} if references else {}
    person_ids = {c.person_id for c in cases.values()}
    people = {p.id: p for p in session.exec(select(Person).where(Person.id.in_(person_ids))).all()} if person_ids else {}
    consented = set(session.exec(
        select(Consent.person_id).where(Consent.person_id.in_(person_ids), Consent.withdrawn_on.is_(None))
    ).all()) if person_ids else set()
    ledger: dict[tuple[str, str], IntakeFile] = {}
    paths = [f.inbox_path for f in files]
    for row in session.exec(select(IntakeFile).where(IntakeFile.inbox_path.in_(paths)).order_by(IntakeFile.id)).all():
        ledger[(row.inbox_path, row.sha256)] = row  # the newest wins
    case_ids = [c.id for c in cases.values()]
    documents = {
        (case_id, sha): name
        for case_id, sha, name in session.execute(
            select(Document.case_id, Document.sha256, Document.original_name).where(Document.case_id.in_(case_ids))
        ).all()
    } if case_ids else {}
    profiles = {c.id: checklist_profile(c, people[c.person_id]) for c in cases.values()}
    return _Known(cases, consented, profiles, ledger, documents)


def _refusal(item: InboxFile, case: Case | None, verdict) -> str | None:
    if item.case_reference is None:
        return "nicht in einem Fall-Ordner abgelegt; bitte in inbox/<Aktenzeichen>/ ablegen"
    if case is None:
        return f"kein Fall mit dem Aktenzeichen „{item.case_reference[:30]}“; Ordnernamen prüfen (z. B. VER-2026-0042)"
    return refusal(item.name, verdict)


def _ledger_row(item: InboxFile, sha256: str, size: int, outcome: str, *, at: datetime, reason: str | None = None,
                quarantine: str | None = None, document_id: int | None = None) -> dict:
    return ledger_row(item.inbox_path, item.case_reference, sha256, size, outcome, at=at, reason=reason,
                      quarantine=quarantine, document_id=document_id)


def _quarantine_name(item: InboxFile) -> str:
    return quarantine_name(item.case_reference, item.name)


def _quarantine(item: InboxFile, target: Path, reason: str) -> None:
    if not (item.path.exists() or item.path.is_symlink()):
        return  # moved by the run that was cut off
    quarantine(item.path, target, shown_as=item.inbox_path, reason=reason)


# ------------------------------------------------------------------------------------- Prefect


@task(name="scan-inbox", cache_policy=NO_CACHE)
def scan_task(inbox: str) -> list[InboxFile]:
    return scan_inbox(Path(inbox))


@task(name="take-in-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def take_in_task(files: list[InboxFile]) -> list[Outcome]:
    from welcome_center.catalogue import load_checklist_rules
    from welcome_center.database import configured_engine
    from welcome_center.settings import get_settings

    settings = get_settings()
    return take_in(
        files, engine=configured_engine(), cases_dir=settings.cases_dir, quarantine_dir=settings.quarantine_dir,
        rules=load_checklist_rules(), max_bytes=settings.max_file_bytes,
    )


@task(name="intake-report", cache_policy=NO_CACHE)
def report_task(outcomes: list[Outcome]) -> dict[str, int]:
    counts = Counter(o.outcome for o in outcomes)
    per_case: dict[str, Counter] = {}
    for item in outcomes:
        per_case.setdefault(item.case_reference or NO_CASE_FOLDER, Counter())[item.outcome] += 1
    table = [{"Fall": ref, **{k: v for k, v in sorted(c.items())}} for ref, c in sorted(per_case.items())]
    if table:
        create_table_artifact(table=table, key="intake-report", description=f"Posteingang: {dict(counts)}")
    return dict(counts)


@flow(name="intake", log_prints=True)
def intake_flow(inbox: str | None = None, batch_size: int = 200) -> list[Outcome]:
    """Take in every file waiting in the inbox (see the module docstring)."""
    from welcome_center.settings import get_settings

    files = scan_task(inbox or str(get_settings().inbox_dir))
    outcomes: list[Outcome] = []
    for batch in batches(files, batch_size):
        outcomes.extend(take_in_task(batch))
    report_task(outcomes)
    return outcomes
