"""Field parsers shared by the CLI, the CSV import and the web form (`/work/shared/import-format.md`).

Each parser takes the raw value as typed (str or None) and returns a typed value, or raises
`FieldError` (an `InvalidInput`) whose message names the value and the fix, in English (`message`)
and in German (`message_de`), so that the web page and the import report can speak to an adviser
in either language. None of them reads the clock: a rule that depends on today takes `today`.

Names are kept exactly as written: any script, apostrophes, hyphens, and also text that looks like
markup, template syntax or a spreadsheet formula (`<b>`, `{{ x }}`, `=HYPERLINK(...)`). Such text
is data, not an attack on the parser; it becomes harmless where it is *output*: the HTML renderer
escapes it (Jinja2 autoescape), letters insert it as text, and a CSV export passes each cell
through `csv_safe` (OWASP, "CSV Injection"). Refusing it here would refuse real people: a family
name "-" or a phone number "+49 4231 ...".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date

from domain.errors import InvalidInput, _clip
from domain.routing import validate_profession_text
from domain.text import MAX_QUERY_LENGTH

MAX_NAME_LENGTH = 100
MAX_PHONE_LENGTH = 50
MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit less the angle brackets
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class FieldError(InvalidInput):
    """A typed value is not acceptable; `message` is English, `message_de` German, both name the
    value and the fix. `value` is the value as typed (None when the field was empty)."""

    def __init__(self, field: str, message: str, *, message_de: str, value: str | None = None) -> None:
        super().__init__(field, message)
        self.message_de = message_de
        self.value = value


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


_NAMED_CHARACTERS = {
    "\n": ("a line break", "einen Zeilenumbruch"),
    "\r": ("a line break", "einen Zeilenumbruch"),
    "\t": ("a tab", "einen Tabulator"),
}


def _check_characters(field: str, value: str) -> None:
    ch = _refused_character(value)
    if ch is not None:
        code = f"U+{ord(ch):04X}"
        en, de = _NAMED_CHARACTERS.get(
            ch, (f"the invisible or control character {code}", f"das unsichtbare Steuerzeichen {code}")
        )
        raise FieldError(
            field,
            f"'{_clip(value)}' contains {en}; retype the value as plain text on one line",
            message_de=f"„{_clip(value)}“ enthält {de}; bitte den Wert als einfachen Text in einer Zeile neu eingeben",
            value=value,
        )


def _text(value: str | None) -> str:
    """The value without surrounding whitespace ('' for None)."""
    return "" if value is None else value.strip()


# --- names ----------------------------------------------------------------------------------------


def _name(field: str, value: str | None, *, en: str, de: str) -> str:
    text = _text(value)
    if not text:
        raise FieldError(
            field,
            f"is empty; write the {en} as in the passport",
            message_de=f"ist leer; bitte den {de} wie im Pass eintragen",
            value=value,
        )
    if len(text) > MAX_NAME_LENGTH:
        raise FieldError(
            field,
            f"'{_clip(text)}' is {len(text)} characters long; give the {en} in at most {MAX_NAME_LENGTH} characters",
            message_de=f"„{_clip(text)}“ ist {len(text)} Zeichen lang; bitte den {de} in höchstens "
            f"{MAX_NAME_LENGTH} Zeichen angeben",
            value=value,
        )
    _check_characters(field, text)
    return text


def given_name(value: str | None) -> str:
    """The given name (Vorname) exactly as written, without surrounding whitespace; 1–100 characters
    (code points), any script. Markup, template syntax and formula-like text are kept literally;
    escaping is the renderer's job (see the module docstring)."""
    return _name("given_name", value, en="given name", de="Vornamen")


def family_name(value: str | None) -> str:
    """The family name (Nachname) exactly as written; the same rules as `given_name`."""
    return _name("family_name", value, en="family name", de="Nachnamen")


# --- dates ----------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_GERMAN_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")  # also D.M.YYYY


