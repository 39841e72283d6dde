"""Incoming files, judged as an adviser would need it: accepted or not, what it really is, and why.

Every file is built here, in memory: a minimal PDF, JPEG and PNG as bytes, a real DOCX from
python-docx, and the bad ones (macros, zip bombs, disguised archives) made from that DOCX.
"""

import hashlib
import io
import stat
import struct
import unicodedata
import warnings
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.files import (
    DEFAULT_MAX_BYTES,
    MAX_NAME_BYTES,
    MAX_NAME_LENGTH,
    MAX_RATIO,
    MEDIA_TYPES,
    NAME_LIMIT_BYTES,
    SUFFIX_RESERVE_BYTES,
    FileKind,
    FileName,
    FileVerdict,
    inspect_file,
    is_unsafe_name,
    name_refusal,
    quarantine_file_name,
    safe_name,
    special_file_refusal,
    stored_name,
)
from welcome_center.demo import samples

# --- files as people send them ---------------------------------------------------------------------


def make_pdf(*, end=True, catalog=b"<< /Type /Catalog /Pages 2 0 R >>", more=()) -> bytes:
    """A one-page PDF with a correct cross-reference table; `catalog` and `more` (objects 4, 5, …)
    let a test put into it what a hostile PDF carries."""
    return samples.pdf_from_objects([
        catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        *more,
    ], end=end)


def make_encrypted_pdf(user_password: str) -> bytes:
    """A PDF encrypted by pypdf (AES-128): with an empty user password it opens without one and only
    restricts printing or copying; with a user password it cannot be opened (or checked) without it."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt(user_password=user_password, owner_password="Eigentümer-2026", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_jpeg(*, end=True) -> bytes:
    """Start of image, a JFIF header, a comment, end of image: what the checks look at."""
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comment = b"Zeugnis"
    data = b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(jfif) + 2) + jfif
    data += b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data + (b"\xff\xd9" if end else b"")


def make_png(*, end=True) -> bytes:
    """A valid 1×1 grey PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    return data + (chunk(b"IEND", b"") if end else b"")


def make_docx(text="Zeugnis der Reife") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX = make_docx()
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def rezip(package: bytes, *, add=None, replace=None) -> bytes:
    """The same package with parts added or replaced (as a macro writer or a bomb maker would)."""
    add, replace = add or {}, replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in replace:
                data = replace[info.filename](data)
            target.writestr(info.filename, data)
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def content_types(change):
    return {"[Content_Types].xml": lambda data: change(data.decode()).encode()}


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def patch_central_directory(package: bytes, member: str, *, flags=None, file_size=None) -> bytes:
    """Change what the central directory claims about one part; the part itself stays as it is."""
    data = bytearray(package)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        length = int.from_bytes(data[position + 28 : position + 30], "little")
        if data[position + 46 : position + 46 + length] == member.encode():
            if flags is not None:
                old = int.from_bytes(data[position + 8 : position + 10], "little")
                data[position + 8 : position + 10] = (old | flags).to_bytes(2, "little")
            if file_size is not None:
                data[position + 24 : position + 28] = file_size.to_bytes(4, "little")
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 4)
    raise AssertionError(f"{member} not in the central directory")


def check(data: bytes, name: str, **kwargs) -> FileVerdict:
    verdict = inspect_file(io.BytesIO(data), name=name, **kwargs)
    if verdict.sha256:
        assert verdict.sha256 == hashlib.sha256(data).hexdigest()
        assert verdict.size == len(data)
    assert verdict.accepted == (verdict.reason is None)
    return verdict


class OneWayStream(io.RawIOBase):
    """A pipe or upload body: can be read once, cannot seek and has no length."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


class WatchedStream(io.BytesIO):
    """Records how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.requests: list[int | None] = []

    def read(self, size=-1):
        self.requests.append(size)
        return super().read(size)


# --- the four accepted kinds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (make_pdf(), "Zeugnis.pdf", FileKind.PDF),
        (make_jpeg(), "Foto Diplom.jpg", FileKind.JPEG),
        (make_jpeg(), "scan.JPEG", FileKind.JPEG),
        (make_png(), "Bildschirmfoto.png", FileKind.PNG),
        (DOCX, "Lebenslauf.docx", FileKind.DOCX),
    ],
)
def test_each_allowed_kind_is_accepted_without_notes(data, name, kind):
    verdict = check(data, name)
    assert verdict.accepted and verdict.kind is kind
    assert verdict.reason is None and verdict.notes == ()


