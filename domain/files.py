"""Incoming files: what ONE file that an adviser dropped into ``inbox/<case-reference>/`` really is,
and under which name it may be stored in the case's folder.

People send scans, phone photos and Word files, and now and then something that must not be opened
on an office PC. The decision here is pure: it reads a binary stream that the caller opened and
looks at nothing else (no database, no clock, no paths). The flow moves the file to the case folder
or to quarantine according to the verdict.

- The type comes from the CONTENT, never from the extension: the sender chooses the name, but the
  program that opens the file looks at the first bytes. Accepted are PDF, JPEG, PNG and DOCX, the
  formats the responsible bodies (zuständige Stellen) take for certificates, CVs and translations.
- The size limit is checked first (from the stream's length when it can seek, so an oversized file
  is not read at all); then the content is read once, in chunks, and hashed on the way (SHA-256),
  so a big file never sits in memory as a whole.
- A DOCX is a ZIP package. Its central directory (names, sizes, flags) is checked for zip bombs,
  path tricks, encryption, nested archives and macros; nothing is unpacked, only
  ``[Content_Types].xml`` (a few KB) and the first bytes of each part are read, with a bound.
- A PDF is parsed (pypdf), not searched for bytes: every object in its cross-reference table and
  every object reachable from its trailer is looked at, with names decoded as a PDF reader decodes
  them (``/J#61vaScript`` is ``/JavaScript``). Active content (JavaScript, an action that launches a
  program, an XFA form, embedded files) is refused; so is a PDF that does not parse, is cut off
  (no ``%%EOF`` at its end) or is locked with a password (it cannot be checked).
- Damage that does not make a file dangerous (a cut-off photo, a PDF that is encrypted without a
  password, i.e. with usage restrictions only) is a note for the adviser, not a rejection: the
  person may have nothing better.
- Names come from outside as bytes (`FileName`): a name that is not UTF-8 is kept as its bytes, shown
  through `domain.display.visible` and never used to build a path; the names the store gives a file
  (`stored_name`, `quarantine_name`) are cut in UTF-8 bytes so that prefix, name and the store's
  suffixes (``.part``, ``.reason.txt``) fit the 255 bytes a file name may have.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO
from xml.parsers import expat

from domain.display import visible
from domain.errors import InvalidInput, _clip

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""20 MB: a 30-page certificate scanned at 300 dpi fits; bigger files are usually photos of
paper at full camera resolution and are better made smaller before they are sent on to a body."""

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""A Word file of certificates unpacks to a few MB; 100 MB unpacked is a zip bomb, not a CV."""

MAX_RATIO = 100
"""Word's XML compresses about 5–30:1 (python-docx's own styles: 29:1); 100:1 and more is the
signature of a zip bomb (the same limit as Apache POI's ZipSecureFile, 1 % inflate ratio)."""

RATIO_GRACE_BYTES = 1024 * 1024
"""A part under 1 MB unpacked can do no harm whatever its ratio; small, repetitive XML parts
(empty table cells, settings) may compress very well and are not judged by the ratio."""

MAX_MEMBERS = 2000
"""A DOCX has 10–100 parts (more with many images); thousands are a bomb or a disguised archive."""

MAX_CONTENT_TYPES_BYTES = 1024 * 1024
"""``[Content_Types].xml`` is 1–5 KB in real documents; it is read whole, so it is bounded."""

MAX_NAME_LENGTH = 200
"""Characters of a stored file name, extension included: leaves room for the case folder in a
Windows path, and a name that long is not read by a person anyway."""

NAME_LIMIT_BYTES = 255
"""Bytes a file name may have: ext4, XFS, btrfs and tmpfs count 255 *bytes* (NTFS and SMB shares 255
UTF-16 units, which a name of at most 255 UTF-8 bytes never exceeds). A Cyrillic or Arabic letter
takes two bytes, so 200 of them are 400 bytes: names are cut in bytes, not in characters."""

PARTIAL_SUFFIX = ".part"
"""What the file store appends while it writes a file, before renaming it to its final name."""

REASON_SUFFIX = ".reason.txt"
"""What the quarantine appends for the reason beside a turned-away file."""

SUFFIX_RESERVE_BYTES = len((REASON_SUFFIX + PARTIAL_SUFFIX).encode())
"""16 bytes kept free behind every name the store builds: the reason is written as
``<name>.reason.txt.part`` and renamed, the longest name the store ever creates."""

STORED_PREFIX_BYTES = 13
"""``<first 12 hex digits of the SHA-256>-`` in front of a stored document's name."""

QUARANTINE_PREFIX_BYTES = 25
"""``<YYYYMMDDTHHMMSS>-<8 hex digits>-`` in front of a quarantined file's name."""

MAX_NAME_BYTES = NAME_LIMIT_BYTES - STORED_PREFIX_BYTES - SUFFIX_RESERVE_BYTES
"""UTF-8 bytes of the name part of a stored file name (226): with the hash prefix and the longest
suffix it is exactly `NAME_LIMIT_BYTES`. A 254-byte name as dropped is therefore shortened."""

FALLBACK_NAME = "datei"

_CHUNK = 256 * 1024
_HEAD = 4096  # bytes kept from the start: signatures, a linearized PDF's first trailer
_TAIL = 4096  # bytes kept from the end: a PDF's trailer, the end markers
_END_WINDOW = 1024  # end markers are looked for in this many last bytes (PDF 1.7, Annex H.3 note)


class FileKind(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    DOCX = "docx"


MEDIA_TYPES: dict[FileKind, str] = {
    FileKind.PDF: "application/pdf",
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

KIND_DE: dict[FileKind, str] = {
    FileKind.PDF: "PDF",
    FileKind.JPEG: "JPEG-Bild",
    FileKind.PNG: "PNG-Bild",
    FileKind.DOCX: "Word-Dokument (DOCX)",
}

_EXTENSIONS: dict[FileKind, frozenset[str]] = {
    FileKind.PDF: frozenset({"pdf"}),
    FileKind.JPEG: frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    FileKind.PNG: frozenset({"png"}),
    FileKind.DOCX: frozenset({"docx"}),
}


@dataclass(frozen=True, slots=True)
class FileVerdict:
    """What an adviser is told about one file.

    `kind` is what the content is when it is one of the four kinds, also when the file is rejected
    (a DOCX with macros has kind DOCX and `accepted` False); None when the content is none of them
    or was not read (over the size limit). `sha256` is the hex digest of exactly the `size` bytes
    read; it is empty when the file was over the limit and not read. `reason` (German, for the
    adviser: the problem and what to do) is set exactly when the file is rejected; `notes` are
    German remarks that do not reject.
    """

    accepted: bool
    kind: FileKind | None
    sha256: str
    size: int
    reason: str | None
    notes: tuple[str, ...] = ()


_ALLOWED = "bitte als PDF, JPEG, PNG oder DOCX einreichen"
_DO_NOT_OPEN = "bitte nicht öffnen und das Dokument als PDF anfordern"
_NOT_A_DOCUMENT = "bitte nicht öffnen und die Dokumente als PDF, JPEG, PNG oder DOCX anfordern"


class _Reject(Exception):
    """Internal: a ZIP package is rejected with this reason (never leaves the module)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def inspect_file(
    stream: BinaryIO | bytes, *, name: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> FileVerdict:
    """Judge one file by its content: accepted or not, which kind, its SHA-256 and size, and why.

    `stream` is read from its start (it is rewound when it can seek); bytes are accepted too, for
    tests and small uploads. A stream that cannot seek and holds a ZIP is kept in memory for the
    DOCX check; that is bounded by `max_bytes`. `name` is the file's original name and is used
    only for notes (extension does not match the content, name shortened or changed); whether the
    name itself sends the file to quarantine is `is_unsafe_name`'s decision, which the flow asks.
    """
    if max_bytes <= 0:
        raise InvalidInput("file.max_bytes", "max_bytes", value=max_bytes)
    if isinstance(stream, (bytes, bytearray, memoryview)):
        stream = io.BytesIO(bytes(stream))
    seekable = _seekable(stream)
    if seekable:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if size > max_bytes:
            return _too_big(size, max_bytes, exact=True)

    digest = hashlib.sha256()
    head = bytearray()
    tail = b""
    total = 0
    spool: list[bytes] | None = None if seekable else []
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > max_bytes:  # a stream without a length, or a file still growing
            return _too_big(total, max_bytes, exact=False)
        digest.update(chunk)
        if len(head) < _HEAD:
            head += chunk[: _HEAD - len(head)]
        tail = (tail + chunk)[-_TAIL:]
        if spool is not None:
            if len(head) >= 5 and not head.startswith((_ZIP, _PDF)):  # only a ZIP and a PDF are read again
                spool = None
            else:
                spool.append(chunk)
    sha256 = digest.hexdigest()
    if total == 0:
        return FileVerdict(
            False, None, sha256, 0, "Datei ist leer (0 Bytes); bitte die Datei erneut anfordern"
        )

    def package() -> BinaryIO:
        if spool is not None:
            return io.BytesIO(b"".join(spool))
        stream.seek(0)
        return stream

    kind, reason, notes = _judge_content(bytes(head), tail, package)
    if reason is None and kind is not None:
        notes += _name_notes(name, kind)
    return FileVerdict(reason is None, kind, sha256, total, reason, notes)


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _too_big(size: int, limit: int, *, exact: bool) -> FileVerdict:
    """Over the limit: rejected before (or while) reading, so the hash is not computed."""
    if exact:
        what = f"{_size_text(size, limit)}, erlaubt sind höchstens {_size_text(limit, size)}"
    else:
        what = f"mehr als die erlaubten {_size_text(limit)}"
    return FileVerdict(
        False,
        None,
        "",
        size,
        f"Datei ist zu groß ({what}); bitte verkleinern (z. B. Scan mit 150–200 dpi oder "
        "komprimiertes PDF) oder auf mehrere Dateien aufteilen",
    )


def _size_text(size: int, other: int | None = None) -> str:
    """A size as an adviser reads it ("25,3 MB"); in bytes when it would look like `other`."""
    text = _rounded_size(size)
    if other is not None and other != size and text == _rounded_size(other):
        return f"{size:,} Bytes".replace(",", ".")
    return text


def _rounded_size(size: int) -> str:
    if size < 1024:
        return f"{size} Bytes"
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".replace(".", ",").removesuffix(",0") + f" {unit}"
    raise AssertionError("unreachable")


# --- what the content is --------------------------------------------------------------------------

_PDF = b"%PDF-"
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
_ZIP = b"PK\x03\x04"
_PNG_END = b"IEND\xaeB`\x82"


def _judge_content(head: bytes, tail: bytes, package) -> tuple[FileKind | None, str | None, tuple[str, ...]]:
    """The kind from the first bytes; PDF and images get cheap checks of their end, a ZIP the
    DOCX checks. `%PDF-` must start the file: a header further in is tolerated by some readers,
    but that is also how a file poses as two formats at once."""
    if head.startswith(_PDF):
        reason, notes = _inspect_pdf(package, tail)
        return FileKind.PDF, reason, notes
    if head.startswith(_JPEG):
        notes = ()
        if b"\xff\xd9" not in tail[-_END_WINDOW:]:
            notes = (
                "JPEG-Bild endet ohne Endmarker und ist möglicherweise unvollständig; bitte prüfen, "
                "ob das ganze Bild zu sehen ist, sonst neu anfordern",
            )
        return FileKind.JPEG, None, notes
    if head.startswith(_PNG):
        notes = ()
        if _PNG_END not in tail[-_END_WINDOW:]:
            notes = (
                "PNG-Bild endet ohne IEND-Block und ist möglicherweise unvollständig; bitte prüfen, "
                "ob das ganze Bild zu sehen ist, sonst neu anfordern",
            )
        return FileKind.PNG, None, notes
    if head.startswith(_ZIP):
        return _inspect_package(package())
    label, advice = _describe(head)
    return None, f"Dateityp nicht erlaubt ({label}); {advice}", ()


_PDF_DO_NOT_OPEN = "Datei nicht öffnen und bitte als einfaches PDF oder Scan anfordern"
_PDF_SCRIPT = f"PDF enthält Programmcode ({{what}}), der beim Öffnen ausgeführt werden kann; {_PDF_DO_NOT_OPEN}"
_PDF_LAUNCH = (
    "PDF enthält Programmcode: eine Aktion, die ein Programm oder eine Datei auf dem PC startet (/Launch); "
    + _PDF_DO_NOT_OPEN
)
_PDF_EMBEDDED = f"PDF enthält eingebettete Dateien, die nicht geprüft werden können; {_PDF_DO_NOT_OPEN}"
_PDF_CUT_OFF = (
    "PDF ist unvollständig (das Dateiende fehlt, die Übertragung oder der Scan wurde wohl abgebrochen); "
    "bitte erneut senden lassen"
)
_PDF_BROKEN = "PDF ist unvollständig oder beschädigt und lässt sich nicht lesen ({what}); bitte erneut senden lassen"
_PDF_PASSWORD = (
    "PDF ist mit einem Kennwort geschützt und kann daher nicht auf Programmcode geprüft werden; bitte ohne "
    "Kennwort anfordern"
)
_PDF_TOO_COMPLEX = (
    "PDF besteht aus mehr als {limit} Objekten und wird nicht geprüft; " + _PDF_DO_NOT_OPEN
)
_PDF_ENCRYPTED_NOTE = (
    "PDF ist verschlüsselt (Passwort oder Einschränkungen); falls es sich nicht öffnen oder drucken lässt, "
    "bitte ohne Passwort anfordern"
)

MAX_PDF_OBJECTS = 200_000
"""A scanned certificate has a few objects per page, a 300-page thesis some ten thousand; looking at
more than this many would let one file hold up the intake for minutes."""

_SCRIPT_KEYS = frozenset({"/JS", "/JavaScript"})
_SCRIPT_ACTIONS = {"/JavaScript": "JavaScript", "/ImportData": "Datenimport", "/RichMediaExecute": "Rich Media"}
_EMBEDDING_KEYS = frozenset({"/EmbeddedFiles", "/EF"})
_EMBEDDING_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia"})


def _inspect_pdf(package, tail: bytes) -> tuple[str | None, tuple[str, ...]]:
    """Parse the PDF (pypdf) and refuse what a body's or an adviser's PDF reader would run or could
    not show; see the module docstring. Returns (reason or None, notes).

    Cut off: a PDF ends with ``%%EOF`` within its last 1024 bytes (PDF 1.7, Annex H.3: Acrobat looks
    no further); without it the upload or the scanner stopped early. pypdf would repair such a file
    silently, a reader may show blank or missing pages, so it is refused and asked for again.
    Encrypted with an empty user password (restrictions on printing or copying only) the content
    can be read and checked: a note. Locked with a password it cannot be checked: refused.
    """
    if b"%%EOF" not in tail[-_END_WINDOW:]:
        return _PDF_CUT_OFF, ()
    from pypdf import PdfReader  # deferred: pypdf is imported only when a PDF arrives (~0.1 s)

    _quiet_pypdf()
    try:
        reader = PdfReader(package(), strict=False)
        notes: tuple[str, ...] = ()
        if reader.is_encrypted:
            if not reader.decrypt(""):
                return _PDF_PASSWORD, ()
            notes = (_PDF_ENCRYPTED_NOTE,)
        reason = _active_content(reader)
        if reason is None and len(reader.pages) == 0:
            reason = _PDF_BROKEN.format(what="keine Seiten")
    except Exception as error:  # noqa: BLE001 - pypdf on a hostile file raises many kinds; each means "does not parse"
        return _PDF_BROKEN.format(what=_pdf_error(error)), ()
    return reason, notes if reason is None else ()


def _pdf_error(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "zu tief verschachtelt"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return _clip(text, 80)


def _active_content(reader) -> str | None:
    """The first active content found, as the reason to refuse, or None.

    Looked at: every object the cross-reference table lists (also those nothing points to: a
    reader that rebuilds a damaged table finds them too) and every object reachable from the
    trailer, each once; dictionaries and arrays inside them without recursion, so a deeply nested
    file cannot exhaust the stack here."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    pending: list = [reader.trailer]
    for generation, table in reader.xref.items():
        pending.extend(IndirectObject(number, generation, reader) for number in table)
    pending.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    containers = (DictionaryObject, ArrayObject, IndirectObject)  # numbers, strings and names hold nothing
    seen: set[tuple[int, int]] = set()
    looked_at = 0
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        looked_at += 1
        if looked_at > MAX_PDF_OBJECTS:
            return _PDF_TOO_COMPLEX.format(limit=f"{MAX_PDF_OBJECTS:,}".replace(",", "."))
        if isinstance(item, DictionaryObject):  # also a stream's dictionary
            reason = _dictionary_refusal(item)
            if reason is not None:
                return reason
            pending.extend(v for v in dict.values(item) if isinstance(v, containers))  # references stay references
        elif isinstance(item, ArrayObject):
            pending.extend(v for v in list.__iter__(item) if isinstance(v, containers))
    return None


def _dictionary_refusal(item) -> str | None:
    keys = set(item.keys())
    if keys & _SCRIPT_KEYS:
        return _PDF_SCRIPT.format(what="JavaScript")
    action = _pdf_name(item, "/S")
    if action in _SCRIPT_ACTIONS:
        return _PDF_SCRIPT.format(what=_SCRIPT_ACTIONS[action])
    if action == "/Launch":
        return _PDF_LAUNCH
    if "/XFA" in keys:
        return _PDF_SCRIPT.format(what="XFA-Formular, das Skripte enthalten kann")
    if keys & _EMBEDDING_KEYS or action == "/GoToE" or _pdf_name(item, "/Type") == "/EmbeddedFile" \
            or _pdf_name(item, "/Subtype") in _EMBEDDING_SUBTYPES:
        return _PDF_EMBEDDED
    return None


def _pdf_name(item, key: str) -> str | None:
    """The name stored under `key`, also behind a reference (``/S 12 0 R``)."""
    from pypdf.generic import NameObject

    value = dict.get(item, key)
    if value is not None and hasattr(value, "get_object"):
        value = value.get_object()
    return str(value) if isinstance(value, NameObject) else None


def _quiet_pypdf() -> None:
    """pypdf logs each repair it makes to a damaged file as a warning; the verdict tells the
    adviser what matters, and a log line on the terminal would name nothing to act on."""
    import logging

    logger = logging.getLogger("pypdf")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_OTHER_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"MZ", "ausführbares Windows-Programm", _NOT_A_DOCUMENT),
    (b"\x7fELF", "ausführbares Programm", _NOT_A_DOCUMENT),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "altes Office-Format DOC/XLS oder passwortgeschütztes Office-Dokument",
        "bitte ohne Passwort als DOCX oder PDF speichern lassen und erneut einreichen",
    ),
    (b"PK", "ZIP-Archiv", _ALLOWED),
    (b"GIF8", "GIF-Bild", _ALLOWED),
    (b"II*\x00", "TIFF-Bild", _ALLOWED),
    (b"MM\x00*", "TIFF-Bild", _ALLOWED),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip-Archiv", _ALLOWED),
    (b"Rar!\x1a\x07", "RAR-Archiv", _ALLOWED),
    (b"\x1f\x8b", "gzip-Archiv", _ALLOWED),
    (b"{\\rtf", "RTF-Dokument", _ALLOWED),
    (b"%!PS", "PostScript-Datei", _ALLOWED),
)


