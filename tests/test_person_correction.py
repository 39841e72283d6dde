"""Correcting a person's data (Art. 16 DSGVO) on the command line and the case page: checked by the
parsers of a new person, refused with the field named, refused when it would make the person the same
as another, audited with before and after (readable through services.audit.history), the search
finds the new name, and letters written before stay exactly as they were sent."""

import hashlib
import json
from datetime import date

import pytest
from sqlmodel import Session, select

from domain.validation import FieldError
from models import Letter, Person
from models.selectors import cases_page
from services.audit import history
from services.cases import correct_person, find_or_create_person, open_case, parse_person_correction
from tests.web_fixtures import accounts, client, csrf_token, login, make_case, web_app, web_cases, web_engine  # noqa: F401

TODAY = date(2026, 11, 25)
ACTOR = "test:correction"
DISTRICTS = ["verden", "osterholz"]


def person_and_case(session, catalogue, *, given="Halyna", family="Sternbeck", birth=date(1989, 4, 12)):
    person, _ = find_or_create_person(session, actor=ACTOR, given_name=given, family_name=family, birth_date=birth,
                                      language="uk", district="verden", email="halyna@example.org")
    case = open_case(session, person=person, profession_text="Pflegefachfrau", catalogue=catalogue, today=TODAY, actor=ACTOR)
    session.commit()
    return person, case


# ---------------------------------------------------------------------------------------- the service


def test_a_correction_is_parsed_like_a_new_person_and_names_the_field(session, catalogue):
    person, _ = person_and_case(session, catalogue)
    for changes, field in [({"email": "halyna.example.org"}, "email"), ({"birth_date": "31.02.1989"}, "birth_date"),
                           ({"birth_date": "2027-01-01"}, "birth_date"), ({"language": "Ukrainisch"}, "language"),
                           ({"family_name": ""}, "family_name"), ({"latin_given_name": "Halyna"}, "latin_family_name"),
                           ({"sex": "q"}, "sex"), ({"receives_buergergeld": "vielleicht"}, "receives_buergergeld")]:
        errors = parse_person_correction(person, changes, today=TODAY, districts=DISTRICTS)
        assert isinstance(errors, list) and errors[0].field == field, (changes, errors)
        assert errors[0].message and errors[0].message_de
    nothing = parse_person_correction(person, {"email": "halyna@example.org", "language": "UK"}, today=TODAY,
                                      districts=DISTRICTS)
    assert [e.code for e in nothing] == ["person.nothing_to_correct"]  # the same as stored is no change
    corrected = parse_person_correction(person, {"email": "", "birth_date": "12.04.1988", "receives_buergergeld": "ja",
                                                 "arrival_date": "2022-03-15", "language": "uk"},
                                        today=TODAY, districts=DISTRICTS)
    assert corrected == {"email": None, "birth_date": date(1988, 4, 12), "receives_buergergeld": True,
                         "arrival_date": date(2022, 3, 15)}


def test_a_correction_is_audited_with_before_and_after_and_the_search_finds_the_new_name(session, catalogue):
    person, case = person_and_case(session, catalogue)
    corrected = parse_person_correction(person, {"family_name": "Sternbeck-Ilyin", "phone": "+49 4231 55501"},
                                        today=TODAY, districts=DISTRICTS)
    correct_person(session, person=person, corrected=corrected, actor="adviser:vera@example.org")
    session.commit()
    entries = [e for e in history(session, case_reference=case.reference, person_id=person.id) if e.action == "person.correct"]
    assert len(entries) == 1 and entries[0].actor == "adviser:vera@example.org"
    assert json.loads(entries[0].before) == {"family_name": "Sternbeck", "phone": None}
    assert json.loads(entries[0].after) == {"family_name": "Sternbeck-Ilyin", "phone": "+49 4231 55501"}
    stored = session.get(Person, person.id)
    assert stored.identity_key.endswith("\x1fsternbeck-ilyin")

    def found(words):
        return [row.reference for row in cases_page(session, today=TODAY, search=words).rows]
    assert found("Sternbeck-Ilyin") == [case.reference]
    assert found("Halyna Sternbeck-Ilyin") == [case.reference]


def test_a_correction_that_makes_the_person_another_one_on_file_is_refused_and_nothing_changes(session, catalogue):
    _, other_case = person_and_case(session, catalogue, given="Mariia", family="Olhovska", birth=date(1990, 1, 2))
    person, case = person_and_case(session, catalogue, given="Maria", family="Olhovska", birth=date(1990, 1, 2))
    corrected = parse_person_correction(person, {"given_name": "MARIIA"}, today=TODAY, districts=DISTRICTS)
    with pytest.raises(FieldError) as clash:
        correct_person(session, person=person, corrected=corrected, actor=ACTOR)
    session.rollback()
    assert clash.value.field == "given_name" and other_case.reference in clash.value.message
    assert session.get(Person, person.id).given_name == "Maria"
    assert not [e for e in history(session, case_reference=case.reference, person_id=person.id) if e.action == "person.correct"]


# ---------------------------------------------------------------------------------------- the command line


@pytest.fixture
def cli(cli):
    cli.env["WELCOME_CENTER_ACTOR"] = "test:adviser"
    return cli


