"""The import file as advisers save it from Excel and LibreOffice: encodings, delimiters, German
headers, row numbers in the report, and every error of a row named with its fix."""

import csv
import io
import unicodedata
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.catalogue import load_countries
from domain import validation as v
from domain.csvfile import ImportFileError, RowError, parse_import
from services.importing import parse_row

COUNTRIES = load_countries(Path(__file__).resolve().parent.parent / "data")
from domain.errors import InvalidInput

TODAY = date(2026, 11, 25)
DISTRICTS = ("verden", "osterholz")
GERMAN = ["Vorname", "Nachname", "Geburtsdatum", "Geschlecht", "Landkreis", "Sprache", "E-Mail", "Telefon",
          "Beruf", "Ausbildungsland", "Schnellverfahren", "Bürgergeld"]
ENGLISH = ["given_name", "family_name", "birth_date", "district", "language", "profession"]


def csv_bytes(rows, *, delimiter=";", bom=True, newline="\r\n", encoding="utf-8") -> bytes:
    """A file as a spreadsheet writes it (Excel's "CSV UTF-8" is UTF-8 with a BOM and CRLF)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return ("\ufeff" if bom else "").encode(encoding) + out.getvalue().encode(encoding)


def parse(data: bytes, name="liste.csv"):
    return parse_import(data, file_name=name)


def validate_row(row, *, today, districts) -> SimpleNamespace | list[RowError]:
    """The import's row parser (services.importing.parse_row: the models every door shares), its person
    and case fields side by side."""
    parsed = parse_row(row, today=today, districts=list(districts), countries=COUNTRIES)
    if isinstance(parsed, list):
        return parsed
    return SimpleNamespace(**parsed.person.model_dump(include=set(PERSON_COLUMNS)), **parsed.case.model_dump())


PERSON_COLUMNS = ("given_name", "family_name", "birth_date", "sex", "district", "language", "email", "phone",
                  "receives_buergergeld")


def results(data: bytes) -> dict[int, SimpleNamespace | list[RowError]]:
    return {row.number: validate_row(row, today=TODAY, districts=DISTRICTS) for row in parse(data).rows}


def person(given="Anna", family="Müller", born="01.02.1990", district="Verden", language="uk",
           profession="Pflegefachfrau", email="", country=""):
    return [given, family, born, "w", district, language, email, "", profession, country, "nein", "ja"]


def refusal(data: bytes) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        parse(data)
    assert isinstance(caught.value, InvalidInput) and caught.value.field == "file"
    assert caught.value.message_de
    return caught.value


# --- files that go in -----------------------------------------------------------------------------


def test_a_german_excel_file_with_bom_crlf_and_semicolons():
    data = csv_bytes([
        GERMAN,
        ["Олександра", "Шевченко", "05.03.1988", "w", "Verden", "UK", "olena@example.org", "+49 176 1234567",
         "Pflegefachfrau", "Ukraine", "ja", "Ja"],
        ["محمد", "عبد الله", "1979-12-01", "m", "OSTERHOLZ", "ar", "", "", "Arzt", "Syrien", "", "nein"],
    ])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    table = parse(data)
    assert table.delimiter == ";"
    assert table.unknown_columns == ()
    assert table.columns["receives_buergergeld"] == "Bürgergeld"
    first, second = (validate_row(row, today=TODAY, districts=DISTRICTS) for row in table.rows)
    assert first == SimpleNamespace(
        given_name="Олександра", family_name="Шевченко", birth_date=date(1988, 3, 5), sex="f", district="verden",
        language="uk", email="olena@example.org", phone="+49 176 1234567", profession="Pflegefachfrau",
        country_of_training="UA", fast_track=True, receives_buergergeld=True, eu_training=False,
    )
    assert (second.given_name, second.family_name) == ("محمد", "عبد الله")
    assert (second.district, second.country_of_training, second.email, second.fast_track) == ("osterholz", "SY", None, False)
    assert [row.number for row in table.rows] == [2, 3]


def test_an_english_comma_file_with_lf():
    data = csv_bytes([ENGLISH, ["Anna", "Smith", "1990-03-25", "verden", "en", "nurse, registered"]],
                     delimiter=",", bom=False, newline="\n")
    table = parse(data)
    assert table.delimiter == ","
    row = validate_row(table.rows[0], today=TODAY, districts=DISTRICTS)
    assert row.profession == "nurse, registered" and row.birth_date == date(1990, 3, 25)
    assert row.sex is None and row.country_of_training is None and row.receives_buergergeld is False


@pytest.mark.parametrize(
    "header",
    [
        [" VORNAME ", "familienname", "geburtsdatum", "LANDKREIS", "sprache", "beruf", "Email", "Buergergeld"],
        ["Given Name", "Family-Name", "Birth_Date", "District", "Language", "Profession", "e-mail", "receives_buergergeld"],
    ],
)
def test_headers_in_any_case_and_with_either_spelling(header):
    table = parse(csv_bytes([header, ["A", "B", "1.1.1990", "verden", "de", "Arzt", "a@b.de", "ja"]]))
    assert table.unknown_columns == ()
    assert set(table.columns) == {"given_name", "family_name", "birth_date", "district", "language", "profession",
                                  "email", "receives_buergergeld"}
    assert validate_row(table.rows[0], today=TODAY, districts=DISTRICTS).receives_buergergeld is True


@pytest.mark.parametrize(
    "name",
    ["Ґалина-Марія О'Коннор", "فاطمة الزهراء", 'Anna "Ani"', "Müller; Meier", "D’Angelo"],
)
def test_names_come_through_the_file_literally(name):
    row = results(csv_bytes([GERMAN, person(given=name, family=name)]))[2]
    assert row.given_name == name and row.family_name == name


def test_the_catalogue_districts_are_the_ones_taken(catalogue):
    row = parse(csv_bytes([GERMAN, person(district="Osterholz")])).rows[0]
    assert validate_row(row, today=TODAY, districts=catalogue.districts).district == "osterholz"


# --- rows that are refused, with their number, field and fix ---------------------------------------


@pytest.mark.parametrize(
    "changes, field, value, fix",
    [
        ({"district": "Bremen"}, "district", "Bremen", "use verden or osterholz"),
        ({"language": "xx"}, "language", "xx", "use a two-letter ISO 639-1 code such as uk"),
        ({"born": "2026-02-30"}, "birth_date", "2026-02-30", "not a real date"),
        ({"born": "30.02.2026"}, "birth_date", "30.02.2026", "not a real date"),
        ({"born": "26.11.2026"}, "birth_date", "26.11.2026", "in the future"),
        ({"born": "02/03/1990"}, "birth_date", "02/03/1990", "YYYY-MM-DD or DD.MM.YYYY"),
        ({"email": "anna@example"}, "email", "anna@example", "needs a domain, e.g. name@example.org"),
        ({"profession": ""}, "profession", "", "is empty"),
        ({"family": "  "}, "family_name", "", "is empty"),
        ({"country": "Atlantis"}, "country_of_training", "Atlantis", "German or English"),
    ],
)
def test_a_bad_value_refuses_its_row_and_the_others_go_in(changes, field, value, fix):
    data = csv_bytes([GERMAN, person(given="Erste"), person(given="Zweite", **changes), person(given="Dritte")])
    outcome = results(data)
    assert outcome[2].given_name == "Erste" and outcome[4].given_name == "Dritte"
    [error] = outcome[3]
    assert (error.row, error.field, error.value) == (3, field, value)
    assert fix in error.message and error.message_de
    assert str(error).startswith(f"row 3, {field}: ")


def test_every_error_of_a_row_is_reported_not_only_the_first():
    data = csv_bytes([GERMAN, person(given="", born="31.02.1990", district="Bremen", language="xx",
                                     email="nomail", profession="")])
    errors = results(data)[2]
    assert [e.field for e in errors] == ["given_name", "birth_date", "district", "language", "email", "profession"]
    assert all(e.row == 2 and e.message and e.message_de for e in errors)


def test_a_long_value_is_clipped_in_the_report_and_control_characters_shown():
    errors = results(csv_bytes([GERMAN, person(given="x" * 150, family="Mül\x07ler")]))[2]
    by_field = {e.field: e for e in errors}
    assert by_field["given_name"].value == "x" * 60 + "…"
    assert by_field["family_name"].value == "Mül\\x07ler"  # the control character made visible, not lost


def test_a_row_with_more_values_than_columns_is_refused_as_a_row():
    header = ENGLISH
    data = csv_bytes([header, ["Anna", "Muster", "1990-01-01", "verden", "de", "Arzt", "Chirurg"],
                      ["Bea", "Muster", "1990-01-01", "verden", "de", "Ärztin", "", ""]], delimiter=",", bom=False)
    outcome = results(data)
    [error] = outcome[2]
    assert error.field == "row" and "Chirurg" in error.message and "quotes" in error.message
    assert outcome[3].given_name == "Bea"  # empty cells past the last column are harmless


def test_a_row_with_fewer_values_reports_the_missing_required_fields():
    data = "given_name,family_name,birth_date,district,language,profession\nAnna,Muster,1990-01-01\n".encode()
    assert [e.field for e in results(data)[2]] == ["district", "language", "profession"]


# --- row numbers as the spreadsheet shows them ----------------------------------------------------


def test_blank_lines_are_skipped_but_counted():
    data = csv_bytes([GERMAN, person(given="A"), [], [""] * 12, person(given="B", district="Bremen")])
    outcome = results(data)
    assert sorted(outcome) == [2, 5]
    assert outcome[5][0].row == 5


def test_a_value_with_a_line_break_keeps_the_row_numbers_right():
    header = [*ENGLISH, "Bemerkung"]
    data = csv_bytes([
        header,
        ["Anna", "Muster", "1990-01-01", "verden", "de", "Arzt", "spricht gut Deutsch\nB2-Zertifikat"],
        ["Olga\nMaria", "Muster", "1990-01-01", "verden", "de", "Ärztin", ""],
        ["Bea", "Muster", "1990-01-01", "Bremen", "de", "Ärztin", ""],
    ])
    table = parse(data)
    assert table.unknown_columns == ("Bemerkung",)
    outcome = results(data)
    assert outcome[2].given_name == "Anna"
    assert outcome[3][0].field == "given_name" and "line break" in outcome[3][0].message
    assert outcome[4][0].row == 4 and outcome[4][0].field == "district"


# --- the header -----------------------------------------------------------------------------------


def test_an_unknown_column_is_reported_not_dropped_silently():
    table = parse(csv_bytes([[*GERMAN, "Notizen", "Staatsangehörigkeit"], [*person(), "x", "UA"]]))
    assert table.unknown_columns == ("Notizen", "Staatsangehörigkeit")
    assert "Notizen" not in table.rows[0].values


def test_values_under_a_column_without_header_are_reported():
    table = parse(csv_bytes([[*GERMAN, ""], [*person(), "Notiz"]]))
    assert table.unknown_columns == ("column M (no header)",)
    assert parse(csv_bytes([[*GERMAN, ""], [*person(), ""]])).unknown_columns == ()


def test_a_missing_required_column_is_refused_before_any_row_is_read():
    header = [h for h in GERMAN if h != "Geburtsdatum"]
    rows = [header, ["", "", "", "Bremen", "xx", "", "", "", "", "", ""]]
    error = refusal(csv_bytes(rows))
    assert "lacks the required column Geburtsdatum (birth_date)" in error.message
    assert "accepted headers" in error.message and "Nachname or Familienname" in error.message
    assert "Pflichtspalte Geburtsdatum" in error.message_de


def test_two_columns_for_the_same_field_are_refused():
    header = [*GERMAN, "Familienname"]
    error = refusal(csv_bytes([header, [*person(), "Meier"]]))
    assert "'Nachname' (B) and 'Familienname' (M) both give family_name" in error.message


def test_a_header_alone_gives_no_rows():
    assert parse(csv_bytes([GERMAN])).rows == ()


# --- files that are refused -----------------------------------------------------------------------


ASCII_GERMAN = [*GERMAN[:-1], "Buergergeld"]


def test_a_windows_1252_file_is_refused_with_how_to_save_as_utf8():
    data = csv_bytes([ASCII_GERMAN, person(family="Meier"), person(given="Jürgen")], bom=False, encoding="cp1252")
    error = refusal(data)
    assert "not UTF-8" in error.message and "line 3" in error.message and "0xFC" in error.message
    assert "CSV UTF-8 (durch Trennzeichen getrennt)" in error.message and "Unicode (UTF-8)" in error.message
    assert "Zeile 3" in error.message_de


def test_an_ascii_only_windows_1252_file_is_read_because_it_is_the_same_bytes():
    data = csv_bytes([ASCII_GERMAN, person(family="Muster")], bom=False, encoding="cp1252")
    assert results(data)[2].family_name == "Muster"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf16_file_is_refused(encoding):
    error = refusal(csv_bytes([GERMAN, person()], bom=False, encoding=encoding))
    assert "UTF-16" in error.message and "CSV UTF-8" in error.message


def test_an_excel_workbook_is_refused():
    assert "Excel workbook" in refusal(b"PK\x03\x04" + b"\x00" * 40).message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b" ; ;\n"])
def test_an_empty_file_is_refused(data):
    assert "is empty" in refusal(data).message


def test_a_quote_that_never_closes_is_refused():
    data = ("Vorname;Nachname;Geburtsdatum;Landkreis;Sprache;Beruf\n"
            'Anna;"Muster;1990-01-01;verden;de;Arzt\n'
            "Bea;Muster;1990-01-01;verden;de;Arzt\n").encode()
    error = refusal(data)
    assert "row 2" in error.message and "never closes" in error.message


def test_a_tab_separated_file_is_refused_with_the_delimiters_taken():
    data = csv_bytes([GERMAN, person()], delimiter="\t")
    assert "tabs" in refusal(data).message


# --- property -------------------------------------------------------------------------------------

# Names without the characters the parsers refuse (control, line separators, surrogates, bidi
# overrides, BOM) and without surrounding whitespace, which is the one thing that is removed.
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
                           blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"),
    min_size=1,
    max_size=100,
).filter(lambda s: s.strip() == s and unicodedata.normalize("NFC", s) == s).filter(
    lambda s: not s.startswith(v.FORMULA_PREFIXES) and not v._MARKUP.search(s) and not any(m in s for m in v._TEMPLATE))


@settings(max_examples=300, deadline=None)
@given(given_name=names, family_name=names, delimiter=st.sampled_from([";", ","]), bom=st.booleans())
def test_any_name_survives_a_round_trip_through_a_csv_file(given_name, family_name, delimiter, bom):
    rows = [ENGLISH, [given_name, family_name, "1990-01-01", "verden", "de", "Arzt"]]
    [row] = parse(csv_bytes(rows, delimiter=delimiter, bom=bom)).rows
    valid = validate_row(row, today=TODAY, districts=DISTRICTS)
    assert (valid.given_name, valid.family_name) == (given_name, family_name)
