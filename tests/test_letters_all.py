"""Every kind × language × district, rendered from the review sheet's invented cases
(`welcome-center letters --review`), read as Word XML and, with LibreOffice, as the PDF a person
gets: no empty or None-like value, no deadline before the letter's date, every line at 10 pt or more
(the 6 pt return line excepted, DIN 5008), the address inside its field with a country line when
abroad, the information block's e-mail address on one line, the closing never alone on a page, and
right-to-left text with its numbers isolated left to right."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from adapters.docx import LRI, PDI, TemplateSet, load_letter_texts_from
from domain.letters.address import ADDRESS_WIDTH_MM, MAX_ADDRESS_LINES, text_width_mm
from domain.letters.kinds import LetterKind
from domain.transliteration import is_latin_text
from tests.conftest import ROOT
from welcome_center.cli.letters import REVIEW_LANGUAGES, review_letters, review_persons

TODAY = date(2026, 11, 25)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RETURN_LINE_STYLE = "BriefRuecksendeangabe"  # the Rücksendeangabe: 6–8 pt in the Vermerkzone (letters.md)
DATE = re.compile(r"\b(\d{2})\.(\d{2})\.(\d{4})\b")
# words that make a sentence a deadline sentence, per language
DEADLINE_WORDS = {
    "de": r"\bbis\b|Frist|spätestens", "en": r"\bby\b|deadline|until", "uk": r"\bдо\b|строк|термін",
    "ru": r"\bдо\b|срок", "ar": r"حتى|موعد|بحلول",
}


@pytest.fixture(scope="module")
def letters(catalogue):
    from adapters.rules import load_checklist_rules

    texts = load_letter_texts_from(ROOT / "data")
    templates = TemplateSet.load(ROOT / "templates" / "letters")
    made = review_letters(catalogue=catalogue, rules=load_checklist_rules(ROOT / "data"), texts=texts, today=TODAY)
    return [(item, templates.render(item.letter, day=TODAY)) for item in made]


def parts(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: etree.fromstring(archive.read(name)) for name in archive.namelist()
                if name.startswith("word/") and name.endswith(".xml")}


def paragraph_texts(root) -> list[str]:
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def test_every_kind_language_and_district_is_there(letters, catalogue):
    found = {(item.district, item.kind, item.language) for item, _ in letters}
    for district in catalogue.districts:
        for kind in (LetterKind.CHECKLIST, LetterKind.NEXT_STEPS, LetterKind.OUTCOME):
            assert {(district, kind, language) for language in REVIEW_LANGUAGES} <= found
        assert (district, LetterKind.BODY_COVER, "de") in found and (district, LetterKind.SME_GUIDANCE, "de") in found


def test_no_empty_or_none_like_value(letters):
    for item, data in letters:
        xml = parts(data)
        text = "\n".join(t for root in xml.values() for t in paragraph_texts(root))
        assert "{{" not in text and "{%" not in text, item.name
        assert not re.search(r"\b(None|nan|NaN|null|undefined)\b", text), item.name
        assert "()" not in text and " ," not in text.replace(LRI, "").replace(PDI, ""), item.name
        info = xml["word/document.xml"].find(f".//{W}tbl").findall(f"{W}tr")[0].findall(f"{W}tc")[2]
        info_lines = paragraph_texts(info)
        for line in info_lines:  # label and value in one paragraph (a w:tab between): a label alone lacks its value
            assert line.strip() not in ("Name", "Telefon", "Unser Zeichen", "Datum"), (item.name, line)
        assert info_lines[info_lines.index("E-Mail") + 1].strip(), item.name  # the e-mail address on the line below
        footer = "\n".join(paragraph_texts(xml["word/footer1.xml"]))
        assert "Telefon  " not in footer and "E-Mail ·" not in footer and not footer.rstrip().endswith(("Telefon", "E-Mail")), item.name


def test_no_deadline_before_the_letters_date(letters):
    checked_any = 0
    for item, data in letters:
        text = "\n".join(paragraph_texts(parts(data)["word/document.xml"])).replace(LRI, "").replace(PDI, "")
        translation = item.language if item.language in DEADLINE_WORDS else "de"
        words = re.compile(f"{DEADLINE_WORDS['de']}|{DEADLINE_WORDS[translation]}", re.IGNORECASE)
        for sentence in re.split(r"(?<=[.!?؟])\s+|\n", text):
            birth = item.letter.context["subject"]  # the cover letter names the birth date in its subject
            for day, month, year in DATE.findall(sentence):
                when = date(int(year), int(month), int(day))
                if words.search(sentence) and f"{day}.{month}.{year}" not in birth:
                    checked_any += 1
                    assert when >= TODAY, (item.name, sentence)
    assert checked_any >= 10  # the checklist letters name the deadline set for the person


def _styles(root) -> dict[str, tuple[str | None, int | None]]:
    """style id → (based on, size in half points)"""
    out = {}
    for style in root.iter(f"{W}style"):
        based = style.find(f"{W}basedOn")
        size = style.find(f"{W}rPr/{W}sz")
        out[style.get(f"{W}styleId")] = (based.get(f"{W}val") if based is not None else None,
                                         int(size.get(f"{W}val")) if size is not None else None)
    return out


def test_every_text_run_is_at_least_10_pt_but_the_return_line(letters):
    seen_return_line = False
    for item, data in letters:
        xml = parts(data)
        styles = _styles(xml["word/styles.xml"])
        default = int(xml["word/styles.xml"].find(f".//{W}docDefaults//{W}sz").get(f"{W}val"))

        def style_size(style_id):
            while style_id:
                based, size = styles.get(style_id, (None, None))
                if size is not None:
                    return size
                style_id = based
            return default

        for name, root in xml.items():
            if not re.match(r"word/(document|header\d|footer\d)\.xml", name):
                continue
            for paragraph in root.iter(f"{W}p"):
                style = paragraph.find(f"{W}pPr/{W}pStyle")
                style_id = style.get(f"{W}val") if style is not None else "Normal"
                for run in paragraph.iter(f"{W}r"):
                    text = "".join(t.text or "" for t in run.iter(f"{W}t")).strip()
                    if not text:
                        continue
                    size = run.find(f"{W}rPr/{W}sz")
                    half_points = int(size.get(f"{W}val")) if size is not None else style_size(style_id)
                    if style_id == RETURN_LINE_STYLE:
                        seen_return_line = True
                        assert 12 <= half_points <= 16, (item.name, text)  # 6–8 pt
                        continue
                    assert half_points >= 20, (item.name, name, style_id, text, half_points / 2)
    assert seen_return_line


def address_lines_of(data: bytes) -> list[str]:
    table = parts(data)["word/document.xml"].find(f".//{W}tbl")
    cell = table.findall(f"{W}tr")[1].findall(f"{W}tc")[0]
    return [line for line in paragraph_texts(cell) if line]


def test_the_address_fits_its_field_in_latin_script_with_a_country_line_when_abroad(letters, catalogue):
    abroad = 0
    for item, data in letters:
        lines = address_lines_of(data)
        assert 3 <= len(lines) <= MAX_ADDRESS_LINES, (item.name, lines)
        assert all(text_width_mm(line) <= ADDRESS_WIDTH_MM for line in lines), (item.name, lines)
        assert all(is_latin_text(line) for line in lines), (item.name, lines)
        person = review_persons(item.district)[item.language]
        if item.kind in (LetterKind.CHECKLIST, LetterKind.NEXT_STEPS, LetterKind.OUTCOME) and person.country:
            abroad += 1
            assert lines[-1] == catalogue.countries.name_de(person.country).upper(), (item.name, lines)
            assert person.postcode in lines[-2] or person.postcode in lines[-3], (item.name, lines)
        else:
            assert re.fullmatch(r"\d{5} .+", lines[-1]), (item.name, lines)  # "PLZ Ort" last, no country line
    assert abroad == 12  # the Ukrainian and the British person's three letters in both districts
    german_salutations = [p for item, data in letters for p in paragraph_texts(parts(data)["word/document.xml"])
                          if p.startswith(("Sehr geehrte", "Guten Tag"))]
    assert len(german_salutations) >= len(letters) and all(is_latin_text(p) for p in german_salutations)


# ---------------------------------------------------------------------------------- as LibreOffice prints them


def needs(program: str) -> None:
    if shutil.which(program) is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"{program} is not installed (apt-get install "
                                                              "libreoffice-writer-nogui poppler-utils)")


@pytest.fixture(scope="module")
def pdfs(letters, tmp_path_factory):
    needs("soffice")
    needs("pdftotext")
    from adapters.pdf import convert_to_pdf

    folder = tmp_path_factory.mktemp("all-letters")
    paths = []
    for item, data in letters:
        path = folder / f"{item.name}.docx"
        path.write_bytes(data)
        paths.append(path)
    converted = convert_to_pdf(paths)  # one LibreOffice run for all of them
    assert len(converted) == len(paths)
    return {item.name: converted[path] for (item, _), path in zip(letters, paths)}


def words(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    """(page, x, y, x_max, word) of every word, in mm from the sheet's top-left corner."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        for x, y, x_max, word in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', page):
            if word.strip(LRI + PDI):
                found.append((number, float(x) * 25.4 / 72, float(y) * 25.4 / 72, float(x_max) * 25.4 / 72, word))
    return found


