"""A full disk or a read-only folder, made real: one clear line naming the folder (German on the web
page), no traceback and no Prefect ERROR line, a non-zero exit code, nothing half written, and after
the fix a rerun that finishes the job, each file exactly once.

The full disk is a small tmpfs mounted on the folder (the tests run as root); where mounting tmpfs is
not permitted, a loop-mounted ext2 image of the same size. The read-only folder is a read-only bind
mount (chmod does not stop root). With neither possible, the tests skip, except in CI, where they fail.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.conftest import IN_CI
from tests.web_fixtures import (  # noqa: F401 - fixtures
    TODAY,
    accounts,
    client,
    csrf_token,
    login,
    sqlite_engine,
    web_app,
    web_cases,
)

PDF_BYTES = 200_000


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=False)


class Disks:
    """Mounts made by one test, undone at its end (lazily: an engine may still hold a file open)."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.mounted: list[Path] = []
        self.how: set[str] = set()

    def _unavailable(self, why: str):
        if IN_CI:
            pytest.fail(f"no way to make a small or read-only disk here: {why}")
        pytest.skip(why)

    def small(self, folder: Path, size: str = "1m") -> Path:
        """A file system of `size` on `folder` (created when missing); its old content is copied in."""
        if os.geteuid() != 0:
            self._unavailable("mounting a small file system needs root")
        folder.mkdir(parents=True, exist_ok=True)
        before = self.scratch / f"before-{len(self.mounted)}"
        shutil.copytree(folder, before, symlinks=True)
        mounted = _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
        if mounted.returncode == 0:
            self.how.add("tmpfs")
        else:
            image = self.scratch / f"disk-{len(self.mounted)}.img"
            made = _run("truncate", "-s", size.upper(), str(image))
            made = made if made.returncode else _run("mkfs.ext2", "-q", "-F", "-m", "0", str(image))
            looped = made if made.returncode else _run("mount", "-o", "loop", str(image), str(folder))
            if looped.returncode:
                self._unavailable(f"tmpfs: {mounted.stderr.strip()}; loop device: {looped.stderr.strip()}")
            self.how.add("loop")
            shutil.rmtree(folder / "lost+found", ignore_errors=True)
        self.mounted.append(folder)
        shutil.copytree(before, folder, symlinks=True, dirs_exist_ok=True)
        return folder

    def read_only(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        bound = _run("mount", "--bind", str(folder), str(folder))
        if bound.returncode:
            self._unavailable(f"read-only bind mount: {bound.stderr.strip()}")
        self.mounted.append(folder)
        made = _run("mount", "-o", "remount,bind,ro", str(folder))
        if made.returncode:
            self._unavailable(f"read-only bind mount: {made.stderr.strip()}")
        self.how.add("read-only bind mount")
        return folder

    def undo(self, folder: Path) -> None:
        _run("umount", "-l", str(folder))
        self.mounted.remove(folder)


@pytest.fixture
def disks(tmp_path):
    made = Disks(tmp_path / "scratch")
    made.scratch.mkdir()
    yield made
    for folder in reversed(made.mounted):
        _run("umount", "-l", str(folder))


def fill(folder: Path, *, leave: int = 0) -> Path:
    """Fill the file system of `folder`, then give back about `leave` bytes; the filler's path."""
    filler = folder / "filler"
    block = b"\0" * 65536
    with filler.open("wb") as out:
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    if leave:
        os.truncate(filler, max(filler.stat().st_size - leave, 0))
    return filler


def nothing_half_written(root: Path) -> list[Path]:
    """Partial and probe files anywhere under `root`: there must be none."""
    return [p for p in root.rglob("*") if p.name.endswith(".part") or p.name.startswith(".welcome-center-probe")]


def pdf(number: int) -> bytes:
    """A valid PDF of about 200 kB, a different one per number."""
    from welcome_center.demo import samples

    return samples.pdf(f"Nachweis {number}", more=(b"<< /Padding (" + b"x" * PDF_BYTES + b") >>",))


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text[-3000:]
    return lines[0]


# ------------------------------------------------------------------------------------ the intake service


@pytest.fixture
def engine(tmp_path, sqlite_template):
    from models.db import make_engine

    path = tmp_path / "welcome-center.db"
    shutil.copyfile(sqlite_template, path)
    made = make_engine(f"sqlite:///{path}")
    yield made
    made.dispose()


@pytest.fixture
def place(tmp_path):
    folders = {name: tmp_path / name for name in ("inbox", "cases", "quarantine")}
    for folder in folders.values():
        folder.mkdir()
    return folders


def consented_case(engine, catalogue):
    from services.cases import find_or_create_person, open_case, record_consent

    with Session(engine, expire_on_commit=False) as session:
        person, _ = find_or_create_person(session, actor="test", given_name="Iryna", family_name="Beispiel",
                                          birth_date=date(1995, 3, 4), language="uk", district="verden")
        record_consent(session, person=person, given_on=TODAY, given_by="person", actor="test")
        case = open_case(session, person=person, profession_text="Krankenschwester", catalogue=catalogue, today=TODAY,
                         actor="test")
        session.commit()
        return case.reference


def drop_three(inbox: Path, reference: str) -> None:
    folder = inbox / reference
    folder.mkdir(parents=True, exist_ok=True)
    for number in (1, 2, 3):
        (folder / f"Nachweis{number}.pdf").write_bytes(pdf(number))


def take_in_all(engine, place, rules):
    from services.intake import scan_inbox, take_in

    return take_in(scan_inbox(place["inbox"]), engine=engine, cases_dir=place["cases"], quarantine_dir=place["quarantine"],
                   rules=rules, max_bytes=20 * 1024 * 1024, settle_seconds=0)


def documents(engine) -> list[str]:
    from models import Document

    with Session(engine) as session:
        return sorted(session.exec(select(Document.original_name)).all())


def test_a_case_folder_that_fills_during_the_batch_keeps_nothing_and_the_rerun_takes_each_file_once(
        engine, place, rules, catalogue, disks):
    from domain.errors import StorageFault

    reference = consented_case(engine, catalogue)
    drop_three(place["inbox"], reference)
    cases = disks.small(place["cases"], "1m")
    filler = fill(cases, leave=300_000)  # room for the first file, not the second

    with pytest.raises(StorageFault) as raised:
        take_in_all(engine, place, rules)
    assert raised.value.code == "storage.full"
    assert raised.value.folder == str(cases / ".eingang")
    assert "no space left in the folder" in raised.value.message and str(cases) in raised.value.message
    assert [p for p in cases.rglob("*") if p.is_file() and p != filler] == []  # the first file promoted is gone again
    assert documents(engine) == []
    assert len(list((place["inbox"] / reference).iterdir())) == 3
    assert list(place["quarantine"].rglob("*")) == []  # a full disk is no file's fault

    filler.unlink()
    outcomes = take_in_all(engine, place, rules)
    assert sorted(o.outcome for o in outcomes) == ["accepted"] * 3
    assert documents(engine) == ["Nachweis1.pdf", "Nachweis2.pdf", "Nachweis3.pdf"]
    assert len(list((cases / reference / "documents").iterdir())) == 3
    assert take_in_all(engine, place, rules) == []  # the inbox is empty: nothing twice
    assert nothing_half_written(place["cases"].parent) == []


def test_a_read_only_case_folder_stops_the_batch_naming_the_folder(engine, place, rules, catalogue, disks):
    from domain.errors import StorageFault

    reference = consented_case(engine, catalogue)
    drop_three(place["inbox"], reference)
    disks.read_only(place["cases"])
    with pytest.raises(StorageFault) as raised:
        take_in_all(engine, place, rules)
    assert raised.value.code == "storage.read_only" and raised.value.folder.startswith(str(place["cases"]))
    assert "read-only file system" in raised.value.message
    assert documents(engine) == [] and len(list((place["inbox"] / reference).iterdir())) == 3

    disks.undo(place["cases"])
    assert sorted(o.outcome for o in take_in_all(engine, place, rules)) == ["accepted"] * 3
    assert len(documents(engine)) == 3


def test_a_full_quarantine_is_named_after_the_commit_and_the_rerun_finishes_the_move_once(
        engine, tmp_path, rules, catalogue, disks):
    """The inbox and the quarantine on one small disk (a move is a rename), the case folders elsewhere:
    the good file is stored, the program named like a PDF cannot get its reason file; the next run
    only finishes its move."""
    from domain.errors import StorageFault
    from models import IntakeFile

    state = disks.small(tmp_path / "state", "1m")
    place = {"inbox": state / "inbox", "quarantine": state / "quarantine", "cases": tmp_path / "cases"}
    reference = consented_case(engine, catalogue)
    (place["inbox"] / reference).mkdir(parents=True)
    (place["inbox"] / reference / "Zeugnis.pdf").write_bytes(pdf(1))  # removed after the move: frees no room first
    (place["inbox"] / reference / "Programm.pdf").write_bytes(b"MZ\x90\x00" + b"\0" * 4000)
    filler = fill(state)

    with pytest.raises(StorageFault) as raised:
        take_in_all(engine, place, rules)
    assert raised.value.code == "storage.full"
    assert raised.value.folder == str(place["quarantine"] / reference)
    assert documents(engine) == ["Zeugnis.pdf"]  # committed before the move: stays
    assert sorted(p.name for p in (place["inbox"] / reference).iterdir()) == ["Programm.pdf"]
    assert [p for p in state.rglob("*") if p.is_file() and p.parent.parent == place["quarantine"]] == []

    filler.unlink()
    outcomes = take_in_all(engine, place, rules)
    assert [o.outcome for o in outcomes] == ["finished"]
    kept = sorted(p.name.split("-", 2)[2] for p in place["quarantine"].rglob("*") if p.is_file())
    assert kept == ["Programm.pdf", "Programm.pdf.reason.txt"]
    assert list((place["inbox"] / reference).iterdir()) == []
    assert take_in_all(engine, place, rules) == []
    with Session(engine) as session:
        moved = [row for row in session.exec(select(IntakeFile)).all() if row.quarantine_path]
    assert len(moved) == 1 and (place["quarantine"] / moved[0].quarantine_path).is_file()
    assert documents(engine) == ["Zeugnis.pdf"] and nothing_half_written(tmp_path) == []


def test_a_sqlite_error_on_a_full_disk_is_recognised_through_sqlalchemy_and_names_the_database_folder(tmp_path, disks):
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from adapters.storage import storage_fault_in

    folder = disks.small(tmp_path / "db", "1m")
    engine = create_engine(f"sqlite:///{folder / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v BLOB)"))
    fill(folder)
    with pytest.raises(OperationalError) as raised, engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (zeroblob(500000))"))
    engine.dispose()
    assert "database or disk is full" in str(raised.value)
    fault = storage_fault_in(raised.value, database_folder=folder)
    assert fault is not None and (fault.code, fault.folder) == ("storage.full", str(folder))


