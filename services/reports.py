"""The report for the Kommunales Jobcenter and the districts (issue 16): who was helped, how fast,
with what outcome, over a period and optionally one district.

Every figure is a SQL aggregate (SQLAlchemy Core: GROUP BY, COUNT, SUM, CASE WHEN; the percentiles
from a GROUP BY of the days, a histogram of a few hundred rows); the cases are never loaded into
Python, and the same statements run on SQLite and PostgreSQL. The rules (suppression, age,
percentile, definitions, the persons' spans) live in domain/reports.py; the JSON's shape is
docs/report-schema.md.

The report reads derived rows (models/report_facts.py, migrations 0014 and 0017), so that each
figure is one range of one index rather than a pass over every case:
- `report_case_fact`, a row per case: a period's openings, submissions, acknowledgements and
  decisions are each a range of days in an index that carries what is added up (day counts,
  funding flags, outcome, group, body, deadline);
- `report_case_change`: the state at the end of the period is the change with
  `on <= end < valid_until` (cases without one are in intake);
- `report_person_span`: persons are counted as a sum of weights over their merged spans
  (domain.reports.person_spans), per district, per country and for "all".
Triggers mark the cases and persons whose records changed, in the writer's transaction;
`refresh_case_facts` recomputes exactly those before each report (everything in one pass after a
bulk load).

Counts of cases and the histograms of days are grouped by district and added up for "all"; a person
with cases in both districts counts once in each district and once in "all" (the spans of "all"
for such a person are kept apart, scope "*").

The day a case was opened is the earlier of the UTC date of `recognition_case.created_at` and its
first recorded step (a history entered after the fact, e.g. by the import);
a case opened between midnight and 1 or 2 o'clock Berlin time would count on the day before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, delete, func, or_, select
from sqlalchemy.engine import Connection, Engine

from adapters.catalogue import load_catalogue
from domain.catalogue import Catalogue
from domain.errors import InvalidInput, UnknownDistrict
from domain.funding import FundingRoute
from domain.lifecycle import TRANSITIONS, CaseState, Event
from domain.reports import (
    DURATIONS,
    ENDING_EVENTS,
    FUNDED_ROUTES,
    HIDDEN_NOTE,
    OTHER_COUNTRIES,
    OUTCOME_KEYS,
    SUPPRESSED,
    SUPPRESSION_NOTE,
    TOP_COUNTRIES,
    UNKNOWN,
    months,
    percentile_of_counts,
    person_spans,
    secondary_suppression,
    share,
    suppress,
    young_adult_born_after,
)
from models.case import Case, CaseEvent, Deadline
from models.letter import CaseSme, Letter
from models.person import Person
from models.report_facts import report_case_change as _change
from models.report_facts import report_case_dirty as _dirty
from models.report_facts import report_case_fact as _fact
from models.report_facts import report_person_dirty as _person_dirty
from models.report_facts import report_person_span as _span

ALL = "all"
BOTH = "*"  # the scope of the spans over all districts of a person with cases in two
_case, _event, _person, _deadline = Case.__table__, CaseEvent.__table__, Person.__table__, Deadline.__table__
_letter, _case_sme = Letter.__table__, CaseSme.__table__
# events that move a case to another state → that state (domain.lifecycle.TRANSITIONS)
_STATE_AFTER = {event.value: target.value for event, (_, target) in TRANSITIONS.items() if target is not None}


@dataclass(frozen=True)
class Report:
    """The exact figures (`districts`: scope → figures, as in the internal JSON); `as_json` suppresses."""

    start: date
    end: date
    district: str | None
    generated_on: date
    districts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self, *, internal: bool) -> dict:
        """The report in the shape of docs/report-schema.md; internal=False: 1 and 2 as "< 3"."""
        return {
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "district": self.district,
            "internal": internal,
            "generated_on": self.generated_on.isoformat(),
            "suppression": SUPPRESSION_NOTE if internal else f"{SUPPRESSION_NOTE}; {HIDDEN_NOTE}",
            "districts": self._districts(internal),
        }

    def _districts(self, internal: bool) -> dict:
        if internal:
            return {scope: _copy(figures) for scope, figures in self.districts.items()}
        return secondary_suppression({scope: _suppressed(figures) for scope, figures in self.districts.items()})


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _suppressed(figures: dict[str, Any]) -> dict[str, Any]:
    """Every count (an int) through `suppress`; a median, p90 or share based on 1 or 2 cases "< 3"."""

    def walk(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, dict, list)):
            return value
        if isinstance(value, int):
            return suppress(value)
        if isinstance(value, list):
            return [walk(item) for item in value]
        out = {key: walk(item) for key, item in value.items()}
        if "median" in value and value.get("cases") in (1, 2):
            out["median"] = out["p90"] = SUPPRESSED
        if "share" in value and value.get("decided") in (1, 2):
            out["share"] = SUPPRESSED
        return out

    out = walk(figures)
    if figures["durations"]["complete_to_decision"]["cases"] in (1, 2):
        out["median_days_to_decision"] = SUPPRESSED
    return out


# ------------------------------------------------------------------------------------ SQL pieces


def _day(expression, dialect: str):
    """The UTC calendar day of a stored timestamp."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", expression), Date)
    return func.date(expression)


