"""Routing: what people type → reference occupation → body, with the reason; candidates, never a guess."""

import pytest

from domain.errors import InvalidInput, UnknownDistrict
from domain.routing import route


def key_of(text, catalogue, district="verden"):
    result = route(text, district, catalogue)
    assert result.matched, result.reason
    return result.profession.key


@pytest.mark.parametrize(
    "typed",
    ["Pflegefachfrau", "Pflegefachmann", "Krankenschwester", "Krankenpfleger", "KRANKENSCHWESTER", "nurse", "медсестра", "ممرضة"],
)
def test_nurse_in_every_form_routes_to_the_state_office(typed, catalogue):
    result = route(typed, "verden", catalogue)
    assert result.profession.key == "pflegefachmann"
    assert result.profession.regulated is True
    assert result.body.key == "ls_lueneburg"
    assert "reglementiert" in result.reason and "§ 3 Abs. 5 BQFG" in result.reason


@pytest.mark.parametrize("typed", ["Erzieherin", "Erzieher", "Erzieher/in", "ErzieherIn", "Erzieher*in", "вихователька"])
def test_female_male_and_gender_neutral_forms(typed, catalogue):
    assert key_of(typed, catalogue) == "erzieher"


@pytest.mark.parametrize("typed", ["Kfz-Mechaniker", "KFZ MECHANIKER", "Automechaniker", "car mechanic", "автомеханік"])
def test_older_names_and_other_languages_of_a_craft(typed, catalogue):
    result = route(typed, "osterholz", catalogue)
    assert result.profession.key == "kfz_mechatroniker"
    assert result.profession.regulated is False
    assert result.body.key == "hwk_bls"


def test_exact_and_normalised_matches_are_told_apart(catalogue):
    assert route("Erzieherin", "verden", catalogue).method == "exact"
    assert route("Erzieher/in", "verden", catalogue).method == "normalised"
    assert route("Tierärzt*in", "verden", catalogue).method == "normalised"


@pytest.mark.parametrize(
    "typo, expected",
    [("Krankenschwster", "pflegefachmann"), ("Pflegefachfrua", "pflegefachmann"), ("Hebame", "hebamme"), ("Tischlr", "tischler"), ("медсестраа", "pflegefachmann")],
)
def test_typos_route_with_a_score(typo, expected, catalogue):
    result = route(typo, "verden", catalogue)
    assert result.profession.key == expected
    assert result.method == "fuzzy"
    assert 88 <= result.score < 100
    assert f"Übereinstimmung {result.score} %" in result.reason


@pytest.mark.parametrize("sentence", ["Ich bin Krankenschwester", "ich bin gelernte Krankenschwester", "I was a nurse"])
def test_a_profession_in_a_sentence_of_filler_words_is_found(sentence, catalogue):
    assert key_of(sentence, catalogue) == "pflegefachmann"


@pytest.mark.parametrize("text, offered", [("Ingenieur Elektrik", "ing_elektro"), ("Krankenschwester aus Kiew", "pflegefachmann")])
def test_other_words_around_a_synonym_make_it_a_candidate(text, offered, catalogue):
    result = route(text, "verden", catalogue)
    assert not result.matched
    assert offered in [c.profession.key for c in result.candidates]


def test_a_compound_is_not_taken_for_its_last_part(catalogue):
    # "Tierärztin" (veterinarian) contains "Ärztin": it is the veterinarian, never the doctors' body
    result = route("Tierärztin", "verden", catalogue)
    assert result.profession.key == "tierarzt"
    assert result.body.key == "tieraerztekammer_nds"


def test_unknown_text_gives_at_most_five_ranked_candidates(catalogue):
    result = route("Astronaut", "verden", catalogue)
    assert not result.matched and result.profession is None and result.body is None
    assert 1 <= len(result.candidates) <= 5
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert "keinem Referenzberuf sicher zuzuordnen" in result.reason


def test_nonsense_gives_no_candidates_and_says_where_to_look(catalogue):
    result = route("qwertzuiop", "verden", catalogue)
    assert not result.matched and result.candidates == ()
    assert "Anerkennungs-Finder" in result.reason


def test_an_ambiguous_word_offers_each_meaning(catalogue):
    result = route("carpenter", "verden", catalogue)
    assert not result.matched
    assert {"tischler", "zimmerer"} <= {c.profession.key for c in result.candidates}
    assert "mehreren Referenzberufen" in result.reason


def test_teacher_routing_reports_the_recorded_conflict(catalogue):
    result = route("Lehrerin", "osterholz", catalogue)
    assert result.body.key == "rlsb_lueneburg"
    assert result.conflict and "Kultusministerium" in result.conflict
    assert "Zuständigkeit nicht eindeutig" in result.reason
    assert result.as_dict()["conflict"] == result.conflict


def test_non_conflicting_profession_has_no_conflict(catalogue):
    assert route("Krankenschwester", "verden", catalogue).conflict is None


def test_academic_degree_goes_to_zab_for_a_statement_not_a_recognition(catalogue):
    result = route("economist", "verden", catalogue)
    assert result.body.key == "zab"
    assert "Zeugnisbewertung" in result.reason


def test_reason_names_district_body_address_and_source(catalogue):
    result = route("Hebamme", "osterholz", catalogue)
    assert "Landkreis Osterholz" in result.reason
    assert result.body.address in result.reason
    assert "Quelle:" in result.reason


@pytest.mark.parametrize("district", ["verden", "VERDEN", "Landkreis Verden", "VER", " verden "])
def test_district_may_be_written_as_key_name_or_prefix(district, catalogue):
    assert route("Hebamme", district, catalogue).district == "verden"


def test_unknown_district_names_the_served_ones(catalogue):
    with pytest.raises(UnknownDistrict, match="'Bremen' is not served; use verden or osterholz"):
        route("Hebamme", "Bremen", catalogue)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "is empty"),
        ("   ", "is empty"),
        (None, "is empty"),
        ("x" * 10_000, "10,000 characters long"),
        ("Kranken\x07schwester", "control character U+0007"),
        ("Kranken\nschwester", "control character U+000A"),
    ],
)
def test_bad_profession_text_is_refused_with_the_fix(text, fragment, catalogue):
    with pytest.raises(InvalidInput) as caught:
        route(text, "verden", catalogue)
    assert caught.value.field == "profession"
    assert fragment in str(caught.value)


def test_surrounding_whitespace_and_a_trailing_newline_are_ignored(catalogue):
    assert key_of("  Hebamme\n", catalogue) == "hebamme"


def test_json_shape(catalogue):
    payload = route("Hebamme", "verden", catalogue).as_dict()
    assert {"query", "district", "reference_occupation", "regulated", "law", "body", "reason", "candidates"} <= set(payload)
    assert set(payload["body"]) >= {"key", "name", "address", "email"}
    assert payload["candidates"] == []
