"""Reminder runs against a real SMTP server (aiosmtpd on loopback), on SQLite and PostgreSQL:
each mail exactly once, through a server that is down, refuses, or a worker that is killed."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from domain.calendar import lower_saxony_calendar
from domain.deadlines import Period
from domain.lifecycle import Event, Outcome
from domain.reminders import Recipient, Reminder
from services.reminders import select_due, send_batch
from models import OutboxMessage
from services.outbox import Composed, message_id, write_pending
from services.cases import advance_case, find_or_create_person, open_case, record_consent, set_funding
from domain.funding import FundingRoute
from adapters.rules import load_checklist_rules, load_reminder_rules
from adapters.mailer import MailComposer, SmtpSender

from .conftest import ROOT, free_port

NI = lower_saxony_calendar()
TODAY = date(2026, 11, 25)
ACTOR = "test:reminders"


@pytest.fixture
def world(catalogue):
    return {
        "catalogue": catalogue,
        "rules": load_reminder_rules(ROOT / "data"),
        "checklist": load_checklist_rules(ROOT / "data"),
        "composer": MailComposer(ROOT / "templates", catalogue),
    }


def run_selection(engine, world, today=TODAY, **kw):
    return select_due(
        engine=engine, catalogue=world["catalogue"], rules=world["rules"], checklist_rules=world["checklist"],
        composer=world["composer"], calendar=NI, today=today, mail_domain="test.example", lookback_days=400, **kw,
    )


def send_all(engine, world, port, *, worker="w1", lease=timedelta(minutes=5), now=None, backoff=timedelta(minutes=5)):
    totals = Counter()
    while True:
        kwargs = {"now": now} if now else {}
        claimed, outcome = send_batch(
            engine=engine, catalogue=world["catalogue"], worker=worker, lease=lease, limit=50, max_attempts=5,
            backoff=backoff, sender_factory=lambda: SmtpSender(host="127.0.0.1", port=port, starttls=False,
                                                               username="", password="", timeout=5), **kwargs,
        )
        totals.update(sent=outcome.sent, failed=outcome.failed, retry=outcome.retry, unreachable=int(outcome.unreachable))
        if claimed == 0 or outcome.unreachable:
            return totals


def make_cases(session, catalogue):
    """A submitted case whose acknowledgement is overdue, and one collecting documents whose person
    deadline comes up (person with e-mail, Ukrainian), both in Verden."""
    olena, _ = find_or_create_person(session, actor=ACTOR, given_name="Olena", family_name="Beispiel",
                                     birth_date=date(1994, 5, 17), language="uk", district="verden",
                                     email="olena@example.org")
    record_consent(session, person=olena, given_on=TODAY, given_by="person", actor=ACTOR)
    submitted = open_case(session, person=olena, profession_text="Krankenschwester", catalogue=catalogue, today=TODAY, actor=ACTOR)
    for event, on in ((Event.COLLECT, date(2026, 8, 1)), (Event.READY, date(2026, 9, 1))):
        advance_case(session, case=submitted, event=event, on=on, actor=ACTOR, calendar=NI)
    set_funding(session, case=submitted, route_=FundingRoute.JOBCENTER, decided_on=date(2026, 9, 1), actor=ACTOR)
    advance_case(session, case=submitted, event=Event.SUBMIT, on=date(2026, 9, 15), actor=ACTOR, calendar=NI)

    amal, _ = find_or_create_person(session, actor=ACTOR, given_name="Amal", family_name="Beispiel",
                                    birth_date=date(1999, 3, 2), language="ar", district="verden", email="amal@example.org")
    collecting = open_case(session, person=amal, profession_text="Apothekerin", catalogue=catalogue, today=TODAY, actor=ACTOR)
    advance_case(session, case=collecting, event=Event.COLLECT, on=date(2026, 11, 20), actor=ACTOR, calendar=NI)
    advance_case(session, case=collecting, event=Event.SET_DEADLINE, on=date(2026, 11, 20), period=Period(days=14),
                 actor=ACTOR, calendar=NI)  # due Fri 04.12.: person reminded Fri 27.11., adviser Tue 01.12.
    session.commit()
    return submitted, collecting


def outbox(engine):
    with Session(engine) as session:
        return session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_due_reminders_are_sent_once_and_a_second_run_sends_none(engine, session, world, smtp_server):
    sink, port = smtp_server
    submitted, collecting = make_cases(session, world["catalogue"])
    selection = run_selection(engine, world, today=date(2026, 11, 27))
    assert selection.new == 2
    assert send_all(engine, world, port)["sent"] == 2
    by_to = {m["To"]: m for m in sink.messages}
    assert set(by_to) == {"welcome-center@landkreis-verden.example", "amal@example.org"}
    to_person = by_to["amal@example.org"]
    body = to_person.get_content()
    assert "Unterlagen" in body and "verbindlich ist der deutsche Text" in body and "المستندات" in body
    row = [r for r in outbox(engine) if r.recipient == "amal@example.org"][0]
    assert to_person["Message-ID"] == row.message_id and row.language == "ar"
    assert "Eingangsbestätigung überfällig" in by_to["welcome-center@landkreis-verden.example"]["Subject"]

    again = run_selection(engine, world, today=date(2026, 11, 27))
    assert again.selected == 2 and again.new == 0
    assert send_all(engine, world, port)["sent"] == 0
    assert len(sink.messages) == 2
    assert {row.state for row in outbox(engine)} == {"sent"}


def test_smtp_down_for_the_whole_run_loses_nothing(engine, session, world, smtp_server):
    sink, port = smtp_server
    make_cases(session, world["catalogue"])
    run_selection(engine, world, today=date(2026, 11, 27))
    nobody = free_port()
    totals = send_all(engine, world, nobody)
    assert totals["sent"] == 0 and totals["unreachable"] == 1
    rows = outbox(engine)
    assert {r.state for r in rows} == {"pending"} and all(r.attempts == 0 for r in rows)
    assert all("nicht erreichbar" in r.last_error for r in rows)

    assert send_all(engine, world, port)["sent"] == 2  # the next run
    assert Counter(sink.message_ids()) == Counter({r.message_id: 1 for r in outbox(engine)})


def test_permanently_refused_recipients_are_failed_with_the_answer_and_the_rest_sent(engine, session, world, smtp_server):
    sink, port = smtp_server
    make_cases(session, world["catalogue"])
    run_selection(engine, world, today=date(2026, 11, 27))
    sink.refuse["amal@example.org"] = "550 5.1.1 <amal@example.org>: Recipient address rejected"
    totals = send_all(engine, world, port)
    assert (totals["sent"], totals["failed"]) == (1, 1)
    failed = [r for r in outbox(engine) if r.state == "failed"][0]
    assert failed.recipient == "amal@example.org" and "550" in failed.last_error and "rejected" in failed.last_error


def test_temporarily_refused_mail_is_retried_later_not_twice(engine, session, world, smtp_server):
    sink, port = smtp_server
    make_cases(session, world["catalogue"])
    run_selection(engine, world, today=date(2026, 11, 27))
    sink.refuse["amal@example.org"] = "451 4.7.1 Try again later"
    assert send_all(engine, world, port)["retry"] == 1
    waiting = [r for r in outbox(engine) if r.recipient == "amal@example.org"][0]
    assert waiting.state == "pending" and waiting.next_attempt_at is not None and "451" in waiting.last_error
    sink.refuse.clear()
    assert send_all(engine, world, port)["sent"] == 0  # not before its retry time
    later = datetime.now(UTC) + timedelta(hours=1)
    assert send_all(engine, world, port, now=lambda: later)["sent"] == 1
    assert Counter(sink.message_ids()).most_common(1)[0][1] == 1


def test_a_reminder_whose_reason_has_gone_is_cancelled_not_sent(engine, session, world, smtp_server):
    sink, port = smtp_server
    submitted, _ = make_cases(session, world["catalogue"])
    run_selection(engine, world, today=date(2026, 11, 27))  # written, not yet sent
    advance_case(session, case=submitted, event=Event.ACKNOWLEDGE, on=date(2026, 11, 27), actor=ACTOR, calendar=NI)
    session.commit()
    selection = run_selection(engine, world, today=date(2026, 11, 27))
    assert selection.cancelled == 1
    send_all(engine, world, port)
    assert [m["To"] for m in sink.messages] == ["amal@example.org"]
    cancelled = [r for r in outbox(engine) if r.state == "cancelled"][0]
    assert cancelled.rule == "acknowledgement_overdue" and "Anlass entfallen" in cancelled.last_error


def test_dry_run_writes_nothing_and_weekends_select_nothing(engine, session, world):
    make_cases(session, world["catalogue"])
    preview = run_selection(engine, world, today=date(2026, 11, 27), dry_run=True)
    assert len(preview.preview) == 2 and outbox(engine) == []
    weekend = run_selection(engine, world, today=date(2026, 11, 28))
    assert not weekend.working_day and weekend.selected == 0


def seed_outbox(engine, session, catalogue, count):
    person, _ = find_or_create_person(session, actor=ACTOR, given_name="Viele", family_name="Mails",
                                      birth_date=date(1990, 1, 1), language="de", district="osterholz")
    case = open_case(session, person=person, profession_text="Koch", catalogue=catalogue, today=TODAY, actor=ACTOR)
    session.commit()
    composed = []
    for i in range(count):
        reminder = Reminder(case.id, case.reference, "osterholz", "case_inactive", TODAY, Recipient.ADVISER,
                            f"adviser{i}@example.org", "de")
        composed.append(Composed(reminder, f"Test {i}", "Text\n", message_id(reminder, "test.example")))
    write_pending(engine, composed)
    return [c.message_id for c in composed]


SENDER_SCRIPT = """
import sys
from datetime import timedelta
from services.reminders import send_batch
from models.db import make_engine
from adapters.catalogue import load_catalogue
from adapters.mailer import SmtpSender
url, port, worker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
engine, catalogue = make_engine(url), load_catalogue()
while True:
    claimed, outcome = send_batch(engine=engine, catalogue=catalogue, worker=worker, lease=timedelta(seconds=2), limit=20,
        max_attempts=5, backoff=timedelta(minutes=5),
        sender_factory=lambda: SmtpSender(host="127.0.0.1", port=port, starttls=False, username="", password="", timeout=10))
    if claimed == 0:
        break
