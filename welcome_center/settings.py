"""Settings from the environment (prefix WELCOME_CENTER_) or a `.env` file in the working directory."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WELCOME_CENTER_", env_file=".env", extra="ignore")

    data_dir: Path = PROJECT_ROOT / "data"
    templates_dir: Path = PROJECT_ROOT / "templates"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
