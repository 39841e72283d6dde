"""Bulk import of cases from the advisers' CSV file (../shared/import-format.md).

Each row is taken whole or not at all: every field is validated first, by the models every door
shares (`models.person.PersonCreate`, `models.case.CaseCreate`: the CSV row is one more parser in front
of them), and only a valid row touches the database. Importing the same file again adds nobody twice:
a person is the same when given name, family name and birth date match, and a person who already has a
case for the same profession gets no second one. A person registered in the other district is refused
with the rule of `case new` and the web form (`domain.access.check_new_case_district`).

Valid rows are stored in chunks of 500, one transaction per chunk, with set-based inserts (persons,
a block of case references, cases, audit entries): the same columns and audit entries as
`services.find_or_create_person` and `services.open_case` write one by one, at a few thousand rows a
second. A chunk that meets a person another import stored at the same moment is rolled back and
taken again (it then finds that person).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.access import check_new_case_district
from domain.catalogue import Catalogue
from domain.countries import CountryTable
from domain.csvfile import COLUMNS, ImportTable, RawRow, RowError
from domain.errors import _clip
from domain.routing import route
from domain.text import fold
from domain.validation import FieldError
from models._types import checked, utc_now
from models.audit import AuditEvent
from models.case import Case, CaseCreate
from models.person import Person, PersonCreate
from services.audit import audit_json
from services.cases import (
    case_open_audit,
    new_case_fields,
    person_create_audit,
    reserve_references,
    trained_in_eu,
)
from services.search import refresh_case_search

CHUNK = 500
COLUMN_KEYS = tuple(key for key, *_ in COLUMNS)


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
    file_name: str
    unknown_columns: tuple[str, ...] = ()
    imported: list[Imported] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # already there
    refused: list[RowError] = field(default_factory=list)

    @property
    def refused_rows(self) -> list[int]:
        return sorted({error.row for error in self.refused})


def import_table(
    engine: Engine,
    *,
    table: ImportTable,
    catalogue: Catalogue,
    today: date,
    actor: str,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate every row, then store the valid ones chunk by chunk (or, dry run, only report)."""
    report = ImportReport(table.file_name, table.unknown_columns)
    valid: list[tuple[int, ValidRow]] = []
    for raw in table.rows:
        result = parse_row(raw, today=today, districts=list(catalogue.districts), countries=catalogue.countries)
        if isinstance(result, list):
            report.refused.extend(result)
        else:
            valid.append((raw.number, result))

    done = 0
    for start in range(0, len(valid), CHUNK):
        chunk = valid[start : start + CHUNK]
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
        report.imported.extend(imported)
        report.skipped.extend(skipped)
        report.refused.extend(refused)
        done += len(chunk)
        if progress:
            progress(done)
    return report


def _store_chunk(session: Session, chunk, *, catalogue: Catalogue, today: date, actor: str, dry_run: bool):
    persons = _known_people(session, [row for _, row in chunk])
    names = {key: d.name for key, d in catalogue.districts.items()}
    refused: list[RowError] = []
    allowed = []
    for number, row in chunk:
        known = persons.get(row.identity)
        try:
            check_new_case_district(requested=row.person.district, registered=known.district if known else None, actor=None,
                                    district_names=names)
        except FieldError as error:
            refused.append(RowError(number, error.field, _clip(row.person.district, 60), error.message, error.message_de,
                                    error.code))
            continue
        allowed.append((number, row))
    chunk = allowed
    cases_of = _cases_of(session, [p.id for p in persons.values()])
    now = utc_now()

    # 1. the new persons (a person may stand in several rows, e.g. with two professions)
    new_people: dict[tuple, dict] = {}
    for _, row in chunk:
        identity = row.identity
        if identity not in persons and identity not in new_people:
            new_people[identity] = {**row.person.model_dump(), "created_at": now}
    person_ids: dict[tuple, int] = {identity: person.id for identity, person in persons.items()}
    districts: dict[tuple, str] = {identity: person.district for identity, person in persons.items()}
    if new_people:
        identities = list(new_people)
        if dry_run:
            ids = [-(i + 1) for i in range(len(identities))]
        else:
            ids = session.execute(
                insert(Person.__table__).returning(Person.__table__.c.id, sort_by_parameter_order=True),
                [new_people[i] for i in identities],
            ).scalars().all()
        for identity, person_id in zip(identities, ids):
            person_ids[identity] = person_id
            districts[identity] = new_people[identity]["district"]

    # 2. which rows open a case (not when the person already has one for the profession)
    opening: list[tuple[int, ValidRow, tuple, str]] = []
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
    case_ids = session.execute(
        insert(Case.__table__).returning(Case.__table__.c.id, sort_by_parameter_order=True), cases
    ).scalars().all()
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
    session.execute(insert(AuditEvent.__table__), audit)
    return imported, skipped, refused


@dataclass(frozen=True)
class ValidRow:
    """A row that can be taken whole: the person and the case, both validated."""

    person: PersonCreate
    case: CaseCreate

    @property
    def identity(self) -> tuple:
        """Who the person is (import-format.md): given name, family name and birth date."""
        return (self.person.given_name, self.person.family_name, self.person.birth_date)


def parse_row(raw: RawRow, *, today: date, districts: list[str], countries: CountryTable) -> ValidRow | list[RowError]:
    """One record of the file → the models every door shares, or every error of the row (a row is
    taken whole or not at all). Cells the file does not have count as empty."""
    if raw.surplus:
        shown = "; ".join(raw.surplus)
        surplus = FieldError("import.surplus_values", "row", typed=shown, count=len(raw.surplus), values=_clip(shown))
        return [RowError(raw.number, "row", _clip(shown, 60), surplus.message, surplus.message_de, surplus.code)]
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


def _known_people(session: Session, rows: list[ValidRow]) -> dict[tuple, Person]:
    """Persons already stored for these rows, in one query."""
    wanted = {row.identity for row in rows}
    births = sorted({birth for _, _, birth in wanted})
    known: dict[tuple, Person] = {}
    for person in session.exec(select(Person).where(Person.birth_date.in_(births))).scalars():
        identity = (person.given_name, person.family_name, person.birth_date)
        if identity in wanted:
            known[identity] = person
    return known


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
