"""The reports' own structures (migration 0014): each case's milestones on their corrected days, its
state changes, and the cases whose events changed since (written by a trigger on `case_event`).
Derived data: the events stay the record, and `services.reports.refresh_case_facts` recomputes a
case's rows from them."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, MetaData, String, Table

metadata = MetaData()

report_case_fact = Table(
    "report_case_fact", metadata,
    Column("case_id", Integer, primary_key=True, autoincrement=False),
    Column("first_on", Date),  # the earliest effective day of any event
    Column("submitted_on", Date),
    Column("acknowledged_on", Date),
    Column("complete_on", Date),
    Column("decided_on", Date),
    Column("outcome", String(30)),
    Column("ended_on", Date),  # the first close or withdrawal
    Column("last_change_on", Date),  # the latest effective day of a state-changing event
    Column("state_after_last", String(30)),  # the state after the state-changing event recorded last
)

report_case_change = Table(
    "report_case_change", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),  # the original event's id
    Column("case_id", Integer, nullable=False),
    Column("on", Date, nullable=False),  # its effective day (its latest correction's, or its own)
    Column("state", String(30), nullable=False),  # the state it led to
)

report_case_dirty = Table(
    "report_case_dirty", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, nullable=False),
)
