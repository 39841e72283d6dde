"""The report for the Kommunales Jobcenter and the districts (issue 16): who was helped, how fast,
with what outcome, over a period and optionally one district.

Every figure is a SQL aggregate (SQLAlchemy Core: GROUP BY, COUNT, CASE WHEN; the percentiles from
a GROUP BY of the days, a histogram of a few hundred rows); the cases are never loaded into Python, and the same statements run on SQLite and
PostgreSQL. The rules (suppression, age, percentile, definitions) live in domain/reports.py; the
JSON's shape is docs/report-schema.md.

Each case's milestones on their corrected days (submitted, acknowledged, complete, decided with the
outcome, ended, its first step, its latest state change) are kept in `report_case_fact` (migration
0014): a trigger marks a case in `report_case_dirty` whenever one of its events is written, and
`refresh_case_facts` recomputes the marked cases before each report (all of them in one pass after a
bulk load). The report joins those rows with the cases and persons into a temporary table on its own
connection (the events are read again only for the state at the end of a period that ended before
a case's latest change); the aggregates read that table and the table is dropped.

Counts of cases and the histograms of days are grouped by district and added up for "all"; the
persons (and persons per country) are grouped by person once, with a flag per district, so a person
with cases in both districts counts once in each district and once in "all".

The day a case was opened is the earlier of the UTC date of `recognition_case.created_at` and its
first recorded step (a history entered after the fact, e.g. by the import);
a case opened between midnight and 1 or 2 o'clock Berlin time would count on the day before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Engine

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

ALL = "all"
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


def _fact_rows(case_ids=None):
    """Per case (all, or those of the select `case_ids`): the effective day of each milestone, the
    outcome, when it ended, its first step, and its latest state change (every milestone happens at
    most once per case): the columns of `report_case_fact`."""
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
        func.max(case((_is_change(events), events.c.on))).label("last_change_on"),
        func.max(case((_is_change(events), events.c.id))).label("last_change_id"),
    ).group_by(events.c.case_id).subquery("days")
    last = _event.alias("last_change")
    return (select(days.c.case_id, days.c.first_on, days.c.submitted_on, days.c.acknowledged_on, days.c.complete_on,
                   days.c.decided_on, days.c.outcome, days.c.ended_on, days.c.last_change_on,
                   _state_after(last.c.event).label("state_after_last"))
            .select_from(days.outerjoin(last, last.c.id == days.c.last_change_id)))


def _change_rows(case_ids=None):
    """Every state change (of all cases, or those of the select `case_ids`) on its effective day, with
    the state it led to: the rows of `report_case_change`."""
    events = _effective_events(case_ids)
    return (select(events.c.id, events.c.case_id, events.c.on, _state_after(events.c.event))
            .where(_is_change(events)))


def _states_at(end: date, case_ids):
    """Per case of the select `case_ids`: its state after the last state change (the one recorded
    last) on or before `end`; for the cases changed after `end` (the others' is `state_after_last`)."""
    last_ids = (select(_change.c.case_id, func.max(_change.c.event_id).label("event_id"))
                .where(_change.c.on <= end, _change.c.case_id.in_(case_ids))
                .group_by(_change.c.case_id).subquery("last_ids"))
    last = _change.alias("last_change_then")
    return (select(last_ids.c.case_id, last.c.state)
            .select_from(last_ids.join(last, last.c.event_id == last_ids.c.event_id)).subquery("state_then"))


# Above this many changed cases the facts are recomputed whole (one pass over the events) rather than
# case by case.
_REBUILD_ABOVE = 5_000
_CHUNK = 500


def refresh_case_facts(engine: Engine) -> int:
    """Bring `report_case_fact` up to date with the events: the cases marked in `report_case_dirty`
    (by the trigger, in the event's own transaction) are recomputed, in one transaction with the
    removal of exactly the marks it read, so a mark written meanwhile stays for the next call.
    Returns the number of cases recomputed. Safe to call from several processes at once."""
    with engine.begin() as connection:
        marked = {row[0] for row in connection.execute(delete(_dirty).returning(_dirty.c.case_id))}
        if not marked:
            return 0
        facts, changes = [column.name for column in _fact.c], [column.name for column in _change.c]
        if len(marked) > _REBUILD_ABOVE:
            connection.execute(delete(_fact))
            connection.execute(delete(_change))
            connection.execute(_fact.insert().from_select(facts, _fact_rows()))
            connection.execute(_change.insert().from_select(changes, _change_rows()))
            if connection.dialect.name == "postgresql":  # the planner's row counts for the new rows
                connection.exec_driver_sql("ANALYZE report_case_fact, report_case_change")
            return len(marked)
        ids = sorted(marked)
        for first in range(0, len(ids), _CHUNK):
            chunk = ids[first:first + _CHUNK]
            connection.execute(delete(_fact).where(_fact.c.case_id.in_(chunk)))
            connection.execute(delete(_change).where(_change.c.case_id.in_(chunk)))
            existing = select(_case.c.id).where(_case.c.id.in_(chunk))  # a case erased meanwhile gets no row
            connection.execute(_fact.insert().from_select(facts, _fact_rows(existing)))
            connection.execute(_change.insert().from_select(changes, _change_rows(existing)))
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


def _case_rows(period: _Period, district: str | None, dialect: str):
    """One row per case opened on or before the period's end: its person, milestones, state at the
    end and decision deadline (the columns of `_report_cases`). The milestones come from
    `report_case_fact`; the events are read again only for the cases whose state changed after the
    period's end (none, for a period ending today)."""
    days = _fact
    changed_since = select(_fact.c.case_id).where(_fact.c.last_change_on > period.end)
    if district is not None:
        changed_since = changed_since.join(_case, _case.c.id == _fact.c.case_id).where(_case.c.district == district)
    then = _states_at(period.end, changed_since)
    decision_deadline = _deadline.alias("decision_deadline")
    state_at_end = case(
        (days.c.last_change_on.is_(None), CaseState.INTAKE.value),
        (days.c.last_change_on <= period.end, days.c.state_after_last),
        else_=func.coalesce(then.c.state, CaseState.INTAKE.value),
    )
    created_on = _day(_case.c.created_at, dialect)
    # a case whose history was recorded after the fact (imported, or entered later) was opened on its
    # first recorded step: the earlier of that day and the day the case was created
    opened_on = case((and_(days.c.first_on.is_not(None), days.c.first_on < created_on), days.c.first_on),
                     else_=created_on)
    query = (select(
        _case.c.id, _case.c.person_id, _case.c.district, _case.c.created_at, opened_on,
        _case.c.profession_group, _case.c.body_key, _case.c.country_of_training, _case.c.funding_route,
        _case.c.funding_decided_on, _person.c.sex, _person.c.birth_date, _person.c.receives_buergergeld,
        days.c.submitted_on, days.c.acknowledged_on, days.c.complete_on, days.c.decided_on, days.c.outcome,
        days.c.ended_on, state_at_end, decision_deadline.c.due,
    ).select_from(_case.join(_person, _person.c.id == _case.c.person_id)
                  .outerjoin(days, days.c.case_id == _case.c.id)
                  .outerjoin(then, then.c.case_id == _case.c.id)
                  .outerjoin(decision_deadline, and_(decision_deadline.c.case_id == _case.c.id,
                                                     decision_deadline.c.kind == "decision")))
        .where(or_(_case.c.created_at < period.end_before, days.c.first_on <= period.end)))
    return query.where(_case.c.district == district) if district is not None else query


def _report_cases_table() -> Table:
    """A temporary table for the per-case rows: computed once (the events read once), then every
    aggregate of the report reads it. Temporary tables live per connection on SQLite and PostgreSQL."""
    return Table(
        "report_case", MetaData(),
        Column("id", Integer), Column("person_id", Integer), Column("district", String(20)),
        Column("created_at", Case.__table__.c.created_at.type), Column("opened_on", Date),
        Column("profession_group", String(20)), Column("body_key", String(80)), Column("country_of_training", String(2)),
        Column("funding_route", String(30)), Column("funding_decided_on", Date), Column("sex", String(1)),
        Column("birth_date", Date), Column("receives_buergergeld", Boolean), Column("submitted_on", Date),
        Column("acknowledged_on", Date), Column("complete_on", Date), Column("decided_on", Date),
        Column("outcome", String(30)), Column("ended_on", Date), Column("state_at_end", String(30)),
        Column("decision_due", Date), Column("scope", String(20)),
        prefixes=["TEMPORARY"],
    )


def _fill(connection, table: Table, rows) -> None:
    """The case rows, each with its district as its scope."""
    names = [column.name for column in table.c if column.name != "scope"]
    connection.execute(table.insert().from_select([*names, "scope"], rows.add_columns(_case.c.district)))


def _scoped(table_select, district_column, district: str | None):
    """A select of (scope, …) rows for an event table joined to its case: its district and "all"."""
    query = table_select
    if district is not None:
        query = query.where(district_column == district)
    return union_all(query.add_columns(district_column.label("scope")),
                     query.add_columns(literal(ALL).label("scope"))).subquery()


def _within(column, period: _Period):
    return and_(column >= period.start, column <= period.end)


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
    scopes = [district] if district is not None else list(catalogue.districts)
    scopes.append(ALL)
    dialect = engine.dialect.name
    table = _report_cases_table()
    figures = {scope: _empty(period) for scope in scopes}
    refresh_case_facts(engine)
    with engine.connect() as connection:
        def run(statement):
            return connection.execute(statement).all()

        table.drop(connection, checkfirst=True)  # left over by a call that failed on this connection
        table.create(connection)
        try:
            _fill(connection, table, _case_rows(period, district, dialect))
            scoped = table
            districts = [dict(row._mapping) for row in run(_main_figures(scoped, period))]
            for row in districts:  # counts of cases add up over the districts
                _take_main(figures[row["scope"]], row, period)
            if districts:  # with no case at all, the empty figures stand
                _take_main(figures[ALL], {key: sum(row[key] for row in districts) for key in districts[0] if key != "scope"},
                           period)
            _take_persons(figures, run, scoped, period)
            _take_countries(figures, run, scoped, period, catalogue)
            _take_decisions_by(figures, run, scoped, period, catalogue)
            _take_durations(figures, run, scoped, period, dialect)
            _take_employers(figures, run, period, district)
        finally:
            table.drop(connection, checkfirst=True)
            connection.rollback()  # nothing is kept: the temporary table is the only thing written
    for values in figures.values():
        values["median_days_to_decision"] = values["durations"]["complete_to_decision"]["median"]
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


def _main_figures(scoped, period: _Period):
    c = scoped.c
    advised = _advised(c, period)

    def cases(*conditions):
        return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)

    submitted = _within(c.submitted_on, period)
    decided = _within(c.decided_on, period)
    columns = [
        cases(c.opened_on >= period.start).label("cases_opened"),
        cases(submitted).label("submitted"),
        cases(_within(c.acknowledged_on, period)).label("acknowledged"),
        cases(decided, c.decision_due.is_not(None)).label("decided_with_deadline"),
        cases(decided, c.decided_on <= c.decision_due).label("within"),
        cases(submitted, c.funding_route.in_([r.value for r in FUNDED_ROUTES]),
              c.funding_decided_on <= c.submitted_on).label("funded_before"),
        cases(submitted, or_(c.funding_route == FundingRoute.NOT_RECORDED.value, c.funding_decided_on.is_(None),
                             c.funding_decided_on > c.submitted_on)).label("submitted_without"),
    ]
    columns += [cases(decided, c.outcome == outcome.value).label(f"outcome_{key}") for key, outcome in OUTCOME_KEYS]
    columns += [cases(advised, c.state_at_end == state.value).label(f"state_{state.value}") for state in CaseState]
    firsts = months(period.start, period.end)
    bounds = firsts[1:] + [period.end + timedelta(days=1)]
    lower = period.start
    for first, upper in zip(firsts, bounds):
        columns.append(cases(c.opened_on >= lower, c.opened_on < upper).label(f"month_{first:%Y_%m}"))
        lower = upper
    return select(c.scope, *columns).group_by(c.scope)  # per district; "all" is their sum


