"""The German words of the report (issue 16): the names and definitions of its figures, the outcome,
state, group and district labels, and the statutory periods its durations are measured against.

The report travels as a JSON dict (docs/report-schema.md); the CLI table, the workbook, the charts
and the web page all name its figures from here, so one figure has one name and one definition
everywhere. Pure values, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInput
from domain.lifecycle import OUTCOME_DE, STATE_DE, CaseState, Outcome

# A suppressed count or a figure based on 1 or 2 cases (report-schema.md: internal=false), and a cell
# hidden because a suppressed one could be worked out from it (domain.reports.secondary_suppression)
from domain.reports import HIDDEN, SUPPRESSED  # noqa: E402 - the rule's own module

DISTRICT_ORDER = ("verden", "osterholz", "all")
DISTRICT_DE = {"verden": "Landkreis Verden", "osterholz": "Landkreis Osterholz", "all": "beide Landkreise"}
DISTRICT_SHORT_DE = {"verden": "Verden", "osterholz": "Osterholz", "all": "zusammen"}


def district_keys(report: dict) -> list[str]:
    """The districts a report holds, in the order verden, osterholz, all; a report asked for one
    district holds that one and "all" (the same figures), which is then left out as a repetition."""
    present = report.get("districts", {})
    keys = [key for key in DISTRICT_ORDER if key in present] + [key for key in present if key not in DISTRICT_ORDER]
    if report.get("district") and report["district"] in keys and "all" in keys:
        keys.remove("all")
    return keys


def district_de(key: str) -> str:
    return DISTRICT_DE.get(key, key)


# The schema's short outcome keys → lifecycle.Outcome (report-schema.md "Outcome keys map")
OUTCOME_KEYS = {
    "full": Outcome.FULL_EQUIVALENCE,
    "partial": Outcome.PARTIAL_EQUIVALENCE,
    "compensation": Outcome.COMPENSATION_MEASURE,
    "none": Outcome.NO_EQUIVALENCE,
}
OUTCOME_LABEL_DE = {key: OUTCOME_DE[outcome] for key, outcome in OUTCOME_KEYS.items()}

STATE_LABEL_DE = {state.value: STATE_DE[state] for state in CaseState}

# domain.catalogue.GROUPS in German, as the professions of data/professions/<group>.yaml are called
GROUP_DE = {
    "health": "Gesundheit und Pflege",
    "medicine": "Medizin (Ärzte, Zahnärzte, Apotheke)",
    "crafts": "Handwerk",
    "ihk": "Industrie und Handel (IHK)",
    "education": "Lehrkräfte und Erziehung",
    "engineering": "Ingenieurwesen",
    "architecture": "Architektur",
    "agriculture": "Landwirtschaft und Hauswirtschaft",
    "social": "Soziale Arbeit",
    "law": "Recht und Steuern",
    "academic": "Hochschulabschlüsse (ZAB)",
    "school": "Schulabschlüsse",
}


def group_de(key: str) -> str:
    return GROUP_DE.get(key, key)


@dataclass(frozen=True, slots=True)
class Figure:
    """One key figure of a district: its key in the JSON, its German name and how it is counted."""

    key: str
    label: str
    definition: str


# The key figures per district, in the order the overview shows them (report-schema.md)
KEY_FIGURES = (
    Figure("persons", "Beratene Personen",
           "Personen mit mindestens einem Fall, der im Zeitraum offen war: eröffnet bis zum letzten Tag des Zeitraums und "
           "nicht vor dem ersten Tag abgeschlossen oder zurückgezogen. Eine Person mit zwei Fällen zählt einmal."),
    Figure("women", "davon Frauen", "Beratene Personen mit dem Geschlecht weiblich."),
    Figure("under_25", "davon unter 25 Jahre",
           "Beratene Personen, die am letzten Tag des Zeitraums jünger als 25 Jahre sind (Definition des SGB II)."),
    Figure("buergergeld", "davon mit Bürgergeld", "Beratene Personen, die Bürgergeld beziehen (SGB II; Stand heute, wie "
           "erfasst)."),
    Figure("women_buergergeld", "Frauen mit Bürgergeld", "Beratene Frauen, die Bürgergeld beziehen."),
    Figure("under_25_buergergeld", "unter 25 Jahre mit Bürgergeld",
           "Beratene Personen unter 25 Jahren (am letzten Tag des Zeitraums), die Bürgergeld beziehen."),
    Figure("cases_opened", "Eröffnete Fälle", "Fälle, die im Zeitraum angelegt wurden (Tag der Anlage)."),
    Figure("submitted", "Gestellte Anträge", "Anträge, die im Zeitraum bei der zuständigen Stelle gestellt wurden."),
    Figure("decided", "Entscheidungen", "Bescheide, die im Zeitraum eingegangen sind (alle Ergebnisse zusammen)."),
    Figure("median_days_to_decision", "Median Tage bis zur Entscheidung",
           "Median der Kalendertage von vollständigen Unterlagen bis zum Bescheid, über die Bescheide im Zeitraum."),
    Figure("within_share", "Anteil in gesetzlicher Frist",
           "Von den Bescheiden des Zeitraums mit berechneter Entscheidungsfrist (3 Monate ab vollständigen Unterlagen, "
           "§ 6 Abs. 3 bzw. § 13 Abs. 3 BQFG/NBQFG, mit Verlängerung und Hemmung): Anteil der Bescheide bis zum Fristende."),
)

DURATION_STEPS = {
    "opening_to_submission": "Eröffnung bis Antrag",
    "submission_to_acknowledgement": "Antrag bis Eingangsbestätigung",
    "complete_to_decision": "vollständige Unterlagen bis Bescheid",
}
DURATION_DEFINITIONS = {
    "opening_to_submission": "Kalendertage von der Eröffnung des Falls bis zur Antragstellung; gezählt für Anträge im Zeitraum.",
    "submission_to_acknowledgement": "Kalendertage von der Antragstellung bis zur Eingangsbestätigung der Stelle; gezählt "
                                     "für Eingangsbestätigungen im Zeitraum.",
    "complete_to_decision": "Kalendertage von vollständigen Unterlagen bis zum Bescheid; gezählt für Bescheide im "
                            "Zeitraum.",
}


@dataclass(frozen=True, slots=True)
class StatutoryPeriod:
    """A period the law sets for a step, as a line in the duration chart (domain.md §2)."""

    months: int
    days: int  # the months as calendar days, for a chart in days (a month taken as 30.4 days)
    label: str
    law: str


# domain.md §2 (standard procedure, not the fast track of § 14a BQFG / § 81a AufenthG): the body
# acknowledges receipt within 1 month and decides within 3 months from complete documents, for
# regulated and non-regulated professions alike; the decision period may be extended once, for
# training from the EU/EEA/CH in a regulated profession by at most 1 month (§ 13 Abs. 3 S. 4 BQFG).
# The step from opening to submission has no statutory period: it is the person's and the Center's.
STATUTORY_PERIODS = {
    "submission_to_acknowledgement": StatutoryPeriod(
        1, 30, "1 Monat", "§ 6 Abs. 2, § 13 Abs. 2 BQFG; § 13 Abs. 2 NBQFG"),
    "complete_to_decision": StatutoryPeriod(
        3, 91, "3 Monate", "§ 6 Abs. 3, § 13 Abs. 3 BQFG; § 13 Abs. 3 NBQFG"),
}
EXTENDED_DECISION = StatutoryPeriod(4, 122, "4 Monate: höchste Verlängerung bei EU-Ausbildung", "§ 13 Abs. 3 S. 4 BQFG")

FUNNEL_STEPS = {"opened": "Fälle eröffnet", "submitted": "Anträge gestellt", "acknowledged": "Eingang bestätigt",
                "decided": "Bescheid erhalten"}

SUPPRESSION_NOTE = ("Werte 1 und 2 werden als „< 3“ gezeigt (wie in der Statistik der Bundesagentur für Arbeit), damit "
                    "keine Person erkennbar wird; 0 bleibt 0. Median, 90-%-Wert und Anteile aus 1 oder 2 Fällen ebenso. "
                    "„x“: ausgeblendet, weil sich sonst ein Wert unter 3 aus den übrigen Zahlen zurückrechnen ließe "
                    "(sekundäre Geheimhaltung).")


def is_suppressed(value: object) -> bool:
    """Not shown: "< 3" (1 or 2) or "x" (hidden so that no "< 3" can be worked out)."""
    return value in (SUPPRESSED, HIDDEN)


def month_de(key: str) -> str:
    """ "2026-03" → "03/2026" (the month as German offices write it)."""
    year, _, month = key.partition("-")
    return f"{month}/{year}" if month else key


def key_figure(figures: dict, key: str) -> object:
    """The value of a key figure (KEY_FIGURES) in one district's figures; None when the report has none."""
    if key == "decided":
        return (figures.get("funnel") or {}).get("decided")
    if key == "within_share":
        return (figures.get("within_statutory_period") or {}).get("share")
    return figures.get(key)


def figure_text(value: object, *, share: bool = False) -> str:
    """A figure as a German reader reads it: 1.234 · 61,5 · 82 % · "< 3" as it is · "–" for none."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if share:
        return f"{round(value * 100)} %"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(value):,}".replace(",", ".")


def check_period(start: date, end: date, *, field: str) -> None:
    """A report's period starts on or before its end; `field` names the door's field for the start."""
    if start > end:
        raise InvalidInput("report.period_reversed", field, start=start, end=end)
