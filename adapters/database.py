"""Database set-up for the composition root: migrations (Alembic) and the configured engine."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from adapters.settings import PROJECT_ROOT, get_settings
from domain.errors import InvalidInput
from models.db import engine_for


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the database at `url` (default: the configured one) to the newest schema."""
    command.upgrade(alembic_config(url or get_settings().database_url), "head")


def configured_engine() -> Engine:
    return engine_for(get_settings().database_url)


def schema_revision(engine: Engine) -> tuple[str | None, str]:
    """(the database's revision, the newest revision in migrations/)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    return current, head


def ready_engine() -> Engine:
    """The configured engine with its schema at the newest revision.

    The embedded default (the SQLite file under data/local/) is brought up to date on first use, so a
    newcomer needs no extra step; any other database is left alone and must be upgraded explicitly
    (`welcome-center db upgrade`), because changing a shared database is an administrator's decision.
    """
    settings = get_settings()
    engine = configured_engine()
    current, head = schema_revision(engine)
    if current == head:
        return engine
    if settings.database_url == settings.default_database_url:
        upgrade(settings.database_url)
        return engine
    if not current:
        raise InvalidInput("database.schema_missing", "database", head=head)
    raise InvalidInput("database.schema_outdated", "database", current=current, head=head)
