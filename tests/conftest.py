import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def catalogue():
    from adapters.catalogue import load_catalogue_from

    return load_catalogue_from(ROOT / "data")


@pytest.fixture(scope="session")
def cli_env():
    """Environment for running the CLI as a subprocess, as a newcomer would."""
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "200"
    return env


@pytest.fixture(scope="session")
def cli_command():
    return [sys.executable, "-m", "welcome_center"]


# ---------------------------------------------------------------------------- databases
#
# Persistence tests run on SQLite always and on PostgreSQL when it is reachable. With CI set, an
# unreachable PostgreSQL is a failure, not a skip (DEVELOPERS.md).

POSTGRES_ADMIN_URL = os.environ.get(
    "WELCOME_CENTER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_reachable() -> str | None:
    """None when reachable, else the reason."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    from adapters.database import upgrade

    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh PostgreSQL database for this test session, migrated to head."""
    reason = _postgres_reachable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {POSTGRES_ADMIN_URL}: {reason}")
        pytest.skip(f"PostgreSQL not reachable ({reason}); these tests run in CI")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from adapters.database import upgrade

    name = f"welcome_center_test_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    from models.db import engine_for

    engine_for.cache_clear()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template):
    """The URL of an empty, migrated database: a copy of the SQLite template, or the session's
    PostgreSQL database with every table emptied."""
    if request.param == "sqlite":
        path = tmp_path / "welcome-center.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    from sqlalchemy import text

    from models.db import engine_for
    from sqlmodel import SQLModel

    import models  # noqa: F401

    engine = engine_for(url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{t}"' for t in SQLModel.metadata.tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return url


@pytest.fixture
def engine(database_url):
    from models.db import engine_for, make_engine

    if database_url.startswith("sqlite"):
        engine = make_engine(database_url)
        yield engine
        engine.dispose()
    else:
        yield engine_for(database_url)


@pytest.fixture
def session(engine):
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        yield session


# ---------------------------------------------------------------------------- a real SMTP server


class MailSink:
    """An aiosmtpd handler that keeps what it receives and can refuse recipients or go slow."""

    def __init__(self) -> None:
        import threading

        self.messages: list = []
        self.refuse: dict[str, str] = {}  # address → SMTP answer, e.g. "550 5.1.1 no such user"
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        from email import message_from_bytes
        from email.policy import default

        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]).strip() for m in self.messages]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback; yields (sink, port)."""
    from aiosmtpd.controller import Controller

    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
