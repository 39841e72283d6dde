"""Which reminders are due, decided purely from case facts and the rules in data/reminders.yaml."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import lower_saxony_calendar
from domain.errors import CatalogueError
from domain.reminders import CaseFacts, Recipient, build_reminder_rules, select_reminders
from adapters.catalogue import read_yaml
from adapters.rules import load_reminder_rules

from .conftest import ROOT

NI = lower_saxony_calendar()
RULES = load_reminder_rules(ROOT / "data")

BASE = CaseFacts(
    case_id=1, reference="VER-2026-0001", district="verden", state="submitted", person_name="Olena Beispiel",
    language="uk", person_email="olena@example.org", adviser_email="beratung@example.org",
    body_email="stelle@example.org", body_name="Stelle",
)


def due(facts, today):
    return {(r.rule, r.due_on, r.recipient) for r in select_reminders([facts], RULES, today=today, calendar=NI)}


def test_overdue_acknowledgement_reminds_the_adviser_on_the_next_working_day():
    facts = replace(BASE, deadlines=(("acknowledgement", "open", date(2026, 11, 20)),))  # a Friday
    assert due(facts, date(2026, 11, 20)) == set()
    assert due(facts, date(2026, 11, 23)) == {("acknowledgement_overdue", date(2026, 11, 23), "beratung@example.org")}
    assert due(facts, date(2026, 12, 1)) == {("acknowledgement_overdue", date(2026, 11, 23), "beratung@example.org")}


def test_met_deadline_reminds_nobody():
    facts = replace(BASE, deadlines=(("acknowledgement", "met", date(2026, 11, 20)),))
    assert due(facts, date(2026, 12, 1)) == set()


def test_decision_due_soon_moves_to_the_working_day_before_a_weekend():
    facts = replace(BASE, state="in_assessment", deadlines=(("decision", "open", date(2026, 12, 20)),))  # 14 days before: Sun 6.12.
    assert ("decision_due_soon", date(2026, 12, 4), "beratung@example.org") in due(facts, date(2026, 12, 4))
    assert due(facts, date(2026, 12, 3)) == set()


def test_nothing_is_sent_on_a_saturday_or_a_public_holiday():
    facts = replace(BASE, deadlines=(("acknowledgement", "open", date(2026, 11, 20)),))
    assert due(facts, date(2026, 11, 28)) == set()  # Saturday
    assert due(facts, date(2026, 12, 25)) == set()  # Christmas Day


def test_documents_missing_reminds_person_in_their_language_and_the_adviser():
    facts = replace(BASE, state="collecting_documents", deadlines=(("person", "open", date(2026, 12, 9)),),
                    missing_items=("Diplom", "Lebenslauf"))
    reminders = select_reminders([facts], RULES, today=date(2026, 12, 7), calendar=NI)
    by_rule = {r.rule: r for r in reminders}
    assert by_rule["documents_missing_person"].due_on == date(2026, 12, 2)
    assert by_rule["documents_missing_person"].recipient_kind is Recipient.PERSON
    assert by_rule["documents_missing_person"].language == "uk"
    assert by_rule["documents_missing_adviser"].due_on == date(2026, 12, 4)  # 3 days before: Sun → Fri
    assert by_rule["documents_missing_person"].context["missing_items"] == ["Diplom", "Lebenslauf"]


def test_documents_missing_is_not_reminded_once_everything_is_in_or_the_deadline_passed():
    facts = replace(BASE, state="collecting_documents", deadlines=(("person", "open", date(2026, 12, 9)),))
    assert due(facts, date(2026, 12, 7)) == set()
    late = replace(facts, missing_items=("Diplom",))
    assert due(late, date(2026, 12, 10)) == set()


def test_person_without_email_gets_no_mail_but_the_adviser_does():
    facts = replace(BASE, state="collecting_documents", person_email=None,
                    deadlines=(("person", "open", date(2026, 12, 9)),), missing_items=("Diplom",))
    assert {rule for rule, _, _ in due(facts, date(2026, 12, 7))} == {"documents_missing_adviser"}


def test_appointment_on_monday_is_reminded_on_friday():
    facts = replace(BASE, appointments=((date(2026, 11, 30), "10:30", "Kreishaus Verden, Raum 12"),))
    reminders = select_reminders([facts], RULES, today=date(2026, 11, 27), calendar=NI)
    assert [(r.rule, r.due_on) for r in reminders] == [("appointment_person", date(2026, 11, 27))]
    assert reminders[0].context["place"] == "Kreishaus Verden, Raum 12"


def test_suspension_ending_and_inactivity():
    suspended = replace(BASE, state="suspended", suspension_until=date(2026, 12, 10))
    assert ("suspension_ending", date(2026, 12, 7), "beratung@example.org") in due(suspended, date(2026, 12, 7))
    quiet = replace(BASE, state="collecting_documents", last_activity=date(2026, 10, 1))
    assert ("case_inactive", date(2026, 11, 12), "beratung@example.org") in due(quiet, date(2026, 11, 25))


def test_body_enquiry_is_off_by_default_and_closed_cases_are_never_reminded():
    facts = replace(BASE, state="in_assessment", deadlines=(("decision", "open", date(2026, 9, 1)),))
    assert {rule for rule, _, _ in due(facts, date(2026, 11, 25))} == {"decision_overdue"}
    for state in ("closed", "withdrawn"):
        assert due(replace(facts, state=state), date(2026, 11, 25)) == set()


facts_strategy = st.builds(
    lambda kind, offset, missing, appointment_offset: replace(
        BASE,
        state="in_assessment",
        deadlines=((kind, "open", date(2026, 6, 1) + timedelta(days=offset)),),
        missing_items=("Diplom",) if missing else (),
        appointments=((date(2026, 6, 1) + timedelta(days=appointment_offset), "09:00", "Verden"),),
    ),
    st.sampled_from(["acknowledgement", "decision", "person"]),
    st.integers(-60, 200),
    st.booleans(),
    st.integers(0, 200),
)


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy, day=st.integers(0, 200))
def test_every_reminder_falls_on_a_working_day_and_never_in_the_future(facts, day):
    today = date(2026, 6, 1) + timedelta(days=day)
    for reminder in select_reminders([facts], RULES, today=today, calendar=NI):
        assert NI.is_working_day(reminder.due_on)
        assert reminder.due_on <= today


def test_a_broken_rules_file_names_file_line_entry_and_field(tmp_path):
    path = tmp_path / "reminders.yaml"
    path.write_text("- key: kaputt\n  recipient: adviser\n  trigger: deadline_soon\n  source: x\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"reminders.yaml, line 3, entry 'kaputt', field 'trigger'"):
        build_reminder_rules("data/reminders.yaml", read_yaml(path, "data/reminders.yaml"))
    path.write_text("- key: ohne_quelle\n  recipient: adviser\n  trigger: inactive\n  weeks: 2\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="field 'source'"):
        build_reminder_rules("data/reminders.yaml", read_yaml(path, "data/reminders.yaml"))
