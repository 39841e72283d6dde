"""A proposal for a name in Latin script: the tables of data/transliteration.yaml for Cyrillic names
(the Ukrainian national standard, ICAO Doc 9303), and for the other scripts (Arabic, Persian, …) the
well-kept transliterator anyascii (Unicode's CLDR-based tables in pure Python; ICU through pyicu would
give the same consonant-only proposal but needs the ICU headers and a compiler to install, which a
newcomer with nothing but python3 does not have).

A proposal is only that: the passport's spelling wins. A transliterator writes Arabic consonants without
the vowels the script leaves out ("آمنة" → "Amnh", the passport says "Amna"), so the adviser checks
every proposal against the passport and corrects it (`welcome-center address REF --latin-given …
--latin-family …`, the address form on the case page). The pure rules are `domain.transliteration`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii

from adapters.catalogue import read_yaml
from adapters.settings import get_settings
from domain.errors import CatalogueError
from domain.transliteration import Table, check_examples, is_latin_text, script_of, table_for, transliterate

FILE = "data/transliteration.yaml"
OTHER_SCRIPTS = "anyascii"


@dataclass(frozen=True)
class LatinProposal:
    """A name in Latin script proposed for the address field, and how it was made."""

    given_name: str
    family_name: str
    method: str  # "Ukrainian national standard (KMU No. 55/2010)", "ICU Any-Latin; Latin-ASCII", …


@lru_cache(maxsize=4)
def load_tables(data_dir: Path | None = None) -> dict[str, Table]:
    """The tables of data/transliteration.yaml; a table that does not reproduce its own examples, or
    a broken entry, is refused with the file and the field."""
    path = (data_dir or get_settings().data_dir) / "transliteration.yaml"
    data = read_yaml(path, FILE)
    if not isinstance(data, dict) or not data:
        raise CatalogueError(FILE, None, None, "(file)", "holds no table; give uk and ru")
    tables = {}
    for key, entry in data.items():
        if str(key).startswith("__"):  # the loader's line numbers
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("letters"), dict):
            raise CatalogueError(FILE, None, str(key), "letters", "is missing; map each letter to its Latin form")
        for name in ("name", "source"):
            if not str(entry.get(name) or "").strip():
                raise CatalogueError(FILE, None, str(key), name, "is missing; every table names its source")
        table = Table(
            key=str(key), name=str(entry["name"]), source=str(entry["source"]),
            letters=_mapping(entry["letters"]),
            word_initial=_mapping(entry.get("word_initial")),
            sequences=_mapping(entry.get("sequences")),
            omit=frozenset(str(ch) for ch in entry.get("omit") or ()),
            examples=tuple((str(a), str(b)) for a, b in entry.get("examples") or ()),
        )
        wrong = check_examples(table)
        if wrong:
            raise CatalogueError(FILE, None, str(key), "examples", f"the table does not give its own examples: {'; '.join(wrong)}")
        tables[table.key] = table
    return tables


def _mapping(value) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items() if not str(k).startswith("__")}


def other_latin(text: str) -> str:
    """The transliterator's Latin form in ASCII, each word capitalised, the marks it writes for Arabic
    ʿayn and hamza left out."""
    latin = anyascii(text)
    kept = "".join(ch for ch in latin if ch.isascii() and (ch.isalnum() or ch in " -'"))
    words = [word.strip("'") for word in kept.split()]
    return " ".join("-".join(part[:1].upper() + part[1:] for part in word.split("-")) for word in words if word)


def propose_latin(given_name: str, family_name: str, *, language: str | None = None,
                  tables: dict[str, Table] | None = None) -> LatinProposal | None:
    """The Latin spelling proposed for a name, or None when the name is written in Latin letters
    already (it then stands in the address field as it is)."""
    if is_latin_text(given_name) and is_latin_text(family_name):
        return None
    tables = load_tables() if tables is None else tables
    parts, methods = [], []
    for text in (given_name, family_name):
        if is_latin_text(text):
            parts.append(text)
            continue
        table = table_for(text, language=language, tables=tables)
        if table is not None:
            parts.append(transliterate(text, table))
            methods.append(table.name)
        else:
            parts.append(other_latin(text) or text)
            methods.append(f"{OTHER_SCRIPTS} ({(script_of(text) or '').title()}), to check against the passport")
    return LatinProposal(parts[0], parts[1], "; ".join(dict.fromkeys(methods)))
