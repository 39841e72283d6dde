"""Where a running `welcome-center up` can be found: a lock, a PID file and its addresses, in the
state folder.

`up` holds an exclusive `flock` on `up.lock` for as long as it runs; the kernel drops the lock when
the process ends, however it ends, so a stale `up.json` left by a killed `up` is never believed.
`up.pid` holds its PID (for `kill`, systemd and people), `up.json` its addresses.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class UpInfo:
    pid: int
    web_url: str
    prefect_ui: str
    prefect_api: str
    started_at: str


def lock_path(home: Path) -> Path:
    return home / "up.lock"


def info_path(home: Path) -> Path:
    return home / "up.json"


def pid_path(home: Path) -> Path:
    return home / "up.pid"


class AlreadyRunning(Exception):
    def __init__(self, info: UpInfo | None) -> None:
        super().__init__(info)
        self.info = info


class UpLock:
    """Held by the running `up`; `acquire` raises AlreadyRunning (with the running one's info)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._fd: int | None = None

    def acquire(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(self.home), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(read_info(self.home)) from None
        self._fd = fd
        _write(pid_path(self.home), f"{os.getpid()}\n")

    def publish(self, info: UpInfo) -> None:
        _write(pid_path(self.home), f"{info.pid}\n")
        _write(info_path(self.home), json.dumps(asdict(info), indent=2) + "\n")

    def release(self) -> None:
        for path in (info_path(self.home), pid_path(self.home)):
            path.unlink(missing_ok=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def running_up(home: Path) -> UpInfo | None:
    """The running `up` of this state folder, or None (nothing holds the lock)."""
    try:
        fd = os.open(lock_path(home), os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return read_info(home)
    finally:
        os.close(fd)  # closing drops a shared lock we may have taken
    return None


def read_info(home: Path) -> UpInfo | None:
    """The addresses of the `up` holding the lock; while it is still starting, its PID alone."""
    try:
        return UpInfo(**json.loads(info_path(home).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    try:
        return UpInfo(pid=int(pid_path(home).read_text(encoding="utf-8").strip()), web_url="", prefect_ui="",
                      prefect_api="", started_at="")
    except (OSError, ValueError):
        return None


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
