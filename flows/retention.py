"""The nightly retention run as a Prefect flow: the plan (dry run) or the erasure of what has outlived
its period in data/retention.yaml (`services.retention`), Prefect's own records of old runs through
Prefect's client, and a Markdown artifact with counts per kind, the rule and its source, and the
references of erased cases (never a name, an address or a file name).

The deployment `retention` runs every night at 02:30 Europe/Berlin, holidays included: a period that
has run out is due whatever the calendar says, so `scheduled` changes nothing here (it is there because
every deployment passes it, flows.deployments).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType

from adapters.database import configured_engine
from adapters.rules import load_retention_rules
from adapters.settings import get_settings
from domain.retention import Kind, RetentionRule, run_day
from flows import records_no_personal_data
from flows.day_off import berlin_today
from services.retention import RetentionPlan, RetentionResult, apply, plan, summary_line, summary_markdown

ACTOR = "flow:retention"
ARTIFACT_KEY = "retention-report"
FINISHED = [StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED]
PAGE = 200


@task(name="retention-plan", persist_result=False, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
@records_no_personal_data
def plan_task(today: date) -> RetentionPlan:
    return plan(configured_engine(), today=today, rules=load_retention_rules(), home=get_settings().home)


@task(name="retention-apply", persist_result=False, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
@records_no_personal_data
def apply_task(today: date) -> RetentionResult:
    # retried as a whole: each kind selects only what is still there, so a second try finishes the first
    return apply(configured_engine(), today=today, rules=load_retention_rules(), home=get_settings().home, actor=ACTOR)


@task(name="retention-prefect-runs", persist_result=False, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
@records_no_personal_data
def prefect_runs_task(today: date, dry_run: bool) -> int:
    """Flow runs that finished and were due to start before the period, with their artifacts (deleted
    one by one through the API, which keeps each key's latest version right) and logs (the server
    removes a deleted run's logs itself). Task runs and states go with their flow run."""
    rule = load_retention_rules()[Kind.PREFECT_RUNS]
    runs = prune_prefect_runs(rule, today=today, dry_run=dry_run)
    if not dry_run:
        prune_result_storage(rule, today=today)
    return runs


def prune_result_storage(rule: RetentionRule, *, today: date, home: Path | None = None) -> int:
    """Prefect keeps a failed run's exception as a file in its home's `storage/` even when no result
    is persisted, and deleting the run leaves the file: files older than the period go as well (they
    hold no personal value, flows/__init__.py, but nothing should outlive its run). Returns how many."""
    folder = (home or Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()) / "storage"
    cutoff = rule.moment_cutoff(today).timestamp()
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:  # no storage folder yet
        return 0
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue  # gone meanwhile, or not ours to remove: the next night tries again
    return removed


def prune_prefect_runs(rule: RetentionRule, *, today: date, dry_run: bool) -> int:
    old = FlowRunFilter(
        expected_start_time=FlowRunFilterExpectedStartTime(before_=rule.moment_cutoff(today)),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=FINISHED)),
    )
    count = 0
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_flow_runs(flow_run_filter=old, limit=PAGE, offset=count if dry_run else 0)
            if not runs:
                return count
            count += len(runs)
            if dry_run:
                continue
            ids = [run.id for run in runs]
            while artifacts := client.read_artifacts(
                    artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids)), limit=PAGE):
                for artifact in artifacts:
                    client.delete_artifact(artifact.id)
            for run_id in ids:
                client.delete_flow_run(run_id)


@task(name="retention-report", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def report_task(today: date, dry_run: bool, counts: dict[Kind, int], references: tuple[str, ...],
                persons: int | None) -> str:
    rules = load_retention_rules()
    markdown = summary_markdown(today=today, dry_run=dry_run, counts=counts, case_references=references, rules=rules,
                                persons=persons)
    create_markdown_artifact(key=ARTIFACT_KEY, markdown=markdown,
                             description=summary_line(today=today, dry_run=dry_run, counts=counts))
    return markdown


@flow(name="retention", persist_result=False, log_prints=False)
@records_no_personal_data
def retention(dry_run: bool = False, scheduled: bool = False, on: str | None = None) -> dict:
    """Erase (or with `dry_run`, list) what has expired on `on` (YYYY-MM-DD; default today in
    Europe/Berlin). Returns the counts per kind, the case references and the summary (Markdown)."""
    today = run_day(on, field="on", today=berlin_today()) if on else berlin_today()
    result = plan_task(today) if dry_run else apply_task(today)
    counts = {**result.counts, Kind.PREFECT_RUNS: prefect_runs_task(today, dry_run)}
    persons = None if dry_run else result.persons
    markdown = report_task(today, dry_run, counts, result.case_references, persons)
    return {"on": today.isoformat(), "dry_run": dry_run, "counts": {kind.value: n for kind, n in counts.items()},
            "cases": list(result.case_references), "persons": persons, "summary": markdown}

