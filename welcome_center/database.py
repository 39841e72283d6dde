"""Database set-up for the composition root: migrations (Alembic) and the configured engine."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from models.db import engine_for
from welcome_center.settings import PROJECT_ROOT, get_settings


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