def _describe(head: bytes) -> tuple[str, str]:
    """Name a refused format the way an adviser can pass it on, with what to ask for instead."""
    for signature, label, advice in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return label, advice
    if head[4:8] == b"ftyp":
        if head[8:12] in _HEIC_BRANDS:
            return "HEIC-Foto vom iPhone", (
                "bitte als JPEG einreichen (iPhone: Einstellungen › Kamera › Formate › "
                "„Maximale Kompatibilität“)"
            )
        return "Video- oder Mediendatei", _ALLOWED
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP-Bild", _ALLOWED
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:1024]:
        return "HTML-Seite", _ALLOWED
    if b"<svg" in text[:1024]:
        return "SVG-Grafik", _ALLOWED
    if text.startswith(b"<?xml"):
        return "XML-Datei", _ALLOWED
    if b"\x00" not in head and all(byte >= 0x20 or byte in b"\t\n\r\f" for byte in head):
        return "Textdatei", _ALLOWED
    return "unbekanntes Format", _ALLOWED


# --- DOCX: a ZIP package ---------------------------------------------------------------------------

_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroenabled.main+xml"
_ARCHIVE_EXTENSIONS = frozenset(
    "zip 7z rar gz tgz bz2 xz tar cab jar docx docm dotx dotm xlsx xlsm pptx pptm odt ods odp".split()
)
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"MSCF")
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError)
_CORRUPT = (
    "ZIP-/DOCX-Datei ist beschädigt und lässt sich nicht lesen; bitte neu speichern lassen "
    "und erneut einreichen"
)


