"""Which failed scheduled or manual flow runs someone has looked at ("Gesehen").

The runs themselves live on the Prefect server; the application keeps only the acknowledgement, keyed
by the flow run's id, so the lead's Übersicht stops showing a failed run once a lead has seen it. The
unique key makes a second click (or two leads at once) harmless.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Field, Session, SQLModel, select

from models._types import timestamp


class FlowRunAcknowledgement(SQLModel, table=True):
    __tablename__ = "flow_run_acknowledgement"

    id: int | None = Field(default=None, primary_key=True)
    flow_run_id: str = Field(max_length=36, unique=True, index=True)  # Prefect's UUID, as text
    flow_name: str = Field(max_length=60)  # reminders, intake, letters
    state: str = Field(max_length=20)  # the state seen: FAILED, CRASHED, ...
    acknowledged_by: int | None = Field(default=None, foreign_key="adviser.id")
    acknowledged_at: datetime = timestamp()


def acknowledged_run_ids(session: Session, run_ids: Collection[str]) -> set[str]:
    """Which of these flow runs someone has acknowledged (a selector)."""
    if not run_ids:
        return set()
    query = select(FlowRunAcknowledgement.flow_run_id).where(FlowRunAcknowledgement.flow_run_id.in_(list(run_ids)))
    return set(session.exec(query).all())
