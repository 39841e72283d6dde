"""Taking in files: the inbox's batches and the web page's uploads, through the same steps.

Inbox (`take_in`, one batch in one transaction; `flows/intake.py` runs it per batch): files dropped
into `inbox/<case reference>/` become documents of the case, each exactly once, even when a run is
killed half way and started again:
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

Upload (`take_in_upload`, one file): a file an adviser uploads passes exactly the checks of a file
dropped into the inbox, is stored under the same SHA-256-derived name in
`cases/<reference>/documents/`, is recognised as a duplicate of a document already on the case, is
refused without the person's consent, and when turned away waits in quarantine beside a
`.reason.txt`, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from adapters.filestore import copy_into, quarantine, save_stream, write_reason
from domain.checklist import (
    ChecklistRules,
    guess_item,
    looks_certified,
    looks_translated,
)
from domain.files import FileVerdict, inspect_file, is_unsafe_name, safe_name
from models import AuditEvent, Consent, Person
from models.case import Case
from models.document import Document, IntakeFile
from models.selectors import checklist_profile, has_consent
from services.audit import audit_json, record_audit

NO_CASE_FOLDER = "_ohne_fall"
NO_CONSENT = "keine Einwilligung erfasst"


def refusal(name: str, verdict: FileVerdict) -> str | None:
    """Why a file with this name and content is turned away (German), or None."""
    unsafe = is_unsafe_name(name)
    if unsafe:
        return unsafe
    if not verdict.accepted:
        return verdict.reason
    return None


def stored_name(sha256: str, name: str) -> str:
    """<first 12 hex digits of the SHA-256>-<safe name>: a repeat copy writes the same file."""
    return f"{sha256[:12]}-{safe_name(Path(name).name)}"


def quarantine_name(case_reference: str | None, name: str) -> str:
    """<case or _ohne_fall>/<UTC time>-<safe name>: unique, and never outside the quarantine folder."""
    folder = safe_name(case_reference) if case_reference else NO_CASE_FOLDER
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{folder}/{stamp}-{safe_name(name.replace('/', '_'))}"










def ledger_row(inbox_path: str, case_reference: str | None, sha256: str, size: int, outcome: str, *, at: datetime,
               reason: str | None = None, quarantine: str | None = None, document_id: int | None = None) -> dict:
    return {
        "inbox_path": inbox_path[:600], "case_reference": case_reference[:20] if case_reference else None,
        "sha256": sha256, "size": size, "outcome": outcome, "reason": reason, "quarantine_path": quarantine,
        "document_id": document_id, "processed_at": at,
    }


def document_row(*, case_id: int, name: str, stored: str, verdict: FileVerdict, rules: ChecklistRules, profile,
                 source: str, at: datetime, item_key: str | None = None, translated: bool = False,
                 certified: bool = False) -> dict:
    """The Document columns of an accepted file; the checklist item is guessed from the name unless
    given, and translation / certified copy are read from the name as well as taken when given."""
    return {
        "case_id": case_id, "item_key": item_key or guess_item(name, rules, profile=profile),
        "original_name": name[:255], "stored_name": stored, "kind": verdict.kind.value, "size": verdict.size,
        "sha256": verdict.sha256, "translated": translated or looks_translated(name, rules),
        "certified": certified or looks_certified(name, rules), "source": source,
        "notes": "\n".join(verdict.notes) or None, "received_at": at,
    }


def document_audit(values: dict) -> dict:
    return {k: values[k] for k in ("original_name", "kind", "sha256", "item_key", "translated", "certified")}


# ------------------------------------------------------------------------------------- the inbox

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


# ------------------------------------------------------------------------------------- one upload


@dataclass(frozen=True)
class Upload:
    """What became of one uploaded file: accepted (a document), duplicate or rejected (in
    quarantine, `quarantine_path` relative to the quarantine folder), or held (no consent: nothing
    stored). `reason` is German, for the adviser; `notes` are remarks that did not refuse it."""

    outcome: str
    reason: str | None = None
    document_id: int | None = None
    quarantine_path: str | None = None
    notes: tuple[str, ...] = ()


def take_in_upload(
    session: Session,
    *,
    case: Case,
    stream: BinaryIO,
    name: str,
    cases_dir: Path,
    quarantine_dir: Path,
    rules: ChecklistRules,
    profile,
    max_bytes: int,
    actor: str,
    item_key: str | None = None,
    translated: bool = False,
    certified: bool = False,
) -> Upload:
    """Judge and store one uploaded file of `case` (see the module docstring) and commit.

    As in the inbox, the content is written into the case folder before the Document row commits,
    and a turned-away file's ledger row commits before the file is written into quarantine. The
    audit entry names the adviser (`actor`) for an accepted and for a refused file alike.
    """
    shown_as = f"{case.reference}/{name}"
    if not has_consent(session, person_id=case.person_id):
        return Upload("held", f"{NO_CONSENT}: ohne Einwilligung der Person wird kein Dokument gespeichert; "
                              "bitte zuerst die Einwilligung erfassen")
    verdict = inspect_file(stream, name=name, max_bytes=max_bytes)
    sha = verdict.sha256 or f"size:{verdict.size}"
    now = datetime.now(UTC)
    reason = refusal(name, verdict)
    outcome = "rejected"
    if reason is None:
        twin = session.exec(select(Document.original_name).where(Document.case_id == case.id, Document.sha256 == sha)).first()
        if twin is not None:
            outcome, reason = "duplicate", f"Duplikat: identisch mit Dokument „{twin}“ des Falls"
    if reason is not None:
        relative = quarantine_name(case.reference, name)
        session.add(IntakeFile(**ledger_row(shown_as, case.reference, sha, verdict.size, outcome, at=now,
                                            reason=reason, quarantine=relative)))
        record_audit(session, actor=actor, action="document.quarantine", entity="document", case_reference=case.reference,
                     person_id=case.person_id, after={"original_name": name[:255], "sha256": sha, "outcome": outcome,
                                                      "reason": reason, "quarantine_path": relative})
        session.commit()
        target = quarantine_dir / relative
        write_reason(target, shown_as=shown_as, reason=reason, source=f"hochgeladen von {actor}")
        save_stream(stream, target)
        return Upload(outcome, reason, quarantine_path=relative)

    stored = stored_name(sha, name)
    save_stream(stream, cases_dir / case.reference / "documents" / stored)
    values = document_row(case_id=case.id, name=name, stored=stored, verdict=verdict, rules=rules, profile=profile,
                          source="upload", at=now, item_key=item_key, translated=translated, certified=certified)
    document = Document(**values)
    session.add(document)
    session.flush()
    session.add(IntakeFile(**ledger_row(shown_as, case.reference, sha, verdict.size, "accepted", at=now,
                                        document_id=document.id)))
    record_audit(session, actor=actor, action="document.add", entity="document", entity_id=document.id,
                 case_reference=case.reference, person_id=case.person_id, after={**document_audit(values), "source": "upload"})
    session.commit()
    return Upload("accepted", document_id=document.id, notes=verdict.notes)
