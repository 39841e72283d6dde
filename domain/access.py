"""Who may see and change what: roles, the acting adviser, and the districts rule.

Each case belongs to one district, and a person to the district where they live (the Welcome Center
serves Landkreis Verden and Landkreis Osterholz). An adviser works in one district, a lead in both,
a reader reads. Out of scope and absent look the same to an adviser: an Osterholz adviser does not
learn that a Verden reference, or a Verden person, exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.validation import FieldError

# The districts served (data/districts.yaml keys; tests/test_web_scope.py checks they agree). A lead
# sees all of them; everyone else exactly their own.
ALL_DISTRICTS: tuple[str, ...] = ("verden", "osterholz")


class Role(StrEnum):
    ADVISER = "adviser"  # one district
    LEAD = "lead"  # both districts
    READONLY = "readonly"  # reports only


@dataclass(frozen=True)
class Actor:
    """Who acts: an adviser behind a web session, with role and district. The command line and the
    scheduled runs act as the operator of the whole service (`actor=None` in the selectors)."""

    id: int
    name: str
    email: str
    role: Role
    district: str | None

    @property
    def districts(self) -> tuple[str, ...]:
        if self.role == Role.LEAD:
            return ALL_DISTRICTS
        return (self.district,) if self.district else ()

    @property
    def can_write(self) -> bool:
        return self.role in (Role.ADVISER, Role.LEAD)

    @property
    def audit_name(self) -> str:
        return f"adviser:{self.email}"


def districts_of(actor: Actor | None) -> tuple[str, ...]:
    """The districts an actor may read and change; the operator (None) all of them."""
    return ALL_DISTRICTS if actor is None else actor.districts


def report_districts(actor: Actor | None) -> tuple[str, ...]:
    """The districts whose report figures an actor may see: the lead and the reader (the role exists
    for the reports: the Jobcenter's and the districts' people who read figures) both, an adviser
    their own. Reports hold counts, never a person, so a reader's district does not narrow them."""
    if actor is None or actor.role in (Role.LEAD, Role.READONLY):
        return ALL_DISTRICTS
    return actor.districts


def may_see(actor: Actor | None, district: str | None) -> bool:
    return district is not None and district in districts_of(actor)


def check_new_case_district(*, requested: str, registered: str | None, actor: Actor | None,
                            district_names: dict[str, str]) -> None:
    """A case is opened in the district of the person's residence, and a person is registered in one
    district only. Refused, at every door alike (the command line, the import, the web page):

    - a district outside the acting adviser's districts;
    - a person (same name and birth date) already registered in another district. Whoever may see
      that district (a lead, the command line's operator) is told which district it is; an adviser
      of the other district only that the lead must open the case, so that the page does not reveal
      that the person is known there (README: "A person known in the other district").
    """
    if actor is not None and requested not in actor.districts:
        raise FieldError("district.not_yours", "district", typed=requested,
                         mine=[district_names.get(d, d) for d in actor.districts],
                         there=district_names.get(requested, requested))
    if registered is None or registered == requested:
        return
    if may_see(actor, registered):
        raise FieldError("person.registered_elsewhere", "district", typed=requested,
                         district=district_names.get(registered, registered), key=registered)
    raise FieldError("person.known_elsewhere", "person", typed=requested)
