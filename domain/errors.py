"""Errors a person can hit. Each message names the field and the fix; the CLI and the web page
turn them into one line and an exit code, never a traceback."""


class DomainError(ValueError):
    """Base class: bad input or bad data that a person can correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidInput(DomainError):
    """A value typed by a person (CLI option, form field, import cell) is not acceptable."""


class UnknownDistrict(InvalidInput):
    def __init__(self, value: str, known: list[str]) -> None:
        super().__init__(
            "district",
            f"'{_clip(value)}' is not served; use {' or '.join(known)}",
        )


class CatalogueError(DomainError):
    """A data file is broken: names the file, the line, the entry and the field."""

    def __init__(self, file: str, line: int | None, entry: str | None, field: str, message: str):
        where = file if line is None else f"{file}, line {line}"
        if entry:
            where += f", entry '{entry}'"
        super().__init__(field, message)
        self.args = (f"{where}, field '{field}': {message}",)
        self.file, self.line, self.entry = file, line, entry

    def __str__(self) -> str:
        return self.args[0]


def _clip(value: str, limit: int = 40) -> str:
    """Quote at most `limit` characters of a value in a message, without control characters."""
    shown = value[:limit]
    if not shown.isprintable():
        shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
    return shown + ("…" if len(value) > limit else "")
