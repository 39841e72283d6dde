"""The "Berichte" page: the report's key figures per district for a period chosen on the page, its
charts, and the downloads (XLSX, JSON).

Who sees what (`domain.access.report_districts`, applied here on the server, whatever the query says):
the lead and the reader both districts, with a district filter; an adviser their own district only
(a request for the other district is refused, and the figures of any other district are dropped
from what the report service returns before anything is shown or sent).

Suppressed or exact. The page shows the suppressed figures ("< 3" for 1 and 2) by default, as the
files that leave the Center: a page can be printed, photographed or shown on a projector. Only the
lead can switch to "intern (ungeschwärzt)", and only for the figures on the page; the charts and the
downloads are always suppressed. Each download is an export and is written to the audit trail
(`report.export`: who, which period, which district, which format), as the case-list CSV.

Charts. PNGs from `adapters.report_charts`, cached in the state folder's `reports/web/<hash>/`, the
hash taken over the suppressed report's JSON: the same figures are drawn once, changed figures
(a new case, a correction) get new pictures at once. At most `CHART_CACHE_KEEP` sets are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from adapters.settings import get_settings
from domain.access import Actor, Role, report_districts
from domain.dates import DateError, event_day
from domain.errors import InvalidInput
from domain.lifecycle import STATE_DE, CaseState
from domain.report_periods import DISTRICT_COLUMNS, figure_text, key_figure_rows
from services.export import record_report_export
from welcome_center.web.deps import DISTRICT_DE, BadRequest, Forbidden, current_adviser, db, render, templates, today

router = APIRouter()

CHARTS = (
    ("opened_per_month", "Eröffnete Fälle je Monat"),
    ("funnel", "Vom Erstgespräch zum Bescheid"),
    ("outcomes_by_group", "Bescheide nach Berufsgruppe"),
    ("durations", "Dauern und gesetzliche Fristen"),
)
CHART_NAMES = {name for name, _ in CHARTS}
CHART_CACHE_KEEP = 200
DURATIONS_DE = (
    ("opening_to_submission", "Erstgespräch bis Antrag"),
    ("submission_to_acknowledgement", "Antrag bis Eingangsbestätigung"),
    ("complete_to_decision", "Unterlagen vollständig bis Bescheid"),
)
COLUMN_DE = dict(DISTRICT_COLUMNS)

templates.env.filters.update(figure=figure_text)


@dataclass
class ReportQuery:
    """The period, district and view asked for, checked; `errors` by field ("von", "bis", "landkreis")."""

    start: date
    end: date
    district: str | None
    internal: bool
    typed: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **extra) -> str:
        values = {"von": self.start.isoformat(), "bis": self.end.isoformat()}
        if self.district:
            values["landkreis"] = self.district
        values.update(extra)
        return urlencode(values)


def read_query(request: Request, actor: Actor) -> ReportQuery:
    day = today(request)
    params = request.query_params
    typed = {"von": params.get("von", ""), "bis": params.get("bis", ""), "landkreis": params.get("landkreis", "")}
    query = ReportQuery(date(day.year, 1, 1), day, None, False, typed)
    for name in ("von", "bis"):
        if typed[name].strip():
            try:
                setattr(query, "start" if name == "von" else "end", event_day(typed[name], field=name, today=day))
            except DateError as error:
                query.errors[name] = error.message_de
    if not query.errors and query.end < query.start:
        query.errors["bis"] = InvalidInput("report.period_reversed", "bis", start=query.start, end=query.end).message_de
    allowed = report_districts(actor)
    wanted = typed["landkreis"].strip()
    if actor.role == Role.ADVISER:
        if wanted and wanted != actor.district:
            raise Forbidden(InvalidInput("report.district_not_yours", "landkreis",
                                         mine=[DISTRICT_DE.get(d, d) for d in allowed]).message_de + ".",
                            "Nur der eigene Landkreis")
        query.district = actor.district
    elif wanted:
        if wanted not in allowed:
            raise BadRequest(f"Landkreis „{wanted[:40]}“ ist unbekannt; bitte Verden oder Osterholz wählen oder das Feld leer lassen.")
        query.district = wanted
    query.internal = actor.role == Role.LEAD and params.get("intern") == "1"
    return query


def _checked(request: Request, actor: Actor) -> ReportQuery:
    """For the charts and downloads: a period the page would refuse is a German 400 page here."""
    query = read_query(request, actor)
    if query.errors:
        raise BadRequest(" ".join(f"{name.capitalize()}: {text}." for name, text in query.errors.items()))
    return query


def build(request: Request, actor: Actor, query: ReportQuery, *, internal: bool) -> dict:
    """The report as JSON (docs/report-schema.md), with only the districts the actor may see."""
    # defers services.reports (its SQL aggregates), loaded when a report is first asked for
    from services.reports import build_report

    report = build_report(request.app.state.engine, start=query.start, end=query.end, district=query.district,
                          today=today(request)).as_json(internal=internal)
    allowed = set(report_districts(actor))
    figures = {key: value for key, value in report.get("districts", {}).items() if key in allowed or key == "all"}
    if query.district:
        # "all" is that district's figures again (the schema); taken from it, so that nothing of
        # another district can come along
        figures = {key: figures[query.district] for key in (query.district, "all") if query.district in figures}
    report["districts"] = figures
    return report


def shown_columns(report: dict, query: ReportQuery) -> list[tuple[str, str]]:
    keys = report["districts"].keys()
    if query.district:
        return [(query.district, COLUMN_DE[query.district])] if query.district in keys else []
    return [(key, label) for key, label in DISTRICT_COLUMNS if key in keys]


@router.get("/berichte")
def reports_page(request: Request, actor: Actor = Depends(current_adviser)):
    query = read_query(request, actor)
    context = {"query": query, "charts": CHARTS, "districts": report_districts(actor),
               "may_choose_district": len(report_districts(actor)) > 1, "may_see_internal": actor.role == Role.LEAD}
    if query.errors:
        return render(request, "berichte.html", actor, status_code=400, report=None, **context)
    report = build(request, actor, query, internal=query.internal)
    columns = shown_columns(report, query)
    keys = [key for key, _ in columns]
    main = keys[-1] if keys else None  # "all", or the one district: the countries and the states
    return render(
        request, "berichte.html", actor, report=report, columns=columns,
        key_rows=key_figure_rows(report, tuple(keys)), states=[(s.value, STATE_DE[s]) for s in CaseState],
        durations=DURATIONS_DE, main=report["districts"].get(main) if main else None,
        chart_query=query.query(), **context,
    )


@router.get("/berichte/diagramme/{name}.png")
def chart(name: str, request: Request, actor: Actor = Depends(current_adviser)):
    if name not in CHART_NAMES:
        raise BadRequest("Dieses Diagramm gibt es nicht.")
    query = _checked(request, actor)
    charts = cached_charts(build(request, actor, query, internal=False))
    path = charts.get(name)
    if path is None or not path.exists():
        raise BadRequest("Dieses Diagramm konnte nicht erstellt werden.")
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


def cached_charts(report: dict) -> dict[str, Path]:
    """The report's charts from the cache, drawn when its figures are new (see the module docstring)."""
    # defers matplotlib (adapters.report_charts), loaded when a chart is first asked for
    from adapters.report_charts import render_charts

    cache = get_settings().home / "reports" / "web"
    digest = hashlib.sha256(json.dumps({**report, "generated_on": None}, sort_keys=True, default=str).encode()).hexdigest()[:24]
    folder = cache / digest
    index = folder / "charts.json"
    if index.exists():
        return {key: folder / name for key, name in json.loads(index.read_text(encoding="utf-8")).items()}
    cache.mkdir(parents=True, exist_ok=True)
    staging = cache / f".staging-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        drawn = render_charts(report, staging)
        (staging / "charts.json").write_text(json.dumps({key: Path(p).name for key, p in drawn.items()}), encoding="utf-8")
        try:
            os.rename(staging, folder)  # whole or not at all; another request may have drawn it meanwhile
        except OSError:
            if not index.exists():
                raise
        _trim(cache)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {key: folder / name for key, name in json.loads(index.read_text(encoding="utf-8")).items()}


