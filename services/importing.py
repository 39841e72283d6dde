"""Bulk import of cases from the advisers' CSV file (../shared/import-format.md).

Each row is taken whole or not at all: every field is validated first, by the models every door
shares (`models.person.PersonCreate`, `models.case.CaseCreate`: the CSV row is one more parser in front
of them), and only a valid row touches the database. Importing the same file again adds nobody twice:
a person is the same when given name, family name and birth date match, and a person who already has a
case for the same profession gets no second one. A person registered in the other district is refused
with the rule of `case new` and the web form (`domain.access.check_new_case_district`).

The rules of opening a case are the ones `services.cases.open_new_case` applies, by the same function
(`services.cases.check_new_case`: the district rule and the fast track only for a person abroad),
called per row with the persons looked up for the chunk.

The file is streamed (`open_import`): a first pass reads it line by line and refuses a file that
cannot be read as a whole (encoding, header, size over WELCOME_CENTER_MAX_IMPORT_BYTES) before a row
is stored; the second pass validates row by row and stores the valid rows in chunks of 500, one
transaction per chunk, with set-based inserts (persons, a block of case references, cases, audit
entries): the same columns and audit entries as `services.find_or_create_person` and
`services.open_case` write one by one. What is kept across the file is bounded: 12 bytes per row
for finding duplicate rows (`domain.csvfile.RowDigests`), counters, and at most `keep` report
entries of each kind. A chunk that meets a person another import stored at the same moment is
rolled back and taken again (it then finds that person).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.catalogue import Catalogue
from domain.countries import CountryTable
from domain.csvfile import (
    COLUMNS,
    ImportFileError,
    ImportLayout,
    ImportTable,
    RawRow,
    RowDigests,
    RowError,
    read_rows,
    scan_import,
    table_of,
)
from domain.errors import _clip
from domain.routing import route
from domain.text import fold
from domain.validation import FieldError, person_identity_key
from models._types import checked, utc_now
from models.case import Case, CaseCreate
from models.person import Person, PersonCreate
from services.audit import audit_json, insert_entries
from services.cases import (
    case_open_audit,
    check_new_case,
    new_case_fields,
    person_create_audit,
    reserve_references,
    trained_in_eu,
)
from services.search import refresh_case_search

CHUNK = 500
COLUMN_KEYS = tuple(key for key, *_ in COLUMNS)
REPORT_KEEP = 10_000  # report entries kept per kind; beyond that they are counted
UNKNOWN_COLUMNS_SHOWN = 10  # unknown columns named in the one line that reports them


@dataclass(frozen=True)
class Imported:
    row: int
    reference: str
    name: str
    routed: bool


@dataclass(frozen=True)
class Skipped:
    row: int
    reference: str
    name: str


@dataclass
class ImportReport:
    """What the import did. The lists hold at most `keep` entries each (a file of a million rows
    must not need a million report entries in memory); the counts are complete. `warnings` are
    about the file as a whole: unknown columns (one entry, however many), no data rows."""

    file_name: str
    unknown_columns: tuple[str, ...] = ()
    imported: list[Imported] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # already there
    refused: list[RowError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    rows: int = 0  # data rows read
    imported_count: int = 0
    skipped_count: int = 0
    refused_row_count: int = 0
    keep: int = REPORT_KEEP

    @property
    def refused_rows(self) -> list[int]:
        """The refused rows among the entries kept."""
        return sorted({error.row for error in self.refused})

    def refuse(self, errors: list[RowError]) -> None:
        self.refused_row_count += 1
        if len(self.refused) < self.keep:
            self.refused.extend(errors)

    def add(self, imported: list[Imported], skipped: list[Skipped], refused: list[RowError]) -> None:
        self.imported_count += len(imported)
        self.skipped_count += len(skipped)
        self.refused_row_count += len({error.row for error in refused})
        self.imported.extend(imported[: max(0, self.keep - len(self.imported))])
        self.skipped.extend(skipped[: max(0, self.keep - len(self.skipped))])
        self.refused.extend(refused[: max(0, self.keep - len(self.refused))])


def unknown_columns_warning(file_name: str, columns: tuple[str, ...]) -> FieldError | None:
    """The unknown columns as one message, however many there are: the first ten named (each clipped),
    then "… and N more"."""
    if not columns:
        return None
    shown = [_clip(column, 40) for column in columns[:UNKNOWN_COLUMNS_SHOWN]]
    more = len(columns) - len(shown)
    if more:
        return FieldError("import.unknown_columns_clipped", "file", file=_clip(file_name, 80), count=len(columns),
                          columns=shown, more=more)
    return FieldError("import.unknown_columns", "file", file=_clip(file_name, 80), count=len(columns), columns=shown)


# --- the file on disk -------------------------------------------------------------------------------


def open_import(path: Path, *, max_bytes: int) -> ImportTable:
    """The import file at `path`, read in two passes so that memory stays bounded whatever its size:
    `scan_import` now (an unreadable file is refused before anything is stored), the rows as the
    import asks for them. A file over `max_bytes` (WELCOME_CENTER_MAX_IMPORT_BYTES) is refused with
    the limit and the fix; OSError when it cannot be opened."""
    size = path.stat().st_size
    if size > max_bytes:
        raise _too_large(path.name, size, max_bytes)
    with path.open("rb") as file:
        layout = scan_import(_limited(file, path.name, max_bytes), file_name=path.name)
    return table_of(layout, _streamed_rows(path, layout, max_bytes))


def _too_large(file_name: str, size: int, limit: int) -> ImportFileError:
    return ImportFileError("import.too_large", file=_clip(file_name, 80), size=size, limit=limit)


def _limited(file: BinaryIO, file_name: str, max_bytes: int) -> Iterator[bytes]:
    """The file's lines, refused once more than `max_bytes` were read (a file that grows while it is
    read, a named pipe)."""
    read = 0
    for line in file:
        read += len(line)
        if read > max_bytes:
            raise _too_large(file_name, read, max_bytes)
        yield line


def _streamed_rows(path: Path, layout: ImportLayout, max_bytes: int) -> Iterator[RawRow]:
    with path.open("rb") as file:
        yield from read_rows(_limited(file, path.name, max_bytes), layout)


# --- the rows ---------------------------------------------------------------------------------------


def row_digest(raw: RawRow) -> int:
    """64 bits that stand for the row's content (NFC, without surrounding spaces): two rows with the
    same digest are the same row (a chance of 1 in 10^19 per pair for two different ones)."""
    text = "\x1f".join([*(raw.values.get(key, "") for key in COLUMN_KEYS), *raw.surplus])
    digest = hashlib.blake2b(unicodedata.normalize("NFC", text).encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "big")


def import_table(
    engine: Engine,
    *,
    table: ImportTable,
    catalogue: Catalogue,
    today: date,
    actor: str,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    keep: int = REPORT_KEEP,
) -> ImportReport:
    """Validate the rows as they are read and store the valid ones chunk by chunk (or, dry run, only
    report). A row the same as an earlier one is refused naming that row."""
    report = ImportReport(table.file_name, table.unknown_columns, keep=keep)
    if (warning := unknown_columns_warning(table.file_name, table.unknown_columns)) is not None:
        report.warnings.append(warning)
    districts = list(catalogue.districts)
    digests = RowDigests()
    chunk: list[tuple[int, ValidRow]] = []
    for raw in table.rows:
        report.rows += 1
        first = digests.add(row_digest(raw), raw.number)
        if first is not None:
            same = FieldError("import.duplicate_row", "row", row=first)
            report.refuse([RowError(raw.number, "row", "", same.message, same.message_de, same.code)])
        else:
            result = parse_row(raw, today=today, districts=districts, countries=catalogue.countries,
                               width=table.width, file_name=table.file_name)
            if isinstance(result, list):
                report.refuse(result)
            else:
                chunk.append((raw.number, result))
        if len(chunk) >= CHUNK:
            _store(engine, chunk, report, catalogue=catalogue, today=today, actor=actor, dry_run=dry_run)
            chunk = []
        if progress and report.rows % CHUNK == 0:
            progress(report.rows)
    if chunk:
        _store(engine, chunk, report, catalogue=catalogue, today=today, actor=actor, dry_run=dry_run)
    if progress:
        progress(report.rows)
    if report.rows == 0:
        report.warnings.append(FieldError("import.header_only", "file", file=_clip(table.file_name, 80)))
    return report


def _store(engine: Engine, chunk, report: ImportReport, *, catalogue: Catalogue, today: date, actor: str,
           dry_run: bool) -> None:
    """One chunk in one transaction (rolled back on a dry run)."""
    for attempt in (1, 2):
        try:
            with Session(engine) as session:
                imported, skipped, refused = _store_chunk(session, chunk, catalogue=catalogue, today=today,
                                                          actor=actor, dry_run=dry_run)
                if dry_run:
                    session.rollback()
                else:
                    session.commit()
            break
        except IntegrityError:
            if attempt == 2:
                raise
    report.add(imported, skipped, refused)


@dataclass(frozen=True, slots=True)
class _NewPerson:
    """A person this chunk registers, as the rules of a new case see a person on file."""

    district: str
    lives_abroad: bool


def _store_chunk(session: Session, chunk, *, catalogue: Catalogue, today: date, actor: str, dry_run: bool):
    persons = _known_people(session, [row for _, row in chunk])
    refused: list[RowError] = []
    allowed = []
    pending: dict[str, _NewPerson] = {}
    for number, row in chunk:
        identity = row.identity
        registered = persons.get(identity) or pending.get(identity)
        try:  # the rules of open_new_case, by the same function
            check_new_case(person=row.person, case=row.case, registered=registered, actor=None, catalogue=catalogue)
        except FieldError as error:
            typed = error.value if error.value is not None else str(getattr(row.person, error.field, "") or "")
            refused.append(RowError(number, error.field, _clip(typed, 60), error.message, error.message_de, error.code))
            continue
        if registered is None:
            pending[identity] = _NewPerson(row.person.district, row.person.lives_abroad)
        allowed.append((number, row))
    chunk = allowed
    cases_of = _cases_of(session, [p.id for p in persons.values()])
    now = utc_now()

    # 1. the new persons (a person may stand in several rows, e.g. with two professions)
    new_people: dict[str, dict] = {}
    for _, row in chunk:
        identity = row.identity
        if identity not in persons and identity not in new_people:
            new_people[identity] = {**row.person.model_dump(), "identity_key": identity, "created_at": now}
    person_ids: dict[str, int] = {identity: person.id for identity, person in persons.items()}
    districts: dict[str, str] = {identity: person.district for identity, person in persons.items()}
    if new_people:
        identities = list(new_people)
        if dry_run:
            ids = [-(i + 1) for i in range(len(identities))]
        else:
            # one executemany, then the ids by the unique key: RETURNING in parameter order makes
            # SQLAlchemy send one INSERT per row on SQLite (no sentinel column), 1,000 statements a chunk
            session.execute(insert(Person.__table__), [new_people[i] for i in identities])
            table = Person.__table__
            stored = dict(session.execute(
                select(table.c.identity_key, table.c.id).where(table.c.identity_key.in_(identities))).all())
            ids = [stored[i] for i in identities]
        for identity, person_id in zip(identities, ids):
            person_ids[identity] = person_id
            districts[identity] = new_people[identity]["district"]

    # 2. which rows open a case (not when the person already has one for the profession)
    opening: list[tuple[int, ValidRow, str, str]] = []
    imported: list[Imported] = []
    skipped: list[Skipped] = []
    for number, row in chunk:
        identity = row.identity
        person_id = person_ids[identity]
        key = fold(row.case.profession)
        name = f"{row.person.given_name} {row.person.family_name}"
        existing = cases_of.get(person_id, {}).get(key)
        if existing:
            skipped.append(Skipped(number, existing, name))
            continue
        cases_of.setdefault(person_id, {})[key] = "(in dieser Datei)"
        opening.append((number, row, identity, name))

    # 3. a block of references per district prefix, then the cases
    wanted: dict[str, int] = defaultdict(int)
    for _, _, identity, _ in opening:
        wanted[catalogue.districts[districts[identity]].reference_prefix] += 1
    references: dict[str, list[str]] = {}
    for prefix, count in wanted.items():
        references[prefix] = (
            [f"{prefix}-{today.year}-(neu {i + 1})" for i in range(count)] if dry_run
            else reserve_references(session, prefix=prefix, year=today.year, count=count)
        )
    cases = []
    for number, row, identity, name in opening:
        district = districts[identity]
        reference = references[catalogue.districts[district].reference_prefix].pop(0)
        fields = new_case_fields(
            reference=reference, person_id=person_ids[identity], district=district,
            routing=route(row.case.profession, district, catalogue,
                          eu_training=trained_in_eu(row.case.country_of_training, row.case.eu_training)),
            fast_track=row.case.fast_track,
            country_of_training=row.case.country_of_training, eu_training=row.case.eu_training,
        )
        cases.append(fields)
        cases_of[person_ids[identity]][fold(row.case.profession)] = reference
        imported.append(Imported(number, reference, name, fields["reference_occupation"] is not None))
    if dry_run or not cases:
        return imported, skipped, refused
    session.execute(insert(Case.__table__), cases)  # then the ids by the unique reference, as above
    table = Case.__table__
    wanted = [fields["reference"] for fields in cases]
    stored_cases = dict(session.execute(select(table.c.reference, table.c.id).where(table.c.reference.in_(wanted))).all())
    case_ids = [stored_cases[reference] for reference in wanted]
    refresh_case_search(session, case_ids=case_ids)

    # 4. the audit entries, as the one-by-one services write them
    audit = [
        {"at": now, "actor": actor, "action": "person.create", "entity": "person", "entity_id": person_ids[identity],
         "case_reference": None, "person_id": person_ids[identity], "before": None,
         "after": audit_json(person_create_audit(values))}
        for identity, values in new_people.items()
    ]
    audit += [
        {"at": now, "actor": actor, "action": "case.open", "entity": "case", "entity_id": case_id,
         "case_reference": fields["reference"], "person_id": fields["person_id"], "before": None,
         "after": audit_json(case_open_audit(fields))}
        for case_id, fields in zip(case_ids, cases)
    ]
    insert_entries(session, audit)
    return imported, skipped, refused


@dataclass(frozen=True)
class ValidRow:
    """A row that can be taken whole: the person and the case, both validated."""

    person: PersonCreate
    case: CaseCreate
    # Who the person is (import-format.md): given name, family name and birth date, the names in NFC
    # and case-folded (domain.validation.person_identity_key); computed once, asked several times
    identity: str = ""

    def __post_init__(self) -> None:
        if not self.identity:
            key = person_identity_key(self.person.given_name, self.person.family_name, self.person.birth_date)
            object.__setattr__(self, "identity", key)


def parse_row(raw: RawRow, *, today: date, districts: list[str], countries: CountryTable, width: int = 0,
              file_name: str = "") -> ValidRow | list[RowError]:
    """One record of the file → the models every door shares, or every error of the row (a row is
    taken whole or not at all). A row with a NUL byte, or with more or fewer values than the header
    has columns (`width`, when given), is refused as a whole: which cell is which is then a guess."""
    if raw.nul:
        field_name = next((key for key, value in raw.values.items() if "\x00" in value), "row")
        nul = FieldError("import.nul_byte", field_name, file=_clip(file_name, 80), row=raw.number)
        return [RowError(raw.number, field_name, _clip(raw.values.get(field_name, ""), 60), nul.message, nul.message_de,
                         nul.code)]
    if raw.surplus:
        shown = "; ".join(raw.surplus)
        surplus = FieldError("import.surplus_values", "row", typed=shown, count=len(raw.surplus), values=_clip(shown))
        return [RowError(raw.number, "row", _clip(shown, 60), surplus.message, surplus.message_de, surplus.code)]
    if width and raw.count >= 0 and raw.count != width:
        ragged = FieldError("import.field_count", "row", count=raw.count, width=width)
        return [RowError(raw.number, "row", "", ragged.message, ragged.message_de, ragged.code)]
    cells = raw.values
    context = {"today": today, "districts": districts, "countries": countries}
    person = checked(PersonCreate, {name: cells.get(name, "") for name in PERSON_COLUMNS}, **context)
    case = checked(CaseCreate, {name: cells.get(name, "") for name in CASE_COLUMNS}, **context)
    errors = [*(person if isinstance(person, list) else []), *(case if isinstance(case, list) else [])]
    if errors:
        order = {key: index for index, key in enumerate(COLUMN_KEYS)}
        errors.sort(key=lambda e: order.get(e.field, len(order)))
        return [RowError(raw.number, e.field, _clip(cells.get(e.field) or "", 60), e.message, e.message_de, e.code)
                for e in errors]
    return ValidRow(person, case)


PERSON_COLUMNS = ("given_name", "family_name", "birth_date", "sex", "district", "language", "email", "phone",
                  "receives_buergergeld")
CASE_COLUMNS = ("profession", "country_of_training", "fast_track")


def _known_people(session: Session, rows: list[ValidRow]) -> dict[str, Person]:
    """Persons already stored for these rows, by identity key, in one query."""
    wanted = sorted({row.identity for row in rows})
    return {person.identity_key: person
            for person in session.exec(select(Person).where(Person.identity_key.in_(wanted))).scalars()}


def _cases_of(session: Session, person_ids: list[int]) -> dict[int, dict[str, str]]:
    """person → folded profession as typed → the case reference."""
    result: dict[int, dict[str, str]] = defaultdict(dict)
    if person_ids:
        rows = session.execute(
            select(Case.person_id, Case.profession_text, Case.reference).where(Case.person_id.in_(person_ids))
        ).all()
        for person_id, profession, reference in rows:
            result[person_id].setdefault(fold(profession), reference)
    return result
