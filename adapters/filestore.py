"""Files in the state folder: written beside their final name and renamed, so that a crash never
leaves a half file under the final name; turned-away files moved into quarantine beside their reason,
never deleted, never overwritten.

What comes from the inbox is handled as the file system gives it: names as bytes (`list_files`),
each entry looked at with `lstat` before anything else (`look`), and only a regular file opened, without
following a link and without blocking (`copy_unchanged`), so a named pipe, a socket or a device is never
opened and a symlink never followed.

Every write names its folder when the disk is full or the folder cannot be written
(`adapters.storage.writing_into`): the half-written file is removed and a `StorageFault` raised, so
no partial file stays behind and the caller can stop the batch instead of blaming the file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from adapters.storage import remove_quietly, storage_code, writing_into
from domain.display import visible
from domain.errors import StorageFault
from domain.files import PARTIAL_SUFFIX, REASON_SUFFIX

_CHUNK = 256 * 1024


# ------------------------------------------------------------------------------------ looking


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What `lstat` (or `fstat`) said about one file at one moment.

    `ctime_ns` is the inode's change time: the kernel sets it to "now" on every write, truncation,
    rename or time change, and no program can set it back (``touch -d``, ``cp -p`` and rsync set
    only the mtime). The later of the two is when the file last changed for certain."""

    device: int
    inode: int
    mode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, result: os.stat_result) -> Snapshot:
        return cls(result.st_dev, result.st_ino, result.st_mode, result.st_size, result.st_mtime_ns, result.st_ctime_ns)

    @property
    def regular(self) -> bool:
        return stat.S_ISREG(self.mode)

    def last_change(self, now: float) -> float:
        """When the file last changed, in seconds since the epoch (as `time.time()`): the later of
        mtime and ctime; a mtime later than `now` (a wrong clock on the PC that wrote it, a date
        set on purpose) is not believed, else such a file would wait until that date."""
        mtime, ctime = self.mtime_ns / 1e9, self.ctime_ns / 1e9
        return ctime if mtime > now else max(mtime, ctime)

    def same_file(self, other: Snapshot) -> bool:
        return (self.device, self.inode) == (other.device, other.inode)


def look(path: Path) -> Snapshot:
    """`lstat`: the entry itself, never what a symlink points to; nothing is opened."""
    return Snapshot.of(os.lstat(path))


def list_files(root: Path) -> list[tuple[tuple[bytes, ...], Path]]:
    """Every entry under `root` that is not a directory, as (name parts as bytes, path), sorted by
    the bytes. Directories are entered only when they are real directories (a symlink to one is
    listed as an entry, not followed); nothing is opened. A folder that cannot be listed is skipped,
    the rest is listed."""
    found: list[tuple[tuple[bytes, ...], Path]] = []
    if not root.is_dir():
        return found
    pending: list[tuple[bytes, tuple[bytes, ...]]] = [(os.fsencode(root), ())]
    while pending:
        folder, parts = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = [(entry.name, entry.path, entry.is_dir(follow_symlinks=False)) for entry in entries]
        except OSError:
            continue
        for name, path, is_dir in listed:
            if is_dir:
                pending.append((path, (*parts, name)))
            else:
                found.append(((*parts, name), Path(os.fsdecode(path))))
    found.sort(key=lambda entry: entry[0])
    return found


# ------------------------------------------------------------------------------------ copying


class FileReplaced(Exception):
    """The path no longer names the file that `lstat` saw (replaced, or no longer a regular file)."""


@dataclass(frozen=True, slots=True)
class Copy:
    """A copy of an inbox file in the staging folder.

    `sha256` is computed over the bytes as they were written into the copy, `size` counts them.
    `unchanged` is True when the source had the same size, mtime and ctime (per fstat) before the
    first and after the last byte was read, and exactly that many bytes were read: the copy is then
    the file as it stood, not a file still being written."""

    sha256: str
    size: int
    unchanged: bool
    before: Snapshot
    after: Snapshot


