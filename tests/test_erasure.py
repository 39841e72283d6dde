"""Erasure (Art. 17 DSGVO) that leaves nothing behind, on SQLite and PostgreSQL.

A person whose name appears nowhere else gets two cases, documents through the real inbox (one with
the name in the file name), a refused file and a duplicate in quarantine, files dropped where no
case matches them, letters (to the person, and to an employer) with their PDFs, reminder mails sent
over a real SMTP server, and the monthly report; every flow runs over them as Prefect flow runs.
Then `welcome-center person erase` takes them away, and every byte of the state folder (the
database with its -wal and -shm, the case folders, the inbox, the quarantine, reports/), of Prefect's
home (its database, logs and artifacts) and, on PostgreSQL, a `pg_dump` of the application's
database is searched for the name, the birth date and the e-mail address: none may be found. A
second person, and an employer, stay as they were.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
import zipfile
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from domain.calendar import lower_saxony_calendar
from domain.deadlines import Period
from domain.lifecycle import Event, Outcome
from models import AuditEvent, Case, Document, IntakeFile, Letter, OutboxMessage, Person, PersonKey, Sme
from models.letter import PersonAddressCreate
from services.audit import history
from services.cases import add_appointment, advance_case, find_or_create_person, open_case, record_consent, set_person_address
from services.employers import add_sme, link_sme
from welcome_center.demo import samples

BERLIN = ZoneInfo("Europe/Berlin")
NI = lower_saxony_calendar()
ACTOR = "test:beraterin@welcome-center.example"
GIVEN, FAMILY = "Zoryslava", "Qxandrelli"
BIRTH = date(1991, 7, 23)
EMAIL = "zq.7719@posteingang.example"
OTHER_GIVEN, OTHER_FAMILY = "Olena", "Beispiel"


def needles() -> dict[str, bytes]:
    """What must not be found, lower-cased (the haystack is lower-cased too): UTF-8 and UTF-16LE."""
    texts = [GIVEN, FAMILY, BIRTH.isoformat(), f"{BIRTH:%d.%m.%Y}", f"{BIRTH:%Y%m%d}", EMAIL]
    found = {}
    for value in texts:
        found[f"{value} (utf-8)"] = value.lower().encode("utf-8")
        found[f"{value} (utf-16le)"] = value.lower().encode("utf-16-le")
    return found


def leaks_in(name: str, data: bytes) -> list[str]:
    """The needles found in these bytes, and inside them when they are a ZIP archive (.docx, .xlsx)."""
    lowered = data.lower()
    hits = [f"{name}: {label}" for label, needle in needles().items() if needle in lowered]
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    hits += leaks_in(f"{name}!{member}", archive.read(member))
        except (zipfile.BadZipFile, OSError, RuntimeError):
            pass
    return hits


def leaks_under(root: Path) -> list[str]:
    """Every file under `root` read whole, names included."""
    hits = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        hits += [f"file name {relative}: {label}" for label, needle in needles().items()
                 if needle in relative.lower().encode("utf-8")]
        if path.is_file() and not path.is_symlink():
            hits += leaks_in(f"{root.name}/{relative}", path.read_bytes())
    return hits


# trigrams of the name that no other text of the test has: the full-text indexes (FTS5) store a
# document as its trigrams, prefix-compressed, so a deleted name would survive in an index segment as
# these, never as the whole name. Looked for in the indexes' own tables: the file as a whole holds the
# audit trail's sealed values, whose base64 has any three letters somewhere.
NAME_TRIGRAMS = ("qxa", "xan", "zor", "rys", "ysl")
FTS_SEGMENTS = ("case_search_data", "search_word_trigram_data")


def trigrams_in_fts(engine) -> list[str]:
    hits = []
    with engine.connect() as connection:
        for table in FTS_SEGMENTS:
            for (block,) in connection.execute(text(f"SELECT block FROM {table}")):
                lowered = bytes(block or b"").lower()
                hits += [f"{table}: {gram}" for gram in NAME_TRIGRAMS if gram.encode() in lowered]
    return sorted(set(hits))


def pg_dump(url: str) -> bytes:
    """The application's database as `pg_dump` writes it (schema and data)."""
    parsed = make_url(url)
    program = shutil.which("pg_dump") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))), None)
    assert program, "pg_dump is needed for the PostgreSQL erasure test"
    completed = subprocess.run(
        [str(program), "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres",
         "--no-password", "-d", parsed.database], capture_output=True, timeout=120, check=True)
    return completed.stdout