def birth_date(value: str | None, *, today: date) -> date:
    """`YYYY-MM-DD` or `DD.MM.YYYY` (also `D.M.YYYY`, as German Excel shows dates); a real date, not
    after `today` and not before 1900. Slashes and two-digit years are refused: `02/03/1990` is
    2 March in Germany and 3 February in the US, and a guess would file the person under the wrong
    birth date."""
    text = _text(value)
    if not text:
        raise FieldError(
            "birth_date",
            "is empty; write the birth date as YYYY-MM-DD or DD.MM.YYYY, e.g. 1990-03-25 or 25.03.1990",
            message_de="ist leer; bitte das Geburtsdatum als JJJJ-MM-TT oder TT.MM.JJJJ eintragen, "
            "z. B. 1990-03-25 oder 25.03.1990",
            value=value,
        )
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _GERMAN_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise FieldError(
            "birth_date",
            f"'{_clip(text)}' is not in the form YYYY-MM-DD or DD.MM.YYYY; write e.g. 1990-03-25 or 25.03.1990",
            message_de=f"„{_clip(text)}“ ist nicht im Format JJJJ-MM-TT oder TT.MM.JJJJ; "
            "bitte z. B. 1990-03-25 oder 25.03.1990 eintragen",
            value=value,
        )
    try:
        born = date(year, month, day)
    except ValueError:
        raise FieldError(
            "birth_date",
            f"'{text}' is not a real date; check day and month (e.g. February has 28 or 29 days)",
            message_de=f"„{text}“ ist kein gültiges Datum; bitte Tag und Monat prüfen "
            "(der Februar hat z. B. 28 oder 29 Tage)",
            value=value,
        ) from None
    if born > today:
        raise FieldError(
            "birth_date",
            f"'{text}' is in the future (today is {today.isoformat()}); check the year",
            message_de=f"„{text}“ liegt in der Zukunft (heute ist der {today:%d.%m.%Y}); bitte das Jahr prüfen",
            value=value,
        )
    if born < EARLIEST_BIRTH_DATE:
        raise FieldError(
            "birth_date",
            f"'{text}' is before 1900; check the year",
            message_de=f"„{text}“ liegt vor 1900; bitte das Jahr prüfen",
            value=value,
        )
    return born


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
        raise FieldError(
            "sex",
            f"'{_clip(text)}' is not a known entry; write f (or w), m, d (or x), or leave it empty",
            message_de=f"„{_clip(text)}“ ist keine gültige Angabe; bitte w (oder f), m, d (oder x) "
            "eintragen oder leer lassen",
            value=value,
        )
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
_LANGUAGE_EXAMPLES = "uk, ru, ar, fa, tr, en, de"


def language(value: str | None) -> str:
    """The person's language as an ISO 639-1 code, lower case ("UK" → "uk"). Names of languages are
    not taken: "Persisch" may mean fa or Dari, and the letters need the code."""
    text = _text(value)
    if not text:
        raise FieldError(
            "language",
            f"is empty; use a two-letter ISO 639-1 code such as {_LANGUAGE_EXAMPLES}",
            message_de=f"ist leer; bitte einen zweibuchstabigen Sprachcode nach ISO 639-1 eintragen, "
            f"z. B. {_LANGUAGE_EXAMPLES}",
            value=value,
        )
    code = text.lower()
    if code in ISO_639_1:
        return code
    hint = _LANGUAGE_HINTS.get(code)
    en = f" ('{code}' is a country; the language is probably '{hint}')" if hint else ""
    de = f" („{code}“ ist ein Länderkürzel; die Sprache ist wahrscheinlich „{hint}“)" if hint else ""
    raise FieldError(
        "language",
        f"'{_clip(text)}' is not a language code{en}; use a two-letter ISO 639-1 code such as {_LANGUAGE_EXAMPLES}",
        message_de=f"„{_clip(text)}“ ist kein Sprachcode{de}; bitte einen zweibuchstabigen Code nach "
        f"ISO 639-1 eintragen, z. B. {_LANGUAGE_EXAMPLES}",
        value=value,
    )


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
        en, de = "give one address only", "bitte nur eine Adresse eintragen"
    elif any(ch.isspace() for ch in text):
        en, de = "remove the spaces", "bitte die Leerzeichen entfernen"
    else:
        en = "an e-mail address needs a domain, e.g. name@example.org"
        de = "eine E-Mail-Adresse braucht eine Domain, z. B. name@example.org"
    raise FieldError(
        "email",
        f"'{_clip(text)}' is not an e-mail address; {en}",
        message_de=f"„{_clip(text)}“ ist keine E-Mail-Adresse; {de}",
        value=value,
    )