def _inspect_package(source: BinaryIO) -> tuple[FileKind | None, str | None, tuple[str, ...]]:
    """A ZIP is accepted only as a Word document (DOCX) that passes every check of `_docx_problem`;
    any other ZIP (a plain archive, Excel, PowerPoint, OpenDocument) is named and refused."""
    try:
        with zipfile.ZipFile(source) as archive:
            types = _content_types(archive)
            if not (_WORD_MAIN in types or _WORD_MACRO_MAIN in types):
                return None, f"Dateityp nicht erlaubt ({_describe_package(archive, types)}); {_ALLOWED}", ()
            return FileKind.DOCX, _docx_problem(archive, types), ()
    except _Reject as rejected:
        return None, rejected.reason, ()
    except _ZIP_ERRORS:
        return None, _CORRUPT, ()


def _content_types(archive: zipfile.ZipFile) -> frozenset[str]:
    """The content types an Office package declares (lower case), read with a bound and without a
    DTD: OOXML never has one, and a DTD is how XML entity bombs work."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return frozenset()
    if info.flag_bits & 0x1:
        raise _Reject(_ENCRYPTED)
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise _Reject(_bomb(f"[Content_Types].xml mit {_size_text(info.file_size)}"))
    with archive.open(info) as part:
        data = part.read(MAX_CONTENT_TYPES_BYTES + 1)
    if len(data) > MAX_CONTENT_TYPES_BYTES:  # the directory lied about the size
        raise _Reject(_bomb("[Content_Types].xml größer als angegeben"))

    found: set[str] = set()

    def element(tag: str, attributes: dict[str, str]) -> None:
        if tag.rsplit(" ", 1)[-1] in ("Default", "Override") and "ContentType" in attributes:
            found.add(attributes["ContentType"].strip().lower())

    def no_dtd(*_: object) -> None:
        raise _Reject(
            "Office-Datei ist ungewöhnlich aufgebaut (DTD in [Content_Types].xml), Verdacht auf "
            f"Manipulation; {_DO_NOT_OPEN}"
        )

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = element
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        raise _Reject(_CORRUPT) from None
    return frozenset(found)


def _describe_package(archive: zipfile.ZipFile, types: frozenset[str]) -> str:
    joined = " ".join(types)
    if "spreadsheetml" in joined or "ms-excel" in joined:
        return "Excel-Tabelle" + (" mit Makros" if "macroenabled" in joined else "")
    if "presentationml" in joined or "ms-powerpoint" in joined:
        return "PowerPoint-Präsentation" + (" mit Makros" if "macroenabled" in joined else "")
    if "wordprocessingml.template" in joined or "ms-word.template" in joined:
        return "Word-Vorlage" + (" mit Makros" if "macroenabled" in joined else "")
    try:
        with archive.open("mimetype") as part:
            mimetype = part.read(100)
    except (KeyError, *_ZIP_ERRORS):
        mimetype = b""
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "OpenDocument-Datei (LibreOffice)"
    if mimetype.startswith(b"application/epub"):
        return "E-Book (EPUB)"
    return "ZIP-Archiv"


_ENCRYPTED = (
    "Word-Dokument enthält verschlüsselte Teile; bitte ohne Passwort speichern lassen oder als PDF "
    "einreichen"
)


def _bomb(what: str) -> str:
    return f"Word-Dokument ist verdächtig ({what}), Verdacht auf ZIP-Bombe; {_DO_NOT_OPEN}"


def _docx_problem(archive: zipfile.ZipFile, types: frozenset[str]) -> str | None:
    """The first reason to refuse a Word package, or None.

    - Zip bomb: too many parts, too much unpacked in total, or one part compressed far beyond what
      text and images allow; whoever opens it next (Word, a virus scanner, a converter) would
      unpack gigabytes. The sizes come from the central directory; nothing is unpacked.
    - A part named with ``..``, an absolute path or control characters would be written outside
      its folder by a careless unpacker (path traversal); two parts of the same name are read
      differently by different programs, a known way to hide content from a scanner.
    - Encrypted parts cannot be checked.
    - A nested archive (ZIP, 7z, an Office file inside) is not looked into, so it is not trusted.
      This also refuses a DOCX with an embedded Excel chart; such a document is sent as PDF.
    - Macros: a macro-enabled document can run code on the adviser's PC (``vbaProject.bin``
      anywhere, ``word/vbaData.xml``, a macro-enabled content type as in .docm/.dotm).
    - A Word package without ``word/document.xml`` is broken (or not really Word).
    """
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        return _bomb(f"{len(infos)} Teile, höchstens {MAX_MEMBERS}")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        return _bomb(f"entpackt {_size_text(unpacked)}, höchstens {_size_text(MAX_UNPACKED_BYTES)}")
    for info in infos:
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return _bomb(f"Teil „{_clip(info.filename)}“ {ratio}:1 komprimiert, höchstens {MAX_RATIO}:1")

    seen: set[str] = set()
    for info in infos:
        if _member_name_is_unsafe(info.orig_filename):
            return (
                f"Word-Dokument enthält einen verdächtigen Pfad („{_clip(info.orig_filename)}“); "
                f"{_DO_NOT_OPEN}"
            )
        if info.filename in seen:
            return (
                f"Word-Dokument enthält den Teil „{_clip(info.filename)}“ doppelt, Verdacht auf "
                f"Manipulation; {_DO_NOT_OPEN}"
            )
        seen.add(info.filename)
    if any(info.flag_bits & 0x1 for info in infos):
        return _ENCRYPTED

    for info in infos:
        if info.is_dir():
            continue
        extension = info.filename.rsplit("/", 1)[-1].rpartition(".")[2].lower()
        start = b""
        if info.file_size >= 4:
            try:
                with archive.open(info) as part:
                    start = part.read(8)
            except _ZIP_ERRORS:
                return _CORRUPT
        if extension in _ARCHIVE_EXTENSIONS or start.startswith(_ARCHIVE_MAGIC):
            return (
                f"Word-Dokument enthält ein eingebettetes Archiv („{_clip(info.filename)}“), das "
                f"nicht geprüft werden kann; {_DO_NOT_OPEN}"
            )

    names = {info.filename.lower() for info in infos}
    basenames = {name.rsplit("/", 1)[-1] for name in names}
    if (
        "vbaproject.bin" in basenames
        or "vbadata.xml" in basenames
        or any("macroenabled" in t or "vbaproject" in t or "vbadata" in t for t in types)
    ):
        return (
            "Word-Dokument enthält Makros (Programmcode, der beim Öffnen ausgeführt werden kann); "
            "bitte nicht öffnen und als DOCX ohne Makros oder als PDF anfordern"
        )
    if "word/document.xml" not in seen:
        return (
            "Word-Dokument ist unvollständig (word/document.xml fehlt); bitte neu speichern lassen "
            "und erneut einreichen"
        )
    return None


_DRIVE = re.compile(r"^[A-Za-z]:")


def _member_name_is_unsafe(name: str) -> bool:
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return True
    if any(part == ".." for part in re.split(r"[/\\]", name)):
        return True
    return any(unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI for ch in name)


# --- names -----------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[/\\]")
_FORBIDDEN = re.compile(r'[:*?"<>|]')
_DOT_RUNS = re.compile(r"\.{2,}")
_SPACE_RUNS = re.compile(r" {2,}")
_EXTENSION = re.compile(r"\.(\w{1,10})$")
_MIN_NAME_BYTES = 64  # the fallback name and the longest extension kept (a dot and 10 letters of up to 4 bytes)
# Zero-width (non-)joiner: part of the spelling in Persian (Dari) and Indic scripts, kept.
_JOINERS = frozenset("\u200c\u200d")
# Bidirectional overrides and isolates: "Zeugnis\u202efdp.exe" is shown as "Zeugnisexe.pdf".
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{n}" for n in range(10)}
    | {f"LPT{n}" for n in range(10)}
)


def safe_name(original: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name that can never leave the case's folder and opens on Windows and Linux alike.

    The name is NFKC-normalised first (full-width "／" and "‥" become "/" and "..", so no look-alike
    survives to be interpreted later); whitespace becomes one space; control and invisible format
    characters are dropped (bidirectional overrides disguise "exe" as "pdf"), except the zero-width
    joiners that Persian and Indic words need. Only the last path component is kept, whether the
    separator was "/" or "\\"; runs of dots become one dot (no ".." anywhere); characters Windows
    forbids (``: * ? " < > |``) become "_"; leading dots, spaces and hyphens go (hidden files,
    command-line options), as do trailing dots and spaces (Windows drops them silently). A
    reserved Windows device name (CON, NUL, COM1, …) gets a leading "_". The name is cut to
    `MAX_NAME_LENGTH` characters and `max_bytes` UTF-8 bytes (default `MAX_NAME_BYTES`), keeping
    the extension. Letters
    of every script stay: Cyrillic and Arabic names are normal here. Never empty: "datei" stands in
    for a name with nothing left (".pdf" becomes "datei.pdf").

    A stored name is stored as it is (``safe_name(safe_name(x)) == safe_name(x)``): cutting a long
    name can expose a new extension or a trailing space, so the tidying is repeated until nothing
    changes (twice in practice); every pass on its own already gives a safe name.
    """
    if max_bytes < _MIN_NAME_BYTES:
        raise ValueError(f"max_bytes must leave room for a name and its extension: {max_bytes} < {_MIN_NAME_BYTES}")
    name = _tidy_name(original, max_bytes)
    for _ in range(3):
        again = _tidy_name(name, max_bytes)
        if again == name:
            break
        name = again
    return name


