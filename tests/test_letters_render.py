"""Rendering: each generated letter opened with python-docx and read like an office worker would."""

import io
import re
import shutil
import zipfile
from dataclasses import replace
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn

from adapters.docx import LetterTemplate, TemplateBroken, TemplateSet, environment, load_letter_texts_from
from domain.checklist import CaseProfile, DocumentFacts, checklist
from domain.letters.address import sender_for
from domain.letters.compose import CaseFacts, PersonFacts, SmeFacts, compose_letter
from domain.letters.due import LetterRequest, due_letters
from domain.letters.kinds import LetterKind
from domain.lifecycle import CaseState, Outcome
from tests.conftest import ROOT
from tools.letter_templates import build, tw

TODAY = date(2026, 11, 25)
TEMPLATES = ROOT / "templates" / "letters"


@pytest.fixture(scope="module")
def templates():
    return TemplateSet.load(TEMPLATES)


@pytest.fixture(scope="module")
def case(catalogue, rules):
    profession = catalogue.professions["pflegefachmann"]
    lines = checklist(rules, CaseProfile.of(profession, district="verden"), [
        DocumentFacts(item="lebenslauf"),
        DocumentFacts(item="ausbildungsnachweise", translated=True, certified=True),
        DocumentFacts(item="identitaetsnachweis"),
    ])
    return CaseFacts(
        reference="VER-2026-0042", district="verden", state=CaseState.COLLECTING_DOCUMENTS, state_since=3,
        person=PersonFacts(given_name="Olena", family_name="Shevchenko", birth_date=date(1991, 3, 4), language="uk", sex="f",
                           street="Bahnhofstraße 12", postcode="27283", city="Verden (Aller)"),
        occupation=profession.name, occupation_key=profession.key, regulated=True, legal_basis=profession.legal_basis,
        procedure="BQFG", group="health", body=catalogue.bodies["ls_lueneburg"], country_of_training="UA",
        checklist=lines, person_due=date(2026, 12, 14), consent=True, outcome=Outcome.PARTIAL_EQUIVALENCE,
        procedure_facts=profession.procedure_facts,
        smes=(SmeFacts(3, "Pflegedienst Allerblick GmbH", "Am Markt 1", "27283", "Verden (Aller)", "Frau Kruse", person_agreed=True),),
    )


def render(templates, texts, catalogue, case, kind, *, sme_id=None, language=None):
    sender = sender_for(catalogue.districts[case.district])
    letter = compose_letter(LetterRequest(kind, sme_id), case, sender=sender, texts=texts, today=TODAY, language=language)
    data = templates.render(letter, day=TODAY)
    return letter, data, docx.Document(io.BytesIO(data))


def body_text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def address_field(document):
    """The page-positioned table: (return line, address lines, information block)."""
    table = document.tables[0]
    return table.rows[0].cells[0].text, table.rows[1].cells[0].text.split("\n"), table.rows[0].cells[2].text


