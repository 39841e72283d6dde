"""The report (issue 16): every figure computed a second way in plain Python from the same rows and
compared with the SQL aggregates of services.reports, on SQLite and PostgreSQL; the edge cases the
issue names; the suppression of small cells. Invented names only."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
import hypothesis
from hypothesis import strategies as st
from sqlmodel import select

from domain.calendar import lower_saxony_calendar
from domain.errors import InvalidInput, UnknownDistrict
from domain.funding import FundingRoute
from domain.lifecycle import CaseState, Event, Outcome, next_state, possible_outcomes
from domain.reports import (
    FIGURES,
    SUPPRESSED,
    age_on,
    is_young_adult,
    nearest_rank,
    percentile,
    suppress,
    young_adult_born_after,
)
from models import Case, CaseEvent, Deadline, Person
from models.letter import CaseSme, Letter
from services.cases import advance_case, correct_event, find_or_create_person, open_case, set_funding
from services.employers import add_sme, link_sme
from services.reports import build_report

NI = lower_saxony_calendar()
ACTOR = "test:reports"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
GIVEN = ["Olena", "Iryna", "Amal", "Sara", "Daria", "Mehmet", "Farid", "Yusuf", "Nadia", "Omid"]
FAMILY = ["Beispiel", "Musterfrau", "Probe", "Testowa", "Erfunden", "Ausgedacht"]
COUNTRIES = ["UA", "UA", "UA", "SY", "SY", "AF", "TR", "IR", "ER", "MD", "IN", "PL", "RO", "BA", "XK", None]
PROFESSIONS = ["Krankenschwester", "Apothekerin", "Erzieherin", "Elektriker", "Koch", "Lehrerin", "Friseurin",
               "Hebamme", "Bauingenieur", "Tischler"]
PATH = [Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS,
        Event.DECIDE, Event.CLOSE]


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(11, 0), UTC)


def new_person(session, *, given, family, birth, district, sex="f", buergergeld=False):
    person, _ = find_or_create_person(session, actor=ACTOR, given_name=given, family_name=family, birth_date=birth,
                                      language="uk", district=district, sex=sex, receives_buergergeld=buergergeld)
    return person


def new_case(session, catalogue, person, *, opened: date, profession="Krankenschwester", country="UA"):
    """A case through the real service; the opening day set afterwards (open_case stamps now)."""
    case = open_case(session, person=person, profession_text=profession, catalogue=catalogue, today=opened,
                     actor=ACTOR, country_of_training=country)
    case.created_at = at_noon(opened)
    session.add(case)
    session.flush()
    return case


def step(session, case, event, on, **kw):
    return advance_case(session, case=case, event=event, on=on, actor=ACTOR, calendar=NI, **kw)


def generate(session, catalogue, *, seed: int, persons: int = 60) -> None:
    """Persons (some with two cases, some turning 25 in 2026) and cases through the real services,
    moved along the lifecycle with reopenings, withdrawals, suspensions, funding, corrections,
    employers and guidance letters."""
    rng = random.Random(seed)
    smes = [add_sme(session, actor=ACTOR, name=f"Pflegedienst Aller {n}", postcode="27283")[0] for n in range(4)]
    for number in range(persons):
        district = rng.choice(["verden", "osterholz"])
        if rng.random() < 0.4:  # young adults, some turning 25 inside the period
            birth = date(2001, 1, 1) + timedelta(days=rng.randint(-60, 1000))
        else:
            birth = date(1970, 1, 1) + timedelta(days=rng.randint(0, 12000))
        # a new identity each time (names and birth date): the family name carries the number
        person = new_person(session, given=rng.choice(GIVEN), family=f"{FAMILY[number % len(FAMILY)]}-{GIVEN[number % 10]}",
                            birth=birth, district=district, sex=rng.choice("ffmmd"), buergergeld=rng.random() < 0.5)
        for _ in range(2 if rng.random() < 0.2 else 1):
            opened = date(2025, 3, 1) + timedelta(days=rng.randint(0, 640))
            case = new_case(session, catalogue, person, opened=opened, profession=rng.choice(PROFESSIONS),
                            country=rng.choice(COUNTRIES))
            move(session, case, rng, opened, smes)


def move(session, case, rng, opened: date, smes) -> None:
    day = opened
    last = date(2026, 12, 31)
    depth = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 8])
    withdraw = rng.random() < 0.15
    for index, event in enumerate(PATH[:depth]):
        day += timedelta(days=rng.randint(0, 45))
        if day > last:
            return
        if event is Event.SUBMIT:
            if case.procedure is None:
                return
            if rng.random() < 0.2:  # reopened: documents asked for again before the submission
                step(session, case, Event.REOPEN, day)
                day += timedelta(days=rng.randint(0, 20))
                step(session, case, Event.READY, day)
            if rng.random() < 0.7:
                route = rng.choice([FundingRoute.JOBCENTER, FundingRoute.ANERKENNUNGSZUSCHUSS, FundingRoute.SELF,
                                    FundingRoute.AGENTUR])
                set_funding(session, case=case, route_=route, decided_on=day + timedelta(days=rng.randint(-20, 10)),
                            actor=ACTOR)
        if event is Event.DECIDE:
            if rng.random() < 0.2:
                step(session, case, Event.SUSPEND, day)
                day += timedelta(days=rng.randint(1, 30))
                step(session, case, Event.RESUME, day)
            outcomes = possible_outcomes(regulated=bool(case.regulated), procedure=case.procedure)
            step(session, case, event, day, outcome=rng.choice(outcomes))
        else:
            step(session, case, event, day)
        if withdraw and event is not Event.DECIDE and rng.random() < 0.3 and index < 6:
            day += timedelta(days=rng.randint(0, 30))
            step(session, case, Event.WITHDRAW, day)
            return
    correct_one(session, case, rng)
    if rng.random() < 0.25:
        sme = rng.choice(smes)
        link = link_sme(session, case=case, sme=sme, actor=ACTOR, agreed_on=opened)
        link.linked_at = at_noon(opened + timedelta(days=rng.randint(0, 200)))
        session.add(link)
        if rng.random() < 0.7:
            write_guidance_row(session, case, sme, opened + timedelta(days=rng.randint(0, 300)))


def correct_one(session, case, rng) -> None:
    """Now and then a step recorded on the wrong day, corrected to an earlier day (after the step before)."""
    steps = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.corrects_id.is_(None))
                         .order_by(CaseEvent.id)).all()
    if len(steps) < 3 or rng.random() < 0.6:
        return
    number = rng.randint(2, len(steps))
    before, was = steps[number - 2].occurred_on, steps[number - 1].occurred_on
    if (was - before).days < 2:
        return
    on = before + timedelta(days=rng.randint(0, (was - before).days - 1))
    correct_event(session, case=case, event_no=number, on=on, actor=ACTOR, calendar=NI, today=date(2027, 6, 1))


def write_guidance_row(session, case, sme, on: date) -> None:
    """The row services.letters keeps for a written employer letter (the .docx itself is not needed)."""
    session.add(Letter(case_id=case.id, case_reference=case.reference, kind="sme_guidance", recipient=f"sme:{sme.id}",
                       sme_id=sme.id, language="de", template="sme", subject="Anerkennung", case_state=case.state,
                       sha256=f"{case.id:032x}{sme.id:016x}{on:%Y%m%d}".ljust(64, "0"), size=1,
                       path=f"{case.reference}/letters/x.docx", actor=ACTOR, created_at=at_noon(on)))
    session.flush()


# ------------------------------------------------------------------------- the second way, in Python


def expected_report(session, catalogue, *, start: date, end: date, district: str | None = None) -> dict:
    """Every figure of the internal JSON from the rows, by walking the cases one by one."""
    persons = {p.id: p for p in session.exec(select(Person)).all()}
    cases = session.exec(select(Case).order_by(Case.id)).all()
    rows = session.exec(select(CaseEvent).order_by(CaseEvent.id)).all()
    deadlines = {(d.case_id, d.kind): d for d in session.exec(select(Deadline)).all()}
    letters = session.exec(select(Letter)).all()
    links = session.exec(select(CaseSme)).all()

    effective: dict[int, list[tuple[CaseEvent, date]]] = defaultdict(list)
    corrected = {}
    for row in rows:  # the last correction wins
        if row.corrects_id is not None:
            corrected[row.corrects_id] = row.occurred_on
    for row in rows:
        if row.corrects_id is None:
            effective[row.case_id].append((row, corrected.get(row.id, row.occurred_on)))

    def inside(day):
        return day is not None and start <= day <= end

    scopes = [district] if district else list(catalogue.districts)
    out = {}
    for scope in [*scopes, "all"]:
        chosen = [c for c in cases if (scope == "all" and (district is None or c.district == district)) or c.district == scope]
        advised_people, opened, submitted, acknowledged = set(), [], [], 0
        states = {s.value: 0 for s in CaseState}
        decisions = {"full": 0, "partial": 0, "compensation": 0, "none": 0}
        key_of = {"full_equivalence": "full", "partial_equivalence": "partial",
                  "compensation_measure": "compensation", "no_equivalence": "none"}
        by_group, by_body = {}, {}
        durations = {"opening_to_submission": [], "submission_to_acknowledgement": [], "complete_to_decision": []}
        decided_with_deadline = within = funded = without = 0
        country_people = defaultdict(set)
        months = {}
        first = start.replace(day=1)
        while first <= end:
            months[f"{first:%Y-%m}"] = 0
            first = (first + timedelta(days=32)).replace(day=1)
        for c in chosen:
            opened_on = min([c.created_at.astimezone(UTC).date(), *(on for _, on in effective[c.id])])
            if opened_on > end:
                continue
            days = {Event(row.event): on for row, on in effective[c.id]}
            outcome = next((row.outcome for row, _ in effective[c.id] if row.event == Event.DECIDE.value), None)
            ended = min((on for row, on in effective[c.id] if row.event in ("close", "withdraw")), default=None)
            advised = ended is None or ended >= start
            if advised:
                advised_people.add(c.person_id)
                country_people[c.country_of_training].add(c.person_id)
                state = CaseState.INTAKE
                for row, on in sorted(effective[c.id], key=lambda item: (item[1], item[0].id)):
                    if on <= end:
                        state = next_state(state, row.event)
                states[state.value] += 1
            if opened_on >= start:
                opened.append(c)
                months[f"{opened_on:%Y-%m}"] += 1
            sub = days.get(Event.SUBMIT)
            if inside(sub):
                submitted.append(c)
                durations["opening_to_submission"].append((sub - opened_on).days)
                if c.funding_route in ("jobcenter", "anerkennungszuschuss") and c.funding_decided_on <= sub:
                    funded += 1
                if c.funding_decided_on is None or c.funding_decided_on > sub or c.funding_route == "not_recorded":
                    without += 1
            if inside(days.get(Event.ACKNOWLEDGE)):
                acknowledged += 1
                durations["submission_to_acknowledgement"].append((days[Event.ACKNOWLEDGE] - sub).days)
            decided_on = days.get(Event.DECIDE)
            if inside(decided_on):
                key = key_of[outcome]
                decisions[key] += 1
                group = c.profession_group or "unknown"
                by_group.setdefault(group, {"full": 0, "partial": 0, "compensation": 0, "none": 0})[key] += 1
                body = catalogue.bodies.get(c.body_key) if c.body_key else None
                name = body.name if body else (c.body_key or "nicht erfasst")
                entry = by_body.setdefault(c.body_key or "unknown",
                                           {"name": name, "full": 0, "partial": 0, "compensation": 0, "none": 0})
                entry[key] += 1
                durations["complete_to_decision"].append((decided_on - days[Event.DOCUMENTS_COMPLETE]).days)
                deadline = deadlines.get((c.id, "decision"))
                if deadline is not None and deadline.due is not None:
                    decided_with_deadline += 1
                    within += decided_on <= deadline.due
        people = [persons[i] for i in advised_people]
        birthday_to_come = {p.id: (end.month, end.day) < (p.birth_date.month, p.birth_date.day) for p in people}
        young = {p.id for p in people if end.year - p.birth_date.year - birthday_to_come[p.id] < 25}
        women = {p.id for p in people if p.sex == "f"}
        paid = {p.id for p in people if p.receives_buergergeld}
        ranked = sorted(((code, len(ids)) for code, ids in country_people.items() if code), key=lambda x: (-x[1], x[0]))
        top = ranked[:10]
        others = set().union(*(ids for code, ids in country_people.items() if code and code not in dict(top)))
        chosen_ids = {c.id for c in chosen}
        period_from, period_to = datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)
        smes = {l.sme_id for l in letters if l.case_id in chosen_ids and l.kind == "sme_guidance"
                and period_from <= l.created_at < period_to}
        linked = {l.case_id for l in links if l.case_id in chosen_ids and period_from <= l.linked_at < period_to}

        def stats(values):
            if not values:
                return {"cases": 0, "median": None, "p90": None}
            ordered = sorted(values)
            return {"cases": len(values), "median": float(ordered[math.ceil(0.5 * len(values)) - 1]),
                    "p90": float(ordered[math.ceil(0.9 * len(values)) - 1])}

        spans = {key: stats(values) for key, values in durations.items()}
        out[scope] = {
            "persons": len(people), "women": len(women), "under_25": len(young), "buergergeld": len(paid),
            "women_buergergeld": len(women & paid), "under_25_buergergeld": len(young & paid),
            "cases_opened": len(opened),
            "countries": [*({"code": code, "name": catalogue.countries.name_de(code), "persons": n} for code, n in top),
                          {"code": "other", "name": "andere", "persons": len(others)},
                          {"code": "unknown", "name": "nicht erfasst", "persons": len(country_people.get(None, ()))}],
            "states_at_end": states,
            "submitted": len(submitted),
            "decisions": decisions,
            "decisions_by_group": by_group,
            "decisions_by_body": by_body,
            "median_days_to_decision": spans["complete_to_decision"]["median"],
            "durations": spans,
            "within_statutory_period": {"decided": decided_with_deadline, "within": within,
                                        "share": round(within / decided_with_deadline, 2) if decided_with_deadline else None},
            "funding": {"recorded_before_submission": funded, "submitted_without": without},
            "employers": {"smes_reached": len(smes), "cases_linked": len(linked)},
            "opened_per_month": months,
            "funnel": {"opened": len(opened), "submitted": len(submitted), "acknowledged": acknowledged,
                       "decided": sum(decisions.values())},
        }
    return out


# ------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", [1, 2])
def test_every_figure_equals_a_second_computation_in_python(engine, session, catalogue, seed):
    generate(session, catalogue, seed=seed)
    session.commit()
    for start, end, district in (YEAR + (None,), (date(2026, 4, 1), date(2026, 6, 30), None), YEAR + ("osterholz",),
                                 (date(2025, 11, 15), date(2026, 2, 10), "verden")):
        report = build_report(engine, start=start, end=end, district=district, today=date(2026, 12, 6), catalogue=catalogue)
        got = report.as_json(internal=True)
        assert got["period"] == {"from": start.isoformat(), "to": end.isoformat()}
        assert got["district"] == district and got["internal"] is True
        expected = expected_report(session, catalogue, start=start, end=end, district=district)
        assert got["districts"] == expected, (start, end, district)
        assert sum(expected["all"]["states_at_end"].values()) > 0



# ------------------------------------------------------------------------------- the named edge cases


def report(engine, catalogue, start=YEAR[0], end=YEAR[1], district=None):
    built = build_report(engine, start=start, end=end, district=district, today=date(2026, 12, 6), catalogue=catalogue)
    return built.as_json(internal=True)["districts"]


def test_a_person_turning_25_inside_the_period_counts_as_young_only_if_under_25_on_its_last_day(engine, session, catalogue):
    for given, birth in (("Olena", date(2001, 7, 15)), ("Iryna", date(2001, 12, 31)), ("Daria", date(2002, 1, 1))):
        person = new_person(session, given=given, family="Beispiel", birth=birth, district="verden", buergergeld=True)
        new_case(session, catalogue, person, opened=date(2026, 2, 1))
    session.commit()
    year = report(engine, catalogue)["all"]
    # on 31.12.2026 Olena is 25, Iryna turns 25 that day, Daria is 24
    assert (year["persons"], year["under_25"], year["under_25_buergergeld"]) == (3, 1, 1)
    first_half = report(engine, catalogue, start=date(2026, 1, 1), end=date(2026, 6, 30))["all"]
    assert first_half["under_25"] == 3  # on 30.06.2026 all three are 24


def test_a_reopened_case_is_collecting_again_at_the_end_of_the_period(engine, session, catalogue):
    person = new_person(session, given="Amal", family="Beispiel", birth=date(1990, 3, 2), district="verden")
    case = new_case(session, catalogue, person, opened=date(2026, 1, 10))
    step(session, case, Event.COLLECT, date(2026, 1, 12))
    step(session, case, Event.READY, date(2026, 3, 1))
    step(session, case, Event.REOPEN, date(2026, 4, 15))
    session.commit()
    assert report(engine, catalogue, end=date(2026, 3, 31))["verden"]["states_at_end"]["ready_to_submit"] == 1
    states = report(engine, catalogue)["verden"]["states_at_end"]
    assert states["collecting_documents"] == 1 and sum(states.values()) == 1


def test_a_case_withdrawn_before_the_period_is_not_counted_and_one_withdrawn_inside_it_is(engine, session, catalogue):
    early = new_person(session, given="Farid", family="Beispiel", birth=date(1985, 5, 5), district="verden", sex="m")
    case = new_case(session, catalogue, early, opened=date(2025, 5, 1))
    step(session, case, Event.WITHDRAW, date(2025, 12, 31))
    late = new_person(session, given="Nadia", family="Beispiel", birth=date(1988, 8, 8), district="verden")
    case = new_case(session, catalogue, late, opened=date(2025, 6, 1))
    step(session, case, Event.COLLECT, date(2025, 7, 1))
    step(session, case, Event.WITHDRAW, date(2026, 1, 1))
    session.commit()
    verden = report(engine, catalogue)["verden"]
    assert (verden["persons"], verden["women"], verden["cases_opened"]) == (1, 1, 0)
    assert verden["states_at_end"]["withdrawn"] == 1 and sum(verden["states_at_end"].values()) == 1
    assert report(engine, catalogue, start=date(2025, 1, 1), end=date(2025, 12, 31))["verden"]["persons"] == 2


def test_a_case_in_each_district_and_a_person_with_two_cases_counts_once(engine, session, catalogue):
    sara = new_person(session, given="Sara", family="Beispiel", birth=date(1995, 1, 1), district="verden", buergergeld=True)
    new_case(session, catalogue, sara, opened=date(2026, 2, 1))
    new_case(session, catalogue, sara, opened=date(2026, 3, 1), profession="Erzieherin")
    omid = new_person(session, given="Omid", family="Beispiel", birth=date(1992, 1, 1), district="osterholz", sex="m")
    new_case(session, catalogue, omid, opened=date(2026, 2, 1))
    moved = new_case(session, catalogue, sara, opened=date(2026, 4, 1), profession="Koch")
    moved.district = "osterholz"  # she moved: her third case is Osterholz's
    session.add(moved)
    session.commit()
    figures = report(engine, catalogue)
    counts = [(figures[s]["persons"], figures[s]["cases_opened"]) for s in ("verden", "osterholz", "all")]
    assert counts == [(1, 2), (2, 2), (2, 4)]
    assert [figures[s]["women_buergergeld"] for s in ("verden", "osterholz", "all")] == [1, 1, 1]
    assert figures["all"]["opened_per_month"]["2026-02"] == 2 and figures["all"]["opened_per_month"]["2026-04"] == 1
    alone = report(engine, catalogue, district="osterholz")
    assert set(alone) == {"osterholz", "all"} and alone["osterholz"] == alone["all"] == figures["osterholz"]


def test_a_corrected_event_counts_on_its_corrected_day(engine, session, catalogue):
    person = new_person(session, given="Yusuf", family="Beispiel", birth=date(1980, 1, 1), district="verden", sex="m")
    case = new_case(session, catalogue, person, opened=date(2025, 10, 1))
    step(session, case, Event.COLLECT, date(2025, 10, 2))
    step(session, case, Event.READY, date(2025, 12, 1))
    step(session, case, Event.SUBMIT, date(2026, 1, 5))  # the body's receipt stamp says 20.12.2025
    correct_event(session, case=case, event_no=3, on=date(2025, 12, 20), actor=ACTOR, calendar=NI, today=date(2026, 1, 6))
    session.commit()
    assert report(engine, catalogue)["verden"]["submitted"] == 0
    last_year = report(engine, catalogue, start=date(2025, 1, 1), end=date(2025, 12, 31))["verden"]
    assert last_year["submitted"] == 1 and last_year["states_at_end"]["submitted"] == 1
    assert last_year["durations"]["opening_to_submission"] == {"cases": 1, "median": 80.0, "p90": 80.0}


def test_a_case_opened_before_the_period_and_still_open_is_advised_but_not_opened(engine, session, catalogue):
    person = new_person(session, given="Iryna", family="Beispiel", birth=date(1983, 4, 4), district="osterholz")
    case = new_case(session, catalogue, person, opened=date(2024, 11, 30), country=None)
    step(session, case, Event.COLLECT, date(2024, 12, 2))
    session.commit()
    osterholz = report(engine, catalogue)["osterholz"]
    assert (osterholz["persons"], osterholz["cases_opened"], osterholz["funnel"]["opened"]) == (1, 0, 0)
    assert osterholz["states_at_end"]["collecting_documents"] == 1
    assert osterholz["countries"][-2:] == [{"code": "other", "name": "andere", "persons": 0},
                                           {"code": "unknown", "name": "nicht erfasst", "persons": 1}]


def test_a_decision_within_and_one_after_the_statutory_period(engine, session, catalogue):
    for number, (given, decided) in enumerate((("Olena", date(2026, 5, 1)), ("Amal", date(2026, 9, 30)))):
        person = new_person(session, given=given, family="Beispiel", birth=date(1990, 1, 1 + number), district="verden")
        case = new_case(session, catalogue, person, opened=date(2026, 1, 2))
        for event, on in ((Event.COLLECT, date(2026, 1, 5)), (Event.READY, date(2026, 1, 20)), (Event.SUBMIT, date(2026, 1, 26)),
                          (Event.ACKNOWLEDGE, date(2026, 2, 2)), (Event.DOCUMENTS_COMPLETE, date(2026, 2, 2)),
                          (Event.ASSESS, date(2026, 2, 3))):
            step(session, case, event, on)
        step(session, case, Event.DECIDE, decided, outcome=Outcome.FULL_EQUIVALENCE)
    session.commit()
    verden = report(engine, catalogue)["verden"]
    assert verden["within_statutory_period"] == {"decided": 2, "within": 1, "share": 0.5}  # 3 months: due 04.05.2026
    assert verden["durations"]["complete_to_decision"] == {"cases": 2, "median": 88.0, "p90": 240.0}
    assert verden["median_days_to_decision"] == 88.0
    assert verden["decisions"] == {"full": 2, "partial": 0, "compensation": 0, "none": 0}
    assert verden["funnel"] == {"opened": 2, "submitted": 2, "acknowledged": 2, "decided": 2}


# --------------------------------------------------------------------------------------- suppression


def test_cells_of_one_and_two_leave_the_center_as_less_than_three_and_zero_stays(engine, session, catalogue):
    for number in range(2):
        person = new_person(session, given="Daria", family="Beispiel", birth=date(2003, 1, 1 + number), district="verden",
                            buergergeld=True)
        case = new_case(session, catalogue, person, opened=date(2026, 3, 3))
        for event, on in ((Event.COLLECT, date(2026, 3, 4)), (Event.READY, date(2026, 3, 5)), (Event.SUBMIT, date(2026, 3, 6)),
                          (Event.ACKNOWLEDGE, date(2026, 3, 20)), (Event.DOCUMENTS_COMPLETE, date(2026, 3, 20)),
                          (Event.ASSESS, date(2026, 3, 21))):
            step(session, case, event, on)
        step(session, case, Event.DECIDE, date(2026, 5, 1), outcome=Outcome.FULL_EQUIVALENCE)
    for number in range(3):
        person = new_person(session, given="Nadia", family="Beispiel", birth=date(1970, 2, 1 + number), district="osterholz")
        new_case(session, catalogue, person, opened=date(2026, 7, 1))
    session.commit()
    built = build_report(engine, start=YEAR[0], end=YEAR[1], today=date(2026, 12, 6), catalogue=catalogue)
    inside, outside = built.as_json(internal=True), built.as_json(internal=False)
    assert outside["internal"] is False
    assert outside["suppression"].startswith('Werte 1 und 2 als "< 3" (wie die Statistik der Bundesagentur für Arbeit)')
    assert '"x": ausgeblendet' in outside["suppression"]
    verden, exact = outside["districts"]["verden"], inside["districts"]["verden"]
    assert (exact["persons"], exact["under_25_buergergeld"], exact["decisions"]["full"]) == (2, 2, 2)
    assert (verden["persons"], verden["under_25_buergergeld"], verden["decisions"]["full"]) == ("< 3", "< 3", "< 3")
    assert verden["decisions"]["none"] == 0 and verden["states_at_end"]["closed"] == 0
    assert verden["durations"]["complete_to_decision"] == {"cases": "< 3", "median": "< 3", "p90": "< 3"}
    assert verden["median_days_to_decision"] == "< 3" and exact["median_days_to_decision"] == 42.0
    assert verden["within_statutory_period"] == {"decided": "< 3", "within": "< 3", "share": "< 3"}
    assert verden["durations"]["opening_to_submission"] == {"cases": "< 3", "median": "< 3", "p90": "< 3"}
    assert outside["districts"]["osterholz"]["persons"] == 3 and inside["districts"]["all"]["persons"] == 5
    # 5 for both districts beside 3 for Osterholz would give Verden's 2 away: hidden as well
    assert outside["districts"]["all"]["persons"] == "x"
    assert outside["districts"]["osterholz"]["durations"]["complete_to_decision"] == {"cases": 0, "median": None, "p90": None}

    def values(tree):
        if isinstance(tree, dict):
            for item in tree.values():
                yield from values(item)
        elif isinstance(tree, list):
            for item in tree:
                yield from values(item)
        else:
            yield tree

    assert not [v for v in values(outside["districts"]) if isinstance(v, int) and not isinstance(v, bool) and v in (1, 2)]
    assert not [v for v in values(inside["districts"]) if v == SUPPRESSED]


def test_suppress_keeps_zero_and_three_and_hides_one_and_two():
    assert [suppress(n) for n in (0, 1, 2, 3, 250)] == [0, "< 3", "< 3", 3, 250]


# ------------------------------------------------------------------------------------ the pure rules


def test_the_median_of_an_even_count_is_the_lower_middle_value_by_nearest_rank():
    assert percentile([10, 40, 20, 30], 50) == 20.0
    assert percentile([10, 20, 30], 50) == 20.0
    assert percentile(list(range(1, 11)), 90) == 9.0 and percentile(list(range(1, 12)), 90) == 10.0
    assert percentile([], 50) is None and percentile([7], 90) == 7.0
    assert [nearest_rank(n, 50) for n in (1, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]


def test_a_person_born_on_29_february_turns_25_on_1_march_of_a_common_year():
    assert age_on(date(2000, 2, 29), date(2025, 2, 28)) == 24 and age_on(date(2000, 2, 29), date(2025, 3, 1)) == 25
    assert is_young_adult(date(2000, 2, 29), date(2025, 2, 28)) and not is_young_adult(date(2000, 2, 29), date(2025, 3, 1))
    assert not is_young_adult(date(2001, 12, 31), date(2026, 12, 31)) and is_young_adult(date(2002, 1, 1), date(2026, 12, 31))


def test_every_figure_of_the_json_has_a_german_heading_and_definition():
    keys = {key for key, _, _ in FIGURES}
    for key in ("persons", "women", "under_25", "buergergeld", "women_buergergeld", "under_25_buergergeld", "cases_opened",
                "countries", "states_at_end", "submitted", "decisions", "decisions_by_group", "decisions_by_body",
                "median_days_to_decision", "durations.opening_to_submission", "durations.submission_to_acknowledgement",
                "durations.complete_to_decision", "within_statutory_period", "funding.recorded_before_submission",
                "funding.submitted_without", "employers.smes_reached", "employers.cases_linked", "opened_per_month", "funnel"):
        assert key in keys
    assert all(heading and len(definition) > 20 for _, heading, definition in FIGURES)


def test_a_reversed_period_and_an_unknown_district_are_refused_with_their_codes(engine, catalogue):
    with pytest.raises(InvalidInput) as reversed_:
        build_report(engine, start=date(2026, 12, 31), end=date(2026, 1, 1), catalogue=catalogue)
    assert reversed_.value.code == "report.period_reversed" and "31.12.2026" in reversed_.value.message_de
    with pytest.raises(UnknownDistrict):
        build_report(engine, start=YEAR[0], end=YEAR[1], district="bremen", catalogue=catalogue)


def test_the_bound_the_sql_compares_birth_dates_with_agrees_with_the_age_on_every_day():
    day = date(2024, 1, 1)
    while day <= date(2028, 12, 31):
        bound = young_adult_born_after(day)
        for birth in (bound - timedelta(days=1), bound, bound + timedelta(days=1), date(2000, 2, 29), date(2004, 2, 29)):
            assert is_young_adult(birth, day) == (birth > bound), (birth, day)
        day += timedelta(days=1)


def test_an_empty_database_gives_every_scope_with_zeros(engine, catalogue):
    figures = report(engine, catalogue, start=date(2026, 11, 15), end=date(2027, 1, 10))
    assert set(figures) == {"verden", "osterholz", "all"}
    assert figures["all"]["opened_per_month"] == {"2026-11": 0, "2026-12": 0, "2027-01": 0}
    assert figures["all"]["persons"] == 0 and figures["all"]["median_days_to_decision"] is None
    assert figures["all"]["within_statutory_period"] == {"decided": 0, "within": 0, "share": None}
    assert figures["verden"]["countries"] == [{"code": "other", "name": "andere", "persons": 0},
                                              {"code": "unknown", "name": "nicht erfasst", "persons": 0}]


# ------------------------------------------------------------------------------ secondary suppression


def test_a_hidden_outcome_cannot_be_worked_out_from_the_number_of_decisions():
    from domain.reports import HIDDEN, SUPPRESSED, hide_partition

    parts = {"full": SUPPRESSED, "partial": 5, "compensation": 0, "none": 7}
    hide_partition(parts, 14)  # 14 - 5 - 0 - 7 = 2 would give "full" away
    assert parts == {"full": SUPPRESSED, "partial": HIDDEN, "compensation": 0, "none": 7}
    two_ones = {"a": SUPPRESSED, "b": SUPPRESSED, "c": 4, "d": 9}
    hide_partition(two_ones, 15)  # the two hidden add up to 2: both are 1
    assert two_ones == {"a": SUPPRESSED, "b": SUPPRESSED, "c": HIDDEN, "d": 9}
    twos = {"a": SUPPRESSED, "b": SUPPRESSED}
    assert hide_partition(twos, 4) is True  # 2 and 2, nothing shown to hide: the total must go
    open_ = {"a": SUPPRESSED, "b": SUPPRESSED, "c": 4}
    hide_partition(open_, 7)  # 1 + 2 or 2 + 1: nothing follows
    assert open_ == {"a": SUPPRESSED, "b": SUPPRESSED, "c": 4}


def test_a_district_hidden_hides_the_sum_of_both():
    from domain.reports import HIDDEN, SUPPRESSED, secondary_suppression

    def figures(persons, opened):
        return {"persons": persons, "cases_opened": opened, "decisions": {"full": 0}, "funnel": {"decided": 0},
                "opened_per_month": {"2026-01": opened}, "states_at_end": {"intake": opened}}

    districts = secondary_suppression({"verden": figures(SUPPRESSED, SUPPRESSED), "osterholz": figures(3, 4),
                                       "all": figures(5, 6)})
    assert districts["all"]["persons"] == HIDDEN and districts["all"]["cases_opened"] == HIDDEN
    assert districts["all"]["states_at_end"]["intake"] == HIDDEN and districts["osterholz"]["persons"] == 3


@hypothesis.given(st.lists(st.integers(min_value=0, max_value=9), min_size=2, max_size=6))
@hypothesis.settings(max_examples=300, deadline=None)
def test_after_secondary_suppression_no_small_cell_follows_from_the_total(values):
    """Every way of filling the hidden cells that adds up to the shown total: each "< 3" cell must
    have at least two possible values (1 and 2), whatever the others are."""
    from itertools import product

    from domain.reports import HIDDEN, SUPPRESSED, hide_partition, suppress

    total = sum(values)
    parts = {index: suppress(value) for index, value in enumerate(values)}
    if hide_partition(parts, suppress(total) if total in (1, 2) else total) or suppress(total) == SUPPRESSED:
        return  # the total itself is hidden
    # what a reader knows: "< 3" is 1 or 2, "x" a hidden value of 3 or more, the rest as shown
    choices = [(1, 2) if v == SUPPRESSED else range(3, total + 1) if v == HIDDEN else (v,) for v in parts.values()]
    possible = [combo for combo in product(*choices) if sum(combo) == total]
    for index, value in enumerate(parts.values()):
        if value == SUPPRESSED:
            assert len({combo[index] for combo in possible}) == 2, (values, parts)


def test_a_history_recorded_after_the_fact_counts_from_its_first_step(engine, session, catalogue):
    """A case entered on 1 December with steps from March (an import of a running case): it was
    opened in March, its submission took 45 days, and a report for spring counts it."""
    person = new_person(session, given="Oksana", family="Beispiel", birth=date(1992, 6, 1), district="verden")
    case = new_case(session, catalogue, person, opened=date(2026, 12, 1))
    step(session, case, Event.COLLECT, date(2026, 3, 1))
    step(session, case, Event.READY, date(2026, 4, 1))
    step(session, case, Event.SUBMIT, date(2026, 4, 15))
    session.commit()
    spring = report(engine, catalogue, start=date(2026, 3, 1), end=date(2026, 4, 30))["verden"]
    assert (spring["persons"], spring["cases_opened"], spring["submitted"]) == (1, 1, 1)
    assert spring["opened_per_month"] == {"2026-03": 1, "2026-04": 0}
    assert spring["durations"]["opening_to_submission"] == {"cases": 1, "median": 45.0, "p90": 45.0}
    december = report(engine, catalogue, start=date(2026, 12, 1), end=date(2026, 12, 31))["verden"]
    assert december["cases_opened"] == 0 and december["persons"] == 1


# ------------------------------------------------------------- the milestones kept for the report


def facts(engine) -> list[tuple]:
    from sqlalchemy import select as core_select

    from models.report_facts import report_case_fact

    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(core_select(report_case_fact).order_by(report_case_fact.c.case_id))]


def derived_rows(engine) -> dict[str, list[tuple]]:
    """Every derived row of the report (without the spans' own ids), in a stable order."""
    from sqlalchemy import select as core_select

    from models.report_facts import report_case_change, report_case_fact, report_person_span

    with engine.connect() as connection:
        def rows(table, *skip):
            columns = [column for column in table.c if column.name not in skip]
            return sorted((tuple(row) for row in connection.execute(core_select(*columns))), key=repr)
        return {"facts": rows(report_case_fact), "changes": rows(report_case_change),
                "spans": rows(report_person_span, "id")}


def _allowed(state: CaseState, event: Event) -> bool:
    try:
        next_state(state, event)
    except InvalidInput:
        return False
    return True


def test_steps_and_corrections_after_a_report_are_in_the_next_one(engine, session, catalogue):
    """The report keeps each case's milestones (report_case_fact); a step, a correction or a new case
    recorded after one report is in the next, exactly as the second computation has it."""
    generate(session, catalogue, seed=3, persons=30)
    session.commit()
    assert report(engine, catalogue)["all"] == expected_report(session, catalogue, start=YEAR[0], end=YEAR[1])["all"]
    rng = random.Random(4)
    cases = session.exec(select(Case).order_by(Case.id)).all()
    moved = 0
    for case in cases:
        allowed = [event for event in PATH if _allowed(CaseState(case.state), event)]
        if allowed and rng.random() < 0.5:
            step(session, case, allowed[0], date(2027, 1, 5),
                 **({"outcome": Outcome.NO_EQUIVALENCE} if allowed[0] is Event.DECIDE else {}))
            moved += 1
    corrected = 0
    for case in cases:  # the first submission that can move three days earlier (steps stay in order)
        events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.corrects_id.is_(None))
                              .order_by(CaseEvent.id)).all()
        numbers = [index for index, event in enumerate(events, 1) if event.event == Event.SUBMIT.value]
        if not numbers or corrected:
            continue
        try:
            correct_event(session, case=case, event_no=numbers[0], actor=ACTOR, calendar=NI, today=date(2027, 1, 6),
                          on=events[numbers[0] - 1].occurred_on - timedelta(days=3))
            corrected += 1
        except InvalidInput:
            session.rollback()
    newcomer = new_person(session, given="Halyna", family="Nachzuegler", birth=date(2003, 5, 5), district="osterholz")
    step(session, new_case(session, catalogue, newcomer, opened=date(2026, 11, 22)), Event.COLLECT, date(2026, 11, 23))
    session.commit()
    assert moved > 5 and corrected == 1
    for start, end, district in (YEAR + (None,), (date(2025, 6, 1), date(2026, 3, 31), "verden"),
                                 (date(2026, 7, 1), date(2027, 1, 31), None)):
        got = report(engine, catalogue, start=start, end=end, district=district)
        assert got == expected_report(session, catalogue, start=start, end=end, district=district), (start, end)


