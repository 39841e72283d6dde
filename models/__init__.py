"""SQLModel tables, the one engine/session place, and the services and selectors on them.

Importing this package registers every table on `SQLModel.metadata` (Alembic reads it).
"""

from models.adviser import Adviser, Role
from models.audit import AuditEvent, PersonKey
from models.case import Appointment, Case, CaseEvent, Deadline, ReferenceCounter
from models.document import Document, IntakeFile
from models.flow_run import FlowRunAcknowledgement
from models.letter import CaseSme, Letter, PersonAddress, Sme
from models.outbox import OutboxMessage, OutboxState
from models.person import Consent, Person
from models.web_session import LoginAttempt, WebSession

__all__ = [
    "Adviser",
    "Appointment",
    "AuditEvent",
    "Case",
    "CaseEvent",
    "CaseSme",
    "Consent",
    "Deadline",
    "Document",
    "FlowRunAcknowledgement",
    "IntakeFile",
    "Letter",
    "LoginAttempt",
    "OutboxMessage",
    "OutboxState",
    "Person",
    "PersonAddress",
    "PersonKey",
    "ReferenceCounter",
    "Role",
    "Sme",
    "WebSession",
]
