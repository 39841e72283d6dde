"""The audit trail: who changed what, when, from what to what. Append-only.

The application only ever inserts; the migration adds database triggers that refuse UPDATE and
DELETE on this table, so not even a mistaken query can rewrite history.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models._types import long_text, timestamp


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp(index=True)
    actor: str = Field(max_length=254)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    case_reference: str | None = Field(default=None, max_length=20, index=True)
    person_id: int | None = Field(default=None, index=True)  # whose data it is (for a person's history)
    before: str | None = long_text()  # JSON
    after: str | None = long_text()  # JSON