def test_case_by_case_and_whole_recomputation_keep_the_same_milestones(engine, session, catalogue, monkeypatch):
    import services.reports as reports

    generate(session, catalogue, seed=5, persons=25)
    session.commit()
    monkeypatch.setattr(reports, "_REBUILD_ABOVE", 10**9)
    monkeypatch.setattr(reports, "_CHUNK", 7)  # several chunks
    assert reports.refresh_case_facts(engine) > 20
    case_by_case = derived_rows(engine)
    assert case_by_case["spans"] and case_by_case["changes"]
    with engine.begin() as connection:  # every case marked again, as after a bulk load
        connection.exec_driver_sql("INSERT INTO report_case_dirty (case_id) SELECT id FROM recognition_case")
    monkeypatch.setattr(reports, "_REBUILD_ABOVE", 0)
    assert reports.refresh_case_facts(engine) == len(case_by_case["facts"])
    assert derived_rows(engine) == case_by_case
    assert reports.refresh_case_facts(engine) == 0  # nothing marked: nothing recomputed


def test_a_case_removed_takes_its_milestones_with_it(engine, session, catalogue):
    person = new_person(session, given="Zarina", family="Beispiel", birth=date(1991, 2, 2), district="verden")
    kept = new_case(session, catalogue, person, opened=date(2026, 2, 1))
    gone = new_case(session, catalogue, person, opened=date(2026, 2, 1), profession="Koch")
    for case in (kept, gone):
        step(session, case, Event.COLLECT, date(2026, 2, 3))
    session.commit()
    assert report(engine, catalogue)["verden"]["states_at_end"]["collecting_documents"] == 2
    with engine.begin() as connection:
        for table in ("case_event", "deadline", "case_search"):
            key = "rowid" if table == "case_search" and engine.dialect.name == "sqlite" else "case_id"
            connection.exec_driver_sql(f"DELETE FROM {table} WHERE {key} = {int(gone.id)}")
        connection.exec_driver_sql(f"DELETE FROM recognition_case WHERE id = {int(gone.id)}")
    assert [row[0] for row in facts(engine)] == [kept.id]
    assert report(engine, catalogue)["verden"]["states_at_end"]["collecting_documents"] == 1


