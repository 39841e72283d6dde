"""The audit trail: who changed what, when, from what to what. Append-only.

The application only ever inserts; the migration adds database triggers that refuse UPDATE and
DELETE on this table, so not even a mistaken query can rewrite history.

The values (`before`, `after`) of an entry about a person are sealed with a key of that person
(`PersonKey`, services/audit.py; one per case of theirs): erasing the person or the case deletes the
key, and the entry keeps who, when, which action and which case reference, but no readable personal
value (crypto-shredding).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
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


class PersonKey(SQLModel, table=True):
    """A key that seals the values of a person's audit entries (adapters/crypto.py): one per case of
    theirs for the entries about that case, and one (`case_reference` "") for the entries about the
    person alone. Erasing a case deletes its key, erasing the person deletes all of theirs, which leaves
    those values unreadable (migration 0015). No foreign key: the person's row may go first."""

    __tablename__ = "person_key"

    person_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    case_reference: str = Field(default="", primary_key=True, max_length=20)
    key: bytes = Field(sa_type=LargeBinary, nullable=False)
    created_at: datetime = timestamp()
