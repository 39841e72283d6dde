"""`welcome-center person …`: what the DSGVO asks of a person's data. `person export REF --out FILE.zip`
writes the access export (Art. 15, services/access_export.py) of the person with the case REF."""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from adapters.database import ready_engine
from adapters.docx import load_letter_texts
from adapters.settings import get_settings
from domain.errors import InvalidInput, _clip
from models.db import session_scope
from services.access_export import export_person
from welcome_center.cli.console import actor, err, escape, friendly, out

Opt = typer.Option
person_app = typer.Typer(help="A person's data under the DSGVO: the access export (Art. 15).", no_args_is_help=True)
app = typer.Typer()


@app.callback()
def _group() -> None:
    """A person's data (DSGVO)."""


def _checked_target(path: Path) -> Path:
    """The file --out names: a new file in an existing folder; an existing file (or folder) is refused,
    never overwritten."""
    if path.exists() or path.is_symlink():
        raise InvalidInput("export.out_exists", "--out", value=_clip(str(path), 80))
    if not path.parent.is_dir():
        raise InvalidInput("export.out_folder_missing", "--out", value=_clip(str(path.parent), 80))
    return path


@person_app.command("export")
@friendly
def person_export(
    reference: Annotated[str, typer.Argument(help="a case reference of the person, e.g. VER-2026-0042")],
    out_file: Annotated[Path, Opt("--out", help="the ZIP to write (a new file; an existing one is never overwritten)")],
):
    """Everything stored about the person of case REF as a ZIP (Art. 15 DSGVO): a summary (HTML, in
    German and the person's language), daten.json, documents, letters, mails and the audit entries; audited."""
    target = _checked_target(out_file)
    settings = get_settings()
    languages = tuple(load_letter_texts().languages)
    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:80]}.", suffix=".part")
    partial = Path(partial_name)
    published = False
    try:
        with session_scope(ready_engine()) as session:
            with os.fdopen(handle, "w+b") as stream:
                result = export_person(
                    session, reference=reference, actor=None, audit_actor=actor(), cases_dir=settings.cases_dir,
                    quarantine_dir=settings.quarantine_dir, letter_languages=languages, now=datetime.now(UTC),
                    target=stream, channel="cli",
                )
                stream.flush()
                os.fsync(stream.fileno())
            try:
                os.link(partial, target)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise InvalidInput("export.out_exists", "--out", value=_clip(str(target), 80)) from None
            published = True
    except BaseException:
        if published:  # the audit entry did not commit: the file does not go out either
            with contextlib.suppress(OSError):
                target.unlink()
        raise
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    counts = result.counts
    out.print(f"Auskunft zu {escape(result.reference)} nach {escape(str(target))} geschrieben: "
              f"{counts['cases']} Fälle, {counts['documents']} Unterlagen, {counts['letters']} Briefe, "
              f"{counts['mails']} E-Mails, {counts['audit_entries']} Protokolleinträge "
              f"(Zusammenfassung: {', '.join(result.languages)}).", soft_wrap=True)
    for missing in result.missing:
        err.print(f"[yellow]Warning:[/] file missing on disk, listed as missing in the export: {escape(missing)}",
                  soft_wrap=True)


app.add_typer(person_app, name="person")
