"""The data files: complete, sourced, and every profession routes for every district."""

import shutil
from pathlib import Path

import pytest

from domain.catalogue import GROUPS, LANGUAGES, MEASURES, build_catalogue
from domain.errors import CatalogueError
from domain.routing import route
from adapters.catalogue import load_catalogue_from, read_yaml

from .conftest import ROOT


def build_with_procedures(data_dir: Path):
    """The catalogue with data/procedures.yaml, as adapters.catalogue builds it; its
    loader passes the file (until then the app's catalogue carries no procedure facts)."""

    def parsed(path: Path):
        shown = f"data/{path.relative_to(data_dir).as_posix()}"
        return shown, read_yaml(path, shown)

    return build_catalogue(
        districts=parsed(data_dir / "districts.yaml"),
        bodies=parsed(data_dir / "bodies.yaml"),
        professions=[parsed(p) for p in sorted((data_dir / "professions").glob("*.yaml"))],
        procedures=parsed(data_dir / "procedures.yaml"),
    )


@pytest.fixture(scope="module")
def full_catalogue():
    return build_with_procedures(ROOT / "data")


def test_at_least_260_reference_occupations_across_every_group(catalogue):
    assert len(catalogue.professions) >= 260
    assert {p.group for p in catalogue.professions.values()} == set(GROUPS)


