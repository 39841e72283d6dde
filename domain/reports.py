"""The rules of the report for the Kommunales Jobcenter and the districts (issue 16): which cells are
suppressed, who counts as a young adult, how a median is taken, and what each figure means.

Pure: values in, values out. services/reports.py computes the figures by SQL aggregates and uses
these rules for the bounds it binds and for the suppression of what leaves the Center; the XLSX's
definitions sheet and the web page show FIGURES.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from dateutil.relativedelta import relativedelta

from domain.funding import FundingRoute
from domain.lifecycle import CaseState, Event, Outcome

# Small numbers are not shown in anything that leaves the Center: the Statistik der Bundesagentur für
# Arbeit replaces the values 1 and 2 by a sign (Geheimhaltung nach § 16 BStatG); we write "< 3".
SUPPRESSED = "< 3"
SUPPRESSION_NOTE = 'Werte 1 und 2 als "< 3" (wie die Statistik der Bundesagentur für Arbeit)'

# Young adults: "junge Menschen unter 25 Jahren" in the SGB II sense, counted on the period's last day.
YOUNG_ADULT_AGE = 25

# The outcome keys of the report's JSON (docs/report-schema.md) → the stored outcome.
OUTCOME_KEYS: tuple[tuple[str, Outcome], ...] = (
    ("full", Outcome.FULL_EQUIVALENCE),
    ("partial", Outcome.PARTIAL_EQUIVALENCE),
    ("compensation", Outcome.COMPENSATION_MEASURE),
    ("none", Outcome.NO_EQUIVALENCE),
)

# The funding routes the issue asks about: the Anerkennungszuschuss and the Jobcenter (Vermittlungsbudget).
FUNDED_ROUTES: tuple[FundingRoute, ...] = (FundingRoute.ANERKENNUNGSZUSCHUSS, FundingRoute.JOBCENTER)

# A case stops being advised when it is closed or withdrawn.
ENDING_EVENTS: tuple[Event, ...] = (Event.CLOSE, Event.WITHDRAW)

# The countries listed by name; the rest are "andere".
TOP_COUNTRIES = 10
OTHER_COUNTRIES = ("other", "andere")
UNKNOWN = ("unknown", "nicht erfasst")

# The three durations: (key, earlier event or None for the case's opening, later event).
DURATIONS: tuple[tuple[str, Event | None, Event], ...] = (
    ("opening_to_submission", None, Event.SUBMIT),
    ("submission_to_acknowledgement", Event.SUBMIT, Event.ACKNOWLEDGE),
    ("complete_to_decision", Event.DOCUMENTS_COMPLETE, Event.DECIDE),
)

FUNNEL = ("opened", "submitted", "acknowledged", "decided")


def suppress(value: int) -> int | str:
    """A count as it may leave the Center: 1 and 2 become "< 3"; 0 and 3 or more stay."""
    return SUPPRESSED if value in (1, 2) else value


def age_on(birth_date: date, day: date) -> int:
    """Full years of age on `day`: a year of life ends with the day before the birthday (§ 187 Abs. 2
    Satz 2, § 188 Abs. 2 BGB), so a person is 25 on the 25th birthday; born on 29 February, the year
    ends with 28 February in a common year (§ 188 Abs. 3 BGB), so 25 on 1 March. (relativedelta
    would say 25 already on 28 February, hence the comparison of (month, day).)"""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def young_adult_born_after(day: date) -> date:
    """Under 25 on `day` ⇔ born after this day (the day 25 years before `day`)."""
    return day - relativedelta(years=YOUNG_ADULT_AGE)


def is_young_adult(birth_date: date, day: date) -> bool:
    """Under 25 on `day` (SGB II: "unter 25 Jahren"), the period's last day in the report."""
    return age_on(birth_date, day) < YOUNG_ADULT_AGE


def nearest_rank(count: int, percent: int) -> int:
    """The 1-based rank of the `percent` percentile among `count` sorted values by the nearest-rank
    definition: ceil(percent/100 · count), as integer arithmetic, so that `count` may also be a SQL
    integer expression (services.reports ranks with this very function: `//` is integer division
    on SQLite and PostgreSQL)."""
    return (count * percent + 99) // 100


