"""CLI commands for the adviser web page.

    welcome-center serve [--host 127.0.0.1] [--port 8000]
    welcome-center adviser add --name … --email … --district verden --role adviser [--password …] [--phone …] [--function …]
    welcome-center adviser list
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from adapters.database import ready_engine
from adapters.settings import get_settings
from domain.access import Role
from models.db import session_scope
from services.accounts import create_adviser, list_advisers
from welcome_center.cli.console import actor, err, escape, friendly, out

Opt = typer.Option
adviser_app = typer.Typer(help="Adviser accounts for the web page (adviser, lead, readonly).", no_args_is_help=True)

ROLE_DE = {"adviser": "Beratung (ein Landkreis)", "lead": "Leitung (beide Landkreise)", "readonly": "nur lesen"}


class RoleChoice(StrEnum):
    adviser = "adviser"
    lead = "lead"
    readonly = "readonly"


app = typer.Typer()


@app.callback()
def _group() -> None:
    """The web page and its accounts."""


@friendly
def serve(
    host: Annotated[str, Opt("--host", help="address to listen on; keep 127.0.0.1 unless a TLS proxy is in front")] = "127.0.0.1",
    port: Annotated[int, Opt("--port", min=1, max=65535)] = 8000,
):
    """Start the adviser web page on the configured database (default: the embedded SQLite)."""
    import uvicorn  # defers uvicorn and FastAPI (the web app) to `serve`: `adviser add` needs neither

    from welcome_center.web.app import create_app  # defers FastAPI, as above

    proxies = proxy_options()
    app = create_app()
    err.print(f"Welcome Center: http://{host}:{port}/ (Strg+C beendet)")
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False, **proxies)


def proxy_options() -> dict:
    """X-Forwarded-For and X-Forwarded-Proto believed only from WELCOME_CENTER_TRUSTED_PROXIES; with
    none configured, not at all (uvicorn's own default would believe 127.0.0.1 and $FORWARDED_ALLOW_IPS)."""
    trusted = get_settings().trusted_proxy_networks
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(str(network) for network in trusted)}


@adviser_app.command("add")
@friendly
def adviser_add(
    name: Annotated[str, Opt("--name", help="full name, e.g. 'Vera Lindemann'")],
    email: Annotated[str, Opt("--email", help="the login, e.g. v.lindemann@landkreis-verden.de")],
    role: Annotated[RoleChoice, Opt("--role", help="adviser (one district), lead (both), readonly (reports only)")] = RoleChoice.adviser,
    district: Annotated[str | None, Opt("--district", help="verden or osterholz (not for a lead)")] = None,
    password: Annotated[str | None, Opt("--password", help="at least 10 characters; asked for when left out")] = None,
    phone: Annotated[str | None, Opt("--phone", help="direct line printed in the letters, e.g. '04231 15-1234'")] = None,
    function: Annotated[str | None, Opt("--function", help="signed under the name in the letters, e.g. 'Beraterin für Berufsanerkennung'")] = None,
):
    """Create an adviser account; the password is stored only as an argon2 hash. The letters of the
    adviser's cases name them as contact (name, --phone, e-mail) and are signed with --function."""
    if password is None:
        password = typer.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    district_key = district.strip().lower() if district else None
    with session_scope(ready_engine()) as session:
        adviser = create_adviser(
            session, name=name, email=email, district=district_key, role=Role(role.value), password=password, actor=actor(),
            phone=phone, function=function,
        )
    where = f", Landkreis {adviser.district.capitalize()}" if adviser.district else ""
    out.print(f"Konto angelegt: {escape(adviser.name)} <{escape(adviser.email)}>, {ROLE_DE[adviser.role]}{where}.")


@adviser_app.command("list")
@friendly
def adviser_list():
    """The adviser accounts with role and district."""
    with session_scope(ready_engine()) as session:
        advisers = list_advisers(session)
    table = Table("Name", "E-Mail", "Telefon", "Funktion", "Rolle", "Landkreis", "aktiv", title=f"{len(advisers)} Konten")
    for a in advisers:
        table.add_row(escape(a.name), escape(a.email), escape(a.phone or "–"), escape(a.function or "–"),
                      ROLE_DE.get(a.role, a.role), (a.district or "beide").capitalize(), "ja" if a.active else "nein")
    out.print(table)


app.command("serve")(serve)
app.add_typer(adviser_app, name="adviser")