def _days(later, earlier, dialect: str):
    """Whole days from `earlier` to `later` (both days)."""
    if dialect == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _effective_events(case_ids=None):
    """Every original event with its effective day: the day of its latest correction, or its own
    (the corrections, few, grouped once and joined, rather than a subquery per event); with
    `case_ids` (a select of case ids) only the events of those cases."""
    later = _event.alias("later")
    latest = (select(later.c.corrects_id, func.max(later.c.id).label("correction_id"))
              .where(later.c.corrects_id.is_not(None)))
    if case_ids is not None:
        latest = latest.where(later.c.case_id.in_(case_ids))
    latest = latest.group_by(later.c.corrects_id).subquery("latest")
    correction = _event.alias("correction")
    query = (select(_event.c.id, _event.c.case_id, _event.c.event, _event.c.outcome,
                    func.coalesce(correction.c.occurred_on, _event.c.occurred_on).label("on"))
             .select_from(_event.outerjoin(latest, latest.c.corrects_id == _event.c.id)
                          .outerjoin(correction, correction.c.id == latest.c.correction_id))
             # not "corrects_id IS NULL": SQLite would read nearly every row through the index of corrections
             .where(func.coalesce(_event.c.corrects_id, 0) == 0))
    if case_ids is not None:
        query = query.where(_event.c.case_id.in_(case_ids))
    return query.cte("effective_event")


def _is_change(events):
    return events.c.event.in_(list(_STATE_AFTER))


def _state_after(event_column):
    return case(*[(event_column == event, state) for event, state in _STATE_AFTER.items()], else_=None)


