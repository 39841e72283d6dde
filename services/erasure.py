"""Erasure (Art. 17 DSGVO): a person's or a case's every personal value goes from every
table, file and folder; the audit trail keeps that it happened, who did it and why, with the case
references and counts, and nothing else about the person.

What goes, and from where (README "Data protection: erasure"):
- tables: person, consent, person_address, recognition_case, case_event, deadline, appointment,
  case_sme (the employer itself stays: it is no personal value of the person), document, letter,
  outbox (the mail bodies), intake_file (the inbox ledger: original file names often carry the
  name), the case search (`case_search`, and the words of `search_word` no other case uses), the
  reports' derived rows (`report_case_fact` and `report_case_change` follow their case, the
  person's `report_person_span` rows go with the person; the `report_case_dirty` and
  `report_person_dirty` marks the deletions leave are removed too), and the person's key
  (`person_key`): the values of the person's audit entries can then never be read again
  (crypto-shredding, services/audit.py);
- files: the case folders `cases/<reference>/` (documents, letters .docx and .pdf), the waiting
  inbox folders `inbox/<reference>/`, the quarantine folders `quarantine/<reference>/` (turned-away
  files with their `.reason.txt`), and every file the ledger names in quarantine for the cases.

A file in quarantine that could not be matched to any case (dropped loose into the inbox, or into a
folder whose reference does not exist) carries no link to a person but its name. It is erased
when its name contains the erased person's family or given name (own script or Latin, case-folded,
at least three letters): such a file can never be released to a case (`release_from_quarantine`
needs one), so it is a copy of someone's document that only waits for its retention period; a
namesake's unmatched file may go with it, and the summary counts these apart
(`unmatched_quarantined_files`). What a file *contains* is not read: a scan carrying the name only
inside, under a name like "scan001.pdf", in no case's folder, is beyond what can be attributed.

Order, and a crash half way. The file paths are worked out first and written into a manifest
(`<home>/.erasure/<token>.json`, the references and paths only); then the database rows go in one
transaction; after its commit the files are removed and the manifest last. A crash before the
commit leaves every row (and the manifest, which the next sweep finds still naming existing cases,
and drops without touching a file); a crash after the commit leaves files whose rows are gone, and
the next sweep (`finish_erasures`, run at the start of every erasure and by the retention run)
removes them. On SQLite the write-ahead log is then checkpointed and truncated, so the -wal file
keeps no old page, and both full-text indexes are merged ('optimize'), so no segment keeps the
trigrams of a deleted document; `secure_delete` (models/db.py) has overwritten the freed cells.
On PostgreSQL the rows are deleted: their old versions stay in the table files as dead tuples
until VACUUM makes the space reusable (README).
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
import uuid
from collections.abc import Collection, Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import delete, exists, func, or_, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from adapters.filestore import write_atomically
from adapters.settings import get_settings
from domain.errors import InvalidInput
from domain.files import REASON_SUFFIX
from models.audit import PersonKey
from models.case import Appointment, Case, CaseEvent, Deadline
from models.document import Document, IntakeFile
from models.letter import CaseSme, Letter, PersonAddress
from models.outbox import OutboxMessage
from models.person import Consent, Person
from models.report_facts import report_case_dirty, report_person_dirty, report_person_span
from models.search import delete_documents
from models.selectors import NotFound
from services.audit import record_audit, shred_case_keys, shred_person_key

MANIFEST_FOLDER = ".erasure"
MIN_NAME_LETTERS = 3  # a shorter name part ("Li", "Al") would match too many unrelated file names


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure removed: counts per kind and the case references, no personal value (it goes
    into the audit trail and into Prefect artifacts). `files` counts every file removed from the
    state folder (documents, letters and their PDFs, quarantined files and their reasons, waiting
    inbox files); `files_left` those that could not be removed now (a later sweep removes them)."""

    case_references: tuple[str, ...] = ()
    cases: int = 0
    persons: int = 0
    consents: int = 0
    addresses: int = 0
    events: int = 0
    deadlines: int = 0
    appointments: int = 0
    employer_links: int = 0
    documents: int = 0
    letters: int = 0
    mails: int = 0
    ledger_rows: int = 0
    quarantined_files: int = 0
    unmatched_quarantined_files: int = 0
    search_documents: int = 0
    keys_shredded: int = 0
    files: int = 0
    folders: int = 0
    files_left: int = 0

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "case_references"}

    def as_dict(self) -> dict:
        return {"case_references": list(self.case_references), **self.counts()}


