"""What every route of the adviser web page shares: templates, the database session, the logged-in
adviser, the write check, the CSRF check and `render`.

Errors a person can cause are exceptions here (`LoginRequired`, `Forbidden`, `BadRequest`,
`models.selectors.NotFound`); `welcome_center.web.app` turns each into a German page.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import select_autoescape
from markupsafe import Markup, escape
from sqlmodel import Session

from adapters.settings import get_settings
from domain.access import Actor, Role
from domain.calendar import format_date
from domain.display import visible
from domain.lifecycle import STATE_DE, CaseState
from services.accounts import ActiveSession, session_for_token

BERLIN = ZoneInfo("Europe/Berlin")
SESSION_COOKIE = "wc_session"
LOGIN_CSRF_COOKIE = "wc_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

MAX_ROW_ID = 2**31 - 1  # the ids are INTEGER columns: 32 bits on PostgreSQL (SQLite's hold 64)
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
"""A row's id in a path: out of the columns' range the app answers 404, not a database error's 500."""

ROLE_DE = {Role.ADVISER.value: "Beratung", Role.LEAD.value: "Leitung", Role.READONLY.value: "Nur Lesezugriff"}
DISTRICT_DE = {"verden": "Verden", "osterholz": "Osterholz"}


class LoginRequired(Exception):
    """No valid session: the app redirects to /anmelden?next=…"""


class Forbidden(Exception):
    def __init__(self, message_de: str, title_de: str = "Keine Berechtigung") -> None:
        super().__init__(message_de)
        self.message_de = message_de
        self.title_de = title_de


class BadRequest(Exception):
    """Bad input in a query or form that a page cannot show inline: a German 400 page."""

    def __init__(self, message_de: str) -> None:
        super().__init__(message_de)
        self.message_de = message_de


# ------------------------------------------------------------------------------------ templates


def date_de(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(BERLIN).date() if value.tzinfo else value.date()
    return format_date(value)


def datetime_de(value: datetime | None) -> str:
    if value is None:
        return "–"
    local = value.astimezone(BERLIN) if value.tzinfo else value
    return f"{format_date(local.date())}, {local:%H:%M}"


def state_de(value: str | None) -> str:
    try:
        return STATE_DE[CaseState(value)]
    except ValueError:
        return value or "–"


def slash_breaks(value: str | None) -> Markup:
    """Text escaped, with a line-break opportunity after each "/": "Pflegefachfrau/Pflegefachmann"
    wraps at the slash instead of inside a word."""
    return Markup("/<wbr>").join(escape(part) for part in (value or "").split("/"))


templates = Jinja2Templates(directory=str(get_settings().templates_dir / "web"))
templates.env.autoescape = select_autoescape(enabled_extensions=("html", "htm", "xml"), default_for_string=True, default=True)
templates.env.filters.update(
    date_de=date_de, datetime_de=datetime_de, state_de=state_de,
    district_de=lambda key: DISTRICT_DE.get(key or "", key or "–"),
    role_de=lambda role: ROLE_DE.get(role, role),
    slash_breaks=slash_breaks,
    visible=visible,  # text from outside (file names): control and bidi characters shown, not obeyed
)


# ------------------------------------------------------------------------------------ request state


def today(request: Request) -> date:
    """Today in Europe/Berlin; tests set `app.state.clock` to fix the day."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(BERLIN).date()


def db(request: Request) -> Iterator[Session]:
    """One session per request; the route commits what it changes (`session.commit()`)."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def active_session(request: Request, session: Session) -> ActiveSession | None:
    if not hasattr(request.state, "web_session"):
        request.state.web_session = session_for_token(session, request.cookies.get(SESSION_COOKIE))
    return request.state.web_session


def current_adviser(request: Request, session: Session = Depends(db)) -> Actor:
    active = active_session(request, session)
    if active is None:
        raise LoginRequired()
    return active.actor


def writer(actor: Actor = Depends(current_adviser)) -> Actor:
    if not actor.can_write:
        raise Forbidden(
            "Ihr Zugang ist nur zum Lesen eingerichtet: Sie können Listen, Übersicht und Exporte ansehen, "
            "aber nichts ändern.",
            "Nur Lesezugriff",
        )
    return actor


async def verify_csrf(request: Request) -> None:
    """The form's `csrf_token` (or the X-CSRF-Token header) must be the session's token."""
    with Session(request.app.state.engine) as session:
        active = active_session(request, session)
    if active is None:
        raise LoginRequired()
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent.encode(), active.csrf_token.encode()):
        raise Forbidden(
            "Das Formular ist abgelaufen oder unvollständig (Sicherheitsmerkmal fehlt). "
            "Bitte laden Sie die Seite neu und senden Sie es noch einmal.",
            "Formular abgelehnt",
        )


def nav_items(request: Request, actor: Actor | None) -> list[dict]:
    if actor is None:
        return []
    path = request.url.path
    items = [
        {"href": "/", "label": "Übersicht", "active": path == "/"},
        {"href": "/faelle", "label": "Fälle", "active": path.startswith("/faelle") and path != "/faelle/neu"},
    ]
    if actor.can_write:
        items.append({"href": "/faelle/neu", "label": "Neuer Fall", "active": path == "/faelle/neu"})
    items.append({"href": "/quarantaene", "label": "Quarantäne", "active": path.startswith("/quarantaene")})
    items.append({"href": "/zustaendigkeit", "label": "Zuständigkeit", "active": path.startswith("/zustaendigkeit")})
    items.append({"href": "/berichte", "label": "Berichte", "active": path.startswith("/berichte")})
    if actor.role == Role.LEAD:
        items.append({"href": "/laeufe", "label": "Läufe", "active": path.startswith("/laeufe")})
    return items


def render(request: Request, name: str, actor: Actor | None, status_code: int = 200, **context) -> HTMLResponse:
    active = getattr(request.state, "web_session", None)
    base = {
        "actor": actor,
        "csrf_token": active.csrf_token if active else "",
        "today": today(request),
        "nav": nav_items(request, actor),
    }
    base.update(context)
    return templates.TemplateResponse(request, name, base, status_code=status_code)
