"""Database set-up for the composition root: migrations (Alembic) and the configured engine."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from adapters.settings import PROJECT_ROOT, get_settings
from domain.errors import InvalidInput
from models.db import engine_for

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = PROJECT_ROOT / "migrations" / "versions"


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic only when a migration is looked at or run (0.3 s of imports)

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the database at `url` (default: the configured one) to the newest schema."""
    from alembic import command

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
    if _up_to_date(engine):
        return engine
    current, head = schema_revision(engine)
    if current == head:
        return engine
    if settings.database_url == settings.default_database_url:
        upgrade(settings.database_url)
        return engine
    if not current:
        raise InvalidInput("database.schema_missing", "database", head=head)
    raise InvalidInput("database.schema_outdated", "database", current=current, head=head)


@lru_cache(maxsize=1)
def newest_migration() -> str | None:
    """The revision of the highest-numbered file in migrations/versions (our files are numbered
    0001_, 0002_, … in one line; tests/test_persistence.py checks it is Alembic's head)."""
    files = sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))
    if not files:
        return None
    found = re.search(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", files[-1].read_text(encoding="utf-8"), re.MULTILINE)
    return found.group(1) if found else None


def _up_to_date(engine: Engine) -> bool:
    """The common case answered without Alembic: the database's revision is the newest file's."""
    newest = newest_migration()
    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no table yet: Alembic decides
        return False
    return newest is not None and current == newest