# ---------------------------------------------------------------------------------- the scene


@pytest.fixture
def home(tmp_path, monkeypatch, database_url, prefect_home, smtp_server):
    """The state folder every flow of this test runs on (the settings read from the environment, as a
    deployment's process reads them)."""
    from adapters.settings import get_settings
    from models.db import engine_for

    _, port = smtp_server
    folder = tmp_path / "home"
    folder.mkdir()
    for name, value in {"WELCOME_CENTER_HOME": str(folder), "WELCOME_CENTER_DATABASE_URL": database_url,
                        "WELCOME_CENTER_SMTP_HOST": "127.0.0.1", "WELCOME_CENTER_SMTP_PORT": str(port),
                        "WELCOME_CENTER_INTAKE_SETTLE_SECONDS": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WELCOME_CENTER_JOBCENTER_REPORT_EMAIL", raising=False)
    get_settings.cache_clear()
    yield folder
    if database_url.startswith("sqlite"):
        engine_for(database_url).dispose()
    get_settings.cache_clear()


def working_day_on_or_after(day: date) -> date:
    while not NI.is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while not NI.is_working_day(day):
        day -= timedelta(days=1)
    return day


def people(session, catalogue, today: date):
    """The person to erase with two cases (one collecting documents with an appointment, one decided
    and linked to an employer), and another person who stays."""
    person, _ = find_or_create_person(session, actor=ACTOR, given_name=GIVEN, family_name=FAMILY, birth_date=BIRTH,
                                      language="uk", district="verden", email=EMAIL, sex="f", receives_buergergeld=True)
    record_consent(session, person=person, given_on=today - timedelta(days=40), given_by="person", actor=ACTOR)
    set_person_address(session, person=person, actor=ACTOR, address=PersonAddressCreate(
        street="Lindhooper Straße 9", postcode="27283", city="Verden (Aller)"))
    collecting = open_case(session, person=person, profession_text="Krankenschwester", catalogue=catalogue,
                           today=today - timedelta(days=30), actor=ACTOR)
    advance_case(session, case=collecting, event=Event.COLLECT, on=today - timedelta(days=20), actor=ACTOR, calendar=NI)
    advance_case(session, case=collecting, event=Event.SET_DEADLINE, on=today - timedelta(days=20),
                 period=Period(weeks=8), actor=ACTOR, calendar=NI)
    appointment_day = working_day_on_or_after(today + timedelta(days=3))
    add_appointment(session, case=collecting, starts_at=datetime.combine(appointment_day, clock(10, 0), BERLIN),
                    place="Kreishaus Verden, Raum 114", actor=ACTOR)

    decided = open_case(session, person=person, profession_text="Elektriker", catalogue=catalogue,
                        today=today - timedelta(days=30), actor=ACTOR)
    for event in (Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS,
                  Event.DECIDE):
        advance_case(session, case=decided, event=event, on=today - timedelta(days=25), actor=ACTOR, calendar=NI,
                     outcome=Outcome.PARTIAL_EQUIVALENCE if event is Event.DECIDE else None)
    sme, _ = add_sme(session, actor=ACTOR, name="Elektro Wümme GmbH", street="Am Wall 2", postcode="27711",
                     city="Osterholz-Scharmbeck", contact_person="Herr Harms")
    link_sme(session, case=decided, sme=sme, actor=ACTOR, agreed_on=today - timedelta(days=10))

    other, _ = find_or_create_person(session, actor=ACTOR, given_name=OTHER_GIVEN, family_name=OTHER_FAMILY,
                                     birth_date=date(1994, 5, 17), language="uk", district="verden")
    record_consent(session, person=other, given_on=today - timedelta(days=40), given_by="person", actor=ACTOR)
    stays = open_case(session, person=other, profession_text="Apothekerin", catalogue=catalogue,
                      today=today - timedelta(days=30), actor=ACTOR)
    session.commit()
    return person, collecting, decided, stays, sme, working_day_before(appointment_day)


def drop(inbox: Path, relative: str, data: bytes) -> None:
    path = inbox / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def flush_prefect() -> None:
    """Prefect sends logs in batches and records task runs from events: both into its database
    before it is searched."""
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    time.sleep(3)  # the server's event persister writes every few seconds


# ---------------------------------------------------------------------------------- the test


def test_an_erased_person_leaves_no_name_birth_date_or_email_anywhere(
        home, engine, session, catalogue, database_url, prefect_home, smtp_server, cli_at):
    from flows.intake import intake_flow
    from flows.letters import letters_flow
    from flows.reminders import reminders_flow
    from flows.reports import monthly_report_flow
    from flows.retention import retention

    sink, _ = smtp_server
    today = datetime.now(BERLIN).date()
    person, collecting, decided, stays, sme, remind_on = people(session, catalogue, today)
    inbox = home / "inbox"

    # documents through the real inbox: the name in a file name and in a PDF's text; a refused file; files no case matches
    drop(inbox, f"{collecting.reference}/{FAMILY}_{GIVEN}_Diplom.pdf", samples.pdf(f"Diplom {GIVEN} {FAMILY}"))
    drop(inbox, f"{collecting.reference}/Lebenslauf.pdf", samples.pdf(f"Lebenslauf {FAMILY} geb. {BIRTH:%d.%m.%Y}"))
    drop(inbox, f"{collecting.reference}/{FAMILY}_Notizen.txt", f"{GIVEN} {FAMILY} {EMAIL}".encode())
    drop(inbox, f"{decided.reference}/Zeugnis.pdf", samples.pdf("Zeugnis Elektriker"))
    drop(inbox, f"{FAMILY}_Reisepass.pdf", samples.pdf(f"Reisepass {FAMILY}"))  # loose: no case folder
    drop(inbox, f"VER-1999-0999/{GIVEN}_Aufenthaltstitel.pdf", samples.pdf("Aufenthaltstitel"))  # no such case
    drop(inbox, f"{stays.reference}/Approbation.pdf", samples.pdf(f"Approbation {OTHER_FAMILY}"))
    drop(inbox, f"{OTHER_FAMILY}_Pass.pdf", samples.pdf("Pass"))
    first = intake_flow()
    assert sorted(o.outcome for o in first) == ["accepted"] * 4 + ["rejected"] * 4, first
    # the same diploma again under another name: a duplicate, into quarantine
    drop(inbox, f"{collecting.reference}/Kopie_{FAMILY}_Diplom.pdf", samples.pdf(f"Diplom {GIVEN} {FAMILY}"))
    assert [o.outcome for o in intake_flow()] == ["duplicate"]

    letters = letters_flow(due=True, pdf=True, today=today)
    written = {(r.case_reference, r.kind) for r in letters if r.outcome == "written"}
    assert written == {(collecting.reference, "checklist"), (decided.reference, "outcome"),
                       (decided.reference, "sme_guidance")}, letters.results
    reminders_flow(on=remind_on)
    assert any(EMAIL in str(m["To"]) for m in sink.messages), [str(m["To"]) for m in sink.messages]
    monthly_report_flow(scheduled=False, today=today)
    # the nightly retention run, a dry run and a real one: nothing of the person is due yet
    assert retention(dry_run=True, on=today.isoformat())["cases"] == []
    assert retention(on=today.isoformat())["cases"] == []

    with Session(engine) as check:
        assert check.exec(select(func.count()).select_from(Letter).where(Letter.pdf_path.is_not(None))).one() >= 3
        assert check.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == EMAIL)).one() >= 1
    before = leaks_under(home)
    assert any(FAMILY.lower() in hit.lower() for hit in before)  # the search below can find what it looks for

    # a wrong confirmation erases nothing; an unknown reference is named
    cli = cli_at(home, WELCOME_CENTER_DATABASE_URL=database_url)
    refused = cli("person", "erase", collecting.reference, "--reason", "Antrag nach Art. 17 DSGVO", input="VER-0000\n")
    assert refused.exit_code == 2 and "nothing was erased" in refused.stderr, refused.output
    unknown = cli("person", "erase", "VER-1999-0999", "--yes")
    assert unknown.exit_code == 2 and "VER-1999-0999" in unknown.stderr, unknown.output
    personal = cli("person", "erase", collecting.reference, "--yes", "--reason", f"Antrag von Frau {FAMILY}")
    assert personal.exit_code == 2 and "--reason" in personal.stderr, personal.output
    with Session(engine) as check:
        assert check.get(Person, person.id) is not None

    erased = cli("person", "erase", decided.reference, "--reason", "Antrag nach Art. 17 DSGVO", "--json",
                 input=f"{decided.reference}\n")
    assert erased.exit_code == 0, erased.output
    summary = json.loads(erased.stdout[erased.stdout.index("{"):])
    assert summary["case_references"] == sorted([collecting.reference, decided.reference])
    # the person's own key and one per case (services/audit.py)
    assert (summary["cases"], summary["persons"], summary["keys_shredded"]) == (2, 1, 3)
    assert summary["documents"] == 3 and summary["letters"] >= 3 and summary["mails"] >= 1
    assert summary["quarantined_files"] == 2 and summary["unmatched_quarantined_files"] == 2 and summary["files_left"] == 0

    flush_prefect()
    recorded = b"".join(p.read_bytes() for p in prefect_home.rglob("*.db*") if p.is_file())
    assert collecting.reference.encode() in recorded, "Prefect's database (the intake's artifact) is searched too"
    leaks = leaks_under(home) + leaks_under(prefect_home)
    if database_url.startswith("sqlite"):
        leaks += trigrams_in_fts(engine)
    else:
        leaks += leaks_in("pg_dump", pg_dump(database_url))
    assert leaks == [], "\n".join(leaks)

    # what stays: the other person with her case, document and unmatched file; the employer; the trail
    with Session(engine) as check:
        assert check.exec(select(func.count()).select_from(Case).where(Case.person_id == person.id)).one() == 0
        assert check.exec(select(PersonKey).where(PersonKey.person_id == person.id)).all() == []
        assert check.get(Case, stays.id) is not None and check.get(Sme, sme.id) is not None
        kept = check.exec(select(Document).where(Document.case_id == stays.id)).one()
        assert (home / "cases" / stays.reference / "documents" / kept.stored_name).is_file()
        assert any(OTHER_FAMILY in row.inbox_path for row in check.exec(select(IntakeFile)).all())
        entry = check.exec(select(AuditEvent).where(AuditEvent.action == "person.erase")).one()
        assert entry.actor.startswith("cli:") and entry.person_id is None
        recorded = json.loads(entry.after)
        assert recorded["case_references"] == summary["case_references"] and recorded["counts"]["documents"] == 3
        assert recorded["reason"] == "Antrag nach Art. 17 DSGVO"
        trail = history(check, case_reference=summary["case_references"][0])
        assert {e.action for e in trail} >= {"case.open", "document.add", "person.erase"}
        assert all(e.after in (None, '"[gelöscht]"') for e in trail if e.action != "person.erase")
        if database_url.startswith("sqlite"):
            assert check.execute(text("SELECT count(*) FROM case_search WHERE case_search MATCH :m"),
                                 {"m": f'"{FAMILY.lower()}"'}).scalar() == 0
    assert (home / "quarantine").is_dir() and any(OTHER_FAMILY in p.name for p in (home / "quarantine").rglob("*"))
    again = cli("person", "erase", decided.reference, "--yes")
    assert again.exit_code == 2 and decided.reference in again.stderr  # gone: named as unknown


