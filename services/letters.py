"""Writing letters: one batch of letters in one transaction (no Prefect here).

1. The facts of a batch's cases in a few queries, then per letter the content
   (domain.letters.compose_letter), the .docx (the templates parsed once for the batch), the file in
   `cases/<reference>/letters/` and its row with SHA-256, kind, language and the case's state; one
   transaction per batch. A letter that cannot be made is refused with the field named, and the batch
   goes on. The same content on the same case is written once (unique SHA-256); a letter already
   written for the case's current state is not due again.
2. `make_pdfs`: one LibreOffice conversion for all letters written.

`write_one_letter` is the command line's `letter REF KIND` and the web page's button; `flows/letters.py`
runs `select_due` and `write_letters` as Prefect tasks (one per batch) to write every letter that is due.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from adapters.docx import load_letter_texts
from adapters.filestore import write_atomically
from adapters.settings import get_settings
from adapters.storage import remove_quietly
from domain.calendar import WorkingCalendar, lower_saxony_calendar
from domain.catalogue import Catalogue
from domain.checklist import ChecklistRules
from domain.errors import _clip
from domain.letters.address import sender_for
from domain.letters.compose import ComposedLetter, compose_letter
from domain.letters.due import LetterRequest, still_due
from domain.letters.kinds import LetterKind, LetterRefused
from domain.letters.texts import LetterTexts
from domain.validation import FieldError
from models.audit import AuditEvent
from models.case import Case
from models.letter import Letter
from models.letters_selectors import (
    cases_in_letter_states,
    letter_facts,
    letters_by_sha,
    smes_of,
    written_letter_keys,
)
from models.selectors import NotFound
from services.audit import audit_json, record_audit

ACTOR = "flow:letters"
WITHHELD = "withheld"  # the outcome of a case whose due letters are not written: its person withdrew consent
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
    outcome: str  # written | unchanged | refused | withheld (consent withdrawn, due letters only)
    language: str = ""
    path: str = ""  # relative to the cases folder
    sha256: str = ""
    field: str = ""  # refused: the field that is missing
    reason: str = ""
    reason_de: str = ""  # the refusal in German (domain.messages), for the web page
    code: str = ""  # refused: the message's code (domain.messages), what the run's report names
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


def file_name(reference: str, letter, day: date, sha: str) -> str:
    """VER-2026-0042_2026-11-25_outcome_uk_1a2b3c4d.docx: sortable, unique per content."""
    recipient = f"_sme{letter.sme_id}" if letter.sme_id else ""
    return f"{reference}_{day.isoformat()}_{letter.kind.value}{recipient}_{letter.language}_{sha[:8]}.docx"




def select_due(engine: Engine, *, district: str | None = None) -> list[LetterJob]:
    """The cases whose state may call for a letter; each batch works out which letters are still due."""
    with Session(engine) as session:
        return [LetterJob(case_id) for case_id in cases_in_letter_states(session, district=district)]


@dataclass(frozen=True)
class LetterKit:
    """What writing letters needs besides the database: the parsed templates (adapters.docx), the
    texts per language, the catalogue, the checklist rules and the folder the case files go to; the
    least working days a deadline in a letter leaves (None: the setting `letter_min_working_days`,
    env WELCOME_CENTER_LETTER_MIN_WORKING_DAYS) and the working-day calendar (None: Lower Saxony's)."""

    templates: object
    texts: LetterTexts
    catalogue: Catalogue
    rules: ChecklistRules
    cases_dir: Path
    min_working_days: int | None = None
    calendar: WorkingCalendar | None = None

    def working_days(self) -> int:
        return self.min_working_days if self.min_working_days is not None else get_settings().letter_min_working_days


def write_letters(jobs: list[LetterJob], *, engine: Engine, kit: LetterKit, today: date, actor: str) -> list[LetterResult]:
    """Write one batch of letters in one transaction (see the module docstring). When the batch stops
    (a full or unwritable letters folder, a database that refuses the commit), the letter files it
    wrote are removed again: a case folder holds no letter the database does not name, and the next
    run writes the batch whole."""
    written_files: list[Path] = []
    try:
        return _write_batch(jobs, engine=engine, kit=kit, today=today, actor=actor, written_files=written_files)
    except BaseException:
        for path in written_files:
            remove_quietly(path)
        raise


def _write_batch(jobs: list[LetterJob], *, engine: Engine, kit: LetterKit, today: date, actor: str,
                 written_files: list[Path]) -> list[LetterResult]:
    templates, texts, catalogue, rules, cases_dir = kit.templates, kit.texts, kit.catalogue, kit.rules, kit.cases_dir
    calendar, min_working_days = kit.calendar or lower_saxony_calendar(), kit.working_days()
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
                missing = NotFound("case", str(job.case_id))
                results.append(LetterResult(str(job.case_id), job.kind or "", "", "refused", field="case",
                                            reason=missing.message, reason_de=missing.message_de, code=missing.code))
                continue
            if job.kind is None and case.consent_withdrawn_on is not None:
                # the due letters of a person who withdrew consent: none is written, the case is
                # counted as withheld (a letter asked for by kind is refused by compose_letter)
                withheld = LetterRefused("letter.consent_withdrawn", "consent_withdrawn",
                                         on=case.consent_withdrawn_on, reference=case.reference)
                results.append(LetterResult(case.reference, "", "", WITHHELD, field=withheld.field,
                                            reason=withheld.message, reason_de=withheld.message_de))
                continue
            if job.kind is None:
                requests = still_due(case, written)
            else:
                requests = [LetterRequest(LetterKind(job.kind), job.sme_id)]
            for request in requests:
                try:
                    sender = sender_for(catalogue.districts[case.district], adviser_name=case.adviser_name,
                                        adviser_email=case.adviser_email, adviser_phone=case.adviser_phone,
                                        adviser_function=case.adviser_function)
                    # refused here, before any file is written: a deadline in the past or too close, an
                    # outcome the procedure does not have, an empty or "None" value (domain.letters.compose)
                    letter = compose_letter(request, case, sender=sender, texts=texts, today=today, language=job.language,
                                            calendar=calendar, min_working_days=min_working_days)
                except LetterRefused as refusal:
                    results.append(LetterResult(case.reference, request.kind.value, request.recipient, "refused",
                                                field=refusal.field, reason=refusal.message, reason_de=refusal.message_de,
                                                code=refusal.code))
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
                written_files.append(cases_dir / relative)
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


def letter_language(value: str | None, *, texts: LetterTexts | None = None, person_language: str | None = None) -> str | None:
    """The language of the courtesy translation as asked for (`uk`, `EN`); empty → the person's.

    A language asked for must have texts (data/letters/<code>.yaml): writing English instead of a
    language someone chose on purpose would go unnoticed. The person's own language may have none
    (`ti`); for it the documented fallback applies (the English translation, with a note), also when
    it is asked for by name, as the web form's preselected choice does. `texts` default: the
    configured data folder's."""
    if value is None or not value.strip():
        return None
    code = value.strip().lower()
    if len(code) != 2 or not code.isalpha():
        raise FieldError("letter.language_code", "language", typed=value, value=_clip(value, 20))
    known = (texts or load_letter_texts()).languages
    if code not in known and code != (person_language or "").lower():
        raise FieldError("letter.language_unknown", "language", typed=value, value=code, known=sorted(known))
    return code


def chosen_sme(session: Session, *, case: Case, requested: int | None) -> int:
    """The employer an employer letter goes to: the one asked for, which must be linked to the case,
    or, when none is named, the only one linked."""
    linked = [sme.id for sme, _ in smes_of(session, case_id=case.id)]
    if requested is not None and requested in linked:
        return requested
    if requested is None and len(linked) == 1:
        return linked[0]
    if not linked:
        raise FieldError("sme.none_linked", "sme", reference=case.reference)
    if requested is None:
        raise FieldError("sme.several_linked", "sme", reference=case.reference, linked=linked)
    raise FieldError("sme.not_linked_here", "sme", typed=str(requested), value=requested, reference=case.reference, linked=linked)


def write_one_letter(
    engine: Engine,
    *,
    case: Case,
    kind: LetterKind,
    kit: LetterKit,
    today: date,
    actor: str,
    language: str | None = None,
    sme_id: int | None = None,
    convert=None,
) -> LetterResult:
    """One letter for a case now, as the command line's `letter` and the web page's button write it: a
    new version when its content changed, the same file when not, refused with the field named. With
    `convert` (adapters.pdf.convert_to_pdf) a PDF beside it."""
    if kind is LetterKind.SME_GUIDANCE:
        with Session(engine) as session:
            sme_id = chosen_sme(session, case=case, requested=sme_id)
    job = LetterJob(case.id, kind.value, sme_id, language)
    results = write_letters([job], engine=engine, kit=kit, today=today, actor=actor)
    if convert is not None:
        results = make_pdfs(results, engine=engine, cases_dir=kit.cases_dir, actor=actor, convert=convert)
    return results[0]


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
    """The rows of the run's report (a Prefect artifact, kept in Prefect's database where erasure
    does not reach): references, kinds, file paths (made of the reference, the date and a hash) and,
    for a refusal, the field and the message's code, never the message: it may quote the person's
    name or a line of her address (`letter.sme_not_agreed`, `letter.line_too_long`). The adviser
    reads the full reason in the command's output and on the case page."""
    return [
        {"Fall": r.case_reference, "Brief": r.kind, "Empfänger": r.recipient, "Sprache": r.language or "–",
         "Ergebnis": r.outcome, "Datei": r.path or "–", "SHA-256": r.sha256[:12] or "–",
         "Grund": f"{r.field}: {r.code}" if r.outcome == "refused" else ""}
        for r in results
    ]


# ------------------------------------------------------------------------------------- the letters' record


@dataclass(frozen=True)
class WrittenLetter:
    """A letter whose file is written, to be recorded (`record_letters`)."""

    case_id: int
    case_reference: str
    person_id: int | None
    letter: ComposedLetter
    case_state: str
    state_since: int
    sha256: str
    size: int
    path: str


def record_letters(session: Session, *, written: list[WrittenLetter], actor: str) -> list[Letter]:
    """One row per letter written, with its audit entry; one INSERT round for the whole batch (a
    flush per letter cost more than rendering it)."""
    rows = [
        Letter(
            case_id=w.case_id, case_reference=w.case_reference, kind=w.letter.kind.value, recipient=w.letter.recipient,
            sme_id=w.letter.sme_id, language=w.letter.language, template=w.letter.template, subject=w.letter.subject[:400],
            case_state=w.case_state, state_since=w.state_since, sha256=w.sha256, size=w.size, path=w.path, actor=actor,
        )
        for w in written
    ]
    if not rows:
        return rows
    session.add_all(rows)
    session.flush()
    session.add_all([
        AuditEvent(
            actor=actor, action="letter.write", entity="letter", entity_id=row.id, case_reference=w.case_reference,
            person_id=w.person_id,
            after=audit_json({"kind": row.kind, "recipient": row.recipient, "language": row.language, "sha256": row.sha256,
                         "path": row.path, "case_state": row.case_state}),
        )
        for row, w in zip(rows, written)
    ])
    return rows


def set_letter_pdfs(session: Session, *, pdfs: dict[int, str], actor: str) -> None:
    """Record the PDF made beside each letter (letter id → path relative to the cases folder)."""
    if not pdfs:
        return
    for row in session.exec(select(Letter).where(Letter.id.in_(list(pdfs)))).all():
        row.pdf_path = pdfs[row.id]
        session.add(row)
        record_audit(session, actor=actor, action="letter.pdf", entity="letter", entity_id=row.id,
                     case_reference=row.case_reference, after={"pdf_path": row.pdf_path})


def letter_pdf(session: Session, *, letter: Letter, cases_dir: Path, actor: str, convert) -> str | None:
    """The letter's PDF (relative to `cases_dir`), converted now when it has none (`convert`:
    adapters.pdf.convert_to_pdf; the web page's download asks for it). None when the conversion
    produced nothing; recorded as `letter.pdf` like the batch conversion."""
    if letter.pdf_path:
        return letter.pdf_path
    docx = cases_dir / letter.path
    pdf = convert([docx]).get(docx)
    if pdf is None:
        return None
    relative = pdf.relative_to(cases_dir).as_posix()
    set_letter_pdfs(session, pdfs={letter.id: relative}, actor=actor)
    return relative
