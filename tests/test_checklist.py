"""Document checklists (data/checklists.yaml): what each procedure needs, and what a case still lacks."""

import pytest

from domain.checklist import (
    STATUS_DE,
    CaseProfile,
    DocumentFacts,
    ItemStatus,
    Stage,
    build_checklist_rules,
    checklist,
    guess_item,
    is_complete,
    looks_certified,
    looks_translated,
    missing_items,
    required_items,
)
from domain.errors import CatalogueError
from adapters.catalogue import read_yaml

from .conftest import ROOT

SHOWN_AS = "data/checklists.yaml"

STATUTORY_MINIMUM = {  # § 5 Abs. 1 / § 12 Abs. 1 BQFG
    "lebenslauf", "identitaetsnachweis", "ausbildungsnachweise", "berufserfahrung", "erklaerung_kein_antrag",
}

# What each body adds on top of the law (domain.md §4), for every profession it decides on.
BODY_ITEMS = {
    "ls_lueneburg": {"antrag_ls", "faecheruebersicht", "wohnsitz_nds"},
    "nizza": {"lebenslauf_nizza", "nizza_arbeitsabsicht", "faecheruebersicht", "berufserfahrung"},
    "rlsb_lueneburg": {"antrag_rlsb", "ausbildungsnachweise"},
    "zab": {"zab_antrag", "ausbildungsnachweise", "faecheruebersicht", "identitaetsnachweis"},
    "ihk_fosa": {"antrag_kammer"},
    "hwk_bls": {"antrag_kammer"},
    "lwk_niedersachsen": {"antrag_kammer"},
}


@pytest.fixture(scope="module")
def rules(catalogue):
    parsed = read_yaml(ROOT / "data" / "checklists.yaml", SHOWN_AS)
    return build_checklist_rules(SHOWN_AS, parsed, bodies=catalogue.bodies, professions=catalogue.professions)


@pytest.fixture
def case(catalogue):
    def make(profession: str, district: str = "verden", **facts) -> CaseProfile:
        return CaseProfile.of(catalogue.professions[profession], district=district, **facts)

    return make


def keys(rules, profile) -> list[str]:
    return [item.key for item in required_items(rules, profile)]


def line_for(lines, key):
    return next(line for line in lines if line.item.key == key)


def all_present(rules, profile, **overrides) -> list[DocumentFacts]:
    """A document for every item, translated and certified, except where `overrides` says otherwise."""
    return [
        overrides.get(item.key, DocumentFacts(item=item.key, translated=True, certified=True))
        for item in required_items(rules, profile)
    ]


# --- The statutory minimum ---------------------------------------------------------------------------


def test_non_regulated_trade_needs_the_statutory_minimum_of_section_5(rules, case):
    items = keys(rules, case("kaufmann_einzelhandel"))
    assert STATUTORY_MINIMUM <= set(items)
    assert "berufsausuebungsberechtigung" not in items


def test_regulated_profession_needs_proof_of_right_to_practise(rules, case):
    for profession in ("pflegefachmann", "lehrkraft_grundschule", "ing_bau", "arzt"):
        assert "berufsausuebungsberechtigung" in keys(rules, case(profession)), profession
    line = line_for(checklist(rules, case("pflegefachmann"), []), "berufsausuebungsberechtigung")
    assert line.translation  # § 12 Abs. 2 S. 2 BQFG: Nr. 3 to 5 need a translation


def test_cv_is_written_in_german_so_needs_no_translation(rules, case):
    assert not line_for(checklist(rules, case("kaufmann_einzelhandel"), []), "lebenslauf").translation


def test_certificates_and_experience_evidence_need_a_sworn_translation(rules, case):
    lines = checklist(rules, case("kfz_mechatroniker"), [])
    assert line_for(lines, "ausbildungsnachweise").translation
    assert line_for(lines, "berufserfahrung").translation
    assert not line_for(lines, "identitaetsnachweis").translation  # only if the body asks (§ 5 Abs. 2 S. 3)


def test_work_experience_is_only_needed_where_relevant_except_at_nizza(rules, case):
    assert not line_for(checklist(rules, case("kaufmann_einzelhandel"), []), "berufserfahrung").required
    assert line_for(checklist(rules, case("arzt"), []), "berufserfahrung").required


