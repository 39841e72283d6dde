"""The core pages as an adviser sees them: German text and dates, search, filters, sorting, pages,
the CSV export, the profession lookup, CSRF, security headers, escaping, bad input, accessibility."""

from __future__ import annotations

import json
import csv
import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlmodel import Session, select

from tests.web_fixtures import (  # noqa: F401  (fixtures)
    TODAY,
    accounts,
    client,
    csrf_token,
    login,
    make_case,
    sqlite_engine,
    web_app,
    web_cases,
)


@pytest.fixture
def web_engine(sqlite_engine):
    """The pages are the same on both databases; the scope and login rules run on both."""
    return sqlite_engine


def set_next_due(engine, reference: str, day: date | None) -> None:
    from models.case import Case

    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        case.next_due = day
        session.add(case)
        session.commit()


def table_references(html: str) -> list[str]:
    """The case references in the result table, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r'<td><a href="/faelle/([A-Z]{3}-\d{4}-\d{4})">', body)


@pytest.fixture
def many_cases(web_engine, accounts):
    """30 Verden cases: family names Name00 … Name29, next deadline 1 … 30 November 2026."""
    references = []
    for i in range(30):
        reference = make_case(web_engine, given_name=f"Vorname{i:02d}", family_name=f"Name{i:02d}", district="verden",
                              profession="Elektriker" if i % 2 else "Krankenschwester",
                              adviser_id=accounts["verden"].id if i < 10 else None)
        set_next_due(web_engine, reference, date(2026, 11, 1 + i))
        references.append(reference)
    return references


# ------------------------------------------------------------------------------------ pages


def test_overview_shows_overdue_and_this_weeks_deadlines_in_german(client, accounts, web_cases, web_engine):
    set_next_due(web_engine, web_cases["verden"], date(2026, 11, 20))
    other = make_case(web_engine, given_name="Mira", family_name="Sommer", district="verden", profession="Elektriker")
    set_next_due(web_engine, other, date(2026, 11, 27))
    later = make_case(web_engine, given_name="Jonas", family_name="Winter", district="verden", profession="Elektriker")
    set_next_due(web_engine, later, date(2026, 12, 3))  # next week: not on the overview
    login(client, accounts["verden"].email)
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert "Überfällige Fristen (1)" in text
    assert "20.11.2026 (überfällig)" in text
    assert "Fristen diese Woche (1)" in text
    assert "27.11.2026" in text and "Sommer, Mira" in text
    assert later not in text and "03.12.2026" not in text
    assert "Fälle nach Stand" in text and "Aufnahme" in text
    assert "Stand: 25.11.2026" in text
    assert "Alle Erinnerungen wurden zugestellt." in text
    assert "Keine Dateien in Quarantäne." in text


def test_case_list_shows_german_states_and_dates(client, accounts, web_cases, web_engine):
    set_next_due(web_engine, web_cases["verden"], date(2026, 12, 1))
    login(client, accounts["verden"].email)
    page = client.get("/faelle")
    assert page.status_code == 200
    assert "Kowalenko, Olena" in page.text
    assert "Pflegefachfrau/<wbr>Pflegefachmann" in page.text  # wraps at the slash, not inside a word
    assert "Aufnahme" in page.text and "01.12.2026" in page.text
    assert "1 Fall, sortiert nach „nächste Frist“ (aufsteigend)." in page.text


@pytest.mark.parametrize("term", ["Name07", "name07", "Vorname07", "VER-2026-0008", "ver-2026-0008"])
def test_search_by_name_or_reference(client, accounts, many_cases, term):
    login(client, accounts["verden"].email)
    page = client.get("/faelle", params={"q": term})
    assert table_references(page.text) == [many_cases[7]], term  # the fixture's cases start at VER-2026-0001


def test_search_by_profession_finds_the_typed_word_and_the_reference_occupation(client, accounts, many_cases):
    login(client, accounts["verden"].email)
    typed = table_references(client.get("/faelle", params={"q": "elektriker", "per_page": 100}).text)
    assert sorted(typed) == sorted(many_cases[1::2])
    occupation = table_references(client.get("/faelle", params={"q": "pflegefach", "per_page": 100}).text)
    assert sorted(occupation) == sorted(many_cases[0::2])


def test_search_treats_like_wildcards_as_text(client, accounts, many_cases):
    login(client, accounts["verden"].email)
    assert "Keine Fälle gefunden." in client.get("/faelle", params={"q": "%"}).text
    assert "Keine Fälle gefunden." in client.get("/faelle", params={"q": "Name_7"}).text


def test_pagination(client, accounts, many_cases):
    login(client, accounts["verden"].email)
    first = client.get("/faelle", params={"per_page": 25})
    assert table_references(first.text) == many_cases[:25]
    assert "1–25 von 30 Fällen" in first.text
    assert "Seite 1 von 2" in first.text
    assert 'href="/faelle?per_page=25&amp;page=2" rel="next"' in first.text
    second = client.get("/faelle", params={"per_page": 25, "page": 2})
    assert table_references(second.text) == many_cases[25:]
    assert "26–30 von 30 Fällen" in second.text
    beyond = client.get("/faelle", params={"per_page": 25, "page": 9})
    assert beyond.status_code == 200 and "Diese Seite ist leer." in beyond.text


def test_sorting_by_name_and_deadline_both_ways(client, accounts, many_cases):
    login(client, accounts["verden"].email)
    by_name_desc = table_references(client.get("/faelle", params={"sort": "name", "dir": "desc", "per_page": 25}).text)
    assert by_name_desc[:3] == [many_cases[29], many_cases[28], many_cases[27]]
    by_due_desc = table_references(client.get("/faelle", params={"sort": "next_due", "dir": "desc", "per_page": 25}).text)
    assert by_due_desc[0] == many_cases[29]
    by_reference = table_references(client.get("/faelle", params={"sort": "reference", "per_page": 25}).text)
    assert by_reference == sorted(by_reference)
    page = client.get("/faelle", params={"sort": "name"}).text
    assert 'aria-sort="ascending"' in page and "sortiert nach „Name“ (aufsteigend)" in page


def test_filters_overdue_state_and_adviser(client, accounts, many_cases, web_engine):
    from domain.calendar import lower_saxony_calendar
    from domain.lifecycle import Event
    from models.case import Case
    from services.cases import advance_case

    with Session(web_engine) as session:
        case = session.exec(select(Case).where(Case.reference == many_cases[3])).one()
        advance_case(session, case=case, event=Event.COLLECT, on=TODAY, actor="test", calendar=lower_saxony_calendar())
        session.commit()
    set_next_due(web_engine, many_cases[3], date(2026, 11, 4))
    login(client, accounts["verden"].email)
    overdue = client.get("/faelle", params={"overdue": "1", "per_page": 100}).text
    assert table_references(overdue) == many_cases[:24]  # due 1 … 24 November, before the 25th
    assert "(überfällig)" in overdue
    collecting = client.get("/faelle", params={"state": "collecting_documents"}).text
    assert table_references(collecting) == [many_cases[3]]
    assert "Unterlagen werden gesammelt" in collecting
    mine = client.get("/faelle", params={"adviser": accounts["verden"].id, "per_page": 100}).text
    assert table_references(mine) == many_cases[:10]


def test_csv_export_is_german_excel_ready_and_neutralises_formulas(client, accounts, web_engine, web_cases):
    make_case(web_engine, given_name="@SUMME(A1)", family_name="=HYPERLINK(\"http://evil.example\")",
              district="verden", profession="Elektriker")
    login(client, accounts["verden"].email)
    response = client.get("/faelle.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="faelle-2026-11-25.csv"' == response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Aktenzeichen", "Landkreis", "Stand"]
    evil = next(r for r in rows if "HYPERLINK" in r[4])
    assert evil[4] == "'=HYPERLINK(\"http://evil.example\")"
    assert evil[3] == "'@SUMME(A1)"
    assert any(r[0] == web_cases["verden"] and r[2] == "Aufnahme" for r in rows)
    filtered = client.get("/faelle.csv", params={"q": "Kowalenko"}).content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(filtered), delimiter=";"))) == 2


@pytest.mark.parametrize("profession", ["|cmd '/c calc'!A0", "=1+1", "+49 4231", "-2+3", "@SUMME(A1)"])
def test_a_profession_that_starts_a_formula_or_a_dde_call_is_neutralised_in_the_export(client, accounts, web_engine, profession):
    reference = make_case(web_engine, given_name="Pia", family_name="Pipe", district="verden", profession=profession)
    login(client, accounts["verden"].email)
    rows = list(csv.reader(io.StringIO(client.get("/faelle.csv").content.decode("utf-8-sig")), delimiter=";"))
    row = next(r for r in rows if r[0] == reference)
    assert row[5] == "'" + profession


def test_csv_export_is_recorded_in_the_audit_trail(client, accounts, web_cases, web_engine):
    from models.audit import AuditEvent

    login(client, accounts["verden"].email)
    client.get("/faelle.csv", params={"q": "Kowalenko"})
    with Session(web_engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.export")).one()
    assert event.actor == "adviser:vera.beispiel@welcome-center.example"
    after = json.loads(event.after)
    assert after["rows"] == 1 and after["selection"]["search"] is True and after["channel"] == "web"
    assert "Kowalenko" not in event.after  # what was searched for can be a name: no personal value in the trail


def test_lookup_shows_both_districts_with_body_contact_and_reason(client, accounts):
    login(client, accounts["osterholz"].email)
    page = client.get("/zustaendigkeit", params={"profession": "Krankenschwester"})
    assert page.status_code == 200
    text = page.text
    assert "<h3>Landkreis Verden</h3>" in text and "<h3>Landkreis Osterholz</h3>" in text
    assert text.count("Pflegefachfrau/Pflegefachmann") >= 2
    assert "Anerkennung ist Pflicht" in text
    assert "4SL3@ls.niedersachsen.de" in text  # the body's contact
    assert "Begründung" in text and "Rechtsgrundlage" in text


def test_lookup_offers_candidates_for_an_unclear_profession(client, accounts):
    login(client, accounts["verden"].email)
    text = client.get("/zustaendigkeit", params={"profession": "Techniker"}).text
    assert text.count("ist keinem Referenzberuf sicher zuzuordnen") == 2  # once per district
    assert "<caption>Vorschläge</caption>" in text
    assert re.search(r'<a href="/zustaendigkeit\?profession=[^"]+">[^<]+</a></td><td class="num">\d+ %</td>', text)
    unknown = client.get("/zustaendigkeit", params={"profession": "Qwrtzpflx"}).text
    assert "„Qwrtzpflx“ ist unbekannt." in unknown


def test_lookup_with_bad_input_answers_in_german(client, accounts):
    login(client, accounts["verden"].email)
    too_long = client.get("/zustaendigkeit", params={"profession": "x" * 300})
    assert too_long.status_code == 400
    assert "Der Beruf ist zu lang: höchstens 200 Zeichen." in too_long.text
    empty = client.get("/zustaendigkeit")
    assert empty.status_code == 200 and 'id="profession"' in empty.text


def test_routing_api_gives_a_fragment_or_json(client, accounts):
    login(client, accounts["verden"].email)
    fragment = client.get("/api/routing", params={"profession": "Elektriker", "district": "osterholz"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "Handwerkskammer" in fragment.text and "<h3>Landkreis Osterholz</h3>" in fragment.text
    as_json = client.get("/api/routing", params={"profession": "Elektriker", "district": "verden", "format": "json"})
    assert as_json.json()["regulated"] is False
    assert as_json.json()["district"] == "verden"
    missing = client.get("/api/routing", params={"profession": "Elektriker"})
    assert missing.status_code == 400 and "Bitte zuerst den Landkreis wählen" in missing.text
    client.post("/abmelden", data={"csrf_token": csrf_token(client)})
    expired = client.get("/api/routing", params={"profession": "Elektriker", "district": "verden"})
    assert expired.status_code == 401 and "Bitte melden Sie sich erneut an." in expired.text


def test_routing_api_refuses_an_empty_profession_in_german(client, accounts):
    login(client, accounts["verden"].email)
    assert client.get("/api/routing", params={"profession": "", "district": "verden", "format": "json"}).json() == {
        "error": "Bitte einen Beruf eingeben, z. B. „Krankenschwester“."
    }


# ------------------------------------------------------------------------------------ security


def test_logout_without_csrf_token_is_refused_and_the_session_stays(client, accounts):
    login(client, accounts["verden"].email)
    refused = client.post("/abmelden", data={})
    assert refused.status_code == 403
    assert "Formular abgelehnt" in refused.text and "Sicherheitsmerkmal fehlt" in refused.text
    wrong = client.post("/abmelden", data={"csrf_token": "geraten"})
    assert wrong.status_code == 403
    assert client.get("/").status_code == 200
    assert client.post("/abmelden", headers={"X-CSRF-Token": csrf_token(client)}).status_code == 303


def test_the_csrf_token_of_one_session_does_not_work_for_another(web_app, client, accounts):
    from fastapi.testclient import TestClient

    login(client, accounts["verden"].email)
    stolen = csrf_token(client)
    with TestClient(web_app, follow_redirects=False) as other:
        login(other, accounts["osterholz"].email)
        assert other.post("/abmelden", data={"csrf_token": stolen}).status_code == 403


@pytest.mark.parametrize("path", ["/", "/faelle", "/anmelden", "/gibt-es-nicht", "/static/app.css", "/faelle?page=x"])
def test_security_headers_on_every_response(client, accounts, path):
    if path != "/anmelden":
        login(client, accounts["verden"].email)
    response = client.get(path)
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    if not path.startswith("/static"):
        assert headers["cache-control"] == "no-store"


def test_a_script_in_a_name_is_shown_as_text(client, accounts, web_engine):
    make_case(web_engine, given_name="<script>alert(1)</script>", family_name="<img src=x onerror=alert(2)>",
              district="verden", profession="<b>Elektriker</b>")
    script = "<script>alert(1)</script>"
    login(client, accounts["verden"].email)
    for response in (client.get("/faelle"), client.get("/faelle", params={"q": "<script>"}), client.get("/")):
        assert script not in response.text
        assert "<img src=x" not in response.text and "<b>Elektriker</b>" not in response.text
    listing = client.get("/faelle").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert "&lt;img src=x onerror=alert(2)&gt;" in listing
    searched = client.get("/zustaendigkeit", params={"profession": "<script>alert(3)</script>"}).text
    assert "<script>alert(3)" not in searched and "&lt;script&gt;alert(3)&lt;/script&gt;" in searched


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "abc"}, "Seite: „abc“ ist keine gültige Zahl."),
        ({"page": "0"}, "Seite: die Zahl muss mindestens 1 sein."),
        ({"page": "-3"}, "Seite: „-3“ ist keine gültige Zahl."),
        ({"per_page": "7"}, "Fälle pro Seite: 25, 50, 100, 200."),
        ({"sort": "passwort"}, "Unbekannte Sortierung „passwort“."),
        ({"dir": "seitwärts"}, "Die Sortierrichtung ist"),
        ({"state": "verloren"}, "Unbekannter Stand „verloren“."),
        ({"district": "bremen"}, "Unbekannter Landkreis „bremen“."),
        ({"adviser": "x1"}, "Beraterin/Berater: „x1“ ist keine gültige Zahl."),
        ({"overdue": "vielleicht"}, "„überfällig“ erwartet ja oder nein"),
        ({"q": "a" * 101}, "Der Suchbegriff ist zu lang"),
        ({"q": "Name\x00"}, "Steuerzeichen"),
    ],
)
def test_bad_list_parameters_get_a_german_400(client, accounts, params, message):
    login(client, accounts["verden"].email)
    for path in ("/faelle", "/faelle.csv"):
        response = client.get(path, params=params)
        assert response.status_code == 400, path
        assert "Ungültige Eingabe" in response.text
        assert message in response.text
        assert "Traceback" not in response.text


def test_unknown_page_is_a_german_404(client, accounts):
    login(client, accounts["verden"].email)
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "<h1>Nicht gefunden</h1>" in response.text
    assert 'lang="de"' in response.text


def test_wrong_method_is_a_german_405(client, accounts):
    login(client, accounts["verden"].email)
    response = client.post("/faelle.csv", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 405
    assert "Nicht erlaubt" in response.text


# ------------------------------------------------------------------------------------ accessibility


class FormAudit(HTMLParser):
    """Collects what an accessibility check looks at: fields and their labels, inline code."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []
        self.labels: set[str] = set()
        self.inline_script = False
        self.inline_style = False
        self.html_lang = None
        self.skip_link = False
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if "style" in a:
            self.inline_style = True
        if any(name.startswith("on") for name in a):
            self.inline_script = True
        if tag == "style":
            self.inline_style = True
        if tag == "script" and not a.get("src"):
            self.inline_script = True
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(a.get("id") or f"<{tag} name={a.get('name')} without id>")
        if tag == "a" and a.get("href") == "#inhalt" and "skip-link" in (a.get("class") or ""):
            self.skip_link = True


@pytest.mark.parametrize("path", ["/", "/faelle", "/zustaendigkeit?profession=Krankenschwester", "/anmelden", "/gibt-es-nicht"])
def test_pages_are_german_labelled_and_free_of_inline_code(client, accounts, web_cases, path):
    if path != "/anmelden":
        login(client, accounts["lead"].email)
    audit = FormAudit()
    audit.feed(client.get(path).text)
    assert audit.html_lang == "de"
    assert audit.skip_link
    assert not audit.inline_script and not audit.inline_style
    unlabelled = [field for field in audit.fields if field not in audit.labels]
    assert unlabelled == []


def test_stylesheet_has_a_visible_focus_style(client):
    css = client.get("/static/app.css").text
    assert ":focus-visible" in css and "outline: 3px solid" in css
