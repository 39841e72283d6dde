"""The Prefect servers welcome-center starts: the lasting one of `welcome-center up` and the temporary
one of a flow command run without it. Neither imports Prefect here: both are processes.

A temporary server replaces Prefect's own ("ephemeral mode"), which picks a free port by trying one
and then starting on it (two commands started at the same moment picked the same port once here,
an ERROR line), and which a `kill -9` of the command leaves running, orphaned, with 200 MB. Ours
listens on a socket this process bound first (port 0: the kernel picks a free one, and nobody else
can take it) and handed to uvicorn (`--fd`), and it dies with the command (adapters.processes).
Its settings are the embedded defaults of adapters.prefect_setup (no UI, no scheduler, no
telemetry); it keeps its database in the state folder's prefect/ as before.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from adapters.processes import spawn, stop


class PrefectServerFailed(RuntimeError):
    """The server did not answer in time; the message says where its log is."""


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_healthy(api_url: str, process: subprocess.Popen, *, timeout: float, log: Path | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(api_url):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    where = f" (its log: {log})" if log else ""
    state = f"ended with exit code {process.returncode}" if process.poll() is not None else f"did not answer within {timeout:.0f} s"
    raise PrefectServerFailed(f"The Prefect server at {api_url} {state}{where}.")


def server_environment(base: dict[str, str], home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {name: value for name, value in base.items() if name != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(home)
    env.update(extra)
    return env


def prefect_location() -> str:
    """The folder holding the `prefect` package (uvicorn's --app-dir, as Prefect's own temporary server
    passes it), found without importing Prefect."""
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        raise PrefectServerFailed("Prefect is not installed in this environment (pip install -e .).")
    return str(Path(spec.origin).parent.parent)


class TemporaryServer:
    """One per process, started on first use and stopped at exit (or with the process)."""

    _running: TemporaryServer | None = None

    def __init__(self, home: Path, settings: dict[str, str]) -> None:
        self.home, self.settings = home, settings
        self.process: subprocess.Popen | None = None
        self.api_url = ""

    @classmethod
    def api_for(cls, home: Path, settings: dict[str, str], *, timeout: float = 120.0) -> str:
        if cls._running is None or cls._running.process is None or cls._running.process.poll() is not None:
            server = cls(home, settings)
            server.start(timeout=timeout)
            cls._running = server
            atexit.register(server.stop)
        return cls._running.api_url

    def start(self, *, timeout: float) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        self.api_url = f"http://127.0.0.1:{port}/api"
        self.home.mkdir(parents=True, exist_ok=True)
        log = self.home / "temporary-server.log"
        env = server_environment(dict(os.environ), self.home, {
            **self.settings, "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
            "PREFECT_SERVER_UI_ENABLED": "false",
        })
        try:
            self.process = spawn(
                [sys.executable, "-m", "uvicorn", "--app-dir", prefect_location(), "--factory",
                 "prefect.server.api.server:create_app", "--fd", str(listener.fileno()), "--log-level", "error",
                 "--lifespan", "on"],
                env=env, log=log, pass_fds=(listener.fileno(),),
                death_signal=signal.SIGKILL,  # nothing of it need survive the command; SQLite stays consistent
            )
        finally:
            listener.close()  # the child holds its copy
        wait_until_healthy(self.api_url, self.process, timeout=timeout, log=log)

    @classmethod
    def stop_running(cls) -> None:
        if cls._running is not None:
            cls._running.stop()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, grace=5.0)
            self.process = None
        if TemporaryServer._running is self:
            TemporaryServer._running = None