def test_applicant_abroad_needs_intent_to_work_proof(rules, case):
    assert "arbeitsabsicht" in keys(rules, case("kaufmann_einzelhandel", abroad=True))
    assert "arbeitsabsicht" in keys(rules, case("erzieher", abroad=True))  # NBQFG alike
    assert "arbeitsabsicht" not in keys(rules, case("kaufmann_einzelhandel"))


def test_statutory_items_do_not_apply_outside_the_recognition_acts(rules, case):
    assert not STATUTORY_MINIMUM & set(keys(rules, case("rechtsanwalt", abroad=True)))


# --- Body-specific additions ----------------------------------------------------------------------


def test_nizza_needs_five_application_receipts_or_job_offer(rules, case):
    items = keys(rules, case("arzt"))
    assert "nizza_arbeitsabsicht" in items
    assert "5 Eingangsbestätigungen" in rules.item("nizza_arbeitsabsicht").title
    assert "Stellenzusage" in rules.item("nizza_arbeitsabsicht").title


def test_nizza_asks_for_its_own_signed_cv_and_intent_proof_instead_of_the_general_ones(rules, case):
    items = keys(rules, case("zahnarzt", abroad=True))
    assert {"lebenslauf_nizza", "nizza_arbeitsabsicht", "faecheruebersicht"} <= set(items)
    assert "lebenslauf" not in items
    assert "arbeitsabsicht" not in items


def test_rlsb_requires_certified_copies(rules, case):
    for profession in ("schule_hauptschulabschluss", "erzieher", "lehrkraft_grundschule"):
        line = line_for(checklist(rules, case(profession), []), "ausbildungsnachweise")
        assert line.certified_copy, profession
        assert line.translation, profession
    assert not line_for(checklist(rules, case("kaufmann_einzelhandel"), []), "ausbildungsnachweise").certified_copy


def test_ls_lueneburg_asks_for_its_form_registration_and_curriculum(rules, case):
    items = keys(rules, case("physiotherapeut", "osterholz"))
    assert {"antrag_ls", "wohnsitz_nds", "faecheruebersicht"} <= set(items)


def test_marriage_certificate_only_when_the_name_changed(rules, case):
    assert "namensaenderung" not in keys(rules, case("pflegefachmann"))
    assert "namensaenderung" in keys(rules, case("pflegefachmann", name_changed=True))
    rlsb = line_for(checklist(rules, case("erzieher", name_changed=True), []), "namensaenderung")
    assert rlsb.certified_copy  # hannover.de: amtlich beglaubigte Kopie


def test_zab_checklist_has_no_recognition_declaration(rules, case):
    items = keys(rules, case("betriebswirt"))  # academic, non-regulated: ZAB statement of comparability
    assert "erklaerung_kein_antrag" not in items  # not a recognition under the BQFG
    assert "lebenslauf" not in items
    assert {"zab_antrag", "ausbildungsnachweise", "faecheruebersicht", "identitaetsnachweis"} <= set(items)


def test_chambers_ask_for_their_application_form(rules, case, catalogue):
    for body in ("ihk_fosa", "hwk_bls", "lwk_niedersachsen"):
        profession = next(p for p in catalogue.professions.values() if p.body_for("verden") == body)
        assert "antrag_kammer" in keys(rules, case(profession.key)), body


def test_school_certificates_need_the_rlsb_form_school_history_and_registration(rules, case):
    items = keys(rules, case("schule_realschulabschluss"))
    assert items == ["antrag_rlsb", "schullaufbahn", "identitaetsnachweis", "ausbildungsnachweise", "wohnsitz_nds"]


def test_foreign_lawyer_needs_certificate_of_home_bar_membership(rules, case):
    assert keys(rules, case("rechtsanwalt")) == ["berufszugehoerigkeit_anwalt"]  # § 207 Abs. 1 BRAO
    assert not rules.item("berufszugehoerigkeit_anwalt").verified


# --- Licensing stage for health professions -------------------------------------------------------


def test_nursing_licence_needs_good_conduct_medical_certificate_and_german_b2(rules, case):
    licence = [item.key for item in required_items(rules, case("pflegefachmann")) if item.stage is Stage.LICENCE]
    assert licence == ["fuehrungszeugnis", "aerztliche_bescheinigung", "deutsch_b2"]
    assert "3 Monate" in rules.item("fuehrungszeugnis").title


