"""Withdrawing consent (Art. 7 Abs. 3 DSGVO): from that day no reminder to the person (queued ones
cancelled; a real SMTP server receives none), no new letter (the command, the web page and the due
letters), no new document (the inbox holds the files); the case page and `case show` say so and what
follows (erase or keep with a reason); a new consent restores all of it. SQLite and PostgreSQL where
the database matters."""

import hashlib
import io
import json
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from rich.console import Console
from sqlmodel import Session, select

from adapters.mailer import MailComposer, SmtpSender
from adapters.rules import load_checklist_rules, load_reminder_rules
from domain.calendar import lower_saxony_calendar
from domain.deadlines import Period
from domain.errors import InvalidInput
from domain.letters.kinds import LetterKind
from domain.lifecycle import Event
from models import Document, IntakeFile, Letter, OutboxMessage, Person
from models.db import session_scope
from models.letter import PersonAddressCreate
from models.person import Consent
from models.selectors import has_consent, withdrawal_of
from services.audit import history
from services.cases import (
    advance_case,
    find_or_create_person,
    open_case,
    record_consent,
    record_keep_decision,
    set_person_address,
    withdraw_consents,
)
from services.intake import scan_inbox, take_in
from services.letters import LetterJob, LetterKit, select_due, write_letters, write_one_letter
from services.reminders import resend_failed, send_batch
from services.reminders import select_due as select_reminders
from tests.conftest import ROOT
from tests.web_fixtures import accounts, client, csrf_token, login, web_app, web_cases, web_engine  # noqa: F401
from welcome_center.demo import samples

NI = lower_saxony_calendar()
TODAY = date(2026, 11, 25)  # a Wednesday
ACTOR = "test:consent"
MAILBOX = "welcome-center@landkreis-verden.example"  # the Verden Welcome Center: the adviser's reminders


# ---------------------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def world(catalogue):
    return {
        "catalogue": catalogue,
        "rules": load_reminder_rules(ROOT / "data"),
        "checklist": load_checklist_rules(ROOT / "data"),
        "composer": MailComposer(ROOT / "templates", catalogue),
    }


def collecting_case(session, catalogue, *, given: str, email: str):
    """A person with consent and e-mail, a case collecting documents whose person deadline is due
    Fri 04.12.2026: the person is reminded Fri 27.11., the adviser Tue 01.12. (data/reminders.yaml)."""
    person, _ = find_or_create_person(session, actor=ACTOR, given_name=given, family_name="Wendelkamp",
                                      birth_date=date(1993, 6, 14), language="ar", district="verden", email=email)
    record_consent(session, person=person, given_on=date(2026, 11, 2), given_by="person", actor=ACTOR)
    case = open_case(session, person=person, profession_text="Apothekerin", catalogue=catalogue, today=TODAY, actor=ACTOR)
    advance_case(session, case=case, event=Event.COLLECT, on=date(2026, 11, 20), actor=ACTOR, calendar=NI)
    advance_case(session, case=case, event=Event.SET_DEADLINE, on=date(2026, 11, 20), period=Period(days=14),
                 actor=ACTOR, calendar=NI)
    session.commit()
    return person, case


def select_on(engine, world, day):
    return select_reminders(
        engine=engine, catalogue=world["catalogue"], rules=world["rules"], checklist_rules=world["checklist"],
        composer=world["composer"], calendar=NI, today=day, mail_domain="test.example", lookback_days=400,
    )


def send_all(engine, world, port) -> int:
    sent = 0
    while True:
        claimed, outcome = send_batch(
            engine=engine, catalogue=world["catalogue"], worker="w1", lease=timedelta(minutes=5), limit=50,
            max_attempts=5, backoff=timedelta(minutes=5),
            sender_factory=lambda: SmtpSender(host="127.0.0.1", port=port, starttls=False, username="", password="",
                                              timeout=5),
        )
        sent += outcome.sent
        if claimed == 0 or outcome.unreachable:
            return sent


def received(sink) -> Counter:
    return Counter(str(m["To"]) for m in sink.messages)


def outbox_of(engine, case_id):
    with Session(engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)).all()


# ---------------------------------------------------------------------------------------- the withdrawal itself