def _tidy_name(original: str, max_bytes: int) -> str:
    text = "".join(_clean_char(ch) for ch in unicodedata.normalize("NFKC", original))
    parts = [part for part in _SEPARATORS.split(text) if part.strip(" .")]
    name = parts[-1] if parts else ""
    name = _FORBIDDEN.sub("_", name)
    name = _SPACE_RUNS.sub(" ", _DOT_RUNS.sub(".", name)).strip(" ").rstrip(" .")

    match = _EXTENSION.search(name)
    stem, extension = (name[: match.start()], match.group(0)) if match else (name, "")
    stem = stem.lstrip(" .-").rstrip(" .") or FALLBACK_NAME
    if stem.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        stem = "_" + stem
    stem = stem[: MAX_NAME_LENGTH - len(extension)]
    stem = stem.encode()[: max_bytes - len(extension.encode())].decode("utf-8", "ignore")
    stem = stem.rstrip(" .") or FALLBACK_NAME
    return stem + extension


def _clean_char(ch: str) -> str:
    if ch.isspace():
        return " "
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch not in _JOINERS:
        return ""
    return ch


def is_unsafe_name(original: str) -> str | None:
    """Why the ORIGINAL name must send the file to quarantine, or None when it may be stored under
    `safe_name(original)`. The reason is German for the adviser, with the English in brackets.

    The choice: a name that carries a path ("/" or "\\", also as full-width look-alikes), a "." or
    ".." path component, or control characters (line breaks, NUL, bidirectional overrides) was
    made by a program or by someone who wants the file to land elsewhere or look like something
    else; renaming would hide that, so the file is rejected with the reason. A name that is merely
    long (over `MAX_NAME_LENGTH` characters) or has characters Windows does not allow is ordinary
    clumsiness: None here, the file is accepted under the shortened `safe_name`, and
    `inspect_file` notes the new name. ".." inside a word ("Zeugnis..pdf") is a typo, not a path,
    and is only tidied by `safe_name`.
    """
    folded = unicodedata.normalize("NFKC", original)
    parts = _SEPARATORS.split(original) + _SEPARATORS.split(folded)
    if any(part.strip(" ") and not part.strip(" .") for part in parts):
        return (
            "Dateiname enthält „..“ oder „.“ als Pfadangabe und könnte aus dem Fallordner "
            "hinausführen; Datei nicht öffnen, mit einfachem Namen (z. B. Zeugnis.pdf) neu speichern "
            "und erneut ablegen"
        )
    if _SEPARATORS.search(original) or _SEPARATORS.search(folded):
        return (
            "Dateiname enthält einen Pfad („/“ oder „\\“); Datei nicht öffnen, mit einfachem Namen "
            "(z. B. Zeugnis.pdf) neu speichern und erneut ablegen"
        )
    if any(unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI for ch in original):
        return (
            "Dateiname enthält Steuerzeichen (z. B. Zeilenumbruch oder Schreibrichtungswechsel, "
            "der die Endung verschleiern kann); Datei nicht öffnen, mit einfachem Namen neu "
            "speichern und erneut ablegen"
        )
    return None