def test_the_hash_is_sha256_of_the_whole_content_read_in_chunks():
    data = make_pdf() + b"%" + bytes(range(256)) * 4000 + make_pdf()  # about 1 MB, several chunks
    stream = WatchedStream(data)
    verdict = inspect_file(stream, name="Zeugnis.pdf")
    assert verdict.sha256 == hashlib.sha256(data).hexdigest() and verdict.size == len(data)
    assert all(size is not None and 0 < size <= 1024 * 1024 for size in stream.requests)


def test_the_stream_is_read_from_its_start_even_when_already_read():
    stream = io.BytesIO(make_png())
    stream.read()
    assert inspect_file(stream, name="a.png").kind is FileKind.PNG


def test_bytes_are_accepted_as_well_as_a_stream():
    assert inspect_file(make_pdf(), name="a.pdf").sha256 == hashlib.sha256(make_pdf()).hexdigest()


def test_a_stream_that_cannot_seek_is_judged_like_a_file():
    for data, kind in ((make_pdf(), FileKind.PDF), (DOCX, FileKind.DOCX)):
        verdict = inspect_file(io.BufferedReader(OneWayStream(data)), name="x")
        assert verdict.accepted and verdict.kind is kind
        assert verdict.sha256 == hashlib.sha256(data).hexdigest()
    macro = rezip(DOCX, add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    assert not inspect_file(io.BufferedReader(OneWayStream(macro)), name="x.docx").accepted


def test_media_types_for_every_kind():
    assert set(MEDIA_TYPES) == set(FileKind)
    assert MEDIA_TYPES[FileKind.PDF] == "application/pdf"
    assert MEDIA_TYPES[FileKind.DOCX].endswith("wordprocessingml.document")


# --- the type comes from the content, not from the name ---------------------------------------------


def test_a_pdf_named_jpg_is_accepted_as_pdf_with_a_note():
    verdict = check(make_pdf(), "Passfoto.jpg")
    assert verdict.accepted and verdict.kind is FileKind.PDF
    assert any("„.jpg“ passt nicht zum Inhalt" in note and "PDF" in note for note in verdict.notes)


def test_a_docx_named_doc_is_accepted_as_docx_with_a_note():
    verdict = check(DOCX, "Lebenslauf.doc")
    assert verdict.kind is FileKind.DOCX and verdict.accepted
    assert any("„.doc“" in note for note in verdict.notes)


def test_a_name_without_extension_is_noted():
    verdict = check(make_png(), "scan")
    assert verdict.accepted and verdict.notes == ("Dateiname ohne Endung; der Inhalt ist PNG-Bild",)


@pytest.mark.parametrize(
    ("data", "name", "what"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(100), "Zeugnis.pdf", "ausführbares Windows-Programm"),
        (b"\x7fELF\x02\x01\x01" + bytes(50), "Zeugnis.pdf", "ausführbares Programm"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "Lebenslauf.doc", "altes Office-Format"),
        (zip_of({"Zeugnis.pdf": make_pdf(), "Foto.jpg": make_jpeg()}), "Unterlagen.zip", "ZIP-Archiv"),
        (zip_of({"Zeugnis.pdf": make_pdf()}), "Unterlagen.docx", "ZIP-Archiv"),
        (b"PK\x05\x06" + bytes(18), "leer.zip", "ZIP-Archiv"),
        (b"<!DOCTYPE html>\n<html><body>Zeugnis</body></html>", "Zeugnis.pdf", "HTML-Seite"),
        (b"\xef\xbb\xbf  <html lang='de'><p>x</p></html>", "seite.htm", "HTML-Seite"),
        (b"Sehr geehrte Damen und Herren,\r\nanbei mein Zeugnis.\r\n", "Zeugnis.txt", "Textdatei"),
        ("Привет, это мой диплом".encode(), "диплом.txt", "Textdatei"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png", "SVG-Grafik"),
        (b"{\\rtf1\\ansi Zeugnis}", "Zeugnis.rtf", "RTF-Dokument"),
        (b"GIF89a\x01\x00\x01\x00", "foto.gif", "GIF-Bild"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "IMG_0001.HEIC", "HEIC-Foto"),
        (b"Rar!\x1a\x07\x01\x00", "x.rar", "RAR-Archiv"),
        (bytes([1, 2, 3, 250, 0, 7]), "x.bin", "unbekanntes Format"),
    ],
)
def test_other_formats_are_refused_and_named(data, name, what):
    verdict = check(data, name)
    assert not verdict.accepted and verdict.kind is None
    assert verdict.reason.startswith(f"Dateityp nicht erlaubt ({what}")
    assert "bitte" in verdict.reason


def test_an_executable_is_not_to_be_opened():
    assert "nicht öffnen" in check(b"MZ" + bytes(64), "Rechnung.pdf").reason


def test_an_old_doc_or_a_password_protected_word_file_asks_for_docx_or_pdf_without_password():
    reason = check(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "Lebenslauf.docx").reason
    assert "passwortgeschützt" in reason and "ohne Passwort als DOCX oder PDF" in reason


@pytest.mark.parametrize(
    ("main", "what"),
    [
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "Excel-Tabelle"),
        ("application/vnd.ms-excel.sheet.macroEnabled.main+xml", "Excel-Tabelle mit Makros"),
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "PowerPoint"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml", "Word-Vorlage"),
    ],
)
def test_other_office_files_are_refused_and_named(main, what):
    package = rezip(DOCX, replace=content_types(lambda text: text.replace(WORD_MAIN, main)))
    verdict = check(package, "Tabelle.xlsx")
    assert not verdict.accepted and what in verdict.reason


