"""Countries of training: names as German offices, advisers and certificates write them, from well-kept
sources (ISO 3166 via pycountry, CLDR via Babel) and data/countries.yaml; EU, EEA and Switzerland."""

import pytest

from adapters.catalogue import load_countries
from domain.countries import country
from domain.validation import FieldError
from tests.conftest import ROOT

TABLE = load_countries(ROOT / "data")


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Ukraine", "UA"), ("Syrien", "SY"), ("Syria", "SY"), ("Türkei", "TR"), ("Tuerkei", "TR"),
        ("turkey", "TR"), ("Türkiye", "TR"), ("Russland", "RU"), ("Weißrussland", "BY"),
        ("Moldawien", "MD"), ("Republik Moldau", "MD"), ("Kosovo", "XK"), ("Bosnien und Herzegowina", "BA"),
        ("Bosnia-Herzegovina", "BA"), ("Nordmazedonien", "MK"), ("Vereinigte Staaten", "US"), ("USA", "US"),
        ("UK", "GB"), ("Großbritannien", "GB"), ("Grossbritannien", "GB"), ("Ägypten", "EG"),
        ("Aegypten", "EG"), ("Côte d'Ivoire", "CI"), ("Österreich", "AT"), ("Tschechien", "CZ"),
        ("Czech Republic", "CZ"), ("Deutschland", "DE"),
        ("ua", "UA"), ("UKR", "UA"), ("syr", "SY"), ("NZ", "NZ"), ("jp", "JP"), ("NZL", "NZ"),
        # the forms German offices write (ISO 3166-1 German names, Debian iso-codes)
        ("Korea, Republik", "KR"), ("Syrien, Arabische Republik", "SY"), ("Russische Föderation", "RU"),
        ("Iran, Islamische Republik", "IR"), ("Moldau, Republik", "MD"), ("Kongo, Demokratische Republik", "CD"),
        ("Palästina, Staat", "PS"), ("Venezuela, Bolivarische Republik", "VE"), ("Vereinigtes Königreich", "GB"),
        ("TÜRKEI", "TR"), ("  russische föderation ", "RU"),
        # the same names in the order of running text, made from the list forms (no table of its own)
        ("Islamische Republik Iran", "IR"), ("Arabische Republik Syrien", "SY"),
        ("Vereinigte Republik Tansania", "TZ"), ("Demokratische Volksrepublik Korea", "KP"),
        # CLDR's German and English short names
        ("Südkorea", "KR"), ("Kongo-Kinshasa", "CD"), ("South Korea", "KR"), ("Vietnam", "VN"),
    ],
)
def test_country_of_training_by_name_or_code(typed, expected):
    assert country(typed, table=TABLE) == expected


def test_an_empty_country_is_none():
    assert country("", table=TABLE) is None and country(None, table=TABLE) is None


@pytest.mark.parametrize("typed", ["Atlantis", "QQ", "Europa", "Kreis Verden"])
def test_an_unknown_country_is_refused_with_examples(typed):
    with pytest.raises(FieldError) as refused:
        country(typed, table=TABLE)
    error = refused.value
    assert (error.code, error.field) == ("country.unknown", "country_of_training")
    assert "German or English" in error.message and "UA, SY, TR" in error.message
    assert "Deutsch oder Englisch" in error.message_de


def test_every_iso_country_is_known_by_both_codes_and_its_german_name():
    import pycountry

    assert len(list(pycountry.countries)) == 249
    for entry in pycountry.countries:
        assert country(entry.alpha_2, table=TABLE) == entry.alpha_2
        assert country(entry.alpha_3, table=TABLE) == entry.alpha_2
        assert TABLE.name_de(entry.alpha_2)


@pytest.mark.parametrize("code", ["DE", "PL", "RO", "BG", "HR", "GR", "NL", "pl", "NO", "IS", "LI", "CH"])
def test_eu_eea_and_switzerland(code):
    assert TABLE.is_eu_eea_ch(code)


@pytest.mark.parametrize("code", ["UA", "GB", "TR", "RS", "XK", "US", "SY", "MD"])
def test_third_countries(code):
    assert not TABLE.is_eu_eea_ch(code)


def test_eu_eea_and_switzerland_are_31_states():
    assert len(TABLE.eu_eea_ch) == 31


def test_the_german_name_advisers_read_comes_from_cldr():
    assert (TABLE.name_de("KR"), TABLE.name_de("SY"), TABLE.name_de("XK")) == ("Südkorea", "Syrien", "Kosovo")
