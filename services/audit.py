"""The audit trail: every service writes its entry in the caller's transaction, so a change and its
entry commit together or not at all. The trail is append-only (database trigger, migration 0002)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from models.audit import AuditEvent


def audit_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def record_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    case_reference: str | None = None,
    person_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    session.add(
        AuditEvent(
            actor=actor, action=action, entity=entity, entity_id=entity_id, case_reference=case_reference,
            person_id=person_id, before=audit_json(before), after=audit_json(after),
        )
    )
