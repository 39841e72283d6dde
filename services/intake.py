"""Taking in files: the inbox's batches and the web page's uploads, through the same steps.

Each file is judged on its own. Whatever goes wrong with one file (a name that is not UTF-8, a read
error, a bug) becomes that file's outcome: it waits in quarantine with the reason, or, when even that
fails, its ledger row says why; the rest of the batch goes on. A full disk or a folder that cannot be
written is no file's fault: it stops the batch with a `StorageFault` naming the folder, no file of the
batch is kept half way (a document moved into its case folder before the commit that failed is
removed again) and every file waits where it was, so the run after the fix takes each exactly once.

Inbox (`take_in`, one batch in one transaction; `flows/intake.py` runs it per batch): files dropped
into `inbox/<case reference>/` become documents of the case, each exactly once, even when a run is
killed half way and started again:
1. the entry is looked at with `lstat` (names as bytes, `adapters.filestore.list_files`): a symlink,
   named pipe, socket or device is turned away without being opened (`special_file_refusal`);
2. a file that changed within the settle time is left for a later run ("waiting", below);
3. a file of a person without recorded consent is left untouched ("held"): no document is stored
   without consent, and the first run after the consent takes it;
4. the file is copied into the staging folder (`cases/.eingang/`, under a name of this run: host, PID,
   process start; a later run removes the copies of a killed run at once) and its SHA-256 computed over the
   bytes as they are written; when its size, mtime or ctime changed while it was copied, the copy is
   dropped and the file waits;
5. the copy is judged (`domain.files.inspect_file`: type from the content, size limit, DOCX zip
   bombs and macros, PDFs parsed for active content), reading it back, so the hash of the copy on
   the disk is checked against the hash of the bytes written (the copy is verified); the name is
   judged (`domain.files.name_refusal`);
6. accepted: the copy is renamed to `cases/<reference>/documents/<sha12>-<safe name>` (a repeat copy
   writes the same file), then the Document, the ledger row (`IntakeFile`) and the audit entry are
   committed together, then the inbox file is removed, only when it is still the file copied;
   turned away: the ledger row is committed first, then the file is moved into the quarantine folder
   beside a `.reason.txt`: never deleted, never over another file;
7. a rerun finds the ledger row of a file whose last step was cut off and finishes that step only
   (a turned-away file dropped again after its move completed is judged anew).
8. two runs at once (a served sweep and `welcome-center intake`, or two serving processes) take each
   file once: a file the other run took meanwhile is nothing to do, a document the other run
   committed first keeps its file ("finished", von einem gleichzeitigen Lauf übernommen), and a
   file both turned away is in quarantine once, with one ledger row.
What reaches the database or a person is `domain.display.visible` text: a name that is not UTF-8
is shown with its bytes escaped (``Zeugnis_f\\xfcr.pdf``), its exact bytes (hex) in the reason.

When a file has stopped changing (`WELCOME_CENTER_INTAKE_SETTLE_SECONDS`, default 10 s): a file is
taken only when its last change lies at least the settle time back, and left untouched for a later
run otherwise ("waiting"); no run sleeps. Its size, mtime and ctime are read again when it is
opened, after its last byte is copied, and before it is removed from the inbox; any difference and
the copy is dropped (or the inbox file kept). The last change is the later of the mtime and the
ctime (a mtime in the future is not believed). This holds for a slow USB copy or a copy onto an
SMB share because every write into the file, by `cp`, a file manager or the Samba server writing
for a Windows PC, moves both times: a file being written looks young whatever its size. Copy tools
that give the copy the source's old date (``cp -p``, rsync, robocopy, Explorer) do so with
`utime`, which sets the ctime to now; no program can set the ctime back, so such a file waits too.
What no time can show is a writer that pauses longer than the settle time in the middle of a file
(a USB stick that hangs, an SMB client that loses the network for a while): one that resumes while
the file is copied or before it is removed is caught by the checks around the copy and before the
removal (the file then stays in the inbox and its new content is taken later as a document of its
own); one that resumes after the removal writes into a file that has no name any more. Where a
source is known to stall that long, raise the setting (a slow network share: 60 s).

Upload (`take_in_upload`, one file): a file an adviser uploads passes exactly the steps of a file
dropped into the inbox (staged with its hash, verified, judged by content and name), is stored
under the same SHA-256-derived name in `cases/<reference>/documents/`, is recognised as a duplicate
of a document already on the case, is refused without the person's consent, and when turned away
waits in quarantine beside a `.reason.txt`, never deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import Session, select

from adapters.filestore import (
    FileReplaced,
    Snapshot,
    copy_stream,
    copy_unchanged,
    discard,
    flush_to_disk,
    list_files,
    look,
    open_regular,
    promote,
    quarantine,
    remove_if_unchanged,
    save_stream,
    sweep_partials,
    write_atomically,
    write_reason,
)
from adapters.process_identity import Liveness, liveness, start_ticks
from adapters.storage import remove_quietly
from domain.checklist import (
    ChecklistRules,
    guess_item,
    looks_certified,
    looks_translated,
)
from domain.display import visible
from domain.errors import InvalidInput, StorageFault, _clip
from domain.files import (
    PARTIAL_SUFFIX,
    REASON_SUFFIX,
    FileName,
    FileVerdict,
    inspect_file,
    name_refusal,
    quarantine_file_name,
    safe_name,
    special_file_refusal,
    stored_name,
)
from models import Consent, Person
from models.case import Case
from models.document import Document, IntakeFile
from models.selectors import checklist_profile, has_consent
from services.audit import audit_json, insert_entries, record_audit

# what an outcome is called where people read it (the demo, the run's artifact, `welcome-center runs`)
OUTCOME_DE = {"accepted": "angenommen", "rejected": "abgelehnt (Quarantäne)", "duplicate": "Duplikat (Quarantäne)",
              "held": "zurückgehalten (keine Einwilligung)", "waiting": "wartet (wird noch geschrieben)",
              "finished": "bereits verarbeitet", "error": "Fehler"}


def outcome_counts_de(counts: dict[str, int]) -> str:
    """'angenommen 3, abgelehnt (Quarantäne) 1', or 'keine Dateien'."""
    return ", ".join(f"{OUTCOME_DE.get(k, k)} {v}" for k, v in sorted(counts.items())) or "keine Dateien"


NO_CASE_FOLDER = "_ohne_fall"
NOT_A_REFERENCE = "(Ordner ohne Aktenzeichen)"
CASE_REFERENCE_SHAPE = re.compile(r"[A-Z]{2,5}-[0-9]{4}-[0-9]{3,6}")


def reported_folder(case_reference: str | None) -> str:
    """The inbox folder as a run's report may name it: a case reference (VER-2026-0042), `_ohne_fall`
    for a file dropped straight into the inbox, or one placeholder for any other folder. Office
    workers name folders after persons ("Olena Kowalenko/"); a report is a Prefect artifact, kept in
    Prefect's database where erasure does not reach, so such a name stays out of it. The quarantine
    page shows the file with its folder, from the application's own database."""
    if not case_reference:
        return NO_CASE_FOLDER
    return case_reference if CASE_REFERENCE_SHAPE.fullmatch(case_reference) else NOT_A_REFERENCE
