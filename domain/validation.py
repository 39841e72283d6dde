"""Field parsers shared by the CLI, the CSV import and the web form (`/work/shared/import-format.md`).

Each parser takes the raw value as typed (str or None) and returns a typed value, or raises
`FieldError` (an `InvalidInput`) with a code of `domain.messages.MESSAGES`: its English (`message`)
and German (`message_de`) texts name the value and the fix, so that the web page and the import
report can speak to an adviser in either language. None of them reads the clock: a rule that
depends on today takes `today`.

Names are kept as written in any script, with apostrophes (' and ’), hyphens and spaces, in Unicode
NFC: "Zoë" typed with a combining diaeresis (NFD, as macOS and some web forms send it) is stored as
the same code points as "Zoë" typed on a German keyboard, so the person is found again. A name is not
free text, though: one that starts like a spreadsheet formula (`=`, `+`, `-`, `@`, `|`, tab, CR),
holds markup (`<script>`) or template syntax (`{{`, `{%`, `${`) is refused with the field and the fix
(OWASP, "CSV Injection"; no passport spells a name so). Other text fields (phone, profession) keep
such text literally; it becomes harmless where it is *output*: the HTML renderer escapes it (Jinja2
autoescape), letters insert it as text, and a CSV export passes each cell through `csv_safe`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date

from domain.dates import EARLIEST_BIRTH, DateError, DayRange, birth_range, parse_day
from domain.errors import DomainError, InvalidInput, _clip
from domain.routing import validate_profession_text

MAX_NAME_LENGTH = 100
MAX_PHONE_LENGTH = 50
MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit less the angle brackets
EARLIEST_BIRTH_DATE = EARLIEST_BIRTH


class FieldError(InvalidInput):
    """A typed value is not acceptable: `code` and `params` make the English `message` and the German
    `message_de` (domain.messages). `value` is the value as typed (None when the field was empty),
    given as `typed=` because `value` is the name the texts use for the clipped value they quote."""

    def __init__(self, code: str, field: str, *, typed: str | None = None, **params) -> None:
        DomainError.__init__(self, code, field, **params)  # always a code: the legacy form is InvalidInput's only
        self.value = typed


# --- characters a typed value may not contain ---------------------------------------------------

# Refused in every text field: control characters (Unicode Cc: NUL, tab, line ends, ESC, C1),
# line and paragraph separators (Zl, Zp), surrogates (Cs, only reachable from a broken web form)
# and the invisible characters that change how a name is shown or compared: the bidirectional
# embedding/override/isolate controls (a name with U+202E displays reversed, "Trojan Source") and
# U+FEFF (a byte-order mark pasted into a cell). Zero-width (non-)joiners and the left-to-right and
# right-to-left marks stay: Persian, Kurdish and Indic spellings need them.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_REFUSED_CHARACTERS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def _refused_character(text: str) -> str | None:
    if text.isprintable():  # the common case: nothing to look at
        return None
    for ch in text:
        if ch in _REFUSED_CHARACTERS or unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return ch
    return None


# The characters an adviser knows by name; any other is named by its code point.
_CHARACTER_CODES = {"\n": "text.line_break", "\r": "text.line_break", "\t": "text.tab"}


def _check_characters(field: str, value: str) -> None:
    ch = _refused_character(value)
    if ch is not None:
        error_code = _CHARACTER_CODES.get(ch, "text.invisible_character")
        raise FieldError(error_code, field, typed=value, value=_clip(value), character=f"U+{ord(ch):04X}")


def _text(value: str | None) -> str:
    """The value without surrounding whitespace ('' for None)."""
    return "" if value is None else value.strip()


# --- names ----------------------------------------------------------------------------------------


# field → (empty, too long)
_NAME_CODES = {
    "given_name": ("given_name.empty", "given_name.too_long"),
    "family_name": ("family_name.empty", "family_name.too_long"),
}


# What a spreadsheet, a browser or a template engine would act on (see the module docstring).
_MARKUP = re.compile(r"<[^<>]*>")
_TEMPLATE = ("{{", "{%", "${")


def _name(field: str, value: str | None) -> str:
    empty_code, too_long_code = _NAME_CODES[field]
    raw = "" if value is None else unicodedata.normalize("NFC", value)
    text = raw.strip()
    if not text:
        raise FieldError(empty_code, field, typed=value)
    if len(text) > MAX_NAME_LENGTH:
        raise FieldError(too_long_code, field, typed=value, value=_clip(text), length=len(text), limit=MAX_NAME_LENGTH)
    lead = raw.lstrip(" ")  # a leading tab or CR is what a spreadsheet acts on, not whitespace to drop
    if lead.startswith(FORMULA_PREFIXES):
        raise FieldError("name.formula", field, typed=value, value=_clip(text), prefix=_shown_start(lead[0]))
    _check_characters(field, text)
    if _MARKUP.search(text):
        raise FieldError("name.markup", field, typed=value, value=_clip(text))
    if any(mark in text for mark in _TEMPLATE):
        raise FieldError("name.template", field, typed=value, value=_clip(text))
    return text


def _shown_start(ch: str) -> str:
    return {"\t": "tab", "\r": "CR"}.get(ch, ch)


def person_identity_key(given_name: str, family_name: str, birth_date: date) -> str:
    """Who a person is (import-format.md): given name, family name and birth date, the names in NFC
    and case-folded, so that "Zoë" (NFC or NFD) and "ZOË" born the same day are one person. The
    separator U+001F cannot occur in a name (control characters are refused)."""
    def folded(name: str) -> str:
        return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name.strip()).casefold())
    return f"{birth_date.isoformat()}\x1f{folded(given_name)}\x1f{folded(family_name)}"


def given_name(value: str | None) -> str:
    """The given name (Vorname) as written, in NFC, without surrounding whitespace; 1–100 characters
    (code points), any script; not formula-like, no markup or template syntax (module docstring)."""
    return _name("given_name", value)


def family_name(value: str | None) -> str:
    """The family name (Nachname) as written; the same rules as `given_name`."""
    return _name("family_name", value)


# --- dates ----------------------------------------------------------------------------------------


def _day(field: str, value: str | None, accepted: DayRange, *, today: date) -> date:
    """The shared parser (domain.dates), its refusal as this module's FieldError."""
    try:
        return parse_day(value, field=field, accepted=accepted, today=today)
    except DateError as error:
        raise FieldError(error.code, field, typed=value, **error.params) from None


