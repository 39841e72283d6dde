"""Settings from the environment (prefix WELCOME_CENTER_) or a `.env` file in the working directory."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.errors import InvalidInput, _clip

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WELCOME_CENTER_", env_file=".env", extra="ignore")

    data_dir: Path = PROJECT_ROOT / "data"
    templates_dir: Path = PROJECT_ROOT / "templates"
    # Where the embedded default keeps its state: the SQLite file, inbox, case folders, quarantine,
    # Prefect's home. Not in git (data/local/ is ignored).
    home: Path = PROJECT_ROOT / "data" / "local"
    database_url: str = ""  # default: sqlite:///<home>/welcome-center.db
    max_file_bytes: int = 20 * 1024 * 1024  # inbox and upload limit per file
    # The CSV import reads a file in bounded memory whatever its size; the limit keeps a wrong file (a
    # disk image, a log) from running for an hour. 512 MB are about 3.5 million rows.
    max_import_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    # An inbox file is taken only when it has not changed for this long (a copy still running is
    # left for the next run; services/intake.py says why this holds for USB copies and SMB shares).
    intake_settle_seconds: float = Field(default=10.0, ge=0)
    actor: str = ""  # who the CLI acts as in the audit trail; default cli:<login name>

    # Mail (reminders). The default points at a local development server:
    #   python -m aiosmtpd -n -l 127.0.0.1:8025
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = 10.0
    mail_domain: str = "welcome-center.example"  # right-hand side of the Message-IDs
    # The monthly report (flows/reports.py) mails the suppressed workbook to this address, the
    # Kommunales Jobcenter's contact; empty (the default): no mail, the files are written all the same.
    jobcenter_report_email: str = ""
    reminder_lease_seconds: int = 300  # a killed run's claim is taken again after this (on its own host at once)
    reminder_backoff_seconds: int = 300  # first retry after a temporary refusal (doubling each time)
    reminder_max_attempts: int = 5  # temporary refusals before a mail is marked failed
    reminder_lookback_days: int = 400  # overdue deadlines older than this are no longer reminded
    # A deadline a letter gives the person lies at least this many working days (Lower Saxony) after
    # the letter's date; a letter with a closer or past deadline is refused until a new one is set.
    letter_min_working_days: int = Field(default=10, ge=0)

    # The web page behind a reverse proxy: the proxies' addresses, comma-separated (e.g. "127.0.0.1"
    # for a TLS proxy on the same machine; networks such as "10.0.0.0/24" too). Only a request
    # from one of them is believed about the client's address (X-Forwarded-For) and https
    # (X-Forwarded-Proto); by default nobody is, and the socket's address is the client's.
    trusted_proxies: str = ""
    # The Prefect UI's address as the advisers' browsers reach it, for the "Läufe" page and `runs`
    # to link to; default: PREFECT_API_URL without its trailing /api.
    prefect_ui_url: str = ""

    def model_post_init(self, __context) -> None:
        if not self.database_url:
            self.database_url = self.default_database_url

    @property
    def default_database_url(self) -> str:
        return f"sqlite:///{self.home / 'welcome-center.db'}"

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """WELCOME_CENTER_TRUSTED_PROXIES as networks; InvalidInput names an entry that is none ("*" too:
        trusting every client would let each name its own address)."""
        networks = []
        for entry in (part.strip() for part in self.trusted_proxies.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise InvalidInput("settings.trusted_proxies", "WELCOME_CENTER_TRUSTED_PROXIES", value=_clip(entry, 60)) from None
        return tuple(networks)

    @property
    def inbox_dir(self) -> Path:
        return self.home / "inbox"

    @property
    def cases_dir(self) -> Path:
        return self.home / "cases"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