"""


def spawn_sender(tmp_path, database_url, port, worker):
    script = tmp_path / "sender.py"
    script.write_text(SENDER_SCRIPT)
    return subprocess.Popen([sys.executable, str(script), database_url, str(port), worker], cwd=ROOT)


def test_two_runs_at_once_send_no_mail_twice(database_url, engine, session, catalogue, smtp_server, tmp_path):
    sink, port = smtp_server
    sink.delay = 0.003
    expected = seed_outbox(engine, session, catalogue, 300)
    first, second = spawn_sender(tmp_path, database_url, port, "A"), spawn_sender(tmp_path, database_url, port, "B")
    assert first.wait(timeout=180) == 0 and second.wait(timeout=180) == 0
    received = Counter(sink.message_ids())
    assert set(received) == set(expected)
    assert max(received.values()) == 1
    assert {row.state for row in outbox(engine)} == {"sent"}
    workers = Counter(row.claimed_by for row in outbox(engine))
    assert workers == Counter({None: 300})


def test_killed_half_way_the_next_run_completes_with_at_most_one_duplicate(database_url, engine, session, catalogue, smtp_server, tmp_path, world):
    sink, port = smtp_server
    sink.delay = 0.01
    expected = seed_outbox(engine, session, catalogue, 200)
    worker = spawn_sender(tmp_path, database_url, port, "doomed")
    deadline = time.monotonic() + 60
    while len(sink.messages) < 60 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert 0 < len(sink.messages) < 200, "killed half way"
    time.sleep(2.2)  # the killed worker's lease (2 s) expires

    send_all(engine, world, port, lease=timedelta(seconds=2))
    received = Counter(sink.message_ids())
    assert set(received) == set(expected)  # no loss
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= 1, f"{duplicates} duplicates: the window is one mail per killed worker"
    assert {row.state for row in outbox(engine)} == {"sent"}