@dataclass
class _Plan:
    """What one erasure takes away: the rows (by id) and the files (relative to the state folder)."""

    case_ids: list[int]
    references: list[str]
    person_ids: list[int]  # persons left without a case: erased too
    document_ids: list[int] = field(default_factory=list)
    letter_count: int = 0
    ledger_ids: list[int] = field(default_factory=list)
    quarantined: int = 0
    unmatched: int = 0
    paths: list[str] = field(default_factory=list)  # files and folders, relative to the state folder


# ------------------------------------------------------------------------------------ the doors


def erase_cases(engine: Engine, case_ids: list[int], *, actor: str, reason: str,
                home: Path | None = None) -> ErasureSummary:
    """Erase these cases with every personal value they carry; a person left without any case is
    erased too (and their key shredded). Ids of cases that are gone already are passed over (a rerun
    after a crash finishes the files: `finish_erasures`). Audited as `case.erase`, or `person.erase`
    when a person went with them."""
    home = home or get_settings().home
    finish_erasures(engine, home=home)
    with Session(engine, expire_on_commit=False) as session:
        cases = list(session.exec(select(Case).where(Case.id.in_(sorted(set(case_ids))))).all()) if case_ids else []
        if not cases:
            return ErasureSummary()
        owners = {c.person_id for c in cases}
        erased_ids = {c.id for c in cases}
        remaining = set(session.exec(select(Case.person_id).where(Case.person_id.in_(sorted(owners)),
                                                                 Case.id.not_in(sorted(erased_ids)))).all())
        persons = sorted(owners - remaining)
        return _erase(session, engine, cases, persons, actor=actor, reason=reason, home=home,
                      action="person.erase" if persons else "case.erase")


def erase_person(engine: Engine, person_id: int, *, actor: str, reason: str,
                 home: Path | None = None) -> ErasureSummary:
    """Erase the person and all their cases (NotFound for an unknown person). Audited as `person.erase`."""
    home = home or get_settings().home
    finish_erasures(engine, home=home)
    with Session(engine, expire_on_commit=False) as session:
        if session.get(Person, person_id) is None:
            raise NotFound("person", str(person_id))
        cases = list(session.exec(select(Case).where(Case.person_id == person_id).order_by(Case.id)).all())
        return _erase(session, engine, cases, [person_id], actor=actor, reason=reason, home=home, action="person.erase")


def preview(engine: Engine, *, person_id: int, home: Path | None = None) -> ErasureSummary:
    """What `erase_person` would take away, counted and nothing changed (the CLI's confirmation)."""
    home = home or get_settings().home
    with Session(engine) as session:
        if session.get(Person, person_id) is None:
            raise NotFound("person", str(person_id))
        cases = list(session.exec(select(Case).where(Case.person_id == person_id).order_by(Case.id)).all())
        plan = _plan(session, cases, [person_id], home=home)
        return _summary(session, plan, home=home, counting_only=True)


def check_reason(reason: str, persons: Iterable[Person]) -> str:
    """The reason as stored in the audit trail: one line, and none of the person's values (it stays
    readable after the erasure, so "Antrag von Frau Qxandrelli" would keep the name)."""
    text_ = " ".join((reason or "").split())
    if not text_:
        raise InvalidInput("erasure.reason_missing", "--reason")
    if len(text_) > 300:
        raise InvalidInput("erasure.reason_too_long", "--reason", length=len(text_), limit=300)
    folded = _fold(text_)
    words = set(re.findall(r"\w+", folded))  # names as whole words: "Frist" in a reason is no Mr Frist
    for person in persons:
        values = [_fold(person.email or ""), person.birth_date.isoformat(), person.birth_date.strftime("%d.%m.%Y")]
        if words.intersection(_name_parts(person)) or any(value and value in folded for value in values):
            raise InvalidInput("erasure.reason_personal", "--reason")
    return text_


# ------------------------------------------------------------------------------------ the work