# ---------------------------------------------------------------------------------- half way, and one case only


def files_of(session, catalogue, home: Path, today: date):
    """The person with two cases, each with a letter file and a quarantined file of its own on the disk."""
    person, _ = find_or_create_person(session, actor=ACTOR, given_name=GIVEN, family_name=FAMILY, birth_date=BIRTH,
                                      language="uk", district="verden", email=EMAIL)
    record_consent(session, person=person, given_on=today - timedelta(days=40), given_by="person", actor=ACTOR)
    cases = [open_case(session, person=person, profession_text=job, catalogue=catalogue, today=today, actor=ACTOR)
             for job in ("Krankenschwester", "Elektriker")]
    session.commit()
    for case in cases:
        (home / "cases" / case.reference / "letters").mkdir(parents=True)
        (home / "cases" / case.reference / "letters" / f"{case.reference}_checklist.docx").write_bytes(FAMILY.encode())
        (home / "quarantine" / case.reference).mkdir(parents=True)
        (home / "quarantine" / case.reference / f"x-{FAMILY}.txt").write_bytes(GIVEN.encode())
    return person, cases


def test_a_crash_after_the_commit_leaves_files_that_the_next_erasure_removes(engine, session, catalogue, tmp_path,
                                                                            monkeypatch):
    from services import erasure

    home = tmp_path / "state"
    person, (first, second) = files_of(session, catalogue, home, date(2026, 11, 25))

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt("killed after the commit")

    monkeypatch.setattr(erasure, "_remove_files", killed)
    with pytest.raises(KeyboardInterrupt):
        erasure.erase_person(engine, person.id, actor=ACTOR, reason="Antrag nach Art. 17 DSGVO", home=home)
    monkeypatch.undo()
    with Session(engine) as check:
        assert check.get(Person, person.id) is None  # the rows are gone
    assert (home / "cases" / first.reference).is_dir() and list((home / erasure.MANIFEST_FOLDER).glob("*.json"))

    assert erasure.finish_erasures(engine, home=home) == 4
    assert not (home / "cases" / first.reference).exists() and not (home / "quarantine" / second.reference).exists()
    assert not list((home / erasure.MANIFEST_FOLDER).glob("*.json"))
    assert leaks_under(home) == []


