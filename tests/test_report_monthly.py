"""The monthly report: its day (the month's first working day in Lower Saxony), its periods, and the
flow run as its schedule calls it: files in reports/<YYYY-MM>/, the artifacts with the key figures
(suppressed), and the workbooks mailed once to the Jobcenter over a real SMTP server (aiosmtpd). The
report service and the chart and workbook adapters are the fakes of tests/report_web_sample.py."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import lower_saxony_calendar
from domain.report_periods import first_working_day_of_month, key_figure_rows, last_month, why_not_report_day, year_to_date
from tests import report_web_sample
from tests.conftest import free_port

BERLIN = ZoneInfo("Europe/Berlin")
CALENDAR = lower_saxony_calendar()


# ---------------------------------------------------------------------------------- the day and the periods


def test_the_first_working_day_follows_new_year_weekends_and_may_day():
    assert first_working_day_of_month(date(2026, 12, 3), CALENDAR) == date(2026, 12, 1)  # a Tuesday
    assert first_working_day_of_month(date(2027, 1, 2), CALENDAR) == date(2027, 1, 4)  # Neujahr on a Friday, a weekend
    assert first_working_day_of_month(date(2026, 5, 1), CALENDAR) == date(2026, 5, 4)  # 1 May a Friday
    assert first_working_day_of_month(date(2026, 11, 1), CALENDAR) == date(2026, 11, 2)  # a Sunday


def test_a_scheduled_day_other_than_the_first_working_day_rests_and_says_why():
    assert why_not_report_day(date(2026, 12, 1), CALENDAR) is None
    assert "ersten Werktag des Monats; das war der 01.12.2026" in why_not_report_day(date(2026, 12, 2), CALENDAR)
    before = why_not_report_day(date(2027, 1, 1), CALENDAR)
    assert "Neujahr" in before and "04.01.2027" in before


def test_last_month_and_the_year_to_date_in_january_are_the_past_year():
    assert last_month(date(2026, 12, 1)) == last_month(date(2026, 12, 31))
    assert (last_month(date(2026, 3, 2)).start, last_month(date(2026, 3, 2)).end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert last_month(date(2026, 3, 2)).label == "Februar 2026" and last_month(date(2026, 3, 2)).month_key == "2026-02"
    january = year_to_date(date(2027, 1, 4))
    assert (january.start, january.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (year_to_date(date(2026, 12, 1)).start, year_to_date(date(2026, 12, 1)).end) == (date(2026, 1, 1), date(2026, 11, 30))


def test_the_next_monthly_run_that_works_is_the_first_working_day():
    from flows.deployments import by_name, next_run

    spec = by_name("monthly-report")
    after = datetime(2026, 12, 6, 12, 0, tzinfo=BERLIN)
    assert next_run(spec, after) == datetime(2027, 1, 4, 6, 0, tzinfo=BERLIN)
    assert next_run(spec, after, working_days_only=False) == datetime(2027, 1, 1, 6, 0, tzinfo=BERLIN)
    assert next_run(spec, datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN)) == datetime(2027, 1, 4, 6, 0, tzinfo=BERLIN)


def test_the_key_figure_rows_show_suppressed_cells_as_they_are():
    report = report_web_sample.build_report(None, start=date(2026, 11, 1), end=date(2026, 11, 30)).as_json(internal=False)
    rows = {row["Kennzahl"]: row for row in key_figure_rows(report)}
    assert rows["davon unter 25 Jahren"] == {"Kennzahl": "davon unter 25 Jahren", "Verden": "18", "Osterholz": "< 3", "beide": "20"}
    assert rows["Bescheide in der gesetzlichen Frist"]["beide"] == "82 %"


# ---------------------------------------------------------------------------------- the flow run


@pytest.fixture
def home(tmp_path, monkeypatch, sqlite_template, prefect_home):
    from adapters.settings import get_settings

    folder = tmp_path / "home"
    folder.mkdir()
    shutil.copyfile(sqlite_template, folder / "welcome-center.db")
    monkeypatch.setenv("WELCOME_CENTER_HOME", str(folder))
    monkeypatch.delenv("WELCOME_CENTER_JOBCENTER_REPORT_EMAIL", raising=False)
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture
def fakes(monkeypatch):
    return report_web_sample.install(monkeypatch)


def artifacts(key: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return [a.data if isinstance(a.data, str) else json.dumps(a.data, ensure_ascii=False) for a in found]


def mail_to(monkeypatch, port: int, address: str = "statistik@jobcenter-verden.example") -> None:
    from adapters.settings import get_settings

    monkeypatch.setenv("WELCOME_CENTER_JOBCENTER_REPORT_EMAIL", address)
    monkeypatch.setenv("WELCOME_CENTER_SMTP_PORT", str(port))
    monkeypatch.setenv("WELCOME_CENTER_SMTP_TIMEOUT_SECONDS", "3")
    get_settings.cache_clear()


def test_a_scheduled_run_on_new_years_day_rests_and_writes_nothing(home, fakes):
    from flows.reports import monthly_report_flow

    result = monthly_report_flow(scheduled=True, today=date(2027, 1, 1))
    assert "Neujahr" in result["rested"]
    assert not (home / "reports").exists() and not fakes
    assert any("kein Lauf am 01.01.2027" in text and "04.01.2027" in text for text in artifacts("monthly-report"))


def test_on_the_first_working_day_the_run_writes_both_reports_publishes_the_figures_and_mails_once(
        home, fakes, smtp_server, monkeypatch):
    from flows.reports import monthly_report_flow

    sink, port = smtp_server
    mail_to(monkeypatch, port)
    result = monthly_report_flow(scheduled=True, today=date(2026, 12, 1))
    folder = home / "reports" / "2026-11"
    assert result == {"folder": str(folder), "mail": "sent", "mail_de": "an das Jobcenter gesendet"}
    asked = [(c["start"], c["end"], c["district"]) for c in fakes if c["what"] == "build_report"]
    assert asked == [(date(2026, 11, 1), date(2026, 11, 30), None), (date(2026, 1, 1), date(2026, 11, 30), None)]
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == sorted([
        "bericht-2026-11.json", "bericht-2026-11.xlsx", "bericht-2026-01-bis-2026-11.json", "bericht-2026-01-bis-2026-11.xlsx",
        *(f"diagramme-{kind}/{name}.png" for kind in ("monat", "jahr") for name in report_web_sample.CHART_NAMES),
        "versandt-jobcenter.json",
    ])
    month = json.loads((folder / "bericht-2026-11.json").read_text(encoding="utf-8"))
    assert month["internal"] is False and month["districts"]["osterholz"]["under_25"] == "< 3"
    assert all(c["internal"] is False and len(c["charts"]) == 4 for c in fakes if c["what"] == "write_workbook")
    assert not [p for p in (home / "reports").iterdir() if p.name.startswith(".")]  # no staging folder left

    markdown = [text for text in artifacts("monthly-report") if "## Bericht November 2026" in text]
    # (the session's Prefect server also holds other tests' November reports: this run's has the sample's figures)
    assert any("| davon unter 25 Jahren | 18 | < 3 | 20 |" in text for text in markdown), markdown
    assert any("Personen beraten" in table and "< 3" in table for table in artifacts("monthly-report-table"))

    assert len(sink.messages) == 1
    message = sink.messages[0]
    assert message["To"] == "statistik@jobcenter-verden.example" and "November 2026" in str(message["Subject"])
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert sorted(attached) == ["bericht-2026-01-bis-2026-11.xlsx", "bericht-2026-11.xlsx"]
    assert attached["bericht-2026-11.xlsx"] == (folder / "bericht-2026-11.xlsx").read_bytes()
    assert "geschwärzt" in message.get_body(("plain",)).get_content()

    again = monthly_report_flow(scheduled=False, today=date(2026, 12, 1))
    assert again["mail"] == "already" and len(sink.messages) == 1  # a rerun writes the files again, mails nothing


def test_without_an_address_nothing_is_mailed(home, fakes, smtp_server, monkeypatch):
    from flows.reports import monthly_report_flow

    sink, port = smtp_server
    monkeypatch.setenv("WELCOME_CENTER_SMTP_PORT", str(port))
    result = monthly_report_flow(scheduled=False, today=date(2026, 12, 15))
    assert result["mail"] == "off" and not sink.messages
    assert (home / "reports" / "2026-11" / "bericht-2026-11.xlsx").exists()
    assert not (home / "reports" / "2026-11" / "versandt-jobcenter.json").exists()


def test_a_mail_server_that_does_not_answer_fails_the_run_and_the_rerun_mails(home, fakes, smtp_server, monkeypatch):
    from flows.reports import monthly_report_flow

    mail_to(monkeypatch, free_port())  # nothing listens there
    with pytest.raises(Exception) as failed:
        monthly_report_flow(scheduled=True, today=date(2026, 12, 1))
    assert getattr(failed.value, "code", None) == "report.mail_failed", failed.value
    # the setting is named, not the address: the message is the failed run's record in Prefect
    assert "WELCOME_CENTER_JOBCENTER_REPORT_EMAIL" in failed.value.message_de
    assert "statistik@jobcenter-verden.example" not in str(failed.value)
    folder = home / "reports" / "2026-11"
    assert (folder / "bericht-2026-11.xlsx").exists() and not (folder / "versandt-jobcenter.json").exists()
    sink, port = smtp_server
    mail_to(monkeypatch, port)
    assert monthly_report_flow(scheduled=True, today=date(2026, 12, 1))["mail"] == "sent"
    assert len(sink.messages) == 1 and (folder / "versandt-jobcenter.json").exists()


# ---------------------------------------------------------------------------------- the files, without Prefect


def test_a_run_that_breaks_half_way_leaves_no_file_and_the_next_run_clears_its_staging_folder(tmp_path, monkeypatch):
    import sys

    from services.monthly_report import MonthlyReports, write_report_files

    report_web_sample.install(monkeypatch)
    today = date(2026, 12, 1)
    reports = {kind: report_web_sample.build_report(None, start=period.start, end=period.end).as_json(internal=False)
               for kind, period in (("monat", last_month(today)), ("jahr", year_to_date(today)))}
    monthly = MonthlyReports(last_month(today), year_to_date(today), reports)
    made = []

    def breaks_on_the_year(report, path, charts=None):
        if made:
            raise RuntimeError("the workbook adapter broke")
        made.append(path)
        return report_web_sample.write_workbook(report, path, charts)

    monkeypatch.setattr(sys.modules["adapters.report_xlsx"], "write_workbook", breaks_on_the_year)
    with pytest.raises(RuntimeError):
        write_report_files(tmp_path / "reports", monthly)
    assert list((tmp_path / "reports").iterdir()) == []  # neither a month folder nor a staging folder
    leftover = tmp_path / "reports" / ".staging-2026-11-4242-deadbeef"  # as a killed run leaves it
    leftover.mkdir()
    (leftover / "bericht-2026-11.xlsx").write_bytes(b"PK half")
    monkeypatch.setattr(sys.modules["adapters.report_xlsx"], "write_workbook", report_web_sample.write_workbook)
    files = write_report_files(tmp_path / "reports", monthly)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["2026-11"]
    assert files.xlsx["monat"].read_bytes().startswith(b"PK") and files.json["jahr"].exists()


def test_the_monthly_run_with_the_real_report_charts_and_workbook(home, smtp_server, monkeypatch):
    """No fakes: services.reports over the state folder's database (empty), the real charts and
    workbook; the files are there, the workbook opens, the mail carries it."""
    import openpyxl

    from flows.reports import monthly_report_flow

    sink, port = smtp_server
    mail_to(monkeypatch, port)
    result = monthly_report_flow(scheduled=False, today=date(2026, 12, 1))
    folder = home / "reports" / "2026-11"
    assert result["mail"] == "sent" and len(sink.messages) == 1
    month = json.loads((folder / "bericht-2026-11.json").read_text(encoding="utf-8"))
    assert month["period"] == {"from": "2026-11-01", "to": "2026-11-30"} and month["internal"] is False
    assert month["districts"]["all"]["persons"] == 0
    pictures = sorted(folder.rglob("*.png"))
    assert len(pictures) == 8 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pictures)
    workbook = openpyxl.load_workbook(folder / "bericht-2026-11.xlsx")
    assert "Definitionen" in workbook.sheetnames and "Überblick" in workbook.sheetnames
