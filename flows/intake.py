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

Settings, catalogue and engine come from the composition root's loaders (`welcome_center.*`): a
deployment's worker starts at this module, so it builds them from the environment itself.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.checklist import ChecklistRules, guess_item, looks_certified, looks_translated
from domain.files import inspect_file, is_unsafe_name, safe_name
from models import Case, Document, IntakeFile, Person
from models.selectors import checklist_profile, document_by_sha, has_consent, intake_ledger
from models.services import record_audit

ACTOR = "flow:intake"
NO_CASE_FOLDER = "_ohne_fall"


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
    """Judge and store one batch in one transaction; then move the files (see module docstring)."""
    outcomes: list[Outcome] = []
    removals: list[Path] = []
    moves: list[tuple[InboxFile, str, str]] = []  # file, quarantine path, reason
    with Session(engine, expire_on_commit=False) as session:
        references = {f.case_reference for f in files if f.case_reference}
        cases = {
            c.reference: c for c in session.exec(select(Case).where(Case.reference.in_(references))).all()
        } if references else {}
        consent: dict[int, bool] = {}
        profiles = {
            c.id: checklist_profile(c, session.get(Person, c.person_id)) for c in cases.values()
        }

        for item in files:
            if item.path.is_symlink():
                reason = "Verknüpfung (Symlink) statt Datei; bitte die Datei selbst ablegen"
                ledger = _ledger(session, item, sha256="", size=0, outcome="rejected", reason=reason, quarantine=_quarantine_name(item))
                moves.append((item, ledger.quarantine_path, reason))
                outcomes.append(Outcome(item.inbox_path, item.case_reference, "rejected", reason))
                continue
            with item.path.open("rb") as stream:
                verdict = inspect_file(stream, name=item.name, max_bytes=max_bytes)
            sha = verdict.sha256 or f"size:{verdict.size}"
            done = intake_ledger(session, inbox_path=item.inbox_path, sha256=sha)
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

            case = cases.get(item.case_reference or "")
            reason = _refusal(item, case, verdict)
            if reason is None and case is not None:
                if case.person_id not in consent:
                    consent[case.person_id] = has_consent(session, person_id=case.person_id)
                if not consent[case.person_id]:
                    outcomes.append(Outcome(item.inbox_path, item.case_reference, "held", "keine Einwilligung erfasst"))
                    continue
                twin = document_by_sha(session, case_id=case.id, sha256=sha)
                if twin is not None:
                    reason = f"Duplikat: identisch mit Dokument „{twin.original_name}“ (Nr. {twin.id}) des Falls"
                    ledger = _ledger(session, item, sha256=sha, size=verdict.size, outcome="duplicate", reason=reason, quarantine=_quarantine_name(item))
                    moves.append((item, ledger.quarantine_path, reason))
                    outcomes.append(Outcome(item.inbox_path, item.case_reference, "duplicate", reason))
                    continue
                stored_name = f"{sha[:12]}-{safe_name(Path(item.name).name)}"
                _copy_into(item.path, cases_dir / case.reference / "documents" / stored_name)
                document = Document(
                    case_id=case.id,
                    item_key=guess_item(item.name, rules, profile=profiles.get(case.id)),
                    original_name=item.name[:255],
                    stored_name=stored_name,
                    kind=verdict.kind.value,
                    size=verdict.size,
                    sha256=sha,
                    translated=looks_translated(item.name, rules),
                    certified=looks_certified(item.name, rules),
                    source="inbox",
                    notes="\n".join(verdict.notes) or None,
                )
                session.add(document)
                session.flush()
                _ledger(session, item, sha256=sha, size=verdict.size, outcome="accepted", document_id=document.id)
                record_audit(
                    session, actor=ACTOR, action="document.add", entity="document", entity_id=document.id,
                    case_reference=case.reference, person_id=case.person_id,
                    after={"original_name": document.original_name, "kind": document.kind, "sha256": sha,
                           "item_key": document.item_key, "translated": document.translated, "certified": document.certified},
                )
                removals.append(item.path)
                outcomes.append(Outcome(item.inbox_path, item.case_reference, "accepted"))
                continue

            ledger = _ledger(session, item, sha256=sha, size=verdict.size, outcome="rejected", reason=reason, quarantine=_quarantine_name(item))
            moves.append((item, ledger.quarantine_path, reason))
            outcomes.append(Outcome(item.inbox_path, item.case_reference, "rejected", reason))
        session.commit()

    for path in removals:
        path.unlink(missing_ok=True)
    for item, relative, reason in moves:
        _quarantine(item, quarantine_dir / relative, reason)
    return outcomes


def _refusal(item: InboxFile, case: Case | None, verdict) -> str | None:
    if item.case_reference is None:
        return "nicht in einem Fall-Ordner abgelegt; bitte in inbox/<Aktenzeichen>/ ablegen"
    if case is None:
        return f"kein Fall mit dem Aktenzeichen „{item.case_reference[:30]}“; Ordnernamen prüfen (z. B. VER-2026-0042)"
    unsafe = is_unsafe_name(item.name)
    if unsafe:
        return unsafe
    if not verdict.accepted:
        return verdict.reason
    return None


def _ledger(session: Session, item: InboxFile, *, sha256: str, size: int, outcome: str,
            reason: str | None = None, quarantine: str | None = None, document_id: int | None = None) -> IntakeFile:
    row = IntakeFile(
        inbox_path=item.inbox_path[:600], case_reference=(item.case_reference or None) and item.case_reference[:20],
        sha256=sha256, size=size, outcome=outcome, reason=reason, quarantine_path=quarantine, document_id=document_id,
    )
    session.add(row)
    session.flush()
    return row


def _quarantine_name(item: InboxFile) -> str:
    """<case or _ohne_fall>/<UTC time>-<safe name>: unique, and never outside the quarantine folder."""
    folder = safe_name(item.case_reference) if item.case_reference else NO_CASE_FOLDER
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{folder}/{stamp}-{safe_name(item.name.replace('/', '_'))}"


def _copy_into(source: Path, target: Path) -> None:
    """Write the copy beside its final name and rename it: a crash leaves no half file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def _quarantine(item: InboxFile, target: Path, reason: str) -> None:
    if not (item.path.exists() or item.path.is_symlink()):
        return  # moved by the run that was cut off
    target.parent.mkdir(parents=True, exist_ok=True)
    target.with_name(target.name + ".reason.txt").write_text(
        f"Datei: {item.inbox_path!r}\nGrund: {reason}\nZeit (UTC): {datetime.now(UTC):%Y-%m-%d %H:%M:%S}\n",
        encoding="utf-8",
    )
    os.replace(item.path, target)


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
