"""Countries of training: the name or code a person typed → ISO 3166-1 alpha-2, and whether the state
is in the EU, the EEA or Switzerland (Directive 2005/36/EC; § 13 Abs. 3 Satz 4 BQFG).

The table is built by `adapters.catalogue.load_countries` from well-kept sources (ISO 3166 names in
German and English through pycountry, the Unicode CLDR names through Babel) and the additions in
`data/countries.yaml`; this module only looks names up, so the rules stay free of I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from domain.errors import _clip
from domain.validation import FieldError, _text

_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def country_key(text: str) -> str:
    """Case, diacritics, punctuation and spaces folded away: "Côte d'Ivoire" → "cotedivoire", so that
    "Saudi Arabien" finds "Saudi-Arabien" and "Korea, Republik" finds "Korea Republik"."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", text)


@lru_cache(maxsize=4096)  # an import file repeats a few dozen country names a million times
def _keys(name: str) -> frozenset[str]:
    """Both "Turkei" and "Tuerkei" find "Türkei"."""
    return frozenset({country_key(name), country_key(name.casefold().translate(_TRANSLITERATE))} - {""})


def _orders(name: str) -> list[str]:
    """The name, and for a list form of ISO 3166 ("Iran, Islamische Republik", "Moldau, Republik") the
    order of running text a certificate or a letter uses ("Islamische Republik Iran", "Republik Moldau")."""
    head, comma, tail = name.partition(", ")
    return [name, f"{tail} {head}"] if comma and tail and "," not in tail else [name]


@dataclass(frozen=True)
class CountryTable:
    """Codes and names of every ISO 3166-1 country (and Kosovo, XK, which the EU and Germany use)."""

    codes: Mapping[str, str]  # alpha-2 or alpha-3, upper case → alpha-2
    names: Mapping[str, str]  # folded name → alpha-2
    names_de: Mapping[str, str]  # alpha-2 → the German short name (CLDR), for what advisers read
    eu_eea_ch: frozenset[str]

    def is_eu_eea_ch(self, alpha2: str) -> bool:
        return alpha2.upper() in self.eu_eea_ch

    def name_de(self, alpha2: str) -> str:
        return self.names_de.get(alpha2.upper(), alpha2.upper())

    def lookup(self, text: str) -> str | None:
        return self.codes.get(text.strip().upper()) or next(
            (self.names[key] for key in _keys(text) if key in self.names), None)


def build_country_table(*, codes: Iterable[tuple[str, str]], names: Iterable[tuple[str, str]],
                        names_de: Mapping[str, str], eu_eea_ch: Iterable[str]) -> CountryTable:
    """`codes`: (code, alpha-2); `names`: (name, alpha-2) in the order of trust, the first source that
    names a folded key wins (the additions of data/countries.yaml first, then ISO 3166, then CLDR)."""
    by_name: dict[str, str] = {}
    for name, alpha2 in names:
        for form in _orders(name):
            for key in _keys(form):
                by_name.setdefault(key, alpha2)
    return CountryTable(codes={code.upper(): alpha2 for code, alpha2 in codes}, names=by_name,
                        names_de=dict(names_de), eu_eea_ch=frozenset(eu_eea_ch))


def country(value: str | None, *, table: CountryTable) -> str | None:
    """Country of training → ISO 3166-1 alpha-2; empty → None. Takes the name in German or English
    (ISO 3166, CLDR, or the forms German offices write: "Korea, Republik", "Syrien, Arabische
    Republik", "Russische Föderation"), any case, with or without umlauts, or the alpha-2 / alpha-3 code."""
    text = _text(value)
    if not text:
        return None
    code = table.lookup(text)
    if code is None:
        raise FieldError("country.unknown", "country_of_training", typed=value, value=_clip(text))
    return code
