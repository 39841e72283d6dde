"""Errors a person can hit. Each carries a code and its parameters; the English (`message`) and German
(`message_de`) texts come from the one catalogue, `domain.messages.MESSAGES`, so no door has to pick
a text by matching another one (/work/shared/style.md). Each text names the field and the fix; the
CLI and the web page turn an error into one line and an exit code, never a traceback."""

from domain.display import visible
from domain.messages import render


class DomainError(ValueError):
    """Base class: bad input or bad data that a person can correct.

    `code` is a key of MESSAGES (KeyError for an unknown one), `field` what the person has to
    correct, `params` the values the texts are made from; str(error) is "field: English message"."""

    def __init__(self, code: str, field: str, **params) -> None:
        self._set(code, field, params, render(code, "en", params), render(code, "de", params))

    def _set(self, code: str, field: str, params: dict, message: str, message_de: str) -> None:
        ValueError.__init__(self, f"{field}: {message}")
        self.code = code
        self.field = field
        self.params = params
        self.message = message
        self.message_de = message_de


class InvalidInput(DomainError):
    """A value typed by a person (CLI option, form field, import cell) is not acceptable."""


class UnknownDistrict(InvalidInput):
    """A district this Welcome Center does not serve (data/districts.yaml)."""

    def __init__(self, value: str, known: list[str]) -> None:
        super().__init__("district.not_served", "district", value=_clip(value), known=list(known))


class CatalogueError(DomainError):
    """A data file is broken: names the file, the line, the entry and the field. Its reader is the
    person editing the YAML, so the text is the English `message` (also in `message_de`, after
    "Datendatei fehlerhaft:")."""

    def __init__(self, file: str, line: int | None, entry: str | None, field: str, message: str, *,
                 code: str = "data.broken") -> None:
        super().__init__(code, field, message=message)
        where = file if line is None else f"{file}, line {line}"
        if entry:
            where += f", entry '{entry}'"
        self.args = (f"{where}, field '{field}': {message}",)
        self.file, self.line, self.entry = file, line, entry

    def __str__(self) -> str:
        return self.args[0]


class StorageFault(DomainError):
    """A folder the service writes into is full, read-only or closed to it (`storage.full`,
    `storage.read_only`, `storage.denied`): no fault of the input and none of the program, but the
    operator's to fix. `folder` names the folder, never a file a person dropped; whoever raises it
    has removed what it had half written, so the same command run again after the fix finishes the job."""

    def __init__(self, code: str, folder: str) -> None:
        super().__init__(code, "folder", folder=folder)
        self.folder = folder

    def __reduce__(self):
        # rebuilt from its code and folder when Prefect or a process pool pickles it
        return type(self), (self.code, self.folder)


def _clip(value: str, limit: int = 40) -> str:
    """Quote at most `limit` characters of a value in a message, its control, bidi and invisible
    characters made visible (domain.display.visible: a newline as `\\n`, U+202E as `<U+202E>`)."""
    return visible(value[:limit]) + ("…" if len(value) > limit else "")
