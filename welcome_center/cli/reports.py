"""`welcome-center report`: who was helped, how fast, with what outcome (issue 16), for a period and
optionally one district: the key figures per district as a table, the report's JSON (--json), the
workbook (--xlsx, with the charts in it) and the charts as PNG (--charts).

Everything that leaves the Center is suppressed (1 and 2 shown as "< 3"); --internal gives the exact
figures, for the Center's own eyes. The outputs are made from the report's JSON alone
(docs/report-schema.md): `_build` is the one place that asks services.reports for it.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from adapters.catalogue import load_catalogue
from adapters.database import ready_engine
from domain.calendar import format_date
from domain.report_labels import KEY_FIGURES, check_period, district_de, district_keys, figure_text, key_figure
from domain.routing import resolve_district
from welcome_center.cli.console import err, escape, friendly, out, parse_date, print_json, today

Opt = typer.Option
app = typer.Typer()


@app.callback()
def _group() -> None:
    """Reports."""


def _build(*, start: date, end: date, district: str | None, today: date, internal: bool) -> dict:
    """The report's JSON (report-schema.md), suppressed unless `internal`."""
    # services/reports.py is written on another branch; every other part of this command (and the tests,
    # which replace this function) works from the JSON alone. This import defers it to the call.
    from services.reports import build_report

    return build_report(ready_engine(), start=start, end=end, district=district, today=today).as_json(internal=internal)


@friendly
def report(
    start: Annotated[str, Opt("--from", help="first day of the period, YYYY-MM-DD or DD.MM.YYYY")],
    end: Annotated[str, Opt("--to", help="last day of the period, YYYY-MM-DD or DD.MM.YYYY")],
    district: Annotated[str | None, Opt("--district", help="verden or osterholz (default: both)")] = None,
    as_json: Annotated[bool, Opt("--json", help="print the report's JSON")] = False,
    xlsx: Annotated[Path | None, Opt("--xlsx", help="write the workbook (.xlsx) with its charts to this file",
                                     dir_okay=False)] = None,
    internal: Annotated[bool, Opt("--internal", help="exact figures (1 and 2 not suppressed): for the Center only")] = False,
    charts: Annotated[Path | None, Opt("--charts", help="write the charts as PNG into this folder", file_okay=False)] = None,
):
    """Persons advised, cases, decisions and durations per district for a period (suppressed unless --internal)."""
    day = today()
    first = parse_date(start, "--from")
    last = parse_date(end, "--to")
    check_period(first, last, field="--from")
    district_key = resolve_district(district, load_catalogue()) if district else None
    figures = _build(start=first, end=last, district=district_key, today=day, internal=internal)
    written = []
    pictures: dict[str, Path] | None = None
    if charts is not None:
        from adapters.report_charts import render_charts  # defers matplotlib to when charts are asked for

        pictures = render_charts(figures, charts)
        written.append(f"Diagramme: {', '.join(str(path) for path in pictures.values())}")
    if xlsx is not None:
        from adapters.report_charts import render_charts  # defers matplotlib to when a workbook is asked for
        from adapters.report_xlsx import write_workbook  # defers openpyxl to when a workbook is asked for

        if pictures is not None:
            write_workbook(figures, xlsx, pictures)
        else:
            with tempfile.TemporaryDirectory(prefix="welcome-center-charts-") as folder:
                write_workbook(figures, xlsx, render_charts(figures, Path(folder)))
        written.append(f"Arbeitsmappe: {xlsx}")
    if as_json:
        print_json(figures)
    else:
        _print(figures)
    for line in written:
        (err if as_json else out).print(escape(line), soft_wrap=True)
    if internal and (xlsx is not None or charts is not None):
        (err if as_json else out).print("[bold]Intern:[/] exakte Werte, auch 1 und 2. Nicht an Dritte weitergeben.",
                                        soft_wrap=True)


def _print(figures: dict) -> None:
    """The key figures, one column per district, in German."""
    keys = district_keys(figures)
    period = figures.get("period", {})
    version = "intern, exakte Werte" if figures.get("internal") else "Werte 1 und 2 als „< 3“"
    table = Table("Kennzahl", *[district_de(key) for key in keys],
                  title=f"Bericht {_day(period.get('from'))} bis {_day(period.get('to'))} ({version})",
                  caption=f"erstellt am {_day(figures.get('generated_on'))}")
    for column in table.columns[1:]:
        column.justify = "right"
    for figure in KEY_FIGURES:
        values = [key_figure(figures["districts"][key], figure.key) for key in keys]
        table.add_row(figure.label, *[escape(figure_text(value, share=figure.key == "within_share")) for value in values])
    out.print(table)


def _day(text: str | None) -> str:
    try:
        return format_date(date.fromisoformat(text or ""))
    except ValueError:
        return escape(str(text))


app.command("report")(report)
