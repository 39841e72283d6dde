"""Letters, employers and addresses in the database (SQLite and PostgreSQL), and the batch function."""

import hashlib
import io
from datetime import date, timedelta

import docx
import pytest
from sqlmodel import Session, select

from domain.calendar import lower_saxony_calendar
from domain.deadlines import Period
from domain.errors import InvalidInput
from domain.lifecycle import Event, Outcome
from models import AuditEvent, CaseSme, Document, Letter, PersonAddress
from models._types import checked
from models.db import session_scope
from models.letter import PersonAddressCreate
from services.audit import opened
from services.cases import (
    advance_case,
    find_or_create_person,
    open_case,
    record_consent,
    set_person_address,
)
from services.employers import add_sme, link_sme
from services.letters import LetterJob, LetterKit, select_due, write_letters
from tests.conftest import ROOT

TODAY = date(2026, 11, 25)
CALENDAR = lower_saxony_calendar()


@pytest.fixture(scope="module")
def kit(catalogue):
    """What the batch function needs besides the database: templates parsed once for the module."""
    from adapters.docx import load_checked_templates, load_letter_texts_from
    from adapters.rules import load_checklist_rules

    rules = load_checklist_rules(ROOT / "data")
    texts = load_letter_texts_from(ROOT / "data")
    templates = load_checked_templates(ROOT / "templates" / "letters", texts=texts, today=TODAY)
    return {"rules": rules, "texts": texts, "templates": templates}


def run(engine, kit, catalogue, tmp_path, jobs):
    materials = LetterKit(templates=kit["templates"], texts=kit["texts"], catalogue=catalogue, rules=kit["rules"],
                          cases_dir=tmp_path / "cases")
    return write_letters(jobs, engine=engine, kit=materials, today=TODAY, actor="test:letters")


def new_case(session, catalogue, *, given="Olena", family="Shevchenko", district="verden", language="uk",
             profession="Pflegefachfrau", address=True, consent=True, events=(Event.COLLECT,), outcome=None):
    person, _ = find_or_create_person(
        session, actor="test", given_name=given, family_name=family, birth_date=date(1991, 3, 4), language=language,
        district=district, sex="f", receives_buergergeld=True,
    )
    if consent:
        record_consent(session, person=person, given_on=TODAY - timedelta(days=40), given_by="person", actor="test")
    if address:
        set_person_address(session, person=person, address=PersonAddressCreate(street="Bahnhofstraße 12", postcode="27283", city="Verden (Aller)"), actor="test")
    case = open_case(session, person=person, profession_text=profession, catalogue=catalogue, today=TODAY, actor="test")
    day = TODAY - timedelta(days=30)
    for event in events:
        advance_case(session, case=case, event=event, on=day, actor="test", calendar=CALENDAR,
                     outcome=outcome if event is Event.DECIDE else None)
    return case


# ---------------------------------------------------------------------------------- employers, addresses


