"""Column helpers shared by the tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError, ValidationInfo
from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from domain.validation import FieldError
from domain.validation import yes_no as _yes_no

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


def parsed(parser) -> BeforeValidator:
    """A field of an `XCreate` model checked by a parser of `domain.validation` (value → value)."""
    return BeforeValidator(lambda value: parser(value))


def parsed_in_context(parser) -> BeforeValidator:
    """As `parsed`, for a parser that needs the field's name or the context (today, the districts served,
    the countries): `parser(value, info)`."""
    return BeforeValidator(lambda value, info: parser(value, info))


def yes_no(value: Any, info: ValidationInfo) -> bool:
    """A bool as it is, or the text of an import cell ("ja", "nein", "WAHR")."""
    return value if isinstance(value, bool) else _yes_no(info.field_name, value)


def day_text(value: Any) -> Any:
    """A date as the text the parsers read (they check its range too); anything else as it is."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value