def test_a_crash_before_the_commit_keeps_rows_and_files_and_drops_the_manifest(engine, session, catalogue, tmp_path,
                                                                              monkeypatch):
    from services import erasure

    home = tmp_path / "state"
    _, (first, _) = files_of(session, catalogue, home, date(2026, 11, 25))

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(erasure, "_delete_rows", broken)
    with pytest.raises(RuntimeError):
        erasure.erase_cases(engine, [first.id], actor=ACTOR, reason="Aufbewahrungsfrist abgelaufen", home=home)
    monkeypatch.undo()
    with Session(engine) as check:
        assert check.get(Case, first.id) is not None
    assert (home / "cases" / first.reference / "letters").is_dir()
    assert not list((home / erasure.MANIFEST_FOLDER).glob("*.json"))
    assert erasure.finish_erasures(engine, home=home) == 0 and (home / "quarantine" / first.reference).is_dir()


def test_erasing_one_case_keeps_the_person_and_their_other_case(engine, session, catalogue, tmp_path):
    from services.erasure import erase_cases

    home = tmp_path / "state"
    person, (first, second) = files_of(session, catalogue, home, date(2026, 11, 25))
    summary = erase_cases(engine, [first.id], actor=ACTOR, reason="Aufbewahrungsfrist abgelaufen", home=home)
    # the erased case's key goes (its entries become unreadable); the person's own key stays
    assert (summary.case_references, summary.cases, summary.persons, summary.keys_shredded) == ((first.reference,), 1, 0, 1)
    assert summary.files == 2 and summary.files_left == 0
    with Session(engine) as check:
        assert check.get(Person, person.id) is not None and check.get(Case, second.id) is not None
        assert check.get(Case, first.id) is None
        entry = check.exec(select(AuditEvent).where(AuditEvent.action == "case.erase")).one()
        assert entry.case_reference == first.reference and json.loads(entry.after)["counts"]["cases"] == 1
    assert not (home / "cases" / first.reference).exists() and (home / "cases" / second.reference).is_dir()
    assert erase_cases(engine, [first.id], actor=ACTOR, reason="Aufbewahrungsfrist abgelaufen", home=home).cases == 0
