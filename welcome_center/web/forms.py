"""Reading a submitted form: text fields cut to a limit, check boxes, dates as advisers type them, and
the German messages collected per field."""

from __future__ import annotations

from datetime import date

from domain.dates import DateError, event_day


class FormErrors(dict):
    """field → German message; `add` keeps the first message of a field."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, message)


def form_text(form, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def form_checked(form, name: str) -> bool:
    return form.get(name) in ("ja", "on", "1", "true")


def form_day(value: str, label: str, *, errors: FormErrors, name: str, today: date) -> date | None:
    """A day of a step typed as TT.MM.JJJJ or sent by a date field as JJJJ-MM-TT, from 1990 to a
    year after today (domain.dates, the parser of every door); None with the field's message."""
    try:
        return event_day(value, field=name, today=today)
    except DateError as error:
        errors.add(name, field_message(label, error.message_de))
        return None


def field_message(label: str, message_de: str) -> str:
    return f"{label} {message_de}" if message_de.startswith("ist ") else f"{label}: {message_de}"