def test_an_opendocument_text_is_refused_and_named():
    package = zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    assert "OpenDocument" in check(package, "Lebenslauf.odt").reason


def test_an_empty_file_is_refused():
    verdict = check(b"", "Zeugnis.pdf")
    assert not verdict.accepted and verdict.size == 0
    assert "leer" in verdict.reason
    assert verdict.sha256 == hashlib.sha256(b"").hexdigest()


# --- size limit -------------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit():
    verdict = check(make_pdf(), "Zeugnis.pdf", max_bytes=100)
    assert not verdict.accepted and verdict.kind is None and verdict.sha256 == ""
    assert verdict.size == len(make_pdf())
    assert f"{len(make_pdf())} Bytes" in verdict.reason and "höchstens 100 Bytes" in verdict.reason
    assert "zu groß" in verdict.reason


def test_a_file_exactly_at_the_limit_is_accepted():
    data = make_pdf()
    assert check(data, "Zeugnis.pdf", max_bytes=len(data)).accepted


def test_the_default_limit_is_20_mb_and_is_told_in_megabytes():
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024
    verdict = inspect_file(io.BytesIO(b"%PDF-" + bytes(25 * 1024 * 1024)), name="Scan.pdf")
    assert "25 MB, erlaubt sind höchstens 20 MB" in verdict.reason


def test_sizes_that_round_alike_are_told_in_bytes():
    verdict = inspect_file(io.BytesIO(b"%PDF-" + bytes(DEFAULT_MAX_BYTES)), name="Scan.pdf")
    assert "20.971.525 Bytes, erlaubt sind höchstens 20.971.520 Bytes" in verdict.reason


def test_a_file_over_the_limit_is_not_read_at_all():
    stream = WatchedStream(make_pdf())
    inspect_file(stream, name="Zeugnis.pdf", max_bytes=10)
    assert stream.requests == []


def test_a_stream_without_length_stops_reading_past_the_limit():
    data = b"%PDF-" + bytes(2 * 1024 * 1024)
    verdict = inspect_file(io.BufferedReader(OneWayStream(data)), name="Scan.pdf", max_bytes=1024 * 1024)
    assert not verdict.accepted and 1024 * 1024 < verdict.size < len(data)
    assert "mehr als die erlaubten 1 MB" in verdict.reason


def test_a_limit_of_zero_is_a_setting_error():
    with pytest.raises(InvalidInput, match="max_bytes"):
        inspect_file(io.BytesIO(b"x"), name="x", max_bytes=0)


# --- damaged but harmless: notes, not rejections ----------------------------------------------------


