"""The reports' own structures (migrations 0014 and 0017), derived data the report reads instead of the
cases, events and persons: every table here is recomputed by `services.reports.refresh_case_facts`
from the records, for the cases and persons a trigger marked.

- `report_case_fact`: per case its district, person, day opened, routing, and its milestones on their
  corrected days, with the day counts and funding flags the report adds up. Indexed so that each
  figure is one range of one index (a period's submissions, decisions, openings).
- `report_case_change`: each state change on its corrected day, with the day it stops being the
  case's state (`valid_until`: the earliest day of any change recorded after it), so the state at
  the end of any period is the one row per case with `on <= end < valid_until`.
- `report_person_span`: per person and district (and per country of training) the days on which the
  person had an open case, merged (`domain.reports.person_spans`): counting persons in a period is a
  sum of weights over a range, with no grouping by person.
- `report_case_dirty`, `report_person_dirty`: what the triggers marked since the last refresh.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, MetaData, String, Table

metadata = MetaData()

report_case_fact = Table(
    "report_case_fact", metadata,
    Column("case_id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", Integer, nullable=False),
    Column("district", String(20), nullable=False),
    Column("opened_on", Date, nullable=False),  # the earlier of the day created (UTC) and its first step
    Column("profession_group", String(20)),
    Column("body_key", String(80)),
    Column("country", String(2)),  # of training
    Column("submitted_on", Date),
    Column("acknowledged_on", Date),
    Column("complete_on", Date),
    Column("decided_on", Date),
    Column("outcome", String(30)),
    Column("ended_on", Date),  # the first close or withdrawal
    Column("decision_due", Date),  # the statutory decision deadline, if one runs
    Column("days_to_submit", Integer),  # opened → submitted
    Column("days_to_acknowledge", Integer),  # submitted → acknowledged
    Column("days_to_decide", Integer),  # documents complete → decided
    Column("funded_before", Integer, nullable=False),  # 1: a funded route decided on or before the submission
    Column("submitted_without", Integer, nullable=False),  # 1: no funding recorded by the submission
    Index("ix_report_case_fact_opened", "district", "opened_on", "ended_on"),
    Index("ix_report_case_fact_submitted", "district", "submitted_on", "days_to_submit", "funded_before",
          "submitted_without"),
    Index("ix_report_case_fact_acknowledged", "district", "acknowledged_on", "days_to_acknowledge"),
    Index("ix_report_case_fact_decided", "district", "decided_on", "outcome", "profession_group", "body_key",
          "decision_due", "days_to_decide"),
    Index("ix_report_case_fact_person", "person_id"),
)

report_case_change = Table(
    "report_case_change", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),  # the original event's id
    Column("case_id", Integer, nullable=False),
    Column("district", String(20), nullable=False),
    Column("on", Date, nullable=False),  # its effective day (its latest correction's, or its own)
    Column("valid_until", Date),  # the earliest effective day of a change recorded after it; None: none
    Column("state", String(30), nullable=False),  # the state it led to
    Column("case_ended_on", Date),  # the case's first close or withdrawal
    Index("ix_report_case_change_state", "valid_until", "district", "state", "on", "case_ended_on"),
    Index("ix_report_case_change_case", "case_id"),
)

report_person_span = Table(
    "report_person_span", metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, nullable=False),  # ON DELETE CASCADE in the migration
    Column("scope", String(20), nullable=False),  # a district, or "*": all districts of a person with cases in two
    Column("per_country", Integer, nullable=False),  # 0: all the person's cases; 1: those of one country of training
    Column("country", String(2)),  # the country of training of these cases (None: not recorded, or `mixed`)
    Column("start_on", Date, nullable=False),
    Column("end_on", Date),  # None: still open
    Column("weight", Integer, nullable=False),  # +1 a span, -1 a gap between two; 0 in the "*" rows
    Column("all_weight", Integer, nullable=False),  # the same for the report's "all"
    Column("female", Integer, nullable=False),
    Column("buergergeld", Integer, nullable=False),
    Column("birth_date", Date),
    Column("mixed", Integer, nullable=False),  # 1: the person's cases differ in it (and have rows per country)
    Column("multi_country", Integer, nullable=False),  # 1: the person's cases name two countries or more
    Index("ix_report_person_span_persons", "per_country", "scope", "female", "buergergeld", "mixed", "country",
          "start_on", "end_on", "weight", "all_weight"),
    Index("ix_report_person_span_young", "per_country", "birth_date", "scope", "female", "buergergeld", "start_on",
          "end_on", "weight", "all_weight"),
    Index("ix_report_person_span_countries", "per_country", "scope", "country", "start_on", "end_on", "weight",
          "all_weight", "multi_country"),
    Index("ix_report_person_span_person", "person_id"),
    Index("ix_report_person_span_multi", "multi_country", "per_country", "person_id", "country", "scope", "start_on",
          "end_on", "weight", "all_weight"),
)

report_case_dirty = Table(
    "report_case_dirty", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, nullable=False),
)

report_person_dirty = Table(
    "report_person_dirty", metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, nullable=False),
)
