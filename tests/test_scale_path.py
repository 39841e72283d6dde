"""The scale path, proven (issue 15, item 5): a Prefect server on PostgreSQL, the application on
PostgreSQL, two serving processes (`python -m flows.serving`) and two runs of each deployment started
at the same moment, with a third reminder run started alongside as the README does it (`prefect
deployment run 'reminders/daily-reminders' --param on=YYYY-MM-DD`). Every due mail arrives once,
every inbox file becomes one document, every flow run completes once, and every process the test
started is gone afterwards.

The two inbox runs run at the same time over the same files (services/intake.py: each run stages
its copies under names of its own, a file the other run took is nothing to do, a document the other
run committed first keeps its file); the ledger must still hold each file once, as accepted.

The processes are started as the README's commands start them, with four differences, each for
the test's sake: the serving processes poll every 2 s instead of 10 s
(PREFECT_RUNNER_POLL_FREQUENCY; wall time), the intake takes a file at once (WELCOME_CENTER_INTAKE_SETTLE_SECONDS=0; the test wrote and closed
them), and the server's scheduler service is off (PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=false):
on a weekday between 7 and 18 h the cron schedule would start an inbox run of its own every 15
minutes, in the middle of the test.

Prefect is not imported in this process (tests/conftest.py's `prefect_home` sets its home first for
the CLI tests); the test talks to the server over its REST API.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, func, select

from domain.deadlines import Period
from domain.lifecycle import Event
from models import Document, IntakeFile, OutboxMessage
from services.cases import advance_case, find_or_create_person, open_case
from welcome_center.demo import samples

from .conftest import IN_CI, POSTGRES_ADMIN_URL, ROOT, _postgres_reachable, free_port
from .test_intake import make_case
from .test_reminders import NI, make_cases

pytestmark = pytest.mark.postgres

REMINDER_DAY = date(2026, 11, 27)  # a Friday: make_cases' reminders and those of due_person_cases fall due
ACTOR = "test:scale-path"
DUE_PERSONS = 24  # besides make_cases' two mails: one mail each on REMINDER_DAY
INTAKE_NAMES = ("Iryna", "Olha", "Bohdan", "Taras", "Mariam", "Yusuf", "Daria", "Samir")
INBOX_FILES = {  # per case folder; contents differ within a case (a document is unique per case and SHA-256)
    "Diplom.pdf": lambda: samples.pdf("Diplom"),
    "Zeugnis.pdf": lambda: samples.pdf("Zeugnis"),
    "Reisepass.jpg": samples.jpeg,
    "Lebenslauf.docx": lambda: samples.docx("Lebenslauf"),
}
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}
STOP_GRACE_SECONDS = 15


# ---------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def databases():
    """Two fresh PostgreSQL databases, one for the Prefect server and one for the application; dropped
    afterwards. With CI set, an unreachable PostgreSQL fails the test instead of skipping it."""
    reason = _postgres_reachable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {POSTGRES_ADMIN_URL}: {reason}")
        pytest.skip(f"PostgreSQL not reachable ({reason}); this test runs in CI")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    stem = f"welcome_center_scale_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    names = {"prefect": f"{stem}_prefect", "app": f"{stem}_app"}
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        base = make_url(POSTGRES_ADMIN_URL)
        yield {
            "prefect": base.set(drivername="postgresql+asyncpg", database=names["prefect"]).render_as_string(hide_password=False),
            "app": base.set(drivername="postgresql+psycopg", database=names["app"]).render_as_string(hide_password=False),
        }
    finally:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---------------------------------------------------------------------------- processes


@dataclass(frozen=True)
class Started:
    name: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])


def _session_members(sessions: set[int]) -> list[tuple[int, str]]:
    """Live processes (not zombies) in one of these sessions: (pid, command line). Linux /proc; none
    where there is no /proc."""
    members = []
    if not Path("/proc").is_dir():
        return members
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp session ...
            if fields[0] != "Z" and int(fields[3]) in sessions:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                members.append((int(entry.name), command))
        except (OSError, ValueError, IndexError):
            continue  # ended while we looked
    return members


def exit_status(process: subprocess.Popen) -> int | None:
    """The exit status of a child that has ended, or None, without reaping it: until it is reaped its
    pid, and so its process group and session id, cannot pass to another process, which keeps
    signalling the group safe on a machine others share."""
    if process.returncode is not None:
        return process.returncode
    ended = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if ended is None:
        return None
    return ended.si_status if ended.si_code == os.CLD_EXITED else -ended.si_status


def wait_exit(process: subprocess.Popen, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while (status := exit_status(process)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    return status


class Processes:
    """The processes of one test, each the leader of a session (and process group) of its own, so that
    the children it starts (a serving process's flow runs, the server's workers) end with it. The
    leaders are reaped only in `stop_all`, after their sessions were searched (see `exit_status`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.started: list[Started] = []

    def start(self, name: str, command: list[str], *, env: dict[str, str], cwd: Path) -> Started:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        started = Started(name, process, log)
        self.started.append(started)
        return started

    def stop_all(self) -> list[tuple[int, str]]:
        """SIGTERM to each group, the last started first (the serving processes before their server),
        SIGKILL after STOP_GRACE_SECONDS; then SIGKILL to whatever in their sessions outlived its
        leader. Returns the processes still alive in the sessions."""
        for started in reversed(self.started):
            self._stop(started.process)
        sessions = {started.process.pid for started in self.started if started.process.returncode is None}
        deadline = time.monotonic() + 5
        while _session_members(sessions) and time.monotonic() < deadline:
            time.sleep(0.1)  # the leaders' children had the same SIGTERM
        for pid, _ in _session_members(sessions):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
        left = _session_members(sessions)
        for started in self.started:
            try:
                started.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                left.append((started.process.pid, started.name))
        return left

    @staticmethod
    def _stop(process: subprocess.Popen) -> None:
        if process.returncode is not None:
            return  # reaped already: its ids may be another process's by now
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)  # an ended leader, not yet reaped, still holds its group's id
            except ProcessLookupError:
                return  # the whole group has ended
            if wait_exit(process, STOP_GRACE_SECONDS) is not None:
                return


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path / "logs")
    yield started
    left = started.stop_all()
    assert not left, f"processes left after the test: {left}"


