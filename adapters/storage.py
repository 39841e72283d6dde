"""A full disk, a read-only mount or a folder closed to the service, recognised wherever it surfaces and
reported as one `domain.errors.StorageFault` that names the folder.

The system says it in several ways: an `OSError` with ENOSPC or EDQUOT (full), EROFS (read-only),
EACCES or EPERM (closed to us; `chattr +i` gives EPERM even to root); SQLite's SQLITE_FULL ("database
or disk is full") or SQLITE_READONLY, which SQLAlchemy wraps in an OperationalError; and, from
Prefect's temporary server writing its own database, only an HTTP 500. So:

- where the service writes a file it knows the folder: `writing_into(folder, partial)` removes what
  the block had begun to write and raises the fault naming that folder (adapters.filestore);
- where an error arrives from further away (a failed Prefect task, SQLAlchemy), `storage_fault_in`
  walks its chain of causes (`__cause__`, `__context__`, SQLAlchemy's `orig`) for one of the above;
- where nothing says why (a disk I/O error, Prefect's 500), `probe` tries to reserve room in each of
  the state folders (`state_folders`); the first that refuses is the one named. The command line runs
  the probe before a flow run too (`ensure_room`): Prefect's temporary server writes its database
  under the state folder and answers a full disk with nothing better than a 500.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.prefect_setup import embedded_prefect_home
from adapters.settings import Settings
from domain.errors import StorageFault

_STORAGE_CODES = {
    errno.ENOSPC: "storage.full",
    errno.EDQUOT: "storage.full",
    errno.EROFS: "storage.read_only",
    errno.EACCES: "storage.denied",
    errno.EPERM: "storage.denied",
}
# SQLite's primary result codes (the low byte of `sqlite_errorcode`): SQLITE_FULL, SQLITE_READONLY
_SQLITE_CODES = {13: "storage.full", 8: "storage.read_only"}
PROBE_BYTES = 1024 * 1024
"""The room a probe reserves: more than a flow run's bookkeeping writes into Prefect's and our database."""


def storage_code(error: BaseException) -> str | None:
    """The catalogue code when `error` is an OSError that says the disk is full or the folder unwritable."""
    return _STORAGE_CODES.get(error.errno) if isinstance(error, OSError) else None


@contextmanager
def writing_into(folder: Path, *partials: Path) -> Iterator[None]:
    """Around code that writes into `folder`: a full, read-only or closed folder becomes a StorageFault
    naming it, after the `partials` (the files the block had begun to write) are removed. Only writes
    belong in the block: a file that cannot be *read* is that file's trouble, not the folder's."""
    try:
        yield
    except OSError as error:
        code = storage_code(error)
        if code is None:
            raise
        for partial in partials:
            remove_quietly(partial)
        raise StorageFault(code, str(folder)) from error


def remove_quietly(path: Path) -> None:
    """Remove a file of our own that was begun; on a read-only folder it cannot be, and nothing else is tried."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def storage_fault_in(error: BaseException, *, database_folder: Path | None = None,
                     fallback: Path | None = None) -> StorageFault | None:
    """The StorageFault that `error` or one of its causes is, or None. An OSError that only a write
    gives (full, read-only) names the folder of its file (else `fallback`); EACCES and EPERM count only
    where our own write raised them (`writing_into`): a file that cannot be read is not a folder
    that cannot be written. A SQLite error names `database_folder`."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, StorageFault):
            return current
        code = storage_code(current)
        if code is not None and code != "storage.denied":
            filename = getattr(current, "filename", None)
            folder = Path(os.fsdecode(filename)).parent if filename else fallback
            if folder is not None:
                return StorageFault(code, str(folder))
        if isinstance(current, sqlite3.Error) and database_folder is not None:
            code = _SQLITE_CODES.get(getattr(current, "sqlite_errorcode", 0) & 0xFF)
            if code is not None:
                return StorageFault(code, str(database_folder))
        pending += [current.__cause__, current.__context__, getattr(current, "orig", None)]
        pending += list(getattr(current, "exceptions", ()))  # an ExceptionGroup
    return None


def database_folder(url: str) -> Path | None:
    """The folder of a SQLite database file (SQLite writes its journal beside it), else None."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.startswith(prefix + ":memory:") or len(url) == len(prefix):
        return None
    return Path(url[len(prefix):].split("?", 1)[0]).parent


def state_folders(settings: Settings) -> list[Path]:
    """The folders a command writes into: the database's (SQLite), Prefect's home on the embedded
    default, the state folder, the case folders and the quarantine; each once, in that order."""
    folders = [database_folder(settings.database_url), embedded_prefect_home(), settings.home, settings.cases_dir,
               settings.quarantine_dir]
    unique: list[Path] = []
    for folder in folders:
        if folder is not None and folder not in unique:
            unique.append(folder)
    return unique


def probe(folder: Path, size: int = PROBE_BYTES) -> StorageFault | None:
    """Whether `folder` (its nearest existing parent when it is not there yet) takes `size` bytes: a
    probe file reserves up to PROBE_BYTES and is removed at once (a quota, a read-only mount and a
    closed folder show only when written), and the file system must report `size` bytes free. The
    fault, or None (any other error is not this one's to tell)."""
    existing = folder
    while not existing.is_dir() and existing != existing.parent:
        existing = existing.parent
    target = existing / f".welcome-center-probe-{uuid.uuid4().hex}"
    try:
        with writing_into(existing, target):
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                os.posix_fallocate(fd, 0, min(size, PROBE_BYTES))
            finally:
                os.close(fd)
        room = os.statvfs(existing)
    except StorageFault as fault:
        return fault
    except OSError:
        return None
    finally:
        remove_quietly(target)
    if room.f_bavail * room.f_frsize < size:
        return StorageFault("storage.full", str(existing))
    return None


def first_fault(folders: list[Path], size: int = PROBE_BYTES) -> StorageFault | None:
    for folder in folders:
        fault = probe(folder, size)
        if fault is not None:
            return fault
    return None


def ensure_room(folders: list[Path], size: int = PROBE_BYTES) -> None:
    """Raise the fault of the first of `folders` that has not `size` bytes of room, is read-only or
    closed to us."""
    fault = first_fault(folders, size)
    if fault is not None:
        raise fault


def flow_run_folders(settings: Settings) -> list[Path]:
    """What any flow run writes into before it touches a case: the database's folder and Prefect's
    home (its temporary server's database)."""
    return [folder for folder in (database_folder(settings.database_url), embedded_prefect_home()) if folder is not None]


def diagnose(error: BaseException, settings: Settings) -> StorageFault | None:
    """The full or unwritable folder behind `error`: the one the error names, else the first state
    folder that a probe finds full or unwritable (a SQLite "disk I/O error", Prefect's HTTP 500),
    else None. Call it for an error that is not otherwise explained, not for bad input."""
    found = storage_fault_in(error, database_folder=database_folder(settings.database_url))
    if found is None:
        found = first_fault(state_folders(settings))
    code = storage_code(error)
    if found is None and code is not None and code != "storage.denied":
        found = StorageFault(code, str(settings.home))  # room again since; the state folder is the best guess
    return found