def test_a_persons_correction_a_moved_case_a_new_deadline_and_an_erasure_after_a_report_are_in_the_next(
        engine, session, catalogue, tmp_path):
    """The report keeps derived rows of the cases and persons (migration 0017). What an adviser
    changes after one report is in the next, as the second computation has it: a person's sex, birth
    date and Bürgergeld corrected (services.cases.correct_person), a case moved to the other district
    and its country of training corrected, a decision deadline set later, a case given to another
    person, and a person erased with their cases (services.erasure)."""
    from services.cases import correct_person, parse_person_correction
    from services.erasure import erase_person

    generate(session, catalogue, seed=11, persons=40)
    session.commit()
    periods = (YEAR + (None,), (date(2025, 6, 1), date(2026, 3, 31), "verden"), (date(2026, 4, 1), date(2026, 9, 30), None))
    for start, end, district in periods:
        assert report(engine, catalogue, start, end, district) == expected_report(session, catalogue, start=start, end=end,
                                                                                 district=district)
    persons = session.exec(select(Person).order_by(Person.id)).all()
    cases = session.exec(select(Case).order_by(Case.id)).all()
    young, woman = persons[0], persons[1]
    changes = {"sex": "m" if young.sex == "f" else "f", "birth_date": "14.03.2003",
               "receives_buergergeld": not young.receives_buergergeld}
    corrected = parse_person_correction(young, changes, today=date(2026, 12, 6), districts=list(catalogue.districts))
    assert isinstance(corrected, dict) and set(corrected) == set(changes), corrected
    correct_person(session, person=young, corrected=corrected, actor=ACTOR)
    moved = next(case for case in cases if case.person_id not in (young.id, woman.id))
    moved.district = "osterholz" if moved.district == "verden" else "verden"
    moved.country_of_training = "ER" if moved.country_of_training != "ER" else "MD"
    session.add(moved)
    given = next(case for case in cases if case.person_id not in (young.id, woman.id, moved.person_id))
    given.person_id = woman.id  # a case recorded under the wrong person, given to the right one
    session.add(given)
    deadline = session.exec(select(Deadline).where(Deadline.kind == "decision")).first()
    assert deadline is not None
    deadline.due = deadline.due - timedelta(days=60)
    session.add(deadline)
    session.commit()
    erased = next(p for p in persons[5:] if p.id not in (moved.person_id, given.person_id, woman.id))
    session.close()
    erase_person(engine, erased.id, actor=ACTOR, reason="Löschung nach Widerruf der Einwilligung", home=tmp_path)
    session.expire_all()
    for start, end, district in periods:
        got = report(engine, catalogue, start, end, district)
        assert got == expected_report(session, catalogue, start=start, end=end, district=district), (start, end, district)


