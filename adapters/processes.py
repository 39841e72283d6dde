"""Child processes that never outlive the process that started them (Linux).

A child is started in a session (and process group) of its own, so that stopping it stops what it
started too (`stop`: SIGTERM to the group, SIGKILL after a grace period, then any descendant that
left the group), and with the kernel's parent-death signal (`prctl(PR_SET_PDEATHSIG)`): when the
parent dies, even by SIGKILL, the child gets SIGTERM. This is what keeps a killed `welcome-center
intake` from leaving its Prefect server behind, and `welcome-center up` from leaving anything.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

from adapters.process_identity import UNKNOWN_START, Liveness, liveness

PR_SET_PDEATHSIG = 1


def _die_with(parent: int, death_signal: int):
    def preexec() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
        except (OSError, AttributeError):  # not Linux: the process group still lets `stop` reach it
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), death_signal)

    return preexec


def spawn(args: list[str], *, env: dict[str, str], cwd: Path | None = None, log: Path | None = None,
          pass_fds: tuple[int, ...] = (), death_signal: int = signal.SIGTERM) -> subprocess.Popen:
    """Start `args` in a new session, tied to this process's life (`death_signal` when this process
    dies); output appended to `log` (or discarded)."""
    sink = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (handed to the child)
    try:
        return subprocess.Popen(
            args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with(os.getpid(), death_signal), pass_fds=pass_fds, close_fds=True,
        )
    finally:
        if log:
            sink.close()


def descendants(pid: int) -> list[int]:
    """Every living descendant of `pid` (read from /proc; empty where there is no /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, counts as gone)."""
    return liveness(pid, UNKNOWN_START) is Liveness.RUNNING


def stop(process: subprocess.Popen, *, grace: float = 5.0) -> None:
    """SIGTERM to the child's process group, SIGKILL to whatever of it (or its descendants) is left
    after `grace` seconds; returns when all are gone."""
    if process.poll() is not None and not descendants(process.pid):
        return
    family = [process.pid, *descendants(process.pid)]
    _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()
        if not any(alive(pid) for pid in family):
            break
        time.sleep(0.05)
    else:
        _signal_group(process.pid, signal.SIGKILL)
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