def test_an_employer_is_added_once_and_linked_with_the_persons_agreement(engine, catalogue):
    with session_scope(engine) as session:
        case = new_case(session, catalogue)
        sme, created = add_sme(session, actor="test", name=" Pflegedienst  Allerblick GmbH", street="Am Markt 1",
                               postcode="27283", city="Verden (Aller)", contact_person="Frau Kruse", email="info@allerblick.example")
        again, created_again = add_sme(session, actor="test", name="Pflegedienst Allerblick GmbH", postcode="27283",
                                       contact_person="Herr Anders", phone="04231 1234")
        assert created and not created_again and again.id == sme.id and sme.name == "Pflegedienst Allerblick GmbH"
        assert (again.contact_person, again.phone) == ("Frau Kruse", "04231 1234")  # kept, and filled in
        link_sme(session, case=case, sme=sme, actor="test")
        link_sme(session, case=case, sme=sme, actor="test", agreed_on=TODAY)
    with Session(engine) as session:
        links = session.exec(select(CaseSme)).all()
        assert [(link.sme_id, link.person_agreed_on) for link in links] == [(sme.id, TODAY)]
        actions = [a.action for a in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
        assert actions.count("sme.add") == 1 and actions.count("sme.complete") == 1 and actions.count("case.sme_link") == 2


@pytest.mark.parametrize(("field", "values"), [
    ("postcode", {"postcode": "2728"}),
    ("email", {"email": "info at example"}),
    ("name", {"name": "  "}),
])
def test_an_employer_with_a_bad_field_is_refused_naming_it(engine, field, values):
    arguments = {"name": "Betrieb", "postcode": "27283", **values}
    with session_scope(engine) as session, pytest.raises(InvalidInput) as refused:
        add_sme(session, actor="test", **arguments)
    assert refused.value.field == field


def test_the_persons_address_is_stored_and_corrected_with_audit(engine, catalogue):
    with session_scope(engine) as session:
        case = new_case(session, catalogue)
        person_id = case.person_id
        from models import Person

        person = session.get(Person, person_id)
        set_person_address(session, person=person, address=PersonAddressCreate(street="Lindenweg 3", postcode="28832", city="Achim", addition="c/o Müller"), actor="test")
        refused = checked(PersonAddressCreate, {"street": "x", "postcode": "ABC", "city": ""})
        assert [(e.field, e.message_de) for e in refused] == [
            ("postcode", "„ABC“ ist keine deutsche Postleitzahl (5 Ziffern, z. B. 27283)"),
            ("city", "fehlt; ein Brief braucht Straße, Postleitzahl und Ort"),
        ]
    with Session(engine) as session:
        address = session.get(PersonAddress, person_id)
        assert (address.street, address.postcode, address.city, address.addition) == ("Lindenweg 3", "28832", "Achim", "c/o Müller")
        audits = opened(session, session.exec(select(AuditEvent).where(AuditEvent.action == "person.address")).all())
        assert len(audits) == 2 and audits[1].before is not None


# ---------------------------------------------------------------------------------- letters


def test_a_batch_writes_the_due_letters_with_checksum_kind_language_and_state(engine, catalogue, kit, tmp_path):
    with session_scope(engine) as session:
        collecting = new_case(session, catalogue)
        session.add(Document(case_id=collecting.id, item_key="lebenslauf", original_name="cv.pdf", kind="pdf", size=1,
                             sha256="a" * 64, stored_name="a.pdf", source="cli"))
        advance_case(session, case=collecting, event=Event.SET_DEADLINE, on=TODAY - timedelta(days=3), actor="test",
                     calendar=CALENDAR, period=Period(days=21))
        decided = new_case(session, catalogue, given="Amal", family="Haddad", language="ar", profession="Elektriker", events=(
            Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS, Event.DECIDE,
        ), outcome=Outcome.PARTIAL_EQUIVALENCE)
        sme, _ = add_sme(session, actor="test", name="Elektro Wümme", street="Am Wall 2", postcode="27711",
                         city="Osterholz-Scharmbeck", contact_person="Herr Harms")
        link_sme(session, case=decided, sme=sme, actor="test", agreed_on=TODAY)

    results = run(engine, kit, catalogue, tmp_path, select_due(engine))
    assert sorted((r.case_reference, r.kind, r.outcome) for r in results) == sorted([
        (decided.reference, "outcome", "written"), (decided.reference, "sme_guidance", "written"),
        (collecting.reference, "checklist", "written"),
    ])
    with Session(engine) as session:
        rows = {row.kind: row for row in session.exec(select(Letter)).all()}
        audits = opened(session, session.exec(select(AuditEvent).where(AuditEvent.action == "letter.write")).all())
    checklist_row = rows["checklist"]
    assert (checklist_row.language, checklist_row.case_state, checklist_row.recipient, checklist_row.template) == (
        "uk", "collecting_documents", "person", "person")
    assert rows["outcome"].language == "ar" and rows["sme_guidance"].recipient == f"sme:{sme.id}"
    assert rows["sme_guidance"].sme_id == sme.id and rows["sme_guidance"].language == "de"
    assert len(audits) == 3
    for row in rows.values():
        data = (tmp_path / "cases" / row.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256 and len(data) == row.size
        assert row.path.startswith(f"{row.case_reference}/letters/{row.case_reference}_2026-11-25_")
    document = docx.Document(io.BytesIO((tmp_path / "cases" / checklist_row.path).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "bis zum " in text and "Tabellarischer Lebenslauf" not in text.split("Was noch fehlt")[1].split("Bis wann")[0]


def test_running_the_due_letters_again_writes_nothing_until_the_state_changes(engine, catalogue, kit, tmp_path):
    with session_scope(engine) as session:
        case = new_case(session, catalogue)
    first = run(engine, kit, catalogue, tmp_path, select_due(engine))
    assert [r.outcome for r in first] == ["written"]
    assert run(engine, kit, catalogue, tmp_path, select_due(engine)) == []
    with session_scope(engine) as session:
        from models import Case

        stored = session.get(Case, case.id)
        advance_case(session, case=stored, event=Event.READY, on=TODAY, actor="test", calendar=CALENDAR)
    second = run(engine, kit, catalogue, tmp_path, select_due(engine))
    assert sorted((r.kind, r.outcome) for r in second) == [("body_cover", "refused"), ("next_steps", "written")]
    assert next(r for r in second if r.kind == "body_cover").field == "enclosures"


def test_a_refused_letter_names_the_field_and_the_batch_goes_on(engine, catalogue, kit, tmp_path):
    with session_scope(engine) as session:
        homeless = new_case(session, catalogue, given="Iryna", family="Boiko", address=False)
        housed = new_case(session, catalogue, given="Oksana", family="Melnyk")
    results = run(engine, kit, catalogue, tmp_path, select_due(engine))
    by_case = {r.case_reference: r for r in results}
    assert by_case[homeless.reference].outcome == "refused" and by_case[homeless.reference].field == "person.street"
    assert "welcome-center address" in by_case[homeless.reference].reason
    assert by_case[housed.reference].outcome == "written"
    with Session(engine) as session:
        assert [row.case_reference for row in session.exec(select(Letter)).all()] == [housed.reference]


def test_the_same_letter_asked_for_again_is_recognised_not_stored_twice(engine, catalogue, kit, tmp_path):
    with session_scope(engine) as session:
        case = new_case(session, catalogue)
    job = LetterJob(case.id, "checklist", language="ru")
    first = run(engine, kit, catalogue, tmp_path, [job])
    second = run(engine, kit, catalogue, tmp_path, [job])
    assert first[0].outcome == "written" and first[0].language == "ru"
    assert second[0].outcome == "unchanged" and second[0].path == first[0].path
    german = run(engine, kit, catalogue, tmp_path, [LetterJob(case.id, "checklist", language="de")])
    assert german[0].outcome == "written" and german[0].sha256 != first[0].sha256
    with Session(engine) as session:
        assert len(session.exec(select(Letter)).all()) == 2


def test_an_explicit_letter_the_case_cannot_have_yet_is_refused(engine, catalogue, kit, tmp_path):
    with session_scope(engine) as session:
        case = new_case(session, catalogue)
    results = run(engine, kit, catalogue, tmp_path, [LetterJob(case.id, "outcome"), LetterJob(case.id, "sme_guidance", sme_id=5)])
    assert [(r.kind, r.outcome, r.field) for r in results] == [("outcome", "refused", "outcome"), ("sme_guidance", "refused", "outcome")]


def test_a_deadline_too_close_refuses_the_checklist_letter_until_the_adviser_sets_a_new_one(engine, catalogue, kit, tmp_path):
    with session_scope(engine) as session:
        case = new_case(session, catalogue)
        advance_case(session, case=case, event=Event.SET_DEADLINE, on=TODAY - timedelta(days=10), actor="test",
                     calendar=CALENDAR, period=Period(days=14))  # due 29.11.2026, a Sunday: the next working day
    refused = run(engine, kit, catalogue, tmp_path, [LetterJob(case.id)])
    assert [(r.kind, r.outcome, r.field) for r in refused] == [("checklist", "refused", "deadline")]
    assert "set_deadline" in refused[0].reason and "Arbeitstage" in refused[0].reason_de
    with session_scope(engine) as session:
        from models import Case

        advance_case(session, case=session.get(Case, case.id), event=Event.SET_DEADLINE, on=TODAY, actor="test",
                     calendar=CALENDAR, period=Period(weeks=4))
    written = run(engine, kit, catalogue, tmp_path, [LetterJob(case.id, "checklist")])
    assert written[0].outcome == "written"
    document = docx.Document(io.BytesIO((tmp_path / "cases" / written[0].path).read_bytes()))
    assert "bis zum 23.12.2026" in "\n".join(p.text for p in document.paragraphs)
    stricter = LetterKit(templates=kit["templates"], texts=kit["texts"], catalogue=catalogue, rules=kit["rules"],
                         cases_dir=tmp_path / "cases", min_working_days=25)
    again = write_letters([LetterJob(case.id, "checklist", language="ru")], engine=engine, kit=stricter, today=TODAY,
                          actor="test:letters")
    assert (again[0].outcome, again[0].field) == ("refused", "deadline")
