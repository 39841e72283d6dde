"""The inbox and the upload against hostile files, each built here at run time beside good files:
a name that is not UTF-8, a named pipe, a socket, a device, a 254-byte name, a newline, ESC and
U+202E in names, a file that keeps growing while the intake runs, a PDF with JavaScript, a truncated
PDF, a read error and a check that fails.

Each asserts what an adviser relies on: the good files beside it are taken in, the bad one waits in
quarantine with its reason and nothing is deleted, no traceback, and every name shown (outcome,
ledger, `.reason.txt`, terminal, web page) is escaped by `domain.display.visible`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

import adapters.filestore as filestore
import services.intake as intake
from domain.display import visible
from models import Document, IntakeFile
from welcome_center.demo import samples

from .conftest import ROOT
from .test_intake import make_case, place, run  # noqa: F401 - fixtures
from .web_fixtures import accounts, client, web_app, web_cases, web_engine  # noqa: F401 - fixtures

# ------------------------------------------------------------------------------------ hostile files


def build_pdf(*, catalog: bytes = b"<< /Type /Catalog /Pages 2 0 R >>", more: tuple[bytes, ...] = (), text: str = "Muster") -> bytes:
    """A one-page PDF with a correct cross-reference table; `catalog` and `more` (objects 5, 6, …)
    carry what a hostile PDF carries."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    return samples.pdf_from_objects([
        catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        *more,
    ])


def pdf_with_javascript(text: str = "Zeugnis") -> bytes:
    """Opens with a script, as a phishing PDF does."""
    return build_pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
                     more=(b"<< /S /JavaScript /JS (app.launchURL\\(\"http://example.invalid\"\\)) >>",), text=text)


def truncated_pdf(text: str = "Zeugnis") -> bytes:
    """Cut off in the middle, as an interrupted upload or a full disk leaves it."""
    whole = build_pdf(text=text)
    return whole[: len(whole) * 2 // 3]


CYRILLIC_254 = ("Диплом" * 21)[:125] + ".pdf"  # 254 bytes in UTF-8: what ext4 takes, but no prefix or suffix more
assert len(CYRILLIC_254.encode()) == 254

# (id, name as bytes, content, what the reason says, how the name is shown)
HOSTILE = [
    ("not UTF-8", b"Zeugnis_f\xfcr.pdf", samples.pdf("Umlaut"), "nicht in UTF-8", "Zeugnis_f\\xfcr.pdf"),
    ("newline", b"Zeugnis.pdf: accepted\n  Lebenslauf.pdf", samples.pdf("Zeile"), "Steuerzeichen",
     "Zeugnis.pdf: accepted\\n  Lebenslauf.pdf"),
    ("ESC", b"Zeugnis\x1b[2J\x1b[31mrot.pdf", samples.pdf("Terminal"), "Steuerzeichen", "Zeugnis\\x1b[2J\\x1b[31mrot.pdf"),
    ("U+202E", "Rechnung\u202efdp.exe".encode(), samples.pdf("Bidi"), "Steuerzeichen", "Rechnung<U+202E>fdp.exe"),
    ("PDF with JavaScript", b"Diplom.pdf", pdf_with_javascript(), "enthält Programmcode", "Diplom.pdf"),
    ("truncated PDF", b"Arbeitszeugnis.pdf", truncated_pdf(), "unvollständig", "Arbeitszeugnis.pdf"),
    ("254-byte name, a program inside", CYRILLIC_254.encode(), samples.executable(), "ausführbar", CYRILLIC_254),
]


def drop_bytes(place, reference: str, name: bytes, content: bytes) -> Path:
    folder = place["inbox"] / reference
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))
    path.write_bytes(content)
    return path


def drop_good(place, reference: str, count: int = 2) -> dict[str, bytes]:
    good = {f"Lebenslauf_{i}.pdf": samples.pdf(f"Lebenslauf {reference} {i}") for i in range(count)}
    for name, content in good.items():
        drop_bytes(place, reference, name.encode(), content)
    return good


