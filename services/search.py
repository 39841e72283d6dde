"""The case search's documents, kept up to date: every service that creates or changes what a case is
found by (the person's names, the Latin spelling, the reference, the profession, the reference
occupation) calls `refresh_case_search` in its own transaction, so the document commits with the
change. The document itself is `domain.search.case_search_text`, the fold the query goes through too;
`models.search` holds the tables and the queries.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_
from sqlmodel import Session, select

from adapters.transliteration import load_tables
from domain.search import case_search_text
from models.case import Case
from models.person import Person
from models.search import store_documents

CHUNK = 2000


def refresh_case_search(session: Session, *, case_ids: Collection[int] = (), person_ids: Collection[int] = ()) -> int:
    """Write the search documents of these cases and of every case of these persons; the number written."""
    case_ids, person_ids = sorted(set(case_ids)), sorted(set(person_ids))
    if not case_ids and not person_ids:
        return 0
    session.flush()
    tables = load_tables()
    written = 0
    for start in range(0, max(len(case_ids), len(person_ids)), CHUNK):
        some_cases, some_persons = case_ids[start:start + CHUNK], person_ids[start:start + CHUNK]
        conditions = []
        if some_cases:
            conditions.append(Case.id.in_(some_cases))
        if some_persons:
            conditions.append(Case.person_id.in_(some_persons))
        if not conditions:
            continue
        rows = session.exec(
            select(Case.id, Case.district, Case.reference, Case.profession_text, Case.reference_occupation, Person.given_name,
                   Person.family_name, Person.latin_given_name, Person.latin_family_name)
            .join(Person, Person.id == Case.person_id).where(or_(*conditions))
        ).all()
        store_documents(session, {
            row[0]: (row[1], case_search_text(
                reference=row[2], profession_text=row[3], reference_occupation=row[4], given_name=row[5],
                family_name=row[6], latin_given_name=row[7], latin_family_name=row[8], tables=tables,
            ))
            for row in rows
        })
        written += len(rows)
    return written


def rebuild_case_search(session: Session) -> int:
    """Every case's document written again (after a bulk load that went around the services, e.g. the
    benchmarks' seeding, or a change of the transliteration tables)."""
    ids = list(session.exec(select(Case.id).order_by(Case.id)).all())
    return refresh_case_search(session, case_ids=ids)
