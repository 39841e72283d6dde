"""The Berichte page in Chromium at 1366×768 for the lead and for an adviser (screenshots
`berichte-*.png` in test-output/screenshots/): the figures, the four charts loaded as pictures, no
horizontal scrolling, a wrong date named at its field, and the adviser's page without the other
district. The server is the real one (`welcome-center serve`) on a state folder with a few invented
cases in both districts, so the real report, its suppression and the real charts are on the page."""

from __future__ import annotations

import re

import pytest

from tests.test_web_browser import CHROMIUM, PASSWORD, _missing, serving, shot  # noqa: F401

LEAD = "lena.bericht@welcome-center.example"
ADVISER = "vera.bericht@welcome-center.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory, cli_env, cli_at):
    home = tmp_path_factory.mktemp("report-browser-home")
    cli = cli_at(home)
    for args in (("--name", "Lena Leitung", "--email", LEAD, "--role", "lead"),
                 ("--name", "Vera Beratung", "--email", ADVISER, "--district", "verden")):
        made = cli("adviser", "add", *args, "--password", PASSWORD)
        assert made.exit_code == 0, made.stderr
    people = (("Olena", "Koval", "1991-03-04", "verden", "f"), ("Iryna", "Bondar", "2003-05-06", "verden", "f"),
              ("Ahmad", "Haidari", "1988-01-02", "verden", "m"), ("Amal", "Haddad", "1995-07-08", "osterholz", "f"),
              ("Zeynep", "Aydın", "2004-09-10", "osterholz", "f"))
    for given, family, birth, district, sex in people:
        made = cli("case", "new", "--given-name", given, "--family-name", family, "--birth-date", birth,
                   "--district", district, "--language", "uk", "--profession", "Pflegefachfrau", "--sex", sex,
                   "--consent", "--json")
        assert made.exit_code == 0, made.stderr
    with serving(dict(cli_env, WELCOME_CENTER_HOME=str(home))) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[test]'")
    import os

    if not os.path.exists(CHROMIUM):
        _missing(f"Chromium is not at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


def open_as(browser, base: str, email: str):
    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE").new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="Berichte", exact=True).click()
    page.wait_for_url(re.compile(r"/berichte$"))
    return page


def charts_loaded(page) -> list[int]:
    """The natural widths of the chart pictures once all have loaded (polled with evaluate: the page's
    Content-Security-Policy forbids the eval that wait_for_function uses)."""
    import time

    for image in page.locator(".chart img").all():
        image.scroll_into_view_if_needed()
    for _ in range(100):
        widths = page.evaluate("() => [...document.querySelectorAll('.chart img')].map(i => i.complete ? i.naturalWidth : -1)")
        if widths and all(width > 0 for width in widths):
            return widths
        time.sleep(0.1)
    raise AssertionError(f"the charts did not load: {widths}")


def test_the_lead_sees_both_districts_the_charts_and_exact_figures_on_request(server, browser):
    page = open_as(browser, server, LEAD)
    assert page.locator("h1").inner_text() == "Berichte"
    assert len(charts_loaded(page)) == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    header = page.locator("table.figures").first.locator("thead").inner_text()
    assert "Verden" in header and "Osterholz" in header and "beide" in header
    shot(page, "berichte-01-leitung")
    page.get_by_label("intern (ungeschwärzt)").check()
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_url(re.compile(r"intern=1"))
    assert "Interne Ansicht" in page.locator("[role=status]").inner_text()
    shot(page, "berichte-02-leitung-intern")
    page.get_by_label("Von").fill("31.02.2026")
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_url(re.compile(r"von=31.02.2026"))
    assert "Von: „31.02.2026“ ist kein gültiges Datum" in page.locator("#von-fehler").inner_text()
    shot(page, "berichte-03-leitung-falsches-datum")
    page.context.close()


def test_an_adviser_sees_their_district_only(server, browser):
    page = open_as(browser, server, ADVISER)
    assert len(charts_loaded(page)) == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert page.locator("#landkreis").count() == 0 and page.get_by_label("intern (ungeschwärzt)").count() == 0
    assert "Osterholz" not in page.locator("main").inner_text()
    shot(page, "berichte-04-beratung-verden")
    page.get_by_label("Von").fill("01.03.2026")
    page.get_by_label("Bis").fill("31.03.2026")
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_url(re.compile(r"bis=31.03.2026"))
    assert "01.03.2026 bis 31.03.2026" in page.locator("[role=status]").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel-Datei herunterladen").click()
    assert download.value.suggested_filename == "bericht-verden-2026-03-01-bis-2026-03-31.xlsx"
    page.context.close()
