"""The case import against hostile and broken files, built at run time: what the adviser sees (the row,
the field, the fix, the exit code), that the good rows beside a bad one go in, and that nothing stored
before is lost."""

import json
import re
import unicodedata
from datetime import date

import pytest
from sqlmodel import select

from domain.csvfile import RowDigests, parse_import
from models import Case, Person
from services.importing import import_table, open_import

TODAY = date(2026, 11, 25)
HEADER = "Vorname;Nachname;Geburtsdatum;Landkreis;Sprache;Beruf;Ausbildungsland;Schnellverfahren"
GOOD = "Olena;Gut;17.05.1994;Verden;uk;Krankenschwester;Ukraine;nein"
ALSO_GOOD = "Rania;Gut;02.01.1990;osterholz;ar;Apothekerin;Syrien;nein"


def csv_file(*rows: str) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def run(engine, catalogue, data: bytes, name: str = "faelle.csv"):
    return import_table(engine, table=parse_import(data, file_name=name), catalogue=catalogue, today=TODAY, actor="test")


def people(session) -> dict[str, Person]:
    session.expire_all()
    return {f"{p.given_name} {p.family_name}": p for p in session.exec(select(Person)).all()}


def errors_of(report) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for error in report.refused:
        found.setdefault(error.row, {})[error.field] = error.code
    return found


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "family", "field", "code"),
    [
        ("=HYPERLINK(\"\"http://x\"\")", "Muster", "given_name", "name.formula"),
        ("Anna", "+49 4231", "family_name", "name.formula"),
        ("-Anna", "Muster", "given_name", "name.formula"),
        ("@SUM(A1)", "Muster", "given_name", "name.formula"),
        ("Anna", "|cmd '/c calc'!A0", "family_name", "name.formula"),
        ("\tAnna", "Muster", "given_name", "name.formula"),
        ("<script>alert(1)</script>", "Muster", "given_name", "name.markup"),
        ("Anna", "Mus<b>ter</b>", "family_name", "name.markup"),
        ("{{ 7*7 }}", "Muster", "given_name", "name.template"),
        ("Anna", "{% debug %}", "family_name", "name.template"),
        ("Anna", "${jndi:ldap://x}", "family_name", "name.template"),
        ("An\x1b[2Jna", "Muster", "given_name", "text.invisible_character"),
    ],
)
def test_a_hostile_name_refuses_its_row_and_the_good_rows_beside_it_go_in(engine, session, catalogue, given, family,
                                                                         field, code):
    hostile = f'"{given}";"{family}";01.01.1990;Verden;uk;Lehrerin;Ukraine;nein'
    report = run(engine, catalogue, csv_file(GOOD, hostile, ALSO_GOOD))
    assert errors_of(report) == {3: {field: code}}
    error = report.refused[0]
    assert "passport" in error.message or "retype" in error.message
    assert error.message_de and error.value  # the value as typed, clipped, for the report
    assert set(people(session)) == {"Olena Gut", "Rania Gut"}


@pytest.mark.parametrize("name", ["O'Brien", "D\u2019Angelo", "Jean-Luc", "Anna Maria", "محمد عبد الله",
                                  "Олександра", "Ґалина-Марія", "Nguyễn Thị", "Ζωή", "李小龍"])
def test_apostrophes_hyphens_spaces_and_any_script_are_names(engine, session, catalogue, name):
    report = run(engine, catalogue, csv_file(f"{name};{name};01.01.1990;Verden;uk;Lehrerin;Ukraine;nein"))
    assert report.refused == [] and report.imported_count == 1
    assert f"{name} {name}" in people(session)


def test_zoe_in_nfd_nfc_or_capitals_is_one_person(engine, session, catalogue):
    nfc, nfd = "Zo\u00eb", "Zoe\u0308"
    assert nfc != nfd and unicodedata.normalize("NFC", nfd) == nfc
    first = run(engine, catalogue, csv_file(f"{nfc};Kra\u0308mer;03.03.1993;Verden;uk;Lehrerin;;nein"))
    assert first.imported_count == 1
    second = run(engine, catalogue, csv_file(
        f"{nfd};Kra\u0308mer;03.03.1993;Verden;uk;Krankenschwester;;nein",  # NFD, a second profession
        "ZO\u00cb;KR\u00c4MER;03.03.1993;Verden;uk;Lehrerin;;nein",  # capitals, the same profession
    ))
    assert second.imported_count == 1 and [s.row for s in second.skipped] == [3]
    stored = people(session)
    assert list(stored) == [f"{nfc} Kr\u00e4mer"]  # stored in NFC, once
    assert len(session.exec(select(Case)).all()) == 2