def phone(value: str | None) -> str | None:
    """Optional phone number as free text ("+49 4231 12345", "0176 … (abends)"), at most 50
    characters, no control characters; empty → None. A leading "+" is kept: see `csv_safe`."""
    text = _text(value)
    if not text:
        return None
    if len(text) > MAX_PHONE_LENGTH:
        raise FieldError(
            "phone",
            f"'{_clip(text)}' is {len(text)} characters long; give the number in at most {MAX_PHONE_LENGTH} characters",
            message_de=f"„{_clip(text)}“ ist {len(text)} Zeichen lang; bitte die Nummer in höchstens "
            f"{MAX_PHONE_LENGTH} Zeichen angeben",
            value=value,
        )
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
        raise FieldError(field, f"'{_clip(text)}' contains control characters; type it again",
                         message_de=f"„{_clip(text)}“ enthält Steuerzeichen; bitte neu eintippen", value=value)
    if len(text) > limit:
        raise FieldError(field, f"is {len(text)} characters long; at most {limit}",
                         message_de=f"ist {len(text)} Zeichen lang; höchstens {limit}", value=value)
    return text


def german_postcode(value: str | None, field: str = "postcode") -> str | None:
    """A German postcode: exactly five digits (DIN 5008 address field); empty → None."""
    text = free_text(field, value, limit=10)
    if text is not None and not _POSTCODE.match(text):
        raise FieldError(field, f"'{_clip(text)}' is not a German postcode; give 5 digits, e.g. 27283",
                         message_de=f"„{_clip(text)}“ ist keine deutsche Postleitzahl (5 Ziffern, z. B. 27283)", value=value)
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
    raise FieldError(
        field,
        f"'{_clip(text)}' is not yes or no; write yes or no (or ja/nein), or leave it empty for "
        f"{'yes' if default else 'no'}",
        message_de=f"„{_clip(text)}“ ist weder ja noch nein; bitte ja oder nein eintragen oder leer "
        f"lassen für {'ja' if default else 'nein'}",
        value=value,
    )


# --- district and profession ----------------------------------------------------------------------


def district(value: str | None, *, known: Collection[str]) -> str:
    """One of the district keys served (`verden`, `osterholz`), in any case."""
    text = _text(value)
    keys = {key.casefold(): key for key in known}
    key = keys.get(text.casefold()) if text else None
    if key is not None:
        return key
    choices = " or ".join(known)
    choices_de = " oder ".join(known)
    if not text:
        raise FieldError(
            "district",
            f"is empty; use {choices}",
            message_de=f"ist leer; bitte {choices_de} eintragen",
            value=value,
        )
    raise FieldError(
        "district",
        f"'{_clip(text)}' is not served; use {choices}",
        message_de=f"„{_clip(text)}“ wird nicht betreut; bitte {choices_de} eintragen",
        value=value,
    )


def profession(value: str | None) -> str:
    """The profession as the person says it; the rule and the English message are
    `domain.routing.validate_profession_text`, this adds the German message."""
    try:
        return validate_profession_text(value)
    except InvalidInput as error:
        text = value or ""
        if not text.strip():
            de = "ist leer; bitte den Beruf so eintragen, wie die Person ihn nennt, z. B. „Krankenschwester“"
        elif len(text) > MAX_QUERY_LENGTH:
            de = f"ist {len(text):,} Zeichen lang; bitte den Beruf in höchstens {MAX_QUERY_LENGTH} Zeichen angeben"
        else:
            de = "enthält ein Steuerzeichen; bitte den Beruf als einfachen Text neu eingeben"
        raise FieldError("profession", error.message, message_de=de, value=value) from None


# --- countries ------------------------------------------------------------------------------------

# ISO 3166-1 alpha-2, all 249 officially assigned codes (Debian iso-codes 4.15, iso_3166-1.json).
ISO_3166_ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()
)

