"""Reading a submitted form: text fields cut to a limit, check boxes, dates as advisers type them, and
the German messages collected per field."""

from __future__ import annotations

from datetime import date

from domain.calendar import format_date


class FormErrors(dict):
    """field → German message; `add` keeps the first message of a field."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, message)


def form_text(form, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def form_checked(form, name: str) -> bool:
    return form.get(name) in ("ja", "on", "1", "true")


def form_day(value: str, label: str, *, errors: FormErrors, name: str, latest: date | None = None) -> date | None:
    """A date typed as TT.MM.JJJJ or sent by a date field as JJJJ-MM-TT; None with a message."""
    text = value.strip()
    try:
        if "." in text:
            day_, month, year = (int(part) for part in text.split("."))
            parsed = date(year, month, day_)
        else:
            parsed = date.fromisoformat(text)
    except ValueError:
        errors.add(name, f"{label}: „{text[:20]}“ ist kein gültiges Datum; bitte als TT.MM.JJJJ eingeben, z. B. 25.11.2026")
        return None
    if latest is not None and parsed > latest:
        errors.add(name, f"{label}: {format_date(parsed)} liegt in der Zukunft (heute ist der {format_date(latest)})")
        return None
    return parsed


def field_message(label: str, message_de: str) -> str:
    return f"{label} {message_de}" if message_de.startswith("ist ") else f"{label}: {message_de}"