def _take_main(values: dict[str, Any], row, period: _Period) -> None:
    for key in ("cases_opened", "submitted"):
        values[key] = int(row[key])
    for key, _ in OUTCOME_KEYS:
        values["decisions"][key] = int(row[f"outcome_{key}"])
    for state in CaseState:
        values["states_at_end"][state.value] = int(row[f"state_{state.value}"])
    for first in months(period.start, period.end):
        values["opened_per_month"][f"{first:%Y-%m}"] = int(row[f"month_{first:%Y_%m}"])
    decided_with_deadline, within = int(row["decided_with_deadline"]), int(row["within"])
    values["within_statutory_period"] = {"decided": decided_with_deadline, "within": within,
                                         "share": share(within, decided_with_deadline)}
    values["funding"] = {"recorded_before_submission": int(row["funded_before"]),
                         "submitted_without": int(row["submitted_without"])}
    values["funnel"] = {"opened": values["cases_opened"], "submitted": values["submitted"],
                        "acknowledged": int(row["acknowledged"]), "decided": sum(values["decisions"].values())}


def _person_flags(scoped, scopes: list[str], columns: list, group_by: list, *conditions):
    """One row per person (per `group_by`) of the case rows that meet the conditions, with a flag per
    district (1: the person has such a case there); "all" is every row. One sort instead of a
    COUNT(DISTINCT) per scope and column."""
    t = scoped.c
    flags = [func.max(case((t.scope == scope, 1), else_=0)).label(f"in_{index}")
             for index, scope in enumerate(scopes) if scope != ALL]
    return select(*columns, *flags).where(*conditions).group_by(*group_by).subquery("person_flags")


