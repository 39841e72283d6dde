"""The report as a workbook an office worker opens in Excel (issue 16), made from the report's JSON dict
alone (docs/report-schema.md), so the suppressed and the internal report are written the same way.

One sheet per table, each with its title, the period, the scope, the version and the generation date
on top, German headings in a frozen header row, numbers as numbers and "< 3" as text (right-aligned
beside them), and a sheet "Definitionen" that says how each figure is counted and the suppression
rule. Charts, when given, are embedded on a sheet "Diagramme".

Text from the data (country and body names, keys) goes through `domain.display.visible`, and a text
that a spreadsheet would run as a formula (= + - @ | tab CR, domain.validation.looks_like_formula)
is stored as a string with Excel's quote prefix: it shows as typed and never runs, also after the
cell is edited. The file is written beside its final name and renamed (adapters.filestore).
"""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from adapters.filestore import write_atomically
from domain.calendar import format_date
from domain.display import visible
from domain.report_labels import (
    DURATION_DEFINITIONS,
    DURATION_STEPS,
    EXTENDED_DECISION,
    KEY_FIGURES,
    OUTCOME_LABEL_DE,
    STATE_LABEL_DE,
    STATUTORY_PERIODS,
    SUPPRESSION_NOTE,
    district_de,
    district_keys,
    group_de,
    is_suppressed,
    key_figure,
    month_de,
)
from domain.validation import looks_like_formula

HEADER_ROW = 4  # title, the period line, a blank row, then the headings
TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(italic=True, color="555555")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_BORDER = Border(bottom=Side(style="thin", color="4F81BD"))
RIGHT = Alignment(horizontal="right")
WRAP = Alignment(wrap_text=True, vertical="top")
CHART_TITLES = {
    "opened_per_month": "Eröffnete Fälle je Monat",
    "funnel": "Vom Erstgespräch zum Bescheid",
    "outcomes_by_group": "Ergebnisse nach Berufsgruppe",
    "durations": "Dauer der Schritte und gesetzliche Fristen",
}
CHART_WIDTH_PX = 960  # the PNGs (1200 × 675) shown at 80 %


def write_workbook(report: dict, path: Path, charts: dict[str, Path] | None = None) -> Path:
    """Write `report` as an .xlsx to `path` (replacing it whole or not at all); returns `path`."""
    book = Workbook()
    book.remove(book.active)
    sheets = _Sheets(book, report)
    _overview(sheets, report)
    if charts:
        _charts(sheets, charts)
    _countries(sheets, report)
    _states(sheets, report)
    _decisions_by_group(sheets, report)
    _decisions_by_body(sheets, report)
    _durations(sheets, report)
    _funding(sheets, report)
    _employers(sheets, report)
    _per_month(sheets, report)
    _definitions(sheets, report)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomically(path, buffer.getvalue())
    return path


# ------------------------------------------------------------------------------------------ cells


def put(sheet: Worksheet, row: int, column: int, value: object):
    """One cell: a number as a number, "< 3" as right-aligned text, None as an empty cell, any other
    text made visible and kept text (a formula-like text with Excel's quote prefix, never a formula)."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, bool):
        value = "ja" if value else "nein"
    if isinstance(value, (int, float)):
        cell.value = value
        return cell
    text = visible(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl takes a text starting with "=" for a formula; this one is text
    if is_suppressed(text):
        cell.alignment = RIGHT
    elif looks_like_formula(text):
        cell.quotePrefix = True  # as Excel stores a typed '=…: shown as text, stays text when edited
    return cell


class _Sheets:
    """Makes the sheets with their common head: title, period, scope, version and generation date."""

    def __init__(self, book: Workbook, report: dict) -> None:
        self.book = book
        period = report.get("period", {})
        district = report.get("district")
        version = ("intern: exakte Werte, nicht zur Weitergabe" if report.get("internal")
                   else "zur Weitergabe: Werte 1 und 2 als „< 3“")
        self.head = (f"Zeitraum {_day(period.get('from'))} bis {_day(period.get('to'))} · "
                     f"{district_de(district) if district else 'Landkreise Verden und Osterholz'} · {version} · "
                     f"erstellt am {_day(report.get('generated_on'))}")
        self.districts = district_keys(report)

    def new(self, title: str, headings: list[str], *, frozen_columns: int = 1, text_columns: tuple[int, ...] = (1,)
            ) -> Worksheet:
        """A sheet with the common head; headings of number columns right-aligned over their numbers."""
        sheet = self.book.create_sheet(title)
        put(sheet, 1, 1, title).font = TITLE_FONT
        put(sheet, 2, 1, self.head).font = NOTE_FONT
        for column, heading in enumerate(headings, start=1):
            cell = put(sheet, HEADER_ROW, column, heading)
            cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="bottom",
                                       horizontal="left" if column in text_columns else "right")
        sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=frozen_columns + 1)
        _printable(sheet)
        sheet.print_title_rows = f"1:{HEADER_ROW}"
        return sheet

    def district_headings(self) -> list[str]:
        return [district_de(key) for key in self.districts]


def _printable(sheet: Worksheet) -> None:
    """Printed in landscape, as wide as the page (as many pages down as it takes)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _day(text: str | None) -> str:
    try:
        return format_date(date.fromisoformat(text or ""))
    except ValueError:
        return visible(text or "?")