NO_CONSENT = "keine Einwilligung erfasst"
STAGING_FOLDER = ".eingang"
"""Inside the cases folder: on the same file system as the documents, so one rename finishes a copy."""
STALE_STAGING_SECONDS = 24 * 3600
DEFAULT_SETTLE_SECONDS = 10.0
LEDGER_PATH_CHARS = 600  # IntakeFile.inbox_path
LEDGER_REFERENCE_CHARS = 20  # IntakeFile.case_reference
ACTOR = "flow:intake"


def refusal(name: FileName | str, verdict: FileVerdict) -> str | None:
    """Why a file with this name and content is turned away (German), or None."""
    if isinstance(name, str):
        name = FileName.from_text(name)
    unsafe = name_refusal(name)
    if unsafe:
        return unsafe
    if not verdict.accepted:
        return verdict.reason
    return None


def quarantine_name(folder: str | None, name: FileName, *, raw_path: bytes) -> str:
    """<case folder or _ohne_fall>/<UTC time>-<tag>-<safe name>: unique (the tag hashes the file's
    path as dropped and the time), never outside the quarantine folder, and short enough in bytes
    for its `.reason.txt` (`domain.files.quarantine_file_name`)."""
    folder_name = safe_name(folder) if folder else NO_CASE_FOLDER
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    tag = hashlib.sha256(raw_path + b"\0" + str(time.time_ns()).encode()).hexdigest()[:8]
    return f"{folder_name}/{quarantine_file_name(name.text.replace('/', '_'), stamp=stamp, tag=tag)}"


def ledger_path(shown: str, raw: bytes) -> str:
    """The ledger's key for a file: its path as shown, cut to the column with a hash of the exact
    bytes when longer (an escaped 255-byte name is up to 1,020 characters)."""
    if len(shown) <= LEDGER_PATH_CHARS:
        return shown
    return shown[: LEDGER_PATH_CHARS - 18] + "…#" + hashlib.sha256(raw).hexdigest()[:16]


def ledger_row(inbox_path: str, case_reference: str | None, sha256: str, size: int, outcome: str, *, at: datetime,
               reason: str | None = None, quarantine: str | None = None, document_id: int | None = None) -> dict:
    return {
        "inbox_path": visible(inbox_path)[:LEDGER_PATH_CHARS],
        "case_reference": visible(case_reference)[:LEDGER_REFERENCE_CHARS] if case_reference else None,
        "sha256": sha256, "size": size, "outcome": outcome, "reason": visible(reason) if reason else None,
        "quarantine_path": quarantine, "document_id": document_id, "processed_at": at,
    }


def document_row(*, case_id: int, name: str, stored: str, verdict: FileVerdict, rules: ChecklistRules, profile,
                 source: str, at: datetime, item_key: str | None = None, translated: bool = False,
                 certified: bool = False) -> dict:
    """The Document columns of an accepted file; the checklist item is guessed from the name unless
    given, and translation / certified copy are read from the name as well as taken when given."""
    return {
        "case_id": case_id, "item_key": item_key or guess_item(name, rules, profile=profile),
        "original_name": visible(name)[:255], "stored_name": stored, "kind": verdict.kind.value, "size": verdict.size,
        "sha256": verdict.sha256, "translated": translated or looks_translated(name, rules),
        "certified": certified or looks_certified(name, rules), "source": source,
        "notes": "\n".join(verdict.notes) or None, "received_at": at,
    }


def document_audit(values: dict) -> dict:
    return {k: values[k] for k in ("original_name", "kind", "sha256", "item_key", "translated", "certified")}