def assert_good_taken(session, place, reference: str, good: dict[str, bytes], outcomes) -> None:
    from models import Case

    case_id = session.exec(select(Case.id).where(Case.reference == reference)).one()
    for name, content in good.items():
        assert outcomes[f"{reference}/{name}"].outcome == "accepted"
        document = session.exec(select(Document).where(Document.original_name == name, Document.case_id == case_id)).one()
        stored = place["cases"] / reference / "documents" / document.stored_name
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == document.sha256 == hashlib.sha256(content).hexdigest()
        assert not (place["inbox"] / reference / name).exists()


def kept_in_quarantine(place) -> list[tuple[Path, str]]:
    """(quarantined entry, its .reason.txt text) for everything in quarantine."""
    found = []
    for path in place["quarantine"].rglob("*"):
        if path.name.endswith(".reason.txt") or path.is_dir():
            continue
        found.append((path, path.with_name(path.name + ".reason.txt").read_text(encoding="utf-8")))
    return found


def no_raw_control(text: str) -> bool:
    return visible(text) == text


# ------------------------------------------------------------------------------------ the inbox


@pytest.mark.parametrize(("raw", "content", "fragment", "shown"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_waits_in_quarantine_and_the_good_ones_beside_it_are_taken(
        engine, session, catalogue, place, rules, raw, content, fragment, shown):
    case = make_case(session, catalogue)
    good = drop_good(place, case.reference)
    drop_bytes(place, case.reference, raw, content)

    outcomes = run(engine, place, rules)  # no exception is the first assertion

    assert_good_taken(session, place, case.reference, good, outcomes)
    bad = outcomes[f"{case.reference}/{shown}"]
    assert bad.outcome == "rejected" and fragment in bad.reason
    assert no_raw_control(bad.inbox_path) and no_raw_control(bad.reason)
    [(kept, reason_text)] = kept_in_quarantine(place)
    assert kept.read_bytes() == content  # nothing deleted
    assert f"Datei: {case.reference}/{shown}\n" in reason_text and fragment in reason_text
    assert no_raw_control(reason_text.replace("\n", ""))
    assert len(kept.name.encode()) + len(".reason.txt") <= 255
    ledger = session.exec(select(IntakeFile).where(IntakeFile.outcome == "rejected")).one()
    assert ledger.inbox_path == f"{case.reference}/{shown}" and ledger.quarantine_path
    if raw == b"Zeugnis_f\xfcr.pdf":
        assert "Name als Bytes (hex): 5a 65 75 67 6e 69 73 5f 66 fc 72 2e 70 64 66" in reason_text
        assert "fc 72 2e 70 64 66" in ledger.reason
    assert not any(p.is_file() for p in (place["inbox"] / case.reference).iterdir())
    assert run(engine, place, rules) == {}  # and the next run finds nothing left to do


def test_a_name_that_is_not_utf8_no_longer_stops_the_whole_run(engine, session, catalogue, place, rules):
    """Before: UnicodeEncodeError for the batch, on every rerun. Now: one file, one outcome."""
    cases = [make_case(session, catalogue, given=name) for name in ("Iryna", "Oksana")]
    drop_bytes(place, cases[0].reference, b"\xc4rztliche_Bescheinigung.pdf", samples.pdf("Arzt"))
    good = {c.reference: drop_good(place, c.reference, 3) for c in cases}
    outcomes = run(engine, place, rules, batch=2)  # the bad file shares its batch with good ones
    for reference, files in good.items():
        assert_good_taken(session, place, reference, files, outcomes)
    assert outcomes[f"{cases[0].reference}/\\xc4rztliche_Bescheinigung.pdf"].outcome == "rejected"


def test_a_named_pipe_is_refused_unopened_and_does_not_hang_the_run(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    good = drop_good(place, case.reference)
    pipe = place["inbox"] / case.reference / "Diplom.pdf"
    os.mkfifo(pipe)
    done: dict = {}
    worker = threading.Thread(target=lambda: done.setdefault("outcomes", run(engine, place, rules)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # opened the pipe and waits for a writer: release it, then fail
        with open(pipe, "wb"):
            pass
        pytest.fail("the intake opened the named pipe and hung")
    outcomes = done["outcomes"]
    assert_good_taken(session, place, case.reference, good, outcomes)
    bad = outcomes[f"{case.reference}/Diplom.pdf"]
    assert bad.outcome == "rejected" and "benannte Pipe (FIFO)" in bad.reason and "nicht geöffnet" in bad.reason
    [(kept, reason_text)] = kept_in_quarantine(place)
    assert stat.S_ISFIFO(os.lstat(kept).st_mode) and "benannte Pipe" in reason_text  # moved, still the pipe


def test_a_socket_and_a_device_are_refused_unopened(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    good = drop_good(place, case.reference)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(place["inbox"] / case.reference / "Zeugnis.pdf"))
    expected = {"Zeugnis.pdf": "Socket"}
    if os.geteuid() == 0:  # only root may make device nodes; /dev/zero's numbers: a file that never ends
        os.mknod(place["inbox"] / case.reference / "Pass.jpg", stat.S_IFCHR | 0o600, os.makedev(1, 5))
        expected["Pass.jpg"] = "Gerätedatei"
    try:
        outcomes = run(engine, place, rules)
    finally:
        server.close()
    assert_good_taken(session, place, case.reference, good, outcomes)
    for name, fragment in expected.items():
        assert outcomes[f"{case.reference}/{name}"].outcome == "rejected"
        assert fragment in outcomes[f"{case.reference}/{name}"].reason
    assert len(kept_in_quarantine(place)) == len(expected)


def test_a_254_byte_name_is_taken_in_under_a_name_the_file_system_takes(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    content = samples.pdf("lang")
    drop_bytes(place, case.reference, CYRILLIC_254.encode(), content)
    outcomes = run(engine, place, rules)
    assert outcomes[f"{case.reference}/{CYRILLIC_254}"].outcome == "accepted"
    document = session.exec(select(Document)).one()
    assert len(document.stored_name.encode()) + len(".reason.txt.part") <= 255
    assert document.stored_name.endswith(".pdf") and document.original_name == CYRILLIC_254
    assert (place["cases"] / case.reference / "documents" / document.stored_name).read_bytes() == content


def test_a_symlink_is_moved_not_followed(engine, session, catalogue, place, rules, tmp_path):
    case = make_case(session, catalogue)
    secret = tmp_path / "geheim.txt"
    secret.write_text("nicht für die Akte")
    (place["inbox"] / case.reference).mkdir()
    os.symlink(secret, place["inbox"] / case.reference / "Diplom.pdf")
    outcome = run(engine, place, rules)[f"{case.reference}/Diplom.pdf"]
    assert outcome.outcome == "rejected" and "Symlink" in outcome.reason
    [(kept, _)] = kept_in_quarantine(place)
    assert kept.is_symlink() and secret.read_text() == "nicht für die Akte"


# ------------------------------------------------------------------------------------ never a half file


def test_a_file_still_being_written_is_left_untouched_until_it_has_settled(engine, session, catalogue, place, rules):
    case = make_case(session, catalogue)
    good = drop_good(place, case.reference)
    time.sleep(1.2)  # the good files have stood still for the 1-second settle time used here
    content = samples.pdf("langsam kopiert") + b"\n" * 600
    growing = place["inbox"] / case.reference / "Scan_USB.pdf"
    started = threading.Event()

    def slow_copy():  # a USB stick: a few bytes, a pause, a few bytes
        with growing.open("wb") as out:
            for start in range(0, len(content), 8):
                out.write(content[start:start + 8])
                out.flush()
                started.set()
                time.sleep(0.01)

    writer = threading.Thread(target=slow_copy)
    writer.start()
    started.wait(5)
    outcomes = run(engine, place, rules, settle_seconds=1)
    still_writing = writer.is_alive()
    writer.join()

    assert still_writing, "the copy ended before the intake ran; make it slower"
    assert_good_taken(session, place, case.reference, good, outcomes)
    waiting = outcomes[f"{case.reference}/Scan_USB.pdf"]
    assert waiting.outcome == "waiting" and "wird noch geschrieben" in waiting.reason
    assert growing.read_bytes() == content  # untouched: every byte the writer wrote is there
    assert not kept_in_quarantine(place) and len(session.exec(select(Document)).all()) == len(good)

    assert run(engine, place, rules, settle_seconds=1)[f"{case.reference}/Scan_USB.pdf"].outcome == "waiting"
    later = lambda: time.time() + 2  # noqa: E731 - two seconds on, the copy has stood still long enough
    files = intake.scan_inbox(place["inbox"])
    [taken] = intake.take_in(files, engine=engine, cases_dir=place["cases"], quarantine_dir=place["quarantine"],
                             rules=rules, max_bytes=20 * 1024 * 1024, settle_seconds=1, clock=later)
    assert taken.outcome == "accepted" and not growing.exists()
    document = session.exec(select(Document).where(Document.original_name == "Scan_USB.pdf")).one()
    stored = place["cases"] / case.reference / "documents" / document.stored_name
    assert stored.read_bytes() == content and document.sha256 == hashlib.sha256(content).hexdigest()


def test_a_file_that_changes_while_it_is_copied_is_left_for_the_next_run(engine, session, catalogue, place, rules, monkeypatch):
    case = make_case(session, catalogue)
    first = samples.pdf("erste Hälfte")
    path = drop_bytes(place, case.reference, b"Diplom.pdf", first)
    real_open = filestore.open_regular

    def open_while_writing(source, seen):
        stream = real_open(source, seen)
        with open(source, "ab") as more:  # the writer goes on after the copy began
            more.write(b"\n% noch mehr\n")
        return stream

    monkeypatch.setattr(filestore, "open_regular", open_while_writing)
    outcome = run(engine, place, rules)[f"{case.reference}/Diplom.pdf"]
    assert outcome.outcome == "waiting" and "während des Kopierens geändert" in outcome.reason
    assert path.read_bytes() == first + b"\n% noch mehr\n"
    assert session.exec(select(Document)).all() == [] and session.exec(select(IntakeFile)).all() == []
    assert not [p for p in place["cases"].rglob("*") if p.is_file()]  # the staging copy is gone too

    monkeypatch.undo()
    assert run(engine, place, rules)[f"{case.reference}/Diplom.pdf"].outcome == "accepted"
    document = session.exec(select(Document)).one()
    assert document.sha256 == hashlib.sha256(first + b"\n% noch mehr\n").hexdigest()


def test_a_file_that_changes_after_it_was_stored_is_not_removed(engine, session, catalogue, place, rules, monkeypatch):
    """A stalled copy that resumes after the intake stored the file: the inbox file keeps the new
    bytes (removing it would lose them), the stored copy matches its recorded hash."""
    case = make_case(session, catalogue)
    first = samples.pdf("vor der Pause")
    path = drop_bytes(place, case.reference, b"Zeugnis.pdf", first)
    real_store = intake._store

    def store_then_writer_resumes(session_, batch):
        real_store(session_, batch)
        with path.open("ab") as more:
            more.write(b"\n% nach der Pause\n")

    monkeypatch.setattr(intake, "_store", store_then_writer_resumes)
    outcome = run(engine, place, rules)[f"{case.reference}/Zeugnis.pdf"]
    assert outcome.outcome == "accepted" and "bleibt liegen" in outcome.reason
    assert path.read_bytes() == first + b"\n% nach der Pause\n"
    document = session.exec(select(Document)).one()
    stored = place["cases"] / case.reference / "documents" / document.stored_name
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == document.sha256 == hashlib.sha256(first).hexdigest()


# ------------------------------------------------------------------------------------ one file never stops the batch


def test_a_read_error_quarantines_that_file_with_the_reason(engine, session, catalogue, place, rules, monkeypatch):
    case = make_case(session, catalogue)
    good = drop_good(place, case.reference)
    content = samples.pdf("defekter Sektor")
    drop_bytes(place, case.reference, b"Zeugnis.pdf", content)
    real_open = filestore.open_regular

    def failing_disk(source, seen):
        if source.name == "Zeugnis.pdf":
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(source))
        return real_open(source, seen)

    monkeypatch.setattr(filestore, "open_regular", failing_disk)
    outcomes = run(engine, place, rules)
    assert_good_taken(session, place, case.reference, good, outcomes)
    bad = outcomes[f"{case.reference}/Zeugnis.pdf"]
    assert bad.outcome == "rejected" and "kann nicht gelesen oder kopiert werden (Input/output error)" in bad.reason
    [(kept, reason_text)] = kept_in_quarantine(place)
    assert kept.read_bytes() == content and "Input/output error" in reason_text


def test_an_unexpected_error_in_one_check_quarantines_only_that_file(engine, session, catalogue, place, rules, monkeypatch):
    case = make_case(session, catalogue)
    good = drop_good(place, case.reference)
    drop_bytes(place, case.reference, b"Zeugnis.pdf", samples.pdf("Fehler"))
    real_inspect = intake.inspect_file

    def buggy(stream, *, name, max_bytes):
        if name == "Zeugnis.pdf":
            raise ZeroDivisionError("a bug in a check")
        return real_inspect(stream, name=name, max_bytes=max_bytes)

    monkeypatch.setattr(intake, "inspect_file", buggy)
    outcomes = run(engine, place, rules)
    assert_good_taken(session, place, case.reference, good, outcomes)
    bad = outcomes[f"{case.reference}/Zeugnis.pdf"]
    assert bad.outcome == "rejected" and "unerwarteter Fehler" in bad.reason and "ZeroDivisionError" in bad.reason
    assert len(kept_in_quarantine(place)) == 1
    assert not [p for p in (place["cases"] / intake.STAGING_FOLDER).iterdir()]


def test_a_file_that_cannot_even_be_moved_into_quarantine_is_recorded_in_the_ledger(
        engine, session, catalogue, place, rules, monkeypatch):
    case = make_case(session, catalogue)
    good = drop_good(place, case.reference)
    bad_path = drop_bytes(place, case.reference, b"Diplom.pdf", samples.executable())

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(intake, "quarantine", full_disk)
    outcomes = run(engine, place, rules)
    assert_good_taken(session, place, case.reference, good, outcomes)
    bad = outcomes[f"{case.reference}/Diplom.pdf"]
    assert bad.outcome == "error" and "nicht in die Quarantäne" in bad.reason and "ausführbar" in bad.reason
    assert bad_path.read_bytes() == samples.executable()  # still in the inbox, nothing lost
    rows = session.exec(select(IntakeFile).where(IntakeFile.inbox_path == f"{case.reference}/Diplom.pdf").order_by(IntakeFile.id)).all()
    assert [row.outcome for row in rows] == ["rejected", "error"] and "No space left" in rows[1].reason

    monkeypatch.undo()  # the disk has room again: the next run finishes the move
    again = run(engine, place, rules)[f"{case.reference}/Diplom.pdf"]
    assert again.outcome in ("finished", "rejected") and not bad_path.exists()
    assert len(kept_in_quarantine(place)) == 1


# ------------------------------------------------------------------------------------ the command line


def test_the_intake_command_shows_every_hostile_name_escaped_and_takes_the_good_files(
        sqlite_template, catalogue, cli_command, cli_env, tmp_path):
    import shutil

    from models.db import make_engine

    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "welcome-center.db")
    engine = make_engine(f"sqlite:///{home / 'welcome-center.db'}")
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, catalogue)
    engine.dispose()
    place_ = {"inbox": home / "inbox"}
    good = drop_good(place_, case.reference)
    for _, raw, content, _, _ in HOSTILE:
        drop_bytes(place_, case.reference, raw, content)
    os.mkfifo(home / "inbox" / case.reference / "Pipe.pdf")
    env = dict(cli_env, WELCOME_CENTER_HOME=str(home), WELCOME_CENTER_INTAKE_SETTLE_SECONDS="0")
    for name in ("WELCOME_CENTER_DATABASE_URL", "PREFECT_API_URL", "PREFECT_HOME"):
        env.pop(name, None)

    result = subprocess.run([*cli_command, "intake"], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)

    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\x00" not in result.stdout
    assert f"accepted {len(good)}" in result.stdout and f"rejected {len(HOSTILE) + 1}" in result.stdout
    lines = result.stdout.splitlines()
    for _, _, _, fragment, shown in HOSTILE:
        [line] = [line for line in lines if line.startswith(f"  {case.reference}/{shown}: rejected")]
        assert fragment in line
    assert not any(line.startswith("  Lebenslauf.pdf") for line in lines)  # no forged line
    assert any("Pipe.pdf: rejected" in line and "benannte Pipe" in line for line in lines)
    assert not any(p.is_file() for p in (home / "inbox" / case.reference).iterdir())


# ------------------------------------------------------------------------------------ the web upload


@pytest.fixture
def web_home(web_app, tmp_path):
    from adapters.settings import Settings

    settings = Settings(home=tmp_path / "home")
    web_app.state.settings = settings
    return settings


def raw_upload(client, reference: str, name: bytes, content: bytes):
    """POST the upload form as bytes, so that the file name reaches the server exactly as given
    (httpx would percent-encode control characters, as browsers do for some)."""
    from tests.web_fixtures import csrf_token

    token = csrf_token(client, f"/faelle/{reference}")
    boundary = b"----welcome-center-test"
    body = b"".join([
        b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token.encode() + b"\r\n",
        b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"item_key\"\r\n\r\n\r\n",
        b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + b"\"\r\n"
        b"Content-Type: application/pdf\r\n\r\n" + content + b"\r\n",
        b"--" + boundary + b"--\r\n",
    ])
    return client.post(f"/faelle/{reference}/unterlagen", content=body,
                       headers={"content-type": f"multipart/form-data; boundary={boundary.decode()}"})


WEB_HOSTILE = [
    ("not UTF-8", b"Zeugnis_f\xfcr.pdf", samples.pdf("Umlaut"), "nicht in UTF-8", "Zeugnis_f\\xfcr.pdf"),
    ("NUL", b"Zeugnis\x00.pdf", samples.pdf("NUL"), "Steuerzeichen", "Zeugnis\\x00.pdf"),
    ("ESC", b"Zeugnis\x1b[31m.pdf", samples.pdf("ESC"), "Steuerzeichen", "Zeugnis\\x1b[31m.pdf"),
    ("U+202E", "Rechnung\u202efdp.exe".encode(), samples.pdf("Bidi"), "Steuerzeichen", "Rechnung&lt;U+202E&gt;fdp.exe"),
    ("PDF with JavaScript", b"Diplom.pdf", pdf_with_javascript(), "enthält Programmcode", "Diplom.pdf"),
    ("truncated PDF", b"Zeugnis.pdf", truncated_pdf(), "unvollständig", "Zeugnis.pdf"),
    ("254-byte name, a program inside", CYRILLIC_254.encode(), samples.executable(), "ausführbar", CYRILLIC_254[:80]),
]


@pytest.mark.parametrize(("raw", "content", "fragment", "shown"), [h[1:] for h in WEB_HOSTILE], ids=[h[0] for h in WEB_HOSTILE])
def test_the_upload_gives_the_same_result_a_german_message_and_the_file_in_quarantine(
        client, accounts, web_cases, web_engine, web_home, raw, content, fragment, shown):
    from tests.test_web_case import consent_and_address
    from tests.web_fixtures import login

    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    assert login(client, accounts["verden"].email).status_code == 303

    response = raw_upload(client, reference, raw, content)

    assert response.status_code == 422
    assert f"Datei „{shown}" in response.text and fragment in response.text and "Quarantäne" in response.text
    assert "\x00" not in response.text and "\x1b" not in response.text and "\u202e" not in response.text
    kept = [p for p in web_home.quarantine_dir.rglob("*") if p.is_file() and not p.name.endswith(".reason.txt")]
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert no_raw_control(kept[0].with_name(kept[0].name + ".reason.txt").read_text(encoding="utf-8").replace("\n", ""))
    with Session(web_engine) as session:
        assert session.exec(select(Document)).all() == []
        ledger = session.exec(select(IntakeFile)).one()
    assert ledger.outcome == "rejected" and no_raw_control(ledger.inbox_path)
    overview = client.get("/").text  # the quarantine list shows the name escaped too
    assert "\x00" not in overview and "\x1b" not in overview and "\u202e" not in overview


def test_a_254_byte_name_uploads_as_a_document(client, accounts, web_cases, web_engine, web_home):
    from tests.test_web_case import consent_and_address
    from tests.web_fixtures import login

    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    assert login(client, accounts["verden"].email).status_code == 303
    content = samples.pdf("lang")
    response = raw_upload(client, reference, CYRILLIC_254.encode(), content)
    assert response.status_code == 303
    with Session(web_engine) as session:
        document = session.exec(select(Document)).one()
    assert document.original_name == CYRILLIC_254 and len(document.stored_name.encode()) <= 255 - 16
    assert (web_home.cases_dir / reference / "documents" / document.stored_name).read_bytes() == content


def test_an_upload_whose_check_fails_gets_a_german_message_not_a_500(
        client, accounts, web_cases, web_engine, web_home, monkeypatch):
    from tests.test_web_case import consent_and_address
    from tests.web_fixtures import login

    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    assert login(client, accounts["verden"].email).status_code == 303

    def buggy(*args, **kwargs):
        raise ZeroDivisionError("a bug in a check")

    monkeypatch.setattr(intake, "inspect_file", buggy)
    content = samples.pdf("Fehler")
    response = raw_upload(client, reference, b"Zeugnis.pdf", content)
    assert response.status_code == 422 and "unerwarteter Fehler" in response.text and "Quarantäne" in response.text
    kept = [p for p in web_home.quarantine_dir.rglob("*") if p.is_file() and not p.name.endswith(".reason.txt")]
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert not [p for p in (web_home.cases_dir / intake.STAGING_FOLDER).iterdir()]



# ------------------------------------------------------------------------------------ the settle time setting


def test_the_settle_time_is_a_setting_of_10_seconds_by_default(monkeypatch, tmp_path):
    import pydantic

    from adapters.settings import Settings

    monkeypatch.delenv("WELCOME_CENTER_INTAKE_SETTLE_SECONDS", raising=False)
    assert Settings(home=tmp_path).intake_settle_seconds == 10
    monkeypatch.setenv("WELCOME_CENTER_INTAKE_SETTLE_SECONDS", "2.5")
    assert Settings(home=tmp_path).intake_settle_seconds == 2.5
    monkeypatch.setenv("WELCOME_CENTER_INTAKE_SETTLE_SECONDS", "-1")
    with pytest.raises(pydantic.ValidationError):
        Settings(home=tmp_path)


def test_a_negative_settle_time_is_refused_with_its_code(engine, place, rules):
    from domain.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        intake.take_in([], engine=engine, cases_dir=place["cases"], quarantine_dir=place["quarantine"], rules=rules,
                       max_bytes=1000, settle_seconds=-1)
    assert refused.value.code == "intake.settle_seconds" and "Sekunden" in refused.value.message_de
