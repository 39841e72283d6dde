"""Read access is recorded (issue #5, part 6): opening a case page or its print view, downloading a
document or a letter writes an audit entry naming who, when and which case, and no personal value;
the case's Verlauf shows it in German. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from adapters.settings import Settings
from models import AuditEvent, Case, Document, Letter
from welcome_center.demo import samples
from tests.web_fixtures import (  # noqa: F401  (fixtures)
    accounts,
    client,
    login,
    web_app,
    web_cases,
    web_engine,
)


@pytest.fixture
def home(web_app, tmp_path) -> Settings:
    settings = Settings(home=tmp_path / "home")
    web_app.state.settings = settings
    return settings


@pytest.fixture
def files(web_engine, web_cases, home) -> dict[str, int]:
    """A document and a letter (with its PDF) on the Verden case, on disk and in the database."""
    reference = web_cases["verden"]
    folder = home.cases_dir / reference
    (folder / "documents").mkdir(parents=True)
    (folder / "documents" / "abc-Zeugnis.pdf").write_bytes(samples.pdf())
    (folder / "letters").mkdir()
    (folder / "letters" / "brief.docx").write_bytes(samples.docx())
    (folder / "letters" / "brief.pdf").write_bytes(samples.pdf())
    with Session(web_engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        document = Document(case_id=case.id, original_name="Zeugnis Olena Kowalenko.pdf", stored_name="abc-Zeugnis.pdf",
                            kind="pdf", size=1, sha256="a" * 64, source="upload")
        letter = Letter(case_id=case.id, case_reference=reference, kind="checklist", recipient="person", language="de",
                        template="person", subject="Unterlagen", case_state="intake", sha256="b" * 64, size=1,
                        path=f"{reference}/letters/brief.docx", pdf_path=f"{reference}/letters/brief.pdf", actor="test")
        session.add(document)
        session.add(letter)
        session.commit()
        return {"document": document.id, "letter": letter.id}


def reads(engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action.in_(
            ["case.view", "case.print", "document.download", "letter.download"])).order_by(AuditEvent.id)).all())


@pytest.mark.parametrize("path, action, entity", [
    ("", "case.view", "case"),
    ("/druck", "case.print", "case"),
    ("/unterlagen/{document}", "document.download", "document"),
    ("/briefe/{letter}", "letter.download", "letter"),
    ("/briefe/{letter}?format=pdf", "letter.download", "letter"),
])
def test_each_read_of_a_case_is_recorded_with_who_when_and_which_case(client, accounts, web_cases, web_engine, files,
                                                                         path, action, entity):
    reference = web_cases["verden"]
    login(client, accounts["readonly"].email)  # a reader reads too
    response = client.get(f"/faelle/{reference}{path.format(**files)}")
    assert response.status_code == 200
    [entry] = reads(web_engine)
    assert entry.action == action and entry.entity == entity
    assert entry.actor == f"adviser:{accounts['readonly'].email}"
    assert entry.case_reference == reference
    assert entry.entity_id == (files[entity] if entity in files else case_id(web_engine, reference))
    assert entry.at is not None
    # no personal value: neither the person's name nor the file's name is in the entry
    assert entry.before is None and entry.after is None and entry.person_id is None


def case_id(engine, reference: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Case.id).where(Case.reference == reference)).one()


def test_the_verlauf_shows_who_looked_in_german(client, accounts, web_cases, web_engine, files):
    reference = web_cases["verden"]
    login(client, accounts["verden"].email)
    client.get(f"/faelle/{reference}/druck")
    client.get(f"/faelle/{reference}/unterlagen/{files['document']}")
    client.get(f"/faelle/{reference}/briefe/{files['letter']}")
    page = client.get(f"/faelle/{reference}").text
    verlauf = page[page.index('<table class="audit">'):]
    for label in ("Druckansicht geöffnet", "Dokument heruntergeladen", "Brief heruntergeladen", "Fall angesehen"):
        assert f"<td>{label}</td>" in verlauf, label
    assert [e.action for e in reads(web_engine)] == ["case.print", "document.download", "letter.download", "case.view"]


def test_a_refused_read_is_not_recorded_as_one(client, accounts, web_cases, web_engine, files, home):
    """Another district's case, an unknown document, a file missing on disk: nothing was read. (A
    letter without a PDF gets one made on demand; one whose .docx is gone cannot.)"""
    reference = web_cases["verden"]
    login(client, accounts["osterholz"].email)
    assert client.get(f"/faelle/{reference}").status_code == 404
    assert client.get(f"/faelle/{reference}/unterlagen/{files['document']}").status_code == 404
    client.cookies.clear()
    login(client, accounts["verden"].email)
    assert client.get(f"/faelle/{reference}/unterlagen/{files['document'] + 1}").status_code == 404
    with Session(web_engine) as session:
        letter = session.get(Letter, files["letter"])
        letter.pdf_path = None
        session.add(letter)
        session.commit()
    (home.cases_dir / reference / "letters" / "brief.docx").unlink()
    assert client.get(f"/faelle/{reference}/briefe/{files['letter']}?format=pdf").status_code == 404
    assert reads(web_engine) == []


def test_a_letter_without_a_pdf_gets_one_made_when_it_is_downloaded_as_pdf(client, accounts, web_cases, web_engine, files):
    import os

    from adapters.pdf import soffice

    if soffice() is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("LibreOffice (soffice) is not installed")
    reference = web_cases["verden"]
    with Session(web_engine) as session:
        letter = session.get(Letter, files["letter"])
        letter.pdf_path = None
        session.add(letter)
        session.commit()
    login(client, accounts["verden"].email)
    response = client.get(f"/faelle/{reference}/briefe/{files['letter']}?format=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response.headers["content-type"] == "application/pdf"
    with Session(web_engine) as session:
        assert session.get(Letter, files["letter"]).pdf_path == f"{reference}/letters/brief.pdf"
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.case_reference == reference)).all()]
    assert "letter.pdf" in actions and "letter.download" in actions