def unexpected(error: BaseException) -> str:
    """The reason for a file whose check failed (German): a read or write error names the system's error."""
    if isinstance(error, OSError):
        what = error.strerror or type(error).__name__
        return (f"Datei kann nicht gelesen oder kopiert werden ({what}); Datei prüfen und erneut ablegen oder "
                "hochladen (read error)")
    return (f"unerwarteter Fehler beim Prüfen ({type(error).__name__}: {_clip(str(error), 80)}); Datei nicht öffnen "
            "und dem Support melden (unexpected error)")


# ------------------------------------------------------------------------------------- the inbox


@dataclass(frozen=True)
class InboxFile:
    """One entry of the inbox as listed: `path` for the operating system, the names as bytes."""

    path: Path
    folder: FileName | None  # the case folder as dropped; None: straight into the inbox
    name: FileName  # relative to the case folder ("/"-joined when it lies in a sub-folder)

    @property
    def raw_path(self) -> bytes:
        return (self.folder.raw if self.folder else NO_CASE_FOLDER.encode()) + b"/" + self.name.raw

    @property
    def case_reference(self) -> str | None:
        """The case folder's name as shown (None: no case folder)."""
        return self.folder.shown if self.folder else None

    @property
    def lookup_reference(self) -> str | None:
        """The case folder's name when it can be a case reference at all (UTF-8, printable)."""
        if self.folder is None or not self.folder.is_utf8 or self.folder.shown != self.folder.text:
            return None
        return self.folder.text

    @property
    def inbox_path(self) -> str:
        return ledger_path(f"{self.case_reference or NO_CASE_FOLDER}/{self.name.shown}", self.raw_path)


@dataclass(frozen=True)
class Outcome:
    inbox_path: str  # as shown (domain.display.visible)
    case_reference: str | None
    outcome: str  # accepted | duplicate | rejected | held | waiting | finished | error
    reason: str | None = None


def scan_inbox(inbox: Path) -> list[InboxFile]:
    """Every entry under the inbox that is not a folder, sorted by name bytes; symlinks, pipes and
    devices are listed too (and turned away), nothing is opened."""
    found: list[InboxFile] = []
    for parts, path in list_files(inbox):
        if len(parts) == 1:
            found.append(InboxFile(path, None, FileName.from_bytes(parts[0])))
        else:
            found.append(InboxFile(path, FileName.from_bytes(parts[0]), FileName.from_bytes(b"/".join(parts[1:]))))
    return found


@dataclass
class _Entry:
    """What the batch decided for one file: rows to commit, then the file's last step."""

    item: InboxFile
    index: int  # in the outcomes
    ledger: dict | None = None
    document: dict | None = None
    case: Case | None = None
    seen: Snapshot | None = None
    remove: bool = False  # after the commit: remove from the inbox
    move_to: str | None = None  # after the commit: move into quarantine (relative path)
    reason: str | None = None
    promoted: Path | None = None  # the document's file, already in the case folder before the commit
    committed: bool = False


class _Batch:
    def __init__(self, quarantine_dir: Path) -> None:
        self.quarantine_dir = quarantine_dir
        self.outcomes: list[Outcome] = []
        self.entries: list[_Entry] = []
        self.at = datetime.now(UTC)

    def tell(self, item: InboxFile, outcome: str, reason: str | None = None) -> int:
        self.outcomes.append(Outcome(item.inbox_path, item.case_reference, outcome, reason))
        return len(self.outcomes) - 1

    def turn_away(self, item: InboxFile, sha: str, size: int, outcome: str, reason: str, seen: Snapshot | None) -> None:
        relative = quarantine_name(item.folder.text if item.folder else None, item.name, raw_path=item.raw_path)
        row = ledger_row(item.inbox_path, item.case_reference, sha, size, outcome, reason=reason, quarantine=relative,
                         at=self.at)
        self.entries.append(_Entry(item, self.tell(item, outcome, reason), ledger=row, seen=seen, move_to=relative,
                                   reason=reason))

    def finish_move(self, item: InboxFile, done: IntakeFile, seen: Snapshot) -> None:
        """Cut off between the commit and the move: the move only."""
        self.entries.append(_Entry(item, self.tell(item, "finished", done.reason), seen=seen,
                                   move_to=done.quarantine_path, reason=done.reason))

    def moved_before(self, done: IntakeFile | None) -> bool:
        return done is not None and done.quarantine_path is not None and \
            not os.path.lexists(self.quarantine_dir / done.quarantine_path)