def _take_persons(figures, run, scoped, period: _Period) -> None:
    """The persons advised, each once per scope, with the crossings the programme names."""
    t = scoped.c
    scopes = list(figures)
    p = _person_flags(scoped, scopes, [t.person_id, func.max(t.sex).label("sex"),
                                       func.max(t.birth_date).label("birth_date"),
                                       func.max(case((t.receives_buergergeld.is_(True), 1), else_=0)).label("paid")],
                      [t.person_id], _advised(t, period)).c
    woman, young, paid = p.sex == "f", p.birth_date > young_adult_born_after(period.end), p.paid == 1
    kinds = {"persons": [], "women": [woman], "under_25": [young], "buergergeld": [paid],
             "women_buergergeld": [woman, paid], "under_25_buergergeld": [young, paid]}
    columns = []
    for index, scope in enumerate(scopes):
        here = [] if scope == ALL else [getattr(p, f"in_{index}") == 1]
        columns += [func.coalesce(func.sum(case((and_(true(), *here, *conditions), 1), else_=0)), 0).label(f"{kind}_{index}")
                    for kind, conditions in kinds.items()]
    row = run(select(*columns))[0]._mapping
    for index, scope in enumerate(scopes):
        figures[scope].update({kind: int(row[f"{kind}_{index}"]) for kind in kinds})


