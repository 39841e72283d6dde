"""The one parser for typed days (domain/dates.py): both forms with a four-digit year, a plausible
range per kind of day, and a refusal that names the field and the fix in English and German."""

from datetime import date

import pytest

from domain.dates import DateError, birth_day, event_day
from domain import validation

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize("typed", ["06.12.2026", "6.12.2026", "2026-12-06", " 06.12.2026 "])
def test_a_step_day_in_german_or_iso_form(typed):
    assert event_day(typed, field="on", today=TODAY) == date(2026, 12, 6)


def test_a_two_digit_year_is_refused_with_the_fix():
    with pytest.raises(DateError) as caught:
        event_day("06.12.26", field="--on", today=TODAY)
    error = caught.value
    assert error.field == "--on" and error.code == "date.two_digit_year"
    assert "'06.12.26' has a two-digit year" in error.message and "06.12.2026" in error.message
    assert "zweistellige Jahreszahl; bitte das Jahr vierstellig eintragen" in error.message_de


def test_year_one_is_refused_as_before_1990_for_a_step():
    with pytest.raises(DateError) as caught:
        event_day("01.01.0001", field="on", today=TODAY)
    assert caught.value.code == "date.too_early"
    assert "„01.01.0001“ liegt vor dem 01.01.1990" in caught.value.message_de
    assert "bis 06.12.2027" in caught.value.message_de


def test_a_step_may_lie_up_to_a_year_ahead_but_not_more():
    assert event_day("06.12.2027", field="on", today=TODAY) == date(2027, 12, 6)
    with pytest.raises(DateError) as caught:
        event_day("07.12.2027", field="on", today=TODAY)
    assert caught.value.code == "date.too_late" and "is after 2027-12-06" in caught.value.message


def test_the_first_day_of_1990_is_a_step_day():
    assert event_day("1990-01-01", field="on", today=TODAY) == date(1990, 1, 1)


@pytest.mark.parametrize("typed, code", [("", "date.empty"), ("06/12/2026", "date.format"), ("31.11.2026", "date.not_a_date"),
                                         ("2026-12-6", "date.format"), ("06.12.202", "date.format")])
def test_other_forms_are_refused(typed, code):
    with pytest.raises(DateError) as caught:
        event_day(typed, field="on", today=TODAY)
    assert caught.value.code == code


def test_a_birth_date_from_1900_to_today():
    assert birth_day("01.01.1900", field="birth_date", today=TODAY) == date(1900, 1, 1)
    assert birth_day("06.12.2026", field="birth_date", today=TODAY) == TODAY
    with pytest.raises(DateError) as caught:
        birth_day("07.12.2026", field="birth_date", today=TODAY)
    assert caught.value.code == "date.future"


@pytest.mark.parametrize("typed, code", [("06.12.26", "date.two_digit_year"), ("01.01.0001", "date.too_early")])
def test_the_import_and_the_forms_refuse_the_same_birth_dates(typed, code):
    with pytest.raises(validation.FieldError) as caught:
        validation.birth_date(typed, today=TODAY)
    assert caught.value.code == code and caught.value.field == "birth_date"