@hypothesis.given(
    cases=st.lists(st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 30))), min_size=1, max_size=6),
    first=st.integers(-5, 95), length=st.integers(0, 40))
@hypothesis.settings(max_examples=400, deadline=None)
def test_a_persons_spans_count_them_once_in_every_period_they_had_an_open_case_and_never_otherwise(cases, first, length):
    """domain.reports.person_spans: for any cases (opened, ended or still open) and any period, the
    weights of the rows that meet the period add up to 1 if a case was open on one of its days, else 0."""
    from domain.reports import person_spans

    origin = date(2026, 1, 1)
    days = [(origin + timedelta(days=opened), None if extra is None else origin + timedelta(days=opened + extra))
            for opened, extra in cases]
    start, end = origin + timedelta(days=first), origin + timedelta(days=first + length)
    rows = person_spans(days)
    total = sum(weight for row_start, row_end, weight in rows if row_start <= end and (row_end is None or row_end >= start))
    open_then = any(opened <= end and (ended is None or ended >= start) for opened, ended in days)
    assert total == (1 if open_then else 0)
    assert sum(weight for _, _, weight in rows) == 1  # all spans minus the gaps between them: one person


def test_reports_refreshing_side_by_side_leave_each_row_once(engine, session, catalogue, monkeypatch):
    """Eight report calls at once, each after marking every case again (as eight advisers' steps and
    the monthly run would): they take turns recomputing the kept rows (SQLite's write lock, a
    PostgreSQL advisory lock), so no person's spans are written twice and every figure stays right."""
    import threading

    import services.reports as reports

    monkeypatch.setattr(reports, "_REBUILD_ABOVE", 10**9)  # case by case, as after ordinary steps
    generate(session, catalogue, seed=13, persons=25)
    session.commit()
    expected = expected_report(session, catalogue, start=YEAR[0], end=YEAR[1])
    reports.refresh_case_facts(engine)
    alone = derived_rows(engine)
    barrier, errors, results = threading.Barrier(8), [], []

    def adviser():
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("INSERT INTO report_case_dirty (case_id) SELECT id FROM recognition_case")
                connection.exec_driver_sql("INSERT INTO report_person_dirty (person_id) SELECT id FROM person")
            barrier.wait(timeout=60)
            results.append(report(engine, catalogue))
        except Exception as error:  # noqa: BLE001 - the test reports every thread's failure
            errors.append(error)

    threads = [threading.Thread(target=adviser) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert len(results) == 8 and all(result == expected for result in results)
    assert derived_rows(engine) == alone
