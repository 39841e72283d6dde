"""Sessions of the adviser web page and the counter of login attempts.

A session row holds only the SHA-256 of the random token in the cookie, so a copy of the database
does not log anyone in. Login attempts are counted in rows, not memory, so the limit on failed
logins survives a restart of the server and holds across server processes.
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


class LoginThrottle(SQLModel, table=True):
    """The attempts on one e-mail address (also an unknown one) in the current window, and its lock.

    One row per address, changed only by single atomic statements (services.accounts): an attempt is
    counted, and the limit checked, by one INSERT … ON CONFLICT DO UPDATE … RETURNING before its
    password is checked, so parallel attempts cannot all pass a check made before any of them counted.
    """

    __tablename__ = "login_throttle"

    email: str = Field(max_length=254, primary_key=True)  # as typed, lower-cased
    window_start: datetime = Field(sa_type=UTCDateTime)  # the first attempt counted in this window
    attempts: int = 0  # attempts counted in this window, each one password check at most
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class LoginAttempt(SQLModel, table=True):
    """The ledger of login attempts up to migration 0008; no longer written (the audit trail records
    each attempt, `LoginThrottle` counts them). Kept until a migration drops it with its import in
    models/__init__.py."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_at", "email", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)  # as typed, lower-cased: also for unknown addresses
    at: datetime = timestamp()
    succeeded: bool = False
