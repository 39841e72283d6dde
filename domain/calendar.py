"""Working days in Lower Saxony.

A deadline that ends on a Saturday, Sunday or public holiday ends on the next working day
(§ 193 BGB; § 31 Abs. 3 VwVfG, applied in Lower Saxony through § 1 NVwVfG). The holidays come from
the `holidays` package for subdivision NI, which includes Reformationstag (31 October, a public
holiday in Lower Saxony since 2018).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

import holidays

WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


class WorkingCalendar:
    """Tells working days from weekends and public holidays; pass it to the deadline rules.

    `holidays_of_year(year)` returns that year's public holidays by date (with their names); each
    year is asked for once and kept as a plain dict, so a lookup is one dict access.
    """

    def __init__(self, holidays_of_year: Callable[[int], Mapping[date, str]], name: str = "") -> None:
        self._holidays_of_year = holidays_of_year
        self._years: dict[int, dict[date, str]] = {}
        self.name = name

    def _year(self, year: int) -> dict[date, str]:
        known = self._years.get(year)
        if known is None:
            known = self._years[year] = dict(self._holidays_of_year(year))
        return known

    def holiday_name(self, day: date) -> str | None:
        return self._year(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._year(day.year)

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, otherwise the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def why_not_working(self, day: date) -> str:
        """'Samstag', 'Sonntag' or the holiday's German name."""
        name = self.holiday_name(day)
        if name:
            return name
        return "Samstag" if day.weekday() == 5 else "Sonntag"


def lower_saxony_calendar() -> WorkingCalendar:
    """Public holidays of Lower Saxony (subdivision NI) in German, any year (computed on demand)."""
    def holidays_of_year(year: int) -> Mapping[date, str]:
        return holidays.country_holidays("DE", subdiv="NI", years=year, language="de")

    return WorkingCalendar(holidays_of_year, "Niedersachsen")


def format_day(day: date) -> str:
    """'Sa 25.04.2026', the form used in reason chains."""
    return f"{WEEKDAYS_DE[day.weekday()]} {day.day:02d}.{day.month:02d}.{day.year}"


def format_date(day: date) -> str:
    """'25.11.2026', as advisers and letters write dates."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"