def _erase(session: Session, engine: Engine, cases: list[Case], person_ids: list[int], *, actor: str, reason: str,
           home: Path, action: str) -> ErasureSummary:
    persons = list(session.exec(select(Person).where(Person.id.in_(person_ids))).all()) if person_ids else []
    owners = list(session.exec(select(Person).where(Person.id.in_(sorted({c.person_id for c in cases}))))) if cases else []
    reason = check_reason(reason, {p.id: p for p in [*persons, *owners]}.values())
    plan = _plan(session, cases, person_ids, home=home)
    manifest = _write_manifest(home, plan)
    try:
        summary = _summary(session, plan, home=home, counting_only=False)
        _delete_rows(session, plan)
        record_audit(session, actor=actor, action=action, entity="person" if action == "person.erase" else "case",
                     entity_id=person_ids[0] if len(person_ids) == 1 else None,
                     case_reference=plan.references[0] if plan.references else None,  # the first; all in `after`
                     after={"reason": reason, "case_references": plan.references, "counts": summary.counts()})
        session.commit()
    except BaseException:
        session.rollback()
        # nothing was erased, as a rule, and the manifest goes; a commit whose answer was lost is finished;
        # a database that cannot be reached leaves it to the next erasure's sweep
        with suppress(Exception):
            _finish_one(engine, home, manifest)
        raise
    files, folders, left = _remove_files(home, plan.paths)
    if not left:
        manifest.unlink(missing_ok=True)
    compact(engine)
    return _replace_counts(summary, files=files, folders=folders, files_left=left)


def _plan(session: Session, cases: list[Case], person_ids: list[int], *, home: Path) -> _Plan:
    case_ids = sorted(c.id for c in cases)
    references = sorted(c.reference for c in cases)
    plan = _Plan(case_ids=case_ids, references=references, person_ids=sorted(person_ids))
    if case_ids:
        documents = session.exec(select(Document.id, Document.case_id, Document.stored_name)
                                 .where(Document.case_id.in_(case_ids))).all()
        plan.document_ids = [d[0] for d in documents]
        by_id = {c.id: c.reference for c in cases}
        plan.paths += [f"cases/{by_id[case_id]}/documents/{stored}" for _, case_id, stored in documents]
        for path, pdf_path in session.exec(select(Letter.path, Letter.pdf_path).where(Letter.case_id.in_(case_ids))).all():
            plan.letter_count += 1
            plan.paths += [f"cases/{p}" for p in (path, pdf_path) if p]
    for reference in references:  # whole folders last: everything the rows name lies in them as a rule
        plan.paths += [f"cases/{reference}", f"inbox/{reference}", f"quarantine/{reference}"]
    ledger = list(session.exec(select(IntakeFile).where(IntakeFile.case_reference.in_(references))).all()) \
        if references else []
    if plan.document_ids:
        seen = {row.id for row in ledger}
        ledger += [row for row in session.exec(select(IntakeFile).where(IntakeFile.document_id.in_(plan.document_ids))).all()
                   if row.id not in seen]
    for row in ledger:
        if row.quarantine_path:
            plan.quarantined += 1
            plan.paths += _quarantine_pair(row.quarantine_path)
    plan.ledger_ids = [row.id for row in ledger]
    persons = list(session.exec(select(Person).where(Person.id.in_(person_ids))).all()) if person_ids else []
    _plan_unmatched(session, plan, persons, home=home)
    return plan


