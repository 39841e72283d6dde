"""The case search finds people as advisers type them: a part of a name, a typo, without the marks,
in the other script, several words; within the adviser's district; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from adapters.transliteration import load_tables
from domain.access import Actor, Role
from domain.search import corrections, query_words, search_forms
from models import selectors
from models.db import session_scope

TODAY = date(2026, 11, 25)
VERDEN = Actor(id=901, name="Vera", email="vera@example.org", role=Role.ADVISER, district="verden")
OSTERHOLZ = Actor(id=902, name="Otto", email="otto@example.org", role=Role.ADVISER, district="osterholz")

PEOPLE = [  # given, family, district, profession, language
    ("Olena", "Kravchenko", "verden", "Krankenschwester", "uk"),
    ("Taras", "Shevchenko", "verden", "Lehrer", "uk"),
    ("Emine", "Aydın", "verden", "Elektriker", "tr"),
    ("Jana", "Müller", "verden", "Erzieherin", "de"),
    ("Ірина", "Петренко", "verden", "медсестра", "uk"),
    ("Oksana", "Petrenko", "verden", "Apothekerin", "uk"),
    ("Mohammed", "Haj Ali", "verden", "Bauingenieur", "ar"),
    ("Ali", "Hassan", "verden", "Tischler", "ar"),
    ("محمد", "الأحمد", "verden", "طبيب", "ar"),
    ("Dmytro", "Kravchenko", "osterholz", "Elektriker", "uk"),
]


@pytest.fixture
def people(engine, catalogue) -> dict[str, str]:
    """The persons above with one case each, opened through the services; family name → reference
    (the Osterholz Kravchenko under "Kravchenko/osterholz")."""
    from services.cases import find_or_create_person, open_case

    made = {}
    with session_scope(engine) as session:
        for given, family, district, profession, language in PEOPLE:
            person, _ = find_or_create_person(session, actor="test", given_name=given, family_name=family,
                                              birth_date=date(1990, 5, 17), language=language, district=district)
            case = open_case(session, person=person, profession_text=profession, catalogue=catalogue, today=TODAY,
                             actor="test")
            made[family if district == "verden" else f"{family}/{district}"] = case.reference
    return made


def found(engine, text: str, *, actor: Actor | None = None, **filters) -> list[str]:
    with Session(engine) as session:
        page = selectors.cases_page(session, actor=actor, search=text, search_tables=load_tables(), today=TODAY,
                                    per_page=200, **filters)
        return [row.family_name for row in page.rows]


# ---------------------------------------------------------------------------- the fold (pure)


def test_the_fold_gives_every_form_a_name_is_typed_in():
    tables = load_tables()
    assert search_forms("Müller", tables=tables) == ("muller", "mueller")
    assert search_forms("Aydın", tables=tables) == ("aydin",)
    assert search_forms("Петренко", tables=tables) == ("petrenko",)
    assert search_forms("Григорій", tables=tables) == ("hryhorii", "grigorii")  # KMU 2010, ICAO
    assert search_forms("Straße", tables=tables) == ("strasse",)
    assert search_forms("O'Brien", tables=tables) == ("obrien",)
    assert search_forms("ＫＲＡＶＣＨＥＮＫＯ", tables=tables) == ("kravchenko",)  # NFKC
    assert search_forms('"*NEAR(', tables=tables) == ("near",)
    assert search_forms("*", tables=tables) == ()


def test_query_words_are_split_at_spaces_and_commas_and_keep_a_hyphenated_name():
    words = query_words("Haj-Ali, Mohammed", tables=load_tables())
    assert [w.forms for w in words] == [("haj ali",), ("mohammed",)]


def test_a_typo_is_corrected_towards_close_words_only():
    stored = ["kravchenko", "kravets", "shevchenko", "petrenko"]
    assert corrections("kravhenko", stored) == [("kravchenko", 1)]
    assert corrections("shevchneko", stored) == [("shevchenko", 1)]  # two neighbours swapped: one edit
    assert corrections("kravhen", stored) == [("kravchenko", 1)]  # the start of a name, with a typo
    assert corrections("ali", ["ala", "eli"]) == []  # three letters: no typos


# ---------------------------------------------------------------------------- the search (SQLite and PostgreSQL)


def test_part_of_a_name(engine, people):
    assert sorted(found(engine, "enko", actor=VERDEN)) == ["Kravchenko", "Petrenko", "Shevchenko", "Петренко"]
    assert found(engine, "avche", actor=VERDEN) == ["Kravchenko"]


def test_typos_in_a_name(engine, people):
    assert found(engine, "Kravhenko", actor=VERDEN) == ["Kravchenko"]
    assert found(engine, "Shevchneko", actor=VERDEN) == ["Shevchenko"]
    assert found(engine, "Olena Kravhenko", actor=VERDEN) == ["Kravchenko"]


def test_a_typo_is_not_looked_for_when_the_word_matches_as_typed(engine, people):
    """"Petrenko" matches as typed: the search does not add names one edit away."""
    assert sorted(found(engine, "Petrenko", actor=VERDEN)) == ["Petrenko", "Петренко"]
    assert found(engine, "Zzyzx", actor=VERDEN) == []


def test_without_the_marks_and_with_umlauts_spelled_out(engine, people):
    assert found(engine, "Aydin", actor=VERDEN) == ["Aydın"]
    assert found(engine, "AYDIN", actor=VERDEN) == ["Aydın"]
    for typed in ("Mueller", "Muller", "müller", "Müll"):
        assert found(engine, typed, actor=VERDEN) == ["Müller"], typed


def test_the_other_script_both_ways(engine, people):
    assert sorted(found(engine, "Petrenko", actor=VERDEN)) == ["Petrenko", "Петренко"]
    assert sorted(found(engine, "Петренко", actor=VERDEN)) == ["Petrenko", "Петренко"]
    assert found(engine, "Iryna", actor=VERDEN) == ["Петренко"]
    assert found(engine, "Кравченко", actor=VERDEN) == ["Kravchenko"]
    assert found(engine, "محمد", actor=VERDEN) == ["الأحمد"]  # Arabic script, through anyascii


def test_several_words_must_all_match(engine, people):
    assert found(engine, "Haj Ali", actor=VERDEN) == ["Haj Ali"]
    assert sorted(found(engine, "Ali", actor=VERDEN)) == ["Haj Ali", "Hassan"]
    assert found(engine, "Mohammed Haj Ali", actor=VERDEN) == ["Haj Ali"]
    assert found(engine, "Haj-Ali", actor=VERDEN) == ["Haj Ali"]
    assert found(engine, "Olena Kravchenko", actor=VERDEN) == ["Kravchenko"]
    assert found(engine, "Taras Kravchenko", actor=VERDEN) == []


def test_reference_and_profession(engine, people):
    assert found(engine, people["Müller"], actor=VERDEN) == ["Müller"]
    assert found(engine, people["Müller"].lower(), actor=VERDEN) == ["Müller"]
    assert found(engine, "schwester", actor=VERDEN) == ["Kravchenko"]
    assert found(engine, "Erzieh", actor=VERDEN) == ["Müller"]
    assert found(engine, "Kravchenko Krankenschw", actor=VERDEN) == ["Kravchenko"]


def test_one_or_two_letters_match_the_start_of_a_name(engine, people):
    assert found(engine, "Ay", actor=VERDEN) == ["Aydın"]
    assert found(engine, "O Kravchenko", actor=VERDEN) == ["Kravchenko"]
    assert found(engine, "T Kravchenko", actor=VERDEN) == []


def test_an_adviser_finds_only_their_districts_cases(engine, people):
    assert found(engine, "Kravchenko", actor=VERDEN) == ["Kravchenko"]
    assert found(engine, "Dmytro", actor=VERDEN) == []
    assert found(engine, "Dmytro Kravhenko", actor=OSTERHOLZ) == ["Kravchenko"]
    assert found(engine, "Shevchneko", actor=OSTERHOLZ) == []  # no correction towards another district's names
    assert found(engine, "Olena", actor=OSTERHOLZ) == []
    assert sorted(found(engine, "Kravchenko")) == ["Kravchenko", "Kravchenko"]  # the operator: both
    assert found(engine, "Kravchenko", district="osterholz") == ["Kravchenko"]
    with Session(engine) as session:
        page = selectors.cases_page(session, actor=OSTERHOLZ, search="Kravchenko", today=TODAY)
    assert [r.reference for r in page.rows] == [people["Kravchenko/osterholz"]]


@pytest.mark.parametrize("typed", ['"', '*', 'NEAR(', "'", 'Kravchenko"', '"enko*', "AND", "OR NOT", "a:b", "%", "_",
                                   "\\", "Krav*", "NEAR(Kravchenko Olena, 2)", "^Olena", "{document}: x", "'; DROP TABLE person; --"])
def test_query_syntax_in_a_search_gives_results_or_nothing_never_an_error(engine, people, typed):
    result = found(engine, typed, actor=VERDEN)
    assert isinstance(result, list)


def test_fts_syntax_characters_are_only_text(engine, people):
    assert found(engine, 'Kravchenko"', actor=VERDEN) == ["Kravchenko"]
    assert found(engine, "NEAR(Kravchenko Olena)", actor=VERDEN) == []  # "near" is a word that must match too
    assert found(engine, "Krav*", actor=VERDEN) == ["Kravchenko"]


def test_the_search_follows_a_name_change(engine, people):
    from models.person import Person
    from services.cases import correct_person_name, find_person

    with session_scope(engine) as session:
        person = find_person(session, given_name="Jana", family_name="Müller", birth_date=date(1990, 5, 17))
        correct_person_name(session, person=person, given_name="Jana", family_name="Schröder", actor="test")
    assert found(engine, "Müller", actor=VERDEN) == []
    assert found(engine, "Schroeder", actor=VERDEN) == ["Schröder"]
    assert found(engine, people["Müller"], actor=VERDEN) == ["Schröder"]  # the reference stays
    with Session(engine) as session:
        assert session.get(Person, person.id).family_name == "Schröder"
        words = set(session.execute(text("SELECT word FROM search_word")).scalars())
    # the former name is no longer offered as a typo's correction; words other documents hold stay
    assert not {"muller", "mueller"} & words and {"schroder", "schroeder", "kravchenko", "jana"} <= words
    assert found(engine, "Mülller", actor=VERDEN) == []


def test_the_search_follows_the_latin_name_and_the_reference_occupation(engine, people, catalogue):
    from models.letter import LatinNameCreate
    from services.cases import choose_occupation, find_person, set_latin_name

    with session_scope(engine) as session:
        person = find_person(session, given_name="محمد", family_name="الأحمد", birth_date=date(1990, 5, 17))
        set_latin_name(session, person=person, name=LatinNameCreate(latin_given_name="Mohammad", latin_family_name="Al-Ahmad"),
                       actor="test")
        case = selectors.case_by_reference(session, people["Aydın"])
        choose_occupation(session, case=case, profession_key=_occupation_key(catalogue, "Tischler"), catalogue=catalogue,
                          actor="test")
    assert found(engine, "Mohammad Al-Ahmad", actor=VERDEN) == ["الأحمد"]
    assert sorted(found(engine, "Tischler", actor=VERDEN)) == ["Aydın", "Hassan"]


def _occupation_key(catalogue, name: str) -> str:
    return next(key for key, p in catalogue.professions.items() if p.name.startswith(name))


def test_imported_cases_are_found(engine, catalogue):
    from domain.csvfile import parse_import
    from services.importing import import_table

    data = ("Vorname;Nachname;Geburtsdatum;Geschlecht;Landkreis;Sprache;E-Mail;Beruf;Ausbildungsland;Bürgergeld\r\n"
            "Юлія;Бондаренко;17.05.1994;w;Verden;uk;;Лікар;Ukraine;ja\r\n")
    import_table(engine, table=parse_import(data.encode(), file_name="a.csv"), catalogue=catalogue, today=TODAY, actor="test")
    assert found(engine, "Bondarenko", actor=VERDEN) == ["Бондаренко"]
    assert found(engine, "Yuliia Bondar", actor=VERDEN) == ["Бондаренко"]


def test_closer_corrections_come_first(engine, catalogue):
    """"Lysenkko": one edit from Lysenko, two from Lysenok; the closer one is listed first, whatever
    the order asked for."""
    from services.cases import find_or_create_person, open_case

    with session_scope(engine) as session:
        for family in ("Lysenko", "Lysenok"):
            person, _ = find_or_create_person(session, actor="test", given_name="Anna", family_name=family,
                                              birth_date=date(1990, 5, 17), language="uk", district="verden")
            open_case(session, person=person, profession_text="Lehrerin", catalogue=catalogue, today=TODAY, actor="test")
    assert found(engine, "Lysenkko", actor=VERDEN, sort="name", descending=False) == ["Lysenko", "Lysenok"]
    assert found(engine, "Lysenkko", actor=VERDEN, sort="name", descending=True) == ["Lysenko", "Lysenok"]


def test_the_migration_fills_the_search_for_cases_already_there(tmp_path):
    """Cases stored before migration 0011 are found after it (the backfill folds like the services)."""
    from alembic import command
    from sqlalchemy import text

    from adapters.database import alembic_config
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0008")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO person (id, given_name, family_name, birth_date, language, district, receives_buergergeld,"
            " lives_abroad, name_changed, created_at) VALUES (1, 'Ірина', 'Петренко', '1990-01-01', 'uk', 'verden', 0, 0, 0,"
            " '2026-01-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO recognition_case (id, reference, district, profession_text, fast_track, eu_training, state,"
            " funding_route, person_id, created_at, updated_at, last_activity_at) VALUES (1, 'VER-2026-0001', 'verden',"
            " 'Krankenschwester', 0, 0, 'intake', 'not_recorded', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00')"))
    command.upgrade(alembic_config(url), "head")
    assert found(engine, "Petrenko", actor=VERDEN) == ["Петренко"]
    assert found(engine, "Pertenko", actor=VERDEN) == ["Петренко"]
    engine.dispose()


@pytest.mark.postgres
def test_the_migration_fills_the_search_on_postgresql(postgres_database):
    """PostgreSQL: down to 0008 and up again refills the documents of the cases there."""
    from alembic import command

    from adapters.catalogue import load_catalogue
    from adapters.database import alembic_config
    from models.db import engine_for
    from services.cases import find_or_create_person, open_case
    from tests.conftest import empty_postgres_database

    engine = engine_for(postgres_database)
    empty_postgres_database(engine)
    with session_scope(engine) as session:
        person, _ = find_or_create_person(session, actor="test", given_name="Ірина", family_name="Петренко",
                                          birth_date=date(1990, 5, 17), language="uk", district="verden")
        open_case(session, person=person, profession_text="Lehrerin", catalogue=load_catalogue(), today=TODAY, actor="test")
    engine.dispose()
    command.downgrade(alembic_config(postgres_database), "0008")
    command.upgrade(alembic_config(postgres_database), "head")
    assert found(engine, "Petrenko", actor=VERDEN) == ["Петренко"]
    empty_postgres_database(engine)


def test_a_search_matching_more_than_the_limit_says_so(engine, people, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_MATCHES", 2)
    with Session(engine) as session:
        page = selectors.cases_page(session, actor=VERDEN, search="enko", search_tables=load_tables(), today=TODAY)
    assert page.capped and page.total == 2 and len(page.rows) == 2


def test_the_export_counts_and_writes_every_match_beyond_the_list_limit(engine, people, monkeypatch):
    from services.export import record_export

    monkeypatch.setattr(selectors, "MAX_MATCHES", 2)
    chosen = selectors.CaseSelection(search="enko", search_tables=load_tables())
    with Session(engine) as session:
        assert record_export(session, actor=VERDEN, audit_actor="test", selection=chosen, today=TODAY, channel="test") == 4
        exported = list(selectors.export_rows(session, actor=VERDEN, today=TODAY, **chosen.as_args()))
    assert sorted(r.family_name for r in exported) == ["Kravchenko", "Petrenko", "Shevchenko", "Петренко"]
