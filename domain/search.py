"""Text folded for the case search, so that a name is found however an adviser types it.

Advisers type what they hear or what their keyboard has: "Aydin" for "Aydın", "Mueller" or "Muller"
for "Müller", "Petrenko" for "Петренко" and "Петренко" for "Petrenko", a part of a name ("enko"), a
name with a typo ("Kravhenko"). The stored side (one document per case, kept by `services.search`)
and the typed side are folded by the same functions, so every form typed meets a form stored:

- NFKC (full-width and compatibility forms), casefold ("ß" → "ss"), apostrophes inside a name left
  out ("O'Brien" → "obrien", "Знам'янка");
- German umlauts both ways: "Müller" is stored as "muller" *and* "mueller";
- Cyrillic transliterated with the tables of `data/transliteration.yaml` (the Ukrainian national
  standard KMU No. 55/2010 and ICAO Doc 9303 for Russian, `domain.transliteration`); a Cyrillic text
  gets both forms when they differ ("Григорій" → "hryhorii", "grigorii");
- everything else to ASCII by anyascii (pure Python tables from Unicode CLDR: "ı" → "i", "ł" → "l",
  Arabic and Persian letters to their consonants, "محمد" → "mhmd");
- what is left is lower-case ASCII letters and digits, words split at everything else.

Pure functions: the transliteration tables are arguments (the adapter loads them from the file).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz.distance import OSA

from domain.transliteration import Table, transliterate

# Tables tried for a Cyrillic text, in this order (keys of data/transliteration.yaml)
CYRILLIC_TABLES = ("uk", "ru")
# A word shorter than this has no trigram: it is matched as the start of a name or reference
MIN_SUBSTRING = 3
MAX_QUERY_WORDS = 8

_APOSTROPHES = re.compile("['`\u2019\u02bc\u02b9\u02bb\u2018\u00b4]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_GERMAN_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_QUERY_SEPARATORS = re.compile(r"[\s,;]+")


def _has_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u052f" for ch in text)


def search_forms(text: str, *, tables: Mapping[str, Table]) -> tuple[str, ...]:
    """Every folded form of `text`: "Müller" → ("muller", "mueller"), "Петренко" → ("petrenko",),
    "Aydın" → ("aydin",). Empty for a text without letters or digits."""
    base = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text or "").casefold())
    spellings = [base]
    german = base.translate(_GERMAN_UMLAUTS)
    if german != base:
        spellings.append(german)
    if _has_cyrillic(base):
        spellings = [transliterate(s, tables[key]) for s in spellings for key in CYRILLIC_TABLES if key in tables] or spellings
    forms = (_ascii_words(s) for s in spellings)
    return tuple(dict.fromkeys(form for form in forms if form))


def _ascii_words(text: str) -> str:
    latin = _APOSTROPHES.sub("", anyascii(text)).lower()
    return " ".join(_NOT_WORD.sub(" ", latin).split())


def fold_for_search(text: str, *, tables: Mapping[str, Table]) -> str:
    """The main folded form (the first of `search_forms`), "" for a text without letters or digits."""
    forms = search_forms(text, tables=tables)
    return forms[0] if forms else ""


def case_document(parts: Iterable[str | None], *, tables: Mapping[str, Table]) -> str:
    """The searchable text of a case: every folded form of each part (the person's names in their own
    script and in Latin script, the reference, the profession as typed, the reference occupation),
    each form once, separated by spaces."""
    forms: dict[str, None] = {}
    for part in parts:
        if part:
            forms.update(dict.fromkeys(search_forms(part, tables=tables)))
    return " ".join(forms)


def document_words(document: str) -> set[str]:
    """The words of a document a typo may be corrected towards: three letters or more, not numbers
    (a reference's digits are typed from paper; every one of them would be a word)."""
    return {word for word in document.split() if len(word) >= MIN_SUBSTRING and not word.isdigit()}


@dataclass(frozen=True)
class QueryWord:
    """One word as typed, with its folded forms (any of them may match: "Müller" gives "muller" and
    "mueller", a Cyrillic word its Ukrainian and Russian transliterations)."""

    typed: str
    forms: tuple[str, ...]

    @property
    def short(self) -> bool:
        """Too short for a substring search by trigrams: matched as the start of a word."""
        return min(len(form) for form in self.forms) < MIN_SUBSTRING


def query_words(text: str, *, tables: Mapping[str, Table]) -> list[QueryWord]:
    """The words of a search text (spaces, commas and semicolons separate them), each folded; words
    that fold to nothing ("*", "(") are left out, and at most MAX_QUERY_WORDS are kept. A word
    typed with a hyphen ("Haj-Ali", "VER-2026-0042") stays one word: its forms hold a space."""
    words = []
    for typed in _QUERY_SEPARATORS.split(text or ""):
        forms = search_forms(typed, tables=tables)
        if forms:
            words.append(QueryWord(typed, forms))
    return words[:MAX_QUERY_WORDS]


def typo_limit(word: str) -> int:
    """How many edits (insert, delete, replace, swap two neighbours) a typed word may be from a
    stored one: none below 4 letters, one up to 7, two from 8 ("Kravhenko", "Shevchneko")."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def typo_distance(typed: str, stored: str) -> int | None:
    """The edits between a typed word and a stored one (optimal string alignment: a swap of two
    neighbours counts one), or against the stored word's start when the adviser typed only part of
    it ("Kravhen" → "kravchenko"); None when more than `typo_limit` allows."""
    limit = typo_limit(typed)
    if limit == 0:
        return None
    candidates = [stored] + [stored[:n] for n in range(max(1, len(typed) - limit), len(typed) + limit + 1) if n < len(stored)]
    best = min(OSA.distance(typed, c, score_cutoff=limit + 1) for c in candidates)
    return best if best <= limit else None


def corrections(typed: str, stored_words: Iterable[str], *, limit: int = 8) -> list[tuple[str, int]]:
    """The stored words a typed word may have meant, closest first: (word, edits), at most `limit`."""
    found = []
    for word in set(stored_words):
        if word == typed:
            continue
        distance = typo_distance(typed, word)
        if distance is not None and distance > 0:
            found.append((word, distance))
    found.sort(key=lambda item: (item[1], abs(len(item[0]) - len(typed)), item[0]))
    return found[:limit]


def case_search_text(*, given_name: str | None, family_name: str | None, latin_given_name: str | None,
                     latin_family_name: str | None, reference: str | None, profession_text: str | None,
                     reference_occupation: str | None, tables: Mapping[str, Table]) -> str:
    """The document of one case (`services.search` and the backfill of migration 0011 alike): the
    person's names in their own script and in Latin script as in the passport, the whole family name
    ("Haj Ali"), the reference, the profession as typed and the reference occupation in German."""
    return case_document(
        (given_name, family_name, latin_given_name, latin_family_name, reference, profession_text, reference_occupation),
        tables=tables,
    )