def take_in(
    files: list[InboxFile],
    *,
    engine: Engine,
    cases_dir: Path,
    quarantine_dir: Path,
    rules: ChecklistRules,
    max_bytes: int,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    clock: Callable[[], float] = time.time,
) -> list[Outcome]:
    """Judge and store one batch in one transaction; then remove or move the files (see the module
    docstring). `settle_seconds`: how long a file must have stayed unchanged; `clock` gives "now" in
    seconds since the epoch, as the file times are.

    What the batch needs from the database is read up front (cases, consents, the ledger, the
    documents already on the cases) and the batch is written with set inserts at the end: the
    per-file cost is reading and copying the file.
    """
    if settle_seconds < 0:
        raise InvalidInput("intake.settle_seconds", "settle_seconds", value=settle_seconds)
    staging = cases_dir / STAGING_FOLDER
    sweep_partials(staging, older_than_seconds=STALE_STAGING_SECONDS)
    _sweep_partials_of_dead_runs(staging)
    batch = _Batch(quarantine_dir)
    run = _run_tag()  # two runs at once (a served sweep and `welcome-center intake`) never share a staging file
    with Session(engine, expire_on_commit=False) as session:
        known = _batch_facts(session, files)
        for item in files:
            staged = staging / f"{hashlib.sha256(item.raw_path).hexdigest()[:32]}~{run}{PARTIAL_SUFFIX}"
            try:
                _judge(item, batch=batch, known=known, staged=staged, cases_dir=cases_dir, rules=rules,
                       max_bytes=max_bytes, settle_seconds=settle_seconds, clock=clock)
            except StorageFault:
                # a full or unwritable folder is no file's fault: the batch stops, nothing of it is kept
                # (the files wait in the inbox) and the next run after the fix takes every file once
                _drop_quietly(staged)
                _drop_uncommitted(batch)
                raise
            except Exception as error:  # noqa: BLE001 - one file never stops the batch
                _drop_quietly(staged)
                if not os.path.lexists(item.path):
                    continue  # taken meanwhile by another run (its ledger row says so): nothing to do here
                try:
                    batch.turn_away(item, "", 0, "rejected", unexpected(error), seen=None)
                except Exception:  # noqa: BLE001 - not even a quarantine name: the file stays, its outcome says why
                    batch.tell(item, "error", f"{unexpected(error)}; bleibt im Posteingang")
        try:
            if any(entry.document is not None for entry in batch.entries):
                flush_to_disk()  # the stored copies on the disk before the commit names them
            _store(session, batch)
        except BaseException:
            # a database that refused the batch (full, gone, or another run committed the same document
            # first) names none of its files; a file another run's document names stays
            _drop_uncommitted(batch, engine=engine)
            raise
    _finish(engine, batch)
    return batch.outcomes


def _run_tag() -> str:
    """This run's part of its staging names: host, PID and the process's start time (so that a later
    run on this host can tell a killed run's copies from a live one's), and a token of its own."""
    host = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:60] or "host"
    return f"{host}~{os.getpid()}~{start_ticks(os.getpid())}~{uuid.uuid4().hex[:8]}"


def _sweep_partials_of_dead_runs(staging: Path) -> None:
    """Remove the staging copies of runs on this host whose process has ended (killed half way): the
    rerun copies the file again. Copies of live runs and of other hosts stay (the latter go after
    STALE_STAGING_SECONDS)."""
    if not staging.is_dir():
        return
    host = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:60] or "host"
    for entry in os.scandir(staging):
        parts = entry.name.removesuffix(PARTIAL_SUFFIX).split("~")
        if not entry.name.endswith(PARTIAL_SUFFIX) or len(parts) != 5 or parts[1] != host or not parts[2].isdigit():
            continue
        if liveness(int(parts[2]), parts[3]) is Liveness.GONE:
            remove_quietly(Path(entry.path))


def _drop_uncommitted(batch: _Batch, *, engine: Engine | None = None) -> None:
    """Remove the documents this batch put into case folders whose rows were not committed: the case
    folder holds no file the database does not name, and the rerun stores them again. With `engine`,
    a file that a committed document names (the same content, stored under the same name by another
    run that committed first) is kept."""
    left = [entry for entry in batch.entries if entry.promoted is not None and not entry.committed]
    named: set[tuple[int, str]] = set()
    if left and engine is not None:
        try:
            with Session(engine) as session:
                named = {(row.case_id, row.stored_name) for row in session.exec(
                    select(Document).where(Document.stored_name.in_([e.promoted.name for e in left])))}
        except Exception:  # noqa: BLE001 - the database is not there: nothing can name the files
            named = set()
    for entry in left:
        if entry.case is not None and (entry.case.id, entry.promoted.name) in named:
            continue
        remove_quietly(entry.promoted)


