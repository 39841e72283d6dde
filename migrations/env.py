"""Alembic environment: the tables come from `models`, the URL from the settings (or the caller)."""

import warnings

from alembic import context
from sqlalchemy.exc import SAWarning
from sqlmodel import SQLModel

import models  # noqa: F401  (registers the tables)
from models.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from adapters.settings import get_settings

    return get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction(), warnings.catch_warnings():
        # A batch migration on SQLite (0010 adds a foreign key to case_event by copying that table)
        # reflects the tables it refers to, and SQLAlchemy cannot reflect their lower(...) search
        # indexes (0005). Those tables are not copied, so the indexes stay; the warning would only
        # be noise at the top of every new installation's first command.
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index",
                                category=SAWarning)
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
