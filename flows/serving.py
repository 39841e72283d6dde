"""Serve the scheduled runs (flows.deployments) from this process: `python -m flows.serving`.

Prefect's `serve` registers each deployment with its schedule on the Prefect server named by
`PREFECT_API_URL`, polls for its due runs and runs each in a subprocess of its own. Several serving
processes (on one machine or several, one database) may serve the same deployments: each due run
is taken by one of them (the server accepts one move of a run to Pending). Stopping one does not
pause the schedules (`pause_on_shutdown=False`), so the others, or the next start, go on.
tests/test_scale_path.py proves it on PostgreSQL with two serving processes.

Two inbox sweeps at once (two serving processes, or a served sweep and `welcome-center intake`)
take each file once: each run stages its copies under names of its own, a file another run has
taken is nothing to do, and a document another run committed first is left with its file
(services/intake.py; tests/test_intake.py and tests/test_scale_path.py run sweeps at once). Two
reminder runs share the mails: each mail is claimed once in the database.
"""

from __future__ import annotations

import importlib
import os
import sys

from flows.deployments import DEPLOYMENTS, TIMEZONE, DeploymentSpec


def runner_deployment(spec: DeploymentSpec):
    from prefect.schedules import Cron

    flow = getattr(importlib.import_module(spec.module), spec.function)
    return flow.to_deployment(
        name=spec.name, schedules=[Cron(spec.cron, timezone=TIMEZONE)], parameters=dict(spec.parameters),
        description=spec.description, tags=["welcome-center"],
    )


def serve_all(limit: int | None = None) -> None:
    """Serve every deployment until stopped (SIGTERM or Ctrl-C)."""
    from prefect import serve

    if not os.environ.get("PREFECT_API_URL"):
        sys.stderr.write("PREFECT_API_URL is not set: the deployments need a running Prefect server "
                         "(welcome-center up starts one).\n")
        raise SystemExit(2)
    serve(*[runner_deployment(spec) for spec in DEPLOYMENTS], pause_on_shutdown=False,
          print_starting_message=False, limit=limit)


if __name__ == "__main__":
    serve_all(limit=int(os.environ["WELCOME_CENTER_FLOW_LIMIT"]) if os.environ.get("WELCOME_CENTER_FLOW_LIMIT") else None)