# ------------------------------------------------------------------------------------ the command line


def new_case(cli) -> str:
    created = cli("case", "new", "--given-name", "Olena", "--family-name", "Koval", "--birth-date", "1991-03-04",
                  "--district", "verden", "--language", "uk", "--profession", "Pflegefachfrau", "--sex", "f", "--consent",
                  "--json")
    assert created.exit_code == 0, created.stderr
    return json.loads(created.stdout)["reference"]


def test_intake_on_a_full_case_folder_says_so_in_one_line_and_the_rerun_takes_each_file_once(
        cli, cli_command, cli_env, disks):
    """The one subprocess of these tests: what an operator sees of a real Prefect flow run, Prefect's
    console and its temporary server included."""
    reference = new_case(cli)
    drop_three(cli.home / "inbox", reference)
    cases = disks.small(cli.home / "cases", "1m")
    filler = fill(cases, leave=300_000)

    env = {**cli_env, "WELCOME_CENTER_HOME": str(cli.home), "WELCOME_CENTER_INTAKE_SETTLE_SECONDS": "0"}
    result = subprocess.run([*cli_command, "intake"], env=env, capture_output=True, text=True, cwd=cli.home.parent,
                            timeout=600, check=False)
    assert result.returncode == 5, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert line.startswith(f"Storage error: no space left in the folder {cases / '.eingang'}"), line
    assert "Nachweis" not in line  # the folder is named, not an inbox file
    assert [p for p in cases.rglob("*") if p.is_file() and p != filler] == []
    assert len(list((cli.home / "inbox" / reference).iterdir())) == 3

    filler.unlink()
    again = cli("intake", "--json", env={"WELCOME_CENTER_INTAKE_SETTLE_SECONDS": "0"})
    assert again.exit_code == 0, again.stderr[-3000:]
    assert json.loads(again.stdout)["counts"] == {"accepted": 3}
    shown = cli("case", "show", reference)
    assert all(shown.stdout.count(f"Nachweis{n}.pdf") == 1 for n in (1, 2, 3)), shown.stdout
    assert len(list((cases / reference / "documents").iterdir())) == 3
    assert nothing_half_written(cli.home) == []