def test_both_districts_and_every_body_from_the_fact_sheet(catalogue):
    assert set(catalogue.districts) == {"verden", "osterholz"}
    expected = {
        "ihk_fosa", "ihk_elbe_weser", "hwk_bls", "ls_lueneburg", "nizza", "apothekerkammer_nds",
        "rlsb_lueneburg", "mk_niedersachsen", "hs_hannover", "ingenieurkammer_nds",
        "architektenkammer_nds", "rak_celle", "lwk_niedersachsen", "zab", "aekwl",
        # added 2026-12 (domain.md §9): veterinarians, psychotherapists, tax advisers, EU lawyers, food chemists
        "tieraerztekammer_nds", "pk_nds", "stbk_nds", "gjpa_berlin", "ml_niedersachsen", "mi_niedersachsen",
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


def test_every_entry_has_words_in_all_seven_languages(catalogue):
    """German, English, Ukrainian, Russian, Arabic, Turkish and Farsi/Dari: the languages of the
    people the Welcome Center advises."""
    for profession in catalogue.professions.values():
        for language in LANGUAGES:
            assert profession.words(language), (profession.key, language)


def test_turkish_is_written_in_latin_and_farsi_in_persian_script(catalogue):
    for profession in catalogue.professions.values():
        for word in profession.words("tr"):
            assert not any("\u0600" <= ch <= "\u06ff" or "\u0400" <= ch <= "\u04ff" for ch in word), word
        for word in profession.words("fa"):
            assert any("\u0600" <= ch <= "\u06ff" for ch in word), word


def test_sources_name_a_public_page_and_never_an_internal_file(full_catalogue):
    for profession in full_catalogue.professions.values():
        texts = [profession.source, profession.note or "", profession.conflict.note if profession.conflict else ""]
        if profession.by_training:
            routes = profession.by_training
            texts += [routes.source, routes.eu.note, routes.third_country.note]
        assert "http" in profession.source, profession.key
        for text in texts:
            assert "domain.md" not in text and ".yaml" not in text, profession.key
    for body in full_catalogue.bodies.values():
        assert "domain.md" not in (body.verified_note or "") and "domain.md" not in body.legal_basis, body.key
    for procedure in {p.procedure_facts.key: p.procedure_facts for p in full_catalogue.professions.values()}.values():
        for fact in procedure.facts:
            assert fact.source and "domain.md" not in fact.source + (fact.note or ""), procedure.key


# --- Procedure after a decision (data/procedures.yaml) -------------------------------------------


def test_every_profession_has_the_facts_of_its_family(full_catalogue):
    families = set()
    for profession in full_catalogue.professions.values():
        facts = profession.procedure_facts
        assert facts is not None and facts.key == profession.procedure_family, profession.key
        assert (facts.regulates.value != "none") == profession.regulated, profession.key
        families.add(facts.key)
    assert len(families) >= 15


def test_the_apps_catalogue_carries_every_professions_procedure_facts(catalogue):
    """adapters.catalogue passes data/procedures.yaml: what follows a decision is known for every
    reference occupation the app routes to."""
    missing = [key for key, profession in catalogue.professions.items() if profession.procedure_facts is None]
    assert not missing
    assert catalogue.professions["arzt"].procedure_facts.key == "approbation_medicine"


@pytest.mark.parametrize(
    "key, licence, third_country, eu, level, exam_body",
    [
        ("arzt", "Approbation", ("Kenntnisprüfung",), ("Eignungsprüfung",), "C1", "Ärztekammer Niedersachsen"),
        ("zahnarzt", "Approbation", ("Kenntnisprüfung",), ("Eignungsprüfung",), "C1", "Zahnärztekammer Niedersachsen"),
        ("apotheker", "Approbation", ("Kenntnisprüfung",), ("Eignungsprüfung",), "C1", "Apothekerkammer Niedersachsen"),
    ],
)
def test_academic_health_professions_third_country_kenntnispruefung_and_c1_specialist_language(
    key, licence, third_country, eu, level, exam_body, full_catalogue
):
    """§ 3 Abs. 3 BÄO, § 2 Abs. 3 ZHG, § 4 Abs. 3 BApO: Kenntnisprüfung after third-country training;
    the Fachsprachprüfung (C1) is taken at the chamber."""
    facts = full_catalogue.professions[key].procedure_facts
    assert facts.regulates.value == "activity"
    assert facts.licence.value == licence
    assert facts.compensation(eu=False).value.measures == third_country
    assert facts.compensation(eu=False).verified
    assert facts.compensation(eu=True).value.measures == eu
    assert not facts.compensation(eu=True).value.applicant_chooses
    assert facts.language.value.level == level and facts.language.value.exam == "Fachsprachprüfung"
    assert facts.language.value.body == exam_body
    assert set(facts.licence_documents.value) == {"Führungszeugnis", "ärztliche Bescheinigung", "Sprachzertifikat"}


def test_eu_doctors_take_the_aptitude_test_verified_dentists_and_pharmacists_inferred(full_catalogue):
    assert full_catalogue.professions["arzt"].procedure_facts.compensation(eu=True).verified
    for key in ("zahnarzt", "apotheker"):
        assert not full_catalogue.professions[key].procedure_facts.compensation(eu=True).verified


@pytest.mark.parametrize("key", ["pflegefachmann", "altenpfleger", "kinderkrankenpfleger", "gesundheits_krankenpfleger"])
def test_nursing_chooses_between_knowledge_test_and_adaptation_course(key, full_catalogue):
    """§ 40 Abs. 3 PflBG (third country): Kenntnisprüfung or Anpassungslehrgang at the applicant's
    choice; § 41 PflBG (EU/EEA/CH): Anpassungslehrgang or Eignungsprüfung; B2 for the licence."""
    facts = full_catalogue.professions[key].procedure_facts
    third, eu = facts.compensation(eu=False).value, facts.compensation(eu=True).value
    assert set(third.measures) == {"Kenntnisprüfung", "Anpassungslehrgang"} and third.applicant_chooses
    assert set(eu.measures) == {"Anpassungslehrgang", "Eignungsprüfung"} and eu.applicant_chooses
    assert facts.licence.value == "Erlaubnis zum Führen der Berufsbezeichnung"
    assert facts.language.value.level == "B2" and facts.language.verified
    assert "Führungszeugnis" in facts.licence_documents.value and facts.licence_documents.verified
    assert facts.verified == all(fact.verified for fact in facts.facts)


@pytest.mark.parametrize("key", ["ing_maschinenbau", "ing_bau", "ing_elektro", "architekt", "innenarchitekt", "lebensmittelchemiker"])
def test_engineers_architects_and_food_chemists_protect_only_the_title(key, full_catalogue):
    profession = full_catalogue.professions[key]
    assert profession.regulated
    assert profession.procedure_facts.regulates.value == "title"
    reason = route(profession.name, "verden", full_catalogue).reason
    assert "Geschützt ist nur die Berufsbezeichnung" in reason and "Pflicht" not in reason


def test_non_regulated_trades_have_no_licence_and_no_compensation_measure(full_catalogue):
    facts = full_catalogue.professions["kaufmann_einzelhandel"].procedure_facts
    assert facts.regulates.value == "none" and facts.licence.value is None
    assert facts.compensation(eu=False).value.measures == () == facts.compensation(eu=True).value.measures


def test_third_country_lawyers_and_tax_advisers_have_no_compensation_route(full_catalogue):
    lawyer = full_catalogue.professions["rechtsanwalt"].procedure_facts
    assert lawyer.compensation(eu=False).value.measures == ()
    assert "§ 206 BRAO" in lawyer.compensation(eu=False).note + lawyer.compensation(eu=False).source
    assert lawyer.compensation(eu=True).value.measures == ("Eignungsprüfung",)
    tax = full_catalogue.professions["steuerberater"].procedure_facts
    assert tax.compensation(eu=True).value.measures == ("Eignungsprüfung",)
    assert "§ 37a" in tax.compensation(eu=True).source


def test_reason_tells_the_licence_stage_early_and_by_country_of_training(full_catalogue):
    unknown = route("Ärztin", "verden", full_catalogue).reason
    assert "Nach positivem Bescheid: Approbation" in unknown
    assert "Drittstaat: Kenntnisprüfung" in unknown and "EU/EWR/Schweiz: Eignungsprüfung" in unknown
    assert "Deutsch C1, Fachsprachprüfung bei der Ärztekammer Niedersachsen" in unknown
    assert "Erst vor der Erteilung verlangt: Führungszeugnis, ärztliche Bescheinigung, Sprachzertifikat" in unknown
    third = route("Ärztin", "verden", full_catalogue, eu_training=False).reason
    assert "Ausbildung im Drittstaat: Kenntnisprüfung" in third and "Eignungsprüfung" not in third


def test_reasons_with_procedure_facts_name_no_internal_file(full_catalogue):
    for profession in full_catalogue.professions.values():
        for eu_training in (None, False):
            reason = route(profession.name, "osterholz", full_catalogue, eu_training=eu_training).reason
            assert "domain.md" not in reason and ".yaml" not in reason, profession.key
            assert "(ungeprüft)" in reason or profession.verified, profession.key


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


# --- A broken procedure or profession entry is refused with file, line, entry and field ------------


def test_procedure_fact_without_source_is_rejected_with_its_line(data_copy):
    path = data_copy / "procedures.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace('    exam: Fachsprachprüfung\n    body: Ärztekammer Niedersachsen\n    source: "https://www.nizza-niedersachsen.de (FAQ: Fachsprachprüfung nur im Antragsverfahren); https://soziales.niedersachsen.de"\n', '    exam: Fachsprachprüfung\n    body: Ärztekammer Niedersachsen\n', 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"data/procedures.yaml, line \d+, entry 'approbation_medicine', field 'language.source': is missing"):
        build_with_procedures(data_copy)


def test_unknown_compensation_measure_is_rejected(data_copy):
    path = data_copy / "procedures.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("value: [Kenntnisprüfung]\n      source: \"§ 3 Abs. 3 BÄO", "value: [Kentnisprüfung]\n      source: \"§ 3 Abs. 3 BÄO", 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        build_with_procedures(data_copy)
    message = str(caught.value)
    assert "entry 'approbation_medicine', field 'compensation.third_country.value'" in message
    assert "'Kentnisprüfung' is not one of " + ", ".join(MEASURES) in message


def test_profession_naming_an_unknown_family_is_rejected(data_copy):
    file = data_copy / "professions" / "zz_broken.yaml"
    file.write_text(BROKEN_ENTRY.replace("non_regulated", "nonregulated").format(body="ihk_fosa", source="https://x.example"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"zz_broken.yaml, line 9, entry 'broken_entry', field 'procedure_family': unknown family 'nonregulated'"):
        build_with_procedures(data_copy)


def test_regulated_entry_in_a_non_regulated_family_is_rejected(data_copy):
    file = data_copy / "professions" / "zz_broken.yaml"
    file.write_text(BROKEN_ENTRY.replace("regulated: false", "regulated: true").format(body="ihk_fosa", source="https://x.example"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"field 'procedure_family': family 'non_regulated' regulates 'none' but the entry says regulated: true"):
        build_with_procedures(data_copy)


def test_synonyms_under_an_unknown_language_code_are_rejected(data_copy):
    file = data_copy / "professions" / "zz_broken.yaml"
    file.write_text(BROKEN_ENTRY.format(body="ihk_fosa", source="https://x.example") + "    tk: [kırık]\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"field 'synonyms.tk': unknown language 'tk'"):
        load_catalogue_from(data_copy)


def test_default_body_must_be_one_of_the_training_routes(data_copy):
    file = data_copy / "professions" / "zz_broken.yaml"
    file.write_text(
        BROKEN_ENTRY.format(body="ihk_fosa", source="https://x.example").replace(
            "  synonyms:",
            "  by_training:\n    eu: {body: rlsb_lueneburg, note: EU}\n    third_country: {body: mk_niedersachsen, note: Drittstaat}\n"
            "    source: https://x.example\n    verified: false\n  synonyms:",
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=r"entry 'broken_entry', field 'body': must be one of the by_training bodies"):
        load_catalogue_from(data_copy)
