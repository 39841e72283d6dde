"""The words of the letters (data/letters/<language>.yaml) and their schema: `LetterTexts` holds one
`LanguageTexts` per language, built and checked by `build_letter_texts`.

German (binding) and English (the fallback) are required. A placeholder must be one the letters
fill (PLACEHOLDERS); a translation may only use the placeholders of its German key and must have
every key the person's letters read. A broken file is named with its line and field; a key or
placeholder the composers need but a file lacks is found by composing every sample letter once
(`domain.letters.samples.check_with_samples`), when the texts are loaded, not when an adviser
writes a letter.

Two more parts of a file, both data an adviser corrects:

- `families`: texts that differ by procedure family (data/procedures.yaml keys): a ZAB statement
  is not a recognition, a master craftsman's entry in the Handwerksrolle is needed only to run a
  business. A family text replaces the general text of the same key and may use only its
  placeholders; a translation must have every family text of the person's letters that German has.
- `terms`: the German words the procedure data gives (licences, exams, documents) in the language,
  e.g. "Approbation" → "державний дозвіл на лікарську діяльність (Approbation)"; a word without
  an entry stays German.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from domain.catalogue import LINE
from domain.errors import CatalogueError, _clip
from domain.letters.kinds import FALLBACK_LANGUAGE, GERMAN
from domain.letters.samples import check_with_samples

_FORMATTER = string.Formatter()
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

# Every placeholder a text may use; the values come from the case (see `_values`).
PLACEHOLDERS = frozenset({
    "given_name", "family_name", "person_name", "birth_date", "occupation", "body_name", "body_address",
    "fee", "deadline", "contact_name", "phone", "email", "outcome", "funding", "legal_basis", "procedure",
    "clause", "contact_person", "language_name", "requested_language", "district", "organisation",
    # the person as a German sentence names them ("Frau Dr. Shabnam Karimi"), and their academic title
    "person", "academic_title",
    # the procedure after the decision (data/procedures.yaml): the licence, the German level, the exam
    # and who holds it, the compensation measures, the documents asked for before the licence
    "licence", "level", "exam", "exam_body", "measures", "measures_third_country", "measures_eu", "documents",
})
# Sections that the person's letters read; every translation must have each of their keys.
PERSON_SECTIONS = (
    "common", "translation", "outcomes", "funding_routes", "item_status", "measures", "funding", "checklist",
    "next_steps", "outcome",
)
# German only: the letters to bodies and employers, the person as they name them, the names of languages.
GERMAN_SECTIONS = ("translation_de", "names", "body_cover", "sme_guidance")
# Parts of a file that are not sections of texts
_NOT_SECTIONS = ("language", "name", "rtl", "reviewed", "translated_by", "items", "language_names", "sources",
                 "families", "terms")


@dataclass(frozen=True)
class LanguageTexts:
    """The words of one language file: `texts` by dotted key ("checklist.subject"), checklist item
    titles by item key, and (German and English) the names of other languages."""

    code: str
    name: str  # in the language itself: "Українська"
    rtl: bool
    reviewed: bool  # False: a translation not yet checked by a native speaker
    file: str
    texts: Mapping[str, str]
    items: Mapping[str, str] = field(default_factory=dict)
    language_names: Mapping[str, str] = field(default_factory=dict)
    families: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # family → {dotted key: text}
    terms: Mapping[str, str] = field(default_factory=dict)  # German word of the procedure data → this language
    family: str = ""  # the family whose texts are merged in (`for_family`)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def text(self, key: str, **values: str) -> str:
        return self.texts[key].format_map(values)

    def has(self, key: str) -> bool:
        return key in self.texts

    def for_family(self, family: str | None) -> LanguageTexts:
        """These texts with the family's own texts in place of the general ones (data/procedures.yaml
        key, e.g. "zab_statement"); the same texts for a family without any."""
        if not family or family not in self.families:
            return self
        merged = self._memo.get(family)
        if merged is None:
            merged = self._memo[family] = replace(self, texts={**self.texts, **self.families[family]}, family=family,
                                                  _memo={})
        return merged

    def term(self, german: str) -> str:
        """A German word of the procedure data in this language: the entry of `terms`, else the German."""
        if self.code == GERMAN:
            return german
        return self.terms.get(german, german)


@dataclass(frozen=True)
class LetterTexts:
    languages: Mapping[str, LanguageTexts]

    @property
    def german(self) -> LanguageTexts:
        return self.languages[GERMAN]

    def translation_for(self, language: str) -> tuple[LanguageTexts | None, bool]:
        """(texts of the courtesy translation, whether they are the English fallback); (None, False)
        for German."""
        if language == GERMAN:
            return None, False
        if language in self.languages:
            return self.languages[language], False
        return self.languages[FALLBACK_LANGUAGE], True

    def language_name(self, code: str) -> str:
        return self.german.language_names.get(code, code)


_SPACES = re.compile(r"[ \t\r\n]+")


def _one_line(value: str) -> str:
    """Runs of spaces and line breaks become one space; a trailing space (a bold lead "Gebühren: ")
    stays, and so does a no-break space ("26\u00a0000\u00a0€": a number is not broken across lines)."""
    text = _SPACES.sub(" ", value).strip(" ")
    return text + (" " if value[-1:] in (" ", "\t", "\n") else "")


def _placeholders(text: str) -> set[str]:
    names = set()
    for _, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        if not _IDENTIFIER.match(name) or spec or conversion:
            raise ValueError(f"{{{name}}}")
        names.add(name)
    return names


def build_letter_texts(files: Sequence[tuple[str, Any]]) -> LetterTexts:
    """Validate the parsed data/letters/*.yaml files (each given as (file name, parsed YAML)).

    German (de) and English (en, the fallback) are required. Each placeholder must be known, and a
    translation may only use the placeholders its German key uses; a translation must have every key
    of the sections the person's letters read. A broken file is named with its line and field.
    """
    languages: dict[str, LanguageTexts] = {}
    lines: dict[str, dict[str, int | None]] = {}
    for file, document in files:
        if not isinstance(document, Mapping):
            raise CatalogueError(file, 1, None, "(file)", "must be a mapping with language, name, rtl and the sections")
        code = document.get("language")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2}", code):
            raise CatalogueError(file, document.get(f"{LINE}language", 1), None, "language", "give the ISO 639-1 code, e.g. uk")
        if code in languages:
            raise CatalogueError(file, document.get(f"{LINE}language"), None, "language", f"'{code}' is also in {languages[code].file}")
        texts: dict[str, str] = {}
        where: dict[str, int | None] = {}
        for section, content in document.items():
            if str(section).startswith(LINE) or section in _NOT_SECTIONS:
                continue
            if not isinstance(content, Mapping):
                raise CatalogueError(file, document.get(f"{LINE}{section}"), None, str(section), "must be a mapping of texts")
            for key, value in content.items():
                if str(key).startswith(LINE):
                    continue
                dotted = f"{section}.{key}"
                line = content.get(f"{LINE}{key}", content.get(LINE))
                if not isinstance(value, str) or not value.strip():
                    raise CatalogueError(file, line, None, dotted, "must be a non-empty text")
                try:
                    names = _placeholders(value)
                except ValueError as error:
                    raise CatalogueError(file, line, None, dotted, f"placeholder {error} is not allowed; use plain names like {{deadline}}") from None
                unknown = names - PLACEHOLDERS
                if unknown:
                    raise CatalogueError(file, line, None, dotted, f"unknown placeholder {{{sorted(unknown)[0]}}}; known: {', '.join(sorted(PLACEHOLDERS))}")
                texts[dotted] = _one_line(value)
                where[dotted] = line
        name = document.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CatalogueError(file, document.get(LINE), None, "name", "give the language's own name, e.g. Українська")
        rtl = document.get("rtl", False)
        if not isinstance(rtl, bool):
            raise CatalogueError(file, document.get(f"{LINE}rtl"), None, "rtl", "must be true or false")
        items = document.get("items") or {}
        names = document.get("language_names") or {}
        terms = document.get("terms") or {}
        for label, mapping in (("items", items), ("language_names", names), ("terms", terms)):
            if not isinstance(mapping, Mapping) or not all(isinstance(v, str) for k, v in mapping.items() if not str(k).startswith(LINE)):
                raise CatalogueError(file, document.get(f"{LINE}{label}"), None, label, "must be a mapping of key: text")
        families, family_lines = _families(file, document)
        languages[code] = LanguageTexts(
            code=code, name=name.strip(), rtl=rtl, reviewed=bool(document.get("reviewed", False)), file=file, texts=texts,
            items={k: " ".join(v.split()) for k, v in items.items() if not str(k).startswith(LINE)},
            language_names={k: v for k, v in names.items() if not str(k).startswith(LINE)},
            families=families,
            terms={k: " ".join(v.split()) for k, v in terms.items() if not str(k).startswith(LINE)},
        )
        lines[code] = where
        lines[f"{code}:families"] = family_lines

    for required in (GERMAN, FALLBACK_LANGUAGE):
        if required not in languages:
            raise CatalogueError(f"data/letters/{required}.yaml", None, None, "(file)", "is missing; German and English texts are required")
    german = languages[GERMAN]
    for section in (*PERSON_SECTIONS, *GERMAN_SECTIONS):
        if not any(key.startswith(f"{section}.") for key in german.texts):
            raise CatalogueError(german.file, None, None, section, "is missing")
    person_keys = [key for key in german.texts if key.split(".")[0] in PERSON_SECTIONS]
    for code, language in languages.items():
        if code == GERMAN:
            continue
        for key in person_keys:
            if key not in language.texts:
                raise CatalogueError(language.file, None, None, key, f"is missing; translate the German text: {_clip(german.texts[key], 60)}")
        for key, text in language.texts.items():
            if key not in german.texts:
                raise CatalogueError(language.file, lines[code].get(key), None, key, "is not a key of the German file; check the spelling")
            extra = _placeholders(text) - _placeholders(german.texts[key])
            if extra:
                raise CatalogueError(language.file, lines[code].get(key), None, key,
                                     f"uses {{{sorted(extra)[0]}}}, which the German text of this key does not have")
    _check_families(languages, lines)
    texts = LetterTexts(languages=languages)
    check_with_samples(texts)
    return texts


def _families(file: str, document: Mapping) -> tuple[dict[str, dict[str, str]], dict[str, int | None]]:
    """The `families` part: family key → {dotted key: text}, each text checked like a section's."""
    raw = document.get("families") or {}
    if not isinstance(raw, Mapping):
        raise CatalogueError(file, document.get(f"{LINE}families"), None, "families",
                             "must be a mapping of family key → {section.key: text}")
    families: dict[str, dict[str, str]] = {}
    where: dict[str, int | None] = {}
    for family, content in raw.items():
        if str(family).startswith(LINE):
            continue
        line = raw.get(f"{LINE}{family}", raw.get(LINE))
        if not isinstance(content, Mapping):
            raise CatalogueError(file, line, None, f"families.{family}", "must be a mapping of section.key: text")
        texts = {}
        for key, value in content.items():
            if str(key).startswith(LINE):
                continue
            dotted = f"families.{family}.{key}"
            key_line = content.get(f"{LINE}{key}", line)
            if not isinstance(value, str) or not value.strip():
                raise CatalogueError(file, key_line, None, dotted, "must be a non-empty text")
            try:
                _placeholders(value)
            except ValueError as error:
                raise CatalogueError(file, key_line, None, dotted, f"placeholder {error} is not allowed; use plain names like {{deadline}}") from None
            texts[str(key)] = _one_line(value)
            where[f"{family}.{key}"] = key_line
        families[str(family)] = texts
    return families, where


def _check_families(languages: Mapping[str, LanguageTexts], lines: Mapping[str, Mapping[str, int | None]]) -> None:
    """A family text replaces a text of the same key: the key must exist in the language's texts, and
    the family text may use only the placeholders of the general German text (the letters fill those).
    A translation must have every family text of the person's letters that German has."""
    german = languages[GERMAN]
    for code, language in languages.items():
        where = lines[f"{code}:families"]
        for family, texts in language.families.items():
            for key, text in texts.items():
                line = where.get(f"{family}.{key}")
                if key not in language.texts:
                    raise CatalogueError(language.file, line, None, f"families.{family}.{key}",
                                         "is not a key of the texts; a family text replaces a text of the same key")
                extra = _placeholders(text) - _placeholders(german.texts.get(key, ""))
                if extra:
                    raise CatalogueError(language.file, line, None, f"families.{family}.{key}",
                                         f"uses {{{sorted(extra)[0]}}}, which the general German text of this key does not have")
        if code == GERMAN:
            continue
        for family, texts in german.families.items():
            for key in texts:
                if key.split(".")[0] in PERSON_SECTIONS and key not in language.families.get(family, {}):
                    raise CatalogueError(language.file, None, None, f"families.{family}.{key}",
                                         f"is missing; translate the German text: {_clip(texts[key], 60)}")
