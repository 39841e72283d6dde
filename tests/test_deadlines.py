"""Statutory deadlines, checked like the law's examples (BGB §§ 187–193, BQFG §§ 6, 13, 14a)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import lower_saxony_calendar
from domain.deadlines import Kind, Period, Suspension, due_date
from domain.errors import InvalidInput

NI = lower_saxony_calendar()


def due(kind, start, **kwargs):
    return due_date(kind, start, calendar=NI, **kwargs)


def test_acknowledgement_ending_on_saturday_moves_to_monday_with_the_reason_chain():
    result = due("acknowledgement", date(2026, 3, 25))
    assert result.due == date(2026, 4, 27)
    assert result.law == "§ 13 Abs. 2 BQFG"
    assert result.reason == (
        "1 Monat ab 25.03.2026 (§ 13 Abs. 2 BQFG) endet Sa 25.04.2026 "
        "→ nächster Werktag Mo 27.04.2026 (§ 31 Abs. 3 VwVfG)"
    )


def test_acknowledgement_on_a_working_day_is_not_moved():
    result = due("acknowledgement", date(2026, 2, 10))
    assert result.due == date(2026, 3, 10)
    assert "nächster Werktag" not in result.reason


def test_non_regulated_profession_cites_section_6():
    assert due("acknowledgement", date(2026, 2, 10), regulated=False).law == "§ 6 Abs. 2 BQFG"
    assert due("decision", date(2026, 2, 10), regulated=False).law == "§ 6 Abs. 3 BQFG"


def test_land_regulated_profession_cites_the_nbqfg():
    assert due("decision", date(2026, 2, 10), procedure="NBQFG").law == "§ 13 Abs. 3 NBQFG"


def test_decision_is_three_months_from_complete_documents():
    result = due("decision", date(2026, 6, 10))
    assert result.due == date(2026, 9, 10)
    assert result.law == "§ 13 Abs. 3 BQFG"


def test_month_without_day_31_ends_on_last_day():
    result = due("acknowledgement", date(2026, 3, 31))
    assert result.due == date(2026, 4, 30)
    assert "§ 188 Abs. 3 BGB" in result.reason


def test_month_end_clamping_in_a_leap_year_ends_on_29_february():
    assert due("acknowledgement", date(2028, 1, 31)).due == date(2028, 2, 29)


def test_clamped_end_on_a_sunday_moves_to_monday():
    result = due("decision", date(2026, 11, 30))
    assert result.period_end == date(2027, 2, 28)
    assert result.due == date(2027, 3, 1)


def test_fast_track_acknowledgement_is_two_weeks():
    result = due("acknowledgement", date(2026, 6, 3), fast_track=True)
    assert result.due == date(2026, 6, 17)
    assert result.law == "§ 14a Abs. 2 BQFG, § 81a AufenthG"


def test_fast_track_decision_is_two_months():
    result = due("decision", date(2026, 6, 3), fast_track=True)
    assert result.due == date(2026, 8, 3)
    assert result.law.startswith("§ 14a Abs. 3 BQFG")


def test_christmas_into_a_weekend_chains_to_monday():
    result = due("decision", date(2026, 9, 25))
    assert result.period_end == date(2026, 12, 25)
    assert result.due == date(2026, 12, 28)
    assert "Erster Weihnachtstag" in result.reason


def test_reformationstag_is_a_holiday_in_lower_saxony():
    result = due("acknowledgement", date(2028, 10, 17), fast_track=True)
    assert result.period_end == date(2028, 10, 31)
    assert result.due == date(2028, 11, 1)  # Allerheiligen is no holiday in Lower Saxony
    assert "Reformationstag" in result.reason


def test_good_friday_and_easter_monday_are_skipped():
    result = due("acknowledgement", date(2026, 3, 3))
    assert result.period_end == date(2026, 4, 3)
    assert result.due == date(2026, 4, 7)


def test_whit_monday_is_skipped():
    result = due("acknowledgement", date(2026, 5, 11), fast_track=True)
    assert result.period_end == date(2026, 5, 25)
    assert result.due == date(2026, 5, 26)


def test_one_extension_runs_from_the_unshifted_end_of_the_period():
    # 3 months from 25.09.2026 end on Christmas Day; § 190 BGB counts the month from 25.12., not 28.12.
    result = due("decision", date(2026, 9, 25), extension=Period(months=1))
    assert result.due == date(2027, 1, 25)
    assert "§ 190 BGB" in result.reason


def test_extension_for_eu_training_is_at_most_one_month():
    with pytest.raises(InvalidInput, match="at most 1 month"):
        due("decision", date(2026, 6, 1), extension=Period(months=2), eu_training=True)
    assert due("decision", date(2026, 6, 1), extension=Period(months=1), eu_training=True).due == date(2026, 10, 1)


def test_acknowledgement_cannot_be_extended():
    with pytest.raises(InvalidInput, match="only the decision"):
        due("acknowledgement", date(2026, 6, 1), extension=Period(months=1))


def test_suspension_days_are_added_to_the_end():
    result = due(
        "decision", date(2026, 6, 1), suspensions=[Suspension(date(2026, 7, 1), date(2026, 7, 14))]
    )
    assert result.period_end == date(2026, 9, 1)
    assert result.due == date(2026, 9, 15)
    assert "14 Tage Hemmung" in result.reason


def test_overlapping_suspensions_count_each_day_once():
    result = due(
        "decision",
        date(2026, 6, 1),
        suspensions=[
            Suspension(date(2026, 7, 1), date(2026, 7, 10)),
            Suspension(date(2026, 7, 5), date(2026, 7, 14), "Qualifikationsanalyse"),
        ],
    )
    assert result.due == date(2026, 9, 15)


def test_suspension_before_the_period_or_after_its_end_changes_nothing():
    plain = due("decision", date(2026, 6, 1)).due
    before = Suspension(date(2026, 5, 1), date(2026, 5, 20))
    after = Suspension(date(2026, 10, 1), date(2026, 10, 20))
    assert due("decision", date(2026, 6, 1), suspensions=[before, after]).due == plain


def test_deadline_for_the_person_in_days_and_weeks():
    assert due("person", date(2026, 11, 25), period=Period(days=14)).due == date(2026, 12, 9)
    assert due("person", date(2026, 11, 25), period=Period(weeks=6)).due == date(2027, 1, 6)


def test_person_deadline_needs_a_period():
    with pytest.raises(InvalidInput, match="period"):
        due("person", date(2026, 11, 25))


def test_procedure_without_statutory_deadline_is_refused():
    with pytest.raises(InvalidInput, match="procedure"):
        due("decision", date(2026, 11, 25), procedure="none")


def test_unknown_kind_is_refused_with_the_known_ones():
    with pytest.raises(InvalidInput, match="acknowledgement, decision, person"):
        due("reply", date(2026, 11, 25))


starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
kinds = st.sampled_from([Kind.ACKNOWLEDGEMENT, Kind.DECISION])


@settings(max_examples=400, deadline=None)
@given(start=starts, kind=kinds, fast_track=st.booleans())
def test_due_date_is_never_a_weekend_or_holiday_and_never_before_the_period_end(start, kind, fast_track):
    result = due(kind, start, fast_track=fast_track)
    assert result.due.weekday() < 5
    assert NI.holiday_name(result.due) is None
    assert result.due >= result.period_end > start
    assert (result.due - result.period_end).days <= 5  # the longest run of non-working days


@settings(max_examples=400, deadline=None)
@given(start=starts, later_by=st.integers(min_value=0, max_value=400), kind=kinds, fast_track=st.booleans())
def test_due_date_is_monotonic_in_the_start_date(start, later_by, kind, fast_track):
    later = start + timedelta(days=later_by)
    assert due(kind, start, fast_track=fast_track).due <= due(kind, later, fast_track=fast_track).due
