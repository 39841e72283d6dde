"""Demo accounts for the adviser web page: one adviser per district, a lead and a reader.

Invented people, addresses at welcome-center.example, one shared demo password that the demo prints.
Idempotent: an account that exists already is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import select

from domain.access import Role
from models.case import Case
from models.db import session_scope
from services.accounts import adviser_by_email, create_adviser
from services.cases import assign_adviser

DEMO_PASSWORD = "Demo-Anerkennung-2026"  # invented data only; never use it for real accounts
DEMO_ACTOR = "demo:beratung@welcome-center.example"


@dataclass(frozen=True)
class DemoAccount:
    name: str
    email: str
    role: Role
    district: str | None
    phone: str | None = None  # invented, like the districts' numbers in data/districts.yaml
    function: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("Vera Lindemann", "beratung.verden@welcome-center.example", Role.ADVISER, "verden",
                "04231 15-0021", "Beraterin für Berufsanerkennung"),
    DemoAccount("Ole Brinkmann", "beratung.osterholz@welcome-center.example", Role.ADVISER, "osterholz",
                "04791 930-0032", "Berater für Berufsanerkennung"),
    DemoAccount("Lea Hartwig", "leitung@welcome-center.example", Role.LEAD, None, "04231 15-0010", "Leitung Welcome Center"),
    DemoAccount("Rolf Sander", "lesen@welcome-center.example", Role.READONLY, "verden"),
)


def ensure_demo_accounts(engine: Engine) -> list[tuple[DemoAccount, bool]]:
    """Each demo account, and whether this run created it."""
    made = []
    with session_scope(engine) as session:
        for account in DEMO_ACCOUNTS:
            exists = adviser_by_email(session, account.email) is not None
            if not exists:
                create_adviser(
                    session, name=account.name, email=account.email, district=account.district, role=account.role,
                    password=DEMO_PASSWORD, actor=DEMO_ACTOR, phone=account.phone, function=account.function,
                )
            made.append((account, not exists))
    return made


def assign_demo_cases(engine: Engine) -> int:
    """Each case without an adviser goes to its district's demo adviser (the contact person in its
    letters); returns how many were assigned."""
    assigned = 0
    with session_scope(engine) as session:
        advisers = {a.district: adviser_by_email(session, a.email) for a in DEMO_ACCOUNTS if a.role is Role.ADVISER}
        for case in session.exec(select(Case).where(Case.adviser_id.is_(None)).order_by(Case.id)).all():
            if advisers.get(case.district) is not None:
                assign_adviser(session, case=case, adviser=advisers[case.district], actor=DEMO_ACTOR)
                assigned += 1
    return assigned


def demo_login_line() -> str:
    """What the demo prints: where to log in, and with what."""
    first, *others = DEMO_ACCOUNTS
    return (
        f"Web-Seite: welcome-center up (oder nur die Seite: welcome-center serve), dann http://127.0.0.1:8000/anmelden · Anmeldung {first.email} "
        f"mit Passwort {DEMO_PASSWORD} (gleiches Passwort für {', '.join(a.email for a in others)})"
    )