def _fact_rows(dialect: str, case_ids=None):
    """Per case (all, or those of the select `case_ids`), also one without any step: district,
    person, day opened, routing, the effective day of each milestone (each happens at most once per
    case), the outcome, when it ended, the decision deadline, the day counts and the funding flags:
    the columns of `report_case_fact`."""
    events = _effective_events(case_ids)

    def day_of(event: Event):
        return func.max(case((events.c.event == event.value, events.c.on)))

    days = select(
        events.c.case_id,
        func.min(events.c.on).label("first_on"),
        day_of(Event.SUBMIT).label("submitted_on"),
        day_of(Event.ACKNOWLEDGE).label("acknowledged_on"),
        day_of(Event.DOCUMENTS_COMPLETE).label("complete_on"),
        day_of(Event.DECIDE).label("decided_on"),
        func.max(case((events.c.event == Event.DECIDE.value, events.c.outcome))).label("outcome"),
        func.min(case((events.c.event.in_([e.value for e in ENDING_EVENTS]), events.c.on))).label("ended_on"),
    ).group_by(events.c.case_id).subquery("days")
    due = _deadline.alias("decision_deadline")
    created_on = _day(_case.c.created_at, dialect)
    # a case whose history was recorded after the fact (imported, or entered later) was opened on its
    # first recorded step: the earlier of that day and the day the case was created
    opened_on = case((and_(days.c.first_on.is_not(None), days.c.first_on < created_on), days.c.first_on),
                     else_=created_on)
    c, d = _case.c, days.c
    funded_before = case((and_(c.funding_route.in_([r.value for r in FUNDED_ROUTES]),
                               c.funding_decided_on <= d.submitted_on), 1), else_=0)
    submitted_without = case((or_(c.funding_route == FundingRoute.NOT_RECORDED.value, c.funding_decided_on.is_(None),
                                  c.funding_decided_on > d.submitted_on), 1), else_=0)
    query = (select(c.id, c.person_id, c.district, opened_on, c.profession_group, c.body_key, c.country_of_training,
                    d.submitted_on, d.acknowledged_on, d.complete_on, d.decided_on, d.outcome, d.ended_on, due.c.due,
                    _days(d.submitted_on, opened_on, dialect), _days(d.acknowledged_on, d.submitted_on, dialect),
                    _days(d.decided_on, d.complete_on, dialect), funded_before, submitted_without)
             .select_from(_case.outerjoin(days, days.c.case_id == c.id)
                          .outerjoin(due, and_(due.c.case_id == c.id, due.c.kind == "decision"))))
    return query.where(c.id.in_(case_ids)) if case_ids is not None else query


def _change_rows(case_ids=None):
    """Every state change (of all cases, or those of the select `case_ids`) on its effective day,
    with the state it led to, and the day it stops being the case's state: the earliest effective
    day of a change recorded after it (the state on a day is that of the change recorded last among
    those on or before it). District and end of the case from `report_case_fact`, written first."""
    events = _effective_events(case_ids)
    changes = (select(events.c.id, events.c.case_id, events.c.on, _state_after(events.c.event).label("state"),
                      func.min(events.c.on).over(partition_by=events.c.case_id, order_by=events.c.id.desc(),
                                                 rows=(None, -1)).label("valid_until"))
               .where(_is_change(events)).subquery("changes"))
    return (select(changes.c.id, changes.c.case_id, _fact.c.district, changes.c.on, changes.c.valid_until,
                   changes.c.state, _fact.c.ended_on)
            .select_from(changes.join(_fact, _fact.c.case_id == changes.c.case_id)))


def _span_rows(records) -> list[dict[str, Any]]:
    """The rows of `report_person_span` from each person's cases (records ordered by person: person
    id, district, country, opened, ended, sex, birth date, Bürgergeld): per district the person's
    merged spans (domain.reports.person_spans), carrying the person's country of training when all
    their cases name the same one (or none); a person whose cases differ in it (`mixed`) gets the
    spans per (district, country) as well. A person with cases in two districts also gets the spans
    over both (scope "*"), which alone count for "all"."""
    rows: list[dict[str, Any]] = []
    for person_id, group in groupby(records, key=lambda record: record[0]):
        cases = list(group)
        _, _, _, _, _, sex, birth_date, buergergeld = cases[0]
        both = len({record[1] for record in cases}) > 1
        values = {record[2] for record in cases}
        mixed = len(values) > 1
        spans: dict[tuple[str, int, str | None], list[tuple[date, date | None]]] = defaultdict(list)
        for _, district, country, opened, ended, *_ in cases:
            for scope in (district, BOTH) if both else (district,):
                spans[(scope, 0, None if mixed else country)].append((opened, ended))
                if mixed:
                    spans[(scope, 1, country)].append((opened, ended))
        common = {"person_id": person_id, "female": int(sex == "f"), "buergergeld": int(bool(buergergeld)),
                  "birth_date": birth_date, "mixed": int(mixed),
                  "multi_country": int(len(values - {None}) > 1)}
        for (scope, per_country, country), days in spans.items():
            for start, end, weight in person_spans(days):
                rows.append({**common, "scope": scope, "per_country": per_country, "country": country,
                             "start_on": start, "end_on": end, "weight": 0 if scope == BOTH else weight,
                             "all_weight": weight if (scope == BOTH) == both else 0})
    return rows


