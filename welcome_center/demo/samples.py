"""Invented sample files for the demo, the benchmarks and the tests: good ones and hostile ones.

Nothing here is a real document; the PDFs say "Muster" (specimen).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf_from_objects(objects: list[bytes], *, end: bool = True) -> bytes:
    """A PDF file of these objects (object 1 the catalog), with a correct cross-reference table; without
    `end` the final %%EOF is missing, as in a file cut off in transit."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n" % (len(objects) + 1, xref)
    if end:
        out += b"%%EOF\n"
    return bytes(out)


def pdf(text: str = "Muster", *, catalog: bytes = b"<< /Type /Catalog /Pages 2 0 R >>", more: tuple[bytes, ...] = (),
        end: bool = True) -> bytes:
    """A small valid one-page PDF showing `text` (ASCII). `catalog` and `more` (objects 6, 7, …) let a
    test or a benchmark put in what a hostile PDF carries (an /OpenAction with JavaScript, a /Launch)."""
    safe = "".join(ch if 32 <= ord(ch) < 127 and ch not in "()\\" else "?" for ch in text)[:80]
    stream = f"BT /F1 14 Tf 72 760 Td ({safe}) Tj ET".encode()
    return pdf_from_objects([
        catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *more,
    ], end=end)


def pdf_with_javascript(text: str = "Muster") -> bytes:
    """A valid one-page PDF that runs a script when it is opened (/OpenAction → /JavaScript)."""
    return pdf(text, catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>",
               more=(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",))


def png(width: int = 4, height: int = 4) -> bytes:
    """A valid grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """A JPEG-framed file (SOI, JFIF header, comment, EOI): what a scanner's file starts and ends with."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comment = b"Muster-Scan"
    com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return b"\xff\xd8" + app0 + com + b"\xff\xd9"


def docx(text: str = "Muster") -> bytes:
    """A real Word document (python-docx)."""
    from docx import Document

    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_with_macro() -> bytes:
    """A DOCX carrying a VBA project: a macro could run on the adviser's PC."""
    source = zipfile.ZipFile(io.BytesIO(docx("Makro")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 512)
    return buffer.getvalue()


def zip_bomb(unpacked_mb: int = 120) -> bytes:
    """A DOCX-looking package whose one member unpacks to `unpacked_mb` MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        with archive.open("word/document.xml", "w") as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(unpacked_mb):
                member.write(block)
    return buffer.getvalue()


def executable() -> bytes:
    """The start of a Windows program (MZ header)."""
    return b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode.\r\n"


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
