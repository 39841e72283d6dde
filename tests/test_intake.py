"""The inbox: good files become documents, bad ones wait in quarantine with the reason, each
file exactly once, also after a run is killed half way. On SQLite and PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from domain.display import visible
from services.intake import scan_inbox, take_in
from models import Document, IntakeFile
from models.selectors import case_checklist
from services.cases import find_or_create_person, open_case, record_consent
from welcome_center.demo import samples
from adapters.rules import load_checklist_rules

from .conftest import ROOT

TODAY = date(2026, 11, 25)
ACTOR = "test:intake"


@pytest.fixture
def place(tmp_path):
    folders = {name: tmp_path / name for name in ("inbox", "cases", "quarantine")}
    for folder in folders.values():
        folder.mkdir()
    return folders


def make_case(session, catalogue, *, given="Iryna", consent=True, profession="Krankenschwester"):
    person, _ = find_or_create_person(
        session, actor=ACTOR, given_name=given, family_name="Beispiel", birth_date=date(1995, 3, 4),
        language="uk", district="verden",
    )
    if consent:
        record_consent(session, person=person, given_on=TODAY, given_by="person", actor=ACTOR)
    case = open_case(session, person=person, profession_text=profession, catalogue=catalogue, today=TODAY, actor=ACTOR)
    session.commit()
    return case


def drop(place, reference, name, content):
    folder = place["inbox"] / reference
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def run(engine, place, rules, max_bytes=20 * 1024 * 1024, batch=200, settle_seconds=0):
    """One intake run. The files here were written and closed by the test before the run: no settle
    time (tests/test_intake_hostile.py tests the settle time)."""
    files = scan_inbox(place["inbox"])
    outcomes = []
    for start in range(0, len(files), batch):
        outcomes += take_in(files[start:start + batch], engine=engine, cases_dir=place["cases"],
                            quarantine_dir=place["quarantine"], rules=rules, max_bytes=max_bytes,
                            settle_seconds=settle_seconds)
    return {o.inbox_path: o for o in outcomes}


def quarantined(place):
    return sorted(p.name for p in place["quarantine"].rglob("*") if p.is_file() and not p.name.endswith(".reason.txt"))


def test_good_files_become_documents_with_checklist_guess(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    drop(place, case.reference, "Diplom.pdf", samples.pdf("Diplom"))
    drop(place, case.reference, "Übersetzung_Diplom_beglaubigt.pdf", samples.pdf("Übersetzung"))
    drop(place, case.reference, "Reisepass.jpg", samples.jpeg())
    drop(place, case.reference, "Lebenslauf.docx", samples.docx("Lebenslauf"))
    drop(place, case.reference, "scan.png", samples.png())
    outcomes = run(engine, place, rules)

    assert {o.outcome for o in outcomes.values()} == {"accepted"}
    documents = session.exec(select(Document).where(Document.case_id == case.id)).all()
    assert sorted(d.kind for d in documents) == ["docx", "jpeg", "pdf", "pdf", "png"]
    by_name = {d.original_name: d for d in documents}
    translation = by_name["Übersetzung_Diplom_beglaubigt.pdf"]
    assert translation.translated and translation.certified
    assert by_name["Reisepass.jpg"].item_key == "identitaetsnachweis"
    for document in documents:
        stored = place["cases"] / case.reference / "documents" / document.stored_name
        assert stored.exists() and len(document.sha256) == 64
    assert list(place["inbox"].rglob("*.*")) == []  # taken out of the inbox
    lines = case_checklist(session, case=case, person=_person(session, case), rules=rules)
    statuses = {line.item.key: line.status.value for line in lines}
    assert statuses["identitaetsnachweis"] == "present"


def _person(session, case):
    from models import Person

    return session.get(Person, case.person_id)


BAD_FILES = [
    ("Diplom.pdf", samples.executable(), "ausführbares"),
    ("Zeugnis.docx", samples.docx_with_macro(), "Makros"),
    ("Zeugnis.html", samples.html(), "HTML"),
    ("leer.pdf", b"", "leer"),
    ("Tabelle.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "nicht erlaubt"),
    ("..\\..\\boot.pdf", samples.pdf(), "Pfad"),
    ("Scan\x07.pdf", samples.pdf(), "Steuerzeichen"),
]


@pytest.mark.parametrize("name, content, fragment", BAD_FILES, ids=[b[0].encode("unicode_escape").decode() for b in BAD_FILES])
def test_each_kind_of_bad_file_waits_in_quarantine_with_its_reason(engine, session, catalogue, place, rules, name, content, fragment):
    case = make_case(session, catalogue)
    path = drop(place, case.reference, name, content)
    outcome = run(engine, place, rules)[f"{case.reference}/{visible(name)}"]

    assert outcome.outcome == "rejected" and fragment in outcome.reason
    assert not path.exists()
    files = [p for p in place["quarantine"].rglob("*") if p.is_file()]
    reason_file = [p for p in files if p.name.endswith(".reason.txt")][0]
    kept = [p for p in files if not p.name.endswith(".reason.txt")][0]
    assert kept.read_bytes() == content  # kept, never deleted
    assert fragment in reason_file.read_text(encoding="utf-8")
    assert kept.resolve().is_relative_to(place["quarantine"].resolve())
    assert session.exec(select(Document)).all() == []
    ledger = session.exec(select(IntakeFile)).one()
    assert ledger.outcome == "rejected" and ledger.quarantine_path


def test_zip_bomb_is_refused_without_unpacking(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    drop(place, case.reference, "Bewerbung.docx", samples.zip_bomb(120))
    outcome = run(engine, place, rules)[f"{case.reference}/Bewerbung.docx"]
    assert outcome.outcome == "rejected" and "ZIP-Bombe" in outcome.reason


def test_file_over_the_size_limit_is_refused(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    drop(place, case.reference, "gross.pdf", samples.pdf() + b"\n%" + b"x" * 5000)
    outcome = run(engine, place, rules, max_bytes=2000)[f"{case.reference}/gross.pdf"]
    assert outcome.outcome == "rejected" and "KB" in outcome.reason


def test_symlink_nested_folder_unknown_case_and_loose_file_are_refused(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    (place["inbox"] / case.reference).mkdir()
    os.symlink("/etc/hostname", place["inbox"] / case.reference / "link.pdf")
    drop(place, f"{case.reference}/unterordner", "Diplom.pdf", samples.pdf("verschachtelt"))
    drop(place, "VER-1999-9999", "Diplom.pdf", samples.pdf("unbekannt"))
    (place["inbox"] / "lose.pdf").write_bytes(samples.pdf("lose"))
    outcomes = run(engine, place, rules)

    assert "Symlink" in outcomes[f"{case.reference}/link.pdf"].reason
    assert "Pfad" in outcomes[f"{case.reference}/unterordner/Diplom.pdf"].reason
    assert "kein Fall" in outcomes["VER-1999-9999/Diplom.pdf"].reason
    assert "nicht in einem Fall-Ordner" in outcomes["_ohne_fall/lose.pdf"].reason
    assert {o.outcome for o in outcomes.values()} == {"rejected"}
    assert not any(p.is_file() or p.is_symlink() for p in place["inbox"].rglob("*"))
    assert Path("/etc/hostname").exists()  # the link moved, its target untouched


def test_duplicate_of_a_document_on_the_case_is_recognised(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    content = samples.pdf("einmal")
    drop(place, case.reference, "Diplom.pdf", content)
    drop(place, case.reference, "Diplom_nochmal.pdf", content)
    outcomes = run(engine, place, rules)
    assert outcomes[f"{case.reference}/Diplom.pdf"].outcome == "accepted"
    duplicate = outcomes[f"{case.reference}/Diplom_nochmal.pdf"]
    assert duplicate.outcome == "duplicate" and "Diplom.pdf" in duplicate.reason
    assert len(session.exec(select(Document)).all()) == 1


def test_long_name_is_accepted_under_a_short_safe_name(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    name = "Zeugnis_" * 27 + ".pdf"  # 220 characters
    drop(place, case.reference, name, samples.pdf())
    assert run(engine, place, rules)[f"{case.reference}/{name}"].outcome == "accepted"
    document = session.exec(select(Document)).one()
    assert len(document.stored_name) <= 200 + 13 and document.stored_name.endswith(".pdf")


def test_no_document_is_stored_before_consent(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue, consent=False)
    path = drop(place, case.reference, "Diplom.pdf", samples.pdf())
    assert run(engine, place, rules)[f"{case.reference}/Diplom.pdf"].outcome == "held"
    assert path.exists() and session.exec(select(Document)).all() == []
    record_consent(session, person=_person(session, case), given_on=TODAY, given_by="person", actor=ACTOR)
    session.commit()
    assert run(engine, place, rules)[f"{case.reference}/Diplom.pdf"].outcome == "accepted"


def test_a_second_run_finds_nothing_more_to_do(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    drop(place, case.reference, "Diplom.pdf", samples.pdf())
    drop(place, case.reference, "virus.pdf", samples.executable())
    run(engine, place, rules)
    assert run(engine, place, rules) == {}


def test_cut_off_after_commit_each_file_is_finished_once(engine, session, catalogue, place, rules, monkeypatch):
    """The run dies between the commit and moving the files; the next run only finishes the moves."""
    case = make_case(session, catalogue)
    drop(place, case.reference, "Diplom.pdf", samples.pdf("a"))
    drop(place, case.reference, "virus.pdf", samples.executable())
    import services.intake as intake

    def die(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(intake, "quarantine", die)
    with pytest.raises(KeyboardInterrupt):
        run(engine, place, rules)
    monkeypatch.undo()
    outcomes = run(engine, place, rules)
    assert {o.outcome for o in outcomes.values()} == {"finished"}
    assert len(session.exec(select(Document)).all()) == 1
    assert len(session.exec(select(IntakeFile)).all()) == 2
    assert quarantined(place) and len(quarantined(place)) == 1
    assert not any(p.is_file() for p in place["inbox"].rglob("*"))


KILL_SCRIPT = """
import sys
from pathlib import Path
from services.intake import scan_inbox, take_in
from models.db import make_engine
from adapters.rules import load_checklist_rules
url, root = sys.argv[1], Path(sys.argv[2])
engine = make_engine(url)
rules = load_checklist_rules(Path(sys.argv[3]))
files = scan_inbox(root / "inbox")
for start in range(0, len(files), 25):
    take_in(files[start:start + 25], engine=engine, cases_dir=root / "cases", quarantine_dir=root / "quarantine",
            rules=rules, max_bytes=20 * 1024 * 1024, settle_seconds=0)
