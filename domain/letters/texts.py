"""The words of the letters (data/letters/<language>.yaml) and their schema: `LetterTexts` holds one
`LanguageTexts` per language, built and checked by `build_letter_texts`.

German (binding) and English (the fallback) are required. A placeholder must be one the letters
fill (PLACEHOLDERS); a translation may only use the placeholders of its German key and must have
every key the person's letters read. A broken file is named with its line and field; a key or
placeholder the composers need but a file lacks is found by composing every sample letter once
(`domain.letters.samples.check_with_samples`), when the texts are loaded, not when an adviser
writes a letter.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
})
# Sections that the person's letters read; every translation must have each of their keys.
PERSON_SECTIONS = (
    "common", "translation", "outcomes", "funding_routes", "item_status", "funding", "checklist",
    "next_steps", "outcome",
)
# German only: the letters to bodies and employers, and the names of languages.
GERMAN_SECTIONS = ("translation_de", "body_cover", "sme_guidance")


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

    def text(self, key: str, **values: str) -> str:
        return self.texts[key].format_map(values)

    def has(self, key: str) -> bool:
        return key in self.texts


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
            if str(section).startswith(LINE) or section in ("language", "name", "rtl", "reviewed", "translated_by",
                                                             "items", "language_names", "sources"):
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
                # whitespace runs become one space; a trailing space (a bold lead "Gebühren: ") stays
                texts[dotted] = " ".join(value.split()) + (" " if value[-1:].isspace() else "")
                where[dotted] = line
        name = document.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CatalogueError(file, document.get(LINE), None, "name", "give the language's own name, e.g. Українська")
        rtl = document.get("rtl", False)
        if not isinstance(rtl, bool):
            raise CatalogueError(file, document.get(f"{LINE}rtl"), None, "rtl", "must be true or false")
        items = document.get("items") or {}
        names = document.get("language_names") or {}
        for label, mapping in (("items", items), ("language_names", names)):
            if not isinstance(mapping, Mapping) or not all(isinstance(v, str) for k, v in mapping.items() if not str(k).startswith(LINE)):
                raise CatalogueError(file, document.get(f"{LINE}{label}"), None, label, "must be a mapping of key: text")
        languages[code] = LanguageTexts(
            code=code, name=name.strip(), rtl=rtl, reviewed=bool(document.get("reviewed", False)), file=file, texts=texts,
            items={k: " ".join(v.split()) for k, v in items.items() if not str(k).startswith(LINE)},
            language_names={k: v for k, v in names.items() if not str(k).startswith(LINE)},
        )
        lines[code] = where

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
    texts = LetterTexts(languages=languages)
    check_with_samples(texts)
    return texts
