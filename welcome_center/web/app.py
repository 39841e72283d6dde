"""The adviser web page: FastAPI app with server-rendered German pages (templates/web/).

`create_app()` wires the engine, the static files, the security headers and the German error
pages; the routes live in `core_routes` (login, overview, case list, export, lookup) and
`case_routes` (one case: page, print view, uploads, letters).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.database import ready_engine
from adapters.settings import get_settings
from adapters.storage import diagnose
from domain.errors import StorageFault
from models.selectors import NotFound
from welcome_center.web import case_routes, core_routes, export_routes, quarantine_routes, report_routes, runs_routes
from welcome_center.web.deps import (
    BadRequest,
    Forbidden,
    LoginRequired,
    active_session,
    render,
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds the headers to every response (pages, files, errors); pages with personal data are
    not kept in the browser's or a proxy's cache (`no-store`), the static files may be."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in {h for h, _ in SECURITY_HEADERS}]
                headers.extend(SECURITY_HEADERS)
                if not static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class WelcomeCenterApp(FastAPI):
    """FastAPI with `SecurityHeaders` outside everything else. Starlette puts its server-error
    middleware (which sends the 500 page) outside every added middleware, so a header middleware
    added the usual way never sees the 500 page."""

    def build_middleware_stack(self):
        return SecurityHeaders(super().build_middleware_stack())


def _actor_of(request: Request):
    """The logged-in adviser for an error page's navigation, if there is one."""
    from sqlmodel import Session

    try:
        with Session(request.app.state.engine) as session:
            active = active_session(request, session)
    except Exception:  # noqa: BLE001 - an error page must render even when the database is down
        return None
    return active.actor if active else None


def _error(request: Request, status: int, title: str, message: str):
    return render(request, "error.html", _actor_of(request), status_code=status, title=title, message=message, status=status)


def create_app(*, engine: Engine | None = None) -> FastAPI:
    if engine is None:
        engine = ready_engine()
    app = WelcomeCenterApp(title="Welcome Center – Anerkennungsberatung", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    # read the catalogue (and the search's folded words) now: a broken data file stops the start
    # with its file and line, and the first search or lookup does not wait a third of a second
    core_routes.occupation_keys_for("")
    get_settings().trusted_proxy_networks  # and a broken WELCOME_CENTER_TRUSTED_PROXIES too, with its entry
    app.mount("/static", StaticFiles(directory=str(get_settings().templates_dir / "web" / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired):
        if request.url.path.startswith("/api/"):
            # asked by the page's script: a redirect would put the login page into the form
            return PlainTextResponse("Bitte melden Sie sich erneut an.", status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/anmelden?next={quote(target, safe='')}", status_code=303)

    def not_found(request: Request):
        return _error(request, 404, "Nicht gefunden", "Diese Seite oder dieser Fall ist nicht vorhanden, oder Sie haben keinen Zugriff darauf.")

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _exc: NotFound):
        return not_found(request)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden):
        return _error(request, 403, exc.title_de, exc.message_de)

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest):
        return _error(request, 400, "Ungültige Eingabe", exc.message_de)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            # a part of the address that names nothing (a letter id "abc", or above 2^63 - 1)
            return not_found(request)
        fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        named = f" ({', '.join(fields)})" if fields else ""
        return _error(request, 400, "Ungültige Eingabe", f"Die Anfrage enthält ungültige oder fehlende Angaben{named}. Bitte prüfen Sie die Eingaben.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        titles = {
            404: ("Nicht gefunden", "Diese Seite ist nicht vorhanden."),
            405: ("Nicht erlaubt", "Diese Aktion ist an dieser Adresse nicht möglich."),
            413: ("Zu groß", "Die gesendeten Daten sind zu groß."),
        }
        title, message = titles.get(exc.status_code, ("Fehler", "Die Anfrage konnte nicht bearbeitet werden."))
        return _error(request, exc.status_code, title, message)

    @app.exception_handler(StorageFault)
    async def _storage(request: Request, exc: StorageFault):
        # a full disk or an unwritable folder: the IT's to fix, and the page says which folder
        return _error(request, 503, "Speichern nicht möglich", exc.message_de)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception):
        settings = getattr(request.app.state, "settings", None) or get_settings()
        fault = await run_in_threadpool(diagnose, exc, settings)  # SQLite on a full disk, say
        if fault is not None:
            return _error(request, 503, "Speichern nicht möglich", fault.message_de)
        return _error(request, 500, "Interner Fehler", "Ein unerwarteter Fehler ist aufgetreten. Bitte versuchen Sie es erneut oder wenden Sie sich an die Leitung.")

    app.include_router(core_routes.router)
    app.include_router(case_routes.router)
    app.include_router(quarantine_routes.router)
    app.include_router(runs_routes.router)
    app.include_router(report_routes.router)
    app.include_router(export_routes.router)
    return app