def test_case_new_finds_the_imported_person_whatever_the_case_and_normalisation(cli, tmp_path):
    file = tmp_path / "zoe.csv"
    file.write_bytes(csv_file("Zo\u00eb;M\u00fcller;03.03.1993;Verden;uk;Lehrerin;;nein"))
    assert cli("import", str(file)).exit_code == 0
    created = cli("case", "new", "--given-name", "ZOE\u0308", "--family-name", "MU\u0308LLER", "--birth-date", "1993-03-03",
                  "--district", "verden", "--language", "uk", "--profession", "Krankenschwester", "--json")
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["person_created"] is False


def test_case_new_refuses_a_formula_name_with_the_field(cli):
    result = cli("case", "new", "--given-name", "=cmd|' /C calc'!A0", "--family-name", "Muster", "--birth-date",
                 "1990-01-01", "--district", "verden", "--language", "uk", "--profession", "Lehrerin")
    assert result.exit_code == 2 and "given_name" in result.stderr and "formula" in result.stderr
    assert "Traceback" not in result.stderr


# --- rows -----------------------------------------------------------------------------------------


def test_a_missing_required_value_refuses_the_row_with_its_field(engine, session, catalogue):
    report = run(engine, catalogue, csv_file(GOOD, "Anna;;01.01.1990;Verden;uk;Lehrerin;;nein",
                                             "Anna;Muster;01.01.1990;;uk;Lehrerin;;nein",
                                             "Anna;Muster;01.01.1990;Verden;uk;;;nein", ALSO_GOOD))
    assert errors_of(report) == {3: {"family_name": "family_name.empty"}, 4: {"district": "district.empty"},
                                 5: {"profession": "profession.empty"}}
    assert set(people(session)) == {"Olena Gut", "Rania Gut"}


def test_a_ragged_row_is_refused_by_its_row_number(engine, session, catalogue):
    report = run(engine, catalogue, csv_file(
        GOOD,
        "Anna;Kurz;01.01.1990;Verden;uk;Lehrerin",  # two cells short
        "Anna;Lang;01.01.1990;Verden;uk;Lehrerin;;nein;;",  # two empty cells too many
        "Anna;Lang;01.01.1990;Verden;uk;Lehrerin;;nein;Chirurg",  # a value too many
        ALSO_GOOD,
    ))
    assert errors_of(report) == {3: {"row": "import.field_count"}, 4: {"row": "import.field_count"},
                                 5: {"row": "import.surplus_values"}}
    assert "has 6 values, the header has 8 columns" in report.refused[0].message
    assert set(people(session)) == {"Olena Gut", "Rania Gut"}


def test_a_duplicate_row_names_both_rows(engine, session, catalogue):
    report = run(engine, catalogue, csv_file(GOOD, ALSO_GOOD, "Anna;Muster;01.01.1990;Verden;uk;Lehrerin;;nein",
                                             GOOD, "Anna;Muster;01.01.1990;Verden;uk;Lehrerin;;nein"))
    assert errors_of(report) == {5: {"row": "import.duplicate_row"}, 6: {"row": "import.duplicate_row"}}
    by_row = {e.row: e for e in report.refused}
    assert "the same as row 2" in by_row[5].message and "ist gleich Zeile 2" in by_row[5].message_de
    assert "ist gleich Zeile 4" in by_row[6].message_de
    assert report.imported_count == 3


def test_the_fast_track_rule_of_case_new_holds_in_the_import(engine, session, catalogue):
    report = run(engine, catalogue, csv_file(GOOD, "Anna;Schnell;01.01.1990;Verden;uk;Lehrerin;;ja"))
    assert errors_of(report) == {3: {"fast_track": "case.fast_track_lives_here"}}
    assert set(people(session)) == {"Olena Gut"}


