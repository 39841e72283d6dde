"""Text normalisation for matching what people type against the catalogue of professions.

People type "Erzieher/in", "ErzieherIn", "Tierärztin", "tieraerztin", "MEDSESTRA" or "медсестра":
all of these must find the same entry. Two folded forms are produced per text so that both
"ä" → "a" (diacritics dropped) and "ä" → "ae" (German transliteration) match.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_LENGTH = 200

_GENDER_SUFFIX = re.compile(
    r"(?:\s*[/*:_·]\s*-?\s*(?:in|innen|frau|mann)\b|\(\s*-?(?:in|innen)\s*\))",
    re.IGNORECASE,
)
_BINNEN_I = re.compile(r"(?<=[a-zäöüß])In(?:nen)?\b")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Letters typed interchangeably, folded to one form in the catalogue and the query alike:
# - Arabic: hamza forms of alif, ta marbuta and alif maqsura; tatweel is decoration. Harakat are
#   combining marks and go with the diacritics.
# - Persian/Dari: an Arabic keyboard gives ي and ك where a Persian one gives ی and ک, and ۀ is ه with
#   a hamza; the zero-width non-joiner inside words ("دندان‌پزشک") is typed as a space or not at all.
# - Turkish: dotless ı is typed as i on any other keyboard ("asci" for "aşçı"); the other Turkish
#   letters (ş ç ğ ö ü) lose their marks with the diacritics.
_LETTERS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None,
    "ی": "ي", "ک": "ك", "ۀ": "ه", "ھ": "ه", "\u200c": " ",
    "ı": "i",
})


# Combining marks of the scripts people type here (Latin, Cyrillic, Arabic harakat, Hebrew) and
# the general combining blocks; removed after NFKD decomposition, so "é" → "e" and "й" → "и" (both
# the catalogue and the query are folded alike, so the Cyrillic fold costs no match).
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


def _strip_diacritics(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _base(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_LETTERS)
    text = _BINNEN_I.sub("", text)
    text = _GENDER_SUFFIX.sub("", text)
    return text.casefold()


def _squash(text: str) -> str:
    return _NON_WORD.sub(" ", text).replace("_", " ").strip()


def fold(text: str) -> str:
    """The main matching key: case, diacritics, punctuation and gender suffixes removed."""
    if text.isalpha() and "In" not in text:
        # one word of letters only (most queries): no suffix, Binnen-I or punctuation to remove
        if text.isascii():
            return text.casefold()
        return _strip_diacritics(unicodedata.normalize("NFKC", text).translate(_LETTERS).casefold())
    return _squash(_strip_diacritics(_base(text).replace("ß", "ss")))


def fold_variants(text: str) -> set[str]:
    """Every key under which a catalogue synonym is indexed (diacritics dropped and transliterated)."""
    base = _base(text)
    return {
        key
        for key in (
            _squash(_strip_diacritics(base.replace("ß", "ss"))),
            _squash(_strip_diacritics(base.translate(_UMLAUTS))),
        )
        if key
    }


MIN_TYPO_LENGTH = 5  # a typo is looked for only where one of the two words has five letters or more:
# one typo in four letters is another word more often than not


def trigrams(word: str) -> set[str]:
    """Character trigrams of a folded word, padded so that short words have some."""
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


# Words around a profession in a sentence that do not change which profession it is ("Ich bin
# gelernte Krankenschwester", "I was a nurse", "Я працювала медсестрою", "Ben hemşireyim" is an
# inflected word, not filler). Written as typed and folded below, like every query.
_FILLER_WORDS = """
    ich bin war habe hatte als eine einer ein einen der die das gelernte gelernter ausgebildete
    ausgebildeter staatlich examinierte examinierter diplomierte diplomierter mit abschluss beruf
    von und im in am gearbeitet arbeite arbeitete tätig gelernt
    i am was a an as the trained qualified certified registered former my job profession worked work
    я є був була працюю працював працювала за фахом професією
    работаю работал работала был была по профессии специальности
    أنا كنت أعمل عملت مهنتي
    ben benim olarak çalıştım çalışıyorum mesleğim bir idim
    من هستم بودم کار می کنم میکنم کردم شغل شغلم به عنوان
"""
FILLER = frozenset(word for raw in _FILLER_WORDS.split() if (word := fold(raw)))

# Words after a profession that open a qualifier: "Lehrerin für Mathematik", "Ingenieur für
# Elektrotechnik", "teacher of maths", "вчитель з математики", "учитель по физике", "معلم في مدرسة".
# What follows them narrows the profession; it does not name another one.
QUALIFIERS = frozenset(
    word
    for raw in "für fuer im in der des mit fachrichtung schwerpunkt for of in with з зі по в у с со في در رشته".split()
    if (word := fold(raw))
)
