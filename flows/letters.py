"""Letters: a batch of letters in one flow run, one task per batch of cases.

1. The templates are parsed and tried with sample letters first (`check-letter-templates`): a
   template an office worker broke is reported with its file and tag before any letter is written.
2. Each batch (`write-letter-batch`): the facts of its cases in a few queries, then per letter the
   content (domain.letters.compose_letter), the .docx (the templates parsed once for the batch),
   the file in `cases/<reference>/letters/` and its row with SHA-256, kind, language and the case's
   state; one transaction per batch. A letter that cannot be made is refused with the field named,
   and the batch goes on. The same content on the same case is written once (unique SHA-256);
   with `due`, a letter already written for the case's current state is not written again.
3. With `pdf`, one LibreOffice conversion for all letters written (`convert-letters-to-pdf`).
4. The artifact `letters-report` lists the letters written and refused.

The plain functions the tasks wrap are `services.letters`; the renderer and the data loaders are
adapters (`adapters.docx`, `adapters.pdf`, `adapters.catalogue`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from adapters.catalogue import load_catalogue
from adapters.database import configured_engine
from adapters.docx import TemplateSet, load_checked_templates, load_letter_texts, templates_dir
from adapters.pdf import PdfUnavailable, convert_to_pdf, soffice
from adapters.rules import load_checklist_rules
from adapters.settings import get_settings
from flows import batches, records_no_personal_data, unless_storage_fault
from flows.day_off import rest_if_day_off
from services.letters import (
    ACTOR,
    ARTIFACT_ROWS,
    LetterJob,
    LetterKit,
    LetterReport,
    make_pdfs,
    report_rows,
    select_due,
    write_letters,
)


@task(name="check-letter-templates", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def check_templates_task(today: date, pdf: bool = False) -> None:
    if pdf and soffice() is None:
        raise PdfUnavailable()
    load_checked_templates(templates_dir(), texts=load_letter_texts(), today=today)


@task(name="select-due-letters", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def select_due_task(district: str | None = None) -> LetterReport:
    return LetterReport(select_due(configured_engine(), district=district))


@task(name="write-letter-batch", persist_result=False, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2,
      retry_condition_fn=unless_storage_fault)
@records_no_personal_data
def write_batch_task(jobs: list[LetterJob], today: date, actor: str) -> LetterReport:
    kit = LetterKit(templates=TemplateSet.load(templates_dir()), texts=load_letter_texts(), catalogue=load_catalogue(),
                    rules=load_checklist_rules(), cases_dir=get_settings().cases_dir)
    return LetterReport(write_letters(jobs, engine=configured_engine(), kit=kit, today=today, actor=actor))


@task(name="convert-letters-to-pdf", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def pdf_task(results: LetterReport, actor: str) -> LetterReport:
    return LetterReport(make_pdfs(results.results, engine=configured_engine(), cases_dir=get_settings().cases_dir,
                                  actor=actor, convert=convert_to_pdf))


LETTER_OUTCOME_DE = {"written": "geschrieben", "unchanged": "schon vorhanden", "refused": "abgelehnt",
                     "withheld": "zurückgehalten (Einwilligung widerrufen)"}


@task(name="letters-report", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def report_task(results: LetterReport) -> dict[str, int]:
    counts = Counter(r.outcome for r in results)
    rows = report_rows(results.results)
    if rows:
        more = f"; the first {ARTIFACT_ROWS} of {len(rows)} are listed" if len(rows) > ARTIFACT_ROWS else ""
        create_table_artifact(table=rows[:ARTIFACT_ROWS], key="letters-report", description=f"Briefe: {', '.join(f'{LETTER_OUTCOME_DE.get(k, k)} {v}' for k, v in sorted(counts.items()))}{more}")
    else:
        create_markdown_artifact(key="letters-report", markdown="Briefe: keine zu schreiben.",
                                 description="Briefe: keine zu schreiben")
    return dict(counts)


@flow(name="letters", persist_result=False, log_prints=False)
@records_no_personal_data
def letters_flow(
    jobs: list[LetterJob] | None = None,
    due: bool = False,
    district: str | None = None,
    pdf: bool = False,
    today: date | None = None,
    actor: str = ACTOR,
    batch_size: int = 500,
    progress=None,
    scheduled: bool = False,
) -> LetterReport:
    """Write the given letters, or with `due` every letter the cases' states call for (see the module
    docstring). `progress(done, total)` is called after each batch (the CLI's progress bar). The
    letters travel between the tasks in `LetterReport` boxes and into them `quote`d: Prefect does not
    walk them item by item. A `scheduled` run does nothing on a weekend or public holiday."""
    if rest_if_day_off(scheduled, "Briefe", "letters-report"):
        return LetterReport()
    day = today or date.today()
    check_templates_task(day, pdf)
    all_jobs = select_due_task(district).results if due else list(jobs or [])
    report = LetterReport()
    done = 0
    if progress:
        progress(0, len(all_jobs))
    for batch in batches(all_jobs, batch_size):
        report.results.extend(write_batch_task(quote(batch), day, actor).results)
        done += len(batch)
        if progress:
            progress(done, len(all_jobs))
    if pdf:
        report = pdf_task(report, actor)
    report_task(report)
    return report