def test_in_the_pdf_the_address_stays_inside_the_field_and_the_email_on_one_line(letters, pdfs):
    for item, data in letters:
        printed = words(pdfs[item.name])
        first = [w for w in printed if w[0] == 1]
        expected = address_lines_of(data)
        # the address zone (62.7–90 mm) left of the information block, at the Fluchtlinie
        zone = [w for w in first if 62.5 <= w[2] < 96 and w[1] < 110]
        rows = sorted({round(w[2], 1) for w in zone})
        assert len(rows) == len(expected), (item.name, rows, expected)  # no line wrapped
        assert all(20 <= w[1] and w[3] <= 105.5 for w in zone), item.name
        assert all(w[2] + 3.5 <= 90 for w in zone), (item.name, max(w[2] for w in zone))  # the last line's text ends in the field
        assert zone[0][1] == pytest.approx(25, abs=0.5)
        email = item.letter.context["info"].email
        found = [w for w in first if w[4] == email]
        assert found and found[0][1] >= 124.5 and found[0][3] <= 200.5, (item.name, email)


def test_in_the_pdf_the_closing_never_stands_alone_on_the_last_page(letters, pdfs):
    for item, _ in letters:
        printed = words(pdfs[item.name])
        last = max(w[0] for w in printed)
        body = [w for w in printed if w[0] == last and 20 <= w[2] < 260]  # the text area: 27 mm to the footer
        context = item.letter.context
        alone = len(" ".join([context["closing"], context["signature"].name, context["signature"].organisation]).split())
        if context["translation"] is not None:
            alone = max(alone, len(" ".join([context["translation"].closing, context["signature"].name,
                                             context["signature"].organisation]).split()))
        if context["enclosures"]:
            continue  # the enclosure list follows the signature
        assert len(body) > alone + 3, (item.name, [w[4] for w in body])


