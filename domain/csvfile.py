"""The case import file (`welcome-center import FILE.csv`, `/work/shared/import-format.md`): bytes →
header and raw rows (`parse_import`) → one typed row or all of its errors (`validate_row`).

Pure: the caller reads the file and passes its bytes and its name (for messages). Problems with the
whole file (encoding, header) raise `ImportFileError`; problems with one row are returned as
`RowError`s so that the report names every refused row and the other rows still go in.

Row numbers are the numbers a spreadsheet shows when the adviser opens the file: the header is
row 1, a blank line is a row, and a record whose quoted value holds a line break is one row (the
row it starts on), as Excel and LibreOffice display it.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import _clip
from domain.messages import Term
from domain.validation import FieldError

# (key, German header, other accepted headers, required), in the order of the spec table.
# Headers are compared after folding case, surrounding spaces and the separators " ", "-", "_"
# ("E-Mail", "email", "e mail"; "Given Name", "given_name").
COLUMNS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("given_name", "Vorname", (), True),
    ("family_name", "Nachname", ("Familienname",), True),
    ("birth_date", "Geburtsdatum", (), True),
    ("sex", "Geschlecht", (), False),
    ("district", "Landkreis", (), True),
    ("language", "Sprache", (), True),
    ("email", "E-Mail", (), False),
    ("phone", "Telefon", (), False),
    ("profession", "Beruf", (), True),
    ("country_of_training", "Ausbildungsland", (), False),
    ("fast_track", "Schnellverfahren", (), False),
    ("receives_buergergeld", "Bürgergeld", ("Buergergeld",), False),
)
REQUIRED = tuple(key for key, _, _, required in COLUMNS if required)
GERMAN_HEADERS = {key: german for key, german, _, _ in COLUMNS}

DELIMITERS = (";", ",")


class ImportFileError(FieldError):
    """The whole file cannot be read (encoding, dialect, header); no row has been taken. The texts
    (domain.messages, codes "import.*") say how to save the file so that it can be read."""

    def __init__(self, code: str, **params) -> None:
        super().__init__(code, "file", **params)


@dataclass(frozen=True, slots=True)
class RawRow:
    """One record of the file as text. `number` is its row number as a spreadsheet shows it (the
    header is row 1); `values` holds each known column's value without surrounding whitespace
    (a column the header lacks is absent, a cell the record lacks is ""); `surplus` holds the
    non-empty values beyond the last header column, which make the row an error."""

    number: int
    values: dict[str, str]
    surplus: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportTable:
    file_name: str
    delimiter: str
    columns: Mapping[str, str]  # key → the header as written in the file
    unknown_columns: tuple[str, ...]  # headers as written (or "column G (no header)") that were not read
    rows: tuple[RawRow, ...]


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row is refused: its number, the field (key, or "row" for the row as a whole), the value
    as typed (at most 60 characters, control characters shown as ?), the fix in English and German,
    and the code of domain.messages they were made from."""

    row: int
    field: str
    value: str
    message: str
    message_de: str
    code: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


# --- decoding -------------------------------------------------------------------------------------


def _decode(data: bytes, file_name: str) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with how to save the file
    as CSV UTF-8. Windows-1252 is not guessed: the same bytes are valid Windows-1251 (Cyrillic) or
    ISO-8859-2, and a wrong guess would import garbled Ukrainian or Polish names without a word."""
    name = _clip(file_name, 80)
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError("import.excel_workbook", file=name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        # Excel's "Unicode Text" is UTF-16; UTF-32 and UTF-16 without a mark contain NUL bytes
        raise ImportFileError("import.utf16", file=name)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = data[error.start]
        newline = b"\n" if b"\n" in data else b"\r"
        line = data.count(newline, 0, error.start) + 1
        guess = bytes([bad]).decode("cp1252", errors="replace")
        if guess.isprintable() and guess != "\ufffd":
            raise ImportFileError("import.not_utf8_windows_1252", file=name, line=line, byte=bad, character=guess) from None
        raise ImportFileError("import.not_utf8", file=name, line=line, byte=bad) from None
    return text


# --- dialect and header ---------------------------------------------------------------------------


def _header_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).replace("\ufeff", "").casefold()
    return "".join(ch for ch in folded if ch not in " -_\t\u00a0")


_ALIASES: dict[str, str] = {
    _header_key(header): key
    for key, german, others, _ in COLUMNS
    for header in (key, german, *others)
}


def _records(text: str, delimiter: str, file_name: str):
    """(row number, fields, first physical line) for every record, blank lines included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    number = 0
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # e.g. a value longer than csv.field_size_limit()
            raise ImportFileError("import.unreadable", file=_clip(file_name, 80), row=number + 1, reason=str(error)) from None
        number += 1
        yield number, record, start


def _is_blank(record: list[str]) -> bool:
    return not any(value.strip() for value in record)


