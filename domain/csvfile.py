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
import itertools
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Mapping
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
    header is row 1); `values` holds each known column's value without surrounding spaces (a column
    the header lacks is absent, a cell the record lacks is ""); `surplus` holds the non-empty values
    beyond the last header column; `count` is how many values the record has (-1: not known) and
    `nul` whether a value holds a NUL byte. A count other than the header's width, surplus values
    or a NUL byte make the row an error."""

    number: int
    values: dict[str, str]
    surplus: tuple[str, ...] = ()
    count: int = -1
    nul: bool = False


@dataclass(frozen=True, slots=True)
class ImportTable:
    """The file as the import reads it: the layout found in the header and the rows. `rows` is a
    tuple (`parse_import`) or an iterator that reads the file as it goes (`read_rows`), so that a
    file of any size is taken in bounded memory; `row_count` is the number of non-blank data rows
    when it is known (-1: not known)."""

    file_name: str
    delimiter: str
    columns: Mapping[str, str]  # key → the header as written in the file
    unknown_columns: tuple[str, ...]  # headers as written (or "column G (no header)") that were not read
    rows: Iterable[RawRow]
    width: int = 0  # how many columns the header has (0: not checked)
    row_count: int = -1


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


def _looks_utf16(line: bytes) -> bool:
    """UTF-16 without a byte-order mark: every other byte of Latin text is NUL. A stray NUL byte in a
    UTF-8 line is something else (named as such, `import.nul_byte`)."""
    return len(line) >= 4 and line.count(0) * 4 >= len(line)


def _decoded(lines: Iterable[bytes], file_name: str) -> Iterator[str]:
    """Each physical line (ending kept) as text: UTF-8 with or without a byte-order mark; anything
    else is refused with how to save the file as CSV UTF-8. Windows-1252 is not guessed: the same
    bytes are valid Windows-1251 (Cyrillic) or ISO-8859-2, and a wrong guess would import garbled
    Ukrainian or Polish names without a word. Line by line, so that the file is never held whole
    (a UTF-8 sequence never contains the byte of a line feed)."""
    name = _clip(file_name, 80)
    for number, data in enumerate(lines, start=1):
        if number == 1:
            if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
                raise ImportFileError("import.excel_workbook", file=name)
            # Excel's "Unicode Text" is UTF-16; UTF-32 and UTF-16 without a mark are half NUL bytes
            if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
                raise ImportFileError("import.utf16", file=name)
            data = data.removeprefix(codecs.BOM_UTF8)
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = data[error.start]
            guess = bytes([bad]).decode("cp1252", errors="replace")
            if guess.isprintable() and guess != "\ufffd":
                raise ImportFileError("import.not_utf8_windows_1252", file=name, line=number, byte=bad,
                                      character=guess) from None
            raise ImportFileError("import.not_utf8", file=name, line=number, byte=bad) from None


# --- dialect and header ---------------------------------------------------------------------------


def _header_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).replace("\ufeff", "").casefold()
    return "".join(ch for ch in folded if ch not in " -_\t\u00a0")


_ALIASES: dict[str, str] = {
    _header_key(header): key
    for key, german, others, _ in COLUMNS
    for header in (key, german, *others)
}


class _Records:
    """(row number, fields) for every record, blank lines included, read line by line; `lines` holds
    the physical lines of the record read last (for `_refuse_open_quote`)."""

    def __init__(self, lines: Iterable[str], delimiter: str, file_name: str) -> None:
        self.lines: list[str] = []
        self.file_name = file_name
        self.reader = csv.reader(self._feed(lines), delimiter=delimiter, skipinitialspace=True)

    def _feed(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            self.lines.append(line)
            yield line

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        number = 0
        while True:
            self.lines = []
            try:
                record = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a value longer than csv.field_size_limit()
                raise ImportFileError("import.unreadable", file=_clip(self.file_name, 80), row=number + 1,
                                      reason=str(error)) from None
            number += 1
            yield number, record


def _is_blank(record: list[str]) -> bool:
    return not any(value.strip() for value in record)


def _header(lines: Iterable[str], file_name: str) -> tuple[int, str]:
    """The first line with a non-blank cell (the header) and its row number: the blank lines before
    it are rows too."""
    for number, line in enumerate(lines, start=1):
        if line.strip(" ;,\t\r\n"):
            return number, line
    raise ImportFileError("import.empty", file=_clip(file_name, 80))


def _dialect(line: str, file_name: str) -> tuple[str, list[str]]:
    """The delimiter under which the header names the most known columns (then: the most columns).
    German Excel writes ";", English Excel and most tools ","."""
    best = None
    for delimiter in DELIMITERS:
        header = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
        known = sum(_header_key(cell) in _ALIASES for cell in header)
        score = (known, len(header))
        if best is None or score > best[0]:
            best = (score, delimiter, header)
    (known, width), delimiter, header = best
    if width == 1 and known == 0 and "\t" in header[0]:
        raise ImportFileError("import.tabs", file=_clip(file_name, 80))
    return delimiter, header


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


@dataclass(frozen=True, slots=True)
class ImportLayout:
    """What a first pass over the whole file found (`scan_import`): the delimiter, the header, the
    columns, how many data rows there are. A file that passes it has no error of the whole file left,
    so the second pass (`read_rows`) can store rows as it goes."""

    file_name: str
    delimiter: str
    header_number: int
    columns: Mapping[str, str]
    positions: Mapping[str, int]
    width: int
    unknown_columns: tuple[str, ...]
    row_count: int


def scan_import(lines: Iterable[bytes], *, file_name: str) -> ImportLayout:
    """Read the file once, line by line, and raise ImportFileError when it cannot be read as a whole
    (encoding, header, a quote that never closes). Memory is bounded by the longest record."""
    text = _decoded(lines, file_name)
    header_number, header_line = _header(text, file_name)
    delimiter, header = _dialect(header_line, file_name)
    columns, positions, unknown, headerless = _columns(header, file_name)
    headerless_used: set[int] = set()
    records = _Records(itertools.chain([header_line], text), delimiter, file_name)
    count = 0
    last_lines: list[str] = []
    last = 0
    for number, record in records:
        last_lines, last = records.lines, number
        if number == 1 or _is_blank(record):
            continue
        count += 1
        if headerless:
            headerless_used.update(i for i in headerless if i < len(record) and record[i].strip())
    if last_lines:
        _refuse_open_quote("".join(last_lines), delimiter, header_number - 1 + last, file_name)
    unknown.extend((i, f"column {_column_letter(i)} (no header)") for i in sorted(headerless_used))
    return ImportLayout(file_name, delimiter, header_number, columns, positions, len(header),
                        tuple(name for _, name in sorted(unknown)), count)


def read_rows(lines: Iterable[bytes], layout: ImportLayout) -> Iterator[RawRow]:
    """The non-blank data rows of a file that `scan_import` read, one at a time."""
    positions = list(layout.positions.items())
    width = layout.width
    records = _Records(_decoded(lines, layout.file_name), layout.delimiter, layout.file_name)
    for number, record in records:
        if number <= layout.header_number or _is_blank(record):
            continue
        values = {key: (record[i].strip(" ") if i < len(record) else "") for key, i in positions}
        surplus = tuple(value.strip() for value in record[width:] if value.strip())
        yield RawRow(number, values, surplus, len(record), any("\x00" in value for value in record))


def parse_import(data: bytes, *, file_name: str) -> ImportTable:
    """The whole file in memory (tests, the demo): `scan_import` and `read_rows` on its bytes.

    Raises ImportFileError when the file as a whole cannot be read; a row with more or fewer values
    than the header has columns is returned with its `count` and refused by the import."""
    layout = scan_import(io.BytesIO(data), file_name=file_name)
    return table_of(layout, tuple(read_rows(io.BytesIO(data), layout)))


def table_of(layout: ImportLayout, rows: Iterable[RawRow]) -> ImportTable:
    return ImportTable(file_name=layout.file_name, delimiter=layout.delimiter, columns=layout.columns,
                       unknown_columns=layout.unknown_columns, rows=rows, width=layout.width,
                       row_count=layout.row_count)


def _refuse_open_quote(tail: str, delimiter: str, number: int, file_name: str) -> None:
    """A quote that opens a value and never closes swallows every later line into one value; the
    csv module then ends the file quietly. The last record's lines are scanned again to catch that."""
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


class RowDigests:
    """Which row came first with a given 64-bit digest (`services.importing.row_digest`), in 12 bytes
    per row: an open-addressing table over two arrays instead of a dict of Python ints (about 100
    bytes per row), so that finding duplicate rows in a file of millions of rows stays small."""

    def __init__(self, capacity: int = 1024) -> None:
        self._keys = array("Q", bytes(8 * capacity))
        self._rows = array("I", bytes(4 * capacity))
        self._mask = capacity - 1
        self._used = 0

    def add(self, digest: int, row: int) -> int | None:
        """Remember `row` under `digest`; the row remembered before under the same digest, if any."""
        digest = digest or 1  # 0 marks an empty slot
        keys, mask = self._keys, self._mask
        i = digest & mask
        while True:
            key = keys[i]
            if key == 0:
                break
            if key == digest:
                return self._rows[i]
            i = (i + 1) & mask
        keys[i], self._rows[i] = digest, row
        self._used += 1
        if self._used * 4 > len(keys) * 3:
            self._grow()
        return None

    def _grow(self) -> None:
        keys, rows = self._keys, self._rows
        self.__init__(len(keys) * 2)
        for key, row in zip(keys, rows):
            if key:
                self.add(key, row)