def birth_date(value: str | None, *, today: date) -> date:
    """`YYYY-MM-DD` or `DD.MM.YYYY` (also `D.M.YYYY`, as German Excel shows dates); a real date, not
    after `today` and not before 1900 (domain.dates). Slashes and two-digit years are refused:
    `02/03/1990` is 2 March in Germany and 3 February in the US, and a guess would file the person
    under the wrong birth date."""
    if value is None or not value.strip():
        raise FieldError("birth_date.empty", "birth_date", typed=value)
    return _day("birth_date", value, birth_range(today), today=today)


# --- coded values ---------------------------------------------------------------------------------

_SEX = {"f": "f", "w": "f", "m": "m", "d": "d", "x": "d"}


def sex(value: str | None) -> str | None:
    """`f`/`w` → "f", `m` → "m", `d`/`x` → "d" (any case); empty → None. Kept for the Jobcenter's
    reports on women; "d" (divers) and "x" (passport entry) are the same statement here."""
    text = _text(value)
    if not text:
        return None
    code = _SEX.get(text.casefold())
    if code is None:
        raise FieldError("sex.unknown", "sex", typed=value, value=_clip(text))
    return code


# ISO 639-1, all 184 two-letter codes (checked against Debian iso-codes 4.15, iso_639-2.json).
ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    """.split()
)

# Country codes typed where a language code belongs; only codes that are not languages themselves.
_LANGUAGE_HINTS = {
    "ua": "uk", "gr": "el", "cz": "cs", "dk": "da", "jp": "ja", "cn": "zh", "ir": "fa", "sy": "ar",
    "iq": "ar", "al": "sq", "rs": "sr", "by": "be", "ge": "ka", "kz": "kk", "vn": "vi", "pk": "ur",
    "at": "de", "ee": "et",
}
_LANGUAGE_EXAMPLES = ("uk", "ru", "ar", "fa", "tr", "en", "de")


def language(value: str | None) -> str:
    """The person's language as an ISO 639-1 code, lower case ("UK" → "uk"). Names of languages are
    not taken: "Persisch" may mean fa or Dari, and the letters need the code."""
    text = _text(value)
    if not text:
        raise FieldError("language.empty", "language", typed=value, examples=_LANGUAGE_EXAMPLES)
    code = text.lower()
    if code in ISO_639_1:
        return code
    hint = _LANGUAGE_HINTS.get(code)
    if hint:
        raise FieldError("language.country_code", "language", typed=value, value=_clip(text), country=code,
                         language=hint, examples=_LANGUAGE_EXAMPLES)
    raise FieldError("language.unknown", "language", typed=value, value=_clip(text), examples=_LANGUAGE_EXAMPLES)


# --- contact --------------------------------------------------------------------------------------

# local@domain.tld: one @, a local part without spaces or the characters that separate several
# addresses, a domain of at least two non-empty labels. Not RFC 5322 in full (quoted local parts
# are refused): the aim is to catch a typo before a letter bounces, not to parse every address.
_EMAIL = re.compile(r"[^\s@,;<>()\[\]\\\"]+@[^\s@,;<>()\[\]\\\".]+(?:\.[^\s@,;<>()\[\]\\\".]+)+")


def email(value: str | None) -> str | None:
    """Optional e-mail address in the form local@domain.tld, kept as written; empty → None."""
    text = _text(value)
    if not text:
        return None
    if len(text) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(text):
        return text
    if text.count("@") > 1 or any(sep in text for sep in ",;"):
        error_code = "email.several"
    elif any(ch.isspace() for ch in text):
        error_code = "email.spaces"
    else:
        error_code = "email.no_domain"
    raise FieldError(error_code, "email", typed=value, value=_clip(text))


def phone(value: str | None) -> str | None:
    """Optional phone number as free text ("+49 4231 12345", "0176 … (abends)"), at most 50
    characters, no control characters; empty → None. A leading "+" is kept: see `csv_safe`."""
    text = _text(value)
    if not text:
        return None
    if len(text) > MAX_PHONE_LENGTH:
        raise FieldError("phone.too_long", "phone", typed=value, value=_clip(text), length=len(text), limit=MAX_PHONE_LENGTH)
    _check_characters("phone", text)
    return text


# --- free text and postcodes ------------------------------------------------------------------------

_POSTCODE = re.compile(r"^\d{5}$")


def free_text(field: str, value: str | None, *, limit: int) -> str | None:
    """Optional one-line text (an employer's name, a street, a city): runs of whitespace become one
    space, control characters are refused, at most `limit` characters; empty → None."""
    if value is None or not str(value).strip():
        return None
    text = " ".join(str(value).split())
    if not text.isprintable():
        raise FieldError("text.control_characters", field, typed=value, value=_clip(text))
    if len(text) > limit:
        raise FieldError("text.too_long", field, typed=value, length=len(text), limit=limit)
    return text


def german_postcode(value: str | None, field: str = "postcode") -> str | None:
    """A German postcode: exactly five digits (DIN 5008 address field); empty → None."""
    text = free_text(field, value, limit=10)
    if text is not None and not _POSTCODE.match(text):
        raise FieldError("postcode.not_german", field, typed=value, value=_clip(text))
    return text


# --- yes/no ---------------------------------------------------------------------------------------

_YES = frozenset({"yes", "y", "ja", "j", "true", "wahr", "1"})
_NO = frozenset({"no", "n", "nein", "false", "falsch", "0"})


def yes_no(field: str, value: str | None, *, default: bool = False) -> bool:
    """yes/no, ja/nein, y/n/j, true/false, 1/0 in any case; empty → `default`. Also WAHR/FALSCH,
    which a German spreadsheet writes for a checkbox or boolean cell."""
    text = _text(value)
    if not text:
        return default
    folded = text.casefold()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise FieldError("yes_no.unknown", field, typed=value, value=_clip(text), default=default)


# --- district and profession ----------------------------------------------------------------------


def district(value: str | None, *, known: Collection[str]) -> str:
    """One of the district keys served (`verden`, `osterholz`), in any case."""
    text = _text(value)
    keys = {key.casefold(): key for key in known}
    key = keys.get(text.casefold()) if text else None
    if key is not None:
        return key
    if not text:
        raise FieldError("district.empty", "district", typed=value, known=list(known))
    raise FieldError("district.not_served", "district", typed=value, value=_clip(text), known=list(known))


def profession(value: str | None) -> str:
    """The profession as the person says it; the rule is `domain.routing.validate_profession_text`
    (shared with routing), this keeps the value as typed for the import report."""
    try:
        return validate_profession_text(value)
    except InvalidInput as error:
        raise FieldError(error.code, "profession", typed=value, **error.params) from None


# --- export ---------------------------------------------------------------------------------------

# A spreadsheet treats a cell that starts with one of these as a formula (OWASP, "CSV Injection");
# "|" starts a DDE call in older Excel and LibreOffice ("|cmd '/c calc'!A0").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "|")


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet would read the value as a formula. Such values are stored as typed in
    the fields that are not names (a phone number "+49 ..."); `csv_safe` neutralises them on export."""
    return value.startswith(FORMULA_PREFIXES)


def csv_safe(value: str) -> str:
    """The value for one cell of a CSV export: prefixed with a single quote when a spreadsheet would
    otherwise run it as a formula (`=HYPERLINK(...)`, `+49 ...`, `@SUM(...)`, `|cmd`), as OWASP advises.
    Quoting of delimiters and quotes is the csv writer's job."""
    return "'" + value if looks_like_formula(value) else value


# --- dates of events ------------------------------------------------------------------------------

EARLIEST_ARRIVAL = date(1950, 1, 1)


def arrival_date(value: str | None, *, today: date) -> date | None:
    """Optional day of arrival in Germany: `DD.MM.YYYY` or `YYYY-MM-DD` with a four-digit year, not
    after `today` and not before 1950; empty → None."""
    if value is None or not value.strip():
        return None
    return _day("arrival_date", value, DayRange(EARLIEST_ARRIVAL, today), today=today)
