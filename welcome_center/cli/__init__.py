"""The `welcome-center` command line (typer + rich).

Bad input gets one line on stderr naming the field and the fix, and exit code 2; a broken data file
exit code 3; never a traceback.

Each command lives in a module of this package and is imported only when it is called (`LazyGroup`,
Click's documented pattern for lazily loaded subcommands): `route` then imports the catalogue and the
rules, not Alembic, Prefect, FastAPI or docxtpl, and answers at once.
"""

from __future__ import annotations

import importlib
import os
import sys

import click
import typer
from typer.core import TyperGroup

from adapters.prefect_setup import configure_prefect
from adapters.settings import get_settings

# command → the module of this package that defines it (in its own `app`)
COMMANDS: dict[str, str] = {
    "route": "lookup", "deadline": "deadlines", "bodies": "lookup", "professions": "lookup",
    "case": "cases", "import": "cases", "consent": "cases", "db": "cases",
    "intake": "intake", "demo": "runs", "remind": "reminders", "reminders": "reminders",
    "letter": "letters", "letters": "letters", "address": "letters", "sme": "letters",
    "serve": "web", "adviser": "web", "up": "up", "runs": "schedule",
    "report": "reports", "person": "person",
}


class LazyGroup(TyperGroup):
    """Lists every command, imports a command's module only when the command is looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        if module is None:
            return None
        # Click looks the command up before it runs the group's callback, and importing a command's
        # module may import Prefect, which reads its logging settings once, at import: set them first
        configure_prefect(get_settings().home)
        try:
            loaded = importlib.import_module(f"{__name__}.{module}")
        except Exception as error:  # a fault of the program: one line, as console.friendly gives it
            if os.environ.get("WELCOME_CENTER_DEBUG"):
                raise
            sys.stderr.write(f"Internal error: {type(error).__name__}: {str(error)[:200]}. Nothing was done; run again "
                             "with WELCOME_CENTER_DEBUG=1 to see the traceback and report it.\n")
            raise SystemExit(70) from None
        return typer.main.get_command(loaded.app).get_command(ctx, name)


app = typer.Typer(
    name="welcome-center",
    cls=LazyGroup,
    help="Recognition (Anerkennung) case workflow for the Welcome Center Verden/Osterholz.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Recognition (Anerkennung) case workflow for the Welcome Center Verden/Osterholz."""