# The countries people served here were trained in, with the names advisers type. Kosovo has no
# ISO code; XK/XKX is the code the EU and Germany's authorities use for it. England and Scotland
# are not ISO countries but are what certificates say.
# (alpha-2, alpha-3, German names, English names)
COUNTRIES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("UA", "UKR", ("Ukraine",), ("Ukraine",)),
    ("SY", "SYR", ("Syrien", "Arabische Republik Syrien"), ("Syria", "Syrian Arab Republic")),
    ("AF", "AFG", ("Afghanistan",), ("Afghanistan",)),
    ("TR", "TUR", ("Türkei", "Türkiye"), ("Turkey", "Türkiye")),
    ("IQ", "IRQ", ("Irak",), ("Iraq",)),
    ("IR", "IRN", ("Iran", "Islamische Republik Iran"), ("Iran", "Islamic Republic of Iran")),
    ("ER", "ERI", ("Eritrea",), ("Eritrea",)),
    ("RU", "RUS", ("Russland", "Russische Föderation"), ("Russia", "Russian Federation")),
    ("PL", "POL", ("Polen",), ("Poland",)),
    ("RO", "ROU", ("Rumänien",), ("Romania",)),
    ("BG", "BGR", ("Bulgarien",), ("Bulgaria",)),
    ("MD", "MDA", ("Moldau", "Republik Moldau", "Moldawien"), ("Moldova", "Republic of Moldova")),
    ("GE", "GEO", ("Georgien",), ("Georgia",)),
    ("XK", "XKX", ("Kosovo",), ("Kosovo",)),
    ("RS", "SRB", ("Serbien",), ("Serbia",)),
    ("AL", "ALB", ("Albanien",), ("Albania",)),
    ("IN", "IND", ("Indien",), ("India",)),
    ("PK", "PAK", ("Pakistan",), ("Pakistan",)),
    ("BD", "BGD", ("Bangladesch",), ("Bangladesh",)),
    ("LK", "LKA", ("Sri Lanka",), ("Sri Lanka",)),
    ("NP", "NPL", ("Nepal",), ("Nepal",)),
    ("NG", "NGA", ("Nigeria",), ("Nigeria",)),
    ("GH", "GHA", ("Ghana",), ("Ghana",)),
    ("CM", "CMR", ("Kamerun",), ("Cameroon",)),
    ("KE", "KEN", ("Kenia",), ("Kenya",)),
    ("GN", "GIN", ("Guinea",), ("Guinea",)),
    ("GM", "GMB", ("Gambia",), ("Gambia", "The Gambia")),
    ("SN", "SEN", ("Senegal",), ("Senegal",)),
    ("CI", "CIV", ("Elfenbeinküste", "Côte d'Ivoire"), ("Ivory Coast", "Côte d'Ivoire")),
    ("CD", "COD", ("Demokratische Republik Kongo", "DR Kongo"), ("Democratic Republic of the Congo", "DR Congo")),
    ("PH", "PHL", ("Philippinen",), ("Philippines",)),
    ("VN", "VNM", ("Vietnam",), ("Vietnam", "Viet Nam")),
    ("TH", "THA", ("Thailand",), ("Thailand",)),
    ("ID", "IDN", ("Indonesien",), ("Indonesia",)),
    ("CN", "CHN", ("China", "Volksrepublik China"), ("China", "People's Republic of China")),
    ("KR", "KOR", ("Südkorea", "Republik Korea"), ("South Korea", "Republic of Korea")),
    ("JP", "JPN", ("Japan",), ("Japan",)),
    ("MA", "MAR", ("Marokko",), ("Morocco",)),
    ("TN", "TUN", ("Tunesien",), ("Tunisia",)),
    ("DZ", "DZA", ("Algerien",), ("Algeria",)),
    ("LY", "LBY", ("Libyen",), ("Libya",)),
    ("EG", "EGY", ("Ägypten",), ("Egypt",)),
    ("SD", "SDN", ("Sudan",), ("Sudan",)),
    ("SS", "SSD", ("Südsudan",), ("South Sudan",)),
    ("SO", "SOM", ("Somalia",), ("Somalia",)),
    ("ET", "ETH", ("Äthiopien",), ("Ethiopia",)),
    ("LB", "LBN", ("Libanon",), ("Lebanon",)),
    ("JO", "JOR", ("Jordanien",), ("Jordan",)),
    ("PS", "PSE", ("Palästina", "Palästinensische Gebiete"), ("Palestine", "State of Palestine")),
    ("IL", "ISR", ("Israel",), ("Israel",)),
    ("SA", "SAU", ("Saudi-Arabien",), ("Saudi Arabia",)),
    ("AE", "ARE", ("Vereinigte Arabische Emirate", "VAE"), ("United Arab Emirates", "UAE")),
    ("YE", "YEM", ("Jemen",), ("Yemen",)),
    ("AM", "ARM", ("Armenien",), ("Armenia",)),
    ("AZ", "AZE", ("Aserbaidschan",), ("Azerbaijan",)),
    ("BY", "BLR", ("Belarus", "Weißrussland"), ("Belarus",)),
    ("KZ", "KAZ", ("Kasachstan",), ("Kazakhstan",)),
    ("UZ", "UZB", ("Usbekistan",), ("Uzbekistan",)),
    ("KG", "KGZ", ("Kirgisistan", "Kirgistan"), ("Kyrgyzstan",)),
    ("TJ", "TJK", ("Tadschikistan",), ("Tajikistan",)),
    ("TM", "TKM", ("Turkmenistan",), ("Turkmenistan",)),
    ("BA", "BIH", ("Bosnien und Herzegowina", "Bosnien-Herzegowina", "Bosnien"),
     ("Bosnia and Herzegovina", "Bosnia-Herzegovina", "Bosnia")),
    ("MK", "MKD", ("Nordmazedonien", "Mazedonien"), ("North Macedonia", "Macedonia")),
    ("ME", "MNE", ("Montenegro",), ("Montenegro",)),
    ("BR", "BRA", ("Brasilien",), ("Brazil",)),
    ("CO", "COL", ("Kolumbien",), ("Colombia",)),
    ("MX", "MEX", ("Mexiko",), ("Mexico",)),
    ("VE", "VEN", ("Venezuela",), ("Venezuela",)),
    ("PE", "PER", ("Peru",), ("Peru",)),
    ("AR", "ARG", ("Argentinien",), ("Argentina",)),
    ("CU", "CUB", ("Kuba",), ("Cuba",)),
    ("US", "USA", ("Vereinigte Staaten", "Vereinigte Staaten von Amerika", "USA"),
     ("United States", "United States of America", "USA", "US")),
    ("CA", "CAN", ("Kanada",), ("Canada",)),
    ("AU", "AUS", ("Australien",), ("Australia",)),
    ("GB", "GBR", ("Vereinigtes Königreich", "Großbritannien", "England", "Schottland"),
     ("United Kingdom", "Great Britain", "UK", "England", "Scotland")),
    # EU, EEA and Switzerland (all of them, so that is_eu_eea_ch has names to go with it)
    ("DE", "DEU", ("Deutschland",), ("Germany",)),
    ("AT", "AUT", ("Österreich",), ("Austria",)),
    ("CH", "CHE", ("Schweiz",), ("Switzerland",)),
    ("LI", "LIE", ("Liechtenstein",), ("Liechtenstein",)),
    ("NL", "NLD", ("Niederlande", "Holland"), ("Netherlands", "The Netherlands", "Holland")),
    ("BE", "BEL", ("Belgien",), ("Belgium",)),
    ("LU", "LUX", ("Luxemburg",), ("Luxembourg",)),
    ("FR", "FRA", ("Frankreich",), ("France",)),
    ("ES", "ESP", ("Spanien",), ("Spain",)),
    ("PT", "PRT", ("Portugal",), ("Portugal",)),
    ("IT", "ITA", ("Italien",), ("Italy",)),
    ("MT", "MLT", ("Malta",), ("Malta",)),
    ("GR", "GRC", ("Griechenland",), ("Greece",)),
    ("CY", "CYP", ("Zypern",), ("Cyprus",)),
    ("HR", "HRV", ("Kroatien",), ("Croatia",)),
    ("SI", "SVN", ("Slowenien",), ("Slovenia",)),
    ("HU", "HUN", ("Ungarn",), ("Hungary",)),
    ("SK", "SVK", ("Slowakei",), ("Slovakia",)),
    ("CZ", "CZE", ("Tschechien", "Tschechische Republik"), ("Czechia", "Czech Republic")),
    ("LT", "LTU", ("Litauen",), ("Lithuania",)),
    ("LV", "LVA", ("Lettland",), ("Latvia",)),
    ("EE", "EST", ("Estland",), ("Estonia",)),
    ("DK", "DNK", ("Dänemark",), ("Denmark",)),
    ("SE", "SWE", ("Schweden",), ("Sweden",)),
    ("FI", "FIN", ("Finnland",), ("Finland",)),
    ("IE", "IRL", ("Irland",), ("Ireland",)),
    ("NO", "NOR", ("Norwegen",), ("Norway",)),
    ("IS", "ISL", ("Island",), ("Iceland",)),
)

