"""Every stored row about one person, table by table, for the access export (Art. 15 DSGVO,
services/access_export.py): selectors, read with every column of the table as the models declare it,
so that a column added later is exported without anyone remembering to add it here.

What is about a person: their row, consents and address; their cases and everything that hangs on a
case (events, deadlines, appointments, documents, letters, mails of the outbox, employer links), the
inbox ledger of their cases' files, the derived report rows and the case search's text. Of an
employer (`sme`) only what says to whom their data went. Not here: the audit trail (opened by
`services.audit.history`), and the person's key (`person_key`): a secret that seals their entries, no
value about them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, bindparam, select, text
from sqlmodel import Session

from models.case import Appointment, Case, CaseEvent, Deadline
from models.document import Document, IntakeFile
from models.letter import CaseSme, Letter, PersonAddress, Sme
from models.outbox import OutboxMessage
from models.person import Consent, Person
from models.report_facts import report_case_change, report_case_dirty, report_case_fact, report_person_dirty, report_person_span

# tables whose rows hang on a case (column `case_id`), in the order the export lists them
CASE_TABLES: tuple[Table, ...] = (
    CaseEvent.__table__, Deadline.__table__, Appointment.__table__, Document.__table__, Letter.__table__,
    OutboxMessage.__table__, CaseSme.__table__, report_case_fact, report_case_change, report_case_dirty,
)
SME_COLUMNS = ("id", "name", "postcode", "city")  # the employer the outcome may be told to: who it is


def _rows(session: Session, table: Table, condition) -> list[dict[str, Any]]:
    primary = list(table.primary_key.columns)
    return [dict(row._mapping) for row in session.execute(select(table).where(condition).order_by(*primary)).all()]


def person_tables(session: Session, *, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """Table name → its rows about the person (each a dict of every column), oldest first."""
    found: dict[str, list[dict[str, Any]]] = {}
    found["person"] = _rows(session, Person.__table__, Person.__table__.c.id == person_id)
    found["consent"] = _rows(session, Consent.__table__, Consent.__table__.c.person_id == person_id)
    found["person_address"] = _rows(session, PersonAddress.__table__, PersonAddress.__table__.c.person_id == person_id)
    for table in (report_person_span, report_person_dirty):
        found[table.name] = _rows(session, table, table.c.person_id == person_id)
    cases = _rows(session, Case.__table__, Case.__table__.c.person_id == person_id)
    found["recognition_case"] = cases
    case_ids = [case["id"] for case in cases]
    references = [case["reference"] for case in cases]
    for table in CASE_TABLES:
        found[table.name] = _rows(session, table, table.c.case_id.in_(case_ids)) if case_ids else []
    found["intake_file"] = (_rows(session, IntakeFile.__table__, IntakeFile.__table__.c.case_reference.in_(references))
                            if references else [])
    sme_ids = sorted({link["sme_id"] for link in found["case_sme"]} | {row["sme_id"] for row in found["letter"] if row["sme_id"]})
    smes = Sme.__table__
    found["sme"] = ([dict(row._mapping) for row in session.execute(
        select(*(smes.c[name] for name in SME_COLUMNS)).where(smes.c.id.in_(sme_ids)).order_by(smes.c.id)).all()]
        if sme_ids else [])
    found["case_search"] = case_search_documents(session, case_ids=case_ids)
    return found


def case_search_documents(session: Session, *, case_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The case search's text of these cases (models/search.py: the folded names, reference and
    profession), as (case_id, district, document)."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = text("SELECT case_id, district, document FROM case_search WHERE case_id IN :ids ORDER BY case_id")
    else:
        query = text("SELECT rowid AS case_id, district, document FROM case_search WHERE rowid IN :ids ORDER BY rowid")
    query = query.bindparams(bindparam("ids", expanding=True))
    return [dict(row._mapping) for row in session.execute(query, {"ids": ids}).all()]