def percentile(values: Sequence[float], percent: int) -> float | None:
    """The nearest-rank percentile (the median is percent=50: of an even number of values the lower
    of the two middle ones; no interpolation, so every figure is a duration that occurred)."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[nearest_rank(len(ordered), percent) - 1])


def percentile_of_counts(counts: Mapping[int, int], percent: int) -> float | None:
    """`percentile` of the values given as value → how often it occurs (a histogram, as a GROUP BY
    returns it): the same nearest rank, without listing every value."""
    total = sum(counts.values())
    if not total:
        return None
    rank, seen = nearest_rank(total, percent), 0
    ordered = sorted(value for value, n in counts.items() if n)
    for value in ordered:
        seen += counts[value]
        if seen >= rank:
            break
    return float(value)


def person_spans(cases: Iterable[tuple[date, date | None]]) -> list[tuple[date, date | None, int]]:
    """A person's cases as their days (opened, ended; ended None: still open) → rows (start, end,
    weight) such that, for every period, the weights of the rows with start <= the period's last day
    and (end None or end >= its first day) add up to 1 if one of the cases was open in the period and
    to 0 if none was: the spans of overlapping cases merged (weight +1), and between two spans that
    do not overlap a gap row (the later span's start, the earlier span's end, weight -1).

    Why the gap rows make it exact: the spans a period meets are consecutive ones, k of them; a gap
    row meets the period exactly when both spans beside it do, so k - 1 gap rows do, and the sum is 1.
    The report counts persons with it as a sum over an index range, with no grouping by person."""
    rows: list[tuple[date, date | None, int]] = []
    start: date | None = None
    end: date | None = None
    for opened, ended in sorted(cases, key=lambda days: days[0]):
        ended = None if ended is None else max(ended, opened)
        if start is None:
            start, end = opened, ended
        elif end is None:  # the span so far is still open: it takes this case in
            continue
        elif opened <= end:  # overlaps the span so far (sharing a day is enough)
            end = None if ended is None else max(end, ended)
        else:
            rows += [(start, end, 1), (opened, end, -1)]
            start, end = opened, ended
    if start is not None:
        rows.append((start, end, 1))
    return rows


def months(start: date, end: date) -> list[date]:
    """The first day of every month the period touches, in order."""
    first, out = start.replace(day=1), []
    while first <= end:
        out.append(first)
        first += relativedelta(months=1)
    return out


def share(part: int, whole: int) -> float | None:
    """A share rounded to two places (0.82), None without a whole."""
    return round(part / whole, 2) if whole else None


# What each figure means, for the XLSX's definitions sheet and the web page: (JSON key, German
# heading, German definition). A Jobcenter reader should understand it without this code.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("persons", "Beratene Personen",
     "Personen mit mindestens einem Fall, der im Zeitraum offen war: eröffnet bis zum letzten Tag des Zeitraums "
     "und nicht vor dem ersten Tag abgeschlossen oder zurückgezogen. Eine Person mit zwei Fällen zählt einmal."),
    ("women", "davon Frauen", "Beratene Personen mit dem Geschlecht weiblich."),
    ("under_25", "davon unter 25 Jahre",
     "Beratene Personen, die am letzten Tag des Zeitraums jünger als 25 Jahre sind (Definition des SGB II)."),
    ("buergergeld", "davon mit Bürgergeld", "Beratene Personen, die Bürgergeld beziehen (Stand heute, wie erfasst)."),
    ("women_buergergeld", "Frauen mit Bürgergeld", "Beratene Frauen, die Bürgergeld beziehen."),
    ("under_25_buergergeld", "unter 25 Jahre mit Bürgergeld",
     "Beratene Personen unter 25 Jahren (am letzten Tag des Zeitraums), die Bürgergeld beziehen."),
    ("cases_opened", "Neu eröffnete Fälle", "Fälle, die im Zeitraum angelegt wurden (Tag der Anlage)."),
    ("countries", "Ausbildungsstaat",
     "Beratene Personen nach dem Staat, in dem die Berufsqualifikation erworben wurde: die 10 häufigsten Staaten, "
     "dann „andere“ und „nicht erfasst“. Eine Person mit Fällen aus zwei Staaten zählt bei beiden."),
    ("states_at_end", "Fälle nach Stand am Ende des Zeitraums",
     "Die im Zeitraum offenen Fälle nach ihrem Bearbeitungsstand am letzten Tag des Zeitraums."),
    ("submitted", "Gestellte Anträge", "Fälle, deren Antrag bei der zuständigen Stelle im Zeitraum gestellt wurde."),
    ("decisions", "Bescheide nach Ergebnis",
     "Im Zeitraum erhaltene Bescheide: volle Gleichwertigkeit, teilweise Gleichwertigkeit, Ausgleichsmaßnahme "
     "erforderlich, keine Gleichwertigkeit."),
    ("decisions_by_group", "Bescheide nach Berufsgruppe",
     "Die Bescheide des Zeitraums nach der Berufsgruppe des Referenzberufs."),
    ("decisions_by_body", "Bescheide nach zuständiger Stelle",
     "Die Bescheide des Zeitraums nach der Stelle, die entschieden hat."),
    ("median_days_to_decision", "Tage bis zum Bescheid (Median)",
     "Median der Tage von den vollständigen Unterlagen bis zum Bescheid, für die Bescheide des Zeitraums."),
    ("durations.opening_to_submission", "Tage von der Eröffnung bis zum Antrag",
     "Für die im Zeitraum gestellten Anträge: Tage vom Anlegen des Falls bis zur Antragstellung; Median und "
     "90. Perzentil (Rangwert: der Wert, unter dem 50 % bzw. 90 % der Fälle liegen oder gleich sind)."),
    ("durations.submission_to_acknowledgement", "Tage vom Antrag bis zur Eingangsbestätigung",
     "Für die im Zeitraum erhaltenen Eingangsbestätigungen: Tage von der Antragstellung bis zur Bestätigung; "
     "Median und 90. Perzentil."),
    ("durations.complete_to_decision", "Tage von vollständigen Unterlagen bis zum Bescheid",
     "Für die im Zeitraum erhaltenen Bescheide: Tage ab vollständigen Unterlagen bis zum Bescheid; Median und "
     "90. Perzentil."),
    ("within_statutory_period", "Bescheide innerhalb der gesetzlichen Frist",
     "Von den Bescheiden des Zeitraums mit berechneter Entscheidungsfrist (§ 6 Abs. 3 / § 13 Abs. 3 BQFG, mit "
     "Verlängerung und Hemmung): Anzahl und Anteil der Bescheide bis zum Fristende."),
    ("funding.recorded_before_submission", "Finanzierung vor dem Antrag geklärt",
     "Im Zeitraum gestellte Anträge, für die vor oder am Tag der Antragstellung eine Finanzierung durch den "
     "Anerkennungszuschuss oder das Jobcenter festgehalten war."),
    ("funding.submitted_without", "Antrag ohne Finanzierungsentscheidung",
     "Im Zeitraum gestellte Anträge, für die am Tag der Antragstellung keine Finanzierungsentscheidung "
     "festgehalten war (der Anerkennungszuschuss wird nicht rückwirkend gezahlt)."),
    ("employers.smes_reached", "Erreichte Betriebe (KMU)",
     "Betriebe, denen im Zeitraum ein Informationsschreiben zur Anerkennung geschrieben wurde."),
    ("employers.cases_linked", "Fälle mit Betrieb", "Fälle, die im Zeitraum mit einem Betrieb verknüpft wurden."),
    ("opened_per_month", "Neue Fälle je Monat", "Neu eröffnete Fälle je Kalendermonat des Zeitraums."),
    ("funnel", "Verlauf vom Fall zum Bescheid",
     "Im Zeitraum eröffnete Fälle, gestellte Anträge, erhaltene Eingangsbestätigungen und erhaltene Bescheide."),
)

# German headings of the inner keys (states, outcomes, funnel steps, durations' columns).
STATE_KEYS: tuple[str, ...] = tuple(state.value for state in CaseState)
OUTCOME_DE_KEYS = {
    "full": "volle Gleichwertigkeit",
    "partial": "teilweise Gleichwertigkeit",
    "compensation": "Ausgleichsmaßnahme erforderlich",
    "none": "keine Gleichwertigkeit",
}
FUNNEL_DE = {"opened": "eröffnet", "submitted": "Antrag gestellt", "acknowledged": "Eingang bestätigt",
             "decided": "Bescheid erhalten"}
DURATION_COLUMNS_DE = {"cases": "Fälle", "median": "Median (Tage)", "p90": "90. Perzentil (Tage)"}


# ------------------------------------------------------------------------------ secondary suppression
#
# Hiding 1 and 2 is not enough where a hidden cell can be worked out from cells that are shown: the
# two districts and their sum, the four outcomes and the number of decisions, the months and the
# cases opened, the share of decisions in time and the decisions. Such a cell is hidden as well, as
# the Statistik der Bundesagentur für Arbeit does ("sekundäre Geheimhaltung"): shown as "x".
HIDDEN = "x"
HIDDEN_NOTE = ('"x": ausgeblendet, weil sich sonst ein Wert unter 3 aus den übrigen Zahlen zurückrechnen ließe '
               "(sekundäre Geheimhaltung)")
COUNTED_FIGURES = ("persons", "women", "under_25", "buergergeld", "women_buergergeld", "under_25_buergergeld",
                   "cases_opened", "submitted")


def _hidden(value) -> bool:
    return value in (SUPPRESSED, HIDDEN)


def hide_partition(parts: dict, total) -> bool:
    """Parts that add up to a shown `total`: while the hidden parts' values follow from the total
    (one hidden part; or hidden parts that can only all be 1 or all be 2), hide the smallest shown
    part that is not 0 as well. Changes `parts` in place; True when that is not enough and the total
    must be hidden too (say 2 and 2 of a total 4, nothing else to hide)."""
    if _hidden(total) or not isinstance(total, int):
        return False
    while True:
        if not _small_cell_follows(list(parts.values()), total):
            return False
        shown = sorted((value, str(key), key) for key, value in parts.items() if isinstance(value, int) and value > 0)
        if not shown:
            return True
        parts[shown[0][2]] = HIDDEN


def _small_cell_follows(values: list, total: int) -> bool:
    """Whether a reader can tell a "< 3" cell's value (1 or 2) from the total: the others' sum must be
    `rest - v`, where each other "< 3" is 1 or 2 and each "x" is a hidden value of 3 or more."""
    small = sum(1 for value in values if value == SUPPRESSED)
    hidden = sum(1 for value in values if value == HIDDEN)
    if not small:
        return False
    rest = total - sum(value for value in values if isinstance(value, int))
    others_small = small - 1

    def possible(v: int) -> bool:
        left = rest - v
        if hidden:
            return left >= others_small + 3 * hidden
        return others_small <= left <= 2 * others_small

    return sum(possible(v) for v in (1, 2)) < 2


def secondary_suppression(districts: dict) -> dict:
    """Hide ("x") the shown cells of a suppressed report from which a "< 3" could be worked out (see
    above). `districts`: the suppressed JSON's "districts" (verden, osterholz, all), changed in place
    and returned."""
    scopes = [scope for scope in ("verden", "osterholz") if scope in districts]
    both = "all" in districts and len(scopes) == 2
    for figures in districts.values():
        decisions = figures.get("decisions", {})
        for outcome in decisions:
            for table in ("decisions_by_group", "decisions_by_body"):
                column = {key: row[outcome] for key, row in figures.get(table, {}).items()}
                if hide_partition(column, decisions[outcome]):
                    decisions[outcome] = HIDDEN
                for key, value in column.items():
                    figures[table][key][outcome] = value
        funnel = figures.get("funnel", {})
        if hide_partition(decisions, funnel.get("decided")):
            funnel["decided"] = HIDDEN
        if hide_partition(figures.get("opened_per_month", {}), figures.get("cases_opened")):
            figures["cases_opened"] = HIDDEN
            if "opened" in funnel:
                funnel["opened"] = HIDDEN
        timely = figures.get("within_statutory_period", {})
        if _hidden(timely.get("within")) and isinstance(timely.get("share"), (int, float)):
            timely["share"] = HIDDEN
    if both:  # Verden + Osterholz = both districts, cell by cell
        for key in COUNTED_FIGURES:
            _hide_sum(districts, scopes, lambda f, key=key: f, key)
        for group in ("decisions", "funnel", "states_at_end", "opened_per_month"):
            for key in districts["all"].get(group, {}):
                _hide_sum(districts, scopes, lambda f, group=group: f[group], key)
    return districts


def _hide_sum(districts: dict, scopes: list[str], where, key: str) -> None:
    """Both districts and their sum: a hidden district cell hides the sum (and with one district hidden
    and the other shown, that is enough: the sum was the only way back)."""
    try:
        cells = [where(districts[scope]).get(key) for scope in scopes]
        total = where(districts["all"]).get(key)
    except (KeyError, AttributeError, TypeError):
        return
    if any(_hidden(cell) for cell in cells) and isinstance(total, int):
        where(districts["all"])[key] = HIDDEN
