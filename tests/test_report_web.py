"""The Berichte page: who sees which districts, suppressed by default and exact only for the lead on
request, the period typed in German with errors naming the field, the charts as PNG (cached), and the
downloads (suppressed, audited). The report service and the chart and workbook adapters are the fakes
of tests/report_web_sample.py (their real ones are built on other branches)."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest
from sqlmodel import Session, select

from models import AuditEvent
from tests import report_web_sample
from tests.web_fixtures import accounts, client, login, sqlite_engine, web_app  # noqa: F401 - fixtures


@pytest.fixture
def web_engine(sqlite_engine):  # noqa: F811
    return sqlite_engine


@pytest.fixture(autouse=True)
def fakes(monkeypatch, tmp_path):
    from adapters.settings import get_settings

    monkeypatch.setenv("WELCOME_CENTER_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield report_web_sample.install(monkeypatch)
    get_settings.cache_clear()


def table_cells(html: str, label: str) -> str:
    """The row of a figure in the Kennzahlen table, as text."""
    start = html.index(f"<th scope=\"row\">{label}</th>")
    return html[start:html.index("</tr>", start)]


def test_the_lead_sees_both_districts_suppressed_by_default_with_charts_and_downloads(client, accounts, fakes):  # noqa: F811
    login(client, accounts["lead"].email)
    page = client.get("/berichte")
    assert page.status_code == 200
    html = page.text
    assert '<a href="/berichte" aria-current="page">Berichte</a>' in html
    assert ">Verden</th>" in html and ">Osterholz</th>" in html and ">beide</th>" in html
    # Osterholz's 2 persons under 25 are "< 3"; the default period is this year to date (the app's clock)
    assert "<td class=\"num\">&lt; 3</td>" in table_cells(html, "davon unter 25 Jahren")
    assert fakes[-1] == {"what": "build_report", "start": report_web_sample.date(2026, 1, 1),
                         "end": report_web_sample.date(2026, 11, 25), "district": None,
                         "today": report_web_sample.date(2026, 11, 25)}
    assert 'value="01.01.2026"' in html and 'value="25.11.2026"' in html
    for name in report_web_sample.CHART_NAMES:
        assert f'src="/berichte/diagramme/{name}.png?von=2026-01-01&amp;bis=2026-11-25"' in html
    assert 'href="/berichte/bericht.xlsx?von=2026-01-01&amp;bis=2026-11-25"' in html
    assert "intern (ungeschwärzt)" in html


def test_only_the_lead_can_switch_to_exact_figures(client, accounts):  # noqa: F811
    login(client, accounts["lead"].email)
    exact = client.get("/berichte?intern=1").text
    assert "Interne Ansicht" in exact
    assert "&lt; 3" not in table_cells(exact, "davon unter 25 Jahren") and ">2</td>" in table_cells(exact, "davon unter 25 Jahren")
    client.post("/abmelden", data={"csrf_token": report_web_sample_csrf(client)})
    login(client, accounts["readonly"].email)
    reader = client.get("/berichte?intern=1").text
    assert "intern (ungeschwärzt)" not in reader and "Interne Ansicht" not in reader
    assert "&lt; 3" in table_cells(reader, "davon unter 25 Jahren")
    assert ">Osterholz</th>" in reader and ">Verden</th>" in reader  # the reader sees both districts


def report_web_sample_csrf(client) -> str:
    from tests.web_fixtures import csrf_token

    return csrf_token(client)


def test_an_adviser_sees_only_their_district_and_is_refused_the_other(client, accounts, fakes):  # noqa: F811
    login(client, accounts["verden"].email)
    html = client.get("/berichte").text
    assert fakes[-1]["district"] == "verden"
    assert ">Verden</th>" in html and "Osterholz" not in html.split("<h1>")[1] and 'id="landkreis"' not in html
    assert "intern (ungeschwärzt)" not in html
    refused = client.get("/berichte?landkreis=osterholz")
    assert refused.status_code == 403 and "nur den eigenen Landkreis (Verden)" in refused.text
    assert client.get("/berichte/bericht.json?landkreis=osterholz").status_code == 403
    assert client.get("/berichte/diagramme/funnel.png?landkreis=osterholz").status_code == 403
    data = json.loads(client.get("/berichte/bericht.json").content)
    assert set(data["districts"]) == {"verden", "all"} and data["districts"]["all"] == data["districts"]["verden"]


def test_a_period_typed_wrongly_is_named_in_german_and_nothing_is_built(client, accounts, fakes):  # noqa: F811
    login(client, accounts["lead"].email)
    wrong = client.get("/berichte?von=31.02.2026&bis=30.11.2026")
    assert wrong.status_code == 400
    assert "Von: „31.02.2026“ ist kein gültiges Datum" in wrong.text and 'value="31.02.2026"' in wrong.text
    reversed_ = client.get("/berichte?von=01.12.2026&bis=01.11.2026")
    assert reversed_.status_code == 400
    assert "Bis: der Zeitraum endet am 01.11.2026 vor seinem Beginn am 01.12.2026" in reversed_.text
    assert "Bis: „06.12.26“ hat eine zweistellige Jahreszahl" in client.get("/berichte?bis=06.12.26").text
    assert not fakes
    assert client.get("/berichte/bericht.json?von=2026-13-01").status_code == 400
    chosen = client.get("/berichte?von=2026-03-01&bis=31.03.2026&landkreis=osterholz")
    assert chosen.status_code == 200 and fakes[-1]["district"] == "osterholz"
    assert fakes[-1]["start"] == report_web_sample.date(2026, 3, 1) and fakes[-1]["end"] == report_web_sample.date(2026, 3, 31)
    assert ">Osterholz</th>" in chosen.text and ">Verden</th>" not in chosen.text
    assert client.get("/berichte?landkreis=bremen").status_code == 400


def test_the_charts_are_pngs_drawn_once_for_the_same_figures(client, accounts, fakes, tmp_path):  # noqa: F811
    login(client, accounts["lead"].email)
    first = client.get("/berichte/diagramme/funnel.png?von=2026-01-01&bis=2026-11-25")
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    assert first.content.startswith(b"\x89PNG\r\n\x1a\n")
    again = client.get("/berichte/diagramme/durations.png?von=2026-01-01&bis=2026-11-25")
    assert again.status_code == 200
    drawn = [call for call in fakes if call["what"] == "render_charts"]
    assert len(drawn) == 1 and drawn[0]["internal"] is False  # drawn from the suppressed figures, once
    assert len(list((tmp_path / "home" / "reports" / "web").iterdir())) == 1
    client.get("/berichte/diagramme/funnel.png?von=2026-02-01&bis=2026-11-25")  # other figures: drawn anew
    assert len([call for call in fakes if call["what"] == "render_charts"]) == 2
    assert client.get("/berichte/diagramme/etwas.png").status_code == 400


def test_the_downloads_are_suppressed_and_written_to_the_audit_trail(client, accounts, web_engine):  # noqa: F811
    login(client, accounts["lead"].email)
    answer = client.get("/berichte/bericht.json?von=2026-01-01&bis=2026-06-30&intern=1")
    assert answer.status_code == 200
    assert 'filename="bericht-verden-osterholz-2026-01-01-bis-2026-06-30.json"' in answer.headers["content-disposition"]
    data = json.loads(answer.content)
    assert data["internal"] is False and data["districts"]["osterholz"]["under_25"] == "< 3"
    book = client.get("/berichte/bericht.xlsx?von=2026-01-01&bis=2026-06-30&landkreis=verden")
    assert book.status_code == 200 and book.headers["content-type"].startswith("application/vnd.openxmlformats")
    inside = json.loads(zipfile.ZipFile(BytesIO(book.content)).read("report.json"))
    assert inside["internal"] is False and set(inside["districts"]) == {"verden", "all"}
    with Session(web_engine) as session:
        entries = session.exec(select(AuditEvent).where(AuditEvent.action == "report.export")).all()
    assert [(e.actor, json.loads(e.after)["format"], json.loads(e.after)["district"]) for e in entries] == [
        (f"adviser:{accounts['lead'].email}", "json", "alle"), (f"adviser:{accounts['lead'].email}", "xlsx", "verden")]


def test_without_login_the_page_asks_for_one(client):  # noqa: F811
    answer = client.get("/berichte")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/anmelden?next=")
