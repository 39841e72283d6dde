"""Prefect flows: orchestration only. Each flow reads like a table of contents and calls services;
one task per *batch*, not per case (a task run costs milliseconds of bookkeeping, a rule microseconds).
The services they call (`services/`) are plain functions that the CLI and the web page call too.

No personal data reaches Prefect (issue 17): its database keeps flow-run parameters, run and task-run
names, state messages, logs, artifacts and events, and erasure of a person does not reach into it.
So a flow's parameters are dates, flags, sizes, district keys and case ids; its artifacts carry
case references, counts, kinds, field names and message codes (`services.intake.reported_folder`,
`services.letters.report_rows`); an exception that ends a run names counts and settings, with mail
addresses replaced (`domain.display.without_mail_addresses`); nothing prints into the run's log
(no `log_prints`); no result is persisted (`persist_result=False` on every flow and task, whatever
PREFECT_RESULTS_PERSIST_BY_DEFAULT says: a flow's return value, such as the intake's outcomes with
their file names, lives only in the calling process). tests/test_flows_no_personal_data.py searches
Prefect's records and every byte of its home for a person's name, e-mail and birth date."""

from adapters.settings import get_settings
from adapters.storage import database_folder, storage_fault_in


def batches(items: list, size: int) -> list[list]:
    """`items` in consecutive slices of at most `size`."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def unless_storage_fault(_task, _task_run, state) -> bool:
    """`retry_condition_fn` of a batch task: retry a failed batch (a locked database, a dropped
    connection), but not one that stopped on a full disk or an unwritable folder: the same write fails
    again two seconds later, and the command says at once which folder to fix."""
    error = state.data if isinstance(state.data, BaseException) else None
    if error is None:
        return True
    return storage_fault_in(error, database_folder=database_folder(get_settings().database_url)) is None
