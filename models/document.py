"""Documents on a case, and the ledger of every file the inbox took in or turned away."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import long_text, timestamp


class DocumentBase(SQLModel):
    item_key: str | None = Field(default=None, max_length=60)  # checklist item, guessed or set by the adviser
    original_name: str = Field(max_length=255)
    kind: str = Field(max_length=10)  # pdf | jpeg | png | docx (sniffed from the content)
    size: int
    sha256: str = Field(max_length=64)
    translated: bool = False  # by a sworn or publicly appointed translator
    certified: bool = False  # officially certified copy (amtlich beglaubigt)


class Document(DocumentBase, table=True):
    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="uq_document_case_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="recognition_case.id", index=True)
    stored_name: str = Field(max_length=255)  # inside the case's documents folder
    source: str = Field(max_length=20)  # inbox | upload | cli
    notes: str | None = long_text()
    received_at: datetime = timestamp()



class IntakeFile(SQLModel, table=True):
    """One row per inbox file handled: makes a re-run after a crash finish each file exactly once.

    The same name and content may be dropped again later; the newest row for (inbox path, SHA-256)
    tells whether its last step (removing or moving the file) is still to be done.
    """

    __tablename__ = "intake_file"
    __table_args__ = (Index("ix_intake_inbox_path_sha256", "inbox_path", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    inbox_path: str = Field(max_length=600)  # <case reference>/<name as dropped>
    case_reference: str | None = Field(default=None, max_length=20, index=True)
    sha256: str = Field(max_length=64)
    size: int
    outcome: str = Field(max_length=12, index=True)  # accepted | duplicate | rejected
    reason: str | None = long_text()
    quarantine_path: str | None = Field(default=None, max_length=600)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    processed_at: datetime = timestamp()
