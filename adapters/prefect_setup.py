"""Prefect for the command line: the server of `welcome-center up` when it runs, else a temporary one.

Which Prefect server a flow command uses, in this order:
1. the one named by `PREFECT_API_URL` (a server of your own, PostgreSQL, workers: README);
2. the one of `welcome-center up` on this state folder, found by its lock (adapters.up_state): a
   flow run then costs about a second instead of a server's start;
3. otherwise a temporary server for this command (adapters.prefect_server.TemporaryServer: its own
   port, no UI, no scheduler, dies with the command), started only when a flow actually runs.

The settings for the temporary server, and why (measured with Prefect 3.9.1): analytics/telemetry off
(no network here: "Failed to send telemetry" ERROR lines, and its writes locked the SQLite file during
the migrations); the UI and the background services off (a one-shot run needs only the event
persister and task-run recorder, which record runs and artifacts); Prefect's home under the state
folder, not ~/.prefect; Prefect's console handler at CRITICAL (a failed task's traceback stays in
the run's log; the command prints its own one line). Every value is only a default: anything already
set in the environment wins. A temporary server costs 6–10 s of start on an idle 2-core machine
(importing the server alone is ~5 s of CPU; the first start migrates its database).
"""

from __future__ import annotations

import os
from pathlib import Path

from adapters.up_state import running_up

EMBEDDED_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CLEANUP_RECONCILER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


CONSOLE_LEVEL = "CRITICAL"
"""Prefect's console handler prints a failed task's traceback; the command prints its own one-line
summary instead, and the run's log with the traceback stays on the Prefect server (the UI)."""


def configure_prefect(home: Path) -> None:
    """Set the defaults above and, when `welcome-center up` runs on this state folder and no other
    server is named, point PREFECT_API_URL at its server; call before `prefect` is imported (Prefect
    reads its settings once, at import)."""
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    try:  # Prefect warns at import when its home is missing; a folder we cannot make is reported later
        Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", CONSOLE_LEVEL)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no network here: an ERROR line
    if not os.environ.get("PREFECT_API_URL"):
        running = running_up(home)
        if running is not None and running.prefect_api:
            os.environ["PREFECT_API_URL"] = running.prefect_api
    if os.environ.get("PREFECT_API_URL"):
        return
    for name, value in EMBEDDED_DEFAULTS.items():
        os.environ.setdefault(name, value)


def embedded_prefect_home() -> Path | None:
    """Where the temporary server keeps its database (PREFECT_HOME, set by `configure_prefect`); None
    when a real Prefect server is configured (PREFECT_API_URL): its disk is not this machine's to check."""
    if os.environ.get("PREFECT_API_URL") or not os.environ.get("PREFECT_HOME"):
        return None
    return Path(os.environ["PREFECT_HOME"]).expanduser()