def test_the_withdrawal_day_is_checked_and_a_consent_given_again_ends_it(session, catalogue):
    person, case = collecting_case(session, catalogue, given="Rahel", email="rahel@example.org")
    with pytest.raises(InvalidInput) as future:
        withdraw_consents(session, person=person, on=TODAY + timedelta(days=1), today=TODAY, actor=ACTOR)
    assert future.value.field == "on" and "future" in future.value.message and "Zukunft" in future.value.message_de
    with pytest.raises(InvalidInput) as early:
        withdraw_consents(session, person=person, on=date(2026, 11, 1), today=TODAY, actor=ACTOR)
    assert "before the consent was given (2026-11-02)" in early.value.message
    assert has_consent(session, person_id=person.id)  # nothing changed by a refused withdrawal

    done = withdraw_consents(session, person=person, on=date(2026, 11, 24), today=TODAY, actor="adviser:vera@example.org")
    session.commit()
    assert (done.on, done.by, done.references) == (date(2026, 11, 24), "adviser:vera@example.org", (case.reference,))
    assert not has_consent(session, person_id=person.id)
    withdrawn = withdrawal_of(session, person_id=person.id)
    assert (withdrawn.withdrawn_on, withdrawn.withdrawn_by) == (date(2026, 11, 24), "adviser:vera@example.org")
    with pytest.raises(InvalidInput) as twice:
        withdraw_consents(session, person=person, on=TODAY, today=TODAY, actor=ACTOR)
    assert twice.value.code == "consent.none_to_withdraw"

    with pytest.raises(InvalidInput) as vague:
        record_keep_decision(session, person=person, reason="weil", actor=ACTOR)
    assert vague.value.field == "keep_reason" and "Art. 17 Abs. 3" in vague.value.message
    record_keep_decision(session, person=person, reason="Aufbewahrung der Beratungsakte nach Aktenordnung, 6 Jahre",
                         actor=ACTOR)
    session.commit()
    actions = [(e.action, e.after) for e in history(session, case_reference=case.reference, person_id=person.id)]
    assert ("consent.withdraw", '{"withdrawn_on": "2026-11-24"}') in actions
    assert any(a == "consent.keep" and "Aktenordnung" in after for a, after in actions)

    record_consent(session, person=person, given_on=TODAY, given_by="person", actor=ACTOR)
    session.commit()
    assert has_consent(session, person_id=person.id) and withdrawal_of(session, person_id=person.id) is None
    with pytest.raises(InvalidInput) as not_withdrawn:
        record_keep_decision(session, person=person, reason="Aufbewahrung nach Aktenordnung", actor=ACTOR)
    assert not_withdrawn.value.code == "consent.keep_not_withdrawn"


# ---------------------------------------------------------------------------------------- reminders


def test_after_a_withdrawal_no_reminder_reaches_the_person_while_the_same_case_without_one_does(
        engine, session, world, smtp_server):
    sink, port = smtp_server
    _, kept_case = collecting_case(session, world["catalogue"], given="Amal", email="amal@example.org")
    dana, withdrawn_case = collecting_case(session, world["catalogue"], given="Dana", email="dana@example.org")
    withdraw_consents(session, person=dana, on=date(2026, 11, 26), today=date(2026, 11, 26), actor=ACTOR)
    session.commit()

    select_on(engine, world, date(2026, 11, 27))
    assert send_all(engine, world, port) == 1
    assert received(sink) == Counter({"amal@example.org": 1})  # the one the same case without a withdrawal gets
    assert [r.recipient_kind for r in outbox_of(engine, withdrawn_case.id)] == []

    # the adviser's reminder about the case goes on: the Center's own work, to its own mailbox
    select_on(engine, world, date(2026, 12, 1))
    send_all(engine, world, port)
    assert received(sink) == Counter({"amal@example.org": 1, MAILBOX: 2})
    assert [(r.recipient_kind, r.state) for r in outbox_of(engine, withdrawn_case.id)] == [("adviser", "sent")]
    assert [(r.recipient_kind, r.state) for r in outbox_of(engine, kept_case.id)] == [("person", "sent"), ("adviser", "sent")]


def test_reminders_queued_for_the_person_are_cancelled_by_the_withdrawal_and_never_sent(engine, session, world, smtp_server):
    sink, port = smtp_server
    dana, case = collecting_case(session, world["catalogue"], given="Dana", email="dana@example.org")
    selection = select_on(engine, world, date(2026, 11, 27))
    assert selection.new == 1 and [r.state for r in outbox_of(engine, case.id)] == ["pending"]

    done = withdraw_consents(session, person=dana, on=date(2026, 11, 27), today=date(2026, 11, 27), actor=ACTOR)
    session.commit()
    assert done.cancelled_reminders == 1
    [row] = outbox_of(engine, case.id)
    assert row.state == "cancelled" and "Einwilligung widerrufen" in row.last_error

    select_on(engine, world, date(2026, 11, 27))  # the next selection does not queue it again
    assert send_all(engine, world, port) == 0
    assert received(sink) == Counter()
    assert [r.state for r in outbox_of(engine, case.id)] == ["cancelled"]