def _judge(item: InboxFile, *, batch: _Batch, known: _Known, staged: Path, cases_dir: Path, rules: ChecklistRules,
           max_bytes: int, settle_seconds: float, clock: Callable[[], float]) -> None:
    """Decide what becomes of one inbox file; every path ends in exactly one outcome."""
    try:
        seen = look(item.path)
    except FileNotFoundError:
        return  # removed since the scan: nothing to take in
    special = special_file_refusal(seen.mode)
    if special is not None:
        done = known.ledger.get((item.inbox_path, ""))
        if batch.moved_before(done):
            batch.finish_move(item, done, seen)
        else:
            batch.turn_away(item, "", 0, "rejected", special, seen)
        return
    now = clock()
    age = now - seen.last_change(now)
    if age < settle_seconds:
        batch.tell(item, "waiting", f"wird noch geschrieben oder kopiert (zuletzt geändert vor {max(age, 0):.0f} s, "
                                    f"Wartezeit {settle_seconds:g} s); bleibt unberührt liegen, der nächste Lauf nimmt sie")
        return
    case = known.cases.get(item.lookup_reference) if item.lookup_reference else None
    if case is not None and case.person_id not in known.consented:
        batch.tell(item, "held", NO_CONSENT)
        return

    changed = ("hat sich während des Kopierens geändert (wird noch geschrieben); bleibt liegen, der nächste Lauf "
               "prüft sie erneut")
    if seen.size > max_bytes:  # refused by its size, without reading it
        try:
            with open_regular(item.path, seen) as stream:
                verdict = inspect_file(stream, name=item.name.text, max_bytes=max_bytes)
        except FileReplaced:
            batch.tell(item, "waiting", changed)
            return
    else:
        try:
            copy = copy_unchanged(item.path, staged, seen=seen, limit=max_bytes)
        except FileReplaced:
            copy = None
        if copy is None or not copy.unchanged:
            discard(staged)
            batch.tell(item, "waiting", changed)
            return
        with staged.open("rb") as stream:
            verdict = inspect_file(stream, name=item.name.text, max_bytes=max_bytes)
        if verdict.sha256 != copy.sha256:
            discard(staged)
            batch.tell(item, "waiting", "die Kopie ließ sich nicht bestätigen (Prüfsumme weicht ab); bleibt liegen, "
                                        "der nächste Lauf kopiert sie erneut")
            return

    sha = verdict.sha256 or f"size:{verdict.size}"
    done = known.ledger.get((item.inbox_path, sha))
    if done is not None and done.outcome == "accepted":
        # cut off before the inbox file was removed, or the same file dropped again: its content is
        # stored already, so only the last step remains
        discard(staged)
        batch.entries.append(_Entry(item, batch.tell(item, "finished", "bereits übernommen"), seen=seen, remove=True))
        return
    if batch.moved_before(done):
        discard(staged)
        batch.finish_move(item, done, seen)
        return

    reason = _location_refusal(item, case) or name_refusal(item.name) or verdict.reason
    if reason is not None or case is None:
        discard(staged)
        batch.turn_away(item, sha, verdict.size, "rejected", reason, seen)
        return
    twin = known.documents.get((case.id, sha))
    if twin is not None:
        discard(staged)
        batch.turn_away(item, sha, verdict.size, "duplicate", f"Duplikat: identisch mit Dokument „{twin}“ des Falls", seen)
        return
    stored = stored_name(sha, item.name.text)
    target = cases_dir / case.reference / "documents" / stored
    promote(staged, target)
    values = document_row(case_id=case.id, name=item.name.text, stored=stored, verdict=verdict, rules=rules,
                          profile=known.profiles.get(case.id), source="inbox", at=batch.at)
    row = ledger_row(item.inbox_path, item.case_reference, sha, verdict.size, "accepted", at=batch.at)
    batch.entries.append(_Entry(item, batch.tell(item, "accepted"), ledger=row, document=values, case=case, seen=seen,
                                remove=True, promoted=target))
    known.documents[(case.id, sha)] = values["original_name"]


def _store(session: Session, batch: _Batch) -> None:
    """Commit the batch's rows at once; when the database refuses them, file by file, so that one row
    it refuses costs only its file (which stays where it is, told as "error"). A database that
    cannot be reached or is locked is no file's fault: that error is raised (the flow retries)."""
    entries = [e for e in batch.entries if e.ledger is not None]
    if not entries:
        return
    try:
        _insert(session, entries, batch.at)
        session.commit()
        for entry in entries:
            entry.committed = True
        return
    except (OperationalError, InterfaceError):
        raise
    except SQLAlchemyError:
        session.rollback()
    failed = []
    for entry in entries:
        try:
            _insert(session, [entry], batch.at)
            session.commit()
            entry.committed = True
        except (OperationalError, InterfaceError):
            raise
        except SQLAlchemyError as error:
            session.rollback()
            failed.append((entry, error))
    for entry, error in failed:
        entry.remove, entry.move_to = False, None
        if _taken_by_another_run(session, entry):
            # a run at the same moment committed this content on this case first: its document names
            # the same file (stored under the same name), and that run removes the inbox file
            batch.outcomes[entry.index] = replace(batch.outcomes[entry.index], outcome="finished",
                                                  reason="von einem gleichzeitigen Lauf übernommen")
            continue
        if entry.promoted is not None:
            remove_quietly(entry.promoted)
        batch.outcomes[entry.index] = replace(
            batch.outcomes[entry.index], outcome="error",
            reason=f"konnte nicht in der Datenbank vermerkt werden ({type(error).__name__}); bleibt im Posteingang, "
                   "der nächste Lauf versucht es erneut")


def _taken_by_another_run(session: Session, entry: _Entry) -> bool:
    if entry.document is None or entry.case is None:
        return False
    found = session.exec(select(Document.id).where(Document.case_id == entry.case.id,
                                                   Document.sha256 == entry.document["sha256"])).first()
    return found is not None


def _insert(session: Session, entries: list[_Entry], at: datetime) -> None:
    ledger = [dict(e.ledger) for e in entries]
    with_document = [(e, row) for e, row in zip(entries, ledger) if e.document is not None]
    if with_document:
        table = Document.__table__
        ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                              [e.document for e, _ in with_document]).scalars().all()
        audit = []
        for document_id, (entry, row) in zip(ids, with_document):
            row["document_id"] = document_id
            audit.append({
                "at": at, "actor": ACTOR, "action": "document.add", "entity": "document", "entity_id": document_id,
                "case_reference": entry.case.reference, "person_id": entry.case.person_id, "before": None,
                "after": audit_json(document_audit(entry.document)),
            })
        insert_entries(session, audit)
    session.execute(insert(IntakeFile.__table__), ledger)