# --- names as they come from outside, and the names the store gives a file -----------------------


@dataclass(frozen=True, slots=True)
class FileName:
    """A file name as it came from outside: the bytes a file system listed (or an upload's header
    carried) and the text read from them.

    A Linux file name is bytes. Most are UTF-8, but a ZIP archive made by an older Windows program
    writes "ü" as the single byte 0xFC. `text` keeps such a byte as a lone surrogate (Python's
    surrogateescape, as `os.listdir` does), so it still names the file to the operating system, but
    it can be neither stored in a database nor printed: `shown` (domain.display.visible, "\\xfc") is
    the form for people, the ledger and the `.reason.txt`, `hex` the exact bytes for whoever has to
    find the file again.
    """

    raw: bytes
    text: str
    is_utf8: bool

    @classmethod
    def from_bytes(cls, raw: bytes) -> FileName:
        try:
            return cls(raw, raw.decode("utf-8"), True)
        except UnicodeDecodeError:
            return cls(raw, raw.decode("utf-8", "surrogateescape"), False)

    @classmethod
    def from_text(cls, text: str) -> FileName:
        """A name that arrived as text (a form field, a test): its lone surrogates, if any, are the
        bytes it was read from (surrogateescape), or cannot be bytes of UTF-8 at all."""
        try:
            return cls.from_bytes(text.encode("utf-8", "surrogateescape"))
        except UnicodeEncodeError:
            return cls(text.encode("utf-8", "surrogatepass"), text, False)

    @property
    def shown(self) -> str:
        return visible(self.text)

    @property
    def hex(self) -> str:
        return self.raw.hex(" ")