def _fit(sheet: Worksheet, *, first: int = 24, others: int = 14, widest: int = 60) -> None:
    """Column widths from the headings and values (rows from the header row on), within limits."""
    for column in range(1, sheet.max_column + 1):
        lengths = [len(str(sheet.cell(row=row, column=column).value or ""))
                   for row in range(HEADER_ROW, sheet.max_row + 1)]
        least = first if column == 1 else others
        sheet.column_dimensions[get_column_letter(column)].width = min(max([least, *[n + 2 for n in lengths]]), widest)
    sheet.row_dimensions[HEADER_ROW].height = 32


def _rows_by_district(sheets: _Sheets, report: dict, title: str, rows: list[tuple[str, object]], first: str) -> Worksheet:
    """A table with a row per figure and a column per district; `rows` are (label, getter(figures))."""
    sheet = sheets.new(title, [first, *sheets.district_headings()])
    for number, (label, get) in enumerate(rows, start=HEADER_ROW + 1):
        put(sheet, number, 1, label)
        for column, key in enumerate(sheets.districts, start=2):
            cell = put(sheet, number, column, get(report["districts"][key]))
            if isinstance(cell.value, float) and label.startswith("Anteil"):
                cell.number_format = "0%"
    _fit(sheet)
    return sheet


# ------------------------------------------------------------------------------------------ sheets


def _overview(sheets: _Sheets, report: dict) -> None:
    figures = {figure.key: figure for figure in KEY_FIGURES}

    def key(name):
        return figures[name].label, lambda district: key_figure(district, name)

    def member(label, name, item):
        return label, lambda district: (district.get(name) or {}).get(item)

    rows = [key(name) for name in ("persons", "women", "under_25", "buergergeld", "women_buergergeld",
                                   "under_25_buergergeld", "cases_opened", "submitted")]
    rows.append(member("Eingangsbestätigungen", "funnel", "acknowledged"))
    rows.append(key("decided"))
    rows += [member(f"davon {label}", "decisions", outcome) for outcome, label in OUTCOME_LABEL_DE.items()]
    rows.append(key("median_days_to_decision"))
    rows.append(member("Bescheide mit Fristprüfung", "within_statutory_period", "decided"))
    rows.append(member("davon in gesetzlicher Frist", "within_statutory_period", "within"))
    rows.append(key("within_share"))
    _rows_by_district(sheets, report, "Überblick", rows, "Kennzahl")


def _countries(sheets: _Sheets, report: dict) -> None:
    codes: dict[str, str] = {}
    persons: dict[tuple[str, str], object] = {}
    for key in sheets.districts:
        for row in report["districts"][key].get("countries", []):
            codes.setdefault(row.get("code"), row.get("name"))
            persons[key, row.get("code")] = row.get("persons")
    sheet = sheets.new("Herkunftsländer", ["Land der Ausbildung", "Code", *sheets.district_headings()], frozen_columns=1,
                        text_columns=(1, 2))
    special = ("other", "unknown")
    ordered = [code for code in codes if code not in special] + [code for code in special if code in codes]
    number = HEADER_ROW
    for number, code in enumerate(ordered, start=HEADER_ROW + 1):
        put(sheet, number, 1, codes[code])
        put(sheet, number, 2, code if code not in special else "")
        for column, key in enumerate(sheets.districts, start=3):
            put(sheet, number, column, persons.get((key, code)))
    put(sheet, number + 2, 1, "Beratene Personen nach dem Land, in dem sie ihre Qualifikation erworben haben; je Landkreis die "
        "10 häufigsten Länder, die übrigen unter „andere“. Leer: in diesem Landkreis nicht unter den 10 häufigsten "
        "(in „andere“ enthalten).").font = NOTE_FONT
    _fit(sheet)
    sheet.column_dimensions["A"].width = 28