def _take_countries(figures, run, scoped, period: _Period, catalogue: Catalogue) -> None:
    """Persons per country of training: the ten with most persons by name (ties by code), then the
    persons of every other country ("andere"), then those without one ("nicht erfasst")."""
    t = scoped.c
    scopes = list(figures)
    advised = _advised(t, period)

    def per_scope(flags) -> list:
        return [func.coalesce(func.sum(getattr(flags, f"in_{index}")), 0).label(f"n_{index}") if scope != ALL
                else func.count().label(f"n_{index}") for index, scope in enumerate(scopes)]

    p = _person_flags(scoped, scopes, [t.country_of_training, t.person_id], [t.country_of_training, t.person_id],
                      advised).c
    per_country: dict[str, list[tuple[str | None, int]]] = {scope: [] for scope in scopes}
    for row in run(select(p.country_of_training, *per_scope(p)).group_by(p.country_of_training)):
        for index, scope in enumerate(scopes):
            if row._mapping[f"n_{index}"]:
                per_country[scope].append((row.country_of_training, int(row._mapping[f"n_{index}"])))
    top = {scope: sorted(((code, n) for code, n in items if code is not None),
                         key=lambda item: (-item[1], item[0]))[:TOP_COUNTRIES]
           for scope, items in per_country.items()}
    # the persons of each scope's other countries, each once (a person may have trained in two of them)
    def outside(scope: str):
        codes = [code for code, _ in top[scope]]
        here = [] if scope == ALL else [t.scope == scope]
        return func.max(case((and_(true(), *here, t.country_of_training.not_in(codes) if codes else true()), 1),
                             else_=0)).label(f"out_{scopes.index(scope)}")

    persons_outside = (select(t.person_id, *(outside(scope) for scope in scopes))
                       .where(advised, t.country_of_training.is_not(None)).group_by(t.person_id).subquery("outside")).c
    row = run(select(*(func.coalesce(func.sum(getattr(persons_outside, f"out_{index}")), 0).label(f"n_{index}")
                       for index in range(len(scopes)))))[0]._mapping
    other = {scope: int(row[f"n_{index}"]) for index, scope in enumerate(scopes)}
    names = catalogue.countries
    for scope, listed_here in top.items():
        unknown = next((n for code, n in per_country[scope] if code is None), 0)
        figures[scope]["countries"] = [
            *({"code": code, "name": names.name_de(code) if names else code, "persons": n} for code, n in listed_here),
            {"code": OTHER_COUNTRIES[0], "name": OTHER_COUNTRIES[1], "persons": other[scope]},
            {"code": UNKNOWN[0], "name": UNKNOWN[1], "persons": unknown},
        ]


