"""Core pages: Anmelden/Abmelden, Übersicht, Fälle (list, search, filters, export), Zuständigkeit and
the routing preview (`/api/routing`) the new-case form asks while the adviser types."""

from __future__ import annotations

import ipaddress
import re
import secrets
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from sqlmodel import Session

from adapters.catalogue import load_catalogue
from adapters.settings import get_settings
from adapters.transliteration import load_tables
from domain.access import ALL_DISTRICTS, Actor, Role
from domain.deadlines import KIND_DE as DEADLINE_KIND_DE
from domain.deadlines import Kind
from domain.lifecycle import STATE_DE, CaseState
from domain.routing import Routing, route
from domain.text import MAX_QUERY_LENGTH, fold
from models import selectors
from models.selectors import CaseSelection
from services.accounts import LoginRefused, log_in, log_out
from services.export import csv_chunks, record_export
from welcome_center.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    BadRequest,
    active_session,
    current_adviser,
    db,
    render,
    today,
    verify_csrf,
)
from welcome_center.web.runs_routes import unseen_problem_runs

router = APIRouter()

PER_PAGE_CHOICES = (25, 50, 100, 200)
SORT_DE = {
    "next_due": "nächste Frist",
    "reference": "Aktenzeichen",
    "name": "Name",
    "state": "Stand",
    "created": "angelegt",
}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(value: str | None) -> str:
    """Only a path on this site: no scheme, no host, no //evil.example."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or _CONTROL.search(value):
        return "/"
    return value[:500]


# ------------------------------------------------------------------------------------ login / logout


def client_address(request: Request) -> str:
    """The client's address for the audit trail: the socket's, or, when the socket is a trusted proxy
    (WELCOME_CENTER_TRUSTED_PROXIES), the last hop of its X-Forwarded-For (the address that connected
    to the proxy). Anyone else's X-Forwarded-For is ignored: a client can write anything there."""
    peer = request.client.host if request.client else ""
    settings = getattr(request.app.state, "settings", None) or get_settings()
    trusted = settings.trusted_proxy_networks
    if not trusted or not peer:
        return peer
    try:
        if not any(ipaddress.ip_address(peer) in network for network in trusted):
            return peer
    except ValueError:  # not an address (a test client's "testclient")
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:  # no header, or no address in it: the proxy is the client we know
        return peer


def _login_page(request: Request, *, next_path: str, email: str = "", error: str | None = None,
                status_code: int = 200, logged_out: bool = False) -> HTMLResponse:
    """The login form with a fresh double-submit token (there is no session yet to hold one)."""
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", None, status_code=status_code, csrf_token=token, next=next_path, email=email,
        error=error, logged_out=logged_out,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/anmelden",
    )
    return response


@router.get("/anmelden", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", abgemeldet: str = "", session: Session = Depends(db)):
    if active_session(request, session) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next_path=_safe_next(next), logged_out=bool(abgemeldet))