def test_in_the_pdf_right_to_left_text_keeps_phone_numbers_whole_and_in_order(letters, pdfs):
    """The issue: in the Arabic part "04791 930-0000" read "0000-930". The number is isolated left to
    right and its space does not break: its two groups stand on one line, left to right."""
    checked = 0
    for item, _ in letters:
        if item.language != "ar":
            continue
        printed = [(*w[:4], w[4].replace("\u2060", "")) for w in words(pdfs[item.name])]
        first, second = item.letter.context["info"].phone.split()
        last = max(w[0] for w in printed)  # the Arabic translation ends on the last page
        groups = [w for w in printed if w[0] == last and first in w[4] and second in w[4].replace("\u202f", " ")]
        split = [w for w in printed if w[0] == last and w[4] in (first, second)]
        for a, b in zip(split, split[1:]):  # pdftotext may give the two groups as words of their own
            if a[4] == first and b[4] == second or a[4] == second and b[4] == first:
                assert abs(a[2] - b[2]) < 1, (item.name, a, b)  # on one line
                left, right = sorted((a, b), key=lambda w: w[1])
                assert (left[4], right[4]) == (first, second), (item.name, left, right)
                groups.append(a)
        assert groups, (item.name, [w[4] for w in printed if w[0] == last])
        assert not [w for w in printed if re.fullmatch(r"\d+-", w[4])], item.name  # no number broken after its hyphen
        checked += 1
    assert checked >= 6
