"""Fixtures for the web page tests (tests/test_web_*.py). Import the ones a module uses:

    from tests.web_fixtures import accounts, client, login, web_app, web_cases, web_engine  # noqa: F401

- `web_engine`: the database the app runs on; by default conftest's `engine` (SQLite and PostgreSQL).
  A module that only needs SQLite overrides it: `web_engine = sqlite_web_engine` is not enough for
  pytest, so define `@pytest.fixture def web_engine(sqlite_engine): return sqlite_engine`.
- `accounts`: one adviser per district, a lead and a reader (Verden), with known passwords. While a
  test uses them, passwords are hashed and checked with argon2id at its lowest cost (see there).
- `web_cases`: one case per district (`web_cases["verden"]` is a reference), each assigned to the
  district's adviser, persons with invented names.
- `client`: a TestClient on the app; `login(client, email, password)` logs in through the form.
- `csrf_token(client)`: the session's CSRF token, read from a page as a browser would.
"""

from __future__ import annotations

import functools
import re
import shutil
from dataclasses import dataclass
from datetime import date

import pytest

TODAY = date(2026, 11, 25)  # a Wednesday; the app's clock in these tests
PASSWORD = "Sicher-genug-2026"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    email: str
    password: str
    role: str
    district: str | None


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template):
    from models.db import make_engine

    path = tmp_path / "web.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def web_engine(engine):
    return engine


@functools.cache
def cheap_hasher():
    """argon2id at its lowest cost. The app's hasher (argon2-cffi's defaults: 3 passes over 64 MiB)
    takes 0.1-0.2 s per check by design, and the web tests log in about 180 times; what they test
    is who may log in and what follows, not the cost. test_web_auth checks the app's own hashes."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def accounts(web_engine, monkeypatch) -> dict[str, Account]:
    import services.accounts
    from services.accounts import create_adviser
    from domain.access import Role
    from models.db import session_scope

    hasher = cheap_hasher()
    monkeypatch.setattr(services.accounts, "_hasher", hasher)
    monkeypatch.setattr(services.accounts, "_DUMMY_HASH", hasher.hash("no such adviser"))
    wanted = {
        "verden": ("Vera Beispiel", "vera.beispiel@welcome-center.example", Role.ADVISER, "verden"),
        "osterholz": ("Otto Muster", "otto.muster@welcome-center.example", Role.ADVISER, "osterholz"),
        "lead": ("Lena Leitung", "lena.leitung@welcome-center.example", Role.LEAD, None),
        "readonly": ("Rita Lesend", "rita.lesend@welcome-center.example", Role.READONLY, "verden"),
    }
    made = {}
    with session_scope(web_engine) as session:
        for key, (name, email, role, district) in wanted.items():
            adviser = create_adviser(
                session, name=name, email=email, district=district, role=role, password=PASSWORD, actor="test"
            )
            made[key] = Account(adviser.id, name, email, PASSWORD, role.value, district)
    return made


def make_case(engine, *, given_name: str, family_name: str, district: str, profession: str,
              adviser_id: int | None = None, birth_date: date = date(1990, 5, 17)) -> str:
    """A person and a case in state intake, routed as the CLI would; returns the reference."""
    from models.db import session_scope
    from services.cases import find_or_create_person, open_case
    from adapters.catalogue import load_catalogue

    with session_scope(engine) as session:
        person, _ = find_or_create_person(
            session, actor="test", given_name=given_name, family_name=family_name, birth_date=birth_date,
            language="uk", district=district,
        )
        case = open_case(
            session, person=person, profession_text=profession, catalogue=load_catalogue(), today=TODAY,
            actor="test", adviser_id=adviser_id,
        )
        return case.reference


@pytest.fixture
def web_cases(web_engine, accounts) -> dict[str, str]:
    return {
        "verden": make_case(web_engine, given_name="Olena", family_name="Kowalenko", district="verden",
                            profession="Krankenschwester", adviser_id=accounts["verden"].id),
        "osterholz": make_case(web_engine, given_name="Ahmad", family_name="Haddad", district="osterholz",
                               profession="Elektriker", adviser_id=accounts["osterholz"].id),
    }


@pytest.fixture
def web_app(web_engine):
    from welcome_center.web.app import create_app

    app = create_app(engine=web_engine)
    app.state.clock = lambda: TODAY
    return app


@pytest.fixture
def client(web_app):
    from fastapi.testclient import TestClient

    with TestClient(web_app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def login(client, email: str, password: str = PASSWORD):
    """Log in through the form as a browser would (GET for the form's token, then POST)."""
    page = client.get("/anmelden")
    token = _CSRF.search(page.text).group(1)
    return client.post("/anmelden", data={"email": email, "password": password, "csrf_token": token, "next": "/"})


def csrf_token(client, path: str = "/") -> str:
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, f"no CSRF token on {path} (status {page.status_code})"
    return match.group(1)
