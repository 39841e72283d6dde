"""Faults of the reminder run that an operator can see and survive, on SQLite and PostgreSQL, with a
real SMTP server (aiosmtpd on loopback) and real processes:

- a sending process killed with SIGKILL mid-run: the rerun at once takes over its claims (same host,
  the process is gone), every mail arrives, at most one Message-ID twice per killed process;
- a claim whose holder still runs, or runs on another host, is named with its holder and lease;
- the mail server down for a run: the flow run is Failed, `remind` exits 6 with its summary and no
  traceback, the report is written; after recovery every mail is sent once;
- a mail the server refused for good: `reminders --failed` shows it with the server's answer,
  `reminders resend ID` after fixing the address delivers it once.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from adapters.process_identity import start_ticks
from domain.errors import InvalidInput
from domain.funding import FundingRoute
from domain.lifecycle import Event
from models import OutboxMessage
from models.audit import AuditEvent
from models.person import Person
from services.audit import opened
from services.cases import advance_case, find_or_create_person, open_case, set_funding
from services.reminders import held_claims, parse_holder, resend_failed, take_over_abandoned, this_host, worker_name

from .conftest import MailSink, free_port
from .test_reminders import ACTOR, NI, make_cases, outbox, run_selection, world  # noqa: F401 - world is a fixture

RUN_DAY = "27.11.2026"  # a Friday: the acknowledgements below are overdue, Amal's documents are due


@pytest.fixture(scope="session")
def prefect_api(prefect_home):
    """The URL of this session's temporary Prefect server, started now: the flow runs in this process
    and in the subprocesses below report to it (a subprocess needs no server of its own, and a killed
    one leaves none behind), and the test reads their states from it."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    return server.api_url


@pytest.fixture
def mail_env(database_url, smtp_server):
    _, port = smtp_server
    return {"WELCOME_CENTER_DATABASE_URL": database_url, "WELCOME_CENTER_SMTP_HOST": "127.0.0.1",
            "WELCOME_CENTER_SMTP_PORT": str(port)}


@pytest.fixture
def run_cli(cli_at, tmp_path, mail_env, prefect_api):
    return cli_at(tmp_path / "home", **mail_env)


def subprocess_env(cli_env, tmp_path, mail_env, prefect_api, **more):
    return {**cli_env, "WELCOME_CENTER_HOME": str(tmp_path / "home"), "PREFECT_API_URL": prefect_api, **mail_env, **more}


def flow_run_state(flow_run_id: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).state


def overdue_cases(session, catalogue, count):
    """`count` cases submitted on 15.09.2026 without an acknowledgement: each one reminder to the
    Welcome Center of Verden on 27.11.2026 (acknowledgement overdue)."""
    for n in range(count):
        person, _ = find_or_create_person(session, actor=ACTOR, given_name=f"Olena{n}", family_name="Beispiel",
                                          birth_date=date(1990, 1, 1) + timedelta(days=n), language="uk",
                                          district="verden")
        case = open_case(session, person=person, profession_text="Krankenschwester", catalogue=catalogue,
                         today=date(2026, 7, 1), actor=ACTOR)
        for event, on in ((Event.COLLECT, date(2026, 8, 1)), (Event.READY, date(2026, 9, 1))):
            advance_case(session, case=case, event=event, on=on, actor=ACTOR, calendar=NI)
        set_funding(session, case=case, route_=FundingRoute.JOBCENTER, decided_on=date(2026, 9, 1), actor=ACTOR)
        advance_case(session, case=case, event=Event.SUBMIT, on=date(2026, 9, 15), actor=ACTOR, calendar=NI)
    session.commit()


class SlowAnswer(MailSink):
    """Keeps every mail the moment its text has arrived, then takes `delay` seconds to say "250": the
    window in which a killed sender has handed over a mail it has not yet recorded."""

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=default))
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


@pytest.fixture
def slow_smtp():
    from aiosmtpd.controller import Controller

    sink = SlowAnswer()
    sink.delay = 0.15
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


FLOW_SCRIPT = """
from datetime import date
from adapters.prefect_setup import configure_prefect
from adapters.settings import get_settings
configure_prefect(get_settings().home)
from flows.reminders import reminders_flow
reminders_flow(on=date(2026, 11, 27), batch_size=3, senders=3)
"""