def test_a_failed_reminder_to_the_person_is_not_sent_again_after_the_withdrawal(engine, session, world, smtp_server):
    sink, port = smtp_server
    dana, case = collecting_case(session, world["catalogue"], given="Dana", email="dana@example.org")
    select_on(engine, world, date(2026, 11, 27))
    sink.refuse["dana@example.org"] = "550 5.1.1 <dana@example.org>: Recipient address rejected"
    send_all(engine, world, port)
    [failed] = outbox_of(engine, case.id)
    assert failed.state == "failed"
    withdraw_consents(session, person=dana, on=date(2026, 11, 27), today=date(2026, 11, 27), actor=ACTOR)
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        resend_failed(session, outbox_id=failed.id, catalogue=world["catalogue"], checklist_rules=world["checklist"],
                      today=date(2026, 11, 27), actor=ACTOR)
    assert refused.value.code == "reminder.consent_withdrawn" and case.reference in refused.value.message
    session.rollback()
    assert [r.state for r in outbox_of(engine, case.id)] == ["failed"]


def test_a_new_consent_after_the_withdrawal_lets_the_reminder_go_out_again(engine, session, world, smtp_server):
    sink, port = smtp_server
    dana, case = collecting_case(session, world["catalogue"], given="Dana", email="dana@example.org")
    withdraw_consents(session, person=dana, on=date(2026, 11, 26), today=date(2026, 11, 26), actor=ACTOR)
    session.commit()
    select_on(engine, world, date(2026, 11, 27))
    assert send_all(engine, world, port) == 0

    record_consent(session, person=dana, given_on=date(2026, 11, 27), given_by="person", actor=ACTOR)
    session.commit()
    select_on(engine, world, date(2026, 11, 30))
    assert send_all(engine, world, port) == 1
    assert received(sink) == Counter({"dana@example.org": 1})
    assert [(r.recipient_kind, r.state) for r in outbox_of(engine, case.id)] == [("person", "sent")]


# ---------------------------------------------------------------------------------------- letters


@pytest.fixture(scope="module")
def kit_parts():
    from adapters.docx import load_checked_templates, load_letter_texts_from

    texts = load_letter_texts_from(ROOT / "data")
    return {"rules": load_checklist_rules(ROOT / "data"), "texts": texts,
            "templates": load_checked_templates(ROOT / "templates" / "letters", texts=texts, today=TODAY)}


def letter_kit(kit_parts, catalogue, cases_dir):
    return LetterKit(templates=kit_parts["templates"], texts=kit_parts["texts"], catalogue=catalogue,
                     rules=kit_parts["rules"], cases_dir=cases_dir, min_working_days=1)


def case_for_letters(engine, catalogue):
    with session_scope(engine) as session:
        person, case = collecting_case(session, catalogue, given="Nesrin", email="nesrin@example.org")
        set_person_address(session, person=person, actor=ACTOR,
                           address=PersonAddressCreate(street="Lindhooper Straße 9", postcode="27283", city="Verden (Aller)"))
    return person, case


