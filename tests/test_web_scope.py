"""District scope in the selectors (models.selectors), on SQLite and PostgreSQL: an Osterholz adviser
cannot list, search, load, download from or export a Verden case; a lead sees both districts."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlmodel import Session

from domain.access import ALL_DISTRICTS, Actor, Role
from models import Case, Document, selectors
from models.selectors import NotFound
from tests.web_fixtures import (  # noqa: F401  (fixtures)
    TODAY,
    accounts,
    client,
    csrf_token,
    login,
    make_case,
    sqlite_engine,
    web_app,
    web_cases,
    web_engine,
)


def actor(account) -> Actor:
    return Actor(id=account.id, name=account.name, email=account.email, role=Role(account.role), district=account.district)


def case_id(session, reference: str) -> int:
    from sqlmodel import select

    from models.case import Case

    return session.exec(select(Case.id).where(Case.reference == reference)).one()


@pytest.fixture
def files(web_engine, web_cases):
    """A document and a letter on each district's case."""
    from models.document import Document
    from models.letter import Letter

    made = {}
    with Session(web_engine) as session:
        for district, reference in web_cases.items():
            cid = case_id(session, reference)
            digest = hashlib.sha256(reference.encode()).hexdigest()
            document = Document(case_id=cid, original_name="zeugnis.pdf", kind="pdf", size=10, sha256=digest,
                                stored_name="zeugnis.pdf", source="upload")
            letter = Letter(case_id=cid, case_reference=reference, kind="checklist", recipient="person", language="de",
                            template="person", subject="Unterlagen", case_state="intake", sha256=digest, size=10,
                            path=f"{reference}/letters/checkliste.docx", actor="test")
            session.add(document)
            session.add(letter)
            session.flush()
            made[district] = (document.id, letter.id)
        session.commit()
    return made


def test_the_served_districts_are_the_catalogues(catalogue):
    assert set(ALL_DISTRICTS) == set(catalogue.districts)


def test_an_adviser_works_in_one_district_a_lead_in_both(accounts):
    assert actor(accounts["osterholz"]).districts == ("osterholz",)
    assert actor(accounts["readonly"]).districts == ("verden",)
    assert set(actor(accounts["lead"]).districts) == {"verden", "osterholz"}
    assert actor(accounts["readonly"]).can_write is False
    assert actor(accounts["lead"]).can_write and actor(accounts["verden"]).can_write
    assert actor(accounts["verden"]).audit_name == "adviser:vera.beispiel@welcome-center.example"


def test_osterholz_adviser_cannot_load_a_verden_case_or_its_person(web_engine, accounts, web_cases):
    osterholz, lead = actor(accounts["osterholz"]), actor(accounts["lead"])
    with Session(web_engine) as session:
        with pytest.raises(NotFound):
            selectors.case_by_reference(session, web_cases["verden"], actor=osterholz)
        own = selectors.case_by_reference(session, web_cases["osterholz"].lower(), actor=osterholz)  # as typed
        assert own.district == "osterholz"
        verden_case = selectors.case_by_reference(session, web_cases["verden"], actor=lead)
        assert verden_case.district == "verden"
        with pytest.raises(NotFound):
            selectors.person_by_id(session, verden_case.person_id, actor=osterholz)
        assert selectors.person_by_id(session, verden_case.person_id, actor=lead).family_name == "Kowalenko"
        with pytest.raises(NotFound):
            selectors.case_by_reference(session, "VER-2026-9999", actor=lead)


def test_documents_and_letters_of_another_district_are_not_found(web_engine, accounts, files):
    osterholz, verden, lead = actor(accounts["osterholz"]), actor(accounts["verden"]), actor(accounts["lead"])
    verden_document, verden_letter = files["verden"]
    with Session(web_engine) as session:
        verden_case = session.get(Case, session.get(Document, verden_document).case_id)
        osterholz_case = session.get(Case, session.get(Document, files["osterholz"][0]).case_id)
        with pytest.raises(NotFound):
            selectors.document_by_id(session, verden_document, case=verden_case, actor=osterholz)
        with pytest.raises(NotFound):
            selectors.letter_by_id(session, verden_letter, case=verden_case, actor=osterholz)
        assert selectors.document_by_id(session, verden_document, case=verden_case, actor=verden).original_name == "zeugnis.pdf"
        assert selectors.letter_by_id(session, verden_letter, case=verden_case, actor=lead).kind == "checklist"
        osterholz_document, osterholz_letter = files["osterholz"]
        assert selectors.document_by_id(session, osterholz_document, case=osterholz_case, actor=osterholz).id == osterholz_document
        with pytest.raises(NotFound):
            selectors.letter_by_id(session, osterholz_letter, case=osterholz_case, actor=verden)
        with pytest.raises(NotFound):
            selectors.document_by_id(session, 987654, case=verden_case, actor=lead)
        with pytest.raises(NotFound):  # a document of another case, asked for under this case's reference
            selectors.document_by_id(session, osterholz_document, case=verden_case, actor=lead)


