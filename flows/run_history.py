"""What the Prefect server knows about welcome-center's runs: the deployments with their schedule and
next scheduled run, and the last flow runs (scheduled or started by hand) with state, start, duration
and a one-line summary. Read by `welcome-center runs` and the lead's "Läufe" page and Übersicht.

The server is the one named by PREFECT_API_URL (`welcome-center up` sets it). Without one, or when it
does not answer, nothing here starts Prefect's temporary server (a client without PREFECT_API_URL
would): the overview says so and lists the schedules of flows.deployments with their next run
computed locally (cronsim, the cron evaluator Prefect itself uses).

The summary is counts only, never personal data: the description of the run's artifact (the flows
write counts there: "Posteingang: accepted 3"), or for a failed run the name of the exception (its
message may quote a name or a file; it stays in the run's log on the server, seen in the Prefect UI).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx  # Prefect's own HTTP client library: the health probe, without importing Prefect
from cronsim import CronSim

from adapters.settings import get_settings
from flows.deployments import DEPLOYMENTS, TIMEZONE, DeploymentSpec

BERLIN = ZoneInfo(TIMEZONE)
FLOW_NAMES = tuple(sorted({spec.flow_name for spec in DEPLOYMENTS}))  # intake, letters, reminders
PROBE_TIMEOUT_SECONDS = 3.0
PROBLEM_STATES = ("FAILED", "CRASHED")
_EXCEPTION = re.compile(r"exception:\s*(?:[\w.]*StepFailed:\s*)?([A-Za-z_][\w.]*)")  # flows.StepFailed: the withheld type


@dataclass(frozen=True)
class Schedule:
    """One deployment of flows.deployments, as the server has it (or, without one, as defined)."""

    name: str  # daily-reminders
    full_name: str  # reminders/daily-reminders
    flow: str
    cron: str
    timezone: str
    next_run: datetime | None  # aware, Europe/Berlin
    next_run_from: str  # "server" (its scheduled run) or "local" (computed from the cron)
    registered: bool | None  # on the server; None when no server answered
    paused: bool | None
    description: str

    def as_json(self) -> dict:
        return {
            "name": self.name, "full_name": self.full_name, "flow": self.flow, "cron": self.cron, "timezone": self.timezone,
            "next_run": self.next_run.isoformat() if self.next_run else None, "next_run_from": self.next_run_from,
            "registered": self.registered, "paused": self.paused,
        }


@dataclass(frozen=True)
class Run:
    id: str
    flow: str
    deployment: str | None  # None: started by hand (welcome-center intake, remind, letters --due, demo)
    state: str  # Prefect's state type: COMPLETED, FAILED, CRASHED, RUNNING, SCHEDULED, ...
    state_name: str  # its name: Completed, Failed, Late, ...
    start: datetime | None  # aware, Europe/Berlin: the start, or the expected start of a run not started
    duration_seconds: float | None
    summary: str | None

    @property
    def problem(self) -> bool:
        return self.state in PROBLEM_STATES

    def as_json(self) -> dict:
        return {
            "id": self.id, "flow": self.flow, "deployment": self.deployment, "state": self.state,
            "state_name": self.state_name, "start": self.start.isoformat() if self.start else None,
            "duration_seconds": self.duration_seconds, "summary": self.summary,
        }


@dataclass(frozen=True)
class RunsOverview:
    prefect_api: str | None
    ui: str | None
    reachable: bool
    problem: str | None  # why no server answered (English, for the CLI; the page says it in German)
    deployments: list[Schedule]
    runs: list[Run] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "prefect_api": self.prefect_api, "ui": self.ui, "reachable": self.reachable, "problem": self.problem,
            "deployments": [d.as_json() for d in self.deployments], "runs": [r.as_json() for r in self.runs],
        }


# ------------------------------------------------------------------------------------ where the server is


def api_url() -> str | None:
    """PREFECT_API_URL from the environment (read now: Prefect reads its settings once, on import) or
    Prefect's profile; None when Prefect would fall back to its temporary server."""
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        from prefect.settings import get_current_settings  # defers Prefect (~2 s of imports) to where it is needed

        url = get_current_settings().api.url
    return str(url).rstrip("/") if url else None


