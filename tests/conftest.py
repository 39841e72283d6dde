import logging
import os
import shutil
import sys
import traceback
from dataclasses import dataclass
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
    """Environment for running the CLI as a subprocess, as a newcomer would: none of the developer's
    (or these tests') WELCOME_CENTER_* and PREFECT_* settings, so the command finds its own defaults;
    a test adds what it needs (WELCOME_CENTER_HOME at least)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("WELCOME_CENTER_", "PREFECT_"))}
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "200"
    return env


@pytest.fixture(scope="session")
def cli_command():
    return [sys.executable, "-m", "welcome_center"]


# ---------------------------------------------------------------------------- the CLI in this process
#
# Most CLI tests run `welcome-center` in this process with typer's CliRunner: a subprocess costs
# about a second of imports per command and a Prefect temporary server (6-10 s) per flow run; in
# this process the imports happen once and the temporary server starts once per session. A few
# tests keep running the installed command as a subprocess (tests/test_cli.py, "smoke tests"): the
# real entry point, its encoding, its exit codes, Prefect's own output on stderr.
#
# What a command in its own process gets for free, a command here must be given:
# - its environment: only the WELCOME_CENTER_* variables the test names, COLUMNS=200, a working
#   directory without a .env file; variables the command sets itself are removed afterwards;
# - fresh settings and engines: `get_settings` and `engine_for` are cached per process
#   (functools.lru_cache); they are forgotten before and after each command. The loaded data/
#   files (adapters.catalogue, also lru_cache) are kept while that is safe (`_DataCache`);
# - Prefect's home in a temporary folder, set before Prefect is imported (`prefect_home`);
# - what it logs: a process shows what Prefect's console handler on the root logger lets through,
#   CRITICAL and above (adapters.prefect_setup.CONSOLE_LEVEL: a failed task's ERROR line and its
#   traceback stay in the run's log); here those lines are added to the command's stderr. Not seen here: the output
#   of Prefect's temporary server, a process of its own; the smoke test of `intake` checks it;
# - an exception it does not handle: a process prints "Traceback ..." on stderr; CliRunner catches
#   it, and it is added to stderr as Python would print it.


@dataclass(frozen=True)
class CliRun:
    """What a person sees of one command: the exit code, stdout and stderr."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class _Lines(logging.Handler):
    """Log records at the level the CLI gives Prefect's console handler and above, formatted as that
    handler shows them."""

    def __init__(self) -> None:
        from adapters.prefect_setup import CONSOLE_LEVEL

        super().__init__(logging.getLevelName(CONSOLE_LEVEL))
        self.setFormatter(logging.Formatter("%(levelname)-7s | %(name)s - %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


# loggers that show on a terminal without passing through the root logger (prefect/logging/logging.yml)
_UNPROPAGATED_LOGGERS = ("prefect._internal",)


def _data_loaders():
    from adapters import catalogue, docx, rules

    return (catalogue.load_catalogue, catalogue.load_countries, rules.load_checklist_rules, rules.load_reminder_rules,
            docx.load_letter_texts)


class _DataCache:
    """Keeps the loaded data/ files (catalogue, checklists, reminders, letter texts) from one command
    to the next, as long as it is safe: the commands use the project's data/ folder and nothing
    else has loaded or cleared those caches since. Loading them costs about 1.3 s per command,
    which was a fresh process's cost too; the files do not change while the tests run. A command
    with its own WELCOME_CENTER_DATA_DIR starts and ends with empty caches."""

    kept: tuple | None = None

    @classmethod
    def before(cls, data_dir: str | None) -> None:
        if data_dir is not None or cls.kept != cls._state():
            cls.forget()

    @classmethod
    def after(cls, data_dir: str | None) -> None:
        if data_dir is not None:
            cls.forget()
        else:
            cls.kept = cls._state()

    @classmethod
    def forget(cls) -> None:
        for loader in _data_loaders():
            loader.cache_clear()
        cls.kept = None

    @staticmethod
    def _state() -> tuple:
        return tuple((info.misses, info.currsize) for info in (loader.cache_info() for loader in _data_loaders()))


def _forget_settings_and_engines(*, dispose: bool) -> None:
    """Forget the cached settings and engines; with `dispose`, after a command, first close the
    engine it used (its SQLite file). Before a command there is nothing of ours to close (an engine
    is not made just to close it: for the default settings that would create data/local/)."""
    from adapters.settings import get_settings
    from models.db import engine_for

    if dispose and get_settings.cache_info().currsize:
        engine_for(get_settings().database_url).dispose()
    engine_for.cache_clear()
    get_settings.cache_clear()


def _restore_environ(saved: dict[str, str]) -> None:
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


class InProcessCli:
    """`welcome-center` on one state folder (WELCOME_CENTER_HOME), run in this process.

    `cli("case", "show", reference)` returns a `CliRun`; `env=` adds variables for one command, `input=`
    is what the person types (a confirmation)."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.env = dict(env or {})

    def __call__(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> CliRun:
        from typer.testing import CliRunner

        from welcome_center.cli import app, console

        wanted = {"WELCOME_CENTER_HOME": str(self.home), **self.env, **(env or {})}
        data_dir = wanted.get("WELCOME_CENTER_DATA_DIR")
        lines = _Lines()
        loggers = [logging.getLogger(), *map(logging.getLogger, _UNPROPAGATED_LOGGERS)]
        saved_environ = dict(os.environ)
        with pytest.MonkeyPatch.context() as patch:
            for name in [name for name in os.environ if name.startswith("WELCOME_CENTER_")]:
                patch.delenv(name)
            for name, value in wanted.items():
                patch.setenv(name, value)
            patch.setenv("COLUMNS", "200")
            # Rich reads COLUMNS once, when a Console is made (at import); the consoles are module-level
            patch.setattr(console.out, "_width", 200)
            patch.setattr(console.err, "_width", 200)
            patch.chdir(self.home.parent)  # no .env file of the developer's working directory is read
            _forget_settings_and_engines(dispose=False)
            _DataCache.before(data_dir)
            for logger in loggers:
                logger.addHandler(lines)
            try:
                result = CliRunner().invoke(app, list(args), prog_name="welcome-center", input=input)
            finally:
                for logger in loggers:
                    logger.removeHandler(lines)
                _forget_settings_and_engines(dispose=True)
                _DataCache.after(data_dir)
        _restore_environ(saved_environ)  # the command may set variables itself (adapters.prefect_setup)
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(*result.exc_info))
        stderr += "".join(line + "\n" for line in lines.lines)
        return CliRun(result.exit_code, result.stdout, stderr)


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory):
    """Prefect's home for the flow runs of this test session, and Prefect imported.

    The CLI sets Prefect's defaults for the embedded default before Prefect is imported
    (`adapters.prefect_setup`); here they are set the same way, with the home in a temporary folder
    and nothing of the developer's PREFECT_* settings (no PREFECT_API_URL: the temporary server).
    Prefect is imported here, outside CliRunner, so that its console log handler holds this
    process's stderr and not a runner's stream that is closed after one command."""
    from adapters.prefect_setup import EMBEDDED_DEFAULTS

    if "prefect.main" in sys.modules:
        pytest.fail("Prefect was imported before the CLI tests set its home; import flows/ only inside a test")
    home = tmp_path_factory.mktemp("prefect-home")
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("PREFECT_")]:
            patch.delenv(name)
        patch.setenv("PREFECT_HOME", str(home))
        for name, value in EMBEDDED_DEFAULTS.items():
            patch.setenv(name, value)
        import prefect.main  # noqa: F401 - sets up Prefect's logging; see the docstring

        yield home
        from prefect.server.api.server import SubprocessASGIServer

        from adapters.prefect_server import TemporaryServer

        TemporaryServer.stop_running()  # the temporary server of this session's CLI flow runs, if one started
        SubprocessASGIServer().stop()  # Prefect's own, for flows a test calls directly


@pytest.fixture(scope="session")
def cli_at(prefect_home):
    """`cli_at(home, **env)`: the CLI in this process on the state folder `home`, which may be empty
    (the command then makes and migrates its database, as for a newcomer)."""

    def open_cli(home: Path, **env: str) -> InProcessCli:
        home.mkdir(parents=True, exist_ok=True)
        return InProcessCli(home, env)

    return open_cli


@pytest.fixture
def cli(cli_at, tmp_path, sqlite_template):
    """The CLI in this process on a state folder of this test's own, its database already migrated
    (a copy of the session's template: the migrations run once per session, not per test)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "welcome-center.db")
    return cli_at(home)


@pytest.fixture(scope="session")
def texts():
    """The letters' texts of data/letters/ (German and the translations)."""
    from adapters.docx import load_letter_texts_from

    return load_letter_texts_from(ROOT / "data")


@pytest.fixture(scope="session")
def rules():
    """The checklist rules of data/checklists.yaml."""
    from adapters.rules import load_checklist_rules

    return load_checklist_rules(ROOT / "data")


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


def empty_postgres_database(engine) -> None:
    """Every table emptied and every sequence back at 1, as `TRUNCATE ... RESTART IDENTITY` does.

    DELETE rather than TRUNCATE: TRUNCATE gives each of the tables new files, which took 0.15-0.5 s
    per test on a busy machine; deleting the few rows a test wrote takes about 10 ms. The
    append-only trigger of the audit trail is switched off for that transaction (the table owner
    may; no superuser needed) and on again before it commits."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    import models  # noqa: F401 - every table in SQLModel.metadata

    with engine.begin() as connection:
        guarded = connection.execute(
            text("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        ).scalars().all()
        for table in guarded:
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        for table in reversed(SQLModel.metadata.sorted_tables):  # children before parents
            connection.execute(table.delete())
        # the tables of migrations 0011 and 0014 are no SQLModel tables (case_search and report_case_fact
        # follow their case)
        connection.execute(text("DELETE FROM search_word"))
        connection.execute(text("DELETE FROM report_case_dirty"))  # migration 0014: marks, no SQLModel table
        connection.execute(text("DELETE FROM report_person_dirty"))  # migration 0017: the same for persons
        for table in guarded:
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        connection.execute(text(
            "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) FROM pg_sequences"
            " WHERE schemaname = current_schema()"
        ))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template):
    """The URL of an empty, migrated database: a copy of the SQLite template, or the session's
    PostgreSQL database with every table emptied."""
    if request.param == "sqlite":
        path = tmp_path / "welcome-center.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    from models.db import engine_for

    empty_postgres_database(engine_for(url))
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