def new_case(cli, given, family, birth):
    created = cli("case", "new", "--given-name", given, "--family-name", family, "--birth-date", birth, "--district",
                  "verden", "--language", "uk", "--profession", "Pflegefachfrau", "--email", "tetiana@example.org",
                  "--consent", "--json")
    assert created.exit_code == 0, created.stderr
    return json.loads(created.stdout)["reference"]


def letter_hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_person_correct_on_the_command_line_leaves_the_letters_written_before_as_they_were(cli):
    ref = new_case(cli, "Tetiana", "Rauschenplat", "1986-07-21")
    other = new_case(cli, "Bohdana", "Rauschenplat", "1986-07-21")
    assert cli("case", "advance", ref, "collect").exit_code == 0
    assert cli("address", ref, "--street", "Ostertorstraße 4", "--postcode", "27283", "--city", "Verden (Aller)").exit_code == 0
    assert cli("letter", ref, "checklist").exit_code == 0
    letters = cli.home / "cases" / ref / "letters"
    before = letter_hashes(letters)
    assert len(before) == 1
    rows_before = json.loads(cli("letters", ref, "--json").stdout)

    bad = cli("person", "correct", ref, "--email", "tetiana(at)example.org", "--birth-date", "1986-13-01")
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr
    assert "email (--email)" in bad.stderr and "birth_date (--birth-date)" in bad.stderr
    clash = cli("person", "correct", ref, "--given-name", "Bohdana")
    assert clash.exit_code == 2 and "another person with this given name, family name and birth date" in clash.stderr
    assert other in clash.stderr
    assert cli("person", "correct", ref).exit_code == 2  # nothing given

    done = cli("person", "correct", ref, "--family-name", "Rauschenplat-Koval", "--email", "t.koval@example.org",
               "--buergergeld", "ja", "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == {
        "reference": ref, "before": {"family_name": "Rauschenplat", "email": "tetiana@example.org", "receives_buergergeld": False},
        "after": {"family_name": "Rauschenplat-Koval", "email": "t.koval@example.org", "receives_buergergeld": True}}
    assert "Rauschenplat-Koval" in cli("case", "show", ref).stdout
    assert letter_hashes(letters) == before  # the files as they were sent
    assert json.loads(cli("letters", ref, "--json").stdout) == rows_before  # and their rows
    trail = json.loads(cli("case", "history", ref, "--json").stdout)
    [entry] = [e for e in trail if e["action"] == "person.correct"]
    assert entry["actor"] == "test:adviser" and "Rauschenplat-Koval" in entry["after"] and "Rauschenplat\"" in entry["before"]


# ---------------------------------------------------------------------------------------- the case page


def test_the_case_page_corrects_the_person_names_a_bad_field_and_refuses_an_identity_clash(
        client, accounts, web_cases, web_engine):
    ref = web_cases["verden"]  # Olena Kowalenko, born 17.05.1990
    twin = make_case(web_engine, given_name="Olena", family_name="Kowalenko-Sas", district="verden",
                     profession="Krankenschwester", adviser_id=accounts["verden"].id)
    login(client, accounts["verden"].email)
    token = csrf_token(client, f"/faelle/{ref}")
    page = client.get(f"/faelle/{ref}").text
    assert "Angaben der Person berichtigen (Art. 16 DSGVO)" in page and 'value="17.05.1990"' in page
    form = {"csrf_token": token, "given_name": "Olena", "family_name": "Kowalenko", "latin_given_name": "",
            "latin_family_name": "", "birth_date": "17.05.1990", "email": "", "phone": "", "language": "uk", "sex": "",
            "receives_buergergeld": "nein", "arrival_date": ""}

    bad = client.post(f"/faelle/{ref}/person", data={**form, "email": "olena@", "birth_date": "17.05.2090"})
    assert bad.status_code == 422 and "E-Mail" in bad.text and "Geburtsdatum" in bad.text
    assert 'value="olena@"' in bad.text  # what was typed stays in the form
    clash = client.post(f"/faelle/{ref}/person", data={**form, "family_name": "Kowalenko-Sas"})
    assert clash.status_code == 422 and twin in clash.text and "bereits erfasst" in clash.text
    with Session(web_engine) as session:
        assert session.exec(select(Person.family_name).where(Person.given_name == "Olena")).all().count("Kowalenko") == 1

    done = client.post(f"/faelle/{ref}/person", data={**form, "family_name": "Kovalenko", "email": "olena.k@example.org",
                                                      "sex": "f", "receives_buergergeld": "ja"})
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "Angaben der Person berichtigt" in page and "Olena Kovalenko" in page and "olena.k@example.org" in page
    with Session(web_engine) as session:
        person_id = session.exec(select(Person.id).where(Person.family_name == "Kovalenko")).one()
        [entry] = [e for e in history(session, case_reference=ref, person_id=person_id) if e.action == "person.correct"]
        assert entry.actor == f"adviser:{accounts['verden'].email}"
        assert json.loads(entry.before) == {"family_name": "Kowalenko", "email": None, "sex": None, "receives_buergergeld": False}
        assert json.loads(entry.after)["family_name"] == "Kovalenko"
        assert session.exec(select(Letter)).all() == []
