"""Column helpers shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from domain.validation import FieldError

Model = TypeVar("Model", bound=BaseModel)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC and read back aware (UTC), on SQLite as on PostgreSQL.

    SQLite keeps no offset: without this, a time written as 10:30 Europe/Berlin came back naive and
    was shown an hour off. A naive value is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give an aware datetime (UTC or Europe/Berlin)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(*, index: bool = False, nullable: bool = False):
    """An aware UTC datetime (stored UTC, shown Europe/Berlin)."""
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, index=index, nullable=True)
    return Field(default_factory=utc_now, sa_type=UTCDateTime, index=index, nullable=False)


def long_text(*, nullable: bool = True):
    return Field(default=None if nullable else "", sa_type=Text, nullable=nullable)


def checked(model: type[Model], values: dict[str, Any], **context: Any) -> Model | list[FieldError]:
    """`values` validated by an `XCreate` model, or every field's error (a form or an import row is
    refused whole, with all its errors at once). The models' validators are the parsers of
    `domain.validation`, whose errors name the field and the fix in English and German; `context`
    carries what they need besides the value (today, the districts served)."""
    try:
        return model.model_validate(values, context=context)
    except ValidationError as invalid:
        errors: list[FieldError] = []
        for item in invalid.errors():
            error = (item.get("ctx") or {}).get("error")
            if isinstance(error, FieldError):
                errors.append(error)
            else:  # a type the parsers did not see (e.g. a list where text belongs): say which field
                name = str(item["loc"][0]) if item.get("loc") else "row"
                errors.append(FieldError("input.invalid", name, typed=str(item.get("input"))[:60], detail=item["msg"]))
        return errors