def test_b2_certificate_is_a_nursing_requirement_only(rules, case):
    assert "deutsch_b2" not in keys(rules, case("physiotherapeut"))
    assert "fuehrungszeugnis" in keys(rules, case("physiotherapeut"))
    assert "fuehrungszeugnis" in keys(rules, case("arzt"))


def test_non_regulated_medical_assistants_need_no_licensing_documents(rules, case):
    assert not {"fuehrungszeugnis", "aerztliche_bescheinigung"} & set(keys(rules, case("mfa")))


def test_application_is_complete_before_the_licensing_documents_exist(rules, case):
    profile = case("pflegefachmann")
    application = [DocumentFacts(item=i.key, translated=True, certified=True)
                   for i in required_items(rules, profile) if i.stage is Stage.APPLICATION]
    lines = checklist(rules, profile, application)
    assert is_complete(lines, stage=Stage.APPLICATION)
    assert not is_complete(lines)
    outstanding = [line.item.key for line in missing_items(lines)]
    assert outstanding == ["fuehrungszeugnis", "aerztliche_bescheinigung", "deutsch_b2"]


# --- Status of the documents on file ----------------------------------------------------------------


def test_nothing_on_file_means_every_line_is_missing(rules, case):
    lines = checklist(rules, case("kaufmann_einzelhandel"), [])
    assert {line.status for line in lines} == {ItemStatus.MISSING}
    assert not is_complete(lines)


def test_present_but_untranslated_certificate_is_flagged(rules, case):
    profile = case("kaufmann_einzelhandel")
    documents = all_present(rules, profile, ausbildungsnachweise=DocumentFacts(item="ausbildungsnachweise"))
    lines = checklist(rules, profile, documents)
    assert line_for(lines, "ausbildungsnachweise").status is ItemStatus.NOT_TRANSLATED
    assert [line.item.key for line in missing_items(lines)] == ["ausbildungsnachweise"]
    assert not is_complete(lines)


def test_plain_copy_is_flagged_where_rlsb_wants_a_certified_one(rules, case):
    profile = case("erzieher")
    plain = DocumentFacts(item="ausbildungsnachweise", translated=True, certified=False)
    lines = checklist(rules, profile, all_present(rules, profile, ausbildungsnachweise=plain))
    assert line_for(lines, "ausbildungsnachweise").status is ItemStatus.NOT_CERTIFIED
    assert line_for(lines, "ausbildungsnachweise").status_de == "beglaubigte Kopie fehlt"


def test_plain_copies_are_enough_elsewhere(rules, case):
    """§ 5 Abs. 2 S. 1 BQFG: copies or electronic submission."""
    profile = case("kfz_mechatroniker")
    documents = [DocumentFacts(item=item.key, translated=True) for item in required_items(rules, profile)]
    assert is_complete(checklist(rules, profile, documents))


def test_best_document_counts_when_several_cover_one_item(rules, case):
    profile = case("erzieher")
    documents = [
        DocumentFacts(item="ausbildungsnachweise"),
        DocumentFacts(item="ausbildungsnachweise", translated=True, certified=True),
        DocumentFacts(item="ausbildungsnachweise", translated=True),
    ]
    assert line_for(checklist(rules, profile, documents), "ausbildungsnachweise").status is ItemStatus.PRESENT
    partial = documents[:1] + documents[2:]
    assert line_for(checklist(rules, profile, partial), "ausbildungsnachweise").status is ItemStatus.NOT_CERTIFIED


def test_missing_optional_experience_does_not_hold_up_the_file(rules, case):
    profile = case("kaufmann_einzelhandel")
    documents = [d for d in all_present(rules, profile) if d.item != "berufserfahrung"]
    lines = checklist(rules, profile, documents)
    assert line_for(lines, "berufserfahrung").status is ItemStatus.MISSING
    assert is_complete(lines)


def test_documents_that_are_unsorted_or_for_other_items_are_ignored(rules, case):
    profile = case("kaufmann_einzelhandel")
    documents = [DocumentFacts(item=None, translated=True), DocumentFacts(item="namensaenderung", certified=True)]
    assert {line.status for line in checklist(rules, profile, documents)} == {ItemStatus.MISSING}


