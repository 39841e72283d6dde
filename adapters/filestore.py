"""Files in the state folder: written beside their final name and renamed, so that a crash never
leaves a half file under the final name; turned-away files moved into quarantine beside their reason,
never deleted."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO


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


def write_atomically(path: Path, data: bytes) -> None:
    """Beside the final name, then renamed: a crash leaves no half letter (as flows/intake.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)