@router.post("/anmelden", response_class=HTMLResponse)
def login(
    request: Request,
    email: str = Form("", max_length=300),
    password: str = Form("", max_length=1000),
    csrf_token: str = Form(""),
    next: str = Form("/"),
    session: Session = Depends(db),
):
    next_path = _safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not csrf_token or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(
            request, next_path=next_path, email=email, status_code=403,
            error="Das Anmeldeformular ist abgelaufen. Bitte melden Sie sich noch einmal an.",
        )
    try:
        new = log_in(session, email=email, password=password, client=client_address(request))
    except LoginRefused as refused:
        session.commit()  # the failed attempt counts and stays in the audit trail
        return _login_page(
            request, next_path=next_path, email=email, error=refused.message_de, status_code=429 if refused.locked else 401,
        )
    session.commit()
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(SESSION_COOKIE, new.token, httponly=True, samesite="lax", secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/anmelden")
    return response


@router.post("/abmelden", dependencies=[Depends(verify_csrf)])
def logout(request: Request, session: Session = Depends(db)):
    log_out(session, token=request.cookies.get(SESSION_COOKIE))
    session.commit()
    response = RedirectResponse("/anmelden?abgemeldet=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


# ------------------------------------------------------------------------------------ Übersicht


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    day = today(request)
    overdue, this_week = selectors.due_cases(session, actor=actor, today=day, limit=50)
    overdue_count, week_count = selectors.due_counts(session, actor=actor, today=day)
    failed, failed_count = selectors.failed_reminders(session, actor=actor)
    quarantined, quarantined_count = selectors.quarantined_files(session, actor=actor)
    counts = selectors.state_counts(session, actor=actor)
    districts = actor.districts
    state_rows = [
        {
            "state": state.value,
            "label": STATE_DE[state],
            "per_district": [counts.get((d, state.value), 0) for d in districts],
            "total": sum(counts.get((d, state.value), 0) for d in districts),
        }
        for state in CaseState
    ]
    kinds = selectors.next_deadline_kinds(session, references=[row.reference for row in [*overdue, *this_week]])
    runs = unseen_problem_runs(session) if actor.role == Role.LEAD else {}
    return render(
        request, "overview.html", actor, overdue=overdue, this_week=this_week, overdue_count=overdue_count,
        deadline_kinds={reference: DEADLINE_KIND_DE.get(Kind(kind), kind) for reference, kind in kinds.items()},
        week_count=week_count, failed=failed, failed_count=failed_count, quarantined=quarantined,
        quarantined_count=quarantined_count, state_rows=state_rows, districts=districts,
        district_totals=[sum(n for (d, _), n in counts.items() if d == district) for district in districts],
        total=sum(counts.values()), ok="Als gesehen vermerkt." if request.query_params.get("ok") == "gesehen" else None,
        **runs,
    )


# ------------------------------------------------------------------------------------ Fälle


class CaseFilters:
    """The list's query parameters, checked; a bad value is a German 400, never a traceback."""

    def __init__(self, request: Request, actor: Actor) -> None:
        params = request.query_params
        self.search = (params.get("q") or "").strip()
        if len(self.search) > selectors.MAX_SEARCH_LENGTH:
            raise BadRequest(f"Der Suchbegriff ist zu lang (höchstens {selectors.MAX_SEARCH_LENGTH} Zeichen).")
        if _CONTROL.search(self.search):
            raise BadRequest("Der Suchbegriff enthält Steuerzeichen. Bitte nur normalen Text eingeben.")
        self.district = params.get("district") or None
        if self.district is not None and self.district not in ALL_DISTRICTS:
            raise BadRequest(f"Unbekannter Landkreis „{self.district[:30]}“. Möglich: Verden, Osterholz.")
        self.state = params.get("state") or None
        if self.state is not None and self.state not in {s.value for s in CaseState}:
            raise BadRequest(f"Unbekannter Stand „{self.state[:30]}“.")
        self.adviser_id = _int_param(params.get("adviser"), "Beraterin/Berater", minimum=1) if params.get("adviser") else None
        overdue = (params.get("overdue") or "").lower()
        if overdue not in ("", "0", "1", "on", "true"):
            raise BadRequest(f"„überfällig“ erwartet ja oder nein, nicht „{overdue[:20]}“.")
        self.overdue = overdue in ("1", "on", "true")
        self.sort = params.get("sort") or "next_due"
        if self.sort not in selectors.SORTS:
            raise BadRequest(f"Unbekannte Sortierung „{self.sort[:30]}“. Möglich: {', '.join(SORT_DE.values())}.")
        direction = params.get("dir") or "asc"
        if direction not in ("asc", "desc"):
            raise BadRequest("Die Sortierrichtung ist „asc“ (aufsteigend) oder „desc“ (absteigend).")
        self.descending = direction == "desc"
        self.page = _int_param(params.get("page"), "Seite", minimum=1) if params.get("page") else 1
        self.per_page = _int_param(params.get("per_page"), "Fälle pro Seite", minimum=1) if params.get("per_page") else 50
        if self.per_page not in PER_PAGE_CHOICES:
            raise BadRequest(f"Fälle pro Seite: {', '.join(map(str, PER_PAGE_CHOICES))}.")

    def selection(self) -> CaseSelection:
        return CaseSelection(
            search=self.search or None, district=self.district, state=self.state, adviser_id=self.adviser_id,
            overdue=self.overdue, sort=self.sort, descending=self.descending,
            occupation_keys=occupation_keys_for(self.search) if self.search else None,
            search_tables=load_tables() if self.search else None,
        )

    def query(self, **changes) -> str:
        """The query string of this list with some parameters changed (pager, sort links)."""
        values = {
            "q": self.search, "district": self.district or "", "state": self.state or "",
            "adviser": self.adviser_id or "", "overdue": "1" if self.overdue else "", "sort": self.sort,
            "dir": "desc" if self.descending else "asc", "per_page": self.per_page, "page": self.page,
        }
        values.update(changes)
        defaults = {"sort": "next_due", "dir": "asc", "per_page": 50, "page": 1}
        return urlencode({k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v})


def occupation_keys_for(text: str) -> list[str]:
    """The reference occupations whose name or a synonym (any language) contains the search text,
    folded as routing folds it: "schwester" finds Pflegefachfrau/Pflegefachmann via "Krankenschwester"."""
    catalogue = load_catalogue()
    words = catalogue.memo.get("web search words")
    if words is None:
        words = catalogue.memo["web search words"] = [
            (key, tuple({fold(w) for w in (p.name, *(w for _, ws in p.synonyms for w in ws))}))
            for key, p in catalogue.professions.items()
        ]
    wanted = fold(text)
    if len(wanted) < 3:
        return []
    return [key for key, folded in words if any(wanted in w for w in folded)]


def _int_param(value: str | None, label: str, *, minimum: int) -> int:
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise BadRequest(f"{label}: „{text[:20]}“ ist keine gültige Zahl.")
    number = int(text)
    if number < minimum:
        raise BadRequest(f"{label}: die Zahl muss mindestens {minimum} sein.")
    return number


@router.get("/faelle", response_class=HTMLResponse)
def cases(request: Request, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    filters = CaseFilters(request, actor)
    result = selectors.cases_page(
        session, actor=actor, **filters.selection().as_args(), page=filters.page, per_page=filters.per_page, today=today(request)
    )
    sort_links = {
        key: filters.query(sort=key, dir="desc" if filters.sort == key and not filters.descending else "asc", page=1)
        for key in selectors.SORTS
    }
    return render(
        request, "cases.html", actor, result=result, filters=filters, sort_links=sort_links, sort_de=SORT_DE,
        advisers=selectors.advisers_for(session, actor=actor), states=[(s.value, STATE_DE[s]) for s in CaseState],
        per_page_choices=PER_PAGE_CHOICES, export_query=filters.query(page=1, per_page=50),
        prev_query=filters.query(page=result.page - 1) if result.page > 1 else None,
        next_query=filters.query(page=result.page + 1) if result.page < result.pages else None,
        first_query=filters.query(page=1), last_query=filters.query(page=result.pages),
    )


@router.get("/faelle.csv")
def cases_csv(request: Request, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    """The filtered list for a spreadsheet (services.export: the same file as `case export`, audited)."""
    filters = CaseFilters(request, actor)
    day = today(request)
    selection = filters.selection()
    record_export(session, actor=actor, audit_actor=actor.audit_name, selection=selection, today=day, channel="web")
    session.commit()
    chunks = csv_chunks(request.app.state.engine, actor=actor, selection=selection, today=day)
    name = f"faelle-{day.isoformat()}.csv"
    return StreamingResponse(
        chunks, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# ------------------------------------------------------------------------------------ Zuständigkeit


def _checked_profession(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise BadRequest("Bitte einen Beruf eingeben, z. B. „Krankenschwester“.")
    if len(text) > MAX_QUERY_LENGTH:
        raise BadRequest(f"Der Beruf ist zu lang: höchstens {MAX_QUERY_LENGTH} Zeichen.")
    if _CONTROL.search(text):
        raise BadRequest("Der Beruf enthält Steuerzeichen. Bitte nur normalen Text eingeben.")
    return text


def _routings(profession: str) -> list[tuple[str, Routing]]:
    catalogue = load_catalogue()
    return [(catalogue.districts[key].name, route(profession, key, catalogue)) for key in ALL_DISTRICTS]


@router.get("/zustaendigkeit", response_class=HTMLResponse)
def lookup(request: Request, profession: str = "", actor: Actor = Depends(current_adviser)):
    """Who decides, and is recognition required — for both districts, like the Anerkennungs-Finder."""
    error, results = None, []
    if profession.strip():
        try:
            results = _routings(_checked_profession(profession))
        except BadRequest as bad:
            error = bad.message_de
    return render(
        request, "lookup.html", actor, profession=profession[:MAX_QUERY_LENGTH], results=results, error=error,
        status_code=400 if error else 200,
    )


@router.get("/api/routing")
def routing_preview(request: Request, profession: str = "", district: str = "", format: str = "",
                    actor: Actor = Depends(current_adviser)):
    """The routing for one district: an HTML fragment (escaped by the template) for the new-case
    form, or JSON (`format=json`, or Accept: application/json) in the shape of `welcome-center route --json`."""
    wants_json = format == "json" or (
        "application/json" in request.headers.get("accept", "") and "text/html" not in request.headers.get("accept", "")
    )
    try:
        text = _checked_profession(profession)
        if district not in ALL_DISTRICTS:
            raise BadRequest("Bitte zuerst den Landkreis wählen (Verden oder Osterholz).")
    except BadRequest as bad:
        if wants_json:
            return JSONResponse({"error": bad.message_de}, status_code=400)
        return render(request, "_routing.html", actor, status_code=400, error=bad.message_de, routing=None)
    result = route(text, district, load_catalogue())
    if wants_json:
        return JSONResponse(result.as_dict())
    return render(request, "_routing.html", actor, routing=result, error=None, district_name=load_catalogue().districts[district].name)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)