def test_a_pdf_without_end_marker_is_refused_as_incomplete():
    verdict = check(make_pdf(end=False), "Zeugnis.pdf")
    assert not verdict.accepted and verdict.kind is FileKind.PDF
    assert "unvollständig" in verdict.reason and "bitte erneut senden" in verdict.reason


def test_a_pdf_cut_in_the_middle_is_refused_as_incomplete():
    data = make_pdf()
    verdict = check(data[: len(data) // 2], "Zeugnis.pdf")
    assert not verdict.accepted and "unvollständig" in verdict.reason and "bitte erneut senden" in verdict.reason


def test_a_pdf_with_data_after_the_last_kilobyte_is_refused_and_blank_lines_are_fine():
    verdict = check(make_pdf() + b"%" + b"x" * 2000, "Zeugnis.pdf")
    assert not verdict.accepted and "unvollständig" in verdict.reason
    verdict = check(make_pdf() + b"\n" * 500, "Zeugnis.pdf")
    assert verdict.accepted and verdict.notes == ()


def test_a_pdf_that_does_not_parse_is_refused_as_broken():
    verdict = check(b"%PDF-1.4\nkein PDF, nur ein Kopf\n%%EOF\n", "Zeugnis.pdf")
    assert not verdict.accepted and "beschädigt" in verdict.reason and "bitte erneut senden" in verdict.reason


def test_a_pdf_nested_thousands_deep_is_refused_without_a_crash():
    deep = b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * 5000 + b"]" * 5000 + b" >>"
    verdict = check(make_pdf(catalog=deep), "Zeugnis.pdf")
    assert not verdict.accepted and "beschädigt" in verdict.reason


def test_a_pdf_encrypted_without_a_user_password_is_accepted_with_a_note():
    verdict = check(make_encrypted_pdf(""), "Zeugnis.pdf")
    assert verdict.accepted
    assert verdict.notes == (
        "PDF ist verschlüsselt (Passwort oder Einschränkungen); falls es sich nicht öffnen oder drucken "
        "lässt, bitte ohne Passwort anfordern",
    )


def test_a_pdf_locked_with_a_password_is_refused_because_it_cannot_be_checked():
    verdict = check(make_encrypted_pdf("geheim"), "Zeugnis.pdf")
    assert not verdict.accepted and "Kennwort" in verdict.reason


# --- PDF: active content, found by parsing -------------------------------------------------------------

JS_ACTION = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"


@pytest.mark.parametrize(
    ("pdf", "fragment"),
    [
        pytest.param(make_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", more=[JS_ACTION]),
                     "enthält Programmcode (JavaScript)", id="OpenAction JavaScript"),
        pytest.param(make_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
                              more=[b"<< /Names [(start) 5 0 R] >>", JS_ACTION]),
                     "enthält Programmcode (JavaScript)", id="document JavaScript name tree"),
        pytest.param(make_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (x) >> >>"),
                     "enthält Programmcode (JavaScript)", id="names hex-escaped: /J#61vaScript"),
        pytest.param(make_pdf(more=[JS_ACTION]), "enthält Programmcode (JavaScript)", id="JavaScript nothing points to"),
        pytest.param(make_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                              more=[b"<< /S /Launch /F (C:\\\\Windows\\\\System32\\\\cmd.exe) >>"]),
                     "/Launch", id="Launch action"),
        pytest.param(make_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 4 0 R >> >>",
                              more=[b"<< /Length 0 >>\nstream\n\nendstream"]),
                     "XFA", id="XFA form"),
        pytest.param(make_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(x.exe) 4 0 R] >> >> >>",
                              more=[b"<< /Type /Filespec /F (x.exe) /EF << /F 5 0 R >> >>",
                                    b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream"]),
                     "eingebettete Dateien", id="embedded file"),
    ],
)
def test_a_pdf_with_active_content_is_refused_with_a_reason_an_adviser_understands(pdf, fragment):
    verdict = check(pdf, "Zeugnis.pdf")
    assert not verdict.accepted and verdict.kind is FileKind.PDF
    assert fragment in verdict.reason and "bitte als einfaches PDF oder Scan anfordern" in verdict.reason