def wait_for(what: str, check, *, timeout: float, watch: tuple[Started, ...] = (), every: float = 0.25):
    """`check()`'s first truthy value; fails after `timeout` s or when a watched process has exited."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        for started in watch:
            if (status := exit_status(started.process)) is not None:
                pytest.fail(f"{started.name} exited ({status}) while waiting for {what}:\n{started.tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


# ---------------------------------------------------------------------------- data


def due_person_cases(session, catalogue, count: int) -> None:
    """`count` cases collecting documents whose deadline (04.12.2026, set 20.11.) makes the person's
    reminder due on REMINDER_DAY: the collecting case of tests/test_reminders.make_cases, many times."""
    for n in range(count):
        person, _ = find_or_create_person(session, actor=ACTOR, given_name="Mira", family_name="Beispiel",
                                          birth_date=date(1990, 1, 1) + timedelta(days=n), language="de",
                                          district="osterholz" if n % 2 else "verden", email=f"mira{n}@example.org")
        case = open_case(session, person=person, profession_text="Apothekerin", catalogue=catalogue,
                         today=date(2026, 11, 20), actor=ACTOR)
        advance_case(session, case=case, event=Event.COLLECT, on=date(2026, 11, 20), actor=ACTOR, calendar=NI)
        advance_case(session, case=case, event=Event.SET_DEADLINE, on=date(2026, 11, 20), period=Period(days=14),
                     actor=ACTOR, calendar=NI)
    session.commit()


def fill_inbox(session, catalogue, inbox: Path) -> dict[str, int]:
    """Cases with consent, each with INBOX_FILES waiting in inbox/<reference>/; {reference: files}."""
    dropped = {}
    for given in INTAKE_NAMES:
        case = make_case(session, catalogue, given=given)
        folder = inbox / case.reference
        folder.mkdir(parents=True)
        for name, content in INBOX_FILES.items():
            (folder / name).write_bytes(content())
        dropped[case.reference] = len(INBOX_FILES)
    return dropped


# ---------------------------------------------------------------------------- Prefect's REST API


def final_run(api: httpx.Client, run_id: str) -> dict | None:
    run = api.get(f"/flow_runs/{run_id}").raise_for_status().json()
    return run if run["state_type"] in FINAL else None


def run_logs(api: httpx.Client, run_id: str) -> str:
    logs = api.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC"})
    return "\n".join(entry["message"] for entry in logs.json()[-30:])


def start_at_once(api_url: str, wanted: list[tuple[str, dict]]) -> list[str]:
    """Create one flow run per (deployment id, parameters), all released by one barrier; their ids."""
    barrier = threading.Barrier(len(wanted))
    ids: list[str | BaseException] = [""] * len(wanted)

    def create(slot: int, deployment_id: str, parameters: dict) -> None:
        try:
            with httpx.Client(base_url=api_url, timeout=30) as api:
                barrier.wait(timeout=30)
                ids[slot] = api.post(f"/deployments/{deployment_id}/create_flow_run",
                                     json={"parameters": parameters}).raise_for_status().json()["id"]
        except BaseException as error:  # noqa: BLE001 - raised below, in the test's thread
            ids[slot] = error

    threads = [threading.Thread(target=create, args=(slot, *item)) for slot, item in enumerate(wanted)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for value in ids:
        if isinstance(value, BaseException):
            raise value
    return ids


def began(log_text: str) -> Counter:
    """Flow run names whose start a serving process's output shows (its flow runs inherit its stdout)."""
    return Counter(re.findall(r"Beginning flow run '([^']+)'", log_text))