def test_checklist_follows_the_order_of_the_file(rules, case):
    profile = case("pflegefachmann", abroad=True, name_changed=True)
    order = [item.key for item in rules.items]
    shown = [line.item.key for line in checklist(rules, profile, [])]
    assert shown == sorted(shown, key=order.index)


def test_status_labels_are_german():
    assert STATUS_DE == {
        ItemStatus.PRESENT: "vorhanden",
        ItemStatus.MISSING: "fehlt",
        ItemStatus.NOT_TRANSLATED: "Übersetzung fehlt",
        ItemStatus.NOT_CERTIFIED: "beglaubigte Kopie fehlt",
    }


# --- Every profession of the catalogue -----------------------------------------------------------------


def test_every_profession_in_both_districts_gets_a_checklist_with_its_body_items(rules, catalogue):
    for profession in catalogue.professions.values():
        for district in catalogue.districts:
            for abroad in (False, True):
                profile = CaseProfile.of(profession, district=district, abroad=abroad)
                items = set(keys(rules, profile))
                where = (profession.key, district, abroad)
                assert items, where
                assert BODY_ITEMS.get(profile.body, set()) <= items, where
                if profession.procedure in ("BQFG", "NBQFG"):
                    assert STATUTORY_MINIMUM - {"lebenslauf"} <= items, where
                    assert {"lebenslauf", "lebenslauf_nizza"} & items, where
                    assert ("berufsausuebungsberechtigung" in items) == profession.regulated, where
                    if abroad:
                        assert {"arbeitsabsicht", "nizza_arbeitsabsicht"} & items, where


def test_every_item_cites_its_source_and_has_english_title_and_hints(rules):
    for item in rules.items:
        assert "§" in item.source or ".de" in item.source or ".org" in item.source, item.key
        assert item.title_en and item.filename_hints, item.key
    assert rules.translated_words and rules.certified_words


# --- Guessing the item from a file name -------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Diplom_scan.pdf", "ausbildungsnachweise"),
        ("zeugnis.jpg", "ausbildungsnachweise"),
        ("Übersetzung_Diplom.pdf", "ausbildungsnachweise"),
        ("диплом.jpg", "ausbildungsnachweise"),
        ("Lebenslauf.docx", "lebenslauf"),
        ("CV.pdf", "lebenslauf"),
        ("Curriculum_Vitae.pdf", "lebenslauf"),
        ("pass.png", "identitaetsnachweis"),
        ("reisepass", "identitaetsnachweis"),
        ("passport", "identitaetsnachweis"),
        ("Geburtsurkunde", "namensaenderung"),
        ("Heiratsurkunde", "namensaenderung"),
        ("свідоцтво про шлюб.jpg", "namensaenderung"),
        ("Arbeitszeugnis", "berufserfahrung"),
        ("Трудова книжка.pdf", "berufserfahrung"),
        ("Meldebescheinigung", "wohnsitz_nds"),
        ("Führungszeugnis.pdf", "fuehrungszeugnis"),
        ("Goethe_B2.pdf", "deutsch_b2"),
        ("Diploma Supplement.pdf", "faecheruebersicht"),
        ("scans/2024/IMG_0042.jpg", None),
    ],
)
def test_guess_item_from_file_name(rules, filename, expected):
    assert guess_item(filename, rules) == expected


def test_guess_item_with_a_profile_picks_among_the_case_items(rules, case):
    assert guess_item("Lebenslauf.pdf", rules, profile=case("arzt")) == "lebenslauf_nizza"
    assert guess_item("Lebenslauf.pdf", rules, profile=case("schule_hauptschulabschluss")) == "schullaufbahn"
    assert guess_item("Heiratsurkunde.pdf", rules, profile=case("kaufmann_einzelhandel")) is None


@pytest.mark.parametrize(
    ("filename", "translated"),
    [("Übersetzung_Diplom.pdf", True), ("uebersetzung diplom", True), ("diploma_translation.pdf", True),
     ("переклад диплому.pdf", True), ("Diplom_scan.pdf", False)],
)
def test_looks_translated(rules, filename, translated):
    assert looks_translated(filename, rules) is translated