def _write_spans(connection: Connection, person_ids: list[int] | None) -> None:
    """Recompute the spans of these persons (None: of everyone) from `report_case_fact`."""
    f, p = _fact.c, _person.c
    query = (select(f.person_id, f.district, f.country, f.opened_on, f.ended_on, p.sex, p.birth_date,
                    p.receives_buergergeld)
             .select_from(_fact.join(_person, _person.c.id == f.person_id)).order_by(f.person_id))
    if person_ids is None:
        connection.execute(delete(_span))
    else:
        connection.execute(delete(_span).where(_span.c.person_id.in_(person_ids)))
        query = query.where(f.person_id.in_(person_ids))
    rows = _span_rows(connection.execute(query).all())
    for first in range(0, len(rows), 10_000):
        connection.execute(_span.insert(), rows[first:first + 10_000])


# Above this many changed cases the rows are recomputed whole (one pass over the events) rather than
# case by case.
_REBUILD_ABOVE = 5_000
_CHUNK = 500
_REFRESH_LOCK = 0x5265_7031  # PostgreSQL advisory lock key of refresh_case_facts ("Rep1")


def refresh_case_facts(engine: Engine) -> int:
    """Bring the report's rows up to date with the records: the cases marked in `report_case_dirty`
    and the persons marked in `report_person_dirty` (by the triggers, in the writer's transaction)
    are recomputed, with the persons of those cases, in one transaction with the removal of exactly
    the marks it read, so a mark written meanwhile stays for the next call. Returns the number of
    cases recomputed. Safe to call from several processes at once: they take turns (SQLite's write
    lock; on PostgreSQL a transaction-scoped advisory lock), so two never rewrite one person's spans
    side by side."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_REFRESH_LOCK)))
        marked = {row[0] for row in connection.execute(delete(_dirty).returning(_dirty.c.case_id))}
        persons = {row[0] for row in connection.execute(delete(_person_dirty).returning(_person_dirty.c.person_id))}
        if not marked and not persons:
            return 0
        dialect = connection.dialect.name
        facts, changes = [column.name for column in _fact.c], [column.name for column in _change.c]
        if len(marked) > _REBUILD_ABOVE:
            connection.execute(delete(_change))
            connection.execute(delete(_fact))
            connection.execute(_fact.insert().from_select(facts, _fact_rows(dialect)))
            connection.execute(_change.insert().from_select(changes, _change_rows()))
            _write_spans(connection, None)
            if dialect == "postgresql":  # the planner's row counts for the new rows
                connection.exec_driver_sql("ANALYZE report_case_fact, report_case_change, report_person_span")
            return len(marked)
        ids = sorted(marked)
        for first in range(0, len(ids), _CHUNK):
            chunk = ids[first:first + _CHUNK]
            connection.execute(delete(_change).where(_change.c.case_id.in_(chunk)))
            connection.execute(delete(_fact).where(_fact.c.case_id.in_(chunk)))
            existing = select(_case.c.id).where(_case.c.id.in_(chunk))  # a case erased meanwhile gets no row
            connection.execute(_fact.insert().from_select(facts, _fact_rows(dialect, existing)))
            connection.execute(_change.insert().from_select(changes, _change_rows(existing)))
            # their persons' spans too (a person a case left, or whose case was removed, the triggers marked)
            persons.update(connection.execute(select(_fact.c.person_id).where(_fact.c.case_id.in_(chunk))).scalars())
        people = sorted(persons)
        for first in range(0, len(people), _CHUNK):
            _write_spans(connection, people[first:first + _CHUNK])
    return len(marked)


@dataclass(frozen=True)
class _Period:
    start: date
    end: date
    start_at: datetime
    end_before: datetime  # the day after `end`, 00:00 UTC

    @classmethod
    def of(cls, start: date, end: date) -> _Period:
        return cls(start, end, datetime.combine(start, datetime.min.time(), UTC),
                   datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC))


# -------------------------------------------------------------------------------------- the report


def build_report(engine: Engine, *, start: date, end: date, district: str | None = None, today: date | None = None,
                 catalogue: Catalogue | None = None) -> Report:
    """The report over the days start..end (both included), for one district or both."""
    catalogue = catalogue or load_catalogue()
    if end < start:
        raise InvalidInput("report.period_reversed", "to", start=start, end=end)
    if district is not None and district not in catalogue.districts:
        raise UnknownDistrict(district, list(catalogue.districts))
    period = _Period.of(start, end)
    districts = [district] if district is not None else list(catalogue.districts)
    figures = {scope: _empty(period) for scope in [*districts, ALL]}
    refresh_case_facts(engine)
    with engine.connect() as connection:
        def run(statement):
            return connection.execute(statement).all()

        _take_opened(figures, run, period, districts, connection.dialect.name)
        _take_submitted(figures, run, period, districts)
        _take_acknowledged(figures, run, period, districts)
        _take_decided(figures, run, period, districts, catalogue)
        _take_states(figures, run, period, districts)
        _take_persons(figures, run, period, district, catalogue)
        _take_employers(figures, run, period, district)
        connection.rollback()
    for values in figures.values():
        values["median_days_to_decision"] = values["durations"]["complete_to_decision"]["median"]
        values["funnel"] = {"opened": values["cases_opened"], "submitted": values["submitted"],
                            "acknowledged": values["funnel"]["acknowledged"], "decided": sum(values["decisions"].values())}
    return Report(start, end, district, today or date.today(), figures)


def _empty(period: _Period) -> dict[str, Any]:
    return {
        "persons": 0, "women": 0, "under_25": 0, "buergergeld": 0, "women_buergergeld": 0, "under_25_buergergeld": 0,
        "cases_opened": 0,
        "countries": [],
        "states_at_end": {state.value: 0 for state in CaseState},
        "submitted": 0,
        "decisions": {key: 0 for key, _ in OUTCOME_KEYS},
        "decisions_by_group": {},
        "decisions_by_body": {},
        "median_days_to_decision": None,
        "durations": {key: {"cases": 0, "median": None, "p90": None} for key, _, _ in DURATIONS},
        "within_statutory_period": {"decided": 0, "within": 0, "share": None},
        "funding": {"recorded_before_submission": 0, "submitted_without": 0},
        "employers": {"smes_reached": 0, "cases_linked": 0},
        "opened_per_month": {f"{first:%Y-%m}": 0 for first in months(period.start, period.end)},
        "funnel": {"opened": 0, "submitted": 0, "acknowledged": 0, "decided": 0},
    }


def _in_period(column, period: _Period, districts: list[str]):
    """A period's range of one milestone in the district's part of its index."""
    return and_(_fact.c.district.in_(districts), column >= period.start, column <= period.end)


def _and_all(figures, scope: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The district's figures and those of "all": counts of cases add up over the districts."""
    return figures[scope], figures[ALL]


