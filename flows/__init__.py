"""Prefect flows: orchestration only. Each flow reads like a table of contents and calls services;
one task per *batch*, not per case (a task run costs milliseconds of bookkeeping, a rule microseconds).
The services they call (`services/`) are plain functions that the CLI and the web page call too.

No personal data reaches Prefect (issue 17): its database keeps flow-run parameters, run and task-run
names, state messages, logs, artifacts and events, and erasure of a person does not reach into it.
So a flow's parameters are dates, flags, sizes, district keys and case ids; its artifacts carry
case references, counts, kinds, field names and message codes (`services.intake.reported_folder`,
`services.letters.report_rows`); an exception that ends a run names counts, codes, settings and
folders, with mail addresses replaced (`domain.display.without_mail_addresses`), and any other
error leaves a task as its type only (`records_no_personal_data`, `StepFailed`); nothing prints
into the run's log (`log_prints=False`, whatever PREFECT_LOGGING_LOG_PRINTS says); no result is
persisted (`persist_result=False` on every flow and task, whatever PREFECT_RESULTS_PERSIST_BY_DEFAULT
says: a flow's return value, such as the intake's outcomes with their file names, lives only in the
calling process). tests/test_flows_no_personal_data.py searches
Prefect's records and every byte of its home for a person's name, e-mail and birth date."""

import errno
import functools
import inspect
from pathlib import Path

from adapters.settings import get_settings
from adapters.storage import database_folder, storage_fault_in
from domain.errors import DomainError, StorageFault


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


class StepFailed(RuntimeError):
    """An unexpected error inside a flow run as Prefect records it (state message, the run's log with
    the traceback, and the exception itself, which Prefect pickles into its result storage even with
    `persist_result=False`): the error's type and, for a database error, its SQLSTATE or SQLite
    code, never its message. The messages carry what they were working on: SQLAlchemy prints the
    statement's parameters (a file name, a person's name), PostgreSQL's DETAIL quotes a key's values,
    an OSError names the file. The process that ran the flow keeps the original (`original`, and
    `__context__`): the command line shows it (welcome_center.cli.console.friendly)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind, self.detail = kind, detail
        super().__init__(f"{kind}{f' ({detail})' if detail else ''}; the message is kept out of Prefect's records")
        self.original: BaseException | None = None

    def __reduce__(self):  # what Prefect pickles: the type and the code only
        return (StepFailed, (self.kind, self.detail))


def recordable(error: BaseException) -> BaseException:
    """`error` as Prefect may record it: our own errors (domain.errors: codes and messages made to
    name references, counts, settings and folders), a full or unwritable folder as its StorageFault,
    anything else as `StepFailed` (an OSError with its errno's name, ENOENT, not its file)."""
    if isinstance(error, StorageFault):
        return _named_by_its_root(error)
    if isinstance(error, DomainError | StepFailed):  # StepFailed: a task's, met again by its flow
        return error
    fault = storage_fault_in(error, database_folder=database_folder(get_settings().database_url))
    if fault is not None:
        return _named_by_its_root(fault)
    original = getattr(error, "orig", None)
    detail = str(getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)
                 or errno.errorcode.get(getattr(error, "errno", None) or 0, ""))
    failed = StepFailed(type(error).__name__, detail)
    failed.original = error
    return failed


def _named_by_its_root(fault: StorageFault) -> StorageFault:
    """A full or unwritable folder inside the inbox or the quarantine named by that root: their
    sub-folders are named as someone dropped them (`inbox/Olena Kowalenko/`), not by a reference."""
    settings = get_settings()
    folder = Path(fault.folder)
    for root in (settings.inbox_dir, settings.quarantine_dir):
        if folder != root and folder.is_relative_to(root):
            return StorageFault(fault.code, str(root))
    return fault


def records_no_personal_data(fn):
    """For a task's or a flow's function (under `@task`/`@flow`): an error leaves it as `recordable`
    makes it, before Prefect records it; the original stays its `__context__` in this process."""

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            safe = recordable(error)
            if safe is error:
                raise
            raise safe from None

    # the flows' modules write `from __future__ import annotations`: Prefect builds its parameter
    # model from the signature and resolves names in the function's globals, which are this
    # module's for `guarded`; so the signature is handed over with its annotations resolved
    guarded.__signature__ = inspect.signature(fn, eval_str=True)
    return guarded