def _finish(engine: Engine, batch: _Batch) -> None:
    """After the commit: remove what was stored, move what was turned away. A file that cannot be
    moved stays in the inbox, its outcome says why, and a ledger row records it ("error"). A full or
    unwritable inbox or quarantine is raised once every file had its turn: what is committed stays
    committed, and the next run finishes the files' last step (module docstring, step 7)."""
    not_moved: list[dict] = []
    ghosts: list[dict] = []  # ledger rows of files another run took at the same moment
    faults: list[StorageFault] = []
    for entry in batch.entries:
        item, told = entry.item, batch.outcomes[entry.index]
        if entry.remove:
            try:
                removed = remove_if_unchanged(item.path, entry.seen)
            except StorageFault as fault:
                faults.append(fault)
                removed, why = False, f"konnte nicht aus dem Posteingang entfernt werden ({fault.message_de})"
            except OSError as error:
                removed, why = False, f"konnte nicht aus dem Posteingang entfernt werden ({error.strerror})"
            else:
                why = "die Datei im Posteingang hat sich nach dem Kopieren geändert und bleibt liegen"
            if not removed:
                batch.outcomes[entry.index] = replace(told, reason=f"übernommen; {why}; der nächste Lauf prüft sie erneut")
        if entry.move_to:
            target = batch.quarantine_dir / entry.move_to
            try:
                moved = quarantine(item.path, target, shown_as=item.inbox_path,
                                   reason=entry.reason, name_hex=None if item.name.is_utf8 else item.name.hex,
                                   seen=entry.seen)
            except Exception as error:  # noqa: BLE001 - one file never stops the batch
                if isinstance(error, FileNotFoundError) and not os.path.lexists(item.path):
                    moved = True  # gone from the inbox meanwhile: see below
                else:
                    if isinstance(error, StorageFault):
                        faults.append(error)
                    reason = (f"konnte nicht in die Quarantäne gelegt werden ({_why(error)}); bleibt im Posteingang; "
                              f"Grund der Ablehnung: {entry.reason}")
                    batch.outcomes[entry.index] = replace(told, outcome="error", reason=reason)
                    not_moved.append(ledger_row(item.inbox_path, item.case_reference, "", 0, "error", reason=reason,
                                                at=batch.at))
                    continue
            if moved and entry.ledger is not None and not os.path.lexists(target):
                # turned away by this run, but another run at the same moment moved the file into
                # quarantine under a name of its own and recorded it there: this run's row names nothing
                remove_quietly(target.with_name(target.name + REASON_SUFFIX))
                ghosts.append(entry.ledger)
                batch.outcomes[entry.index] = replace(told, outcome="finished",
                                                      reason="von einem gleichzeitigen Lauf übernommen")
                continue
            if not moved:
                batch.outcomes[entry.index] = replace(
                    told, outcome="waiting", reason=f"{entry.reason}; die Datei hat sich seit der Prüfung geändert und "
                                                    "bleibt liegen, der nächste Lauf prüft sie erneut")
    if ghosts:
        try:
            with Session(engine) as session:
                table = IntakeFile.__table__
                for row in ghosts:
                    session.execute(delete(table).where(
                        table.c.inbox_path == row["inbox_path"], table.c.quarantine_path == row["quarantine_path"],
                        table.c.outcome == row["outcome"], table.c.processed_at == row["processed_at"]))
                session.commit()
        except SQLAlchemyError:
            pass  # a row too many names a file the other run's row names too; nothing is lost
    if not_moved:
        try:
            with Session(engine) as session:
                session.execute(insert(IntakeFile.__table__), not_moved)
                session.commit()
        except SQLAlchemyError:
            pass  # the outcomes say it; the files are still in the inbox for the next run
    if faults:
        raise faults[0]


def _why(error: BaseException) -> str:
    return error.message_de if isinstance(error, StorageFault) else unexpected(error)


def _drop_quietly(path: Path) -> None:
    try:
        discard(path)
    except OSError:
        pass


@dataclass
class _Known:
    cases: dict[str, Case]
    consented: set[int]  # person ids with a consent not withdrawn
    profiles: dict[int, object]
    ledger: dict[tuple[str, str], IntakeFile]  # (inbox path, sha256) → newest row
    documents: dict[tuple[int, str], str]  # (case id, sha256) → original name


def _batch_facts(session: Session, files: list[InboxFile]) -> _Known:
    """Everything a batch needs to know from the database, in five queries."""
    references = {f.lookup_reference for f in files if f.lookup_reference}
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


def _location_refusal(item: InboxFile, case: Case | None) -> str | None:
    if item.folder is None:
        return "nicht in einem Fall-Ordner abgelegt; bitte in inbox/<Aktenzeichen>/ ablegen"
    if case is None:
        return (f"kein Fall mit dem Aktenzeichen „{_clip(item.folder.shown, 30)}“; Ordnernamen prüfen "
                "(z. B. VER-2026-0042)")
    return None


# ------------------------------------------------------------------------------------- one upload


