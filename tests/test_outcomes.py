"""A notice can only have the outcomes its procedure knows (domain.md §1 "Outcomes"): recording another
one is refused at the step, so no letter has to explain a notice that cannot exist."""

from datetime import date

import pytest

from domain.calendar import lower_saxony_calendar
from domain.errors import InvalidInput
from domain.lifecycle import Event, Outcome, possible_outcomes
from services.cases import advance_case, choose_occupation, find_or_create_person, open_case


def test_a_compensation_measure_only_for_a_regulated_profession():
    assert Outcome.COMPENSATION_MEASURE in possible_outcomes(regulated=True, procedure="BQFG")
    assert Outcome.COMPENSATION_MEASURE not in possible_outcomes(regulated=False, procedure="BQFG")


def test_partial_equivalence_only_for_a_non_regulated_profession_under_the_bqfg_or_nbqfg():
    assert Outcome.PARTIAL_EQUIVALENCE in possible_outcomes(regulated=False, procedure="NBQFG")
    assert Outcome.PARTIAL_EQUIVALENCE not in possible_outcomes(regulated=True, procedure="BQFG")
    assert Outcome.PARTIAL_EQUIVALENCE not in possible_outcomes(regulated=False, procedure="none")


def test_recording_an_impossible_outcome_is_refused_with_the_possible_ones(session, catalogue):
    person, _ = find_or_create_person(session, actor="test", given_name="Hasan", family_name="Demir",
                                      birth_date=date(1985, 4, 2), language="tr", district="verden")
    case = open_case(session, person=person, profession_text="Berufskraftfahrer", catalogue=catalogue,
                     today=date(2026, 11, 2), actor="test")
    choose_occupation(session, case=case, profession_key=case.reference_occupation_key, catalogue=catalogue, actor="test")
    assert case.regulated is False
    calendar = lower_saxony_calendar()
    for event, day in ((Event.COLLECT, 3), (Event.READY, 4), (Event.SUBMIT, 5), (Event.ACKNOWLEDGE, 10),
                       (Event.DOCUMENTS_COMPLETE, 11), (Event.ASSESS, 12)):
        advance_case(session, case=case, event=event, on=date(2026, 11, day), actor="test", calendar=calendar)
    with pytest.raises(InvalidInput) as refused:
        advance_case(session, case=case, event=Event.DECIDE, on=date(2026, 11, 20), actor="test", calendar=calendar,
                     outcome=Outcome.COMPENSATION_MEASURE)
    assert refused.value.code == "step.outcome_impossible"
    assert "volle Gleichwertigkeit" in refused.value.message_de and "teilweise Gleichwertigkeit" in refused.value.message_de
    assert case.state == "in_assessment" and case.outcome is None  # nothing recorded