def references(page) -> list[str]:
    return [row.reference for row in page.rows]


def test_lists_and_searches_keep_to_the_district(web_engine, accounts, web_cases):
    osterholz, lead = actor(accounts["osterholz"]), actor(accounts["lead"])
    with Session(web_engine) as session:
        listed = selectors.cases_page(session, actor=osterholz, today=TODAY)
        assert references(listed) == [web_cases["osterholz"]] and listed.total == 1
        nursing = ["pflegefachmann"]  # the occupation key the route finds for "pflege" in the catalogue
        for term in ("Kowalenko", "kowa", "Olena", "olena kowa", web_cases["verden"], "VER-", "krankenschw", "Pflege"):
            found = selectors.cases_page(session, actor=osterholz, search=term, occupation_keys=nursing, today=TODAY)
            assert found.total == 0 and found.rows == [], term
            lead_found = selectors.cases_page(session, actor=lead, search=term, occupation_keys=nursing, today=TODAY)
            assert references(lead_found) == [web_cases["verden"]], term
        asked_for_verden = selectors.cases_page(session, actor=osterholz, district="verden", today=TODAY)
        assert asked_for_verden.total == 0
        assert set(references(selectors.cases_page(session, actor=lead, today=TODAY))) == set(web_cases.values())
        assert references(selectors.cases_page(session, actor=lead, district="osterholz", today=TODAY)) == [web_cases["osterholz"]]
        exported = [row.reference for row in selectors.export_rows(session, actor=osterholz, today=TODAY)]
        assert exported == [web_cases["osterholz"]]
        counts = selectors.state_counts(session, actor=osterholz)
        assert counts == {("osterholz", "intake"): 1}


def test_overview_lists_keep_to_the_district(web_engine, accounts, web_cases):
    """Overdue cases, failed reminders and quarantined files of Verden do not reach Osterholz."""
    from models.case import Case
    from models.document import IntakeFile
    from models.outbox import OutboxMessage

    with Session(web_engine) as session:
        for reference in web_cases.values():
            case = session.get(Case, case_id(session, reference))
            case.next_due = date(2026, 11, 20)
            session.add(case)
            session.add(OutboxMessage(
                case_id=case.id, case_reference=reference, district=case.district, rule="person_documents",
                due_on=date(2026, 11, 24), recipient=f"{reference.lower()}@example.org", recipient_kind="person",
                language="de", subject="Erinnerung", body="…", message_id=f"<{reference}@welcome-center.example>",
                state="failed", last_error="550 5.1.1 unbekannt",
            ))
            session.add(IntakeFile(inbox_path=f"{reference}/virus.exe", case_reference=reference, sha256="0" * 64,
                                   size=3, outcome="rejected", reason="Dateityp nicht erlaubt",
                                   quarantine_path=f"quarantine/{reference}/virus.exe"))
        session.add(IntakeFile(inbox_path="XYZ-2026-0001/scan.pdf", case_reference=None, sha256="1" * 64, size=3,
                               outcome="rejected", reason="kein Fall", quarantine_path="quarantine/XYZ/scan.pdf"))
        session.commit()
        osterholz, lead = actor(accounts["osterholz"]), actor(accounts["lead"])
        overdue, _ = selectors.due_cases(session, actor=osterholz, today=TODAY)
        assert [r.reference for r in overdue] == [web_cases["osterholz"]]
        assert selectors.due_counts(session, actor=osterholz, today=TODAY) == (1, 0)
        failed, failed_total = selectors.failed_reminders(session, actor=osterholz)
        assert [m.case_reference for m in failed] == [web_cases["osterholz"]] and failed_total == 1
        quarantined, quarantined_total = selectors.quarantined_files(session, actor=osterholz)
        assert [f.case_reference for f in quarantined] == [web_cases["osterholz"]] and quarantined_total == 1
        assert selectors.failed_reminders(session, actor=lead)[1] == 2
        assert selectors.quarantined_files(session, actor=lead)[1] == 3  # also the file of no known case