def name_refusal(name: FileName) -> str | None:
    """Why this name sends the file to quarantine (German, for the adviser), or None.

    A name that is not UTF-8 cannot be shown or stored as it is; renaming it silently would lose
    which file it was, so it waits in quarantine with its bytes (hex) in the reason. Otherwise
    `is_unsafe_name` decides."""
    if not name.is_utf8:
        try:
            name.raw.decode("utf-8")
        except UnicodeDecodeError as error:
            byte, position = name.raw[error.start], error.start + 1
        return (
            f"Dateiname ist nicht in UTF-8 geschrieben (Byte 0x{byte:02X} an Stelle {position}; so schreiben "
            "ältere Windows-Programme und ZIP-Archive z. B. „ü“), gezeigt als "
            f"„{name.shown}“, Bytes des Namens (hex): {name.hex}; Datei mit einfachem Namen neu speichern und "
            "erneut ablegen"
        )
    return is_unsafe_name(name.text)


_NOT_REGULAR = {
    stat.S_IFIFO: "eine benannte Pipe (FIFO)",
    stat.S_IFSOCK: "ein Socket",
    stat.S_IFCHR: "eine Gerätedatei (zeichenorientiert)",
    stat.S_IFBLK: "eine Gerätedatei (blockorientiert)",
    stat.S_IFDIR: "ein Ordner",
}