def every_text(data: bytes) -> str:
    """The text of every part (document, headers, footers) as Word shows it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("word/") and n.endswith(".xml"))
    return re.sub(r"<[^>]+>", "", xml)


def assert_clean(data: bytes):
    text = every_text(data)
    assert "{{" not in text and "{%" not in text and "{#" not in text
    assert not re.search(r"\bNone\b|\bnan\b", text)


# ---------------------------------------------------------------------------------- layout


def test_templates_are_a4_with_the_din_5008_margins(templates, texts, catalogue, case):
    _, _, document = render(templates, texts, catalogue, case, LetterKind.CHECKLIST)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 25 and round(section.right_margin.mm) == 20
    assert section.different_first_page_header_footer


def test_the_address_field_is_a_page_positioned_table_at_20_and_45_mm_without_cell_margins(templates, texts, catalogue, case):
    _, _, document = render(templates, texts, catalogue, case, LetterKind.CHECKLIST)
    tbl = document.tables[0]._tbl
    position = tbl.tblPr.find(qn("w:tblpPr"))
    assert position.get(qn("w:horzAnchor")) == "page" and position.get(qn("w:vertAnchor")) == "page"
    assert int(position.get(qn("w:tblpX"))) == tw(20) and int(position.get(qn("w:tblpY"))) == tw(45)
    margins = tbl.tblPr.find(qn("w:tblCellMar"))
    assert all(int(m.get(qn("w:w"))) == 0 for m in margins)
    widths = [int(c.get(qn("w:w"))) for c in tbl.find(qn("w:tblGrid"))]
    assert widths[0] == tw(85) and sum(widths[:2]) == tw(105)  # the information block starts at 20 + 105 = 125 mm


def test_page_numbers_from_page_2_and_the_districts_details_in_the_first_footer(templates, texts, catalogue, case):
    _, data, document = render(templates, texts, catalogue, case, LetterKind.CHECKLIST)
    section = document.sections[0]
    footer = section.footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "Seite " in footer
    assert "PAGE" not in section.first_page_footer._element.xml
    first = "\n".join(p.text for p in section.first_page_footer.paragraphs)
    centre = catalogue.districts["verden"].welcome_center
    for value in (centre.street, centre.phone, centre.email, centre.opening_hours):
        assert value in first
    header = "\n".join(p.text for p in section.first_page_header.paragraphs)
    assert "Landkreis Verden" in header and "Welcome Center Landkreis Verden" in header


# ---------------------------------------------------------------------------------- each kind


def test_the_person_letter_has_recipient_reference_date_subject_and_the_translation(templates, texts, catalogue, case):
    letter, data, document = render(templates, texts, catalogue, case, LetterKind.CHECKLIST)
    return_line, lines, info = address_field(document)
    assert return_line == "Landkreis Verden · Lindhooper Str. 67 · 27283 Verden (Aller)"
    assert lines == ["Frau", "Olena Shevchenko", "Bahnhofstraße 12", "27283 Verden (Aller)"]
    assert "Unser Zeichen\tVER-2026-0042" in info and "Datum\t25.11.2026" in info
    paragraphs = [p for p in document.paragraphs if p.text]
    subject = paragraphs[0]
    assert subject.text == "Ihre Anerkennung als Pflegefachfrau: Unterlagen, die noch fehlen"  # the form that fits her
    assert all(run.bold for run in subject.runs if run.text) and not subject.text.startswith("Betreff")
    text = body_text(document)
    assert "Sehr geehrte Frau Shevchenko," in text and "bis zum 14.12.2026" in text
    german_end = text.index("Mit freundlichen Grüßen")
    translation = text.index("Unverbindliche Übersetzung (Ukrainisch)")
    assert german_end < translation and "Переклад для вашої інформації" in text[translation:]
    heading = next(p for p in document.paragraphs if p.text == "Unverbindliche Übersetzung (Ukrainisch)")
    assert heading.paragraph_format.page_break_before
    assert_clean(data)


def test_arabic_paragraphs_are_right_to_left_with_rtl_runs(templates, texts, catalogue, case):
    _, data, document = render(templates, texts, catalogue, replace(case, person=replace(case.person, language="ar")), LetterKind.CHECKLIST)
    arabic = [p for p in document.paragraphs if re.search("[\u0600-\u06ff]", p.text)]
    assert len(arabic) > 10
    for paragraph in arabic:
        assert paragraph._p.pPr.find(qn("w:bidi")) is not None, paragraph.text
        for run in paragraph.runs:
            if run.text.strip():
                assert run._r.rPr.find(qn("w:rtl")) is not None
                assert run._r.rPr.find(qn("w:rFonts")).get(qn("w:cs")) == "Arial"  # Arial has Arabic glyphs
    german = next(p for p in document.paragraphs if p.text.startswith("Sehr geehrte"))
    assert german._p.pPr.find(qn("w:bidi")) is None
    assert_clean(data)


def test_the_cover_letter_lists_the_enclosures(templates, texts, catalogue, case):
    ready = replace(case, state=CaseState.READY_TO_SUBMIT, fast_track=True, person=replace(case.person, lives_abroad=True))
    _, data, document = render(templates, texts, catalogue, ready, LetterKind.BODY_COVER)
    _, lines, info = address_field(document)
    assert lines == ["Niedersächsisches Landesamt für Soziales,", "Jugend und Familie", "Außenstelle Lüneburg", "Auf der Hude 2",
                     "21339 Lüneburg"]
    text = body_text(document)
    assert "Antrag auf Feststellung der Gleichwertigkeit: Olena Shevchenko, geb. 04.03.1991" in text
    enclosures = text[text.index("\nAnlagen\n") + len("\nAnlagen\n"):].splitlines()
    assert enclosures[0].startswith("1.\tTabellarischer Lebenslauf")
    assert any(e.startswith("2.\tIdentitätsnachweis") for e in enclosures)
    assert any("Ausländische Ausbildungsnachweise" in e and e.endswith("(mit Übersetzung)") for e in enclosures)
    assert "§ 81a AufenthG" in text and "Übersetzung" not in text[: text.index("Sehr geehrte")].replace("Unverbindliche", "")
    assert_clean(data)


def test_the_employer_letter_by_outcome(templates, texts, catalogue, case):
    decided = replace(case, state=CaseState.DECIDED)
    letter, data, document = render(templates, texts, catalogue, decided, LetterKind.SME_GUIDANCE, sme_id=3)
    _, lines, _ = address_field(document)
    assert lines == ["Pflegedienst Allerblick GmbH", "z. Hd. Frau Kruse", "Am Markt 1", "27283 Verden (Aller)"]
    text = body_text(document)
    for words in ("teilweise Gleichwertigkeit", "Ausgleichsmaßnahme", "§ 82 SGB III", "§ 24 AufenthG", "☐\tKinderbetreuung"):
        assert words in text
    assert_clean(data)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_letter_renders_clean(templates, texts, catalogue, case, outcome):
    decided = replace(case, state=CaseState.DECIDED, outcome=outcome)
    for request in due_letters(decided):
        _, data, document = render(templates, texts, catalogue, decided, request.kind, sme_id=request.sme_id)
        assert_clean(data)
        assert body_text(document).count("Mit freundlichen Grüßen") == 1


# ---------------------------------------------------------------------------------- bad input


def test_markup_and_jinja_in_names_appear_literally(templates, texts, catalogue, case):
    hostile = replace(case, person=replace(case.person, given_name="<b>Ol</b>{{ 7*7 }}", family_name="{% raw %}Co & Co\x07"))
    _, data, document = render(templates, texts, catalogue, hostile, LetterKind.CHECKLIST)
    _, lines, _ = address_field(document)
    assert lines[1] == "<b>Ol</b>{{ 7*7 }} {% raw %}Co & Co"
    text = body_text(document)
    assert "Sehr geehrte Frau {% raw %}Co & Co," in text
    assert "49" not in text.replace("1991", "")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "&lt;b&gt;Ol&lt;/b&gt;" in xml and "<b>" not in xml


def test_a_name_in_arabic_script_is_in_latin_script_in_the_window_and_the_german_salutation(templates, texts, catalogue, case):
    arabic = replace(case, person=replace(case.person, given_name="آمنة", family_name="{% raw %}خليل & Co", language="ar",
                                          latin_given_name="Amna", latin_family_name="Khalil"))
    _, data, document = render(templates, texts, catalogue, arabic, LetterKind.CHECKLIST)
    _, lines, _ = address_field(document)
    assert lines[:2] == ["Frau", "Amna Khalil"]
    text = body_text(document)
    assert "Sehr geehrte Frau Khalil," in text
    translation = text[text.index("Unverbindliche Übersetzung"):].replace("\u2066", "").replace("\u2069", "")
    assert "{% raw %}خليل & Co" in translation  # the translation's salutation in the name's own script
    assert "خليل" not in text[:text.index("Unverbindliche Übersetzung")]


def test_a_name_in_arabic_script_without_its_latin_spelling_is_refused_naming_the_field(templates, texts, catalogue, case):
    from domain.letters.kinds import LetterRefused

    arabic = replace(case, person=replace(case.person, given_name="آمنة", family_name="Khalil", language="ar"))
    with pytest.raises(LetterRefused) as refused:
        render(templates, texts, catalogue, arabic, LetterKind.CHECKLIST)
    assert refused.value.field == "person.latin_given_name" and "--latin-given" in str(refused.value)


def test_the_same_letter_renders_to_the_same_bytes(templates, texts, catalogue, case):
    _, first, _ = render(templates, texts, catalogue, case, LetterKind.CHECKLIST)
    _, second, _ = render(templates, texts, catalogue, case, LetterKind.CHECKLIST)
    assert first == second


def test_the_fast_path_says_what_docxtpl_itself_renders(templates, texts, catalogue, case):
    from docxtpl import DocxTemplate

    letter, data, ours = render(templates, texts, catalogue, case, LetterKind.CHECKLIST, language="ar")
    reference = DocxTemplate(str(TEMPLATES / "person.docx"))
    reference.render(dict(letter.context), jinja_env=environment(), autoescape=True)
    buffer = io.BytesIO()
    reference.save(buffer)
    theirs = docx.Document(io.BytesIO(buffer.getvalue()))
    assert [p.text for p in ours.paragraphs] == [p.text for p in theirs.paragraphs]
    assert [c.text for c in ours.tables[0]._cells] == [c.text for c in theirs.tables[0]._cells]


def broken_copy(tmp_path, name: str, old: str, new: str):
    folder = tmp_path / "letters"
    shutil.copytree(TEMPLATES, folder, dirs_exist_ok=True)
    path = folder / f"{name}.docx"
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = parts["word/document.xml"].decode()
    assert old in xml
    parts["word/document.xml"] = xml.replace(old, new, 1).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    return folder


def test_a_tag_with_a_typo_is_reported_with_template_and_tag_before_any_letter(tmp_path):
    folder = broken_copy(tmp_path, "person", "{{ s.heading }}", "{{ s.heading }")
    with pytest.raises(TemplateBroken) as broken:
        TemplateSet.load(folder)
    message = str(broken.value)
    assert "templates/letters/person.docx" in message and "word/document.xml" in message
    assert "{{ s.heading }" in message


def test_a_misspelt_block_tag_is_reported_with_the_tag(tmp_path):
    folder = broken_copy(tmp_path, "body", "{%p endfor %}", "{%p endfro %}")
    with pytest.raises(TemplateBroken) as broken:
        TemplateSet.load(folder)
    assert "body.docx" in str(broken.value) and "endfro" in str(broken.value)


def test_an_unknown_name_is_reported(tmp_path):
    folder = broken_copy(tmp_path, "sme", "{{ subject }}", "{{ betreff }}")
    with pytest.raises(TemplateBroken, match=r"sme\.docx.*\{\{ betreff \}\}.*'betreff' is not a name"):
        TemplateSet.load(folder)


def test_a_misspelt_attribute_is_found_by_the_sample_letters(tmp_path, texts, catalogue, rules):
    from adapters.docx import load_checked_templates

    folder = broken_copy(tmp_path, "person", "{{ info.our_reference }}", "{{ info.our_referenc }}")
    with pytest.raises(TemplateBroken) as broken:
        load_checked_templates(folder, texts=texts, today=TODAY)
    assert "person.docx" in str(broken.value) and "{{ info.our_referenc }}" in str(broken.value)


def test_a_file_that_is_not_a_docx_is_refused(tmp_path):
    bad = tmp_path / "person.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(TemplateBroken, match="not a .docx"):
        LetterTemplate.load(bad)


def test_the_builder_makes_templates_that_load_and_pass_the_sample_letters(tmp_path, texts, catalogue, rules):
    from adapters.docx import load_checked_templates

    written = build(tmp_path)
    assert [p.name for p in written] == ["person.docx", "body.docx", "sme.docx"]
    load_checked_templates(tmp_path, texts=texts, today=TODAY)


def test_right_to_left_text_isolates_numbers_dates_emails_and_references():
    from adapters.docx import LRI, NNBSP, PDI, WJ, isolate_ltr

    text = "اتصلوا على 04791 930-0000 أو welcome@landkreis.example حتى 14.12.2026 (§ 13 Abs. 2 BQFG)، الملف OHZ-2026-0001."
    isolated = isolate_ltr(text)
    for piece in (f"04791{NNBSP}930-{WJ}0000", "welcome@landkreis.example", "14.12.2026", "§ 13 Abs. 2 BQFG",
                  f"OHZ-2026-{WJ}0001"):
        assert f"{LRI}{piece}{PDI}" in isolated
    assert isolated.replace(LRI, "").replace(PDI, "").replace(NNBSP, " ").replace(WJ, "") == text  # nothing else changed
    assert isolated.endswith(f"{PDI}.") and f"({LRI}§" in isolated and f"BQFG{PDI})" in isolated
