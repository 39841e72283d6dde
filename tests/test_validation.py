"""Field parsers: what an adviser types in a cell, an option or a form field → a typed value, or
a message that names the value and the fix in English and German."""

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import validation as v
from domain.errors import InvalidInput
from domain.validation import FieldError

TODAY = date(2026, 11, 25)


def refused(parse, *args, **kwargs) -> FieldError:
    with pytest.raises(FieldError) as caught:
        parse(*args, **kwargs)
    error = caught.value
    assert isinstance(error, InvalidInput)  # the CLI and web already turn these into one line
    assert error.message and error.message_de and error.message != error.message_de
    return error


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Олександра",
        "Ґалина-Марія",
        "محمد عبد الله",
        "مهر\u200cانگیز",  # Persian with a zero-width non-joiner, which the spelling needs
        "O'Brien",
        "Jean-Luc",
        "Nguyễn Thị Minh Khai",
        "Ærøskøbing-Šťastná",
        "D’Angelo",
        "Anne Marie",
        "Иван-Петров",
        "Ζωή",
        "李小龍",
    ],
)
def test_names_are_kept_exactly_as_written(name):
    assert v.given_name(name) == name
    assert v.family_name(name) == name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("-", "name.formula"),
        ("=HYPERLINK(\"http://x\",\"y\")", "name.formula"),
        ("+49", "name.formula"),
        ("@SUM(A1)", "name.formula"),
        ("|cmd", "name.formula"),
        ("\tAnna", "name.formula"),
        ("\rAnna", "name.formula"),
        ("<b>Anna</b>", "name.markup"),
        ("<script>alert(1)</script>", "name.markup"),
        ("Anna<img src=x onerror=alert(1)>", "name.markup"),
        ("{{ 7*7 }}", "name.template"),
        ("{% include 'x' %}", "name.template"),
        ("Anna ${jndi:x}", "name.template"),
        ("An\x00na", "text.invisible_character"),
        ("An\x1bna", "text.invisible_character"),
    ],
)
def test_a_name_a_spreadsheet_browser_or_template_would_act_on_is_refused_with_field_and_fix(name, code):
    for parser, field in ((v.given_name, "given_name"), (v.family_name, "family_name")):
        with pytest.raises(v.FieldError) as refused:
            parser(name)
        assert refused.value.code == code and refused.value.field == field
        assert "passport" in refused.value.message or "retype" in refused.value.message
        assert refused.value.message_de


def test_a_name_typed_in_nfd_is_stored_in_nfc():
    nfd, nfc = "Zoe\u0308", "Zo\u00eb"
    assert v.given_name(nfd) == nfc and v.family_name(f"M{nfd}ller") == f"M{nfc}ller"


def test_the_identity_key_folds_case_and_normalisation_but_not_the_birth_date():
    born = date(1990, 1, 2)
    key = v.person_identity_key("Zo\u00eb", "M\u00fcller", born)
    assert v.person_identity_key("Zoe\u0308", "Mu\u0308ller", born) == key
    assert v.person_identity_key("ZO\u00cb", "M\u00dcLLER", born) == key
    assert v.person_identity_key("Zoe", "Muller", born) != key
    assert v.person_identity_key("Zo\u00eb", "M\u00fcller", date(1990, 1, 3)) != key


def test_only_surrounding_whitespace_is_removed():
    assert v.given_name("  Anna  Maria \u00a0") == "Anna  Maria"


@pytest.mark.parametrize("empty", [None, "", "   ", "\u00a0"])
def test_an_empty_name_is_refused(empty):
    error = refused(v.family_name, empty)
    assert error.field == "family_name"
    assert "is empty" in error.message and "passport" in error.message
    assert "Pass" in error.message_de


def test_a_name_of_100_characters_is_taken_and_of_101_refused():
    assert v.given_name("a" * 100) == "a" * 100
    error = refused(v.given_name, "a" * 101)
    assert "101 characters" in error.message and "at most 100" in error.message


