"""The monthly report (deployment `monthly-report`): on the first working day of the month in Lower
Saxony, last month's and the year-to-date report for the Kommunales Jobcenter and the Welcome Center.

The schedule fires at 06:00 Europe/Berlin on the 1st to the 4th; a scheduled run on any other of
those days rests and says why in its artifact (`domain.report_periods.why_not_report_day`). A run
started by hand (`prefect deployment run 'monthly-report/monthly-report'`, or with
`--param scheduled=false`) always runs.

1. `build-monthly-reports`: both reports, suppressed ("< 3"), as JSON (services.reports).
2. `write-report-files`: JSON, workbook and chart PNGs into the state folder's `reports/<YYYY-MM>/`
   (services.monthly_report: staged, then renamed; no partial file).
3. `monthly-report` artifacts: the key figures as Markdown and as a table (counts only).
4. `mail-report`: only when WELCOME_CENTER_JOBCENTER_REPORT_EMAIL is set, the workbooks to that
   address, once per month (a marker in the month's folder). A mail server that does not take it
   fails the run (`report.mail_failed`) after the files and artifacts are there; a rerun mails.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from adapters.catalogue import load_catalogue
from adapters.database import configured_engine
from adapters.mailer import SendFailure, SmtpSender
from adapters.settings import get_settings
from domain.calendar import lower_saxony_calendar
from domain.display import without_mail_addresses
from domain.errors import DomainError
from domain.report_periods import figure_text, key_figure_rows, key_figures_markdown, why_not_report_day
from flows import records_no_personal_data
from flows.day_off import berlin_today
from services.monthly_report import (
    MonthlyReports,
    ReportFiles,
    build_monthly_reports,
    mail_workbook_once,
    write_report_files,
)

ARTIFACT_KEY = "monthly-report"


class ReportMailFailed(DomainError):
    """The mail server did not take the report. The message is the failed run's state message in
    Prefect's database: it names the setting, not the address (a Jobcenter mailbox may be a
    person's), and the server's answer with any address in it replaced."""

    def __init__(self, answer: str) -> None:
        super().__init__("report.mail_failed", "WELCOME_CENTER_JOBCENTER_REPORT_EMAIL",
                         value="WELCOME_CENTER_JOBCENTER_REPORT_EMAIL", reason=without_mail_addresses(answer))


@task(name="build-monthly-reports", persist_result=False, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
@records_no_personal_data
def build_task(today: date) -> MonthlyReports:
    return build_monthly_reports(configured_engine(), today=today)


@task(name="write-report-files", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def write_task(monthly: MonthlyReports) -> ReportFiles:
    return write_report_files(get_settings().home / "reports", monthly)


@task(name="report-artifacts", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def artifacts_task(monthly: MonthlyReports, files: ReportFiles) -> None:
    month, year = monthly.month, monthly.year
    markdown = "\n".join([
        f"## Bericht {month.label} und {year.label}",
        "",
        "Geschwärzt: Werte 1 und 2 als „< 3“. Nur Zahlen, keine Personen.",
        f"Dateien: `{files.folder}`",
        "",
        key_figures_markdown(f"{month.label}", monthly.reports["monat"]),
        key_figures_markdown(f"Jahr bis Monatsende ({year.label})", monthly.reports["jahr"]),
    ])
    create_markdown_artifact(key=ARTIFACT_KEY, markdown=markdown, description=f"Bericht {month.label}: Kennzahlen")
    rows = [{"Zeitraum": month.label, **row} for row in key_figure_rows(monthly.reports["monat"])]
    rows += [{"Zeitraum": year.label, **row} for row in key_figure_rows(monthly.reports["jahr"])]
    both = monthly.reports["monat"]["districts"].get("all", {})
    create_table_artifact(key=f"{ARTIFACT_KEY}-table", table=rows,
                          description=f"Monatsbericht {month.label}: {figure_text(both.get('persons'))} Personen, "
                                      f"{figure_text(both.get('cases_opened'))} Fälle eröffnet (geschwärzt)")


@task(name="mail-report", persist_result=False, cache_policy=NO_CACHE)
@records_no_personal_data
def mail_task(monthly: MonthlyReports, files: ReportFiles) -> str:
    settings = get_settings()
    recipient = settings.jobcenter_report_email.strip()
    if not recipient:
        return "off"
    center = load_catalogue().districts["verden"].welcome_center

    def sender() -> SmtpSender:
        return SmtpSender(host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
                          username=settings.smtp_username, password=settings.smtp_password.get_secret_value(),
                          timeout=settings.smtp_timeout_seconds)

    try:
        return mail_workbook_once(files, monthly, recipient=recipient, sender_factory=sender, sender_name=center.name,
                                  sender_address=center.email or f"welcome-center@{settings.mail_domain}",
                                  mail_domain=settings.mail_domain)
    except SendFailure as failure:
        raise ReportMailFailed(failure.answer) from None


MAIL_DE = {"off": "keine Mail (WELCOME_CENTER_JOBCENTER_REPORT_EMAIL ist leer)", "sent": "an das Jobcenter gesendet",
           "already": "schon gesendet (früherer Lauf)"}


@flow(name="monthly-report", persist_result=False, log_prints=False)
@records_no_personal_data
def monthly_report_flow(scheduled: bool = False, today: date | None = None) -> dict:
    """See the module docstring. Returns what a caller prints: the rest reason, or the folder and the
    mail's outcome ("off", "sent", "already")."""
    day = today or berlin_today()
    if scheduled:
        why = why_not_report_day(day, lower_saxony_calendar())
        if why:
            create_markdown_artifact(key=ARTIFACT_KEY, markdown=f"**Monatsbericht: kein Lauf am {day:%d.%m.%Y}** – {why}.",
                                     description=f"Monatsbericht: kein Lauf am {day:%d.%m.%Y}")
            return {"rested": why}
    monthly = build_task(day)
    files = write_task(monthly)
    artifacts_task(monthly, files)
    mailed = mail_task(monthly, files)
    return {"folder": str(files.folder), "mail": mailed, "mail_de": MAIL_DE[mailed]}