def test_a_pdf_that_opens_on_its_first_page_is_fine():
    verdict = check(make_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>"), "Zeugnis.pdf")
    assert verdict.accepted and verdict.notes == ()


def test_a_pdf_with_javascript_from_a_stream_that_cannot_seek_is_refused_too():
    pdf = make_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", more=[JS_ACTION])
    verdict = inspect_file(io.BufferedReader(OneWayStream(pdf)), name="Zeugnis.pdf")
    assert not verdict.accepted and "Programmcode" in verdict.reason
    assert verdict.sha256 == hashlib.sha256(pdf).hexdigest()


def test_a_truncated_png_is_accepted_with_a_note():
    verdict = check(make_png(end=False), "Pass.png")
    assert verdict.accepted and verdict.kind is FileKind.PNG
    assert any("PNG-Bild" in note and "unvollständig" in note for note in verdict.notes)


def test_a_truncated_jpeg_is_accepted_with_a_note():
    verdict = check(make_jpeg(end=False), "Pass.jpg")
    assert verdict.accepted and verdict.kind is FileKind.JPEG
    assert any("JPEG-Bild" in note and "unvollständig" in note for note in verdict.notes)


def test_a_jpeg_with_padding_after_the_end_marker_is_complete():
    assert check(make_jpeg() + bytes(300), "Pass.jpg").notes == ()


# --- DOCX: macros, bombs, tricks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "package",
    [
        pytest.param(rezip(DOCX, add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(60)}), id="vbaProject.bin"),
        pytest.param(rezip(DOCX, add={"customXml/vbaProject.bin": b"x" * 64}), id="vbaProject.bin elsewhere"),
        pytest.param(rezip(DOCX, add={"word/vbaData.xml": b"<wne:vbaSuppData/>"}), id="vbaData.xml"),
        pytest.param(
            rezip(
                DOCX,
                replace=content_types(
                    lambda text: text.replace(WORD_MAIN, "application/vnd.ms-word.document.macroEnabled.main+xml")
                ),
            ),
            id="docm content type",
        ),
        pytest.param(
            rezip(
                DOCX,
                replace=content_types(
                    lambda text: text.replace(
                        "</Types>",
                        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                    )
                ),
            ),
            id="vbaProject content type",
        ),
    ],
)
def test_a_word_document_with_macros_is_refused(package):
    verdict = check(package, "Lebenslauf.docx")
    assert not verdict.accepted and verdict.kind is FileKind.DOCX
    assert "Makros" in verdict.reason and "nicht öffnen" in verdict.reason


def test_a_zip_bomb_of_200_mb_zeros_is_refused_from_the_directory_alone():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(DOCX)) as source, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED, compresslevel=1
    ) as bomb:
        for info in source.infolist():
            bomb.writestr(info.filename, source.read(info))
        with bomb.open("word/media/zeros.xml", "w") as part:
            zeros = bytes(1024 * 1024)
            for _ in range(200):
                part.write(zeros)
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    verdict = check(data, "Lebenslauf.docx")
    assert not verdict.accepted and verdict.kind is FileKind.DOCX
    assert "ZIP-Bombe" in verdict.reason and "entpackt" in verdict.reason


def test_a_part_compressed_far_beyond_text_is_refused():
    package = rezip(DOCX, add={"word/media/image1.png": bytes(5 * 1024 * 1024)})
    verdict = check(package, "Lebenslauf.docx")
    assert "ZIP-Bombe" in verdict.reason and f"höchstens {MAX_RATIO}:1" in verdict.reason
    assert "word/media/image1.png" in verdict.reason


def test_a_directory_that_claims_gigabytes_is_refused_without_unpacking():
    package = patch_central_directory(DOCX, "word/document.xml", file_size=3_000_000_000)
    verdict = check(package, "Lebenslauf.docx")
    assert "ZIP-Bombe" in verdict.reason and "2,8 GB" in verdict.reason


def test_a_word_document_of_thousands_of_parts_is_refused():
    package = rezip(DOCX, add={f"word/media/part{i}.xml": b"" for i in range(2001)})
    assert "Teile, höchstens 2000" in check(package, "Lebenslauf.docx").reason


def test_an_encrypted_part_is_refused():
    package = patch_central_directory(DOCX, "word/document.xml", flags=0x1)
    verdict = check(package, "Lebenslauf.docx")
    assert not verdict.accepted and "verschlüsselt" in verdict.reason


