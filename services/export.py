"""Export the case list for a spreadsheet: the same file from the command line and the web page, and
always an entry in the audit trail (who exported which selection, how many rows): advisers handle
sensitive data, and the data protection officer must be able to see who took a copy.

The file is UTF-8 with a byte-order mark and semicolons, so German Excel opens it as it is; a cell
that a spreadsheet would run as a formula is written with a leading ' (OWASP "CSV Injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.access import Actor
from domain.calendar import format_date
from domain.lifecycle import STATE_DE, CaseState
from domain.validation import csv_safe
from models.selectors import CaseSelection, case_count, export_rows
from services.audit import record_audit

CSV_HEADER = ["Aktenzeichen", "Landkreis", "Stand", "Vorname", "Nachname", "Beruf", "Referenzberuf",
              "Beraterin/Berater", "nächste Frist"]
ROWS_PER_CHUNK = 500


def record_export(session: Session, *, actor: Actor | None, audit_actor: str, selection: CaseSelection, today: date,
                  channel: str) -> int:
    """Count the rows of the selection in the actor's scope and write the audit entry; returns the
    count. The caller commits before the file is written."""
    total = case_count(session, actor=actor, today=today, **selection.as_args())
    record_audit(session, actor=audit_actor, action="case.export", entity="case",
                 after={"selection": selection.described(), "rows": total, "channel": channel})
    return total


def csv_chunks(engine: Engine, *, actor: Actor | None, selection: CaseSelection, today: date) -> Iterator[bytes]:
    """The CSV file in chunks of 500 rows, read in batches (bounded memory at 100,000 cases)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    with Session(engine) as session:
        for number, row in enumerate(export_rows(session, actor=actor, today=today, **selection.as_args()), 1):
            writer.writerow([csv_safe(str(value)) for value in (
                row.reference, row.district.capitalize(), STATE_DE.get(CaseState(row.state), row.state),
                row.given_name, row.family_name, row.profession_text, row.reference_occupation or "",
                row.adviser_name or "", format_date(row.next_due) if row.next_due else "",
            )])
            if number % ROWS_PER_CHUNK == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def record_report_export(session: Session, *, audit_actor: str, start: date, end: date, district: str | None,
                         file_format: str, channel: str) -> None:
    """A report's file (suppressed figures, no person) taken from the web page: an export all the same,
    so the audit trail says who took which period and district in which format. The caller commits."""
    record_audit(session, actor=audit_actor, action="report.export", entity="report",
                 after={"from": start.isoformat(), "to": end.isoformat(), "district": district or "alle",
                        "format": file_format, "channel": channel})
