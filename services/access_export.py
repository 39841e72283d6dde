"""The access export (Art. 15 DSGVO): everything stored about a person, as one ZIP, from the command
line (`welcome-center person export REF --out FILE.zip`) and the case page's button alike.

The ZIP holds:

- `zusammenfassung.html`: the readable summary in German, and `zusammenfassung.<lang>.html` in the
  person's language where letters exist in it (domain/access_export.py); self-contained and printable;
- `daten.json`: every stored value: the rows of every table about the person and their cases, each
  with all its columns (models/person_data.py), the audit entries about them opened
  (services.audit.history: who, when, which action, before, after), and the list of files with the
  name each has in the ZIP (or none, when it was missing on disk);
- `unterlagen/`, `briefe/` (.docx and .pdf), `mails/` (each outbox mail as .eml), `quarantaene/`
  (files of their cases turned away by the inbox) and `weitere/` (any other file in a case's folder):
  names made safe (domain.access_export.zip_member), the original names kept in daten.json.

A file recorded in the database but missing on disk is listed as missing, in the summary and in
daten.json; the export goes on. The export is audited (`person.export`: who, the case reference and
counts, no value), in the caller's transaction: the caller commits, then hands out the file.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlmodel import Session

from domain.access import Actor, may_see
from domain.access_export import summary_file_name, summary_html, summary_languages, zip_member
from domain.errors import InvalidInput
from domain.files import REASON_SUFFIX
from models.person_data import person_tables
from models.selectors import case_by_reference
from services.audit import history, record_audit

TABLES_DE = {
    "person": "Ihre Angaben", "consent": "Einwilligungen", "person_address": "Anschrift",
    "recognition_case": "Fälle", "case_event": "Schritte der Fälle", "deadline": "Fristen", "appointment": "Termine",
    "document": "Unterlagen (Angaben zu den Dateien in unterlagen/)", "letter": "Briefe (Dateien in briefe/)",
    "outbox": "E-Mails (Dateien in mails/)", "case_sme": "Verknüpfte Betriebe",
    "sme": "Betriebe, denen das Ergebnis mitgeteilt werden darf (Name und Ort)",
    "intake_file": "Eingang von Dateien (Posteingang, Quarantäne)",
    "report_case_fact": "für Berichte abgeleitete Tage der Meilensteine (aus den Schritten)",
    "report_case_change": "für Berichte abgeleitete Zustandswechsel (aus den Schritten)",
    "report_case_dirty": "Vermerk, dass die Berichtswerte eines Falls neu zu berechnen sind",
    "report_person_span": "für Berichte abgeleitete Zeiträume mit offenem Fall (aus den Fällen und Ihren Angaben)",
    "report_person_dirty": "Vermerk, dass die Berichtswerte einer Person neu zu berechnen sind",
    "case_search": "Suchtext der Fallsuche (abgeleitet aus Namen, Aktenzeichen und Beruf)",
}


@dataclass(frozen=True)
class AccessExport:
    """What one export wrote: whose, which cases, how many of what, which files were missing."""

    reference: str
    person_id: int
    references: tuple[str, ...]
    languages: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _json_rows(rows: list[dict]) -> list[dict]:
    return [{key: _json_value(value) for key, value in row.items()} for row in rows]


def _audit_value(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _regular_file_inside(root: Path, relative: str) -> Path | None:
    """`root/relative` when it is a regular file inside `root` (no symlink, no way out), else None."""
    try:
        base = root.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(base) or (root / relative).is_symlink():
            return None
        return path if stat.S_ISREG(os.lstat(path).st_mode) else None
    except (OSError, ValueError):
        return None


def _eml(row: dict) -> bytes:
    """An outbox mail as the recipient got it (or would have): headers and the text body."""
    def header(value: object) -> str:
        return " ".join(str(value or "").split())  # a header is one line, whatever was stored

    message = EmailMessage()
    message["To"] = header(row["recipient"])
    message["Subject"] = header(row["subject"])
    moment = row.get("sent_at") or row.get("created_at")
    if isinstance(moment, datetime):
        message["Date"] = format_datetime(moment)
    message["Message-ID"] = header(row["message_id"])
    message["X-Welcome-Center-State"] = header(row["state"])
    message.set_content(row["body"] or "")
    return bytes(message)


def export_person(
    session: Session,
    *,
    reference: str,
    actor: Actor | None,
    audit_actor: str,
    cases_dir: Path,
    quarantine_dir: Path,
    letter_languages: Collection[str],
    now: datetime,
    target: BinaryIO,
    channel: str,
) -> AccessExport:
    """Write the ZIP of the person with the case `reference` into `target` and record the audit entry
    (not committed). `actor` None is the operator (the command line); an adviser may export a person
    whose cases all lie in their districts (else NotFound, as for the case page; or
    `export.other_district` when a case of the person lies outside)."""
    case = case_by_reference(session, reference, actor=actor)
    tables = person_tables(session, person_id=case.person_id)
    person = tables["person"][0]
    outside = [c["reference"] for c in tables["recognition_case"] if actor is not None and not may_see(actor, c["district"])]
    if outside:
        raise InvalidInput("export.other_district", "reference", value=case.reference)
    references = tuple(c["reference"] for c in tables["recognition_case"])
    reference_of = {c["id"]: c["reference"] for c in tables["recognition_case"]}

    audit: dict[int, Any] = {}
    for ref in references:
        for entry in history(session, case_reference=ref, person_id=case.person_id):
            audit[entry.id] = entry
    audit_rows = [{
        "id": e.id, "at": _json_value(e.at), "actor": e.actor, "action": e.action, "entity": e.entity,
        "entity_id": e.entity_id, "case_reference": e.case_reference, "person_id": e.person_id,
        "before": _audit_value(e.before), "after": _audit_value(e.after),
    } for _, e in sorted(audit.items())]

    taken: set[str] = set()
    files: list[dict] = []
    copies: list[tuple[Path, str]] = []
    generated: list[tuple[str, bytes]] = []

    def add_file(table: str, row_id: int, role: str, root: Path, relative: str, folder: str, original: str) -> None:
        path = _regular_file_inside(root, relative)
        member = zip_member(folder, original, prefix=str(row_id), taken=taken) if path is not None else None
        files.append({"table": table, "row_id": row_id, "role": role, "original_name": original,
                      "stored_path": relative, "zip_name": member})
        if path is not None:
            copies.append((path, member))

    for row in tables["document"]:
        ref = reference_of[row["case_id"]]
        add_file("document", row["id"], "file", cases_dir / ref, f"documents/{row['stored_name']}",
                 f"unterlagen/{ref}", row["original_name"])
    for row in tables["letter"]:
        ref = reference_of[row["case_id"]]
        add_file("letter", row["id"], "docx", cases_dir / ref, _within_case(row["path"], ref),
                 f"briefe/{ref}", Path(row["path"]).name)
        if row["pdf_path"]:
            add_file("letter", row["id"], "pdf", cases_dir / ref, _within_case(row["pdf_path"], ref),
                     f"briefe/{ref}", Path(row["pdf_path"]).name)
    for row in tables["intake_file"]:
        if row["quarantine_path"]:
            add_file("intake_file", row["id"], "quarantine", quarantine_dir, row["quarantine_path"],
                     "quarantaene", Path(row["quarantine_path"]).name)
            reason = row["quarantine_path"] + REASON_SUFFIX  # written beside it: why it was turned away
            if _regular_file_inside(quarantine_dir, reason) is not None:
                add_file("intake_file", row["id"], "quarantine_reason", quarantine_dir, reason, "quarantaene",
                         Path(reason).name)
    for row in tables["outbox"]:
        ref = reference_of[row["case_id"]]
        member = zip_member(f"mails/{ref}", f"{row['rule']}.eml", prefix=str(row["id"]), taken=taken)
        files.append({"table": "outbox", "row_id": row["id"], "role": "mail", "original_name": f"{row['rule']}.eml",
                      "stored_path": None, "zip_name": member})
        generated.append((member, _eml(row)))
    for ref in references:  # anything else lying in a case's folder is stored about the person too
        known = {path for path, _ in copies}
        for path in _files_under(cases_dir / ref):
            if path.resolve() not in known:
                relative = path.relative_to(cases_dir / ref).as_posix()
                add_file("case_folder", 0, "other", cases_dir / ref, relative, f"weitere/{ref}", relative)

    data = {
        "made_at": now.isoformat(),
        "requested_reference": case.reference,
        "about": "Auskunft nach Art. 15 DSGVO: alle gespeicherten Werte zu der Person und ihren Fällen, Tabelle "
                 "für Tabelle mit allen Spalten; dazu die Einträge des Protokolls über sie (wer, wann, was, vorher, "
                 "nachher) und die Liste der Dateien mit ihrem Namen in diesem Archiv.",
        "table_descriptions": {name: TABLES_DE[name] for name in tables if name in TABLES_DE},
        "tables": {name: _json_rows(rows) for name, rows in tables.items()},
        "audit": audit_rows,
        "files": files,
    }
    languages = summary_languages(person["language"], letter_languages)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, content in generated:
            archive.writestr(member, content)
        copied = set()
        for path, member in copies:
            # opened before its entry is begun: a file gone since it was looked at is listed as missing
            try:
                source = open(path, "rb", opener=_no_follow)  # noqa: SIM115 - closed by the with below
            except OSError:
                continue
            with source, archive.open(member, "w", force_zip64=True) as sink:
                shutil.copyfileobj(source, sink, 1024 * 1024)
            copied.add(member)
        for entry in files:
            if entry["zip_name"] is not None and entry["role"] != "mail" and entry["zip_name"] not in copied:
                entry["zip_name"] = None
        # the data and the summaries last: they name the files as they went into the archive
        archive.writestr("daten.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))
        for language in languages:
            archive.writestr(summary_file_name(language), summary_html(data, language=language))

    missing = tuple(f["stored_path"] for f in files if f["zip_name"] is None)
    counts = {
        "cases": len(references), "documents": len(tables["document"]), "letters": len(tables["letter"]),
        "mails": len(tables["outbox"]), "audit_entries": len(audit_rows),
        "files": sum(1 for f in files if f["zip_name"]), "missing_files": len(missing),
    }
    record_audit(session, actor=audit_actor, action="person.export", entity="person", entity_id=case.person_id,
                 case_reference=case.reference, person_id=case.person_id, after={"channel": channel, **counts})
    return AccessExport(reference=case.reference, person_id=case.person_id, references=references,
                        languages=tuple(languages), counts=counts, missing=missing)


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW)


def _within_case(path: str, reference: str) -> str:
    """A letter's path (relative to the cases folder, `<reference>/letters/…`) relative to its case's
    folder; a path that names another folder is kept whole, and then is not found inside this one."""
    prefix = f"{reference}/"
    return path[len(prefix):] if path.startswith(prefix) else f"../{path}"


def _files_under(folder: Path) -> list[Path]:
    """Regular files under `folder`, symlinks not followed, sorted; none when it does not exist."""
    found: list[Path] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    found.append(path)
            except OSError:
                continue
    return found
