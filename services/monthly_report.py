"""The monthly report for the Kommunales Jobcenter and the Welcome Center: last month's report and the
year-to-date report (both suppressed: "< 3" for 1 and 2, as everything that leaves the Center), their
files in the state folder's `reports/<YYYY-MM>/`, and the workbook mailed once to the Jobcenter's
contact when one is configured (WELCOME_CENTER_JOBCENTER_REPORT_EMAIL).

Files. The chart and workbook adapters write straight into a path, so everything is made in a
staging folder beside `reports/<YYYY-MM>/` and then each file is renamed into it (same file system:
a name holds nothing or a whole file), the JSON last. A run killed half way leaves a staging folder
(removed by the next run) and no partial file; a rerun replaces the files with the same content.

Mail once. `versandt-jobcenter.json` in the month's folder is written right after the mail server
accepted the mail; a rerun that finds it sends nothing. The mail is at risk of a repeat only between
the server's "250" and that file (a crash in those milliseconds): the repeat carries the same
Message-ID, so a mail client shows it once (as the reminders, services/reminders.py).

The report service and the two adapters (services.reports, adapters.report_charts,
adapters.report_xlsx) are imported where they are used: matplotlib and openpyxl cost a second
of imports that the web page and the other flows do not need.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy.engine import Engine

from adapters.filestore import write_atomically
from adapters.mailer import SmtpSender, build_message_with_attachments
from adapters.storage import writing_into
from domain.report_periods import ReportPeriod, last_month, year_to_date

MAIL_MARKER = "versandt-jobcenter.json"
STAGING_PREFIX = ".staging-"
KINDS = ("monat", "jahr")


@dataclass(frozen=True)
class MonthlyReports:
    """The two suppressed reports of a run, as JSON (docs/report-schema.md)."""

    month: ReportPeriod
    year: ReportPeriod
    reports: dict[str, dict]  # "monat", "jahr"

    @property
    def periods(self) -> dict[str, ReportPeriod]:
        return {"monat": self.month, "jahr": self.year}


@dataclass
class ReportFiles:
    folder: Path
    json: dict[str, Path] = field(default_factory=dict)
    xlsx: dict[str, Path] = field(default_factory=dict)
    charts: dict[str, dict[str, Path]] = field(default_factory=dict)


def build_monthly_reports(engine: Engine, *, today: date) -> MonthlyReports:
    """Last month's and the year-to-date report, both districts, suppressed."""
    # defers services.reports (the report service's SQL aggregates), loaded only when a report is made
    from services.reports import build_report

    month, year = last_month(today), year_to_date(today)
    reports = {
        kind: build_report(engine, start=period.start, end=period.end, district=None, today=today).as_json(internal=False)
        for kind, period in (("monat", month), ("jahr", year))
    }
    return MonthlyReports(month, year, reports)


def file_stem(kind: str, period: ReportPeriod) -> str:
    """"bericht-2026-11" for the month, "bericht-2026-01-bis-2026-11" for the year to date."""
    if kind == "monat":
        return f"bericht-{period.end:%Y-%m}"
    return f"bericht-{period.start:%Y-%m}-bis-{period.end:%Y-%m}"


def write_report_files(reports_dir: Path, monthly: MonthlyReports) -> ReportFiles:
    """JSON, XLSX (charts inside) and the chart PNGs of both reports into `reports/<YYYY-MM>/`."""
    # defers matplotlib and openpyxl (adapters.report_charts, adapters.report_xlsx)
    from adapters.report_charts import render_charts

    # defers openpyxl (adapters.report_xlsx)
    from adapters.report_xlsx import write_workbook

    folder = reports_dir / monthly.month.month_key
    with writing_into(reports_dir):
        reports_dir.mkdir(parents=True, exist_ok=True)
        _sweep_staging(reports_dir, monthly.month.month_key)
        staging = reports_dir / f"{STAGING_PREFIX}{monthly.month.month_key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
    try:
        with writing_into(reports_dir):
            staged = ReportFiles(staging)
            for kind in KINDS:
                report, stem = monthly.reports[kind], file_stem(kind, monthly.periods[kind])
                chart_folder = staging / f"diagramme-{kind}"
                chart_folder.mkdir()
                staged.charts[kind] = dict(render_charts(report, chart_folder))
                staged.xlsx[kind] = write_workbook(report, staging / f"{stem}.xlsx", staged.charts[kind])
                staged.json[kind] = staging / f"{stem}.json"
                staged.json[kind].write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
            final = ReportFiles(folder)
            with writing_into(folder):
                folder.mkdir(parents=True, exist_ok=True)
                for kind in KINDS:
                    final.charts[kind] = {key: _promote(path, staging, folder) for key, path in staged.charts[kind].items()}
                    final.xlsx[kind] = _promote(staged.xlsx[kind], staging, folder)
                for kind in KINDS:  # last: a JSON beside the workbook means the month's files are whole
                    final.json[kind] = _promote(staged.json[kind], staging, folder)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _promote(path: Path, staging: Path, folder: Path) -> Path:
    target = folder / path.relative_to(staging)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    return target


def _sweep_staging(reports_dir: Path, month_key: str) -> None:
    """Remove the staging folders a killed run of this month left (never the month's folder)."""
    for leftover in reports_dir.glob(f"{STAGING_PREFIX}{month_key}-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def already_mailed(folder: Path) -> dict | None:
    marker = folder / MAIL_MARKER
    if not marker.exists():
        return None
    return json.loads(marker.read_text(encoding="utf-8"))


def mail_workbook_once(files: ReportFiles, monthly: MonthlyReports, *, recipient: str,
                       sender_factory: Callable[[], SmtpSender], sender_name: str, sender_address: str,
                       mail_domain: str) -> str:
    """Mail the month's and the year's suppressed workbooks (one mail) to `recipient` once per month: "sent",
    or "already" when the marker says an earlier run did. `adapters.mailer.SendFailure` when the
    server is unreachable or refuses: the caller fails the run, the files stay, a rerun mails."""
    if already_mailed(files.folder):
        return "already"
    month, year = monthly.month, monthly.year
    body = (
        "Guten Tag,\n\n"
        f"anbei der Bericht des Welcome Centers Verden/Osterholz für {month.label} "
        f"und für das laufende Jahr ({year.label}) als Excel-Arbeitsmappe.\n\n"
        "Alle Zahlen sind geschwärzt: Werte 1 und 2 stehen als \"< 3\" (wie in der Statistik der Bundesagentur "
        "für Arbeit). Das Blatt \"Definitionen\" erklärt jede Kennzahl.\n\n"
        "Diese Mail wurde automatisch erstellt.\n"
    )
    workbooks = [files.xlsx["monat"], files.xlsx["jahr"]]
    mail = build_message_with_attachments(
        sender_name=sender_name, sender_address=sender_address, recipient=recipient,
        subject=f"Welcome Center: Bericht {month.label} und {year.label}", body=body,
        message_id=f"<monthly-report-{month.month_key}@{mail_domain}>", attachments=workbooks,
    )
    with sender_factory() as sender:
        sender.send(mail)
    write_atomically(files.folder / MAIL_MARKER, json.dumps({
        "to": recipient, "month": month.month_key, "files": [path.name for path in workbooks],
        "accepted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }, ensure_ascii=False).encode("utf-8"))
    return "sent"