def open_regular(path: Path, seen: Snapshot) -> BinaryIO:
    """Open the regular file `seen` describes for reading: O_NOFOLLOW (a symlink put there since is
    not followed), O_NONBLOCK (a named pipe put there since does not hang the open), then `fstat`
    must show the same regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        now = Snapshot.of(os.fstat(fd))
        if not now.regular or not now.same_file(seen):
            raise FileReplaced(str(path))
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def copy_unchanged(source: Path, target: Path, *, seen: Snapshot, limit: int) -> Copy:
    """Copy the regular file `source` to `target` (a staging file, overwritten), hashing the bytes
    as they are written, and tell whether the source changed meanwhile (see `Copy`). At most
    `limit` + 1 bytes are copied: a file that grows past the limit is a changed file. The copy is
    in the page cache when this returns; `flush_to_disk` writes a batch's copies out before its
    commit (one flush per batch: an fsync per file cost a third of the intake's time). A full or
    unwritable staging folder: StorageFault, the copy removed (the source is opened outside that
    guard: a source that cannot be read is the file's trouble)."""
    with writing_into(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    copied = 0
    with open_regular(source, seen) as stream:
        before = Snapshot.of(os.fstat(stream.fileno()))
        with writing_into(target.parent, target), target.open("wb") as out:
            while copied <= limit and (chunk := stream.read(min(_CHUNK, limit + 1 - copied))):
                out.write(chunk)
                digest.update(chunk)
                copied += len(chunk)
        after = Snapshot.of(os.fstat(stream.fileno()))
    unchanged = seen == before == after and copied == before.size
    return Copy(digest.hexdigest(), copied, unchanged, before, after)


def copy_stream(stream: BinaryIO, target: Path) -> tuple[str, int]:
    """Copy an open stream (from its start) to `target`, hashing the bytes as they are written;
    (SHA-256, size). Flushed to the disk with fsync (one upload at a time: cheap here). A full or
    unwritable folder: StorageFault, the copy removed."""
    with writing_into(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    copied = 0
    stream.seek(0)
    with writing_into(target.parent, target), target.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            out.write(chunk)
            digest.update(chunk)
            copied += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), copied


def flush_to_disk() -> None:
    """Write every file's data out to the disk (sync(2)) before the database records the files as
    stored and their inbox files are removed: after a power cut the database must not name a
    document whose bytes were still in memory. SIGKILL needs no flush (the page cache survives it)."""
    os.sync()


def promote(staged: Path, target: Path) -> None:
    """Give a verified staging copy its final name (a rename on the same file system: the final name
    holds either nothing or the whole file). A repeat copy of the same content replaces it. A full or
    unwritable case folder: StorageFault naming it (the staging copy is the caller's to drop)."""
    with writing_into(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)


def discard(path: Path) -> None:
    """Remove a staging copy of our own (never a file a person dropped)."""
    path.unlink(missing_ok=True)


def sweep_partials(folder: Path, *, older_than_seconds: float) -> int:
    """Remove staging copies a killed run left behind and no later run took up (their inbox file
    was removed by a person meanwhile). A live run's copy is seconds old; the limit is far above."""
    if not folder.is_dir():
        return 0
    removed = 0
    limit = time.time() - older_than_seconds
    for entry in os.scandir(folder):
        try:
            if entry.name.endswith(PARTIAL_SUFFIX) and entry.is_file(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def save_stream(stream: BinaryIO, target: Path) -> None:
    """Write an open stream (read from its start, in chunks) beside `target` and rename it: a crash
    leaves no half file; never over an existing file."""
    _refuse_existing(target)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    stream.seek(0)
    with writing_into(target.parent, partial):
        target.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as out:
            shutil.copyfileobj(stream, out, _CHUNK)
        os.replace(partial, target)


# ------------------------------------------------------------------------------------ removing from the inbox


def remove_if_unchanged(path: Path, seen: Snapshot) -> bool:
    """Remove the inbox file once its content is stored, but only when it is still the file that
    was copied, with the same size, mtime and ctime: a writer that went on writing after the copy
    (a stalled USB copy resuming) keeps its file, and its bytes are not lost. False when it was left."""
    try:
        now = look(path)
    except FileNotFoundError:
        return True  # removed by the run that was cut off
    if now != seen:
        return False
    with writing_into(path.parent):
        os.unlink(path)
    return True


# ------------------------------------------------------------------------------------ quarantine


def write_reason(target: Path, *, shown_as: str, reason: str, source: str | None = None,
                 name_hex: str | None = None) -> None:
    """The `.reason.txt` beside a quarantined file: which file, why, when (and from whom). Every
    text from outside goes through `visible`; the name's bytes (hex) when it was not UTF-8. Written
    beside its final name and renamed."""
    lines = [f"Datei: {visible(shown_as)}"]
    if name_hex:
        lines.append(f"Name als Bytes (hex): {name_hex}")
    if source:
        lines.append(f"Quelle: {visible(source)}")
    lines += [f"Grund: {visible(reason)}", f"Zeit (UTC): {datetime.now(UTC):%Y-%m-%d %H:%M:%S}"]
    reason_file = target.with_name(target.name + REASON_SUFFIX)
    write_atomically(reason_file, ("\n".join(lines) + "\n").encode("utf-8"))


def quarantine(source: Path, target: Path, *, shown_as: str, reason: str, name_hex: str | None = None,
               source_note: str | None = None, seen: Snapshot | None = None) -> bool:
    """Move a turned-away file into quarantine beside its reason; never over another file there.
    With `seen`, only when the source is still that file unchanged (else False: it stays where it is).
    A named pipe, socket or device is moved as the directory entry it is, never opened."""
    if seen is not None:
        try:
            now = look(source)
        except FileNotFoundError:
            return True  # moved by the run that was cut off
        if not now.same_file(seen) or (seen.regular and now != seen):
            return False
    _refuse_existing(target)
    write_reason(target, shown_as=shown_as, reason=reason, source=source_note, name_hex=name_hex)
    try:
        os.rename(source, target)
    except OSError as error:
        code = storage_code(error)
        if code is None:
            raise
        remove_quietly(target.with_name(target.name + REASON_SUFFIX))  # a reason stays only beside its file
        # the rename writes into both folders: name the one that refuses writing (else the quarantine's)
        folder = source.parent if not os.access(source.parent, os.W_OK) else target.parent
        raise StorageFault(code, str(folder)) from error
    return True


def _refuse_existing(target: Path) -> None:
    if os.path.lexists(target):
        raise FileExistsError(f"{visible(str(target))} exists already; quarantine never overwrites")


def write_atomically(path: Path, data: bytes) -> None:
    """Beside the final name, then renamed: a crash leaves no half letter (as flows/intake.py); a full
    or unwritable folder leaves no partial file either (StorageFault naming the folder)."""
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    with writing_into(path.parent, partial):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
