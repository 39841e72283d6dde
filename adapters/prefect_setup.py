"""Prefect on the embedded default: a clean, quiet temporary server, or a real one when configured.

Measured with Prefect 3.9.1 on a fresh machine: a plain flow run in temporary-server mode logged
"database is locked" tracebacks (the server's telemetry service writing to its SQLite file while the
migrations ran), "Failed to send telemetry" ERROR lines (no network here), and took 8–15 s to start.

What we do, and why:
- With no `PREFECT_API_URL` set (the embedded default), switch off what a one-shot local run does
  not need: analytics/telemetry (the locked database and the ERROR lines), the UI, and the server's
  background services (scheduler, late runs, foreman, ...). The event persister and task-run
  recorder stay on: they record the runs and artifacts. The result: no traceback or ERROR line.
- Give the temporary server 120 s to start instead of 20 s: its first start runs the database
  migrations, which on a slow CI machine took 17 s here.
- Keep Prefect's home (its SQLite database) under the project's state folder, not in ~/.prefect.
- Keep Prefect's own console logging at WARNING by default; the CLI prints its own summary.

Every value is only a default: anything already set in the environment wins. With `PREFECT_API_URL`
set (a `prefect server start` with its scheduler, PostgreSQL, workers: see README), nothing but the
home folder is touched. The remaining cost is the temporary server's start-up: 6–10 s on an idle
2-core machine, 17–28 s measured here while other work loaded it (importing the server alone takes
~5 s of CPU; the first start also migrates its database). For many runs in a row, start a local
server once and set PREFECT_API_URL; a flow run against a running server costs about 1.2 s.
"""

from __future__ import annotations

import os
from pathlib import Path

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
    """Set the defaults above; call before `prefect` is imported."""
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", CONSOLE_LEVEL)
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