# EU (27 member states) + EEA (Iceland, Liechtenstein, Norway) + Switzerland: the states whose
# qualifications fall under Directive 2005/36/EC (§ 9 ff. BQFG, automatic recognition and
# compensation measures instead of a full equivalence check).
EU = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
EU_EEA_CH = EU | {"IS", "LI", "NO", "CH"}


def is_eu_eea_ch(alpha2: str) -> bool:
    """True for a member state of the EU or the EEA, or Switzerland (alpha-2 code, any case)."""
    return alpha2.upper() in EU_EEA_CH


def _country_key(text: str) -> str:
    """Case, diacritics, punctuation and spaces folded away: "Côte d'Ivoire" → "cotedivoire", so
    that "Saudi Arabien" finds "Saudi-Arabien"."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", text)


_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _country_index() -> tuple[dict[str, str], dict[str, str]]:
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    for alpha2, alpha3, german, english in COUNTRIES:
        codes[alpha2] = codes[alpha3] = alpha2
        for name in (*german, *english):
            # both "Turkei" and "Tuerkei" find "Türkei"
            for key in {_country_key(name), _country_key(name.casefold().translate(_TRANSLITERATE))}:
                if names.setdefault(key, alpha2) != alpha2:
                    raise AssertionError(f"country name '{name}' is given for {names[key]} and {alpha2}")
    return codes, names


_COUNTRY_CODES, _COUNTRY_NAMES = _country_index()
COUNTRY_NAMES_DE = {alpha2: german[0] for alpha2, _, german, _ in COUNTRIES}
COUNTRY_NAMES_EN = {alpha2: english[0] for alpha2, _, _, english in COUNTRIES}


def country(value: str | None) -> str | None:
    """Country of training → ISO 3166-1 alpha-2 code; empty → None.

    Takes a country name in German or English from COUNTRIES (any case, with or without umlauts),
    the alpha-2 or alpha-3 code of a country in COUNTRIES, or any officially assigned alpha-2 code.
    """
    text = _text(value)
    if not text:
        return None
    upper = text.upper()
    code = _COUNTRY_CODES.get(upper) or _COUNTRY_NAMES.get(_country_key(text))
    if code is None and upper in ISO_3166_ALPHA2:
        code = upper
    if code is None:
        raise FieldError(
            "country_of_training",
            f"'{_clip(text)}' is not a country we know; write the country in German or English "
            "(e.g. Ukraine, Syrien, Turkey) or its two-letter ISO 3166 code (e.g. UA, SY, TR)",
            message_de=f"„{_clip(text)}“ ist kein bekanntes Land; bitte das Land auf Deutsch oder Englisch "
            "(z. B. Ukraine, Syrien, Türkei) oder als zweibuchstabigen ISO-3166-Code (z. B. UA, SY, TR) eintragen",
            value=value,
        )
    return code


# --- export ---------------------------------------------------------------------------------------

# A spreadsheet treats a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet would read the value as a formula. Such values are stored as typed
    (a family name "-", a phone number "+49 ..."), never refused; `csv_safe` neutralises them on
    export. The import report may use this to point them out."""
    return value.startswith(FORMULA_PREFIXES)


