"""Accounts, login, logout and roles of the adviser web page, over HTTP (SQLite and PostgreSQL), and the
rest of the page's hardening of issue #5: ids out of range, security headers on every response,
file names shown with their hidden characters visible, letters only in languages with texts."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from fastapi import Depends
from sqlmodel import Session, select

from tests.web_fixtures import (  # noqa: F401  (fixtures)
    PASSWORD,
    accounts,
    client,
    csrf_token,
    login,
    sqlite_engine,
    web_app,
    web_cases,
    web_engine,
)


class CountingHasher(PasswordHasher):
    """argon2id at its lowest cost (as the `accounts` fixture's), counting the real password checks
    and keeping the hash each was made against; `delay` stands in for a real check's 0.1-0.2 s."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.delay = delay
        self.checked: list[str] = []
        self._lock = threading.Lock()

    def verify(self, hash, password):  # noqa: A002 - argon2's name
        with self._lock:
            self.checked.append(hash)
        if self.delay:
            threading.Event().wait(self.delay)
        return super().verify(hash, password)


@pytest.fixture
def password_checks(accounts, monkeypatch) -> CountingHasher:
    """Every password check of services.accounts, counted (after `accounts` set its cheap hasher)."""
    import services.accounts

    hasher = CountingHasher()
    monkeypatch.setattr(services.accounts, "_hasher", hasher)
    return hasher


class Clock:
    """services.accounts' clock (`utc_now`), set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def audit_actions(engine) -> list[tuple[str, str]]:
    from models.audit import AuditEvent

    with Session(engine) as session:
        return [(e.actor, e.action) for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def set_cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def test_login_with_the_right_password_opens_the_overview(client, accounts, web_engine):
    response = login(client, accounts["verden"].email)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>Übersicht</h1>" in page.text
    assert "Vera Beispiel" in page.text
    assert ("adviser:vera.beispiel@welcome-center.example", "adviser.login") in audit_actions(web_engine)


def test_the_email_address_is_not_case_sensitive(client, accounts):
    assert login(client, "  Vera.Beispiel@Welcome-Center.example ").status_code == 303


def test_wrong_password_is_refused_in_german_and_audited(client, accounts, web_engine):
    response = login(client, accounts["verden"].email, "falsches-passwort")
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.text
    assert not [h for h in response.headers.get_list("set-cookie") if h.startswith("wc_session=")]
    assert client.get("/").status_code == 303
    assert ("web:vera.beispiel@welcome-center.example", "adviser.login_failed") in audit_actions(web_engine)


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(client, accounts):
    response = login(client, "niemand@welcome-center.example", PASSWORD)
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.text


def test_five_failures_lock_the_address_for_15_minutes_also_after_a_restart(client, accounts, web_engine):
    email = accounts["osterholz"].email
    for _ in range(5):
        assert login(client, email, "daneben-1234").status_code == 401
    locked = login(client, email, PASSWORD)  # even the right password is refused now
    assert locked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in locked.text
    assert "15 Minuten" in locked.text

    # a new server process on the same database still refuses: the attempts are rows, not memory
    from fastapi.testclient import TestClient

    from welcome_center.web.app import create_app

    with TestClient(create_app(engine=web_engine), follow_redirects=False) as restarted:
        assert login(restarted, email, PASSWORD).status_code == 429
    # another address is not affected
    assert login(client, accounts["verden"].email).status_code == 303
    assert ("web:otto.muster@welcome-center.example", "adviser.login_locked") in audit_actions(web_engine)


def test_the_lock_ends_after_15_minutes(accounts, web_engine):
    from models._types import utc_now
    from services.accounts import LoginRefused, log_in

    email = accounts["osterholz"].email
    start = utc_now()
    with Session(web_engine) as session:
        for minute in range(5):
            with pytest.raises(LoginRefused):
                log_in(session, email=email, password="daneben-1234", now=start + timedelta(minutes=minute))
            session.commit()  # as the login route does after each attempt
        with pytest.raises(LoginRefused) as refused:
            log_in(session, email=email, password=PASSWORD, now=start + timedelta(minutes=10))
        assert refused.value.locked
        session.commit()
        assert log_in(session, email=email, password=PASSWORD, now=start + timedelta(minutes=20)).actor.email == email


def test_attempts_during_a_lock_neither_check_the_password_nor_extend_the_lock(client, accounts, web_engine, password_checks,
                                                                              monkeypatch):
    """Otherwise anyone could keep any account (the lead's too) locked for good by trying once every
    few minutes. The lock runs 15 minutes from the fifth failure, whatever is tried meanwhile."""
    import services.accounts
    from models.web_session import LoginThrottle

    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    clock = Clock(start)
    monkeypatch.setattr(services.accounts, "utc_now", clock)
    email = accounts["lead"].email
    for minute in range(5):  # 09:00 … 09:04 Berlin: the fifth failure locks until 09:19
        clock.now = start + timedelta(minutes=minute)
        assert login(client, email, "daneben-1234").status_code == 401
    assert len(password_checks.checked) == 5
    for minute in (5, 9, 14, 18):
        clock.now = start + timedelta(minutes=minute, seconds=59 if minute == 18 else 0)
        assert login(client, email, "daneben-1234").status_code == 429
        refused = login(client, email, PASSWORD)
        assert refused.status_code == 429 and "Zu viele fehlgeschlagene Anmeldungen" in refused.text
    assert len(password_checks.checked) == 5  # refused during the lock without a password check
    with Session(web_engine) as session:
        assert session.get(LoginThrottle, email).locked_until == start + timedelta(minutes=4 + 15)
    clock.now = start + timedelta(minutes=19, seconds=1)
    assert login(client, email, PASSWORD).status_code == 303
    assert len(password_checks.checked) == 6


def test_a_new_window_after_the_lock_again_allows_five_checks(client, accounts, password_checks, monkeypatch):
    import services.accounts

    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    clock = Clock(start)
    monkeypatch.setattr(services.accounts, "utc_now", clock)
    email = accounts["verden"].email
    statuses = []
    for second in range(0, 7 * 60, 60):  # seven attempts within the first window, then seven after the lock
        clock.now = start + timedelta(seconds=second)
        statuses.append(login(client, email, "daneben-1234").status_code)
    for second in range(0, 7 * 60, 60):
        clock.now = start + timedelta(minutes=4 + 15, seconds=second)
        statuses.append(login(client, email, "daneben-1234").status_code)
    assert statuses == [401] * 5 + [429] * 2 + [401] * 5 + [429] * 2
    assert len(password_checks.checked) == 10


def test_a_success_clears_the_count_of_failures(client, accounts, password_checks):
    email = accounts["verden"].email
    for _ in range(4):
        assert login(client, email, "daneben-1234").status_code == 401
    assert login(client, email).status_code == 303
    client.cookies.clear()
    for _ in range(4):  # four more: the count started again with the success
        assert login(client, email, "daneben-1234").status_code == 401
    assert login(client, email).status_code == 303


def test_an_unknown_address_costs_the_same_argon2_verification_as_a_known_one(client, accounts, password_checks, web_engine):
    """Which addresses have accounts must not be readable off the answer's time: an unknown (or
    deactivated) address is verified against a dummy hash of the same cost."""
    import services.accounts
    from models.adviser import Adviser

    assert login(client, "niemand@welcome-center.example", PASSWORD).status_code == 401
    assert login(client, accounts["verden"].email, "daneben-1234").status_code == 401
    with Session(web_engine) as session:
        adviser = session.get(Adviser, accounts["osterholz"].id)
        adviser.active = False
        session.add(adviser)
        session.commit()
    assert login(client, accounts["osterholz"].email, PASSWORD).status_code == 401  # deactivated: right password, no entry
    unknown, known, deactivated = password_checks.checked
    assert unknown == deactivated == services.accounts._DUMMY_HASH
    assert known != unknown
    assert extract_parameters(unknown) == extract_parameters(known)


def test_the_dummy_hash_has_the_cost_of_a_real_password_hash():
    """The app's own hasher, not the tests' cheap one: an argon2 check costs what its hash says."""
    import services.accounts

    real = services.accounts.hash_password("Sicher-genug-2026")
    assert extract_parameters(services.accounts._DUMMY_HASH) == extract_parameters(real)


def login_clients(engine) -> list[dict | None]:
    from models.audit import AuditEvent

    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action.startswith("adviser.login")).order_by(AuditEvent.id)).all()
    return [json.loads(e.after) if e.after else None for e in events]


def test_a_forged_x_forwarded_for_from_an_untrusted_client_is_not_in_the_audit_trail(client, accounts, web_engine):
    client.headers["X-Forwarded-For"] = "203.0.113.66"
    assert login(client, accounts["verden"].email, "daneben-1234").status_code == 401
    assert login(client, accounts["verden"].email).status_code == 303
    assert login_clients(web_engine) == [{"client": "testclient"}] * 2


def test_x_forwarded_for_is_believed_only_from_a_configured_trusted_proxy(web_app, accounts, web_engine):
    from fastapi.testclient import TestClient

    from adapters.settings import Settings

    web_app.state.settings = Settings(trusted_proxies="10.0.0.5, 192.0.2.0/28")
    headers = {"X-Forwarded-For": "203.0.113.66, 198.51.100.7"}  # the last hop: who connected to the proxy
    for socket in ("10.0.0.5", "192.0.2.9", "10.0.0.6"):
        with TestClient(web_app, client=(socket, 40000), headers=headers, follow_redirects=False) as via:
            assert login(via, accounts["verden"].email).status_code == 303
    assert login_clients(web_engine) == [{"client": "198.51.100.7"}, {"client": "198.51.100.7"}, {"client": "10.0.0.6"}]


def test_a_trusted_proxy_without_a_usable_header_is_itself_the_client(web_app, accounts, web_engine):
    from fastapi.testclient import TestClient

    from adapters.settings import Settings

    web_app.state.settings = Settings(trusted_proxies="10.0.0.5")
    for headers in ({}, {"X-Forwarded-For": "<script>"}):
        with TestClient(web_app, client=("10.0.0.5", 40000), headers=headers, follow_redirects=False) as via:
            assert login(via, accounts["verden"].email).status_code == 303
    assert login_clients(web_engine) == [{"client": "10.0.0.5"}] * 2


def test_serve_passes_proxy_headers_to_uvicorn_only_for_the_trusted_proxies(cli, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    assert cli("serve").exit_code == 0
    assert cli("serve", env={"WELCOME_CENTER_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/24"}).exit_code == 0
    assert calls[0]["proxy_headers"] is False and "forwarded_allow_ips" not in calls[0]
    assert calls[1]["proxy_headers"] is True and calls[1]["forwarded_allow_ips"] == "127.0.0.1/32,10.0.0.0/24"
    refused = cli("serve", env={"WELCOME_CENTER_TRUSTED_PROXIES": "127.0.0.1, *"})
    assert refused.exit_code == 2 and len(calls) == 2
    assert "WELCOME_CENTER_TRUSTED_PROXIES: '*' is not an IP address" in refused.stderr and "Traceback" not in refused.stderr


def test_session_cookie_is_httponly_and_samesite_and_not_secure_over_http(client, accounts):
    cookie = set_cookie_header(login(client, accounts["verden"].email), "wc_session").lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    assert "path=/" in cookie


def test_session_cookie_is_secure_over_https(web_app, accounts):
    from fastapi.testclient import TestClient

    with TestClient(web_app, base_url="https://testserver", follow_redirects=False) as https_client:
        cookie = set_cookie_header(login(https_client, accounts["verden"].email), "wc_session").lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_only_a_hash_of_the_session_token_is_stored(client, accounts, web_engine):
    from models.web_session import WebSession

    login(client, accounts["verden"].email)
    token = client.cookies.get("wc_session")
    assert token
    with Session(web_engine) as session:
        stored = session.exec(select(WebSession)).all()
    assert len(stored) == 1
    assert stored[0].token_hash != token and token not in stored[0].token_hash


def test_logout_deletes_the_session_so_the_old_cookie_no_longer_works(client, accounts, web_engine):
    from models.web_session import WebSession

    login(client, accounts["verden"].email)
    old_cookie = client.cookies.get("wc_session")
    token = csrf_token(client)
    response = client.post("/abmelden", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/anmelden?abgemeldet=1"
    assert "Sie sind abgemeldet." in client.get("/anmelden?abgemeldet=1").text
    with Session(web_engine) as session:
        assert session.exec(select(WebSession)).all() == []
    client.cookies.set("wc_session", old_cookie)  # as if someone had copied the cookie
    again = client.get("/faelle")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/anmelden")
    assert ("adviser:vera.beispiel@welcome-center.example", "adviser.logout") in audit_actions(web_engine)


def test_pages_redirect_to_the_login_and_back(client, accounts):
    response = client.get("/faelle?q=Haddad")
    assert response.status_code == 303
    assert response.headers["location"] == "/anmelden?next=%2Ffaelle%3Fq%3DHaddad"
    form = client.get(response.headers["location"])
    assert 'name="next" value="/faelle?q=Haddad"' in form.text
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post("/anmelden", data={"email": accounts["lead"].email, "password": PASSWORD,
                                          "csrf_token": token, "next": "/faelle?q=Haddad"})
    assert done.headers["location"] == "/faelle?q=Haddad"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_to_another_site(client, accounts, target):
    form = client.get("/anmelden")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post("/anmelden", data={"email": accounts["lead"].email, "password": PASSWORD, "csrf_token": token, "next": target})
    assert done.status_code == 303
    assert done.headers["location"] == "/"


def test_login_form_without_its_token_is_refused(client, accounts):
    client.get("/anmelden")
    response = client.post("/anmelden", data={"email": accounts["verden"].email, "password": PASSWORD, "csrf_token": "erfunden"})
    assert response.status_code == 403
    assert "Das Anmeldeformular ist abgelaufen" in response.text
    assert client.get("/").status_code == 303


def test_passwords_are_stored_as_argon2id_hashes(web_engine):
    """With the app's own hasher (the `accounts` fixture lowers its cost for the other tests)."""
    from argon2 import PasswordHasher

    from models.adviser import Adviser, Role
    from models.db import session_scope
    from services.accounts import create_adviser

    email = "hanna.hash@welcome-center.example"
    with session_scope(web_engine) as session:
        create_adviser(session, name="Hanna Hash", email=email, district="verden", role=Role.ADVISER, password=PASSWORD,
                       actor="test")
    with Session(web_engine) as session:
        adviser = session.exec(select(Adviser).where(Adviser.email == email)).one()
    assert adviser.password_hash.startswith("$argon2id$")
    assert PASSWORD not in adviser.password_hash
    assert PasswordHasher().verify(adviser.password_hash, PASSWORD)
    assert not PasswordHasher().check_needs_rehash(adviser.password_hash)  # argon2-cffi's recommended cost


def test_deactivated_adviser_loses_the_session(client, accounts, web_engine):
    from models.adviser import Adviser

    login(client, accounts["verden"].email)
    assert client.get("/").status_code == 200
    with Session(web_engine) as session:
        adviser = session.get(Adviser, accounts["verden"].id)
        adviser.active = False
        session.add(adviser)
        session.commit()
    assert client.get("/").status_code == 303


def test_readonly_account_sees_lists_but_cannot_change_anything(web_app, client, accounts, web_cases):
    from welcome_center.web.deps import verify_csrf, writer

    # a change route guarded as every change route of the app is (case_routes use the same two)
    @web_app.post("/probe-aendern", dependencies=[Depends(verify_csrf)])
    def probe(actor=Depends(writer)):
        return {"changed_by": actor.email}

    login(client, accounts["readonly"].email)
    overview = client.get("/")
    assert overview.status_code == 200
    assert "Nur Lesezugriff" in overview.text  # the role shown in the header
    assert 'href="/faelle/neu"' not in overview.text
    listing = client.get("/faelle")
    assert web_cases["verden"] in listing.text
    assert client.get("/faelle.csv").status_code == 200
    refused = client.post("/probe-aendern", data={"csrf_token": csrf_token(client)})
    assert refused.status_code == 403
    assert "nur zum Lesen eingerichtet" in refused.text

    client.post("/abmelden", data={"csrf_token": csrf_token(client)})
    login(client, accounts["verden"].email)
    allowed = client.post("/probe-aendern", data={"csrf_token": csrf_token(client)})
    assert allowed.status_code == 200
    assert allowed.json() == {"changed_by": accounts["verden"].email}


def test_adviser_add_cli_creates_an_account_that_can_log_in(cli):
    add = ["adviser", "add", "--name", "Nora Neu", "--email", "nora.neu@welcome-center.example",
           "--district", "osterholz", "--role", "adviser", "--password", "Lang-genug-2026"]
    first = cli(*add)
    assert first.exit_code == 0, first.stderr
    assert "Konto angelegt: Nora Neu" in first.stdout
    again = cli(*add)
    assert again.exit_code == 2
    assert "exists already" in again.stderr
    short = cli(*add[:-1], "kurz")
    assert short.exit_code == 2 and "at least 10 characters" in short.stderr
    listing = cli("adviser", "list")
    assert "nora.neu@welcome-center.example" in listing.stdout

    from services.accounts import log_in
    from models.db import make_engine

    engine = make_engine(f"sqlite:///{cli.home / 'welcome-center.db'}")
    with Session(engine) as session:
        assert log_in(session, email="nora.neu@welcome-center.example", password="Lang-genug-2026").actor.districts == ("osterholz",)
    engine.dispose()


def test_demo_accounts_are_made_once_and_log_in_with_the_printed_password(web_engine):
    from services.accounts import list_advisers, log_in
    from welcome_center.demo.accounts import DEMO_PASSWORD, demo_login_line, ensure_demo_accounts

    first = ensure_demo_accounts(web_engine)
    again = ensure_demo_accounts(web_engine)
    assert [created for _, created in first] == [True] * 4
    assert [created for _, created in again] == [False] * 4
    with Session(web_engine) as session:
        advisers = list_advisers(session)
        assert sorted(a.role for a in advisers) == ["adviser", "adviser", "lead", "readonly"]
        assert all(a.email.endswith("@welcome-center.example") for a in advisers)
        new = log_in(session, email="beratung.verden@welcome-center.example", password=DEMO_PASSWORD)
    assert new.actor.districts == ("verden",)
    line = demo_login_line()
    assert "beratung.verden@welcome-center.example" in line and DEMO_PASSWORD in line


# ------------------------------------------------------------------------------------ the rest of issue #5

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options")
TOO_BIG = 2**63  # one above SQLite's INTEGER (PostgreSQL's INTEGER ends at 2**31 - 1)


def assert_security_headers(response) -> None:
    missing = [name for name in SECURITY_HEADERS if name not in response.headers]
    assert not missing, f"{response.request.url} ({response.status_code}) lacks {missing}"
    assert response.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("tail", [f"unterlagen/{TOO_BIG}", f"briefe/{TOO_BIG}", f"briefe/{TOO_BIG}?format=pdf", f"unterlagen/{10**30}",
                                  f"unterlagen/{2**63 - 1}", f"briefe/{2**31}", f"unterlagen/{2**31 - 1}", "briefe/0",
                                  "unterlagen/-1", "briefe/abc"])
def test_a_document_or_letter_id_out_of_range_is_not_found(client, accounts, web_cases, tail):
    login(client, accounts["verden"].email)
    response = client.get(f"/faelle/{web_cases['verden']}/{tail}")
    assert response.status_code == 404
    assert "Nicht gefunden" in response.text
    assert_security_headers(response)


def test_every_response_carries_the_security_headers_error_pages_and_static_files_too(web_app, client, accounts):
    from fastapi.testclient import TestClient

    @web_app.get("/probe-fehler")
    def broken():
        raise RuntimeError("a bug")

    login(client, accounts["verden"].email)
    responses = [client.get("/"), client.get("/anmelden"), client.get("/faelle/VER-1999-0001"), client.get("/gibt-es-nicht"),
                 client.get("/static/app.css"), client.get("/static/gibt-es-nicht.css"), client.delete("/")]
    assert [r.status_code for r in responses] == [200, 303, 404, 404, 200, 404, 405]
    with TestClient(web_app, raise_server_exceptions=False, follow_redirects=False) as quiet:
        error = quiet.get("/probe-fehler")
    assert error.status_code == 500 and "Interner Fehler" in error.text and "a bug" not in error.text
    for response in [*responses, error]:
        assert_security_headers(response)
    assert error.headers["cache-control"] == "no-store"


def test_file_names_with_control_or_bidi_characters_are_shown_visibly(web_app, client, accounts, web_cases, web_engine):
    """"Zeugnis<U+202E>fdp.exe" displays as "Zeugnisexe.pdf" if the override is obeyed: the pages show
    it as the CLI does (domain.display.visible); Jinja's escaping still applies."""
    from models import Case, Document, IntakeFile

    reference = web_cases["verden"]
    with Session(web_engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        session.add(Document(case_id=case.id, original_name="Zeugnis\u202efdp.exe", stored_name="abc.pdf", kind="pdf",
                             size=1, sha256="a" * 64, source="upload"))
        session.add(IntakeFile(inbox_path=f"{reference}/Pass\u202egnp.<b>x</b>\n.js", case_reference=reference, sha256="b" * 64,
                               size=1, outcome="rejected", reason="kein PDF\x1b[31m", quarantine_path=f"{reference}/x.js"))
        session.commit()
    login(client, accounts["verden"].email)
    pages = {path: client.get(path).text for path in ("/", f"/faelle/{reference}", f"/faelle/{reference}/druck")}
    for path, page in pages.items():
        assert "\u202e" not in page and "\x1b" not in page, path
    assert "Pass&lt;U+202E&gt;gnp.&lt;b&gt;x&lt;/b&gt;\\n.js" in pages["/"]
    assert "kein PDF\\x1b[31m" in pages["/"]
    for path in (f"/faelle/{reference}", f"/faelle/{reference}/druck"):
        assert "Zeugnis&lt;U+202E&gt;fdp.exe" in pages[path], path


def test_a_letter_in_a_language_without_texts_is_refused_not_written_in_english(web_app, client, accounts, web_cases, web_engine,
                                                                               tmp_path):
    from adapters.settings import Settings
    from models import Case, Letter, Person
    from models.db import session_scope
    from models.letter import PersonAddressCreate
    from services.cases import record_consent, set_person_address
    from tests.web_fixtures import TODAY

    web_app.state.settings = Settings(home=tmp_path / "home")
    reference = web_cases["verden"]
    with session_scope(web_engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        person = session.get(Person, case.person_id)
        person.language = "ti"  # Tigrinya: no letter texts (data/letters/), the person's own language
        record_consent(session, person=person, given_on=TODAY, given_by="person", actor="test")
        set_person_address(session, person=person, actor="test",
                           address=PersonAddressCreate(street="Große Straße 1", postcode="27283", city="Verden (Aller)"))
    login(client, accounts["verden"].email)
    token = csrf_token(client, f"/faelle/{reference}")
    refused = client.post(f"/faelle/{reference}/briefe", data={"kind": "checklist", "language": "xx", "csrf_token": token})
    assert refused.status_code == 422
    assert "Für die Sprache „xx“ gibt es keine Brieftexte" in refused.text
    with Session(web_engine) as session:
        assert session.exec(select(Letter)).all() == []
    # the person's own language without texts, as the form preselects it: the documented fallback
    # (the English translation, domain.letters.texts.LetterTexts.translation_for)
    written = client.post(f"/faelle/{reference}/briefe", data={"kind": "checklist", "language": "ti", "csrf_token": token})
    assert written.status_code == 303
    with Session(web_engine) as session:
        assert [letter.language for letter in session.exec(select(Letter)).all()] == ["en"]


def test_the_letter_command_refuses_a_language_without_texts_in_english(cli):
    created = cli("case", "new", "--given-name", "Olena", "--family-name", "Kowalenko", "--birth-date", "1991-03-04",
                  "--district", "verden", "--language", "uk", "--profession", "Pflegefachfrau", "--consent", "--json")
    assert created.exit_code == 0, created.stderr
    reference = json.loads(created.stdout)["reference"]
    result = cli("letter", reference, "checklist", "--lang", "xx")
    assert result.exit_code == 2
    assert "there are no letter texts in 'xx'" in result.stderr and "ar, de, en, ru, uk" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (cli.home / "cases" / reference / "letters").exists()