def _states(sheets: _Sheets, report: dict) -> None:
    states = list(STATE_LABEL_DE)
    for key in sheets.districts:
        states += [state for state in report["districts"][key].get("states_at_end", {}) if state not in states]
    rows = [(STATE_LABEL_DE.get(state, state), lambda figures, s=state: (figures.get("states_at_end") or {}).get(s))
            for state in states]
    _rows_by_district(sheets, report, "Stand zum Periodenende", rows, "Stand des Falls am letzten Tag")


def _outcome_table(sheets: _Sheets, report: dict, title: str, member: str, first: str, name) -> None:
    sheet = sheets.new(title, ["Landkreis", first, *OUTCOME_LABEL_DE.values()], frozen_columns=2, text_columns=(1, 2))
    number = HEADER_ROW
    for key in sheets.districts:
        for item, outcomes in (report["districts"][key].get(member) or {}).items():
            number += 1
            put(sheet, number, 1, district_de(key))
            put(sheet, number, 2, name(item, outcomes))
            for column, outcome in enumerate(OUTCOME_LABEL_DE, start=3):
                put(sheet, number, column, outcomes.get(outcome))
    if number > HEADER_ROW:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(2 + len(OUTCOME_LABEL_DE))}{number}"
    else:
        put(sheet, number + 1, 1, "Keine Bescheide im Zeitraum.").font = NOTE_FONT
    _fit(sheet, others=16)


def _decisions_by_group(sheets: _Sheets, report: dict) -> None:
    _outcome_table(sheets, report, "Entscheidungen je Berufsgruppe", "decisions_by_group", "Berufsgruppe",
                   lambda group, _: group_de(group))


def _decisions_by_body(sheets: _Sheets, report: dict) -> None:
    _outcome_table(sheets, report, "Entscheidungen nach Stelle", "decisions_by_body", "Zuständige Stelle",
                   lambda body, outcomes: outcomes.get("name") or body)


def _durations(sheets: _Sheets, report: dict) -> None:
    sheet = sheets.new("Dauer", ["Landkreis", "Schritt", "Fälle", "Median (Tage)", "90 % der Fälle bis (Tage)",
                                 "Gesetzliche Frist", "Rechtsgrundlage"], frozen_columns=2, text_columns=(1, 2, 6, 7))
    number = HEADER_ROW
    for key in sheets.districts:
        for step, label in DURATION_STEPS.items():
            figures = (report["districts"][key].get("durations") or {}).get(step) or {}
            number += 1
            period = STATUTORY_PERIODS.get(step)
            values = [district_de(key), label, figures.get("cases"), figures.get("median"), figures.get("p90"),
                      period.label if period else "keine", period.law if period else ""]
            for column, value in enumerate(values, start=1):
                put(sheet, number, column, value)
    put(sheet, number + 2, 1, "Leer: kein Fall im Zeitraum. Bescheid: einmal verlängerbar; bei Ausbildung in EU/EWR/Schweiz "
        f"in reglementierten Berufen um höchstens 1 Monat ({EXTENDED_DECISION.law}).").font = NOTE_FONT
    _fit(sheet, first=20, others=14, widest=48)


def _funding(sheets: _Sheets, report: dict) -> None:
    rows = [("Förderung vor dem Antrag festgehalten",
             lambda figures: (figures.get("funding") or {}).get("recorded_before_submission")),
            ("Antrag ohne festgehaltene Förderung", lambda figures: (figures.get("funding") or {}).get("submitted_without"))]
    _rows_by_district(sheets, report, "Förderung", rows, "Anträge im Zeitraum")


def _employers(sheets: _Sheets, report: dict) -> None:
    rows = [("Erreichte Betriebe (Informationsschreiben)", lambda figures: (figures.get("employers") or {}).get("smes_reached")),
            ("Fälle mit einem Betrieb verknüpft (im Zeitraum)", lambda figures: (figures.get("employers") or {}).get("cases_linked"))]
    _rows_by_district(sheets, report, "Arbeitgeber", rows, "Arbeitgeber im Zeitraum")


def _per_month(sheets: _Sheets, report: dict) -> None:
    months = sorted({month for key in sheets.districts for month in report["districts"][key].get("opened_per_month", {})})
    rows = [(month_de(month), lambda figures, m=month: (figures.get("opened_per_month") or {}).get(m)) for month in months]
    _rows_by_district(sheets, report, "Fälle je Monat", rows, "Monat (eröffnete Fälle)")


