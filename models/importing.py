"""Bulk import of cases from the advisers' CSV file (../shared/import-format.md).

Each row is taken whole or not at all: every field is validated first (`domain.csvfile.validate_row`,
the same rules as `case new` and the web form), and only a valid row touches the database. Importing
the same file again adds nobody twice: a person is the same when given name, family name and birth
date match, and a person who already has an open case for the same profession gets no second one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from domain.catalogue import Catalogue
from domain.csvfile import ImportTable, RowError, ValidRow, validate_row
from domain.text import fold
from domain.validation import is_eu_eea_ch
from models.case import Case
from models.person import Person
from models.services import find_or_create_person, open_case

FLUSH_EVERY = 500


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
    session: Session,
    *,
    table: ImportTable,
    catalogue: Catalogue,
    today: date,
    actor: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport(table.file_name, table.unknown_columns)
    valid: list[tuple[int, ValidRow]] = []
    for raw in table.rows:
        result = validate_row(raw, today=today, districts=catalogue.districts)
        if isinstance(result, list):
            report.refused.extend(result)
        else:
            valid.append((raw.number, result))

    known = _known_people(session, [row for _, row in valid])
    for done, (number, row) in enumerate(valid, 1):
        identity = (row.given_name, row.family_name, row.birth_date)
        person = known.get(identity)
        if person is None:
            person, _ = find_or_create_person(
                session, actor=actor, given_name=row.given_name, family_name=row.family_name,
                birth_date=row.birth_date, sex=row.sex, language=row.language, email=row.email, phone=row.phone,
                district=row.district, receives_buergergeld=row.receives_buergergeld,
            )
            known[identity] = person
        name = f"{row.given_name} {row.family_name}"
        existing = _open_case_for(session, person, row.profession)
        if existing is not None:
            report.skipped.append(Skipped(number, existing.reference, name))
        else:
            case = open_case(
                session, person=person, profession_text=row.profession, catalogue=catalogue, today=today,
                actor=actor, fast_track=row.fast_track, country_of_training=row.country_of_training,
                eu_training=bool(row.country_of_training and is_eu_eea_ch(row.country_of_training)),
            )
            report.imported.append(Imported(number, case.reference, name, case.reference_occupation is not None))
        if done % FLUSH_EVERY == 0:
            session.flush()
        if progress:
            progress(done)
    return report


def _known_people(session: Session, rows: list[ValidRow]) -> dict[tuple, Person]:
    """Persons already stored for these rows, in one query per 500 birth dates."""
    known: dict[tuple, Person] = {}
    births = sorted({row.birth_date for row in rows})
    for start in range(0, len(births), 500):
        chunk = births[start : start + 500]
        for person in session.exec(select(Person).where(Person.birth_date.in_(chunk))).all():
            known[(person.given_name, person.family_name, person.birth_date)] = person
    return known


def _open_case_for(session: Session, person: Person, profession: str) -> Case | None:
    """A case of the person for the same profession as typed, in any state: re-importing a file
    never reopens a withdrawn case (an adviser opens a new one with `case new` when it is wanted)."""
    if person.id is None:
        return None
    wanted = fold(profession)
    for case in session.exec(select(Case).where(Case.person_id == person.id)).all():
        if fold(case.profession_text) == wanted:
            return case
    return None