# ---------------------------------------------------------------------------------- a killed run


def test_a_run_killed_mid_batch_is_taken_over_at_once_with_at_most_one_duplicate(
        engine, session, catalogue, slow_smtp, database_url, cli_at, cli_env, prefect_api, tmp_path):
    sink, port = slow_smtp
    overdue_cases(session, catalogue, 30)
    env = {"WELCOME_CENTER_DATABASE_URL": database_url, "WELCOME_CENTER_SMTP_HOST": "127.0.0.1",
           "WELCOME_CENTER_SMTP_PORT": str(port)}
    script = tmp_path / "run_flow.py"
    script.write_text(FLOW_SCRIPT)
    # three sender threads, batches of 3: without the send window each thread would have a mail
    # handed over and not yet recorded most of the time
    doomed = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, start_new_session=True,
                              env=subprocess_env(cli_env, tmp_path, env, prefect_api),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while len(sink.messages) < 8 and time.monotonic() < deadline and doomed.poll() is None:
            time.sleep(0.01)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=30)
    finally:
        try:
            os.killpg(doomed.pid, signal.SIGKILL)  # anything the flow process started (none expected)
        except ProcessLookupError:
            pass
    assert doomed.returncode == -signal.SIGKILL, doomed.stderr.read().decode()[-2000:]
    before = outbox(engine)
    assert 8 <= len(sink.messages) < len(before), "killed half way"
    waiting = [r for r in before if r.state == "sending"]
    assert waiting and all(r.claimed_until > datetime.now(UTC) + timedelta(minutes=4) for r in waiting), \
        "the killed run's claims would wait out the 5-minute lease"
    assert {parse_holder(r.claimed_by).pid for r in waiting} == {doomed.pid}

    rerun = cli_at(tmp_path / "home", **env)("remind", "--on", RUN_DAY)
    assert rerun.exit_code == 0, rerun.output
    assert f"Übernommen: {len(waiting)} Erinnerungen eines abgebrochenen Laufs" in rerun.stdout
    received = Counter(sink.message_ids())
    assert set(received) == {r.message_id for r in before}  # every mail delivered
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= 1, f"{duplicates} duplicates from one killed process"
    after = outbox(engine)
    assert {r.state for r in after} == {"sent"} and all(r.claimed_by is None for r in after)


def test_a_claim_of_a_running_process_or_another_host_is_named_not_taken(engine, session, world, run_cli):
    make_cases(session, world["catalogue"])
    run_selection(engine, world, today=date(2026, 11, 27))
    alive = subprocess.Popen(["sleep", "120"])
    try:
        until = datetime.now(UTC) + timedelta(minutes=5)
        living = f"{this_host()}:{alive.pid}:{start_ticks(alive.pid)}:feedc0de/1"
        elsewhere = "verden-app-2:4711:123456:0badf00d/0"
        rows = outbox(engine)
        t = OutboxMessage.__table__
        with engine.begin() as connection:
            for row, holder in zip(rows, (living, elsewhere)):
                connection.execute(update(t).where(t.c.id == row.id).values(
                    state="sending", claimed_by=holder, claimed_until=until, attempts=1))

        result = run_cli("remind", "--on", RUN_DAY)
        assert result.exit_code == 0, result.output
        assert "0 gesendet" in result.stdout and "Übernommen" not in result.stdout
        assert f"Gehalten: 1 Erinnerungen von Lauf {this_host()} (PID {alive.pid}) bis " in result.stdout
        assert "Gehalten: 1 Erinnerungen von Lauf verden-app-2 (PID 4711) bis " in result.stdout
        shown_until = until.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y %H:%M:%S")
        assert result.stdout.count(shown_until) == 2

        as_json = json.loads(run_cli("remind", "--on", RUN_DAY, "--json").stdout)
        held = {h["host"]: h for h in as_json["held"]}
        assert held[this_host()]["pid"] == alive.pid and held[this_host()]["same_host"] is True
        assert held["verden-app-2"] == {"by": "verden-app-2:4711:123456:0badf00d", "host": "verden-app-2",
                                        "pid": 4711, "rows": 1, "until": until.isoformat(), "same_host": False}
        assert as_json["sent"] == 0 and as_json["taken_over"] == 0
        assert [r.state for r in outbox(engine)] == ["sending", "sending"]
    finally:
        alive.kill()
        alive.wait()


