"""Keep a few processes running, restart one that crashed, stop them all on request.

Used by `welcome-center up` (the Prefect server, the flows being served, the web page). Each part is
a child in its own process group that dies with the supervisor (adapters.processes), so neither a
Ctrl-C, a SIGTERM from systemd nor a `kill -9` of the supervisor leaves a process behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from adapters.processes import alive, descendants, spawn

RESTART_DELAYS = (1, 2, 5, 10, 30, 60)  # seconds; back to the first after a part ran for STABLE_SECONDS
STABLE_SECONDS = 120


@dataclass
class Part:
    name: str  # what the operator reads: "Prefect-Server", "Flows", "Web-Seite"
    args: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path | None = None
    process: subprocess.Popen | None = None
    started: float = 0.0
    restarts: int = 0
    next_start: float | None = None
    history: list[int] = field(default_factory=list)  # exit codes of earlier runs

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = spawn(self.args, env=self.env, cwd=self.cwd, log=self.log)
        self.started = time.monotonic()
        self.next_start = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


class Supervisor:
    def __init__(self, parts: list[Part], say: Callable[[str], None]) -> None:
        self.parts = parts
        self.say = say
        self.stopping = False

    def start(self, part: Part) -> None:
        part.start()

    def watch_once(self) -> None:
        """Notice a part that ended and start it again after its delay."""
        now = time.monotonic()
        for part in self.parts:
            if self.stopping or part.process is None:
                continue
            code = part.process.poll()
            if code is None:
                continue
            if part.next_start is None:
                if now - part.started > STABLE_SECONDS:
                    part.restarts = 0
                delay = RESTART_DELAYS[min(part.restarts, len(RESTART_DELAYS) - 1)]
                part.history.append(code)
                part.next_start = now + delay
                self.say(f"{part.name} hat sich beendet (Exit-Code {code}); Neustart in {delay} s – Protokoll: {part.log}")
            elif now >= part.next_start:
                part.restarts += 1
                part.start()
                self.say(f"{part.name} neu gestartet (PID {part.pid}).")

    def stop_all(self, grace: float = 6.0) -> list[int]:
        """SIGTERM to every part's group at once, SIGKILL to what is left after `grace`; returns the
        PIDs that had to be killed."""
        self.stopping = True
        family: list[int] = []
        for part in self.parts:
            if part.process is None:
                continue
            family += [part.process.pid, *descendants(part.process.pid)]
            _signal_group(part.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            for part in self.parts:
                if part.process is not None:
                    part.process.poll()
            if not any(alive(pid) for pid in family):
                break
            time.sleep(0.1)
        killed = [pid for pid in family if alive(pid)]
        for part in self.parts:
            if part.process is not None:
                _signal_group(part.process.pid, signal.SIGKILL)
        for pid in killed:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for part in self.parts:
            if part.process is not None:
                try:
                    part.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        return killed


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
