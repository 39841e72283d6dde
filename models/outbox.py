"""The outbox: one row per reminder mail, sent exactly once.

The unique key (case, rule, due day, recipient) makes a second selection run harmless; the
Message-ID is derived from that key, so a mail sent twice after a crash is recognisable as one.
Workers claim rows atomically with a lease (`claimed_until`); `claimed_by` names the holder as
host:pid:start:token/thread. A claim abandoned by a killed run is taken over at once by a run on the
same host (services.reminders.take_over_abandoned), otherwise once its lease has expired.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, long_text, timestamp


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # refused permanently by the mail server, or out of attempts
    CANCELLED = "cancelled"  # its reason has gone (documents arrived, case decided)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("case_id", "rule", "due_on", "recipient", name="uq_outbox_case_rule_due_recipient"),
        Index("ix_outbox_state_next_attempt", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="recognition_case.id", index=True)
    case_reference: str = Field(max_length=20)
    district: str = Field(max_length=20)
    rule: str = Field(max_length=60)
    due_on: date  # the working day the reminder is for
    recipient: str = Field(max_length=254)
    recipient_kind: str = Field(max_length=10)  # adviser | person | body
    language: str = Field(max_length=2)
    subject: str = Field(max_length=300)
    body: str = long_text(nullable=False)
    message_id: str = Field(max_length=200, unique=True)
    state: str = Field(default=OutboxState.PENDING.value, max_length=10)
    attempts: int = 0
    last_error: str | None = long_text()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = timestamp()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