def test_one_person_in_two_districts_in_one_chunk_is_refused_in_the_second(engine, session, catalogue):
    report = run(engine, catalogue, csv_file(GOOD, "Olena;Gut;17.05.1994;Osterholz;uk;Lehrerin;;nein"))
    assert errors_of(report) == {3: {"district": "person.registered_elsewhere"}}
    assert [c.district for c in session.exec(select(Case)).all()] == ["verden"]


def test_a_nul_byte_is_named_as_such_and_the_other_rows_go_in(engine, session, catalogue):
    data = csv_file(GOOD, "Anna;Mus\x00ter;01.01.1990;Verden;uk;Lehrerin;;nein", ALSO_GOOD)
    report = run(engine, catalogue, data)
    assert errors_of(report) == {3: {"family_name": "import.nul_byte"}}
    assert "NUL byte" in report.refused[0].message and "UTF-16" not in report.refused[0].message
    assert set(people(session)) == {"Olena Gut", "Rania Gut"}


@pytest.mark.parametrize(("written", "code"), [("Korea, Republik", "KR"), ("Syrien, Arabische Republik", "SY"),
                                               ("Russische Föderation", "RU"), ("Iran, Islamische Republik", "IR"),
                                               ("Türkei", "TR"), ("Vereinigtes Königreich", "GB")])
def test_countries_as_german_offices_write_them(engine, session, catalogue, written, code):
    report = run(engine, catalogue, csv_file(f'Anna;Land;01.01.1990;Verden;uk;Lehrerin;"{written}";nein'))
    assert report.refused == []
    assert session.exec(select(Case)).one().country_of_training == code


def test_row_digests_name_the_first_row_across_growth():
    digests = RowDigests(capacity=4)
    firsts = [digests.add(digest * 7919 + 1, row) for row, digest in enumerate(range(5000), start=2)]
    assert firsts == [None] * 5000
    assert digests.add(17 * 7919 + 1, 9999) == 19 and digests.add(5000 * 7919 + 1, 9999) is None
    zero = RowDigests()
    assert zero.add(0, 3) is None and zero.add(0, 4) == 3  # 0 marks a free slot inside; still found


# --- the file -------------------------------------------------------------------------------------


@pytest.fixture
def stored_before(cli, tmp_path):
    """A case stored before the hostile file comes: it must still be there after."""
    file = tmp_path / "vorher.csv"
    file.write_bytes(csv_file("Iryna;Vorher;01.02.1985;Verden;uk;Hebamme;Ukraine;nein"))
    assert cli("import", str(file)).exit_code == 0
    return cli


def references(cli) -> set[str]:
    listed = cli("case", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    return {row["reference"] for row in json.loads(listed.stdout)}


def test_a_header_only_file_warns_and_exits_1(stored_before, tmp_path):
    cli = stored_before
    before = references(cli)
    file = tmp_path / "nur-kopf.csv"
    file.write_bytes(csv_file())
    result = cli("import", str(file))
    assert result.exit_code == 1, result.stderr
    assert "no data rows" in result.stderr and "Traceback" not in result.stderr
    assert references(cli) == before and len(before) == 1


def test_many_unknown_columns_are_one_bounded_line(stored_before, tmp_path):
    cli = stored_before
    extra = [f"Spalte{i}" for i in range(9_990)]
    header = HEADER + ";" + ";".join(extra)
    row = GOOD + ";" * len(extra)
    file = tmp_path / "breit.csv"
    file.write_bytes(f"{header}\r\n{row}\r\n".encode())
    result = cli("import", str(file))
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "unknown column" in line]
    assert len(lines) == 1 and len(lines[0]) < 1_000, lines[:3]
    assert "9,990 unknown columns" in lines[0] and "9,980 more" in lines[0] and "Spalte0" in lines[0]
    assert "Spalte9989" not in result.stderr
    assert len(references(cli)) == 2