@pytest.mark.parametrize("member", ["../../evil.bat", "word/../../evil.bat", "/etc/cron.d/x", "C:/evil.bat", "word\\..\\..\\x"])
def test_a_part_whose_name_leaves_the_package_is_refused(member):
    package = rezip(DOCX, add={member: b"echo"})
    verdict = check(package, "Lebenslauf.docx")
    assert not verdict.accepted and "verdächtigen Pfad" in verdict.reason


def test_a_part_that_appears_twice_is_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        package = rezip(DOCX, add={"word/document.xml": b"<w:document/>"})
    assert "doppelt" in check(package, "Lebenslauf.docx").reason


@pytest.mark.parametrize(
    "member",
    [
        pytest.param(("word/embeddings/inner.zip", zip_of({"a.txt": b"a"})), id="zip by name"),
        pytest.param(("word/media/image2.png", zip_of({"a.txt": b"a"})), id="zip disguised as png"),
        pytest.param(("word/embeddings/Microsoft_Excel_Worksheet.xlsx", b"x" * 10), id="office file by name"),
        pytest.param(("word/media/x.gz", b"\x1f\x8b\x08\x00" + bytes(20)), id="gzip"),
    ],
)
def test_a_nested_archive_is_refused(member):
    package = rezip(DOCX, add=dict([member]))
    verdict = check(package, "Lebenslauf.docx")
    assert not verdict.accepted and "eingebettetes Archiv" in verdict.reason


def test_images_inside_a_word_document_are_fine():
    package = rezip(DOCX, add={"word/media/image1.png": make_png(), "word/media/image2.jpeg": make_jpeg()})
    assert check(package, "Lebenslauf.docx").accepted


def test_a_word_package_without_its_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(DOCX)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info, source.read(info))
    assert "word/document.xml fehlt" in check(out.getvalue(), "Lebenslauf.docx").reason


def test_content_types_with_a_dtd_are_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">]><Types/>'
    package = rezip(DOCX, replace=content_types(lambda text: bomb))
    assert "DTD" in check(package, "Lebenslauf.docx").reason