@pytest.mark.parametrize(
    "name, shown",
    [
        ("Anna\tMaria", "a tab"),
        ("Anna\nMaria", "a line break"),
        ("Anna\x00", "U+0000"),
        ("Anna\x1b[31m", "U+001B"),
        ("Anna\u202eairaM", "U+202E"),  # right-to-left override: shows as "AnnaMaria"
        ("\ufeffAnna", "U+FEFF"),
        ("Anna\u2028Maria", "U+2028"),
    ],
)
def test_control_and_invisible_characters_in_a_name_are_refused(name, shown):
    error = refused(v.given_name, name)
    assert shown in error.message
    assert "retype" in error.message


# --- birth date -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1990-03-25", date(1990, 3, 25)),
        ("25.03.1990", date(1990, 3, 25)),
        ("5.3.1990", date(1990, 3, 5)),
        (" 05.03.1990 ", date(1990, 3, 5)),
        ("29.02.2024", date(2024, 2, 29)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2026-11-25", TODAY),
    ],
)
def test_birth_date_in_iso_or_german_form(typed, expected):
    assert v.birth_date(typed, today=TODAY) == expected


@pytest.mark.parametrize("typed", ["2026-02-30", "30.02.2026", "29.02.2023", "31.04.1990", "1990-13-01", "00.01.1990"])
def test_a_date_that_does_not_exist_is_refused(typed):
    error = refused(v.birth_date, typed, today=TODAY)
    assert error.field == "birth_date"
    assert f"'{typed}' is not a real date" in error.message
    assert "kein gültiges Datum" in error.message_de


def test_a_birth_date_in_the_future_is_refused():
    error = refused(v.birth_date, "26.11.2026", today=TODAY)
    assert "in the future" in error.message and "2026-11-25" in error.message
    assert "Zukunft" in error.message_de


def test_a_birth_date_before_1900_is_refused():
    assert "before 1900" in refused(v.birth_date, "31.12.1899", today=TODAY).message


@pytest.mark.parametrize("typed", ["02/03/1990", "1990", "3.5.90", "1990-3-5", "25 March 1990", "١٩٩٠-٠٣-٢٥", "1990-03-25T00:00"])
def test_other_date_forms_are_refused_naming_both_accepted_forms(typed):
    error = refused(v.birth_date, typed, today=TODAY)
    assert "YYYY-MM-DD or DD.MM.YYYY" in error.message
    assert "JJJJ-MM-TT oder TT.MM.JJJJ" in error.message_de


def test_an_empty_birth_date_is_refused():
    assert "is empty" in refused(v.birth_date, "", today=TODAY).message


# --- coded values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [("f", "f"), ("W", "f"), ("m", "m"), ("M", "m"), ("d", "d"), ("X", "d"), ("", None), (None, None), (" w ", "f")],
)
def test_sex(typed, expected):
    assert v.sex(typed) == expected


def test_an_unknown_sex_entry_is_refused_with_the_choices():
    error = refused(v.sex, "weiblich")
    assert "f (or w), m, d (or x)" in error.message


def test_iso_639_1_has_all_184_codes():
    assert len(v.ISO_639_1) == 184
    assert {"uk", "ru", "ar", "fa", "tr", "en", "de", "ku", "ps", "ti", "so", "am", "sq", "ro"} <= v.ISO_639_1


@pytest.mark.parametrize("typed, expected", [("uk", "uk"), ("UK", "uk"), (" Ar ", "ar"), ("FA", "fa")])
def test_language_code_in_any_case(typed, expected):
    assert v.language(typed) == expected


@pytest.mark.parametrize("typed", ["xx", "ukr", "Ukrainisch", "Ukrainian", "u"])
def test_an_unknown_language_is_refused_with_examples(typed):
    error = refused(v.language, typed)
    assert "use a two-letter ISO 639-1 code such as uk, ru, ar, fa, tr, en, de" in error.message


