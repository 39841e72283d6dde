"""Advisers of the Welcome Center: who acts, in which district, with which role."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.access import Actor, Role
from models._types import timestamp


class AdviserBase(SQLModel):
    name: str = Field(max_length=100)
    email: str = Field(max_length=254, unique=True, index=True)
    district: str | None = Field(default=None, max_length=20)
    role: str = Field(default=Role.ADVISER.value, max_length=20)
    phone: str | None = Field(default=None, max_length=50)  # the contact person's line in a letter's information block
    function: str | None = Field(default=None, max_length=100)  # under the signature, e.g. "Beraterin Anerkennung"


class Adviser(AdviserBase, table=True):
    __tablename__ = "adviser"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = True
    created_at: datetime = timestamp()


    def as_actor(self) -> Actor:
        return Actor(id=self.id, name=self.name, email=self.email, role=Role(self.role), district=self.district)