def ui_url(api: str | None) -> str | None:
    """Where a person opens the Prefect UI: WELCOME_CENTER_PREFECT_UI_URL, or the API's address
    without its trailing /api."""
    configured = get_settings().prefect_ui_url.strip()
    if configured:
        return configured.rstrip("/")
    if not api:
        return None
    return api.rstrip("/").removesuffix("/api")


def probe(api: str) -> str | None:
    """None when the server answers its health check; otherwise why not, in one line."""
    try:
        response = httpx.get(f"{api}/health", timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {str(error)[:120] or 'no answer'}"
    if response.status_code != 200:
        return f"the health check answered HTTP {response.status_code}"
    return None


# ------------------------------------------------------------------------------------ without a server


def next_local_run(cron: str, timezone: str, now: datetime) -> datetime:
    """The first time after `now` the cron expression fires, in its time zone (daylight saving
    included: cronsim counts in local time)."""
    zone = ZoneInfo(timezone)
    return next(CronSim(cron, now.astimezone(zone).replace(second=0, microsecond=0))).astimezone(BERLIN)


def local_schedules(now: datetime) -> list[Schedule]:
    return [_schedule(spec, now, cron=spec.cron, timezone=TIMEZONE, registered=None, paused=None, next_run=None)
            for spec in DEPLOYMENTS]


def _schedule(spec: DeploymentSpec, now: datetime, *, cron: str, timezone: str, registered: bool | None,
              paused: bool | None, next_run: datetime | None) -> Schedule:
    source = "server"
    if next_run is None:
        next_run, source = next_local_run(cron, timezone, now), "local"
    return Schedule(name=spec.name, full_name=spec.full_name, flow=spec.flow_name, cron=cron, timezone=timezone,
                    next_run=next_run.astimezone(BERLIN), next_run_from=source, registered=registered, paused=paused,
                    description=spec.description)


# ------------------------------------------------------------------------------------ from the server


def read_overview(*, limit: int = 20, now: datetime | None = None) -> RunsOverview:
    """The schedules and the last `limit` runs of welcome-center's flows, newest first."""
    now = now or datetime.now(UTC)
    api = api_url()
    ui = ui_url(api)
    if not api:
        return RunsOverview(None, ui, False, "PREFECT_API_URL is not set", local_schedules(now))
    why = probe(api)
    if why:
        return RunsOverview(api, ui, False, why, local_schedules(now))
    with _client(api) as client:
        schedules, names = _server_schedules(client, now)
        runs = _runs(client, names, now=now, limit=limit)
    return RunsOverview(api, ui, True, None, schedules, runs)


def problem_runs(*, limit: int = 50, now: datetime | None = None) -> tuple[bool, list[Run]]:
    """(server answered, the last failed or crashed runs of welcome-center's flows, newest first)."""
    now = now or datetime.now(UTC)
    api = api_url()
    if not api or probe(api):
        return False, []
    with _client(api) as client:
        return True, _runs(client, {}, now=now, limit=limit, state_types=PROBLEM_STATES)


@contextmanager
def _client(api: str) -> Iterator:
    """Prefect's sync client on `api`: the address read now (api_url), not the one Prefect read when it
    was imported, so that it is the server the probe found answering."""
    from prefect.client.orchestration import get_client  # defers Prefect, as above
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True, httpx_settings={"timeout": 10.0}) as client:
        yield client