def _first_record(text: str, delimiter: str, file_name: str) -> tuple[int, list[str]]:
    for number, record, _ in _records(text, delimiter, file_name):
        if not _is_blank(record):
            return number, record
    raise ImportFileError("import.empty", file=_clip(file_name, 80))


def _dialect(text: str, file_name: str) -> tuple[str, int, list[str]]:
    """The delimiter under which the header names the most known columns (then: the most columns).
    German Excel writes ";", English Excel and most tools ","."""
    best = None
    for delimiter in DELIMITERS:
        number, header = _first_record(text, delimiter, file_name)
        known = sum(_header_key(cell) in _ALIASES for cell in header)
        score = (known, len(header))
        if best is None or score > best[0]:
            best = (score, delimiter, number, header)
    (known, width), delimiter, number, header = best
    if width == 1 and known == 0 and "\t" in header[0]:
        raise ImportFileError("import.tabs", file=_clip(file_name, 80))
    return delimiter, number, header


# Each column's accepted headers as alternatives ("family_name/Nachname", "Familienname"), for the
# message on a header that lacks a required column; the catalogue joins them with "or"/"oder".
ACCEPTED_HEADERS = tuple((f"{key}/{german}", *others) for key, german, others, _ in COLUMNS)


def _column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as a spreadsheet labels it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _columns(header: list[str], file_name: str) -> tuple[dict[str, str], dict[str, int], list[tuple[int, str]], list[int]]:
    """Known columns (key → header, key → position), unknown headers and headerless positions."""
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    headerless: list[int] = []
    for index, cell in enumerate(header):
        written = cell.strip()
        if not written:
            headerless.append(index)
            continue
        key = _ALIASES.get(_header_key(written))
        if key is None:
            unknown.append((index, written))
        elif key in positions:
            raise ImportFileError(
                "import.duplicate_column", file=_clip(file_name, 80), first=_clip(columns[key]),
                first_column=_column_letter(positions[key]), second=_clip(written), second_column=_column_letter(index),
                key=Term(key, GERMAN_HEADERS[key]),
            )
        else:
            columns[key], positions[key] = written, index
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        # the header is the first record with a non-blank cell (_first_record), so `found` is never empty
        raise ImportFileError(
            "import.missing_columns" if len(missing) > 1 else "import.missing_column",
            file=_clip(file_name, 80),
            missing=[f"{GERMAN_HEADERS[key]} ({key})" for key in missing],
            found=[_clip(cell.strip()) for cell in header if cell.strip()],
            accepted=ACCEPTED_HEADERS,
            required=list(REQUIRED),
        )
    return columns, positions, unknown, headerless


# --- the file -------------------------------------------------------------------------------------


def parse_import(data: bytes, *, file_name: str) -> ImportTable:
    """Decode the file, find the delimiter and the header, and split every non-blank row.

    Raises ImportFileError when the file as a whole cannot be read; a row with more values than the
    header has columns is returned with its `surplus` and refused by `validate_row`."""
    text = _decode(data, file_name)
    delimiter, header_number, header = _dialect(text, file_name)
    columns, positions, unknown, headerless = _columns(header, file_name)
    width = len(header)
    headerless_used: set[int] = set()
    rows: list[RawRow] = []
    last = None
    for number, record, start in _records(text, delimiter, file_name):
        last = (number, record, start)
        if number <= header_number or _is_blank(record):
            continue
        values = {key: (record[i].strip() if i < len(record) else "") for key, i in positions.items()}
        surplus = tuple(value.strip() for value in record[width:] if value.strip())
        headerless_used.update(i for i in headerless if i < len(record) and record[i].strip())
        rows.append(RawRow(number, values, surplus))
    if last is not None:
        _refuse_open_quote(text, delimiter, last, file_name)
    unknown.extend((i, f"column {_column_letter(i)} (no header)") for i in sorted(headerless_used))
    return ImportTable(
        file_name=file_name,
        delimiter=delimiter,
        columns=columns,
        unknown_columns=tuple(name for _, name in sorted(unknown)),
        rows=tuple(rows),
    )


def _refuse_open_quote(text: str, delimiter: str, last: tuple[int, list[str], int], file_name: str) -> None:
    """A quote that opens a value and never closes swallows every later line into one value; the
    csv module then ends the file quietly. The last record is scanned again to catch that."""
    number, _, start = last
    tail = "".join(io.StringIO(text, newline="").readlines()[start - 1 :])
    quoted, field_start, i = False, True, 0
    while i < len(tail):
        ch = tail[i]
        if quoted:
            if ch == '"':
                if tail.startswith('"', i + 1):
                    i += 1
                else:
                    quoted = False
        elif ch == '"' and field_start:
            quoted, field_start = True, False
        elif ch in (delimiter, "\n", "\r"):
            field_start = True
        elif ch != " ":
            field_start = False
        i += 1
    if quoted:
        raise ImportFileError("import.open_quote", file=_clip(file_name, 80), row=number)
