"""Column helpers shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Text
from sqlmodel import Field


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(*, index: bool = False, nullable: bool = False):
    """An aware UTC datetime (stored UTC, shown Europe/Berlin)."""
    if nullable:
        return Field(default=None, sa_type=DateTime(timezone=True), index=index, nullable=True)
    return Field(default_factory=utc_now, sa_type=DateTime(timezone=True), index=index, nullable=False)


def long_text(*, nullable: bool = True):
    return Field(default=None if nullable else "", sa_type=Text, nullable=nullable)
