"""The recognition case, the events that happened to it, and the deadlines they drive."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, ValidationInfo, model_validator
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain import validation
from domain.countries import country
from domain.funding import FundingRoute
from domain.lifecycle import CaseState
from models._types import UTCDateTime, long_text, parsed, parsed_in_context, timestamp, yes_no


class CaseBase(SQLModel):
    reference: str = Field(max_length=20, unique=True, index=True)  # VER-2026-0042, read out on the phone
    district: str = Field(max_length=20, index=True)
    profession_text: str = Field(max_length=200)  # as the person said it
    reference_occupation_key: str | None = Field(default=None, max_length=80)  # Referenzberuf
    reference_occupation: str | None = Field(default=None, max_length=200)
    body_key: str | None = Field(default=None, max_length=80)
    regulated: bool | None = None
    law: str | None = Field(default=None, max_length=40)
    legal_basis: str | None = Field(default=None, max_length=300)
    procedure: str | None = Field(default=None, max_length=10)  # BQFG | NBQFG | none
    profession_group: str | None = Field(default=None, max_length=20)
    fast_track: bool = False
    eu_training: bool = False
    country_of_training: str | None = Field(default=None, max_length=2)
    state: str = Field(default=CaseState.INTAKE.value, max_length=30)
    outcome: str | None = Field(default=None, max_length=30)
    funding_route: str = Field(default=FundingRoute.NOT_RECORDED.value, max_length=30)
    funding_decided_on: date | None = None


class Case(CaseBase, table=True):
    __tablename__ = "recognition_case"
    __table_args__ = (
        Index("ix_case_district_state", "district", "state"),
        Index("ix_case_last_activity", "last_activity_at"),
        Index("ix_case_state_last_activity", "state", "last_activity_at"),
        Index("ix_case_state_id", "state", "id"),
        Index("ix_case_next_due", "next_due"),
        Index("ix_case_district_next_due", "district", "next_due"),
        # migration 0005 (the web page); its expression indexes on lower(…) live only in the migration
        Index("ix_case_reference_occupation_key", "reference_occupation_key"),
        Index("ix_case_district_next_due_adviser", "district", "next_due", "adviser_id"),
        Index("ix_case_state_district_next_due", "state", "district", "next_due"),  # migration 0006: counts by state
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    adviser_id: int | None = Field(default=None, foreign_key="adviser.id", index=True)
    routing_method: str | None = Field(default=None, max_length=20)
    routing_score: int | None = None
    routing_reason: str | None = long_text()
    routing_conflict: str | None = long_text()
    # the earliest open deadline, kept by services._store_deadlines beside the Deadline rows, so
    # that "overdue" and "by next deadline" lists are one index range at 100,000 cases
    next_due: date | None = None
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    last_activity_at: datetime = timestamp()


def _country(value: Any, info: ValidationInfo) -> str | None:
    return country(value, table=info.context["countries"])


class CaseCreate(SQLModel):
    """A new case as typed at any door: the profession as the person says it, the country of training
    (a name in German or English, or an ISO code) and the fast track (§ 81a AufenthG). Needs the
    context `countries` (adapters.catalogue.load_countries)."""

    model_config = ConfigDict(validate_default=True)  # an absent field is checked (and refused) like an empty one

    profession: Annotated[str, parsed(validation.profession)] = None
    # ISO 3166-1 alpha-2 after validation
    country_of_training: Annotated[str | None, parsed_in_context(_country)] = None
    fast_track: Annotated[bool, parsed_in_context(yes_no)] = False
    eu_training: bool = False  # set from the country: training in the EU, the EEA or Switzerland

    @model_validator(mode="after")
    def _eu_training(self, info: ValidationInfo) -> CaseCreate:
        """Training in the EU, the EEA or Switzerland (the extension is then at most one month,
        § 13 Abs. 3 Satz 4 BQFG)."""
        table = (info.context or {}).get("countries")
        self.eu_training = bool(self.country_of_training and table and table.is_eu_eea_ch(self.country_of_training))
        return self


class CaseEvent(SQLModel, table=True):
    """What happened, on which day (e.g. the body's receipt date), recorded by whom."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_event_until", "event", "until"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="recognition_case.id", index=True)
    event: str = Field(max_length=30)
    occurred_on: date
    outcome: str | None = Field(default=None, max_length=30)
    period: str | None = Field(default=None, max_length=10)  # "1m", "14d", "6w"
    until: date | None = None
    note: str | None = long_text()
    actor: str = Field(max_length=254)
    recorded_at: datetime = timestamp()
    # A correction of a wrongly recorded step: the original's id; the original row stays (services.cases.correct_event).
    corrects_id: int | None = Field(default=None, foreign_key="case_event.id", index=True)


class Deadline(SQLModel, table=True):
    """The current value of one deadline of a case, recomputed from the events on every change."""

    __tablename__ = "deadline"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", name="uq_deadline_case_kind"),
        Index("ix_deadline_status_due", "status", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="recognition_case.id", index=True)
    kind: str = Field(max_length=20)  # acknowledgement | decision | person
    status: str = Field(max_length=10)  # open | met | paused | cancelled
    start: date
    due: date | None = None
    law: str = Field(max_length=200)
    reason: str = long_text(nullable=False)
    met_on: date | None = None


class ReferenceCounter(SQLModel, table=True):
    """The last number given per district prefix and year; incremented atomically."""

    __tablename__ = "reference_counter"

    prefix: str = Field(primary_key=True, max_length=5)
    year: int = Field(primary_key=True)
    last: int = 0


class Appointment(SQLModel, table=True):
    """An appointment with the person (advice, signing the application); reminded the day before."""

    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_starts_at", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="recognition_case.id", index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    place: str = Field(max_length=200)
    note: str | None = long_text()
    cancelled: bool = False
    created_at: datetime = timestamp()
