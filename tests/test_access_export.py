"""The access export (Art. 15 DSGVO): a person with two cases, consents, an address, documents taken in
through the upload service (one of them later lost on disk, one turned away into quarantine), letters
written by the letter service (one with its PDF), a mail in the outbox, an employer link and the audit
entries all that wrote; exported; the ZIP opened and compared with what the database holds, read
generically table by table (a table or a column added later and not exported fails here), and every
file byte for byte. Then the doors: the command line's refusals and the case page's button."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import MetaData, or_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import SAWarning
from sqlmodel import Session, select

from adapters.pdf import convert_to_pdf, soffice
from domain.access_export import LABELS, zip_member
from domain.calendar import lower_saxony_calendar
from domain.deadlines import Period
from domain.lifecycle import Event
from models import AuditEvent, Case, Document, OutboxMessage, Person
from models.db import session_scope
from models.letter import PersonAddressCreate
from models.selectors import checklist_profile
from services.access_export import export_person
from services.audit import history, opened, record_audit
from services.cases import add_appointment, advance_case, find_or_create_person, open_case, record_consent, set_person_address
from services.employers import add_sme, link_sme
from services.intake import take_in_upload
from services.letters import LetterJob, LetterKit, make_pdfs, write_letters
from tests.conftest import ROOT
from tests.web_fixtures import accounts, client, csrf_token, login, web_app, web_cases, web_engine  # noqa: F401 - fixtures
from welcome_center.demo import samples

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
GIVEN, FAMILY = "Oleksandra", "Tkachenko-Wyrwa"  # invented
NOT_EXPORTED = {
    "person_key": "the key that seals the person's audit entries: a secret, no value about them",
    "audit_event": "compared through services.audit.history (the stored values are sealed)",
}


@pytest.fixture(scope="module")
def kit(catalogue):
    from adapters.docx import load_checked_templates, load_letter_texts_from
    from adapters.rules import load_checklist_rules

    texts = load_letter_texts_from(ROOT / "data")
    return {"rules": load_checklist_rules(ROOT / "data"), "texts": texts,
            "templates": load_checked_templates(ROOT / "templates" / "letters", texts=texts, today=TODAY)}


@pytest.fixture
def place(tmp_path):
    folders = {name: tmp_path / name for name in ("cases", "quarantine")}
    for folder in folders.values():
        folder.mkdir()
    return folders


def upload(engine, reference: str, name: str, content: bytes, place, rules):
    with Session(engine, expire_on_commit=False) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        person = session.get(Person, case.person_id)
        return take_in_upload(session, case=case, stream=io.BytesIO(content), name=name, cases_dir=place["cases"],
                              quarantine_dir=place["quarantine"], rules=rules, profile=checklist_profile(case, person),
                              max_bytes=20 * 1024 * 1024, actor="adviser:vera.beispiel@welcome-center.example")


def person_with_everything(engine, catalogue, kit, place, *, pdf: bool) -> dict:
    """The person of these tests and what the services stored about them; returns their ids."""
    calendar = lower_saxony_calendar()
    with session_scope(engine) as session:
        person, _ = find_or_create_person(
            session, actor="test", given_name=GIVEN, family_name=FAMILY, birth_date=date(1988, 7, 19), language="uk",
            district="verden", sex="f", email="o.tkachenko-wyrwa@example.org", phone="+49 4231 987654",
            receives_buergergeld=True, arrival_date=date(2022, 3, 30),
        )
        record_consent(session, person=person, given_on=TODAY - timedelta(days=60), given_by="person", actor="test")
        set_person_address(session, person=person, address=PersonAddressCreate(
            street="Lindhooper Straße 7", postcode="27283", city="Verden (Aller)", addition="Wohnung 3"), actor="test")
        first = open_case(session, person=person, profession_text="Krankenschwester", catalogue=catalogue,
                          today=TODAY, actor="test")
        second = open_case(session, person=person, profession_text="Elektrikerin", catalogue=catalogue,
                           today=TODAY, actor="test")
        advance_case(session, case=first, event=Event.COLLECT, on=TODAY - timedelta(days=30), actor="test",
                     calendar=calendar, note="Zeugnisse im Original gesehen")
        advance_case(session, case=first, event=Event.SET_DEADLINE, on=TODAY - timedelta(days=3), actor="test",
                     calendar=calendar, period=Period(weeks=4))
        add_appointment(session, case=first, starts_at=NOW + timedelta(days=7), place="Welcome Center Verden, Raum 2",
                        actor="test", note="Antrag unterschreiben")
        sme, _ = add_sme(session, actor="test", name="Pflegedienst Aller-Weser", street="Am Markt 1", postcode="27283",
                         city="Verden (Aller)", contact_person="Frau Kruse")
        link_sme(session, case=first, sme=sme, actor="test", agreed_on=TODAY)
        session.add(OutboxMessage(
            case_id=first.id, case_reference=first.reference, district="verden", rule="documents_missing_person",
            due_on=TODAY, recipient="o.tkachenko-wyrwa@example.org", recipient_kind="person", language="uk",
            subject="Welcome Center: бракує документів", body=f"Шановна пані {FAMILY}!\nБудь ласка, надішліть документи.",
            message_id="<test-1@welcome-center.example>", state="sent", attempts=1, sent_at=NOW,
        ))
        # someone else, who must not appear in the export
        other, _ = find_or_create_person(session, actor="test", given_name="Ahmad", family_name="Nurzad-Quell",
                                         birth_date=date(1979, 1, 2), language="ar", district="verden")
        open_case(session, person=other, profession_text="Elektriker", catalogue=catalogue, today=TODAY, actor="test")
        ids = {"person": person.id, "first": first.reference, "second": second.reference, "first_id": first.id}
    rules = kit["rules"]
    named = upload(engine, ids["first"], f"Zeugnis {FAMILY}.pdf", samples.pdf("Zeugnis"), place, rules)
    lost = upload(engine, ids["second"], "Lebenslauf.pdf", samples.pdf("Lebenslauf"), place, rules)
    refused = upload(engine, ids["first"], "Programm.pdf", samples.executable(), place, rules)
    assert (named.outcome, lost.outcome, refused.outcome) == ("accepted", "accepted", "rejected")
    ids["lost_document"] = lost.document_id
    materials = LetterKit(templates=kit["templates"], texts=kit["texts"], catalogue=catalogue, rules=rules,
                          cases_dir=place["cases"])
    letters = write_letters([LetterJob(ids["first_id"], "checklist", language="uk"),
                             LetterJob(ids["first_id"], "checklist", language="de")],
                            engine=engine, kit=materials, today=TODAY, actor="test:letters")
    assert [r.outcome for r in letters] == ["written", "written"], [(r.field, r.reason) for r in letters]
    if pdf:
        make_pdfs(letters[:1], engine=engine, cases_dir=place["cases"], actor="test:letters", convert=convert_to_pdf)
    with session_scope(engine) as session:  # a read of the case page, as the web page records it
        record_audit(session, actor="adviser:vera.beispiel@welcome-center.example", action="case.view", entity="case",
                     case_reference=ids["second"])
    return ids


def export(engine, place, reference: str, *, actor=None) -> tuple[zipfile.ZipFile, object]:
    stream = io.BytesIO()
    with session_scope(engine) as session:
        result = export_person(session, reference=reference, actor=actor, audit_actor="cli:datenschutz",
                               cases_dir=place["cases"], quarantine_dir=place["quarantine"],
                               letter_languages=tuple(LABELS), now=NOW, target=stream, channel="test")
    return zipfile.ZipFile(io.BytesIO(stream.getvalue())), result


# ------------------------------------------------------------------------------------ comparing values


def normal(value):
    """A value as daten.json and the database give it, made comparable: times in UTC without offset (SQLite
    keeps none), days and times as ISO text, yes/no as 1/0."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if "T" not in value and " " not in value:
            return value  # a day
        value = parsed
    if isinstance(value, datetime):
        return (value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def rows_about(engine, person_id: int, case_ids: set[int], references: set[str], sme_ids: set[int]) -> dict[str, list[dict]]:
    """Every row of every table in the database (reflected, not the models) that names the person, one of
    their cases or an employer their outcome may go to."""
    metadata = MetaData()
    with warnings.catch_warnings():  # the expression indexes of migration 0005 are not reflected; no matter here
        warnings.simplefilter("ignore", SAWarning)
        metadata.reflect(bind=engine)
    found: dict[str, list[dict]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = table.c
            conditions = []
            if table.name == "person":
                conditions.append(columns.id == person_id)
            if table.name == "sme":
                conditions.append(columns.id.in_(sme_ids))
            if "person_id" in columns:
                conditions.append(columns.person_id == person_id)
            if "case_id" in columns:
                conditions.append(columns.case_id.in_(case_ids))
            if table.name == "recognition_case":
                conditions.append(columns.id.in_(case_ids))
            if "case_reference" in columns:
                conditions.append(columns.case_reference.in_(references))
            if not conditions:
                continue
            rows = [dict(row._mapping) for row in connection.execute(sa_select(table).where(or_(*conditions))).all()]
            if rows:
                found[table.name] = rows
    return found


# ------------------------------------------------------------------------------------ the export


def test_everything_stored_about_the_person_is_in_the_zip(engine, catalogue, kit, place):
    with_pdf = soffice() is not None
    ids = person_with_everything(engine, catalogue, kit, place, pdf=with_pdf)
    with Session(engine) as session:
        lost = session.get(Document, ids["lost_document"])
        lost_path = place["cases"] / ids["second"] / "documents" / lost.stored_name
    lost_bytes = lost_path.read_bytes()
    lost_path.unlink()  # a file the database lists but the disk no longer has

    archive, result = export(engine, place, ids["second"])
    data = json.loads(archive.read("daten.json"))
    tables = data["tables"]
    assert sorted(result.references) == sorted([ids["first"], ids["second"]])

    # every column value of every row about the person, read from the database generically
    person_id = ids["person"]
    case_ids = {c["id"] for c in tables["recognition_case"]}
    sme_ids = {link["sme_id"] for link in tables["case_sme"]}
    stored = rows_about(engine, person_id, case_ids, set(result.references), sme_ids)
    assert {"person", "consent", "person_address", "recognition_case", "case_event", "deadline", "appointment",
            "document", "letter", "outbox", "case_sme", "intake_file", "sme"} <= set(stored)
    for table, rows in stored.items():
        if table in NOT_EXPORTED:
            continue
        assert table in tables, f"table {table} has rows about the person but is not in daten.json"
        exported = tables[table]
        for row in rows:
            if table == "sme":  # of an employer: who it is, where (not its contact person)
                row = {key: row[key] for key in ("id", "name", "postcode", "city")}
            twin = [e for e in exported if all(normal(e.get(k)) == normal(v) for k, v in row.items())]
            assert twin, f"{table}: row {row} is not in daten.json with all its values"

    # the audit entries about the person, opened (their stored values are sealed)
    with Session(engine) as session:
        entries = session.exec(select(AuditEvent).where(
            (AuditEvent.person_id == person_id) | AuditEvent.case_reference.in_(list(result.references)))).all()
        # all but the export's own entry, written as the export was made
        readable = {e.id: e for e in opened(session, list(entries)) if e.action != "person.export"}
    exported_audit = {a["id"]: a for a in data["audit"]}
    assert set(exported_audit) == set(readable) and len(readable) >= 10
    for entry_id, entry in readable.items():
        got = exported_audit[entry_id]
        assert (got["actor"], got["action"], got["case_reference"]) == (entry.actor, entry.action, entry.case_reference)
        assert got["before"] == (json.loads(entry.before) if entry.before else None)
        assert got["after"] == (json.loads(entry.after) if entry.after else None)
    assert any(a["action"] == "person.create" and a["after"]["family_name"] == FAMILY for a in data["audit"])

    # the files, byte for byte, under safe names
    files = {(f["table"], f["row_id"], f["role"]): f for f in data["files"]}
    names = archive.namelist()
    assert all(".." not in n and not n.startswith("/") and n.isprintable() for n in names)
    for document in tables["document"]:
        entry = files[("document", document["id"], "file")]
        on_disk = place["cases"] / next(c["reference"] for c in tables["recognition_case"] if c["id"] == document["case_id"]) \
            / "documents" / document["stored_name"]
        if document["id"] == ids["lost_document"]:
            assert entry["zip_name"] is None and entry["original_name"] == "Lebenslauf.pdf"
            continue
        assert entry["zip_name"].startswith("unterlagen/") and archive.read(entry["zip_name"]) == on_disk.read_bytes()
        assert entry["original_name"] == document["original_name"]
    assert any(FAMILY in d["original_name"] for d in tables["document"])
    assert lost_bytes not in [archive.read(n) for n in names]
    letter_files = [f for f in data["files"] if f["table"] == "letter"]
    assert len([f for f in letter_files if f["role"] == "docx"]) == 2
    for letter in tables["letter"]:
        assert archive.read(files[("letter", letter["id"], "docx")]["zip_name"]) == (place["cases"] / letter["path"]).read_bytes()
        if letter["pdf_path"]:
            assert archive.read(files[("letter", letter["id"], "pdf")]["zip_name"]) == (place["cases"] / letter["pdf_path"]).read_bytes()
    assert with_pdf == any(letter["pdf_path"] for letter in tables["letter"])
    quarantined = [f for f in data["files"] if f["role"] == "quarantine"]
    assert len(quarantined) == 1 and archive.read(quarantined[0]["zip_name"]) == samples.executable()
    # and, whatever the tables say: every file in the person's case folders and in the quarantine (only
    # their file was turned away) is in the archive with its bytes
    contents = {archive.read(n) for n in names}
    on_disk = [p for ref in result.references for p in (place["cases"] / ref).rglob("*") if p.is_file()]
    on_disk += [p for p in place["quarantine"].rglob("*") if p.is_file()]
    assert len(on_disk) >= 6 and any(p.name.endswith(".reason.txt") for p in on_disk)
    assert [p for p in on_disk if p.read_bytes() not in contents] == []
    mail_entry = files[("outbox", tables["outbox"][0]["id"], "mail")]
    mail = message_from_bytes(archive.read(mail_entry["zip_name"]), policy=default_policy)
    assert mail["Subject"] == "Welcome Center: бракує документів" and mail["To"] == "o.tkachenko-wyrwa@example.org"
    assert mail.get_content().strip() == tables["outbox"][0]["body"].strip()

    # the summaries: German, and Ukrainian (the person's language; letters exist in it)
    german = archive.read("zusammenfassung.html").decode("utf-8")
    ukrainian = archive.read("zusammenfassung.uk.html").decode("utf-8")
    for page in (german, ukrainian):
        assert GIVEN in page and FAMILY in page and ids["first"] in page and ids["second"] in page
        assert "Lindhooper Straße 7" in page and "Pflegedienst Aller-Weser" in page
        assert "<script" not in page and "http" not in page.split("</head>")[0]  # self-contained
    assert "Ihre gespeicherten Daten" in german and "Ваші збережені дані" in ukrainian
    assert "Zeugnisse im Original gesehen" in german and "Unterlagen sammeln" in german
    assert "Dateien, die fehlen" in german and "Lebenslauf.pdf" in german.split("Dateien, die fehlen")[1]
    assert sorted(n for n in names if n.startswith("zusammenfassung")) == ["zusammenfassung.html", "zusammenfassung.uk.html"]

    # nothing of the other person
    everything = b"".join(archive.read(n) for n in names)
    assert b"Nurzad-Quell" not in everything

    # the export itself is audited: who, which case, counts; no personal value
    with Session(engine) as session:
        trail = history(session, case_reference=ids["second"], person_id=person_id)
    exports = [e for e in trail if e.action == "person.export"]
    assert len(exports) == 1 and exports[0].actor == "cli:datenschutz" and exports[0].case_reference == ids["second"]
    counts = json.loads(exports[0].after)
    assert counts["cases"] == 2 and counts["documents"] == 2 and counts["missing_files"] == 1 and counts["mails"] == 1
    assert GIVEN not in exports[0].after and FAMILY not in exports[0].after


def test_a_name_with_markup_is_shown_as_text_in_the_summary(engine, catalogue, place):
    hostile = '<script>alert("x")</script>Mustafa'
    with session_scope(engine) as session:
        person, _ = find_or_create_person(session, actor="test", given_name="Leyla", family_name=hostile,
                                          birth_date=date(1993, 4, 5), language="ar", district="osterholz")
        case = open_case(session, person=person, profession_text="Lehrerin", catalogue=catalogue, today=TODAY, actor="test")
        reference = case.reference
    archive, result = export(engine, place, reference)
    assert result.languages == ("de", "ar")
    for name in ("zusammenfassung.html", "zusammenfassung.ar.html"):
        page = archive.read(name).decode("utf-8")
        assert "<script" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;Mustafa" in page
    assert 'dir="rtl"' in archive.read("zusammenfassung.ar.html").decode("utf-8")
    assert json.loads(archive.read("daten.json"))["tables"]["person"][0]["family_name"] == hostile


def test_names_inside_the_zip_cannot_leave_their_folder_and_stay_apart():
    taken: set[str] = set()
    folder = "unterlagen/VER-2026-0001"
    names = [zip_member(folder, raw, prefix="7", taken=taken) for raw in (
        "../../etc/passwd", "..\\..\\Zeugnis\u202egpj.exe", "Lebenslauf\x1b[2J\n.pdf", "../../etc/passwd", "")]
    assert len(set(names)) == len(names)
    for name in names:
        inside = name.removeprefix(folder + "/")
        assert name.startswith(folder + "/") and "/" not in inside and ".." not in name and inside.isprintable()
        assert "\u202e" not in name and "\x1b" not in name
    assert names[0] == f"{folder}/7-passwd" and names[3] == f"{folder}/7-passwd-2"


def test_every_language_with_letters_has_the_summarys_labels():
    languages = {path.stem for path in (ROOT / "data" / "letters").glob("*.yaml")}
    assert languages <= set(LABELS)
    assert all(set(labels) == set(LABELS["de"]) for labels in LABELS.values())


def test_an_adviser_of_the_other_district_cannot_export(engine, catalogue, place):
    from domain.access import Actor, Role
    from models.selectors import NotFound

    with session_scope(engine) as session:
        person, _ = find_or_create_person(session, actor="test", given_name="Iryna", family_name="Beispielowa",
                                          birth_date=date(1990, 1, 1), language="uk", district="verden")
        reference = open_case(session, person=person, profession_text="Lehrerin", catalogue=catalogue, today=TODAY,
                              actor="test").reference
    otto = Actor(id=2, name="Otto Muster", email="otto@example.org", role=Role.ADVISER, district="osterholz")
    with pytest.raises(NotFound):
        export(engine, place, reference, actor=otto)
    with Session(engine) as session:
        assert not session.exec(select(AuditEvent).where(AuditEvent.action == "person.export")).all()


# ------------------------------------------------------------------------------------ the command line


def _cli_case(home) -> str:
    from adapters.catalogue import load_catalogue
    from models.db import make_engine

    engine = make_engine(f"sqlite:///{home / 'welcome-center.db'}")
    try:
        with session_scope(engine) as session:
            person, _ = find_or_create_person(session, actor="test", given_name="Nadiia", family_name="Kurylenko",
                                              birth_date=date(1985, 9, 9), language="ru", district="verden")
            return open_case(session, person=person, profession_text="Ärztin", catalogue=load_catalogue(), today=TODAY,
                             actor="test").reference
    finally:
        engine.dispose()


def test_the_command_writes_the_zip_and_refuses_to_overwrite_or_a_missing_folder(cli, tmp_path):
    reference = _cli_case(cli.home)
    target = tmp_path / "auskunft.zip"
    run = cli("person", "export", reference, "--out", str(target))
    assert run.exit_code == 0, run.output
    assert reference in run.stdout and "1 Fälle" in run.stdout
    with zipfile.ZipFile(target) as archive:
        assert json.loads(archive.read("daten.json"))["tables"]["person"][0]["family_name"] == "Kurylenko"
        assert "zusammenfassung.ru.html" in archive.namelist()
    before = target.read_bytes()

    again = cli("person", "export", reference, "--out", str(target))
    assert again.exit_code == 2 and "--out" in again.stderr and "exists already" in again.stderr
    assert "Traceback" not in again.output and target.read_bytes() == before

    nowhere = cli("person", "export", reference, "--out", str(tmp_path / "fehlt" / "auskunft.zip"))
    assert nowhere.exit_code == 2 and "--out" in nowhere.stderr and "does not exist" in nowhere.stderr
    unknown = cli("person", "export", "VER-2026-9999", "--out", str(tmp_path / "b.zip"))
    assert unknown.exit_code == 2 and "reference" in unknown.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["auskunft.zip"]  # no partial file left

    from models.db import make_engine

    engine = make_engine(f"sqlite:///{cli.home / 'welcome-center.db'}")
    try:
        with Session(engine) as session:
            exports = session.exec(select(AuditEvent).where(AuditEvent.action == "person.export")).all()
    finally:
        engine.dispose()
    assert len(exports) == 1 and exports[0].case_reference == reference and exports[0].actor.startswith("cli:")


# ------------------------------------------------------------------------------------ the case page


@pytest.fixture
def web_home(web_app, tmp_path):
    from adapters.settings import Settings

    settings = Settings(home=tmp_path / "home")
    web_app.state.settings = settings
    return settings


def _export_button(page: str) -> bool:
    return "Auskunft (Art. 15 DSGVO) herunterladen" in page


def test_the_lead_downloads_the_export_from_the_case_page(client, accounts, web_cases, web_engine, web_home):
    reference = web_cases["osterholz"]
    assert login(client, accounts["lead"].email).status_code == 303
    page = client.get(f"/faelle/{reference}")
    assert page.status_code == 200 and _export_button(page.text)
    token = csrf_token(client, f"/faelle/{reference}")
    response = client.post(f"/faelle/{reference}/auskunft", data={"csrf_token": token})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == f'attachment; filename="Auskunft_{reference}_{TODAY.isoformat()}.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read("daten.json"))
        assert data["tables"]["person"][0]["family_name"] == "Haddad"
        assert "Haddad" in archive.read("zusammenfassung.html").decode("utf-8")
    with Session(web_engine) as session:
        exports = session.exec(select(AuditEvent).where(AuditEvent.action == "person.export")).all()
    assert [(e.actor, e.case_reference) for e in exports] == [(f"adviser:{accounts['lead'].email}", reference)]

    without_token = client.post(f"/faelle/{reference}/auskunft", data={})
    assert without_token.status_code == 403 and "Formular abgelehnt" in without_token.text
    missing = client.post("/faelle/VER-2026-9999/auskunft", data={"csrf_token": token})
    assert missing.status_code == 404 and "Nicht gefunden" in missing.text


def test_an_adviser_of_the_other_district_and_the_reader_get_no_export(client, accounts, web_cases, web_engine, web_home):
    reference = web_cases["verden"]
    assert login(client, accounts["osterholz"].email).status_code == 303
    token = csrf_token(client)
    refused = client.post(f"/faelle/{reference}/auskunft", data={"csrf_token": token})
    assert refused.status_code == 404 and "Nicht gefunden" in refused.text and "PK" not in refused.text[:2]
    client.post("/abmelden", data={"csrf_token": token})
    client.cookies.clear()
    assert login(client, accounts["readonly"].email).status_code == 303
    assert not _export_button(client.get(f"/faelle/{reference}").text)
    reader = client.post(f"/faelle/{reference}/auskunft", data={"csrf_token": csrf_token(client)})
    assert reader.status_code == 403 and "Auskunft nach Art. 15 DSGVO" in reader.text
    with Session(web_engine) as session:
        assert not session.exec(select(AuditEvent).where(AuditEvent.action == "person.export")).all()


def test_the_summary_names_every_derived_report_table_in_every_language():
    """The summary tells the person, in each language, which rows of daten.json the reports derive
    from their cases and details: every report table of the export (the marks aside) is named."""
    from models.person_data import CASE_TABLES
    from models.report_facts import report_person_span

    derived = [table.name for table in (*CASE_TABLES, report_person_span)
               if table.name.startswith("report_") and not table.name.endswith("_dirty")]
    assert "report_person_span" in derived
    for language, labels in LABELS.items():
        assert all(name in labels["derived"] for name in derived), language