def files_in(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_no_new_letter_of_any_kind_after_the_withdrawal_and_the_due_letters_count_the_case_as_withheld(
        engine, catalogue, kit_parts, tmp_path):
    from welcome_center.cli.letters import LettersSummary, print_letters_summary

    person, case = case_for_letters(engine, catalogue)
    kit = letter_kit(kit_parts, catalogue, tmp_path / "cases")
    with session_scope(engine) as session:
        withdraw_consents(session, person=session.get(Person, person.id), on=TODAY, today=TODAY, actor=ACTOR)

    for kind in LetterKind:
        refused = write_one_letter(engine, case=case, kind=kind, kit=kit, today=TODAY, actor=ACTOR) \
            if kind is not LetterKind.SME_GUIDANCE else write_letters([LetterJob(case.id, kind.value, 1)], engine=engine,
                                                                       kit=kit, today=TODAY, actor=ACTOR)[0]
        assert refused.outcome == "refused" and refused.field == "consent_withdrawn", kind
        assert "withdrew their consent on 2026-11-25" in refused.reason
        assert "am 25.11.2026 widerrufen" in refused.reason_de

    due = write_letters(select_due(engine), engine=engine, kit=kit, today=TODAY, actor=ACTOR)
    assert [(r.case_reference, r.outcome) for r in due] == [(case.reference, "withheld")]
    summary = LettersSummary(results=due, folder=tmp_path / "cases")
    printed = Console(file=io.StringIO(), width=200)
    print_letters_summary(summary, console=printed)
    assert f"Zurückgehalten: 1 Fall ({case.reference})" in printed.file.getvalue()
    assert files_in(tmp_path / "cases") == []
    with Session(engine) as session:
        assert session.exec(select(Letter)).all() == []

    with session_scope(engine) as session:  # a new consent: the due letter is written again
        record_consent(session, person=session.get(Person, person.id), given_on=TODAY, given_by="person", actor=ACTOR)
    again = write_letters(select_due(engine), engine=engine, kit=kit, today=TODAY, actor=ACTOR)
    assert [(r.kind, r.outcome) for r in again] == [("checklist", "written")]


# ---------------------------------------------------------------------------------------- the inbox


def test_files_dropped_for_a_person_who_withdrew_are_held_not_stored_not_quarantined_and_taken_after_a_new_consent(
        engine, session, catalogue, rules, tmp_path):
    place = {name: tmp_path / name for name in ("inbox", "cases", "quarantine")}
    for folder in place.values():
        folder.mkdir()
    person, case = collecting_case(session, catalogue, given="Yusra", email="yusra@example.org")
    withdraw_consents(session, person=person, on=TODAY, today=TODAY, actor=ACTOR)
    session.commit()
    dropped = place["inbox"] / case.reference / "Approbationsurkunde.pdf"
    dropped.parent.mkdir()
    dropped.write_bytes(samples.pdf("Approbationsurkunde"))
    digest = hashlib.sha256(dropped.read_bytes()).hexdigest()

    def run():
        outcomes = take_in(scan_inbox(place["inbox"]), engine=engine, cases_dir=place["cases"],
                           quarantine_dir=place["quarantine"], rules=rules, max_bytes=20 * 1024 * 1024, settle_seconds=0)
        return {o.inbox_path: o for o in outcomes}[f"{case.reference}/Approbationsurkunde.pdf"]

    held = run()
    assert held.outcome == "held" and "Einwilligung" in held.reason
    assert dropped.exists() and hashlib.sha256(dropped.read_bytes()).hexdigest() == digest  # left as it was
    assert files_in(place["cases"]) == [] and files_in(place["quarantine"]) == []
    assert session.exec(select(Document)).all() == []
    assert run().outcome == "held"  # every run holds it again

    record_consent(session, person=person, given_on=TODAY, given_by="person", actor=ACTOR)
    session.commit()
    assert run().outcome == "accepted"
    assert not dropped.exists() and len(session.exec(select(Document)).all()) == 1
    assert session.exec(select(IntakeFile).where(IntakeFile.outcome == "accepted")).first() is not None


# ---------------------------------------------------------------------------------------- the command line


@pytest.fixture
def cli(cli):
    cli.env["WELCOME_CENTER_ACTOR"] = "test:adviser"
    return cli


def test_the_consent_command_withdraws_says_what_follows_and_the_letter_command_refuses(cli):
    created = cli("case", "new", "--given-name", "Oksana", "--family-name", "Brakelmann", "--birth-date", "1987-09-30",
                  "--district", "verden", "--language", "uk", "--profession", "Pflegefachfrau", "--consent", "--json")
    assert created.exit_code == 0, created.stderr
    ref = json.loads(created.stdout)["reference"]
    assert cli("case", "advance", ref, "collect").exit_code == 0
    assert cli("address", ref, "--street", "Große Straße 3", "--postcode", "27283", "--city", "Verden (Aller)").exit_code == 0
    assert cli("letter", ref, "checklist").exit_code == 0  # before: a letter is written

    future = cli("consent", ref, "--withdraw", "--on", (date.today() + timedelta(days=2)).isoformat())
    assert future.exit_code == 2 and "is in the future" in future.stderr
    early = cli("consent", ref, "--withdraw", "--on", "1995-01-01")
    assert early.exit_code == 2 and "before the consent was given" in early.stderr and "Traceback" not in early.stderr

    withdrawn = cli("consent", ref, "--withdraw")
    assert withdrawn.exit_code == 0, withdrawn.stderr
    assert "widerrufen (erfasst von test:adviser)" in withdrawn.stdout
    assert f"welcome-center person erase {ref}" in withdrawn.stdout and "--keep-reason" in withdrawn.stdout
    assert "Art. 17 Abs. 3 DSGVO" in withdrawn.stdout

    refused = cli("letter", ref, "checklist")
    assert refused.exit_code == 2 and "withdrew their consent" in refused.stderr and "Traceback" not in refused.stderr
    assert len(list((cli.home / "cases" / ref / "letters").glob("*.docx"))) == 1  # only the one from before

    shown = cli("case", "show", ref)
    assert re.search(r"Einwilligung: widerrufen am \d\d\.\d\d\.\d{4} \(erfasst von test:adviser\)", shown.stdout)
    assert f"person erase {ref}" in shown.stdout

    vague = cli("consent", ref, "--keep-reason", "weil")
    assert vague.exit_code == 2 and "keep_reason" in vague.stderr
    kept = cli("consent", ref, "--keep-reason", "Aufbewahrung der Beratungsakte nach Aktenordnung, 6 Jahre")
    assert kept.exit_code == 0 and "Aufbewahrung erfasst" in kept.stdout
    assert "aufbewahrt: Aufbewahrung der Beratungsakte" in cli("case", "show", ref).stdout
    trail = json.loads(cli("case", "history", ref, "--json").stdout)
    assert [e["actor"] for e in trail if e["action"] == "consent.keep"] == ["test:adviser"]

    assert cli("consent", ref, "--given-by", "person").exit_code == 0  # consent given again
    restored = cli("letter", ref, "checklist")
    assert restored.exit_code == 0, restored.stderr


# ---------------------------------------------------------------------------------------- the web page


def test_the_case_page_records_the_withdrawal_shows_it_refuses_a_letter_and_records_the_keep_reason(
        client, accounts, web_cases, web_engine):
    ref = web_cases["verden"]
    login(client, accounts["verden"].email)
    token = csrf_token(client, f"/faelle/{ref}")
    assert client.post(f"/faelle/{ref}/einwilligung", data={"csrf_token": token, "given_by": "Person"}).status_code == 303
    page = client.get(f"/faelle/{ref}").text
    assert "Widerruf der Einwilligung erfassen" in page

    no_token = client.post(f"/faelle/{ref}/einwilligung/widerruf", data={"withdrawn_on": "25.11.2026"})
    assert no_token.status_code in (400, 403)
    future = client.post(f"/faelle/{ref}/einwilligung/widerruf", data={"csrf_token": token, "withdrawn_on": "26.11.2026"})
    assert future.status_code == 422 and "liegt in der Zukunft" in future.text
    with Session(web_engine) as session:
        person_id = session.exec(select(Consent.person_id)).first()
        assert has_consent(session, person_id=person_id)

    done = client.post(f"/faelle/{ref}/einwilligung/widerruf", data={"csrf_token": token, "withdrawn_on": "25.11.2026"})
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "Widerruf der Einwilligung erfasst" in page
    assert "Einwilligung widerrufen am 25.11.2026</strong> (erfasst von Vera Beispiel)" in page
    assert f"welcome-center person erase {ref}" in page and "Art. 17 Abs. 3 DSGVO" in page
    assert "Neue Einwilligung heute erfassen" in page

    assert "widerrufen am 25.11.2026 (erfasst von Vera Beispiel)" in client.get(f"/faelle/{ref}/druck").text
    letter = client.post(f"/faelle/{ref}/briefe", data={"csrf_token": token, "kind": "checklist"})
    assert letter.status_code == 422 and "am 25.11.2026 widerrufen" in letter.text and "kein neuer Brief" in letter.text

    vague = client.post(f"/faelle/{ref}/einwilligung/aufbewahrung", data={"csrf_token": token, "keep_reason": "weil"})
    assert vague.status_code == 422 and "Grund der Aufbewahrung" in vague.text
    kept = client.post(f"/faelle/{ref}/einwilligung/aufbewahrung",
                       data={"csrf_token": token, "keep_reason": "Aufbewahrung der Beratungsakte nach Aktenordnung, 6 Jahre"})
    assert kept.status_code == 303
    page = client.get(f"/faelle/{ref}").text
    assert "Aufbewahrt nach Art. 17 Abs. 3 DSGVO: Aufbewahrung der Beratungsakte nach Aktenordnung, 6 Jahre" in page
    assert "Aufbewahrung nach Widerruf erfasst" in page  # the trail on the page
