"""Is the process that holds a claim still there? Asked of this machine's kernel.

A claim on an outbox row names its holder as host, PID and the process's start time
(`services.reminders.worker_name`). On the same host, a PID alone is not enough: after a process
ends, the kernel hands its number to the next process sooner or later. The start time (field 22 of
`/proc/<pid>/stat`, in clock ticks since boot) together with the PID names one process; a different
start time under the same PID means the holder is gone and its number was reused.

Without `/proc` (macOS, a container without procfs) the start time is unknown ("-"): then only
`os.kill(pid, 0)` answers, and a reused PID makes a dead holder look alive, so its rows wait out
their lease as before, never less. After a reboot the start ticks begin again at zero: a holder from
before the reboot whose PID and start ticks a new process matches exactly would look alive (again
only the lease is waited out). The host name must stand for one PID namespace: containers that share
a host name but not their process table would see each other's live holders as gone.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

UNKNOWN_START = "-"


class Liveness(StrEnum):
    RUNNING = "running"
    GONE = "gone"


def start_ticks(pid: int) -> str:
    """The start time of process `pid` in clock ticks since boot, or "-" when it cannot be read."""
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else UNKNOWN_START


def liveness(pid: int, started: str) -> Liveness:
    """RUNNING when process `pid` exists and (if both are known) started at `started`; GONE when no
    such process exists, it is a zombie (ended, not yet reaped), or its PID now names another process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return Liveness.GONE
    except PermissionError:
        pass  # it exists, under another user
    except OSError:
        return Liveness.RUNNING  # cannot tell: assume running, the lease still ends the claim
    fields = _stat_fields(pid)
    if fields:
        if fields[0] == "Z":
            return Liveness.GONE
        if started != UNKNOWN_START and len(fields) > 19 and fields[19] != started:
            return Liveness.GONE
    return Liveness.RUNNING


def _stat_fields(pid: int) -> list[str] | None:
    """`/proc/<pid>/stat` after the command name (which may hold spaces and parentheses): index 0 is
    the state (field 3), index 19 the start time (field 22)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()