@pytest.mark.parametrize(
    ("filename", "certified"),
    [("Diplom_beglaubigt.pdf", True), ("certified copy diploma.pdf", True), ("Diplom_Kopie.pdf", False)],
)
def test_looks_certified(rules, filename, certified):
    assert looks_certified(filename, rules) is certified


# --- A broken file names file, line, entry and field -----------------------------------------------------

BROKEN = """\
filename_words:
  translated: [übersetzung]
items:
  - key: kaputt
    title: Kaputtes Dokument
    title_en: Broken document
    when: {{bodies: [{body}]}}
    source: {source}
    verified: true
"""


def build_broken(tmp_path, catalogue, text):
    path = tmp_path / "checklists.yaml"
    path.write_text(text, encoding="utf-8")
    return build_checklist_rules(
        SHOWN_AS, read_yaml(path, SHOWN_AS), bodies=catalogue.bodies, professions=catalogue.professions
    )


def test_unknown_body_is_rejected_with_file_line_entry_and_field(tmp_path, catalogue):
    with pytest.raises(CatalogueError) as caught:
        build_broken(tmp_path, catalogue, BROKEN.format(body="ls_luneburg", source="https://x.example"))
    message = str(caught.value)
    assert "data/checklists.yaml, line 7, entry 'kaputt', field 'when.bodies'" in message
    assert "unknown body 'ls_luneburg'" in message


def test_item_without_source_is_rejected(tmp_path, catalogue):
    with pytest.raises(CatalogueError, match=r"line 8, entry 'kaputt', field 'source': is missing"):
        build_broken(tmp_path, catalogue, BROKEN.format(body="zab", source='""'))


def test_unknown_group_in_a_list_of_conditions_names_the_condition(tmp_path, catalogue):
    text = BROKEN.format(body="zab", source="s").replace(
        "    when: {bodies: [zab]}\n", "    when:\n      - {bodies: [zab]}\n      - {groups: [pflege]}\n"
    )
    expected = r"line 9, entry 'kaputt', field 'when\[2\].groups': unknown group 'pflege'"
    with pytest.raises(CatalogueError, match=expected):
        build_broken(tmp_path, catalogue, text)


def test_translation_rule_of_the_wrong_type_is_rejected(tmp_path, catalogue):
    text = BROKEN.format(body="zab", source="s") + "    translation: ja\n"
    with pytest.raises(CatalogueError, match=r"line 10, entry 'kaputt', field 'translation': must be true, false"):
        build_broken(tmp_path, catalogue, text)


def test_misspelt_field_is_rejected_instead_of_ignored(tmp_path, catalogue):
    text = BROKEN.format(body="zab", source="s") + "    certifed: true\n"
    with pytest.raises(CatalogueError, match=r"line 10, entry 'kaputt', field 'certifed': unknown field"):
        build_broken(tmp_path, catalogue, text)


def test_unknown_selector_is_rejected(tmp_path, catalogue):
    text = BROKEN.format(body="zab", source="s").replace("{bodies: [zab]}", "{bodys: [zab]}")
    with pytest.raises(CatalogueError, match=r"line 7, entry 'kaputt', field 'when.bodys': unknown selector"):
        build_broken(tmp_path, catalogue, text)


def test_unknown_profession_is_rejected(tmp_path, catalogue):
    text = BROKEN.format(body="zab", source="s").replace("{bodies: [zab]}", "{professions: [krankenschwester]}")
    with pytest.raises(CatalogueError, match=r"field 'when.professions': unknown profession 'krankenschwester'"):
        build_broken(tmp_path, catalogue, text)


def test_duplicate_item_key_is_rejected(tmp_path, catalogue):
    entry = BROKEN.format(body="zab", source="s").split("items:\n")[1]
    with pytest.raises(CatalogueError, match=r"line 10, entry 'kaputt', field 'key': 'kaputt' is defined twice"):
        build_broken(tmp_path, catalogue, BROKEN.format(body="zab", source="s") + entry)


def test_file_without_items_is_rejected(tmp_path, catalogue):
    with pytest.raises(CatalogueError, match=r"data/checklists.yaml, field 'items': is missing"):
        build_broken(tmp_path, catalogue, "- key: kaputt\n")
