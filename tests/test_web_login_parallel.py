"""Logins against a real server (uvicorn on loopback, with `welcome-center serve`'s proxy options), on
a file-backed SQLite database and on PostgreSQL (issue #5): the limit of five password checks per
address holds when 25 attempts arrive together (uvicorn's thread pool runs them in parallel), and a
client's own X-Forwarded-For does not become its address in the audit trail.

Each password check is counted (and made to take as long as argon2's real cost, so that the
attempts overlap as they would in production); the test fails if the limit is checked before the
attempts are counted, as it was (16-19 checks of 25 in our runs).
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from sqlmodel import Session, select

from tests.conftest import free_port
from tests.test_web_auth import CountingHasher
from tests.web_fixtures import PASSWORD, accounts, web_app, web_engine  # noqa: F401  (fixtures)

PARALLEL = 25
CHECK_SECONDS = 0.15  # argon2-cffi's default cost on a server: 0.1-0.2 s per check
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def password_checks(accounts, monkeypatch) -> CountingHasher:
    import services.accounts

    hasher = CountingHasher(delay=CHECK_SECONDS)
    monkeypatch.setattr(services.accounts, "_hasher", hasher)
    return hasher


@contextmanager
def uvicorn_serving(app, **options):
    """The app under uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **options)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def serve_options(monkeypatch):
    """`welcome-center serve`'s proxy options for a WELCOME_CENTER_TRUSTED_PROXIES (default: none)."""
    from adapters.settings import get_settings
    from welcome_center.cli.web import proxy_options

    def options(trusted: str = "") -> dict:
        monkeypatch.setenv("WELCOME_CENTER_TRUSTED_PROXIES", trusted)
        get_settings.cache_clear()
        try:
            return proxy_options()
        finally:
            monkeypatch.delenv("WELCOME_CENTER_TRUSTED_PROXIES")
            get_settings.cache_clear()

    return options


@pytest.fixture
def server(web_app, serve_options):
    """The app as `welcome-center serve` runs it."""
    with uvicorn_serving(web_app, **serve_options()) as base_url:
        yield base_url


def attempt(base_url: str, email: str, password: str, start: threading.Barrier | None = None, headers=None) -> int:
    """One browser: the form (its CSRF cookie and token), then, when everyone is ready, the POST."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=120, headers=headers) as browser:
        token = _CSRF.search(browser.get("/anmelden").text).group(1)
        if start is not None:
            start.wait(timeout=60)
        response = browser.post("/anmelden", data={"email": email, "password": password, "csrf_token": token, "next": "/"})
        return response.status_code


def login_audit(engine, email: str) -> list[str]:
    from models.audit import AuditEvent

    with Session(engine) as session:
        return [action for action, actor in session.exec(select(AuditEvent.action, AuditEvent.actor)).all()
                if action.startswith("adviser.login") and email in actor]


def test_25_simultaneous_attempts_get_at_most_five_password_checks_and_the_right_password_is_then_refused(
        server, accounts, password_checks, web_engine):
    from services.accounts import MAX_FAILURES

    email = accounts["lead"].email
    start = threading.Barrier(PARALLEL)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(lambda n: attempt(server, email, f"daneben-{n:04d}", start), range(PARALLEL)))
    checks = len(password_checks.checked)
    print(f"\n{PARALLEL} simultaneous wrong passwords: {checks} password checks, "
          f"{statuses.count(401)} answered 401, {statuses.count(429)} answered 429")
    assert checks <= MAX_FAILURES
    assert checks == MAX_FAILURES  # the first five counted are checked, all in the same window
    assert sorted(statuses) == [401] * checks + [429] * (PARALLEL - checks)

    assert attempt(server, email, PASSWORD) == 429  # the right password behind them: locked
    assert len(password_checks.checked) == checks  # ... and refused without a check
    actions = login_audit(web_engine, email)
    assert actions.count("adviser.login_failed") == checks
    assert actions.count("adviser.login_locked") == PARALLEL - checks + 1
    assert "adviser.login" not in actions


def test_a_client_on_loopback_cannot_name_its_own_address_with_x_forwarded_for(web_app, accounts, web_engine, serve_options):
    """uvicorn's own default believes X-Forwarded-For from 127.0.0.1, where every local program (and
    anything a local proxy passes on unchanged) connects from; serve believes it from the configured
    proxies only."""
    from models.audit import AuditEvent

    forged = {"X-Forwarded-For": "203.0.113.66"}
    with uvicorn_serving(web_app, **serve_options()) as base_url:
        assert attempt(base_url, accounts["verden"].email, PASSWORD, headers=forged) == 303
    with uvicorn_serving(web_app, **serve_options("127.0.0.1")) as base_url:  # a TLS proxy on this machine
        assert attempt(base_url, accounts["verden"].email, PASSWORD, headers=forged) == 303
    with Session(web_engine) as session:
        logins = session.exec(select(AuditEvent.after).where(AuditEvent.action == "adviser.login").order_by(AuditEvent.id)).all()
    assert logins == ['{"client": "127.0.0.1"}', '{"client": "203.0.113.66"}']