# ---------------------------------------------------------------------------- the test


def test_two_serving_processes_on_postgresql_run_each_run_once_and_each_mail_and_file_once(
    databases, smtp_server, processes, catalogue, cli_env, tmp_path,
):
    sink, smtp_port = smtp_server
    sink.delay = 0.2  # 26 mails take a run with two senders about 2.6 s: time for the other runs to claim their share
    started_at = time.monotonic()
    print(f"\nscale path: the processes' output is in {processes.folder}")
    prefect_home = tmp_path / "prefect"
    home = tmp_path / "state"
    (home / "inbox").mkdir(parents=True)
    server_cwd = tmp_path / "server"  # no .env or prefect.toml of the project's folder
    server_cwd.mkdir()

    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    server = processes.start(
        "prefect-server", [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={**cli_env, "PREFECT_HOME": str(prefect_home),
             "PREFECT_SERVER_DATABASE_CONNECTION_URL": databases["prefect"],
             "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false",
             "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"},
        cwd=server_cwd,
    )

    # the application's database and data, while the server starts
    from adapters.database import upgrade
    from models.db import make_engine

    upgrade(databases["app"])
    engine = make_engine(databases["app"])
    api = httpx.Client(base_url=api_url, timeout=30)
    try:
        with Session(engine, expire_on_commit=False) as session:
            make_cases(session, catalogue)
            due_person_cases(session, catalogue, DUE_PERSONS)
            dropped = fill_inbox(session, catalogue, home / "inbox")
        prepared_at = time.monotonic()

        def healthy():
            try:
                return api.get("/health").status_code == 200
            except httpx.TransportError:
                return False

        wait_for("the Prefect server's /api/health", healthy, timeout=120, watch=(server,))
        server_up_at = time.monotonic()

        serving_env = {
            **cli_env, "PYTHONUNBUFFERED": "1",
            "PREFECT_HOME": str(prefect_home), "PREFECT_API_URL": api_url, "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            "WELCOME_CENTER_DATABASE_URL": databases["app"], "WELCOME_CENTER_HOME": str(home),
            "WELCOME_CENTER_INTAKE_SETTLE_SECONDS": "0",
            "WELCOME_CENTER_SMTP_HOST": "127.0.0.1", "WELCOME_CENTER_SMTP_PORT": str(smtp_port),
        }
        serving = tuple(processes.start(f"serving-{n}", [sys.executable, "-m", "flows.serving"], env=serving_env, cwd=ROOT)
                        for n in (1, 2))

        def deployment_ids():
            found = {}
            for name in ("reminders/daily-reminders", "intake/inbox-intake", "letters/due-letters"):
                answer = api.get(f"/deployments/name/{name}")
                if answer.status_code != 200:
                    return None
                found[name] = answer.json()["id"]
            return found

        deployments = wait_for("the three deployments", deployment_ids, timeout=120, watch=(server, *serving))
        deployed_at = time.monotonic()

        # the README's way to pick the day, alongside: `prefect deployment run ... --param on=YYYY-MM-DD`
        by_hand = processes.start(
            "prefect-deployment-run",
            [sys.executable, "-m", "prefect", "deployment", "run", "reminders/daily-reminders", "--param", f"on={REMINDER_DAY}"],
            env={**cli_env, "PREFECT_HOME": str(prefect_home), "PREFECT_API_URL": api_url}, cwd=server_cwd,
        )
        # the deployment's scheduled=True stays; small batches, so that the runs share the sending
        reminders = {"on": REMINDER_DAY.isoformat(), "batch_size": 4}
        intake = {"scheduled": False}  # a scheduled intake rests on a weekend (flows/day_off.py)
        run_ids = start_at_once(api_url, [
            (deployments["reminders/daily-reminders"], reminders), (deployments["reminders/daily-reminders"], reminders),
            (deployments["intake/inbox-intake"], intake), (deployments["intake/inbox-intake"], intake),
        ])
        runs = {run_id: wait_for(f"flow run {run_id} final", lambda run_id=run_id: final_run(api, run_id), timeout=180,
                                 watch=(server, *serving), every=0.5)
                for run_id in run_ids}
        finished_at = time.monotonic()
        assert wait_exit(by_hand.process, 60) == 0, by_hand.tail()
        by_hand_id = re.search(r"UUID: ([0-9a-f-]{36})", by_hand.output()).group(1)
        by_hand_run = wait_for("the run started by `prefect deployment run`", lambda: final_run(api, by_hand_id),
                               timeout=180, watch=(server, *serving), every=0.5)

        # each run completed, once, with the parameters asked for
        for run_id, run in runs.items():
            assert run["state_type"] == "COMPLETED", f"{run['name']}: {run['state_name']}\n{run_logs(api, run_id)}"
            assert run["run_count"] == 1, f"{run['name']} ran {run['run_count']} times"
            states = api.get("/flow_run_states/", params={"flow_run_id": run_id}).json()
            assert [s["type"] for s in states].count("RUNNING") == 1, f"{run['name']}: {[s['name'] for s in states]}"
        assert [run["parameters"] for run in runs.values()] == [
            {"scheduled": True, "on": "2026-11-27", "batch_size": 4}, {"scheduled": True, "on": "2026-11-27", "batch_size": 4},
            {"scheduled": False}, {"scheduled": False},
        ]
        assert by_hand_run["state_type"] == "COMPLETED", f"{by_hand_run['state_name']}\n{run_logs(api, by_hand_id)}"
        assert by_hand_run["parameters"] == {"scheduled": True, "on": "2026-11-27"}
        reports = api.post("/artifacts/filter", json={"artifacts": {
            "flow_run_id": {"any_": [*run_ids[:2], by_hand_id]}, "key": {"any_": ["reminder-report"]}}}).json()
        told = [report["description"] for report in reports]
        assert len(told) == 3 and all(line.startswith(f"Erinnerungen 27.11.2026: {2 + DUE_PERSONS} fällig") for line in told), told
        written = [int(re.search(r"(\d+) neu", line).group(1)) for line in told]
        sent = [int(re.search(r"(\d+) gesendet", line).group(1)) for line in told]
        assert sum(written) == sum(sent) == 2 + DUE_PERSONS, told
        unfinished = api.post("/flow_runs/filter", json={
            "flow_runs": {"state": {"type": {"any_": ["PENDING", "RUNNING", "CANCELLING"]}}}}).json()
        assert unfinished == [], [(run["name"], run["state_name"]) for run in unfinished]

        # every due mail arrived exactly once
        with Session(engine) as session:
            outbox = session.exec(select(OutboxMessage)).all()
            documents = session.exec(select(Document.case_id, func.count()).group_by(Document.case_id)).all()
            ledger = Counter(session.exec(select(IntakeFile.outcome)).all())
        assert len(outbox) == 2 + DUE_PERSONS
        assert {row.state for row in outbox} == {"sent"}
        received = Counter(sink.message_ids())
        assert received == Counter({row.message_id: 1 for row in outbox})

        # every inbox file became exactly one document
        assert sum(count for _, count in documents) == sum(dropped.values())
        for reference, files in dropped.items():
            assert len(list((home / "cases" / reference / "documents").iterdir())) == files, reference
        assert [path for path in (home / "inbox").rglob("*") if path.is_file()] == []
        assert ledger == Counter({"accepted": sum(dropped.values())})  # no file taken by one run is "unreadable" to the other
        assert not (home / "quarantine").exists() or not any((home / "quarantine").rglob("*.*"))

        # the two inbox runs: reported whether they overlapped (Prefect starts them when a process polls)
        sweeps = sorted((runs[run_id] for run_id in run_ids[2:]), key=lambda run: datetime.fromisoformat(run["start_time"]))
        overlapped = datetime.fromisoformat(sweeps[0]["end_time"]) > datetime.fromisoformat(sweeps[1]["start_time"])

        # which serving process ran which flow run (reported; Prefect gives a run to whichever polls first)
        by_process = {started.name: began(started.output()) for started in serving}
        names = {run["name"] for run in (*runs.values(), by_hand_run)}
        for name in names:
            assert sum(counts[name] for counts in by_process.values()) <= 1, f"{name} began twice: {by_process}"
        share = {process: sorted(set(counts) & names) for process, counts in by_process.items()}
        refused = {started.name: started.output().count("cannot transition to a PENDING state") for started in serving}
        print(f"\nscale path: {len(outbox)} mails, {sum(dropped.values())} files; runs by process: {share}; "
              f"a run already taken by the other process (the server refused the second move to Pending): {refused}; "
              f"the two inbox runs overlapped: {overlapped}; mails sent per reminder run: {sent}")
        print(f"scale path: data {prepared_at - started_at:.1f} s, server healthy {server_up_at - started_at:.1f} s, "
              f"deployments {deployed_at - started_at:.1f} s, four runs final {finished_at - started_at:.1f} s")

        # the server stayed quiet: no telemetry or other ERROR line (issue 15)
        server_output = server.output()
        assert "telemetry" not in server_output.lower(), server.tail()
        assert not re.search(r"\bERROR\b|Traceback", server_output), server.tail()
        for started in serving:
            assert not re.search(r"\bERROR\b|Traceback", started.output()), started.tail()
    finally:
        api.close()
        engine.dispose()