def _server_schedules(client, now: datetime) -> tuple[list[Schedule], dict]:
    """Each deployment of flows.deployments as registered on the server: its cron (the server's, which
    `up` registered from flows.deployments), whether it is paused, and its next scheduled flow run
    (the server's scheduler makes them; until it has, the next run is computed locally)."""
    from prefect.client.schemas.filters import (  # defers Prefect, as above
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.exceptions import ObjectNotFound

    schedules, names = [], {}
    for spec in DEPLOYMENTS:
        try:
            deployment = client.read_deployment_by_name(spec.full_name)
        except ObjectNotFound:
            schedules.append(_schedule(spec, now, cron=spec.cron, timezone=TIMEZONE, registered=False, paused=None,
                                       next_run=None))
            continue
        names[deployment.id] = spec.name
        cron, timezone = spec.cron, TIMEZONE
        for item in deployment.schedules:
            if getattr(item.schedule, "cron", None):
                cron, timezone = item.schedule.cron, item.schedule.timezone or TIMEZONE
                break
        upcoming = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                expected_start_time=FlowRunFilterExpectedStartTime(after_=now),
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=1,
        )
        schedules.append(_schedule(spec, now, cron=cron, timezone=timezone, registered=True, paused=bool(deployment.paused),
                                   next_run=upcoming[0].expected_start_time if upcoming else None))
    return schedules, names


def _runs(client, deployment_names: dict, *, now: datetime, limit: int, state_types=None) -> list[Run]:
    """The runs of welcome-center's flows that are due or done (a scheduled run in the future is a
    next run, not a last one; a late one is shown), newest first, with their summaries."""
    from prefect.client.schemas.filters import (  # defers Prefect, as above
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        DeploymentFilter,
        DeploymentFilterId,
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    flows = {flow.id: flow.name for flow in client.read_flows(flow_filter=FlowFilter(name=FlowFilterName(any_=list(FLOW_NAMES))))}
    if not flows:
        return []
    run_filter = FlowRunFilter(expected_start_time=FlowRunFilterExpectedStartTime(before_=now))
    if state_types:
        run_filter = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=list(state_types))))
    rows = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=list(FLOW_NAMES))),
                                 flow_run_filter=run_filter, sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=limit)
    unknown = {row.deployment_id for row in rows if row.deployment_id and row.deployment_id not in deployment_names}
    names = dict(deployment_names)
    if unknown:
        for deployment in client.read_deployments(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=list(unknown)))):
            names[deployment.id] = deployment.name
    summaries: dict = {}
    if rows:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[r.id for r in rows])))
        for artifact in sorted(artifacts, key=lambda a: a.created or now):
            if artifact.description:
                summaries[artifact.flow_run_id] = _one_line(artifact.description)
    return [_run(row, flows, names, summaries, now) for row in rows]


def _run(row, flows: dict, deployments: dict, summaries: dict, now: datetime) -> Run:
    state = row.state_type.value if row.state_type else "UNKNOWN"
    start = row.start_time or row.expected_start_time
    if row.start_time and row.end_time:
        duration = (row.end_time - row.start_time).total_seconds()
    elif row.start_time and state == "RUNNING":
        duration = (now - row.start_time).total_seconds()
    else:
        duration = None
    summary = summaries.get(row.id)
    if state in PROBLEM_STATES:
        found = _EXCEPTION.search((row.state.message if row.state else "") or "")
        reason = f"Fehler: {found.group(1).rsplit('.', 1)[-1]}" if found else None
        summary = "; ".join(part for part in (reason, summary) if part) or None
    return Run(
        id=str(row.id), flow=flows.get(row.flow_id, "?"),
        deployment=deployments.get(row.deployment_id) if row.deployment_id else None,
        state=state, state_name=row.state_name or state.title(), start=start.astimezone(BERLIN) if start else None,
        duration_seconds=round(duration, 1) if duration is not None else None, summary=summary,
    )


def _one_line(text: str) -> str:
    """An artifact's description on one line: the flows write counts as a dict ("{'accepted': 3}")."""
    flat = " ".join(text.split())
    flat = re.sub(r"[{}']", "", flat)
    return flat[:200]
