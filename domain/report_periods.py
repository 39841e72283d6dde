"""The periods of the monthly report and its key figures as text: pure rules, no clock, no files.

The monthly run (flows/reports.py) fires at 06:00 Europe/Berlin on the 1st to the 4th of each month
and works only on the month's first working day in Lower Saxony (New Year's Day, a weekend, Easter
Monday or 1 May may push it to the 2nd, 3rd or 4th: the 1st to the 4th always hold one working day).
It reports the month before and the year up to that month's end: in January, the whole past year.

`key_figure_rows` turns a report's JSON (docs/report-schema.md, suppressed) into the rows of the
artifacts: counts and durations only, never a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import WorkingCalendar, format_date

DISTRICT_COLUMNS = (("verden", "Verden"), ("osterholz", "Osterholz"), ("all", "beide"))


@dataclass(frozen=True)
class ReportPeriod:
    """Both ends included; `label` names it in German ("November 2026", "01.01.–30.11.2026")."""

    start: date
    end: date
    label: str

    @property
    def month_key(self) -> str:
        """"2026-11": the folder `reports/<YYYY-MM>/` of the month the run reports on."""
        return f"{self.end:%Y-%m}"


MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")


def first_working_day_of_month(day: date, calendar: WorkingCalendar) -> date:
    """The first working day (Lower Saxony) of `day`'s month."""
    return calendar.next_working_day(day.replace(day=1))


def why_not_report_day(day: date, calendar: WorkingCalendar) -> str | None:
    """None when `day` is its month's first working day; otherwise why the scheduled run rests."""
    first = first_working_day_of_month(day, calendar)
    if day == first:
        return None
    if day < first:
        return (f"der {format_date(day)} ist kein Werktag in Niedersachsen ({calendar.why_not_working(day)}); "
                f"der Bericht entsteht am ersten Werktag des Monats, dem {format_date(first)}")
    return f"der Bericht entsteht am ersten Werktag des Monats; das war der {format_date(first)}"


def last_month(today: date) -> ReportPeriod:
    """The calendar month before `today`'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return ReportPeriod(end.replace(day=1), end, f"{MONTHS_DE[end.month - 1]} {end.year}")


def year_to_date(today: date) -> ReportPeriod:
    """From 1 January to the end of the month before `today`'s (in January: the whole past year)."""
    end = last_month(today).end
    start = end.replace(month=1, day=1)
    return ReportPeriod(start, end, f"{start:%d.%m.}–{format_date(end)}")


# (label, path in a district's figures); a path's parts are keys
KEY_FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Personen beraten", ("persons",)),
    ("davon Frauen", ("women",)),
    ("davon unter 25 Jahren", ("under_25",)),
    ("davon mit Bürgergeld", ("buergergeld",)),
    ("Frauen mit Bürgergeld", ("women_buergergeld",)),
    ("unter 25 Jahren mit Bürgergeld", ("under_25_buergergeld",)),
    ("Fälle eröffnet", ("cases_opened",)),
    ("Anträge gestellt", ("submitted",)),
    ("Bescheide: volle Gleichwertigkeit", ("decisions", "full")),
    ("Bescheide: teilweise Gleichwertigkeit", ("decisions", "partial")),
    ("Bescheide: Ausgleichsmaßnahme", ("decisions", "compensation")),
    ("Bescheide: keine Gleichwertigkeit", ("decisions", "none")),
    ("Tage bis zum Bescheid (Median)", ("median_days_to_decision",)),
    ("Bescheide in der gesetzlichen Frist", ("within_statutory_period", "share")),
    ("Finanzierung vor dem Antrag geklärt", ("funding", "recorded_before_submission")),
    ("Antrag ohne geklärte Finanzierung", ("funding", "submitted_without")),
    ("Betriebe erreicht", ("employers", "smes_reached")),
    ("Fälle mit Betrieb", ("employers", "cases_linked")),
)


def figure(figures: dict, path: tuple[str, ...]):
    value = figures
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def figure_text(value, *, share: bool = False) -> str:
    """A figure as a German reader reads it: "< 3" as it is, 61.5 as "61,5", a share as "82 %",
    nothing as "–"."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if share:
        return f"{round(value * 100)} %"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{value:,}".replace(",", ".")


def key_figure_rows(report: dict, districts: tuple[str, ...] | None = None) -> list[dict[str, str]]:
    """One row per key figure, one column per district of the report ("Verden", "Osterholz", "beide")."""
    shown = [(key, label) for key, label in DISTRICT_COLUMNS
             if key in report.get("districts", {}) and (districts is None or key in districts)]
    rows = []
    for label, path in KEY_FIGURES:
        row = {"Kennzahl": label}
        for key, column in shown:
            row[column] = figure_text(figure(report["districts"][key], path), share=path[-1] == "share")
        rows.append(row)
    return rows


def key_figures_markdown(title: str, report: dict) -> str:
    """A Markdown table of the key figures (for the run's artifact)."""
    rows = key_figure_rows(report)
    if not rows:
        return f"### {title}\n\nKeine Zahlen.\n"
    columns = list(rows[0])
    lines = [f"### {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row[c] for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"
