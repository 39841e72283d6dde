"""The Fälle search in a real browser (Debian's Chromium through Playwright, tests/test_web_browser.py's
server and fixtures): a Verden adviser finds people by a part of the name, by a name with a typo and
by the name in the other script, and does not find the Osterholz case. A screenshot at 1366×768 goes
to `test-output/screenshots/`."""

from __future__ import annotations

import json
import re

import pytest

from tests.test_web_browser import VERDEN, browser, log_in, page, server, shot  # noqa: F401 - fixtures


@pytest.fixture(scope="module")
def verden_people(server, cli_at):  # noqa: F811 - the fixture imported above
    """Two Verden persons, one written in Latin letters and one in Cyrillic, opened with the CLI."""
    cli = cli_at(server["home"])
    made = {}
    for given, family in (("Olena", "Kravchenko"), ("Ірина", "Петренко")):
        result = cli("case", "new", "--given-name", given, "--family-name", family, "--birth-date", "1991-04-05",
                     "--district", "verden", "--language", "uk", "--profession", "Krankenschwester", "--consent", "--json")
        assert result.exit_code == 0, result.stderr[-2000:]
        made[family] = json.loads(result.stdout)["reference"]
    return made


def search(page, base: str, text: str) -> str:  # noqa: F811
    """Type into the Fälle search box and send it with Enter, as an adviser does; the list's text."""
    if "/faelle" not in page.url:
        page.goto(base + "/faelle")
    box = page.locator("#q")
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/faelle\?"))
    page.wait_for_load_state()
    return page.locator("main").inner_text()


def test_an_adviser_finds_people_as_they_type_them(page, server, verden_people):  # noqa: F811
    base = server["base"]
    log_in(page, base, VERDEN)

    listed = search(page, base, "avche")  # a part of the name
    assert "Kravchenko" in listed and verden_people["Kravchenko"] in listed
    assert "Петренко" not in listed

    listed = search(page, base, "Kravhenko")  # a typo
    assert "Kravchenko" in listed

    listed = search(page, base, "Petrenko")  # the other script: Latin typed, Cyrillic stored
    assert "Петренко" in listed and verden_people["Петренко"] in listed
    shot(page, "09-suche-andere-schrift")

    listed = search(page, base, "Кравченко")  # and Cyrillic typed, Latin stored
    assert "Kravchenko" in listed

    listed = search(page, base, "Osterholzova")  # the other district's person: not found
    assert "Keine Fälle gefunden." in listed and server["other"] not in listed
    assert page.viewport_size == {"width": 1366, "height": 768}