def test_letters_due_on_a_full_case_folder_writes_no_letter_and_the_rerun_writes_each_once(cli, disks):
    reference = new_case(cli)
    address = ("--street", "Bahnhofstraße 12", "--postcode", "27283", "--city", "Verden (Aller)")
    assert cli("address", reference, *address).exit_code == 0
    assert cli("case", "advance", reference, "collect").exit_code == 0
    assert cli("case", "advance", reference, "ready").exit_code == 0
    cases = disks.small(cli.home / "cases", "1m")
    filler = fill(cases)

    result = cli("letters", "--due")
    assert result.exit_code == 5, result.output[-3000:]
    assert "Traceback" not in result.output
    assert "ERROR" not in result.output
    line = one_line(result.stderr)
    assert line.startswith(f"Storage error: no space left in the folder {cases / reference / 'letters'} "), line
    assert [p for p in cases.rglob("*") if p.is_file() and p != filler] == []
    listed = cli("letters", reference, "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == [], listed.stdout

    filler.unlink()
    again = cli("letters", "--due")
    assert again.exit_code in (0, 1), again.stderr[-3000:]  # 1: a letter refused (no document to enclose)
    written = sorted((cases / reference / "letters").glob("*.docx"))
    rows = json.loads(cli("letters", reference, "--json").stdout)
    assert len(written) == len(rows) >= 1
    assert cli("letters", "--due").exit_code in (0, 1)
    assert sorted((cases / reference / "letters").glob("*.docx")) == written  # nothing written twice
    assert nothing_half_written(cli.home) == []


def test_demo_on_a_full_state_folder_says_so_in_one_line_and_leaves_nothing(cli_at, tmp_path, disks):
    home = disks.small(tmp_path / "home", "8m")
    filler = fill(home)
    result = cli_at(home)("demo", "--count", "10")
    assert result.exit_code == 5, result.output[-3000:]
    assert "Traceback" not in result.output and "ERROR" not in result.output
    assert one_line(result.stderr).startswith(f"Storage error: no space left in the folder {home} "), result.stderr
    assert [p for p in home.rglob("*") if p != filler] == []


def test_import_into_a_database_on_a_full_disk_names_the_state_folder_and_the_rerun_imports_each_row_once(
        cli_at, tmp_path, sqlite_template, disks):
    from welcome_center.demo.population import invent_people, write_csv

    rows = invent_people(40, random.Random(7), TODAY)
    table = tmp_path / "faelle.csv"
    write_csv(rows, table)
    home = disks.small(tmp_path / "home", "4m")
    shutil.copyfile(sqlite_template, home / "welcome-center.db")
    cli = cli_at(home)
    filler = fill(home)

    result = cli("import", str(table))
    assert result.exit_code == 5, result.output[-3000:]
    assert "Traceback" not in result.output
    assert one_line(result.stderr).startswith(f"Storage error: no space left in the folder {home} "), result.stderr

    filler.unlink()
    again = cli("import", str(table), "--json")
    assert again.exit_code in (0, 1), again.stderr[-3000:]
    report = json.loads(again.stdout)
    assert report["imported_count"] + report["skipped_count"] + report["refused_row_count"] == 40
    listed = json.loads(cli("case", "list", "--json", "--limit", "1000").stdout)
    assert len(listed) == report["imported_count"] + report["skipped_count"]  # each row once
    assert nothing_half_written(home) == []


# ------------------------------------------------------------------------------------ the web page


@pytest.fixture
def web_engine(sqlite_engine):
    return sqlite_engine


def test_an_upload_into_a_full_case_folder_gets_a_german_message_and_keeps_nothing(
        client, accounts, web_cases, web_engine, web_app, tmp_path, disks):
    from adapters.settings import Settings
    from models import Case, Document, IntakeFile, Person
    from models.db import session_scope
    from services.cases import record_consent

    settings = Settings(home=tmp_path / "home")
    web_app.state.settings = settings
    reference = web_cases["verden"]
    with session_scope(web_engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        record_consent(session, person=session.get(Person, case.person_id), given_on=TODAY, given_by="person",
                       actor="test")
    cases = disks.small(settings.cases_dir, "1m")
    filler = fill(cases)
    assert login(client, accounts["verden"].email).status_code == 303

    def upload():
        token = csrf_token(client, f"/faelle/{reference}")
        return client.post(f"/faelle/{reference}/unterlagen", data={"csrf_token": token, "item_key": ""},
                           files={"file": ("Diplom.pdf", pdf(1), "application/pdf")})

    response = upload()
    assert response.status_code == 503, response.text[-2000:]
    assert "Datei „Diplom.pdf“ nicht gespeichert: Kein Platz mehr im Ordner" in response.text
    assert str(cases) in response.text
    with Session(web_engine) as session:
        assert session.exec(select(Document)).all() == [] and session.exec(select(IntakeFile)).all() == []
    assert [p for p in cases.rglob("*") if p.is_file() and p != filler] == []

    filler.unlink()
    assert upload().status_code == 303
    with Session(web_engine) as session:
        assert [d.original_name for d in session.exec(select(Document)).all()] == ["Diplom.pdf"]
    assert nothing_half_written(settings.home) == []


def test_a_letter_into_a_full_case_folder_gets_the_german_error_page_and_no_letter_row(
        client, accounts, web_cases, web_engine, web_app, tmp_path, disks):
    from adapters.settings import Settings
    from models import Case, Letter, Person
    from models.db import session_scope
    from models.letter import PersonAddressCreate
    from services.cases import record_consent, set_person_address

    settings = Settings(home=tmp_path / "home")
    web_app.state.settings = settings
    reference = web_cases["verden"]
    with session_scope(web_engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        person = session.get(Person, case.person_id)
        record_consent(session, person=person, given_on=TODAY, given_by="person", actor="test")
        set_person_address(session, person=person, actor="test",
                           address=PersonAddressCreate(street="Große Straße 1", postcode="27283", city="Verden (Aller)"))
    cases = disks.small(settings.cases_dir, "1m")
    filler = fill(cases)
    assert login(client, accounts["verden"].email).status_code == 303

    def write():
        token = csrf_token(client, f"/faelle/{reference}")
        return client.post(f"/faelle/{reference}/briefe", data={"csrf_token": token, "kind": "checklist", "language": "uk"})

    response = write()
    assert response.status_code == 503, response.text[-2000:]
    assert f"Kein Platz mehr im Ordner {cases / reference / 'letters'}" in response.text
    with Session(web_engine) as session:
        assert session.exec(select(Letter)).all() == []
    assert [p for p in cases.rglob("*") if p.is_file() and p != filler] == []

    filler.unlink()
    assert write().status_code == 303
    with Session(web_engine) as session:
        assert len(session.exec(select(Letter)).all()) == 1
    assert nothing_half_written(settings.home) == []