def test_a_reused_pid_is_no_holder_and_an_unreadable_claim_waits_for_its_lease(engine, session, world):
    make_cases(session, world["catalogue"])
    run_selection(engine, world, today=date(2026, 11, 27))
    now = datetime.now(UTC)
    mine = worker_name()
    reused = f"{this_host()}:{os.getpid()}:1:deadbeef/0"  # this PID, but another start time: another process
    rows = outbox(engine)
    t = OutboxMessage.__table__
    with engine.begin() as connection:
        for row, holder in zip(rows, (reused, "w1")):
            connection.execute(update(t).where(t.c.id == row.id).values(
                state="sending", claimed_by=holder, claimed_until=now + timedelta(minutes=5)))
    assert take_over_abandoned(engine=engine, now=now) == 1
    states = {r.claimed_by: r.state for r in outbox(engine)}
    assert states == {None: "pending", "w1": "sending"}
    assert [(h.by, h.pid, h.rows) for h in held_claims(engine=engine, now=now, own=mine)] == [("w1", None, 1)]
    assert parse_holder(f"{mine}/3").pid == os.getpid() and parse_holder("old-host:42:ab12cd34/0").pid == 42


def test_a_failed_reminder_is_not_resent_without_an_address_or_to_an_address_that_has_its_own(engine, session, world):
    _, collecting = make_cases(session, world["catalogue"])
    run_selection(engine, world, today=date(2026, 11, 27))
    to_amal = [r for r in outbox(engine) if r.recipient == "amal@example.org"][0]
    t = OutboxMessage.__table__
    with engine.begin() as connection:
        connection.execute(update(t).where(t.c.id == to_amal.id).values(state="failed", last_error="550 no such user"))
    amal = session.exec(select(Person).where(Person.email == "amal@example.org")).one()

    def resend():
        return resend_failed(session, outbox_id=to_amal.id, catalogue=world["catalogue"], checklist_rules=world["checklist"],
                             today=date(2026, 11, 27), actor=ACTOR)

    amal.email = None
    session.add(amal)
    session.flush()
    with pytest.raises(InvalidInput) as no_address:
        resend()
    assert no_address.value.code == "reminder.no_address" and collecting.reference in no_address.value.message

    amal.email = "amal.neu@example.org"
    session.add(amal)
    session.commit()
    run_selection(engine, world, today=date(2026, 11, 27))  # the next run wrote a reminder to the new address
    with pytest.raises(InvalidInput) as taken:
        resend()
    assert taken.value.code == "reminder.already_there"
    session.rollback()
    assert [r.state for r in outbox(engine) if r.id == to_amal.id] == ["failed"]


# ---------------------------------------------------------------------------------- the mail server down


def test_mail_server_down_fails_the_flow_run_and_exits_6_then_everything_is_sent_once(
        engine, session, world, smtp_server, run_cli, mail_env, cli_env, cli_command, prefect_api, tmp_path):
    sink, port = smtp_server
    make_cases(session, world["catalogue"])
    down = {**mail_env, "WELCOME_CENTER_SMTP_PORT": str(free_port())}

    terminal = subprocess.run([*cli_command, "remind", "--on", RUN_DAY], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300, env=subprocess_env(cli_env, tmp_path, down, prefect_api))
    assert terminal.returncode == 6, terminal.stderr
    assert "Erinnerungen 27.11.2026: 2 fällig, 2 neu, 0 gesendet, 0 fehlgeschlagen" in terminal.stdout
    assert "Error: the mail server could not be reached (SMTP 127.0.0.1:" in terminal.stderr
    assert "Traceback" not in terminal.stderr and "ERROR" not in terminal.stderr, terminal.stderr

    again = run_cli("remind", "--on", RUN_DAY, "--json", env={"WELCOME_CENTER_SMTP_PORT": down["WELCOME_CENTER_SMTP_PORT"]})
    assert again.exit_code == 6
    report = json.loads(again.stdout)
    assert report["smtp_unreachable"] is True and report["sent"] == 0
    assert report["error"]["code"] == "reminders.smtp_unreachable" and report["flow_run_state"] == "Failed"
    state = flow_run_state(report["flow_run_id"])
    assert state.is_failed() and "mail server could not be reached" in state.message
    assert reminder_report(report["flow_run_id"]), "the report artifact is written for a failed run too"
    assert {r.state for r in outbox(engine)} == {"pending"} and sink.messages == []

    assert run_cli("remind", "--on", RUN_DAY, "--dry-run", env=down).exit_code == 0
    assert run_cli("remind", "--on", "28.11.2026", env=down).exit_code == 0  # a Saturday: nothing to send

    recovered = run_cli("remind", "--on", RUN_DAY)
    assert recovered.exit_code == 0, recovered.output
    assert "2 gesendet, 0 fehlgeschlagen" in recovered.stdout
    assert Counter(sink.message_ids()) == Counter({r.message_id: 1 for r in outbox(engine)})
    assert {r.state for r in outbox(engine)} == {"sent"}


