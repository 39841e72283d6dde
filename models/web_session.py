"""Sessions of the adviser web page and the ledger of login attempts.

A session row holds only the SHA-256 of the random token in the cookie, so a copy of the database
does not log anyone in. Login attempts are rows, not memory, so the limit on failed logins survives
a restart of the server.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, timestamp


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # SHA-256 hex of the cookie's token
    adviser_id: int = Field(foreign_key="adviser.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = timestamp()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_at", "email", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)  # as typed, lower-cased: also for unknown addresses
    at: datetime = timestamp()
    succeeded: bool = False
