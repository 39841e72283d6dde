"""The audit trail: every service writes its entry in the caller's transaction, so a change and its
entry commit together or not at all. The trail is append-only (database trigger, migration 0002).

The values of an entry about a person (`before`, `after`: whose name, address, documents, ...) are
sealed with a key of the person's own (adapters/crypto.py, table `person_key`, migration 0015): one
for each case of theirs (the entries about that case) and one for the entries about the person
alone. Every entry added through a session is sealed as it is flushed (the listener below), the bulk
writers seal their rows with `seal_rows`; an entry with values is about a person when it names the
person, or a case of theirs (whose person it then names). `history` opens them for the case page,
the CLI and the access export. Erasing a person (`shred_person_key`) deletes their keys, erasing one
case (`shred_case_keys`) that case's key: the entries stay, with who, when, which action and which
case reference, and their values can no longer be read by anyone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, insert
from sqlmodel import Session, select

from adapters.crypto import CannotOpen, is_sealed, new_key, seal, unseal
from models.audit import AuditEvent, PersonKey
from models.case import Case
from models.selectors import audit_history

ERASED = "[gelöscht]"  # what a value reads as once its person's key is gone


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


# ------------------------------------------------------------------------------------ sealing


def _context(person_id: int, case_reference: str | None) -> str:
    return f"audit:{person_id}:{case_reference or ''}"


_Slot = tuple[int, str]  # (person id, case reference or "")


def _slot(person_id: int, case_reference: str | None) -> _Slot:
    return person_id, case_reference or ""


def _keys(session: Session, slots: Iterable[_Slot], *, create: bool) -> dict[_Slot, bytes]:
    """The keys of these (person, case) slots; with `create`, a new key for each that has none (added
    to the session, so it commits or rolls back with the entries it seals)."""
    wanted = set(slots)
    if not wanted:
        return {}
    persons = sorted({person_id for person_id, _ in wanted})
    found = {(pid, ref): key for pid, ref, key in session.execute(
        select(PersonKey.person_id, PersonKey.case_reference, PersonKey.key).where(PersonKey.person_id.in_(persons))).all()
        if (pid, ref) in wanted}
    for pending in session.new:  # keys added in this session and not yet flushed
        if isinstance(pending, PersonKey) and (pending.person_id, pending.case_reference) in wanted:
            found.setdefault((pending.person_id, pending.case_reference), pending.key)
    if create:
        for pid, ref in sorted(wanted - set(found)):
            found[pid, ref] = new_key()
            session.add(PersonKey(person_id=pid, case_reference=ref, key=found[pid, ref]))
    return found


def _persons_of_cases(session: Session, references: Iterable[str]) -> dict[str, int]:
    references = sorted(set(references))
    if not references:
        return {}
    return dict(session.execute(select(Case.reference, Case.person_id).where(Case.reference.in_(references))).all())


# Entries written by the erasure and the retention run name what was erased (references and counts,
# never a personal value) and must stay readable after it: never sealed.
UNSEALED_ACTIONS = frozenset({"person.erase", "case.erase", "retention.run"})


def seal_rows(session: Session, rows: list[dict]) -> None:
    """Seal the `before` and `after` of audit rows about to be bulk-inserted (dicts with the
    AuditEvent's columns); a row naming only a case reference gets the case's person."""
    valued = [r for r in rows if (r.get("before") is not None or r.get("after") is not None)
              and r.get("action") not in UNSEALED_ACTIONS]
    by_case = _persons_of_cases(session, (r["case_reference"] for r in valued
                                          if r.get("person_id") is None and r.get("case_reference")))
    for row in valued:
        if row.get("person_id") is None and row.get("case_reference"):
            row["person_id"] = by_case.get(row["case_reference"])
    valued = [r for r in valued if r.get("person_id") is not None]
    keys = _keys(session, (_slot(r["person_id"], r.get("case_reference")) for r in valued), create=True)
    if keys:
        session.flush()  # the new keys before the entries that need them
    for row in valued:
        slot = _slot(row["person_id"], row.get("case_reference"))
        for column in ("before", "after"):
            if row.get(column) is not None and not is_sealed(row[column]):
                row[column] = seal(keys[slot], row[column], context=_context(*slot))


@event.listens_for(Session, "before_flush")
def _seal_new_entries(session: Session, _context_unused, _instances) -> None:
    entries = [o for o in session.new if isinstance(o, AuditEvent) and (o.before is not None or o.after is not None)
               and o.action not in UNSEALED_ACTIONS]
    if not entries:
        return
    by_case = _persons_of_cases(session, (e.case_reference for e in entries if e.person_id is None and e.case_reference))
    for entry in entries:
        if entry.person_id is None and entry.case_reference:
            entry.person_id = by_case.get(entry.case_reference)
    needing = [e for e in entries if e.person_id is not None
               and any(v is not None and not is_sealed(v) for v in (e.before, e.after))]
    keys = _keys(session, (_slot(e.person_id, e.case_reference) for e in needing), create=True)
    for entry in needing:
        slot = _slot(entry.person_id, entry.case_reference)
        if entry.before is not None and not is_sealed(entry.before):
            entry.before = seal(keys[slot], entry.before, context=_context(*slot))
        if entry.after is not None and not is_sealed(entry.after):
            entry.after = seal(keys[slot], entry.after, context=_context(*slot))


def insert_entries(session: Session, rows: list[dict]) -> None:
    """Bulk-insert audit rows (dicts of AuditEvent's columns), sealed."""
    if rows:
        seal_rows(session, rows)
        session.execute(insert(AuditEvent.__table__), rows)


# ------------------------------------------------------------------------------------ reading


def opened(session: Session, entries: list[AuditEvent]) -> list[AuditEvent]:
    """Copies of the entries with their values readable (JSON text, as written); a value whose key is
    gone (the person or the case erased) reads as `ERASED`. The copies are not in the session: changing
    one changes nothing stored (the trail is append-only anyway)."""
    keys = _keys(session, {_slot(e.person_id, e.case_reference) for e in entries if e.person_id is not None
                           and (is_sealed(e.before) or is_sealed(e.after))}, create=False)
    out = []
    for entry in entries:
        values = {}
        for column in ("before", "after"):
            value = getattr(entry, column)
            if is_sealed(value):
                slot = _slot(entry.person_id, entry.case_reference) if entry.person_id is not None else None
                key = keys.get(slot)
                try:
                    value = unseal(key, value, context=_context(*slot)) if key else audit_json(ERASED)
                except CannotOpen:
                    value = audit_json(ERASED)
            values[column] = value
        out.append(AuditEvent(id=entry.id, at=entry.at, actor=entry.actor, action=entry.action, entity=entry.entity,
                              entity_id=entry.entity_id, case_reference=entry.case_reference,
                              person_id=entry.person_id, **values))
    return out


def history(session: Session, *, case_reference: str, person_id: int | None = None) -> list[AuditEvent]:
    """Everything recorded about the case (and its person, when given), oldest first, readable."""
    return opened(session, audit_history(session, case_reference=case_reference, person_id=person_id))


def shred_person_key(session: Session, person_id: int) -> bool:
    """Delete every key of the person (their own and their cases'): every value sealed with them is
    unreadable from now on. True if there was one."""
    keys = session.exec(select(PersonKey).where(PersonKey.person_id == person_id)).all()
    for key in keys:
        session.delete(key)
    return bool(keys)


def shred_case_keys(session: Session, references: Iterable[str]) -> int:
    """Delete the keys of these cases (a case erased while its person stays): the values of the
    entries about those cases are unreadable from now on. Returns how many keys went."""
    references = sorted({r for r in references if r})
    if not references:
        return 0
    keys = session.exec(select(PersonKey).where(PersonKey.case_reference.in_(references))).all()
    for key in keys:
        session.delete(key)
    return len(keys)