"""


def test_killed_half_way_the_next_run_takes_each_file_exactly_once(database_url, engine, session, catalogue, place, rules, tmp_path):
    cases = [make_case(session, catalogue, given=f"Person{i}") for i in range(4)]
    expected_good = 0
    for i in range(400):
        case = cases[i % 4]
        if i % 40 == 0:
            drop(place, case.reference, f"schlecht{i}.pdf", samples.executable() + str(i).encode())
        else:
            drop(place, case.reference, f"Datei{i}.pdf", samples.pdf(f"Datei {i}"))
            expected_good += 1
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), database_url, str(tmp_path), str(ROOT / "data")], cwd=ROOT)
    deadline = time.monotonic() + 60
    stored = lambda: sum(1 for _ in place["cases"].rglob("*.pdf"))  # noqa: E731
    while stored() < 60 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed; make it bigger"
    remaining = sum(1 for p in place["inbox"].rglob("*") if p.is_file())
    assert 0 < remaining < 400, "killed half way"

    run(engine, place, rules)  # the next run

    session.expire_all()
    documents = session.exec(select(Document)).all()
    assert len(documents) == expected_good
    assert len({(d.case_id, d.sha256) for d in documents}) == expected_good
    ledger = session.exec(select(IntakeFile)).all()
    assert sorted(row.outcome for row in ledger).count("accepted") == expected_good
    assert sorted(row.outcome for row in ledger).count("rejected") == 400 - expected_good
    assert len(quarantined(place)) == 400 - expected_good
    assert not any(p.is_file() for p in place["inbox"].rglob("*"))
    stored_files = [p for p in place["cases"].rglob("*") if p.is_file()]
    assert len(stored_files) == expected_good and not any(p.name.endswith(".part") for p in stored_files)


def test_two_runs_at_once_take_each_file_exactly_once_and_turn_none_away(engine, session, catalogue, place, rules):
    """A scheduled sweep and `welcome-center intake` (or two serving processes) over the same inbox at
    the same moment: each file becomes one document, none is reported unreadable, a file turned away is kept in quarantine once,
    and no stored document loses its file (tests/test_scale_path.py found the shared staging name)."""
    import threading

    from sqlalchemy.exc import IntegrityError, OperationalError

    cases = [make_case(session, catalogue, given=name) for name in ("Iryna", "Olena", "Amal")]
    for case in cases:
        for number in range(12):
            drop(place, case.reference, f"Zeugnis-{number}.pdf", samples.pdf() + f"% {case.reference} {number}\n".encode())
        drop(place, case.reference, "programm.pdf", samples.executable())  # turned away: into quarantine, once
    start = threading.Barrier(3)
    outcomes: list[dict] = []
    failures: list[BaseException] = []

    def sweep() -> None:
        start.wait()
        for _attempt in range(3):  # a batch whose commit lost the race is retried, as the flow's task does
            try:
                outcomes.append(run(engine, place, rules, batch=5))
                return
            except (IntegrityError, OperationalError):
                continue
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)
                return

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    run(engine, place, rules)  # what a lost race left in the inbox, the next run takes
    seen = [o for result in outcomes for o in result.values()]
    assert not [o for o in seen if o.outcome in ("error", "duplicate")], seen
    assert sorted(o.inbox_path.split("/")[1] for o in seen if o.outcome == "rejected") == ["programm.pdf"] * 3
    assert not list(place["inbox"].rglob("*.pdf"))
    assert len(quarantined(place)) == 3 and all(name.endswith("programm.pdf") for name in quarantined(place))
    reasons = sorted(p.name for p in place["quarantine"].rglob("*.reason.txt"))
    assert reasons == sorted(f"{name}.reason.txt" for name in quarantined(place))  # no note without its file
    with Session(engine) as fresh:
        documents = fresh.exec(select(Document)).all()
        ledger = fresh.exec(select(IntakeFile)).all()
    assert len(documents) == 36 and len({(d.case_id, d.sha256) for d in documents}) == 36
    by_case = {case.id: case.reference for case in cases}
    for document in documents:
        assert (place["cases"] / by_case[document.case_id] / "documents" / document.stored_name).is_file()
    assert sorted(row.outcome for row in ledger if row.outcome != "accepted") == ["rejected"] * 3
    assert sum(row.outcome == "accepted" for row in ledger) == 36
    assert not list((place["cases"] / ".eingang").glob("*")) if (place["cases"] / ".eingang").exists() else True