def test_over_http_osterholz_cannot_find_or_export_a_verden_case(client, accounts, web_cases):
    login(client, accounts["osterholz"].email)
    listing = client.get("/faelle")
    assert web_cases["osterholz"] in listing.text
    assert web_cases["verden"] not in listing.text
    search = client.get("/faelle", params={"q": "Kowalenko"})
    assert search.status_code == 200
    assert "Keine Fälle gefunden." in search.text
    assert "Olena" not in search.text and web_cases["verden"] not in search.text
    filtered = client.get("/faelle", params={"district": "verden"})
    assert web_cases["verden"] not in filtered.text
    export = client.get("/faelle.csv")
    assert export.status_code == 200
    assert web_cases["osterholz"] in export.text and web_cases["verden"] not in export.text
    assert "Kowalenko" not in client.get("/faelle.csv", params={"q": "Kowalenko"}).text
    overview = client.get("/")
    assert web_cases["verden"] not in overview.text


def test_over_http_the_lead_sees_both_districts(client, accounts, web_cases):
    login(client, accounts["lead"].email)
    listing = client.get("/faelle")
    assert web_cases["verden"] in listing.text and web_cases["osterholz"] in listing.text
    export = client.get("/faelle.csv").text
    assert web_cases["verden"] in export and web_cases["osterholz"] in export
    only_verden = client.get("/faelle", params={"district": "verden"}).text
    assert web_cases["verden"] in only_verden and web_cases["osterholz"] not in only_verden


def test_a_verden_reader_sees_verden_only(client, accounts, web_cases):
    login(client, accounts["readonly"].email)
    listing = client.get("/faelle").text
    assert web_cases["verden"] in listing and web_cases["osterholz"] not in listing
    assert "Haddad" not in client.get("/faelle.csv").text


def test_the_adviser_filter_offers_only_advisers_of_the_district(client, accounts, web_cases):
    login(client, accounts["osterholz"].email)
    page = client.get("/faelle").text
    assert "Otto Muster" in page and "Vera Beispiel" not in page
    by_adviser = client.get("/faelle", params={"adviser": accounts["verden"].id}).text
    assert web_cases["verden"] not in by_adviser


def test_list_order_and_pages_across_cases_without_deadline(web_engine, accounts):
    """By next deadline, cases without one come last in both directions; pages cut across the two
    parts without losing or repeating a case (the two index ranges of models.selectors.cases_page)."""
    from models.case import Case

    made = []
    for i, due in enumerate([date(2026, 12, 3), None, date(2026, 11, 2), None, date(2026, 11, 30)]):
        made.append(make_case(web_engine, given_name=f"Anna{i}", family_name=f"Zeta{i}", district="osterholz",
                              profession="Elektriker"))
        with Session(web_engine) as session:
            case = session.get(Case, case_id(session, made[-1]))
            case.next_due = due
            session.add(case)
            session.commit()
    osterholz = actor(accounts["osterholz"])
    with Session(web_engine) as session:
        ascending = [r.reference for p in (1, 2, 3) for r in selectors.cases_page(session, actor=osterholz, per_page=2, page=p, today=TODAY).rows]
        descending = [r.reference for p in (1, 2, 3)
                      for r in selectors.cases_page(session, actor=osterholz, per_page=2, page=p, descending=True, today=TODAY).rows]
        by_name = selectors.cases_page(session, actor=osterholz, sort="name", descending=True, today=TODAY)
        overdue = selectors.cases_page(session, actor=osterholz, overdue=True, today=TODAY)
        searched = selectors.cases_page(session, actor=osterholz, search="zeta", per_page=3, page=2, today=TODAY)
    assert ascending == [made[2], made[4], made[0], made[1], made[3]]
    assert descending == [made[0], made[4], made[2], made[3], made[1]]
    assert [r.family_name for r in by_name.rows] == ["Zeta4", "Zeta3", "Zeta2", "Zeta1", "Zeta0"]
    assert [r.reference for r in overdue.rows] == [made[2]] and overdue.total == 1
    assert searched.total == 5 and [r.reference for r in searched.rows] == [made[1], made[3]]
