"""The audit trail's values about a person are sealed with the person's key (crypto-shredding,
issue 17): readable through services.audit while the key exists, unreadable once it is destroyed,
and the entries themselves (who, when, which action, which case) stay. Invented names only."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import text
from sqlmodel import Session, select

from models import AuditEvent, PersonKey
from services.audit import ERASED, history, opened, shred_person_key
from services.cases import find_or_create_person, open_case

NAME = "Quelwynka"


def person_and_case(session, catalogue):
    person, _ = find_or_create_person(session, actor="test", given_name="Ilona", family_name=NAME,
                                      birth_date=date(1991, 4, 17), language="uk", district="verden",
                                      email="ilona.q@example.org")
    case = open_case(session, person=person, profession_text="Krankenschwester", catalogue=catalogue,
                     today=date(2026, 12, 1), actor="test")
    session.commit()
    return person, case


def test_the_values_about_a_person_are_stored_sealed_and_read_open(engine, session, catalogue):
    person, case = person_and_case(session, catalogue)
    with engine.connect() as connection:
        raw = " ".join(str(v) for row in connection.execute(text("SELECT before, after FROM audit_event")) for v in row)
    assert NAME not in raw and "1991-04-17" not in raw and "example.org" not in raw
    assert "enc1:" in raw
    trail = history(session, case_reference=case.reference, person_id=person.id)
    assert [e.action for e in trail] == ["person.create", "case.open"]
    assert json.loads(trail[0].after)["family_name"] == NAME


def test_destroying_the_key_leaves_who_when_and_what_but_no_value(engine, session, catalogue):
    person, case = person_and_case(session, catalogue)
    assert shred_person_key(session, person.id) is True
    session.commit()
    assert session.exec(select(PersonKey).where(PersonKey.person_id == person.id)).all() == []
    trail = history(session, case_reference=case.reference, person_id=person.id)
    assert [(e.action, e.actor, e.case_reference) for e in trail] == [
        ("person.create", "test", None), ("case.open", "test", case.reference)]
    assert all(json.loads(e.after) == ERASED for e in trail)
    assert shred_person_key(session, person.id) is False  # nothing left to destroy


def test_an_entry_about_nobody_keeps_its_values_as_written(engine, session):
    from services.audit import record_audit

    record_audit(session, actor="lead", action="adviser.create", entity="adviser", after={"email": "lead@example.org"})
    session.commit()
    [entry] = session.exec(select(AuditEvent)).all()
    assert json.loads(entry.after) == {"email": "lead@example.org"}
    assert opened(session, [entry])[0].after == entry.after


def test_migration_0015_seals_the_values_already_in_the_trail(tmp_path):
    """A trail written before the keys existed (revision 0014) is sealed by the upgrade, and the
    downgrade opens it again."""
    from alembic import command

    from adapters.database import alembic_config, upgrade
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0014")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO person (given_name, family_name, birth_date, language, district, receives_buergergeld,"
            " lives_abroad, name_changed, created_at) VALUES ('Ilona', :name, '1991-04-17', 'uk', 'verden', 0, 0, 0,"
            " '2026-01-01 10:00:00')"), {"name": NAME})
        connection.execute(text(
            "INSERT INTO audit_event (at, actor, action, entity, person_id, after) VALUES"
            " ('2026-01-01 10:00:00', 'test', 'person.create', 'person', 1, :after)"),
            {"after": json.dumps({"family_name": NAME})})
    upgrade(url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT after FROM audit_event")).scalar_one()
    assert stored.startswith("enc1:") and NAME not in stored
    with Session(engine) as session:
        entry = session.exec(select(AuditEvent)).one()
        assert json.loads(opened(session, [entry])[0].after) == {"family_name": NAME}
    command.downgrade(alembic_config(url), "0014")
    with engine.connect() as connection:
        assert json.loads(connection.execute(text("SELECT after FROM audit_event")).scalar_one()) == {"family_name": NAME}
    engine.dispose()


def test_erasing_one_case_makes_its_entries_unreadable_and_keeps_the_others(engine, session, catalogue, tmp_path):
    """Retention erases a closed case while the person has another: the values of the entries about
    the erased case go with its key; the person's own entries and the other case's stay readable."""
    from services.erasure import erase_cases

    person, erased = person_and_case(session, catalogue)
    kept = open_case(session, person=person, profession_text="Erzieherin", catalogue=catalogue,
                     today=date(2026, 12, 2), actor="test")
    session.commit()
    erase_cases(engine, [erased.id], actor="test", reason="Aufbewahrungsfrist abgelaufen", home=tmp_path)
    with Session(engine) as fresh:
        entries = opened(fresh, fresh.exec(select(AuditEvent).order_by(AuditEvent.id)).all())
    values = {(e.action, e.case_reference): e.after for e in entries}
    assert json.loads(values["case.open", erased.reference]) == ERASED
    assert json.loads(values["case.open", kept.reference])["profession_text"] == "Erzieherin"
    assert json.loads(values["person.create", None])["family_name"] == NAME
    erasure = json.loads(values["case.erase", erased.reference])  # the erasure's own entry stays readable
    assert erasure["case_references"] == [erased.reference] and NAME not in values["case.erase", erased.reference]