def _histograms(figures, key: str, counts: dict[str, dict[int, int]]) -> None:
    """Median and 90th percentile (nearest rank) of one duration from its histogram per district."""
    total: dict[int, int] = defaultdict(int)
    for scope, histogram in counts.items():
        for days, n in histogram.items():
            total[days] += n
    for scope, histogram in [*counts.items(), *([(ALL, total)] if counts else [])]:
        figures[scope]["durations"][key] = {"cases": sum(histogram.values()),
                                            "median": percentile_of_counts(histogram, 50),
                                            "p90": percentile_of_counts(histogram, 90)}


def _take_opened(figures, run, period: _Period, districts: list[str], dialect: str) -> None:
    """Cases opened in the period, per month: the period's range of the index of days opened."""
    f = _fact.c
    month = _month(f.opened_on, dialect)
    for row in run(select(f.district, month.label("month"), func.count().label("n"))
                   .where(_in_period(f.opened_on, period, districts)).group_by(f.district, month)):
        for values in _and_all(figures, row.district):
            values["cases_opened"] += int(row.n)
            values["opened_per_month"][str(row.month)] += int(row.n)


def _month(column, dialect: str):
    """A day's month as "YYYY-MM" (the keys of `opened_per_month`)."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def _take_submitted(figures, run, period: _Period, districts: list[str]) -> None:
    """Applications submitted in the period, their funding, and the days from opening."""
    f = _fact.c
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for row in run(select(f.district, f.days_to_submit, func.count().label("n"), func.sum(f.funded_before).label("funded"),
                          func.sum(f.submitted_without).label("without"))
                   .where(_in_period(f.submitted_on, period, districts)).group_by(f.district, f.days_to_submit)):
        for values in _and_all(figures, row.district):
            values["submitted"] += int(row.n)
            values["funding"]["recorded_before_submission"] += int(row.funded)
            values["funding"]["submitted_without"] += int(row.without)
        if row.days_to_submit is not None:
            counts[row.district][int(row.days_to_submit)] = int(row.n)
    _histograms(figures, "opening_to_submission", counts)


def _take_acknowledged(figures, run, period: _Period, districts: list[str]) -> None:
    """Receipts acknowledged in the period, and the days from the submission (where there was one)."""
    f = _fact.c
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for row in run(select(f.district, f.days_to_acknowledge, func.count().label("n"))
                   .where(_in_period(f.acknowledged_on, period, districts)).group_by(f.district, f.days_to_acknowledge)):
        for values in _and_all(figures, row.district):
            values["funnel"]["acknowledged"] += int(row.n)
        if row.days_to_acknowledge is not None:
            counts[row.district][int(row.days_to_acknowledge)] = int(row.n)
    _histograms(figures, "submission_to_acknowledgement", counts)


def _take_decided(figures, run, period: _Period, districts: list[str], catalogue: Catalogue) -> None:
    """The period's decisions: by outcome, by profession group and by body (cases without one:
    "unknown"), within the statutory period, and the days from complete documents."""
    f = _fact.c
    keys = {outcome.value: key for key, outcome in OUTCOME_KEYS}
    decided = _in_period(f.decided_on, period, districts)
    rows = run(select(f.district, f.outcome, f.profession_group, f.body_key, func.count().label("n"),
                      func.sum(case((f.decision_due.is_not(None), 1), else_=0)).label("with_deadline"),
                      func.sum(case((f.decided_on <= f.decision_due, 1), else_=0)).label("within"))
               .where(decided).group_by(f.district, f.outcome, f.profession_group, f.body_key))
    for row in rows:
        n = int(row.n)
        for values in _and_all(figures, row.district):
            within = values["within_statutory_period"]
            within["decided"] += int(row.with_deadline)
            within["within"] += int(row.within)
            if row.outcome in keys:
                values["decisions"][keys[row.outcome]] += n
            for key, target in ((row.profession_group, "decisions_by_group"), (row.body_key, "decisions_by_body")):
                name = key or UNKNOWN[0]
                entry = values[target].get(name)
                if entry is None:
                    entry = {outcome: 0 for outcome, _ in OUTCOME_KEYS}
                    if target == "decisions_by_body":
                        body = catalogue.bodies.get(key) if key else None
                        entry = {"name": body.name if body else (key or UNKNOWN[1]), **entry}
                    values[target][name] = entry
                if row.outcome in keys:
                    entry[keys[row.outcome]] += n
    for values in figures.values():
        within = values["within_statutory_period"]
        within["share"] = share(within["within"], within["decided"])
        for target in ("decisions_by_group", "decisions_by_body"):
            values[target] = dict(sorted(values[target].items(), key=lambda item: (item[0] != UNKNOWN[0], item[0])))
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for row in run(select(f.district, f.days_to_decide, func.count().label("n"))
                   .where(decided, f.days_to_decide.is_not(None)).group_by(f.district, f.days_to_decide)):
        counts[row.district][int(row.days_to_decide)] = int(row.n)
    _histograms(figures, "complete_to_decision", counts)


def _take_states(figures, run, period: _Period, districts: list[str]) -> None:
    """Cases advised in the period (opened by its end, not ended before its start) by their state at
    its end: the change valid on the last day (`on <= end < valid_until`); a case without one is in
    intake."""
    f, s = _fact.c, _change.c
    advised = {row.district: int(row.n) for row in run(
        select(f.district, func.count().label("n"))
        .where(f.district.in_(districts), f.opened_on <= period.end, or_(f.ended_on.is_(None), f.ended_on >= period.start))
        .group_by(f.district))}
    counted: dict[str, int] = defaultdict(int)
    advised_then = and_(s.district.in_(districts), s.on <= period.end,
                        or_(s.case_ended_on.is_(None), s.case_ended_on >= period.start))
    # the changes still valid today, and those a later change replaced after the period: two ranges
    # of the index on valid_until (one for a period that ends today)
    for valid in (s.valid_until.is_(None), s.valid_until > period.end):
        for row in run(select(s.district, s.state, func.count().label("n")).where(valid, advised_then)
                       .group_by(s.district, s.state)):
            counted[row.district] += int(row.n)
            for values in _and_all(figures, row.district):
                values["states_at_end"][row.state] += int(row.n)
    for scope, n in advised.items():  # no change on or before the last day: still in intake
        for values in _and_all(figures, scope):
            values["states_at_end"][CaseState.INTAKE.value] += n - counted[scope]


def _overlaps(period: _Period):
    """A span (or gap row) that meets the period."""
    return and_(_span.c.start_on <= period.end, or_(_span.c.end_on.is_(None), _span.c.end_on >= period.start))


def _take_persons(figures, run, period: _Period, district: str | None, catalogue: Catalogue) -> None:
    """The persons advised (with a case open on a day of the period), each once per scope, with the
    crossings the programme names, and per country of training: sums of span weights over the
    period's range, per district, sex, Bürgergeld and country; the young adults (born after the
    bound) from a second, smaller range of the index on birth dates; the countries of persons whose
    cases name several from their own rows."""
    s = _span.c
    totals = (select(s.scope, s.female, s.buergergeld, s.mixed, s.country, func.sum(s.weight).label("w"),
                     func.sum(s.all_weight).label("a"))
              .where(s.per_country == 0, _overlaps(period))
              .group_by(s.scope, s.female, s.buergergeld, s.mixed, s.country))
    young = (select(s.scope, s.female, s.buergergeld, func.sum(s.weight).label("w"), func.sum(s.all_weight).label("a"))
             .where(s.per_country == 0, s.birth_date > young_adult_born_after(period.end), _overlaps(period))
             .group_by(s.scope, s.female, s.buergergeld))
    mixed = (select(s.scope, s.country, func.sum(s.weight).label("w"), func.sum(s.all_weight).label("a"))
             .where(s.per_country == 1, _overlaps(period)).group_by(s.scope, s.country))
    if district is not None:
        totals, young, mixed = (query.where(s.scope == district) for query in (totals, young, mixed))
    per_country: dict[str, dict[str | None, int]] = {scope: defaultdict(int) for scope in figures}

    def scoped(row):
        """(scope, count) of the row for its district and for "all" (with one district: its own)."""
        return [(scope, int(n)) for scope, n in ((row.scope, row.w), (ALL, row.a))
                if scope in figures and not (scope == ALL and district is not None)]

    for query, kinds in ((totals, ("persons", "women", "buergergeld", "women_buergergeld")),
                         (young, ("under_25", None, "under_25_buergergeld", None))):
        everyone, women, paid, paid_women = kinds
        for row in run(query):
            for scope, n in scoped(row):
                values = figures[scope]
                values[everyone] += n
                if women and row.female:
                    values[women] += n
                if row.buergergeld:
                    values[paid] += n
                    if paid_women and row.female:
                        values[paid_women] += n
                if query is totals and not row.mixed:
                    per_country[scope][row.country] += n
    for row in run(mixed):
        for scope, n in scoped(row):
            per_country[scope][row.country] += n
    if district is not None:
        figures[ALL].update({key: figures[district][key] for key in
                             ("persons", "women", "under_25", "buergergeld", "women_buergergeld", "under_25_buergergeld")})
        per_country[ALL] = per_country[district]
    names = catalogue.countries
    for scope, counts in per_country.items():
        top = sorted(((code, n) for code, n in counts.items() if code is not None and n),
                     key=lambda item: (-item[1], item[0]))[:TOP_COUNTRIES]
        listed = [code for code, _ in top]
        other = sum(n for code, n in counts.items() if code is not None and code not in listed)
        if other:
            other -= _counted_twice(run, period, scope, district, listed)
        figures[scope]["countries"] = [
            *({"code": code, "name": names.name_de(code) if names else code, "persons": n} for code, n in top),
            {"code": OTHER_COUNTRIES[0], "name": OTHER_COUNTRIES[1], "persons": other},
            {"code": UNKNOWN[0], "name": UNKNOWN[1], "persons": counts.get(None, 0)},
        ]


def _counted_twice(run, period: _Period, scope: str, district: str | None, listed: list[str]) -> int:
    """How many more (person, other country) pairs than persons the scope's "andere" added up: only
    persons whose cases name two countries or more can be there twice (`multi_country`)."""
    s = _span.c
    weight = s.weight if scope != ALL or district is not None else s.all_weight
    query = (select(s.person_id, s.country).where(s.per_country == 1, s.multi_country == 1, s.country.is_not(None),
                                                  _overlaps(period))
             .group_by(s.person_id, s.country).having(func.sum(weight) > 0))
    if listed:
        query = query.where(s.country.not_in(listed))
    if scope != ALL or district is not None:
        query = query.where(s.scope == (district or scope))
    pairs = query.subquery("pairs")
    row = run(select(func.count().label("pairs"), func.count(func.distinct(pairs.c.person_id)).label("persons")))[0]
    return int(row.pairs) - int(row.persons)


def _take_employers(figures, run, period: _Period, district: str | None) -> None:
    """Employers (SMEs) written a guidance letter in the period, and cases linked to one in it: each
    counted once per scope (an employer reached in both districts is one in "all"), in one pass."""
    scopes = [scope for scope in figures if scope != ALL]

    def per_scope(column, district_column) -> list:
        return [func.count(func.distinct(column)).label(ALL),
                *(func.count(func.distinct(case((district_column == scope, column)))).label(scope) for scope in scopes)]

    letters = (select(*per_scope(_letter.c.sme_id, _case.c.district))
               .select_from(_letter.join(_case, _case.c.id == _letter.c.case_id))
               .where(_letter.c.kind == "sme_guidance", _letter.c.sme_id.is_not(None),
                      _letter.c.created_at >= period.start_at, _letter.c.created_at < period.end_before))
    links = (select(*per_scope(_case_sme.c.case_id, _case.c.district))
             .select_from(_case_sme.join(_case, _case.c.id == _case_sme.c.case_id))
             .where(_case_sme.c.linked_at >= period.start_at, _case_sme.c.linked_at < period.end_before))
    if district is not None:
        letters, links = letters.where(_case.c.district == district), links.where(_case.c.district == district)
    for query, key in ((letters, "smes_reached"), (links, "cases_linked")):
        row = run(query)[0]._mapping
        for scope in figures:
            figures[scope]["employers"][key] = int(row[scope])