def test_a_country_code_given_as_language_gets_a_hint():
    assert "probably 'uk'" in refused(v.language, "UA").message


def test_an_empty_language_is_refused():
    assert "is empty" in refused(v.language, " ").message


# --- contact --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["anna@example.org", "a.b-c+tag@mail.example.co.uk", "олена@приклад.укр", " x@y.de "])
def test_email_addresses_are_taken(typed):
    assert v.email(typed) == typed.strip()


def test_an_empty_email_is_none():
    assert v.email("") is None and v.email(None) is None


@pytest.mark.parametrize("typed", ["anna@example", "anna", "anna@", "@example.org", "anna@.org", "anna@example."])
def test_an_email_without_a_domain_is_refused(typed):
    error = refused(v.email, typed)
    assert error.field == "email"
    assert "an e-mail address needs a domain, e.g. name@example.org" in error.message


@pytest.mark.parametrize("typed, fix", [("a@b.de; c@d.de", "one address"), ("a@b@c.de", "one address"), ("anna @example.org", "spaces")])
def test_an_email_with_two_addresses_or_spaces_is_refused(typed, fix):
    assert fix in refused(v.email, typed).message


def test_phone_is_free_text_kept_as_written():
    assert v.phone("+49 4231 12345 (abends)") == "+49 4231 12345 (abends)"
    assert v.phone("") is None
    assert "at most 50" in refused(v.phone, "1" * 51).message
    assert "a line break" in refused(v.phone, "0421\n123").message


# --- yes/no ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["yes", "YES", "y", "ja", "Ja", "j", "true", "TRUE", "WAHR", "1"])
def test_yes(typed):
    assert v.yes_no("fast_track", typed) is True


@pytest.mark.parametrize("typed", ["no", "n", "nein", "NEIN", "false", "FALSCH", "0"])
def test_no(typed):
    assert v.yes_no("fast_track", typed, default=True) is False


def test_empty_yes_no_takes_the_default():
    assert v.yes_no("fast_track", "") is False
    assert v.yes_no("fast_track", None, default=True) is True


def test_an_unclear_yes_no_is_refused_naming_the_field():
    error = refused(v.yes_no, "receives_buergergeld", "vielleicht")
    assert error.field == "receives_buergergeld"
    assert "yes or no" in error.message and "ja/nein" in error.message


# --- district and profession ----------------------------------------------------------------------


def test_district_in_any_case():
    assert v.district(" VERDEN ", known=("verden", "osterholz")) == "verden"


def test_an_unknown_district_is_refused_naming_the_served_ones():
    error = refused(v.district, "Bremen", known=("verden", "osterholz"))
    assert error.message == "'Bremen' is not served; use verden or osterholz"


def test_an_empty_profession_is_refused_in_both_languages():
    error = refused(v.profession, "  ")
    assert error.field == "profession" and "Krankenschwester" in error.message_de


def test_profession_is_kept_as_the_person_says_it():
    assert v.profession(" медсестра ") == "медсестра"


# --- export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, exported",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+49 4231 12345", "'+49 4231 12345"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Anna", "Anna"),
        ("", ""),
        ("O'Brien", "O'Brien"),
    ],
)
def test_csv_export_neutralises_formulas(value, exported):
    assert v.csv_safe(value) == exported


def test_a_formula_typed_in_another_field_is_stored_as_typed_and_neutralised_only_on_export():
    typed = '=HYPERLINK("http://x","y")'
    stored = v.phone(typed)
    assert stored == typed and v.looks_like_formula(stored)
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerow([v.csv_safe(stored), "Müller"])
    assert out.getvalue() == '"\'=HYPERLINK(""http://x"",""y"")";Müller\r\n'


@given(st.text(max_size=30))
def test_no_exported_cell_starts_a_formula(value):
    assert not v.looks_like_formula(v.csv_safe(value))
