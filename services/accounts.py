"""Adviser accounts, logins and web sessions (services and selectors), each login event audited.

Passwords are stored as argon2id hashes (argon2-cffi's defaults, RFC 9106's recommended profile).

Login attempts are limited per e-mail address (OWASP Authentication Cheat Sheet, "account lockout"
with a time limit): at most `MAX_FAILURES` password checks in a window of `FAILURE_WINDOW` from the
first attempt; the `MAX_FAILURES`-th failure locks the address for `LOCK_DURATION`. The limit protects
the password, so it is checked and counted together: each attempt is counted by one atomic statement
in `login_throttle`, committed before the password is checked, and only an attempt whose number is
within the limit gets a check. Parallel attempts therefore get at most `MAX_FAILURES` checks, on
SQLite (one writer) and PostgreSQL (the row's lock of ON CONFLICT DO UPDATE) alike. Attempts during
a lock are refused without a check and do not move the lock's end, so nobody can keep an account
locked for longer than `LOCK_DURATION` after its window's fifth failure. A success clears the count.

An unknown or deactivated address costs the same argon2 verification as a known one (against
`_DUMMY_HASH`, made with the same parameters), so the answer's time does not tell which addresses
have accounts.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import and_, case, delete, literal, null, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain import validation
from domain.access import ALL_DISTRICTS, Actor
from domain.errors import InvalidInput, _clip
from domain.validation import FieldError
from models._types import UTCDateTime, utc_now
from models.adviser import Adviser, Role
from models.web_session import LoginThrottle, WebSession
from services.audit import record_audit

MAX_FAILURES = 5  # password checks per address and window
FAILURE_WINDOW = timedelta(minutes=15)  # from the window's first attempt
LOCK_DURATION = timedelta(minutes=15)  # from the failure that reached MAX_FAILURES
SESSION_LIFETIME = timedelta(hours=10)  # one working day; then log in again
MIN_PASSWORD_LENGTH = 10
MAX_FUNCTION_LENGTH = 100  # adviser.function (migration 0007)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
# verified against when the e-mail is unknown, so an unknown address takes as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored`; with no stored hash (unknown or deactivated address) the
    same verification runs against `_DUMMY_HASH` and the answer is no."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------------------------ advisers


def create_adviser(
    session: Session, *, name: str, email: str, district: str | None, role: Role, password: str, actor: str,
    phone: str | None = None, function: str | None = None,
) -> Adviser:
    """A new adviser account. An adviser and a reader work for one district; a lead for all. The phone
    and the function are what the letters of the adviser's cases print: the phone in the information
    block, the function under the signature ("Beraterin für Berufsanerkennung")."""
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if not name:
        raise InvalidInput("adviser.name_missing", "--name")
    try:
        phone = validation.phone(phone)
    except FieldError as error:
        raise FieldError(error.code, "--phone", typed=phone, **error.params) from None
    function = validation.free_text("--function", function, limit=MAX_FUNCTION_LENGTH)
    if not EMAIL.match(email):
        raise InvalidInput("adviser.email", "--email", value=_clip(email, 60))
    if role == Role.LEAD:
        district = None
    elif district not in ALL_DISTRICTS:
        raise InvalidInput("adviser.district", "--district", role=role.value, known=list(ALL_DISTRICTS))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("adviser.password", "--password", limit=MIN_PASSWORD_LENGTH)
    if session.exec(select(Adviser.id).where(Adviser.email == email)).first() is not None:
        raise InvalidInput("adviser.exists", "--email", value=_clip(email, 60))
    adviser = Adviser(name=name, email=email, district=district, role=role.value, password_hash=hash_password(password),
                      phone=phone, function=function)
    session.add(adviser)
    session.flush()
    record_audit(
        session, actor=actor, action="adviser.create", entity="adviser", entity_id=adviser.id,
        after={"name": name, "email": email, "district": district, "role": role.value, "phone": phone, "function": function},
    )
    return adviser


def adviser_by_email(session: Session, email: str) -> Adviser | None:
    return session.exec(select(Adviser).where(Adviser.email == (email or "").strip().lower())).first()


def list_advisers(session: Session) -> list[Adviser]:
    return list(session.exec(select(Adviser).order_by(Adviser.district, Adviser.name)).all())


# ------------------------------------------------------------------------------------ logins


class LoginRefused(Exception):
    """Wrong e-mail or password, or too many failures: the message is what the page shows."""

    def __init__(self, message_de: str, *, locked: bool = False) -> None:
        super().__init__(message_de)
        self.message_de = message_de
        self.locked = locked


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str
    expires_at: datetime
    actor: Actor


LOCKED_DE = ("Zu viele fehlgeschlagene Anmeldungen mit dieser E-Mail-Adresse. "
             "Bitte versuchen Sie es in 15 Minuten erneut.")


@dataclass(frozen=True)
class _Counted:
    number: int  # this attempt's number in the window (unchanged while locked)
    locked_until: datetime | None

    def refused(self, now: datetime) -> bool:
        return (self.locked_until is not None and self.locked_until > now) or self.number > MAX_FAILURES


def _count_attempt(engine: Engine, email: str, now: datetime) -> _Counted:
    """Count one attempt on `email` and read its lock, in one statement and its own transaction,
    committed before the caller checks a password (a count in the caller's transaction would be seen
    by parallel attempts only after their own checks).

    While the address is locked the row stays as it is (the lock is not extended). When the window
    has passed or the lock has ended, the attempt starts a new window as number 1. Otherwise the
    count goes up by one."""
    table = LoginThrottle.__table__
    c = table.c
    at = literal(now, UTCDateTime())
    locked = and_(c.locked_until.is_not(None), c.locked_until > at)
    fresh = or_(c.window_start <= literal(now - FAILURE_WINDOW, UTCDateTime()), c.locked_until.is_not(None))
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(email=email, window_start=now, attempts=1, locked_until=None)
        .on_conflict_do_update(
            index_elements=[c.email],
            set_={  # every right-hand side reads the row as it was; `fresh` only where not `locked`
                "attempts": case((locked, c.attempts), (fresh, 1), else_=c.attempts + 1),
                "window_start": case((locked, c.window_start), (fresh, at), else_=c.window_start),
                "locked_until": case((locked, c.locked_until), else_=null()),
            },
        )
        .returning(c.attempts, c.locked_until)
    )
    with engine.begin() as connection:
        number, locked_until = connection.execute(statement).one()
    return _Counted(number, locked_until)


def log_in(session: Session, *, email: str, password: str, now: datetime | None = None, client: str = "") -> NewSession:
    """A new session for the adviser, or LoginRefused. Every attempt is counted and audited.

    The attempt is counted first, in its own transaction on the session's engine (see the module
    docstring); call this with no uncommitted writes in `session` (on SQLite they would hold the
    one write lock the count needs). The audit entry, the lock set by a failure and the new session
    are written in `session`: the caller commits also when LoginRefused is raised."""
    now = now or utc_now()
    email = (email or "").strip().lower()[:254]
    where = {"client": client} if client else None
    counted = _count_attempt(session.get_bind(), email, now)
    if counted.refused(now):
        record_audit(session, actor=f"web:{email}", action="adviser.login_locked", entity="adviser", after=where)
        raise LoginRefused(LOCKED_DE, locked=True)
    adviser = adviser_by_email(session, email)
    usable = adviser is not None and adviser.active
    if not _password_matches(adviser.password_hash if usable else None, password or ""):
        if counted.number >= MAX_FAILURES:
            # the lock runs from this failure; not when a success has cleared the count meanwhile
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.email == email, LoginThrottle.attempts >= MAX_FAILURES)
                .values(locked_until=now + LOCK_DURATION)
            )
        record_audit(
            session, actor=f"web:{email}", action="adviser.login_failed", entity="adviser",
            entity_id=adviser.id if adviser else None, after=where,
        )
        raise LoginRefused("E-Mail-Adresse oder Passwort ist falsch.")
    if _hasher.check_needs_rehash(adviser.password_hash):
        adviser.password_hash = hash_password(password)
        session.add(adviser)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = now + SESSION_LIFETIME
    session.add(WebSession(token_hash=token_hash(token), adviser_id=adviser.id, csrf_token=csrf, created_at=now, expires_at=expires_at))
    actor = adviser.as_actor()
    record_audit(session, actor=actor.audit_name, action="adviser.login", entity="adviser", entity_id=adviser.id, after=where)
    # a success clears the address's count; expired sessions and counts of anyone are cleared on the way
    session.execute(delete(LoginThrottle).where(LoginThrottle.email == email))
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_start < now - FAILURE_WINDOW,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
    ))
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return NewSession(token=token, csrf_token=csrf, expires_at=expires_at, actor=actor)


@dataclass(frozen=True)
class ActiveSession:
    id: int
    csrf_token: str
    actor: Actor


def session_for_token(session: Session, token: str | None, *, now: datetime | None = None) -> ActiveSession | None:
    """The live session behind a cookie's token, or None (unknown, expired, or adviser deactivated)."""
    if not token or len(token) > 200:
        return None
    now = now or utc_now()
    row = session.exec(
        select(WebSession, Adviser)
        .join(Adviser, Adviser.id == WebSession.adviser_id)
        .where(WebSession.token_hash == token_hash(token), WebSession.expires_at > now, Adviser.active)
    ).first()
    if row is None:
        return None
    web_session, adviser = row
    return ActiveSession(id=web_session.id, csrf_token=web_session.csrf_token, actor=adviser.as_actor())


def log_out(session: Session, *, token: str | None) -> Actor | None:
    """Delete the session (the cookie's token is worthless from now on) and audit the logout."""
    active = session_for_token(session, token)
    if active is None:
        return None
    session.execute(delete(WebSession).where(WebSession.id == active.id))
    record_audit(session, actor=active.actor.audit_name, action="adviser.logout", entity="adviser", entity_id=active.actor.id)
    return active.actor
