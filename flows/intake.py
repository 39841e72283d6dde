"""Inbox intake as a Prefect flow: one flow run per inbox sweep, one task per batch of files (not per
file: a Prefect task run costs milliseconds of bookkeeping, checking a file costs microseconds).
What happens to each file, exactly once, is `services.intake`'s docstring.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from adapters.database import configured_engine
from adapters.rules import load_checklist_rules
from adapters.settings import get_settings
from flows import batches, records_no_personal_data, unless_storage_fault
from flows.day_off import rest_if_day_off
from services.intake import InboxFile, Outcome, outcome_counts_de, reported_folder, scan_inbox, take_in


@task(name="scan-inbox", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def scan_task(inbox: str) -> list[InboxFile]:
    return scan_inbox(Path(inbox))


@task(name="take-in-batch", persist_result=False, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2,
      retry_condition_fn=unless_storage_fault)
@records_no_personal_data
def take_in_task(files: list[InboxFile], settle_seconds: float) -> list[Outcome]:
    """One batch; a file's trouble is its outcome, so a retry only follows a database that failed."""
    settings = get_settings()
    return take_in(
        files, engine=configured_engine(), cases_dir=settings.cases_dir, quarantine_dir=settings.quarantine_dir,
        rules=load_checklist_rules(), max_bytes=settings.max_file_bytes, settle_seconds=settle_seconds,
    )


@task(name="intake-report", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def report_task(outcomes: list[Outcome]) -> dict[str, int]:
    """A table artifact per case: how many files were accepted, refused, held, left waiting (counts
    only, per case reference; no file name, and a folder that is no case reference is not named:
    `services.intake.reported_folder`)."""
    counts = Counter(o.outcome for o in outcomes)
    per_case: dict[str, Counter] = {}
    for item in outcomes:
        per_case.setdefault(reported_folder(item.case_reference), Counter())[item.outcome] += 1
    table = [{"Fall": ref, **{k: v for k, v in sorted(c.items())}} for ref, c in sorted(per_case.items())]
    if table:
        create_table_artifact(table=table, key="intake-report", description=f"Posteingang: {outcome_counts_de(counts)}")
    else:  # a run with nothing to do says so too (`welcome-center runs` and the Läufe page show the description)
        create_markdown_artifact(key="intake-report", markdown="Posteingang: keine Dateien.",
                                 description="Posteingang: keine Dateien")
    return dict(counts)


@flow(name="intake", persist_result=False, log_prints=False)
@records_no_personal_data
def intake_flow(inbox: str | None = None, batch_size: int = 200, settle_seconds: float | None = None,
                scheduled: bool = False) -> list[Outcome]:
    """Take in every file waiting in the inbox; a file changed within `settle_seconds` (default: the
    setting WELCOME_CENTER_INTAKE_SETTLE_SECONDS) is left for the next run. A `scheduled` run does
    nothing on a weekend or public holiday (flows.day_off)."""
    if rest_if_day_off(scheduled, "Posteingang", "intake-report"):
        return []
    settings = get_settings()
    settle = settings.intake_settle_seconds if settle_seconds is None else settle_seconds
    files = scan_task(inbox or str(settings.inbox_dir))
    outcomes: list[Outcome] = []
    for batch in batches(files, batch_size):
        outcomes.extend(take_in_task(batch, settle))
    report_task(outcomes)
    return outcomes
