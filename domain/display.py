"""Text from outside (names, file names, CSV cells, an SMTP server's answer) shown to a person: on a
terminal, a web page, in the quarantine list or a `.reason.txt`. One function, `visible`, makes what
would act instead of being read visible as characters:

- control characters (C0, DEL, C1) as escapes: a newline in a file name shows as `\\n` instead of
  forging a line of output, ESC as `\\x1b` instead of driving the terminal, NUL as `\\x00`;
- the bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) and the other
  invisible characters that change what a reader sees (U+FEFF, U+2028/U+2029, U+00AD, U+2060–U+2064)
  as `<U+202E>`: "Zeugnis<U+202E>fdp.exe" instead of a name that displays reversed;
- a byte that was not UTF-8 in a file name (decoded with surrogateescape) as `\\xfc`.

Letters of any script, and the zero-width (non-)joiner that Persian and Kurdish spellings need, stay
as they are. The text's meaning is kept; only what would act becomes something to read. HTML and
Rich markup escaping stay the renderers' job (Jinja2 autoescape, rich.markup.escape).
"""

from __future__ import annotations

import re

_SHOWN_AS_CODE_POINT = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\ufeff\u2028\u2029\u00ad\u2060\u2061\u2062\u2063\u2064\ufff9\ufffa\ufffb"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ACTING = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(_SHOWN_AS_CODE_POINT)) + "]")


def _shown(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def visible(text: object) -> str:
    """`text` with every control, bidi and invisible formatting character made visible (see above)."""
    value = str(text)
    if value.isprintable() and not _ACTING.search(value):
        return value
    return _ACTING.sub(_shown, value)


_MAIL_ADDRESS = re.compile(r"<?[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+>?")
ADDRESS_PLACEHOLDER = "<Adresse>"


def without_mail_addresses(text: str) -> str:
    """`text` with every e-mail address replaced by `<Adresse>`. For what goes into Prefect's records
    (a failed run's state message, its log): a mail server's answer often quotes the recipient
    ("550 5.1.1 <name@example.org>: user unknown"), and Prefect's database is not the place erasure
    cleans. The full answer stays in the outbox row, shown by `welcome-center reminders --failed`."""
    return _MAIL_ADDRESS.sub(ADDRESS_PLACEHOLDER, text)
