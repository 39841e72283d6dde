"""Adviser accounts, logins and web sessions (services and selectors), each login event audited.

Passwords are stored as argon2id hashes (argon2-cffi's defaults, RFC 9106's recommended profile).
Failed logins are counted per e-mail address in `login_attempt`: after `MAX_FAILURES` within
`FAILURE_WINDOW` the address is refused without checking the password until the window has passed
(OWASP Authentication Cheat Sheet, "account lockout" with a time limit).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func
from sqlmodel import Session, select

from domain.access import ALL_DISTRICTS, Actor
from domain import validation
from domain.errors import InvalidInput, _clip
from domain.validation import FieldError
from models._types import utc_now
from models.adviser import Adviser, Role
from models.web_session import LoginAttempt, WebSession
from services.audit import record_audit

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
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


def _recent_failures(session: Session, email: str, now: datetime) -> int:
    since = now - FAILURE_WINDOW
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email, LoginAttempt.succeeded)
    ).one()
    if last_success is not None and last_success > since:
        since = last_success
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.email == email, LoginAttempt.at > since, LoginAttempt.succeeded.is_(False)
        )
    ).one()


def log_in(session: Session, *, email: str, password: str, now: datetime | None = None, client: str = "") -> NewSession:
    """A new session for the adviser, or LoginRefused. Every attempt is recorded and audited; the
    caller commits also when LoginRefused is raised, so failures count."""
    now = now or utc_now()
    email = (email or "").strip().lower()[:254]
    where = {"client": client} if client else None
    if _recent_failures(session, email, now) >= MAX_FAILURES:
        session.add(LoginAttempt(email=email, at=now, succeeded=False))
        record_audit(session, actor=f"web:{email}", action="adviser.login_locked", entity="adviser", after=where)
        raise LoginRefused(
            "Zu viele fehlgeschlagene Anmeldungen mit dieser E-Mail-Adresse. "
            "Bitte versuchen Sie es in 15 Minuten erneut.",
            locked=True,
        )
    adviser = adviser_by_email(session, email)
    if adviser is None or not adviser.active or not _password_matches(adviser.password_hash, password or ""):
        session.add(LoginAttempt(email=email, at=now, succeeded=False))
        record_audit(
            session, actor=f"web:{email}", action="adviser.login_failed", entity="adviser",
            entity_id=adviser.id if adviser else None, after=where,
        )
        raise LoginRefused("E-Mail-Adresse oder Passwort ist falsch.")
    if _hasher.check_needs_rehash(adviser.password_hash):
        adviser.password_hash = hash_password(password)
        session.add(adviser)
    session.add(LoginAttempt(email=email, at=now, succeeded=True))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = now + SESSION_LIFETIME
    session.add(WebSession(token_hash=token_hash(token), adviser_id=adviser.id, csrf_token=csrf, created_at=now, expires_at=expires_at))
    actor = adviser.as_actor()
    record_audit(session, actor=actor.audit_name, action="adviser.login", entity="adviser", entity_id=adviser.id, after=where)
    # expired sessions of anyone are cleared on the way
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
