"""Prefect flows: orchestration only. Each flow reads like a table of contents and calls services;
one task per *batch*, not per case (a task run costs milliseconds of bookkeeping, a rule microseconds).
The services they call (`services/`) are plain functions that the CLI and the web page call too."""

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
