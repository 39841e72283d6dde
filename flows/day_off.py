"""Scheduled runs rest on weekends and Lower Saxony public holidays, and say so in an artifact."""

from __future__ import annotations

from datetime import date, datetime

from prefect.artifacts import create_markdown_artifact

from domain.calendar import lower_saxony_calendar
from services.reminders import BERLIN


def berlin_today() -> date:
    return datetime.now(BERLIN).date()


def day_off(day: date) -> str | None:
    """Why `day` is not a working day in Lower Saxony ('Samstag', 'Sonntag', the holiday), or None."""
    calendar = lower_saxony_calendar()
    return None if calendar.is_working_day(day) else calendar.why_not_working(day)


def rest_if_day_off(scheduled: bool, what: str, key: str) -> str | None:
    """For a scheduled run on a day off: a Markdown artifact that says the run did nothing and why,
    and the reason returned; otherwise None (the run goes on). A run started by hand always runs."""
    if not scheduled:
        return None
    today = berlin_today()
    why = day_off(today)
    if why:
        create_markdown_artifact(
            key=key,
            markdown=f"**{what}: kein Lauf am {today:%d.%m.%Y}** – kein Werktag in Niedersachsen ({why}). "
                     "Der nächste Werktag holt alles nach.",
            description=f"{what}: {today:%d.%m.%Y} ist kein Werktag ({why})",
        )
    return why
