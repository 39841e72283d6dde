"""What every CLI command shares: the consoles, turning errors into one line, date parsing."""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from datetime import date, datetime
from functools import wraps
from zoneinfo import ZoneInfo

import click
import typer
from rich.console import Console
from rich.markup import escape as rich_escape

from adapters.settings import get_settings
from adapters.storage import diagnose, ensure_room, flow_run_folders, storage_code
from domain.dates import event_day
from domain.display import visible
from domain.errors import CatalogueError, DomainError, StorageFault
from domain.validation import FieldError
from flows import StepFailed


def escape(text: object) -> str:
    """Outside text (names, file names, an import cell, a server's answer) for the terminal: control,
    bidi and invisible characters made visible (domain.display.visible), then Rich's markup escaped,
    so "[bold]" in a name is printed as typed and "\x1b[2J" cannot clear the screen."""
    return rich_escape(visible(text))


out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_INVALID = 2
EXIT_DATA = 3
EXIT_DATABASE = 4
EXIT_FILE = 5
EXIT_NOT_DELIVERED = 6  # `remind`: the mail server was not reachable, or refused mails for good
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h)
BERLIN = ZoneInfo("Europe/Berlin")


def friendly(command):
    """Turn the errors a person can cause into one line and an exit code, never a traceback. A full
    disk or an unwritable folder is one line naming the folder, however it arrived (adapters.storage)."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            try:
                return command(*args, **kwargs)
            except StepFailed as withheld:  # what a flow kept out of Prefect's records, shown here
                raise (withheld.original or withheld) from None
        except StorageFault as error:
            fail("Storage error", error.message, EXIT_FILE)
        except CatalogueError as error:
            fail("Data error", str(error), EXIT_DATA)
        except DomainError as error:
            fail("Error", str(error), EXIT_INVALID)
        except OSError as error:
            if storage_code(error) is not None:
                _fail_if_storage(error)
            where = f" ({error.filename})" if error.filename else ""
            fail("File error", f"{error.strerror or error}{where}", EXIT_FILE)
        except (typer.Exit, typer.Abort, typer.TyperException, click.exceptions.Exit, click.ClickException):
            raise  # the command line's own ways to end: an exit code, Ctrl-C, a usage error
        except Exception as error:
            _fail_if_storage(error)
            if _database_error(error):
                detail = str(getattr(error, "orig", None) or error).splitlines()[0]
                fail("Database error", f"{detail}. Check WELCOME_CENTER_DATABASE_URL and run `welcome-center db upgrade`.",
                     EXIT_DATABASE)
            if os.environ.get("WELCOME_CENTER_DEBUG"):
                raise
            # a fault of the program, not of the input: one line, and the way to the details
            fail("Internal error", f"{type(error).__name__}: {str(error)[:200]}. Nothing further was done; "
                 "run again with WELCOME_CENTER_DEBUG=1 to see the traceback and report it.", EXIT_INTERNAL)

    return wrapper


def _fail_if_storage(error: Exception) -> None:
    """A full or unwritable folder behind an error that does not say so itself (SQLite's "disk I/O
    error", Prefect's HTTP 500 from its temporary server): one line naming the folder."""
    try:
        fault = diagnose(error, get_settings())
    except Exception:  # noqa: BLE001 - the diagnosis must not hide the error it looks at
        fault = None
    if fault is not None:
        fail("Storage error", fault.message, EXIT_FILE)


def room_for_a_flow_run() -> None:
    """Before a flow run: the database's folder and Prefect's home must take writes. Prefect's
    temporary server meets a full disk with HTTP 500s and, on its way out, tracebacks; checked first,
    the command says which folder is full instead."""
    ensure_room(flow_run_folders(get_settings()))


def _database_error(error: Exception) -> bool:
    """A database the command could not use (not there, no schema): SQLAlchemy's OperationalError or
    ProgrammingError. Looked up in sys.modules rather than imported: a command that never touched the
    database (`route`) need not load SQLAlchemy to know that its error did not come from there."""
    exc = sys.modules.get("sqlalchemy.exc")
    return exc is not None and isinstance(error, (exc.OperationalError, exc.ProgrammingError))


def fail(label: str, message: str, code: int = EXIT_INVALID) -> None:
    """One line on stderr ("Error: field: what and the fix") and the exit code."""
    err.print(f"[bold red]{label}:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def today() -> date:
    """Today in Europe/Berlin, where the Welcome Center works."""
    return datetime.now(BERLIN).date()


def actor() -> str:
    return get_settings().actor or f"cli:{getpass.getuser()}"


def parse_date(value: str, field: str) -> date:
    """A day given on the command line: DD.MM.YYYY or YYYY-MM-DD with a four-digit year, from
    1990-01-01 to a year after today (domain.dates, the parser every door uses)."""
    return event_day(value, field=field, today=today())


_INVISIBLE_IN_JSON = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff\u2028\u2029]")


def print_json(payload) -> None:
    """JSON for programs: any script as it is; the controls JSON escapes anyway, and the bidi and
    invisible characters as \\u escapes (four hex digits) too, so the text cannot turn on a terminal (it is still the same JSON)."""
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(_INVISIBLE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def show_field_errors(errors: list[FieldError]) -> None:
    for error in errors:
        err.print(f"[bold red]Error:[/] {escape(str(error))}", soft_wrap=True)