def test_a_file_over_the_size_limit_is_refused_with_the_limit_and_the_fix(stored_before, tmp_path):
    cli = stored_before
    before = references(cli)
    file = tmp_path / "gross.csv"
    file.write_bytes(csv_file(*[f"Anna;Gross{i};01.01.1990;Verden;uk;Lehrerin;;nein" for i in range(30)]))
    result = cli("import", str(file), env={"WELCOME_CENTER_MAX_IMPORT_BYTES": "1000"})
    assert result.exit_code == 2, result.stderr
    assert "1,000 bytes" in result.stderr and "WELCOME_CENTER_MAX_IMPORT_BYTES" in result.stderr
    assert "split the file" in result.stderr and "Traceback" not in result.stderr
    assert references(cli) == before
    assert cli("import", str(file)).exit_code == 0  # under the default limit it goes in
    assert len(references(cli)) == 31


def test_a_nul_byte_reaches_the_terminal_named_not_as_utf16(stored_before, tmp_path):
    cli = stored_before
    file = tmp_path / "nul.csv"
    file.write_bytes(csv_file(GOOD, "Anna;Mus\x00ter;01.01.1990;Verden;uk;Lehrerin;;nein"))
    result = cli("import", str(file))
    assert result.exit_code == 1
    assert "NUL byte" in result.stdout and "UTF-16" not in result.stdout + result.stderr
    assert "\x00" not in result.stdout
    assert len(references(cli)) == 2


def test_text_from_the_file_is_escaped_on_the_terminal(stored_before, tmp_path):
    cli = stored_before
    file = tmp_path / "esc.csv"
    header = HEADER + ";[bold]Fett[/bold]\x1b[31m"
    file.write_bytes("\r\n".join([header, GOOD + ";x", "An\x1b[2Jna;[red]Muster[/red];01.01.1990;Verden;uk;Lehrerin;;nein;y",
                                  ""]).encode("utf-8"))
    result = cli("import", str(file))
    assert result.exit_code == 1
    shown = result.stdout + result.stderr
    assert "\x1b" not in shown and "\\x1b" in shown
    assert "[bold]Fett[/bold]" in shown  # Rich markup printed as typed, not applied


def test_open_import_reads_rows_lazily_and_the_scan_counts_them(tmp_path):
    file = tmp_path / "lazy.csv"
    file.write_bytes(csv_file(GOOD, "", ALSO_GOOD))
    table = open_import(file, max_bytes=10_000)
    assert table.row_count == 2 and not isinstance(table.rows, (list, tuple))
    assert [row.number for row in table.rows] == [2, 4]


def test_windows_1252_is_still_refused_before_any_row_is_stored(stored_before, tmp_path):
    cli = stored_before
    before = references(cli)
    file = tmp_path / "alt.csv"
    file.write_bytes((HEADER + "\r\n" + GOOD + "\r\n" + "Jürgen;Müller;01.01.1990;Verden;de;Bäcker;;nein\r\n").encode("cp1252"))
    result = cli("import", str(file))
    assert result.exit_code == 2 and re.search(r"line 3", result.stderr)
    assert references(cli) == before


def test_migration_0009_fills_the_identity_key_of_persons_stored_before(tmp_path):
    """Persons stored under 0008 get their key; two that differ only in case or normalisation both keep
    their rows (the later one's key carries its id), and the unique index holds from then on."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from adapters.database import alembic_config
    from domain.validation import person_identity_key

    url = f"sqlite:///{tmp_path / 'alt.db'}"
    command.upgrade(alembic_config(url), "0008")
    engine = create_engine(url)
    insert = text("INSERT INTO person (given_name, family_name, birth_date, language, district, receives_buergergeld, "
                  "lives_abroad, name_changed, created_at) VALUES (:g, :f, :b, 'uk', 'verden', 0, 0, 0, '2026-01-01')")
    with engine.begin() as connection:
        for given in ("Zo\u00eb", "ZO\u00cb", "Olena"):
            connection.execute(insert, {"g": given, "f": "Kr\u00e4mer", "b": "1993-03-03"})
    command.upgrade(alembic_config(url), "0009")
    with engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT given_name, identity_key FROM person")).all())
    expected = person_identity_key("Zo\u00eb", "Kr\u00e4mer", date(1993, 3, 3))
    assert keys["Zo\u00eb"] == expected and keys["ZO\u00cb"].startswith(expected + "\x1f#")
    assert keys["Olena"] == person_identity_key("Olena", "Kr\u00e4mer", date(1993, 3, 3))
    engine.dispose()