@dataclass(frozen=True)
class Upload:
    """What became of one uploaded file: accepted (a document), duplicate or rejected (in
    quarantine, `quarantine_path` relative to the quarantine folder), held (no consent: nothing
    stored), or error (could not even be put into quarantine; the ledger says so). `reason` is
    German, for the adviser; `notes` are remarks that did not refuse it."""

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
    name: str | bytes | FileName,
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

    `name` as the browser sent it: bytes when the form's header is at hand (a name that is not
    UTF-8 is then judged as in the inbox), else text. As in the inbox, the content is written into
    the case folder before the Document row commits, and a turned-away file's ledger row commits
    before the file is written into quarantine. The audit entry names the adviser (`actor`) for an
    accepted and for a refused file alike. Whatever goes wrong with the file is its outcome, never
    an exception: a database that cannot be reached and a full or unwritable folder (StorageFault,
    nothing of the upload kept: the adviser uploads it again once there is room) are the errors raised.
    """
    if isinstance(name, bytes):
        file_name = FileName.from_bytes(name)
    elif isinstance(name, str):
        file_name = FileName.from_text(name)
    else:
        file_name = name
    raw_path = case.reference.encode() + b"/" + file_name.raw
    shown_as = ledger_path(f"{case.reference}/{file_name.shown}", raw_path)
    if not has_consent(session, person_id=case.person_id):
        return Upload("held", f"{NO_CONSENT}: ohne Einwilligung der Person wird kein Dokument gespeichert; "
                              "bitte zuerst die Einwilligung erfassen")
    staged = cases_dir / STAGING_FOLDER / f"upload-{uuid.uuid4().hex}{PARTIAL_SUFFIX}"
    context = dict(session=session, case=case, stream=stream, file_name=file_name, raw_path=raw_path,
                   shown_as=shown_as, quarantine_dir=quarantine_dir, actor=actor)
    try:
        return _judge_upload(**context, staged=staged, cases_dir=cases_dir, rules=rules, profile=profile,
                             max_bytes=max_bytes, item_key=item_key, translated=translated, certified=certified)
    except StorageFault:
        session.rollback()
        raise
    except Exception as error:  # noqa: BLE001 - the file's outcome, never a page error
        session.rollback()
        return _upload_failed(**context, staged=staged, error=error)
    finally:
        _drop_quietly(staged)


def _judge_upload(*, session: Session, case: Case, stream: BinaryIO, file_name: FileName, raw_path: bytes,
                  shown_as: str, quarantine_dir: Path, actor: str, staged: Path, cases_dir: Path,
                  rules: ChecklistRules, profile, max_bytes: int, item_key: str | None, translated: bool,
                  certified: bool) -> Upload:
    if _length(stream) > max_bytes:  # refused by its size, without reading it
        verdict = inspect_file(stream, name=file_name.text, max_bytes=max_bytes)
        written = None
    else:
        written, _ = copy_stream(stream, staged)
        with staged.open("rb") as copy:
            verdict = inspect_file(copy, name=file_name.text, max_bytes=max_bytes)
        if verdict.sha256 and verdict.sha256 != written:
            raise OSError(f"the copy of {shown_as!r} does not read back as written")
    sha = verdict.sha256 or f"size:{verdict.size}"
    now = datetime.now(UTC)
    reason = refusal(file_name, verdict)
    outcome = "rejected"
    if reason is None:
        twin = session.exec(select(Document.original_name).where(Document.case_id == case.id, Document.sha256 == sha)).first()
        if twin is not None:
            outcome, reason = "duplicate", f"Duplikat: identisch mit Dokument „{twin}“ des Falls"
    if reason is not None:
        relative = quarantine_name(case.reference, file_name, raw_path=raw_path)
        ledger = IntakeFile(**ledger_row(shown_as, case.reference, sha, verdict.size, outcome, at=now, reason=reason,
                                         quarantine=relative))
        session.add(ledger)
        record_audit(session, actor=actor, action="document.quarantine", entity="document", case_reference=case.reference,
                     person_id=case.person_id, after={"original_name": file_name.shown[:255], "sha256": sha,
                                                      "outcome": outcome, "reason": reason, "quarantine_path": relative})
        session.commit()
        try:
            _keep_in_quarantine(stream, staged if written else None, quarantine_dir / relative, shown_as=shown_as,
                                reason=reason, actor=actor, file_name=file_name)
        except StorageFault as fault:
            # the ledger must not point into quarantine at a file that is not there
            ledger.outcome, ledger.quarantine_path, ledger.reason = "error", None, f"{reason}; {fault.message_de}"
            session.add(ledger)
            session.commit()
            raise
        return Upload(outcome, reason, quarantine_path=relative)

    stored = stored_name(sha, file_name.text)
    target = cases_dir / case.reference / "documents" / stored
    promote(staged, target)
    try:
        return _record_upload(session, case=case, stored=stored, verdict=verdict, file_name=file_name,
                              shown_as=shown_as, sha=sha, now=now, rules=rules, profile=profile, actor=actor,
                              item_key=item_key, translated=translated, certified=certified)
    except BaseException:
        remove_quietly(target)  # the database refused the document (full, gone): the case folder keeps no file it does not name
        raise


def _record_upload(session: Session, *, case: Case, stored: str, verdict: FileVerdict,
                   file_name: FileName, shown_as: str, sha: str, now: datetime, rules: ChecklistRules, profile,
                   actor: str, item_key: str | None, translated: bool, certified: bool) -> Upload:
    values = document_row(case_id=case.id, name=file_name.text, stored=stored, verdict=verdict, rules=rules,
                          profile=profile, source="upload", at=now, item_key=item_key, translated=translated,
                          certified=certified)
    document = Document(**values)
    session.add(document)
    session.flush()
    session.add(IntakeFile(**ledger_row(shown_as, case.reference, sha, verdict.size, "accepted", at=now,
                                        document_id=document.id)))
    record_audit(session, actor=actor, action="document.add", entity="document", entity_id=document.id,
                 case_reference=case.reference, person_id=case.person_id, after={**document_audit(values), "source": "upload"})
    session.commit()
    return Upload("accepted", document_id=document.id, notes=verdict.notes)


def _keep_in_quarantine(stream: BinaryIO, staged: Path | None, target: Path, *, shown_as: str, reason: str, actor: str,
                        file_name: FileName) -> None:
    """The uploaded bytes into quarantine beside their reason: the verified copy when there is one,
    else the upload as received."""
    name_hex = None if file_name.is_utf8 else file_name.hex
    if staged is not None and staged.exists():
        quarantine(staged, target, shown_as=shown_as, reason=reason, name_hex=name_hex,
                   source_note=f"hochgeladen von {actor}")
    else:
        write_reason(target, shown_as=shown_as, reason=reason, source=f"hochgeladen von {actor}", name_hex=name_hex)
        save_stream(stream, target)


def _upload_failed(*, session: Session, case: Case, stream: BinaryIO, file_name: FileName, raw_path: bytes,
                   shown_as: str, quarantine_dir: Path, actor: str, staged: Path, error: Exception) -> Upload:
    """The check of an upload failed: the upload goes into quarantine with the reason; when even
    that fails, the ledger records it."""
    reason = unexpected(error)
    relative = quarantine_name(case.reference, file_name, raw_path=raw_path)
    now = datetime.now(UTC)
    try:
        _keep_in_quarantine(stream, None, quarantine_dir / relative, shown_as=shown_as, reason=reason, actor=actor,
                            file_name=file_name)
        outcome, kept = "rejected", relative
    except Exception as second:  # noqa: BLE001 - recorded in the ledger instead
        outcome, kept = "error", None
        reason = f"{reason}; auch die Quarantäne schlug fehl ({_why(second)}); die Datei wurde nicht gespeichert"
    session.add(IntakeFile(**ledger_row(shown_as, case.reference, "", _length(stream), outcome, at=now, reason=reason,
                                        quarantine=kept)))
    record_audit(session, actor=actor, action="document.quarantine", entity="document", case_reference=case.reference,
                 person_id=case.person_id, after={"original_name": file_name.shown[:255], "outcome": outcome,
                                                  "reason": reason, "quarantine_path": kept})
    session.commit()
    return Upload(outcome, reason, quarantine_path=kept)


def _length(stream: BinaryIO) -> int:
    """The stream's length when it can seek (an upload spooled to a temporary file can), else 0."""
    try:
        position = stream.tell()
        stream.seek(0, os.SEEK_END)
        length = stream.tell()
        stream.seek(position)
        return length
    except (AttributeError, OSError, ValueError):
        return 0


