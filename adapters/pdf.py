"""PDF conversion with LibreOffice: many letters per process, never one process per letter."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from domain.errors import InvalidInput

PDF_CHUNK = 200  # files per LibreOffice process


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


class PdfUnavailable(InvalidInput):
    """--pdf was asked for, but LibreOffice is not installed."""

    def __init__(self) -> None:
        super().__init__("pdf.unavailable", "--pdf")


def convert_to_pdf(paths: Sequence[Path], *, program: str | None = None, timeout_per_file: float = 10.0) -> dict[Path, Path]:
    """Convert .docx files to PDF beside them: one LibreOffice process per 200 files, into a temporary
    folder (file names are unique per case), then moved. Returns docx → pdf for those converted."""
    program = program or soffice()
    if program is None:
        raise PdfUnavailable()
    converted: dict[Path, Path] = {}
    with tempfile.TemporaryDirectory(prefix="welcome-center-pdf-") as work:
        profile = Path(work) / "profile"
        for start in range(0, len(paths), PDF_CHUNK):
            chunk = list(paths[start : start + PDF_CHUNK])
            out = Path(work) / f"out{start}"
            out.mkdir()
            subprocess.run(
                [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(out), *map(str, chunk)],
                check=False, capture_output=True, timeout=60 + timeout_per_file * len(chunk),
            )
            for path in chunk:
                produced = out / (path.stem + ".pdf")
                if produced.exists():
                    target = path.with_suffix(".pdf")
                    shutil.move(str(produced), target)
                    converted[path] = target
    return converted
