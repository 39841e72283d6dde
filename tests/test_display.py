"""One function for outside text on a terminal or a page (domain.display.visible)."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.display import visible


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("Zeugnis.pdf", "Zeugnis.pdf"),
        ("a\nOK: alle Dateien angenommen", "a\\nOK: alle Dateien angenommen"),
        ("\x1b[2J\x1b[31mrot", "\\x1b[2J\\x1b[31mrot"),
        ("Zeugnis\u202efdp.exe", "Zeugnis<U+202E>fdp.exe"),
        ("nul\x00byte", "nul\\x00byte"),
        ("\ufeffName", "<U+FEFF>Name"),
        ("tab\there", "tab\\there"),
        ("Олена Коваль", "Олена Коваль"),
        ("فاطمة الزهراء", "فاطمة الزهراء"),
        ("دندان\u200cپزشک", "دندان\u200cپزشک"),  # the zero-width non-joiner of Persian spelling stays
        ("Müller", "Müller"),
    ],
)
def test_what_would_act_becomes_something_to_read(raw, shown):
    assert visible(raw) == shown


def test_a_file_name_that_is_not_utf8_shows_its_bytes():
    name = os.fsdecode(b"Zeugnis_M\xfcller.pdf")  # an old Windows ZIP writes "ü" as 0xFC
    assert visible(name) == "Zeugnis_M\\xfcller.pdf"


@given(st.text())
def test_nothing_shown_can_move_the_cursor_or_turn_the_text(text):
    shown = visible(text)
    assert all(ord(ch) >= 0x20 and not 0x7f <= ord(ch) <= 0x9f for ch in shown)
    assert not set(shown) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