def reminder_report(flow_run_id: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]), key=ArtifactFilterKey(any_=["reminder-report"])))


# ---------------------------------------------------------------------------------- refused for good


def test_a_refused_mail_is_listed_with_the_answer_and_resent_once_after_the_address_is_fixed(
        engine, session, world, smtp_server, run_cli):
    sink, port = smtp_server
    _, collecting = make_cases(session, world["catalogue"])
    sink.refuse["amal@example.org"] = "550 5.1.1 <amal@example.org>: Recipient address rejected \x1b[2J"

    run = run_cli("remind", "--on", RUN_DAY)
    assert run.exit_code == 6, run.output
    assert "1 gesendet, 1 fehlgeschlagen" in run.stdout
    assert "the mail server refused 1 mails for good" in run.stderr and "\x1b" not in run.output

    listed = run_cli("reminders", "--failed")
    assert listed.exit_code == 0, listed.output
    assert "amal@example.org" in listed.stdout and "fehlgeschlagen" in listed.stdout
    assert "550 5.1.1" in listed.stdout and "Recipient address rejected \\x1b[2J" in listed.stdout
    assert "\x1b" not in listed.stdout
    [failed] = json.loads(run_cli("reminders", "--failed", "--json").stdout)
    assert (failed["recipient"], failed["state"], failed["attempts"]) == ("amal@example.org", "failed", 1)
    assert failed["answer"].startswith("550 5.1.1 <amal@example.org>: Recipient address rejected")

    refused = run_cli("reminders", "resend", "999")
    assert refused.exit_code == 2 and "no reminder '999'" in refused.stderr

    with Session(engine) as fixing:
        person = fixing.exec(select(Person).where(Person.email == "amal@example.org")).one()
        person.email = "amal.beispiel@example.org"
        fixing.add(person)
        fixing.commit()
    resent = run_cli("reminders", "resend", str(failed["id"]))
    assert resent.exit_code == 0, resent.output
    assert "an amal.beispiel@example.org gesendet" in resent.stdout
    twice = run_cli("reminders", "resend", str(failed["id"]))
    assert twice.exit_code == 2 and "only a failed reminder can be sent again" in twice.stderr
    with Session(engine) as reading:
        audit = opened(reading, [reading.exec(select(AuditEvent).where(AuditEvent.action == "reminder.resend")).one()])[0]
    assert audit.case_reference == collecting.reference and "amal.beispiel@example.org" in audit.after

    again = run_cli("remind", "--on", RUN_DAY)
    assert again.exit_code == 0, again.output
    assert "1 gesendet, 0 fehlgeschlagen" in again.stdout
    to_amal = [m for m in sink.messages if "amal" in m["To"]]
    assert [m["To"] for m in to_amal] == ["amal.beispiel@example.org"]
    row = [r for r in outbox(engine) if r.id == failed["id"]][0]
    assert row.state == "sent" and to_amal[0]["Message-ID"] == row.message_id
    assert max(Counter(sink.message_ids()).values()) == 1
    assert run_cli("reminders", "--failed").stdout.strip() == "Keine fehlgeschlagenen oder gehaltenen Erinnerungen."
