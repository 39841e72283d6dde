"""What the application keeps about Prefect's flow runs: a lead's acknowledgement ("Gesehen") of a
failed or crashed run. The runs themselves are read from the Prefect server by flows/run_history.py;
this module knows nothing of Prefect (the rings, README).

Like every service here it does not commit: the acknowledgement and its audit entry commit together.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.errors import InvalidInput
from models._types import utc_now
from models.flow_run import FlowRunAcknowledgement
from services.audit import record_audit


def checked_run_id(value: str) -> str:
    """A flow run id as Prefect writes it (a UUID, lower case), or InvalidInput naming the value."""
    try:
        return str(UUID(value.strip()))
    except (ValueError, AttributeError):
        raise InvalidInput("flow_run.not_an_id", "flow_run", value=str(value)[:40]) from None


def acknowledge_run(session: Session, *, flow_run_id: str, flow_name: str, state: str, adviser_id: int | None,
                    actor: str) -> bool:
    """Record that `actor` has seen the run. True when this was the first acknowledgement; a second
    one (a double click, two leads at once) changes nothing and writes no second audit entry: one
    INSERT … ON CONFLICT DO NOTHING on the unique flow run id."""
    run_id = checked_run_id(flow_run_id)
    table = FlowRunAcknowledgement.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(flow_run_id=run_id, flow_name=flow_name[:60], state=state[:20], acknowledged_by=adviser_id,
                acknowledged_at=utc_now())
        .on_conflict_do_nothing(index_elements=[table.c.flow_run_id])
        .returning(table.c.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is None:
        return False
    record_audit(session, actor=actor, action="flow_run.acknowledge", entity="flow_run", entity_id=new_id,
                 after={"flow_run_id": run_id, "flow": flow_name, "state": state})
    return True

