"""A person known in the other district: the same outcome at every door (issue "One place for each use
case"). The person Olena Kowalenko, born 17.05.1990, is registered in Verden (tests.web_fixtures);
opening a case for her in Osterholz is refused by the command line, the CSV import and the web page,
and nothing is stored. Whoever may see Verden is told where she is registered; an Osterholz adviser
is only told to ask the lead, so the page does not reveal that the person exists in Verden."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from adapters.catalogue import load_catalogue
from domain.csvfile import parse_import
from models import Case, Person
from services.importing import import_table
from tests.web_fixtures import (  # noqa: F401  (fixtures)
    TODAY,
    accounts,
    client,
    csrf_token,
    login,
    web_app,
    web_cases,
    web_engine,
)

FORM = {
    "given_name": "Olena", "family_name": "Kowalenko", "birth_date": "17.05.1990", "sex": "f", "district": "osterholz",
    "language": "uk", "profession": "Krankenschwester", "consent": "ja", "consent_by": "Person",
}


def stored(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return len(session.exec(select(Person)).all()), len(session.exec(select(Case)).all())


def post_form(client, data: dict):
    return client.post("/faelle/neu", data={**data, "csrf_token": csrf_token(client, "/faelle/neu")})


def test_the_web_page_refuses_it_without_saying_where_the_person_is_known(client, accounts, web_cases, web_engine):
    before = stored(web_engine)
    login(client, accounts["osterholz"].email)
    response = post_form(client, FORM)
    assert response.status_code == 422
    assert "kann hier nicht erfasst werden; bitte an die Leitung wenden" in response.text
    assert "Verden" not in response.text.split("<main", 1)[1].split("</main>", 1)[0]  # not revealed on the page
    assert stored(web_engine) == before


def test_the_lead_is_told_the_district_where_the_person_is_registered(client, accounts, web_cases, web_engine):
    before = stored(web_engine)
    login(client, accounts["lead"].email)
    response = post_form(client, FORM)
    assert response.status_code == 422
    assert "die Person ist bereits für Landkreis Verden erfasst; bitte den Fall dort anlegen" in response.text
    assert stored(web_engine) == before
    opened = post_form(client, {**FORM, "district": "verden"})  # in her own district the case is opened
    assert opened.status_code == 303 and "angelegt_bekannt" in opened.headers["location"]


def test_the_import_refuses_the_row_naming_the_district(web_engine, web_cases):
    before = stored(web_engine)
    data = ("Vorname;Nachname;Geburtsdatum;Landkreis;Sprache;Beruf\r\n"
            "Olena;Kowalenko;17.05.1990;osterholz;uk;Krankenschwester\r\n"
            "Taras;Melnyk;01.02.1985;osterholz;uk;Elektriker\r\n").encode()
    report = import_table(web_engine, table=parse_import(data, file_name="faelle.csv"), catalogue=load_catalogue(),
                          today=TODAY, actor="test:import")
    assert [(e.row, e.field) for e in report.refused] == [(2, "district")]
    assert "already registered in Landkreis Verden" in report.refused[0].message
    assert [i.row for i in report.imported] == [3]  # the other row is taken
    assert stored(web_engine) == (before[0] + 1, before[1] + 1)


def test_the_command_line_refuses_it_naming_the_district(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from adapters.settings import get_settings
    from welcome_center.cli import app

    monkeypatch.setenv("WELCOME_CENTER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WELCOME_CENTER_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        person = ["--given-name", "Olena", "--family-name", "Kowalenko", "--birth-date", "1990-05-17", "--language", "uk",
                  "--profession", "Krankenschwester"]
        first = runner.invoke(app, ["case", "new", *person, "--district", "verden"])
        assert first.exit_code == 0, first.output
        refused = runner.invoke(app, ["case", "new", *person, "--district", "osterholz"])
        assert refused.exit_code == 2
        assert "district: the person is already registered in Landkreis Verden" in " ".join(refused.output.split())
        assert "Traceback" not in refused.output
        listed = runner.invoke(app, ["case", "list", "--json"])
        assert [row["district"] for row in json.loads(listed.stdout)] == ["verden"]
    finally:
        get_settings.cache_clear()
