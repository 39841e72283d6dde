"""A name in Latin script, as a passport prints it: the tables of `data/transliteration.yaml` applied
to Cyrillic names (the Ukrainian national standard, Resolution of the Cabinet of Ministers of Ukraine
No. 55 of 27.01.2010, for Ukrainian; ICAO Doc 9303 Part 3 for Russian and other Cyrillic names).

The address field and the German salutation need the name in Latin script (DIN 5008 letters are
read and sorted by the German post; "Sehr geehrter Herr Ковальчук" is no salutation). What this
module gives is a *proposal*: the passport's spelling wins, and the adviser corrects the proposal
(`welcome-center address REF --latin-given … --latin-family …`, the address form on the case page).
Scripts without a table here (Arabic, Persian) get their proposal from ICU through
`adapters.transliteration`.

Pure functions: a table is a value (`Table`, built by the adapter from the YAML file), no I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

# Apostrophes as Ukrainian spelling uses them ("Знам'янка"): not transliterated (KMU No. 55, note 1)
_WORD_BREAKS = frozenset(" -‐‑\u00a0")


@dataclass(frozen=True)
class Table:
    """One transliteration table: letters (lower case) → Latin, with the forms at the start of a
    word, letter sequences that have a form of their own ("зг" → "zgh") and letters left out."""

    key: str  # "uk", "ru"
    name: str  # what the proposal says it used
    source: str
    letters: Mapping[str, str]
    word_initial: Mapping[str, str] = field(default_factory=dict)
    sequences: Mapping[str, str] = field(default_factory=dict)
    omit: frozenset[str] = frozenset()
    examples: tuple[tuple[str, str], ...] = ()

    def covers(self, text: str) -> bool:
        """Every letter of the text is in the table (or Latin, or left out)."""
        return all(_is_latin(ch) or not ch.isalpha() or ch.lower() in self.letters or ch.lower() in self.omit
                   for ch in text)


def _is_latin(ch: str) -> bool:
    return ch.isascii() or "LATIN" in unicodedata.name(ch, "")


def is_latin_text(text: str) -> bool:
    """Every letter of the text is a Latin letter ("Müller", "Nguyễn", "O'Brien"): the name can stand
    in the address field as it is."""
    return all(_is_latin(ch) for ch in text if ch.isalpha())


def script_of(text: str) -> str | None:
    """The script of the first letter that is not Latin: "CYRILLIC", "ARABIC", …; None if all Latin."""
    for ch in text:
        if ch.isalpha() and not _is_latin(ch):
            return unicodedata.name(ch, "UNKNOWN").split()[0]
    return None


def transliterate(text: str, table: Table) -> str:
    """The text with each letter of the table replaced, keeping the case pattern: a capital whose
    Latin form has several letters is written "Shch" before a small letter and "SHCH" in a word in
    capitals. Letters outside the table stay as they are (the caller checks `Table.covers`)."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    index = 0
    at_word_start = True
    while index < len(text):
        ch = text[index]
        lower = ch.lower()
        pair = text[index:index + 2].lower()
        if len(pair) == 2 and pair in table.sequences:
            out.append(_cased(table.sequences[pair], text[index:index + 2], text, index + 2))
            index += 2
            at_word_start = False
            continue
        if lower in table.omit:
            index += 1
            continue
        if lower in table.letters:
            latin = table.word_initial.get(lower, table.letters[lower]) if at_word_start else table.letters[lower]
            out.append(_cased(latin, ch, text, index + 1))
            at_word_start = False
        else:
            out.append(ch)
            at_word_start = ch in _WORD_BREAKS
        index += 1
    return "".join(out)


def _cased(latin: str, source: str, text: str, after: int) -> str:
    if not latin or not source[0].isupper():
        return latin
    following = next((c for c in text[after:] if c.isalpha()), "")
    word_in_capitals = (len(source) > 1 and source[1].isupper()) or (following.isupper() and following != "")
    return latin.upper() if word_in_capitals else latin[0].upper() + latin[1:]


# Letters only one of the two languages has: which table a Cyrillic name without a language fits
_UKRAINIAN_ONLY = frozenset("ґєії")
_RUSSIAN_ONLY = frozenset("ёъыэ")


def table_for(text: str, *, language: str | None, tables: Mapping[str, Table]) -> Table | None:
    """The table a Cyrillic name is transliterated with: Ukrainian when the name has a letter only
    Ukrainian has (ґ, є, і, ї) or the person's language is uk; Russian (ICAO) when it has ё, ъ, ы or
    э or the language is ru; other Cyrillic names by the ICAO table too (the passport standard for
    Cyrillic). None when the name is not Cyrillic or a letter is not in the table."""
    if script_of(text) != "CYRILLIC":
        return None
    letters = set(text.lower())
    if letters & _UKRAINIAN_ONLY:
        key = "uk"
    elif letters & _RUSSIAN_ONLY:
        key = "ru"
    else:
        key = language if language in ("uk", "ru") else "ru"
    table = tables.get(key)
    return table if table is not None and table.covers(text) else None


def check_examples(table: Table) -> list[str]:
    """The table's own examples that it does not reproduce (an empty list: the table is right)."""
    return [f"{source} → {transliterate(source, table)}, not {expected}"
            for source, expected in table.examples if transliterate(source, table) != expected]
