"""An adviser's day in a real browser (Debian's Chromium via Playwright, as tests/test_web_browser.py):
log in, open the overdue case from the Übersicht, see first what is missing, upload a document,
correct a wrongly dated step, write a letter and download it as PDF, find a person by part of the
name. Screenshots at 1366×768 go to `test-output/screenshots/` (day-*.png); no page is wider than
the window.

Without Chromium or Playwright these tests skip on a developer's machine and fail when CI is set;
the PDF step likewise needs LibreOffice (`soffice`).
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta

import pytest

from adapters.pdf import soffice
from tests.test_web_browser import PASSWORD, SHOTS, browser, log_in, serving  # noqa: F401 - fixtures
from welcome_center.demo import samples

ADVISER = "dora.tag@welcome-center.example"
LONG_PROFESSION = ("Fachkraft für Instandhaltungsmechatronik-und-Industrieanlagenelektroniksystemintegration "
                   "Maschinenbautechnikerkonstruktionsfachkraftspezialistin")
WIDTH = 1366


@pytest.fixture(scope="module")
def day(tmp_path_factory, cli_env, cli_at):
    """`welcome-center serve` with an adviser and two Verden cases: one whose person deadline is
    overdue, its deadline set on a day two days too early; one with a very long profession."""
    home = tmp_path_factory.mktemp("day-home")
    env = dict(cli_env, WELCOME_CENTER_HOME=str(home))
    in_process = cli_at(home)

    def cli(*args: str):
        result = in_process(*args)
        assert result.exit_code == 0, result.stderr[-2000:]
        return result

    today = date.today()
    cli("adviser", "add", "--name", "Dora Tag", "--email", ADVISER, "--district", "verden", "--password", PASSWORD)
    overdue = json.loads(cli("case", "new", "--given-name", "Halyna", "--family-name", "Tkachenko-Bereza",
                             "--birth-date", "14.02.1988", "--district", "verden", "--language", "uk",
                             "--profession", "Krankenschwester", "--consent", "--json").stdout)["reference"]
    cli("case", "advance", overdue, "collect", "--on", (today - timedelta(days=40)).strftime("%d.%m.%Y"))
    cli("case", "advance", overdue, "set_deadline", "--on", (today - timedelta(days=32)).strftime("%d.%m.%Y"),
        "--period", "14d")
    cli("address", overdue, "--street", "Am Wall 3", "--postcode", "27283", "--city", "Verden (Aller)")
    cli("case", "new", "--given-name", "Maximilian-Alexander", "--family-name", "Langername-Mustermann",
        "--birth-date", "1985-07-01", "--district", "verden", "--language", "de", "--profession", LONG_PROFESSION,
        "--consent", "--json")
    with serving(env) as base:
        yield {"base": base, "overdue": overdue, "today": today}


@pytest.fixture()
def page(day, browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 768}, locale="de-DE", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"day-{name}.png"), full_page=True)


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_advisers_day(page, day):
    base, reference, today = day["base"], day["overdue"], day["today"]
    log_in(page, base, ADVISER)
    shot(page, "01-uebersicht")

    # the overdue case, from the Übersicht: the list names the deadline
    overdue = page.locator("#ueberfaellig + table")
    assert "Frist für die Person" in overdue.inner_text()
    overdue.get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(f"/faelle/{reference}"))

    # first on the page: the next deadline, what is missing, the next step
    first = page.locator("main section").first
    assert first.get_attribute("id") == "jetzt"
    assert "überfällig" in first.inner_text() and "Es fehlt" in first.inner_text()
    missing = first.locator(".missing-list li").first.get_attribute("data-item")
    shot(page, "02-fall-ueberfaellig")
    first.screenshot(path=str(SHOTS / "day-02a-auf-einen-blick.png"))

    # upload a document for that item: one form, the item chosen by name
    page.locator("#upload-unterlage").select_option(missing)
    page.locator("#upload-datei").set_input_files({"name": "Nachweis.pdf", "mimeType": "application/pdf",
                                                  "buffer": samples.pdf("Nachweis")})
    page.get_by_role("button", name="Hochladen").click()
    page.wait_for_load_state()
    checklist = page.locator("#checkliste")
    assert "Datei geprüft und zum Fall genommen" in checklist.inner_text()  # the message where the action was
    assert checklist.get_by_role("link", name="Nachweis.pdf").count() == 1
    shot(page, "03-hochgeladen")

    # a scan whose name carries an invisible character lands in quarantine; after a look it goes to the case
    page.locator("#upload-datei").set_input_files({"name": "Zeugnis\u202efdp.pdf", "mimeType": "application/pdf",
                                                  "buffer": samples.pdf("Zeugnis")})
    page.get_by_role("button", name="Hochladen").click()
    page.wait_for_load_state()
    assert "Quarantäne" in page.locator("#checkliste .notice-error").inner_text()
    page.goto(base + "/")
    page.get_by_role("link", name=re.compile("Dateien in Quarantäne")).first.click()
    page.wait_for_url(re.compile("/quarantaene"))
    row = page.locator("table.quarantine tbody tr").first
    assert "Zeugnis<U+202E>fdp.pdf" in row.inner_text() and row.get_by_role("link", name=reference).count() == 1
    assert width(page) <= WIDTH
    shot(page, "03b-quarantaene")
    row.get_by_label(re.compile("geprüft")).check()
    row.get_by_role("button", name="Dem Fall zuordnen").click()
    page.wait_for_url(re.compile(f"/faelle/{reference}"))
    assert "aus der Quarantäne dem Fall zugeordnet" in page.locator("#checkliste").inner_text()

    # the deadline was set two days too early: correct step 2; the deadline moves by two days
    wrong, right = today - timedelta(days=32), today - timedelta(days=30)
    step = page.locator("#schritt-2")
    step.locator("summary", has_text="Datum korrigieren").click()
    step.get_by_label(re.compile("Richtiges Datum")).fill(right.strftime("%d.%m.%Y"))
    step.get_by_label(re.compile("Grund")).fill("Brief erst zwei Tage später versandt")
    step.get_by_role("button", name="Datum korrigieren").click()
    page.wait_for_load_state()
    assert "Datum berichtigt" in page.locator("#schritte").inner_text()
    steps = page.locator("table.steps").inner_text()
    assert wrong.strftime("%d.%m.%Y") in steps and right.strftime("%d.%m.%Y") in steps  # both kept
    assert "Berichtigung von Nr. 2" in steps
    shot(page, "04-datum-berichtigt")
    page.locator("#schritte").screenshot(path=str(SHOTS / "day-04a-schritte.png"))

    # a letter (the cover letter to the body: the person's deadline has passed), downloaded as PDF
    page.locator("#brief-art").select_option("body_cover")
    page.locator("#brief-sprache").select_option("de")
    page.get_by_role("button", name="Brief schreiben").click()
    page.wait_for_load_state()
    letters = page.locator("#briefe")
    assert "Brief geschrieben" in letters.inner_text()
    assert re.search(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d", letters.locator("table").inner_text())  # the time written
    shot(page, "05-brief")
    letters.screenshot(path=str(SHOTS / "day-05a-briefe.png"))
    if soffice() is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("LibreOffice (soffice) is not installed: no PDF")
    href = letters.get_by_role("link", name=re.compile("PDF herunterladen")).first.get_attribute("href")
    probe = page.request.get(base + href, timeout=120_000)
    assert probe.status == 200, probe.text()[:3000]
    with page.expect_download(timeout=120_000) as downloaded:
        letters.get_by_role("link", name=re.compile("PDF herunterladen")).first.click()
    assert open(downloaded.value.path(), "rb").read(5) == b"%PDF-"

    # find a person by part of the name
    page.goto(base + "/faelle")
    page.locator("#q").fill("Tkachenko")
    page.locator("#q").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_role("link", name=reference).count() >= 1
    shot(page, "06-suche")


def test_no_page_is_wider_than_the_window(page, day):
    base, reference = day["base"], day["overdue"]
    log_in(page, base, ADVISER)
    for name, path in (("uebersicht", "/"), ("faelle", "/faelle"), ("fall", f"/faelle/{reference}"),
                       ("quarantaene", "/quarantaene"), ("briefe", f"/faelle/{reference}#briefe"),
                       ("neuer-fall", "/faelle/neu")):
        page.goto(base + path)
        page.wait_for_load_state()
        assert width(page) <= WIDTH, f"{path} is {width(page)} px wide"
        shot(page, f"breite-{name}")
    page.goto(base + "/faelle?q=Langername")
    assert "Langername" in page.locator("main").inner_text()
    assert width(page) <= WIDTH
    shot(page, "breite-langer-beruf")