def _charts(sheets: _Sheets, charts: dict[str, Path]) -> None:
    sheet = sheets.book.create_sheet("Diagramme")
    _printable(sheet)
    put(sheet, 1, 1, "Diagramme").font = TITLE_FONT
    put(sheet, 2, 1, sheets.head).font = NOTE_FONT
    row = HEADER_ROW
    for number, (key, path) in enumerate(charts.items()):
        if number:
            sheet.row_breaks.append(Break(id=row - 1))  # printed: one chart per page
        put(sheet, row, 1, CHART_TITLES.get(key, key)).font = HEADER_FONT
        image = Image(str(path))
        scale = CHART_WIDTH_PX / image.width
        image.width, image.height = CHART_WIDTH_PX, round(image.height * scale)
        sheet.add_image(image, f"A{row + 1}")
        row += 2 + round(image.height / 20) + 1  # a row is 20 px high by default
    sheet.column_dimensions["A"].width = 40


def _definitions(sheets: _Sheets, report: dict) -> None:
    sheet = sheets.new("Definitionen", ["Kennzahl", "Wie sie gezählt wird"], text_columns=(1, 2))
    entries = [(figure.label, figure.definition) for figure in KEY_FIGURES]
    entries += [(f"Dauer: {DURATION_STEPS[step]}", text) for step, text in DURATION_DEFINITIONS.items()]
    entries += [
        ("Median", "Der mittlere Wert: die Hälfte der Fälle war schneller, die Hälfte langsamer."),
        ("90 % der Fälle bis", "90 % der Fälle waren nach so vielen Tagen fertig (90. Perzentil)."),
        ("Herkunftsländer", ("Land, in dem die Qualifikation erworben wurde; die 10 häufigsten je Landkreis, die übrigen "
                            "als „andere“, ohne Angabe als „nicht erfasst“.")),
        ("Stand zum Periodenende", "Stand jedes Falls am letzten Tag des Zeitraums."),
        ("Bescheide nach Ergebnis", ("volle Gleichwertigkeit, teilweise Gleichwertigkeit, Ausgleichsmaßnahme erforderlich, "
                                    "keine Gleichwertigkeit; nach Berufsgruppe des Referenzberufs und nach zuständiger Stelle.")),
        ("Förderung", ("Im Zeitraum gestellte Anträge, für die vor oder am Tag der Antragstellung eine Finanzierung durch "
                       "den Anerkennungszuschuss oder das Jobcenter festgehalten war, und Anträge ohne "
                       "Finanzierungsentscheidung (der Anerkennungszuschuss wird nicht rückwirkend gezahlt).")),
        ("Arbeitgeber", ("Betriebe (KMU), denen im Zeitraum ein Informationsschreiben zur Anerkennung geschrieben wurde, "
                        "und Fälle, die im Zeitraum mit einem Betrieb verknüpft wurden.")),
        ("Datum eines Schritts", "Das wirksame Datum: eine Berichtigung ersetzt das Datum des berichtigten Schritts."),
        ("Fristen", "Eingangsbestätigung 1 Monat (" + STATUTORY_PERIODS["submission_to_acknowledgement"].law + "); Bescheid "
                    "3 Monate ab vollständigen Unterlagen (" + STATUTORY_PERIODS["complete_to_decision"].law + "), einmal "
                    "verlängerbar, bei Ausbildung in EU/EWR/Schweiz in reglementierten Berufen um höchstens 1 Monat ("
                    + EXTENDED_DECISION.law + "); im beschleunigten Verfahren (§ 14a BQFG, § 81a AufenthG) 2 Wochen und "
                    "2 Monate."),
        ("Kleine Werte („< 3“)", SUPPRESSION_NOTE + (" Diese Fassung ist intern und zeigt exakte Werte; nicht weitergeben."
                                                     if report.get("internal") else
                                                     " Diese Fassung ist zur Weitergabe bestimmt.")),
        ("Regel der Datenquelle", report.get("suppression") or ""),
        ("Zeitraum", sheets.head),
    ]
    for number, (label, text) in enumerate(entries, start=HEADER_ROW + 1):
        put(sheet, number, 1, label).alignment = WRAP
        put(sheet, number, 2, text).alignment = WRAP
        # rows of wrapped text get their height here: Excel and LibreOffice do not grow a row on opening
        lines = max(math.ceil(len(text) / 95), math.ceil(len(label) / 34), 1)
        sheet.row_dimensions[number].height = 15 * lines + 2
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 100
    sheet.row_dimensions[HEADER_ROW].height = 20
