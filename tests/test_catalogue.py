"""The data files: complete, sourced, and every profession routes for every district."""

import shutil
from pathlib import Path

import pytest

from domain.catalogue import GROUPS
from domain.errors import CatalogueError
from domain.routing import route
from welcome_center.catalogue import load_catalogue_from

from .conftest import ROOT


def test_at_least_120_reference_occupations_across_every_group(catalogue):
    assert len(catalogue.professions) >= 120
    assert {p.group for p in catalogue.professions.values()} == set(GROUPS)


def test_both_districts_and_every_body_from_the_fact_sheet(catalogue):
    assert set(catalogue.districts) == {"verden", "osterholz"}
    expected = {
        "ihk_fosa", "ihk_elbe_weser", "hwk_bls", "ls_lueneburg", "nizza", "apothekerkammer_nds",
        "rlsb_lueneburg", "mk_niedersachsen", "hs_hannover", "ingenieurkammer_nds",
        "architektenkammer_nds", "rak_celle", "lwk_niedersachsen", "zab", "aekwl",
    }
    assert expected <= set(catalogue.bodies)
    for body in catalogue.bodies.values():
        assert body.source_url.startswith("http"), body.key
        assert body.street and body.postcode and body.city, body.key


def test_every_profession_routes_to_an_existing_body_for_both_districts(catalogue):
    for profession in catalogue.professions.values():
        assert profession.source, profession.key
        assert profession.legal_basis and profession.law, profession.key
        for district in catalogue.districts:
            result = route(profession.name, district, catalogue)
            assert result.matched, f"{profession.key}: {result.reason}"
            assert result.profession.key == profession.key
            assert result.body.key in catalogue.bodies
            assert district in result.body.districts


def test_every_synonym_finds_its_profession(catalogue):
    for profession in catalogue.professions.values():
        for language, words in profession.synonyms:
            for word in words:
                result = route(word, "osterholz", catalogue)
                if result.matched:
                    assert result.profession.key == profession.key, (word, language, result.profession.key)
                else:  # a truly ambiguous word: offered, never guessed
                    assert profession.key in {c.profession.key for c in result.candidates}, (word, language)


def test_every_entry_has_german_english_and_ukrainian_words(catalogue):
    for profession in catalogue.professions.values():
        for language in ("de", "en", "uk"):
            assert profession.words(language), (profession.key, language)


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


BROKEN_ENTRY = """
- key: broken_entry
  name: Kaputter Beruf
  group: ihk
  regulated: false
  law: BQFG
  legal_basis: "§ 4 BQFG"
  procedure: BQFG
  procedure_family: non_regulated
  body: {body}
  source: {source}
  verified: true
  synonyms:
    de: [Kaputtberuf]
    en: [broken]
    uk: [зламаний]
"""


def test_profession_pointing_to_a_missing_body_is_rejected_with_file_line_entry_and_field(data_copy):
    file = data_copy / "professions" / "zz_broken.yaml"
    file.write_text(BROKEN_ENTRY.format(body="ihk_nowhere", source="https://example.org"), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue_from(data_copy)
    message = str(caught.value)
    assert "data/professions/zz_broken.yaml, line 10" in message
    assert "entry 'broken_entry'" in message
    assert "field 'body'" in message
    assert "unknown body 'ihk_nowhere'" in message


def test_profession_without_source_is_rejected(data_copy):
    file = data_copy / "professions" / "zz_broken.yaml"
    file.write_text(BROKEN_ENTRY.format(body="ihk_fosa", source='""'), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"entry 'broken_entry', field 'source': is missing"):
        load_catalogue_from(data_copy)


def test_body_serving_an_unknown_district_is_rejected(data_copy):
    _append(
        data_copy / "bodies.yaml",
        "\n- key: somewhere\n  name: X\n  street: S\n  postcode: '1'\n  city: C\n  legal_basis: L\n"
        "  source_url: https://x.example\n  verified: false\n  districts: [bremen]\n",
    )
    with pytest.raises(CatalogueError, match=r"bodies.yaml, line \d+, entry 'somewhere', field 'districts': unknown district 'bremen'"):
        load_catalogue_from(data_copy)


def test_yaml_syntax_error_names_the_line(data_copy):
    _append(data_copy / "districts.yaml", "\n- key: [unclosed\n")
    with pytest.raises(CatalogueError, match=r"districts.yaml, line \d+"):
        load_catalogue_from(data_copy)


def test_duplicate_profession_key_names_the_first_file(data_copy, catalogue):
    some = next(iter(catalogue.professions.values()))
    file = data_copy / "professions" / "zz_dup.yaml"
    file.write_text(BROKEN_ENTRY.replace("broken_entry", some.key).format(body="ihk_fosa", source="https://x.example"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=f"already defined in {some.file}"):
        load_catalogue_from(data_copy)


def test_body_may_differ_per_district(data_copy):
    file = data_copy / "professions" / "zz_split.yaml"
    file.write_text(
        BROKEN_ENTRY.replace("broken_entry", "split_entry").format(
            body="{verden: ihk_fosa, osterholz: hwk_bls}", source="https://x.example"
        ),
        encoding="utf-8",
    )
    catalogue = load_catalogue_from(data_copy)
    assert route("Kaputtberuf", "verden", catalogue).body.key == "ihk_fosa"
    assert route("Kaputtberuf", "osterholz", catalogue).body.key == "hwk_bls"
