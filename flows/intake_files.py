"""One file into a case's folder or into quarantine: the steps the inbox and the web upload share.

Plain functions, no Prefect (like `flows/letters_batch.py` beside `flows/letters.py`): the inbox
flow (`flows/intake.py`) calls the small steps for each file of a batch, and the web page's upload
calls `take_in_upload` for one file, so a file an adviser uploads passes exactly the checks of a
file dropped into the inbox (`domain.files.inspect_file` on the content, `is_unsafe_name` on the
name), is stored under the same SHA-256-derived name in `cases/<reference>/documents/`, is
recognised as a duplicate of a document already on the case, is refused without the person's
consent, and when turned away waits in quarantine beside a `.reason.txt`, never deleted.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, select

from domain.checklist import ChecklistRules, guess_item, looks_certified, looks_translated
from domain.files import FileVerdict, inspect_file, is_unsafe_name, safe_name
from models.case import Case
from models.document import Document, IntakeFile
from models.selectors import has_consent
from models.services import record_audit

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


def copy_into(source: Path, target: Path) -> None:
    """Write the copy beside its final name and rename it: a crash leaves no half file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def save_stream(stream: BinaryIO, target: Path) -> None:
    """As `copy_into`, from an open stream (read from its start, in chunks)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    stream.seek(0)
    with partial.open("wb") as out:
        shutil.copyfileobj(stream, out, 256 * 1024)
    os.replace(partial, target)


def write_reason(target: Path, *, shown_as: str, reason: str, source: str | None = None) -> None:
    """The `.reason.txt` beside a quarantined file: which file, why, when (and from whom)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = f"Quelle: {source}\n" if source else ""
    target.with_name(target.name + ".reason.txt").write_text(
        f"Datei: {shown_as!r}\n{origin}Grund: {reason}\nZeit (UTC): {datetime.now(UTC):%Y-%m-%d %H:%M:%S}\n",
        encoding="utf-8",
    )


def quarantine(source: Path, target: Path, *, shown_as: str, reason: str) -> None:
    """Move a turned-away file into quarantine beside its reason."""
    write_reason(target, shown_as=shown_as, reason=reason)
    os.replace(source, target)


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