def csv_safe(value: str) -> str:
    """The value for one cell of a CSV export: prefixed with a single quote when a spreadsheet would
    otherwise run it as a formula (`=HYPERLINK(...)`, `+49 ...`, `@SUM(...)`), as OWASP advises.
    Quoting of delimiters and quotes is the csv writer's job."""
    return "'" + value if looks_like_formula(value) else value


# --- dates of events ------------------------------------------------------------------------------

EARLIEST_ARRIVAL = date(1950, 1, 1)


def arrival_date(value: str | None, *, today: date) -> date | None:
    """Optional day of arrival in Germany: `DD.MM.YYYY` or `YYYY-MM-DD` with a four-digit year, not
    after `today` and not before 1950; empty → None."""
    text = _text(value)
    if not text:
        return None
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _GERMAN_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise FieldError("arrival_date", f"'{_clip(text)}' is not in the form YYYY-MM-DD or DD.MM.YYYY; write e.g. 2023-03-25",
                         message_de=f"„{_clip(text)}“ ist nicht im Format TT.MM.JJJJ; bitte z. B. 25.03.2023 eintragen",
                         value=value)
    try:
        arrived = date(year, month, day)
    except ValueError:
        raise FieldError("arrival_date", f"'{text}' is not a real date; check day and month",
                         message_de=f"„{text}“ ist kein gültiges Datum; bitte Tag und Monat prüfen", value=value) from None
    if arrived > today:
        raise FieldError("arrival_date", f"'{text}' is in the future; give the day the person arrived in Germany",
                         message_de=f"„{text}“ liegt in der Zukunft; bitte den Tag der Einreise eintragen", value=value)
    if arrived < EARLIEST_ARRIVAL:
        raise FieldError("arrival_date", f"'{text}' is before 1950; check the year",
                         message_de=f"„{text}“ liegt vor 1950; bitte das Jahr prüfen", value=value)
    return arrived