def _trim(cache: Path) -> None:
    sets = sorted((p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in sets[:-CHART_CACHE_KEEP]:
        shutil.rmtree(old, ignore_errors=True)


def _file_name(query: ReportQuery, extension: str) -> str:
    where = query.district or "verden-osterholz"
    return f"bericht-{where}-{query.start.isoformat()}-bis-{query.end.isoformat()}.{extension}"


def _audit(session: Session, actor: Actor, query: ReportQuery, fmt: str) -> None:
    record_report_export(session, audit_actor=actor.audit_name, start=query.start, end=query.end,
                         district=query.district, file_format=fmt, channel="web")
    session.commit()


@router.get("/berichte/bericht.json")
def report_json(request: Request, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    query = _checked(request, actor)
    report = build(request, actor, query, internal=False)
    _audit(session, actor, query, "json")
    return Response(json.dumps(report, ensure_ascii=False, indent=2), media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_file_name(query, "json")}"'})


@router.get("/berichte/bericht.xlsx")
def report_xlsx(request: Request, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    # defers openpyxl (adapters.report_xlsx), loaded when a workbook is first asked for
    from adapters.report_xlsx import write_workbook

    query = _checked(request, actor)
    report = build(request, actor, query, internal=False)
    charts = cached_charts(report)
    with tempfile.TemporaryDirectory(prefix="bericht-") as folder:
        path = write_workbook(report, Path(folder) / _file_name(query, "xlsx"), charts)
        data = Path(path).read_bytes()
    _audit(session, actor, query, "xlsx")
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{_file_name(query, "xlsx")}"'})