def test_a_damaged_zip_is_refused_as_damaged():
    for data in (b"PK\x03\x04" + bytes(100), DOCX[: len(DOCX) // 2]):
        verdict = check(data, "Lebenslauf.docx")
        assert not verdict.accepted and "beschädigt" in verdict.reason


# --- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "stored"),
    [
        ("Zeugnis.pdf", "Zeugnis.pdf"),
        ("Диплом   Иванова.pdf", "Диплом Иванова.pdf"),
        ("شهادة الثانوية.jpg", "شهادة الثانوية.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\Olena\\Desktop\\Zeugnis.pdf", "Zeugnis.pdf"),
        ("Zeugnis.pdf/", "Zeugnis.pdf"),
        ("..", "datei"),
        ("", "datei"),
        (".pdf", "datei.pdf"),
        (".bashrc", "datei.bashrc"),
        ("...Zeugnis.pdf", "Zeugnis.pdf"),
        ("Zeugnis..pdf", "Zeugnis.pdf"),
        ("Zeugnis.pdf.", "Zeugnis.pdf"),
        ("Zeugnis .pdf. ", "Zeugnis.pdf"),
        ("-rf.pdf", "rf.pdf"),
        ("Zeugnis: Kopie?.pdf", "Zeugnis_ Kopie_.pdf"),
        ('a*b"c<d>e|f.docx', "a_b_c_d_e_f.docx"),
        ("Zeugnis\nMüller\t2024.pdf", "Zeugnis Müller 2024.pdf"),
        ("Zeugnis\x00\x07.pdf", "Zeugnis.pdf"),
        ("Rechnung\u202efdp.exe", "Rechnungfdp.exe"),
        ("Zeugnis\udcfc.pdf", "Zeugnis.pdf"),
        ("CON", "_CON"),
        ("con.pdf", "_con.pdf"),
        ("NUL.tar.gz", "_NUL.tar.gz"),
        ("COM¹.txt", "_COM1.txt"),
        ("Console.pdf", "Console.pdf"),
        ("Ｚｅｕｇｎｉｓ／ＡＢ.pdf", "AB.pdf"),
        ("Zeugnis‥pdf", "Zeugnis.pdf"),
        ("Zeugnis Mu\u0308ller.pdf", "Zeugnis Müller.pdf"),
        ("می\u200cخواهم.pdf", "می\u200cخواهم.pdf"),
    ],
)
def test_safe_name_examples(original, stored):
    assert safe_name(original) == stored


def test_a_long_name_is_cut_keeping_the_extension():
    stored = safe_name("Zeugnis " * 50 + ".pdf")
    assert len(stored) <= MAX_NAME_LENGTH and stored.endswith(".pdf") and stored.startswith("Zeugnis Zeugnis")


def test_a_long_cyrillic_name_fits_a_linux_file_system():
    stored = safe_name("Диплом" * 40 + ".pdf")
    assert stored.endswith(".pdf") and len(stored.encode()) <= MAX_NAME_BYTES < 255


def test_a_long_extension_is_not_kept_as_extension():
    stored = safe_name("a." + "b" * 300)
    assert len(stored) == MAX_NAME_LENGTH


NASTY = st.sampled_from(
    list("./\\:*?\"<>| \t\n\x00\x1f\x7f\u202e\u200b\u200c\ufeff‥／＼﹒。-_~$aZéДش1")
    + ["CON", "nul", "COM1", "LPT¹", "..", ".pdf", "\udcfc", "\U0001F600"]
)
ANY_NAME = st.one_of(
    st.text(),
    st.text(st.characters(exclude_categories=())),
    st.lists(NASTY, max_size=40).map("".join),
    st.text(min_size=180, max_size=500),
    st.tuples(st.lists(NASTY, max_size=10).map("".join), st.text(max_size=20)).map("".join),
)


@given(ANY_NAME)
@settings(max_examples=600, deadline=None)
def test_safe_name_never_leaves_the_case_folder(original):
    stored = safe_name(original)
    assert stored and stored not in (".", "..") and not stored.startswith(".")
    assert "/" not in stored and "\\" not in stored and ".." not in stored
    assert len(stored) <= MAX_NAME_LENGTH and len(stored.encode()) <= MAX_NAME_BYTES
    assert not any(ch < " " or ch == "\x7f" or "\ud800" <= ch <= "\udfff" or ch == "\u202e" for ch in stored)
    assert stored == stored.strip() and not stored.endswith(".")
    case = Path("/case")
    assert (case / stored).resolve().parent == case
    assert safe_name(stored) == stored  # stable: a stored name is stored as it is
    assert is_unsafe_name(stored) is None  # and never needs quarantine itself


@pytest.mark.parametrize(
    ("original", "why"),
    [
        ("../../etc/passwd", "„..“"),
        ("..", "„..“"),
        ("‥", "„..“"),
        ("Unterlagen/Zeugnis.pdf", "Pfad"),
        ("C:\\Users\\Zeugnis.pdf", "Pfad"),
        ("Ｚｅｕｇｎｉｓ／ＡＢ.pdf", "Pfad"),
        ("Zeugnis\n.pdf", "Steuerzeichen"),
        ("Zeugnis\x00.pdf", "Steuerzeichen"),
        ("Rechnung\u202efdp.exe", "Steuerzeichen"),
    ],
)
def test_names_that_send_a_file_to_quarantine(original, why):
    reason = is_unsafe_name(original)
    assert reason is not None and why in reason and "file name" not in reason  # German only: an adviser reads it


@pytest.mark.parametrize(
    "original",
    ["Zeugnis.pdf", "Диплом Иванова.pdf", "Zeugnis..pdf", "CON.pdf", "Zeugnis: Kopie?.pdf", "a" * 300 + ".pdf", ""],
)
def test_names_that_are_only_tidied(original):
    assert is_unsafe_name(original) is None


def test_a_long_name_is_accepted_and_the_shortened_name_is_noted():
    name = "Übersetzung des Abschlusszeugnisses " * 8 + ".pdf"
    verdict = check(make_pdf(), name)
    assert verdict.accepted and is_unsafe_name(name) is None
    assert any(note.startswith(f"Dateiname war zu lang ({len(name)} Zeichen)") for note in verdict.notes)


def test_a_tidied_name_is_noted_with_the_stored_name():
    verdict = check(make_pdf(), "Zeugnis: Kopie.pdf")
    assert verdict.notes == ("Dateiname angepasst; gespeichert als „Zeugnis_ Kopie.pdf“",)


def test_a_mac_name_in_decomposed_form_is_not_noted_as_changed():
    assert check(make_pdf(), "Zeugnis Mu\u0308ller.pdf").notes == ()


# --- names as bytes, and the names the store gives a file ----------------------------------------------


def test_a_name_that_is_not_utf8_is_refused_with_its_bytes_and_shown_escaped():
    name = FileName.from_bytes(b"Zeugnis_f\xfcr.pdf")
    assert not name.is_utf8 and name.shown == "Zeugnis_f\\xfcr.pdf"
    reason = name_refusal(name)
    assert "nicht in UTF-8" in reason and "0xFC an Stelle 10" in reason
    assert "5a 65 75 67 6e 69 73 5f 66 fc 72 2e 70 64 66" in reason and "„Zeugnis_f\\xfcr.pdf“" in reason
    assert reason.isprintable()


def test_a_utf8_name_from_bytes_or_text_is_the_same_name():
    assert FileName.from_bytes("Диплом.pdf".encode()) == FileName.from_text("Диплом.pdf")
    assert name_refusal(FileName.from_text("Диплом.pdf")) is None
    assert name_refusal(FileName.from_text("Zeugnis\n.pdf")) == is_unsafe_name("Zeugnis\n.pdf")


def test_text_that_was_read_from_bad_bytes_knows_them_again():
    assert FileName.from_text(b"f\xfc.pdf".decode("utf-8", "surrogateescape")).raw == b"f\xfc.pdf"
    lone = FileName.from_text("f\ud800.pdf")  # no bytes of UTF-8 at all
    assert not lone.is_utf8 and name_refusal(lone) is not None and lone.shown == "f<U+D800>.pdf"


@pytest.mark.parametrize(
    ("mode", "fragment"),
    [
        (stat.S_IFIFO | 0o644, "benannte Pipe (FIFO)"),
        (stat.S_IFSOCK | 0o755, "Socket"),
        (stat.S_IFCHR | 0o666, "Gerätedatei"),
        (stat.S_IFBLK | 0o660, "Gerätedatei"),
        (stat.S_IFLNK | 0o777, "Symlink"),
    ],
)
def test_anything_but_a_regular_file_is_refused_unopened(mode, fragment):
    reason = special_file_refusal(mode)
    assert fragment in reason and ("nicht geöffnet" in reason or "not opened" in reason)


def test_a_regular_file_is_not_refused_for_its_type():
    assert special_file_refusal(stat.S_IFREG | 0o644) is None


CYRILLIC_254 = "Д" * 125 + ".pdf"  # 250 + 4 bytes: a name ext4 takes, but not with a prefix or a suffix


def test_a_254_byte_name_is_shortened_in_bytes_for_the_store_suffixes_included():
    assert len(CYRILLIC_254.encode()) == 254
    stored = stored_name("ab" * 32, CYRILLIC_254)
    assert stored.startswith("abababababab-") and stored.endswith(".pdf")
    assert len(stored.encode()) + SUFFIX_RESERVE_BYTES <= NAME_LIMIT_BYTES
    kept = quarantine_file_name(CYRILLIC_254, stamp="20261125T101500", tag="0a1b2c3d")
    assert kept.startswith("20261125T101500-0a1b2c3d-Д") and kept.endswith(".pdf")
    assert len((kept + ".reason.txt.part").encode()) <= NAME_LIMIT_BYTES


@given(st.binary(min_size=0, max_size=255))
@settings(max_examples=400, deadline=None)
def test_any_name_of_bytes_gets_store_names_that_fit_and_stay_in_their_folder(raw):
    name = FileName.from_bytes(raw)
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u202a\u202b\u202d\u202e\u2066\u2067\u2068"
                   for ch in name.shown)
    for built in (stored_name("0" * 64, name.text), quarantine_file_name(name.text, stamp="20261125T101500", tag="deadbeef")):
        assert len(built.encode()) + SUFFIX_RESERVE_BYTES <= NAME_LIMIT_BYTES
        assert "/" not in built and "\\" not in built and not built.startswith(".")
        assert built == unicodedata.normalize("NFC", built)
        built.encode("utf-8")  # no lone surrogate left
    assert MAX_NAME_BYTES + 13 + SUFFIX_RESERVE_BYTES == NAME_LIMIT_BYTES