def _advised(c, period: _Period):
    """Open at some time in the period: not closed or withdrawn before its first day."""
    return or_(c.ended_on.is_(None), c.ended_on >= period.start)


def _take_decisions_by(figures, run, scoped, period: _Period, catalogue: Catalogue) -> None:
    """The period's decisions by profession group and by body (cases without one: "unknown")."""
    c = scoped.c
    keys = {outcome.value: key for key, outcome in OUTCOME_KEYS}
    for column, target in ((c.profession_group, "decisions_by_group"), (c.body_key, "decisions_by_body")):
        rows = run(select(c.scope, column.label("key"), c.outcome, func.count().label("cases"))
                   .where(_within(c.decided_on, period)).group_by(c.scope, column, c.outcome))
        for row in sorted(rows, key=lambda r: (r.key or "", r.scope, r.outcome or "")):
            key = row.key or UNKNOWN[0]
            for scope in (row.scope, ALL):  # per district; "all" adds them up
                entry = figures[scope][target].get(key)
                if entry is None:
                    entry = {key: 0 for key, _ in OUTCOME_KEYS}
                    if target == "decisions_by_body":
                        body = catalogue.bodies.get(row.key) if row.key else None
                        name = body.name if body else (row.key or UNKNOWN[1])
                        entry = {"name": name, **entry}
                    figures[scope][target][key] = entry
                if row.outcome in keys:
                    entry[keys[row.outcome]] += int(row.cases)


def _take_durations(figures, run, scoped, period: _Period, dialect: str) -> None:
    """Median and 90th percentile (nearest rank, domain.reports.percentile) of each duration whose
    later event falls in the period: one GROUP BY gives how many cases took each number of days, per
    duration and district (a histogram of a few hundred rows); "all" adds the districts' up."""
    c = scoped.c
    milestones = {None: c.opened_on, Event.SUBMIT: c.submitted_on, Event.ACKNOWLEDGE: c.acknowledged_on,
                  Event.DOCUMENTS_COMPLETE: c.complete_on, Event.DECIDE: c.decided_on}
    parts = []
    for key, earlier, later in DURATIONS:
        first, last = milestones[earlier], milestones[later]
        parts.append(select(literal(key).label("duration"), c.scope, _days(last, first, dialect).label("days"))
                     .where(_within(last, period), first.is_not(None)))
    d = union_all(*parts).subquery("duration_days").c
    counts: dict[tuple[str, str], dict[int, int]] = {}
    for row in run(select(d.duration, d.scope, d.days, func.count().label("cases")).group_by(d.duration, d.scope, d.days)):
        for scope in (row.scope, ALL):
            histogram = counts.setdefault((row.duration, scope), {})
            histogram[int(row.days)] = histogram.get(int(row.days), 0) + int(row.cases)
    for (key, scope), histogram in counts.items():
        figures[scope]["durations"][key] = {"cases": sum(histogram.values()),
                                            "median": percentile_of_counts(histogram, 50),
                                            "p90": percentile_of_counts(histogram, 90)}


def _take_employers(figures, run, period: _Period, district: str | None) -> None:
    """Employers (SMEs) written a guidance letter in the period, and cases linked to one in it."""
    letters = _scoped(
        select(_letter.c.sme_id.label("sme_id")).select_from(_letter.join(_case, _case.c.id == _letter.c.case_id))
        .where(_letter.c.kind == "sme_guidance", _letter.c.sme_id.is_not(None),
               _letter.c.created_at >= period.start_at, _letter.c.created_at < period.end_before),
        _case.c.district, district)
    for row in run(select(letters.c.scope, func.count(func.distinct(letters.c.sme_id)).label("n")).group_by(letters.c.scope)):
        figures[row.scope]["employers"]["smes_reached"] = int(row.n)
    links = _scoped(
        select(_case_sme.c.case_id.label("case_id")).select_from(_case_sme.join(_case, _case.c.id == _case_sme.c.case_id))
        .where(_case_sme.c.linked_at >= period.start_at, _case_sme.c.linked_at < period.end_before),
        _case.c.district, district)
    for row in run(select(links.c.scope, func.count(func.distinct(links.c.case_id)).label("n")).group_by(links.c.scope)):
        figures[row.scope]["employers"]["cases_linked"] = int(row.n)