# ------------------------------------------------------------------------------------- release


RELEASED = "released"


def release_from_quarantine(
    session: Session,
    *,
    intake_file: IntakeFile,
    case: Case,
    cases_dir: Path,
    quarantine_dir: Path,
    rules: ChecklistRules,
    max_bytes: int,
    actor: str,
    item_key: str | None = None,
) -> Document:
    """Dem Fall zuordnen: an adviser has looked at a file in quarantine and found it is the person's
    document (a scan whose name carried an invisible character, an old Windows name). The content is
    judged again as on intake: a file whose content is refused (program code, unreadable, not one of
    the four kinds) or that the case already holds stays in quarantine, whoever asks. The quarantined
    copy stays where it is (quarantine is never emptied by the service); the ledger row is marked
    released and points to the new document; audited as `document.release`. Does not commit."""
    if intake_file.quarantine_path is None or intake_file.outcome != "rejected":
        raise InvalidInput("quarantine.not_releasable", "file", value=_clip(intake_file.inbox_path))
    if intake_file.case_reference != case.reference:
        raise InvalidInput("quarantine.other_case", "case", value=_clip(intake_file.inbox_path), reference=case.reference)
    data = (quarantine_dir / intake_file.quarantine_path).read_bytes()
    name = intake_file.inbox_path.split("/", 1)[-1]  # as shown (domain.display.visible): nothing left to hide
    verdict = inspect_file(data, name=name, max_bytes=max_bytes)
    if not verdict.accepted:
        raise InvalidInput("quarantine.content_refused", "file", value=_clip(name), reason=verdict.reason or "")
    twin = session.exec(select(Document.original_name).where(Document.case_id == case.id,
                                                            Document.sha256 == verdict.sha256)).first()
    if twin is not None:
        raise InvalidInput("quarantine.duplicate", "file", value=_clip(name), reason=twin)
    stored = stored_name(verdict.sha256, name)
    write_atomically(cases_dir / case.reference / "documents" / stored, data)
    values = document_row(case_id=case.id, name=name, stored=stored, verdict=verdict, rules=rules,
                          profile=checklist_profile(case, session.get(Person, case.person_id)), source="quarantine",
                          at=datetime.now(UTC), item_key=item_key)
    document = Document(**values)
    session.add(document)
    session.flush()
    intake_file.outcome, intake_file.document_id = RELEASED, document.id
    session.add(intake_file)
    record_audit(session, actor=actor, action="document.release", entity="document", entity_id=document.id,
                 case_reference=case.reference, person_id=case.person_id,
                 after={**document_audit(values), "source": "quarantine", "quarantine_path": intake_file.quarantine_path})
    return document