def special_file_refusal(mode: int) -> str | None:
    """Why a directory entry with this `st_mode` (from lstat, never from stat) is refused without
    being opened, or None for a regular file. Opening a named pipe waits for a writer that never
    comes, a device such as /dev/zero never ends, a symlink points at a file the person did not
    drop (``/etc/passwd``): only regular files are read."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "Verknüpfung (Symlink) statt Datei, nicht geöffnet; bitte die Datei selbst ablegen"
    what = _NOT_REGULAR.get(stat.S_IFMT(mode), "keine gewöhnliche Datei")
    return f"keine Datei, sondern {what}; nicht geöffnet und nicht gelesen, bitte die Datei selbst ablegen"


def stored_name(sha256: str, name: str) -> str:
    """The name a document gets in the case's documents folder: ``<first 12 hex digits of the
    SHA-256>-<safe name>``, so a repeated copy writes the same file. With the store's longest
    suffix it fits `NAME_LIMIT_BYTES`."""
    return f"{sha256[:12]}-{safe_name(name)}"


def quarantine_file_name(name: str, *, stamp: str, tag: str) -> str:
    """The name a turned-away file gets in quarantine: ``<stamp>-<tag>-<safe name>``, with `stamp`
    the UTC time as YYYYMMDDTHHMMSS and `tag` 8 hex digits that tell apart two files refused in the
    same second whose names tidy to the same (``f\\xfc.pdf`` and ``f\\xe4.pdf`` both become
    ``f.pdf``). Name, prefix and the `.reason.txt.part` written beside it fit `NAME_LIMIT_BYTES`."""
    if len(stamp) != 15 or len(tag) != 8 or not tag.isalnum():
        raise ValueError(f"stamp YYYYMMDDTHHMMSS and an 8-character tag expected, not {stamp!r} and {tag!r}")
    budget = NAME_LIMIT_BYTES - QUARANTINE_PREFIX_BYTES - SUFFIX_RESERVE_BYTES
    return f"{stamp}-{tag}-{safe_name(name, max_bytes=budget)}"


def _name_notes(name: str, kind: FileKind) -> tuple[str, ...]:
    """Notes about the name of an accepted file: the extension that does not match the content
    (a PDF named .jpg opens in the wrong program), and the name it is stored under."""
    notes = []
    label = KIND_DE[kind]
    last = _SEPARATORS.split(unicodedata.normalize("NFKC", name))[-1]
    match = _EXTENSION.search(last)
    if match is None:
        notes.append(f"Dateiname ohne Endung; der Inhalt ist {label}")
    elif match.group(1).lower() not in _EXTENSIONS[kind]:
        notes.append(
            f"Dateiendung „{_clip(match.group(0))}“ passt nicht zum Inhalt; die Datei ist ein "
            f"{label} und wird so behandelt"
        )
    stored = safe_name(name)
    if stored != unicodedata.normalize("NFC", name):
        if len(name) > MAX_NAME_LENGTH or len(name.encode("utf-8", "replace")) > MAX_NAME_BYTES:
            notes.append(
                f"Dateiname war zu lang ({len(name)} Zeichen); gekürzt gespeichert als „{_clip(stored, 60)}“"
            )
        else:
            notes.append(f"Dateiname angepasst; gespeichert als „{_clip(stored, 60)}“")
    return tuple(notes)
