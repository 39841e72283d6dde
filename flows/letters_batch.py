"""Letters, the plain functions: one batch of letters in one transaction (no Prefect here).

`flows/letters.py` wraps these in tasks (one per batch) and a flow; the CLI's `letter REF KIND`
calls `write_letters` directly, because one letter needs no orchestration and should not pay for
importing Prefect. See flows/letters.py for what a batch does.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.catalogue import Catalogue
from domain.checklist import ChecklistRules
from domain.letters import (
    LetterKind,
    LetterRefused,
    LetterRequest,
    LetterTexts,
    compose_letter,
    sender_for,
    still_due,
)
from models.case import Case
from models.letters_selectors import cases_in_letter_states, letter_facts, letters_by_sha, written_letter_keys
from models.letters_services import WrittenLetter, record_letters, set_letter_pdfs

ACTOR = "flow:letters"
ARTIFACT_ROWS = 1_000


@dataclass(frozen=True)
class LetterJob:
    """One case's letters: `kind` None means every letter the case's state calls for and that is not
    written yet for this state; otherwise exactly that letter (a new version when its content changed)."""

    case_id: int
    kind: str | None = None
    sme_id: int | None = None
    language: str | None = None


@dataclass(frozen=True)
class LetterResult:
    case_reference: str
    kind: str
    recipient: str
    outcome: str  # written | unchanged | refused
    language: str = ""
    path: str = ""  # relative to the cases folder
    sha256: str = ""
    field: str = ""  # refused: the field that is missing
    reason: str = ""
    letter_id: int | None = None
    pdf_path: str = ""


class LetterReport:
    """The results of a run in a box Prefect does not open. Prefect walks every list and dataclass a
    task is given or a flow returns, item by item and field by field, looking for futures; for
    10,000 letters those walks cost a quarter of the run (bench/letters.py). Iterate over it, or
    read `results`."""

    __slots__ = ("results",)

    def __init__(self, results=()) -> None:
        self.results = list(results)

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)


def batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def file_name(reference: str, letter, day: date, sha: str) -> str:
    """VER-2026-0042_2026-11-25_outcome_uk_1a2b3c4d.docx: sortable, unique per content."""
    recipient = f"_sme{letter.sme_id}" if letter.sme_id else ""
    return f"{reference}_{day.isoformat()}_{letter.kind.value}{recipient}_{letter.language}_{sha[:8]}.docx"


def write_atomically(path: Path, data: bytes) -> None:
    """Beside the final name, then renamed: a crash leaves no half letter (as flows/intake.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


def select_due(engine: Engine, *, district: str | None = None) -> list[LetterJob]:
    """The cases whose state may call for a letter; each batch works out which letters are still due."""
    with Session(engine) as session:
        return [LetterJob(case_id) for case_id in cases_in_letter_states(session, district=district)]


def write_letters(
    jobs: list[LetterJob],
    *,
    engine: Engine,
    templates,
    texts: LetterTexts,
    catalogue: Catalogue,
    rules: ChecklistRules,
    cases_dir: Path,
    today: date,
    actor: str,
) -> list[LetterResult]:
    """Write one batch of letters in one transaction (see the module docstring)."""
    results: list[LetterResult] = []
    with Session(engine, expire_on_commit=False) as session:
        case_ids = list({job.case_id for job in jobs})
        facts = letter_facts(session, case_ids=case_ids, catalogue=catalogue, rules=rules)
        written = written_letter_keys(session, case_ids=case_ids)
        stored = letters_by_sha(session, case_ids=case_ids)
        person_ids = dict(session.exec(select(Case.id, Case.person_id).where(Case.id.in_(case_ids))).all())
        pending: list[WrittenLetter] = []
        pending_results: list[int] = []  # the index in `results` of each pending letter
        in_batch: dict[tuple[int, str], str] = {}  # the same content twice in this batch → its path
        for job in jobs:
            case = facts.get(job.case_id)
            if case is None:
                results.append(LetterResult(str(job.case_id), job.kind or "", "", "refused", field="case",
                                            reason=f"no case with id {job.case_id}"))
                continue
            if job.kind is None:
                requests = still_due(case, written)
            else:
                requests = [LetterRequest(LetterKind(job.kind), job.sme_id)]
            for request in requests:
                try:
                    sender = sender_for(catalogue.districts[case.district], adviser_name=case.adviser_name,
                                        adviser_email=case.adviser_email)
                    letter = compose_letter(request, case, sender=sender, texts=texts, today=today, language=job.language)
                except LetterRefused as refusal:
                    results.append(LetterResult(case.reference, request.kind.value, request.recipient, "refused",
                                                field=refusal.field, reason=refusal.message))
                    continue
                data = templates.render(letter, day=today)
                digest = hashlib.sha256(data).hexdigest()
                twin = stored.get((job.case_id, digest))
                if twin is not None:
                    results.append(LetterResult(case.reference, letter.kind.value, letter.recipient, "unchanged",
                                                letter.language, twin.path, digest, letter_id=twin.id, pdf_path=twin.pdf_path or ""))
                    continue
                if (job.case_id, digest) in in_batch:
                    results.append(LetterResult(case.reference, letter.kind.value, letter.recipient, "unchanged",
                                                letter.language, in_batch[(job.case_id, digest)], digest))
                    continue
                relative = f"{case.reference}/letters/{file_name(case.reference, letter, today, digest)}"
                write_atomically(cases_dir / relative, data)
                pending.append(WrittenLetter(
                    case_id=job.case_id, case_reference=case.reference, person_id=person_ids.get(job.case_id), letter=letter,
                    case_state=case.state.value, state_since=case.state_since, sha256=digest, size=len(data), path=relative,
                ))
                in_batch[(job.case_id, digest)] = relative
                pending_results.append(len(results))
                results.append(LetterResult(case.reference, letter.kind.value, letter.recipient, "written",
                                            letter.language, relative, digest))
        for index, row in zip(pending_results, record_letters(session, written=pending, actor=actor)):
            results[index] = replace(results[index], letter_id=row.id)
        session.commit()
    return results


def make_pdfs(results: list[LetterResult], *, engine: Engine, cases_dir: Path, actor: str, convert) -> list[LetterResult]:
    """One batched conversion (`convert`: docx paths → {docx: pdf}) for the letters without a PDF."""
    wanted = [r for r in results if r.outcome in ("written", "unchanged") and r.path and not r.pdf_path]
    if not wanted:
        return results
    converted = convert([cases_dir / r.path for r in wanted])
    pdfs: dict[int, str] = {}
    by_path = {}
    for result in wanted:
        pdf = converted.get(cases_dir / result.path)
        if pdf is not None and result.letter_id is not None:
            relative = pdf.relative_to(cases_dir).as_posix()
            pdfs[result.letter_id] = relative
            by_path[result.path] = relative
    with Session(engine) as session:
        set_letter_pdfs(session, pdfs=pdfs, actor=actor)
        session.commit()
    return [replace(r, pdf_path=by_path.get(r.path, r.pdf_path)) for r in results]


def report_rows(results: list[LetterResult]) -> list[dict[str, str]]:
    return [
        {"Fall": r.case_reference, "Brief": r.kind, "Empfänger": r.recipient, "Sprache": r.language or "–",
         "Ergebnis": r.outcome, "Datei": r.path or "–", "SHA-256": r.sha256[:12] or "–",
         "Grund": f"{r.field}: {r.reason}" if r.outcome == "refused" else ""}
        for r in results
    ]


