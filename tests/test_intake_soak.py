"""Soak: an inbox of 2,000 files, a tenth of them hostile, the intake command killed with SIGKILL
twice at random moments (seeded: WELCOME_CENTER_SOAK_SEED) and run again until it is done. Then every good file is stored
exactly once, every hostile one waits in quarantine, nothing is left in the inbox or half written,
and for every stored document the SHA-256 of the file on the disk is the one recorded.

The intake runs as a newcomer runs it, `python -m welcome_center intake` with its own state folder
(WELCOME_CENTER_HOME); each run starts Prefect's temporary server (10–20 s of the test's time), so
there are three runs: two killed, one to the end. The process group is killed, the temporary server
with it, as a power cut or the OOM killer would. `WELCOME_CENTER_SOAK_FILES` changes the number of
files (default 2,000, the issue's figure; about 60 s on a 2-core machine).
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import stat
import subprocess
import time
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from domain.display import visible
from models import Case, Document, IntakeFile
from services.cases import find_or_create_person, open_case, record_consent
from welcome_center.demo import samples

from .test_intake_hostile import CYRILLIC_254, pdf_with_javascript, truncated_pdf

SOAK_FILES = int(os.environ.get("WELCOME_CENTER_SOAK_FILES", "2000"))
SEED = int(os.environ.get("WELCOME_CENTER_SOAK_SEED", "20261125"))
FILES_PER_CASE = 40
KILLS = 2


def hostile(number: int, folder: Path, outside: Path) -> str:
    """Drop hostile file `number` (its kind in turn) into `folder`; the name it is shown under."""
    tag = str(number)
    kind = number % 10
    if kind == 0:
        os.mkfifo(folder / f"Pipe_{tag}.pdf")
        return f"Pipe_{tag}.pdf"
    if kind == 1:
        target = outside / f"geheim_{tag}.txt"
        target.write_text("nicht für die Akte")
        os.symlink(target, folder / f"Verknuepfung_{tag}.pdf")
        return f"Verknuepfung_{tag}.pdf"
    name, content = {
        2: (b"Zeugnis_f\xfcr_%s.pdf" % tag.encode(), samples.pdf(f"Umlaut {tag}")),
        3: (b"Zeugnis_%s.pdf: accepted\n  Lebenslauf.pdf" % tag.encode(), samples.pdf(f"Zeile {tag}")),
        4: (b"Zeugnis_%s\x1b[2J\x1b[31m.pdf" % tag.encode(), samples.pdf(f"ESC {tag}")),
        5: (f"Rechnung_{tag}\u202efdp.exe".encode(), samples.pdf(f"Bidi {tag}")),
        6: (f"Diplom_js_{tag}.pdf".encode(), pdf_with_javascript(tag)),
        7: (f"Zeugnis_halb_{tag}.pdf".encode(), truncated_pdf(tag)),
        8: ((CYRILLIC_254[: 125 - len(tag)] + tag + ".pdf").encode(), samples.executable() + tag.encode()),
        9: (f"Diplom_{tag}.pdf".encode(), samples.executable() + tag.encode()),
    }[kind]
    with open(os.path.join(os.fsencode(folder), name), "wb") as out:
        out.write(content)
    return visible(name.decode("utf-8", "surrogateescape"))


def good_file(number: int) -> tuple[str, bytes]:
    if number % 50 == 1:  # now and then a long Cyrillic name (254 bytes), stored under a shortened one
        tag = str(number)
        return CYRILLIC_254[: 125 - (len(tag) + 1) // 2] + ("_" if len(tag) % 2 else "") + tag + ".pdf", samples.pdf(f"Soak {number}")
    if number % 7 == 0:
        return f"Foto_{number:05d}.png", samples.png(1 + number % 61, 1 + number // 61)
    return f"Dokument_{number:05d}.pdf", samples.pdf(f"Soak {number}")


def inbox_left(inbox: Path) -> int:
    left = 0
    for folder in os.scandir(inbox):
        if folder.is_dir(follow_symlinks=False):
            left += sum(1 for entry in os.scandir(folder.path) if not entry.is_dir(follow_symlinks=False))
    return left


def test_killed_twice_at_random_moments_every_good_file_is_stored_once_and_every_hostile_one_kept(
        sqlite_template, catalogue, cli_command, cli_env, tmp_path):
    from models.db import make_engine

    rng = random.Random(SEED)
    home = tmp_path / "home"
    inbox = home / "inbox"
    outside = tmp_path / "ausserhalb"
    outside.mkdir()
    inbox.mkdir(parents=True)
    shutil.copyfile(sqlite_template, home / "welcome-center.db")
    engine = make_engine(f"sqlite:///{home / 'welcome-center.db'}")
    references = []
    with Session(engine, expire_on_commit=False) as session:
        for number in range(max(1, SOAK_FILES // FILES_PER_CASE)):
            person, _ = find_or_create_person(session, actor="test:soak", given_name=f"Person{number}", family_name="Soak",
                                              birth_date=date(1990, 1, 1 + number % 28),
                                              language="uk", district="verden")
            record_consent(session, person=person, given_on=date(2026, 11, 1), given_by="person",
                           actor="test:soak")
            case = open_case(session, person=person, profession_text="Krankenschwester", catalogue=catalogue,
                             today=date(2026, 11, 25), actor="test:soak")
            references.append(case.reference)
        session.commit()

    expected_good: dict[tuple[str, str], bytes] = {}  # (case reference, sha256) → content
    expected_hostile: set[str] = set()  # "<reference>/<name as shown>"
    for number in range(SOAK_FILES):
        reference = references[number % len(references)]
        folder = inbox / reference
        folder.mkdir(exist_ok=True)
        if number % 10 == 9:
            expected_hostile.add(f"{reference}/{hostile(number // 10, folder, outside)}")
        else:
            name, content = good_file(number)
            (folder / name).write_bytes(content)
            expected_good[(reference, hashlib.sha256(content).hexdigest())] = content
    assert inbox_left(inbox) == SOAK_FILES

    env = dict(cli_env, WELCOME_CENTER_HOME=str(home), WELCOME_CENTER_INTAKE_SETTLE_SECONDS="0")
    for name in ("WELCOME_CENTER_DATABASE_URL", "PREFECT_API_URL", "PREFECT_HOME"):
        env.pop(name, None)
    kills, outputs, started = [], [], time.monotonic()
    for attempt in range(KILLS + 3):
        log = tmp_path / f"run{attempt}.log"
        before = inbox_left(inbox)
        with log.open("wb") as out:
            process = subprocess.Popen([*cli_command, "intake"], stdout=out, stderr=subprocess.STDOUT, env=env,
                                       start_new_session=True)
            killed = False
            if len(kills) < KILLS:
                # a random moment: once a random share (10-60 %) of the files left has been handled (the
                # temporary server's start-up is not what is tested), and a random 0-0.4 s later, which
                # lands in any step of the next batch: copying, judging, committing, removing, moving
                share, extra = rng.uniform(0.1, 0.6), rng.uniform(0.0, 0.4)
                deadline = time.monotonic() + 300
                while process.poll() is None and before - inbox_left(inbox) < share * before \
                        and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(extra)
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    kills.append((f"{share:.0%} + {extra:.2f} s", before - inbox_left(inbox)))
                    killed = True
            if not killed:
                assert process.wait(timeout=600) == 0, log.read_text(errors="replace")[-3000:]
        outputs.append(log.read_text(encoding="utf-8", errors="replace"))
        if not killed and inbox_left(inbox) == 0:
            break
    elapsed = time.monotonic() - started
    print(f"soak: {SOAK_FILES} files, kills (when, files handled before it): {kills}, "
          f"{attempt + 1} runs, {elapsed:.1f} s")

    assert len(kills) == KILLS, f"a run finished before it could be killed: {kills}"
    assert all(0 < handled < SOAK_FILES for _, handled in kills)
    assert not any("Traceback" in output for output in outputs)
    assert inbox_left(inbox) == 0

    with Session(engine) as session:
        cases = {c.id: c.reference for c in session.exec(select(Case)).all()}
        documents = session.exec(select(Document)).all()
        ledger = session.exec(select(IntakeFile)).all()
    engine.dispose()
    stored = {(cases[d.case_id], d.sha256) for d in documents}
    assert len(documents) == len(expected_good) and stored == set(expected_good)  # each good file exactly once
    for document in documents:
        path = home / "cases" / cases[document.case_id] / "documents" / document.stored_name
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == document.sha256 and data == expected_good[(cases[document.case_id], document.sha256)]
    assert sorted(r.outcome for r in ledger).count("accepted") == len(expected_good)
    on_disk = [p for p in (home / "cases").rglob("*") if p.is_file() or p.is_symlink()]
    assert len(on_disk) == len(expected_good)  # no half file, no staging copy left

    kept = [p for p in (home / "quarantine").rglob("*") if not p.is_dir() and not p.name.endswith(".reason.txt")]
    reasons = {}
    for path in kept:
        text = path.with_name(path.name + ".reason.txt").read_text(encoding="utf-8")
        reasons[text.split("\n", 1)[0].removeprefix("Datei: ")] = (path, text)
    assert set(reasons) == expected_hostile and len(kept) == len(expected_hostile)  # each once, none lost
    for shown, (path, text) in reasons.items():
        assert "Grund: " in text and all(visible(line) == line for line in text.splitlines())
        if shown.split("/", 1)[1].startswith("Pipe_"):
            assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert sorted(r.outcome for r in ledger).count("rejected") == len(expected_hostile)