def _plan_unmatched(session: Session, plan: _Plan, persons: list[Person], *, home: Path) -> None:
    """Quarantined files in no case's folder whose name carries an erased person's name (module
    docstring): their ledger rows, the files the rows name, and files on the disk without a row. Only
    the rows of no existing case are read, and only the quarantine folders that are no case's."""
    parts = sorted({part for person in persons for part in _name_parts(person)})
    if not parts:
        return

    def carries_name(name: str) -> bool:
        folded = _fold(name)
        return any(part in folded for part in parts)

    orphaned = or_(IntakeFile.case_reference.is_(None),
                   ~exists().where(Case.reference == IntakeFile.case_reference))
    known = set(plan.ledger_ids)
    for row in session.exec(select(IntakeFile).where(orphaned)).all():
        if row.id in known or not carries_name(row.inbox_path.partition("/")[2] or row.inbox_path):
            continue
        plan.ledger_ids.append(row.id)
        if row.quarantine_path:
            plan.unmatched += 1
            plan.paths += _quarantine_pair(row.quarantine_path)
    quarantine_dir = home / "quarantine"
    if not quarantine_dir.is_dir():
        return
    folders = sorted(entry.name for entry in quarantine_dir.iterdir() if entry.is_dir() and not entry.is_symlink())
    cases = set(session.exec(select(Case.reference).where(Case.reference.in_(folders)))) if folders else set()
    listed = set(plan.paths)
    for folder in folders:
        if folder in cases:
            continue  # a case's own quarantine: erased with that case, never for a name in it
        for path in sorted((quarantine_dir / folder).rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            relative = path.relative_to(quarantine_dir).as_posix()
            pair = _quarantine_pair(relative.removesuffix(REASON_SUFFIX))
            if carries_name(path.name) and not listed.intersection(pair):
                plan.unmatched += 0 if relative.endswith(REASON_SUFFIX) else 1
                plan.paths += pair
                listed.update(pair)


def _quarantine_pair(relative: str) -> list[str]:
    return [f"quarantine/{relative}", f"quarantine/{relative}{REASON_SUFFIX}"]


def _summary(session: Session, plan: _Plan, *, home: Path, counting_only: bool) -> ErasureSummary:
    ids, persons = plan.case_ids, plan.person_ids

    def count(model, column, values) -> int:
        if not values:
            return 0
        return session.exec(select(func.count()).select_from(model).where(column.in_(values))).one()

    files = sum(1 for p in set(plan.paths) if (home / p).is_file()) if counting_only else 0
    for folder in (p for p in set(plan.paths) if (home / p).is_dir()):
        files += sum(1 for f in (home / folder).rglob("*") if f.is_file()) if counting_only else 0
    return ErasureSummary(
        case_references=tuple(plan.references), cases=len(ids), persons=len(persons),
        consents=count(Consent, Consent.person_id, persons), addresses=count(PersonAddress, PersonAddress.person_id, persons),
        events=count(CaseEvent, CaseEvent.case_id, ids), deadlines=count(Deadline, Deadline.case_id, ids),
        appointments=count(Appointment, Appointment.case_id, ids), employer_links=count(CaseSme, CaseSme.case_id, ids),
        documents=len(plan.document_ids), letters=plan.letter_count, mails=count(OutboxMessage, OutboxMessage.case_id, ids),
        ledger_rows=len(plan.ledger_ids), quarantined_files=plan.quarantined, unmatched_quarantined_files=plan.unmatched,
        search_documents=len(ids), files=files,
        keys_shredded=session.exec(select(func.count()).select_from(PersonKey).where(or_(
            PersonKey.person_id.in_(persons or [-1]), PersonKey.case_reference.in_(plan.references or [""])))).one(),
    )


def _delete_rows(session: Session, plan: _Plan) -> None:
    """Children before parents, as single statements (no object loaded into the session): the
    search documents first (their words are read from them), then the ledger (it names documents),
    the case's rows, the report marks the deleted events leave, the cases, the persons and keys."""
    ids, persons = plan.case_ids, plan.person_ids
    if ids:
        delete_documents(session, ids)
    if plan.ledger_ids:
        session.execute(delete(IntakeFile).where(IntakeFile.id.in_(plan.ledger_ids)))
    if ids:
        for model in (Document, Letter, OutboxMessage, CaseSme, Appointment, Deadline, CaseEvent):
            session.execute(delete(model).where(model.case_id.in_(ids)))
        session.execute(delete(report_case_dirty).where(report_case_dirty.c.case_id.in_(ids)))
        session.execute(delete(Case).where(Case.id.in_(ids)))
        shred_case_keys(session, plan.references)  # the entries about these cases: unreadable, the person's stay
    if persons:
        session.execute(delete(Consent).where(Consent.person_id.in_(persons)))
        session.execute(delete(PersonAddress).where(PersonAddress.person_id.in_(persons)))
        for table in (report_person_span, report_person_dirty):  # derived rows and marks (the case's went with it)
            session.execute(delete(table).where(table.c.person_id.in_(persons)))
        session.execute(delete(Person).where(Person.id.in_(persons)))
        for person_id in persons:
            shred_person_key(session, person_id)
    session.flush()


def _replace_counts(summary: ErasureSummary, **counts: int) -> ErasureSummary:
    return ErasureSummary(**{**asdict(summary), "case_references": summary.case_references, **counts})


# ------------------------------------------------------------------------------------ files


def _write_manifest(home: Path, plan: _Plan) -> Path:
    """The files to remove once the rows are gone, kept until they are (module docstring)."""
    path = home / MANIFEST_FOLDER / f"{uuid.uuid4().hex}.json"
    write_atomically(path, json.dumps({"references": plan.references, "persons": plan.person_ids,
                                       "paths": sorted(set(plan.paths))},
                                      ensure_ascii=False).encode("utf-8"))
    return path


def _remove_files(home: Path, paths: Collection[str]) -> tuple[int, int, int]:
    """Remove these files and folders (relative to the state folder, never outside it, never
    following a symlink); (files removed, folders removed, files that could not be removed)."""
    root = home.resolve()
    files = folders = left = 0
    for relative in sorted(set(paths), key=lambda p: (p.count("/"), p), reverse=True):  # files before their folders
        path = home / relative
        try:
            if not path.parent.resolve().is_relative_to(root):
                continue
            if path.is_dir() and not path.is_symlink():
                inside = sum(1 for f in path.rglob("*") if f.is_file() or f.is_symlink())
                shutil.rmtree(path)
                files += inside
                folders += 1
            elif path.is_file() or path.is_symlink():
                path.unlink()
                files += 1
        except OSError:
            left += 1
    return files, folders, left


def finish_erasures(engine: Engine, *, home: Path | None = None) -> int:
    """Finish the erasures a crash cut off (module docstring): a manifest whose cases are gone has its
    files removed; one whose cases all still exist belongs to an erasure that never committed and is
    dropped with the files left alone. The number of files removed."""
    home = home or get_settings().home
    folder = home / MANIFEST_FOLDER
    if not folder.is_dir():
        return 0
    return sum(_finish_one(engine, home, manifest) for manifest in sorted(folder.glob("*.json")))


def _finish_one(engine: Engine, home: Path, manifest: Path) -> int:
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    references, persons = list(content.get("references", [])), list(content.get("persons", []))
    with Session(engine) as session:
        cases = set(session.exec(select(Case.reference).where(Case.reference.in_(references)))) if references else set()
        people = set(session.exec(select(Person.id).where(Person.id.in_(persons)))) if persons else set()
    if (references or persons) and cases == set(references) and people == set(persons):
        manifest.unlink(missing_ok=True)  # that erasure never committed: its files stay with their rows
        return 0
    if cases or people:  # references and ids are never given twice: a part of them left is not ours to judge
        return 0
    files, _, left = _remove_files(home, content.get("paths", []))
    if not left:
        manifest.unlink(missing_ok=True)
    return files


def compact(engine: Engine) -> None:
    """After an erasure on SQLite: both full-text indexes merged into one segment each (FTS5 keeps a
    deleted document's trigrams in older segments until a merge), then the write-ahead log
    checkpointed and truncated, so neither the index nor the -wal file keeps a page with old text;
    `secure_delete` (models/db.py) has zeroed the freed cells and pages. PostgreSQL: nothing here
    (README: dead tuples and VACUUM)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO case_search (case_search) VALUES ('optimize')"))
        connection.execute(text("INSERT INTO search_word_trigram (search_word_trigram) VALUES ('optimize')"))
    with engine.connect() as connection:
        for _ in range(5):  # a reader holding an old snapshot (the web page) keeps the log: try again
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            if busy is None or not busy[0]:
                break
        connection.commit()


# ------------------------------------------------------------------------------------ names


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").casefold()


def _name_parts(person: Person) -> list[str]:
    """The person's name parts as a file name would carry them (folded), long enough to mean something."""
    parts = []
    for name in (person.given_name, person.family_name, person.latin_given_name, person.latin_family_name):
        for part in _fold(name or "").replace("-", " ").split():
            if len(part) >= MIN_NAME_LETTERS:
                parts.append(part)
    return parts


def person_of_reference(engine: Engine, reference: str) -> tuple[int, list[str]]:
    """(person id, the person's case references) for a case reference (NotFound names it)."""
    wanted = (reference or "").strip().upper()[:30]
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == wanted)).first()
        if case is None:
            raise NotFound("case", wanted)
        references = list(session.exec(select(Case.reference).where(Case.person_id == case.person_id).order_by(Case.id)))
        return case.person_id, references
