"""Who pays the fees, translations and certifications, and in which order (domain.md §5).

- The Anerkennungszuschuss (federal recognition grant, €100–600) must be applied for BEFORE the
  recognition application; it is never paid retroactively, and only for costs that the Agentur für
  Arbeit, the Jobcenter or a Land programme do not cover (anerkennung-in-deutschland.de; BMBF notice
  of 9.1.2025).
- A person receiving Bürgergeld goes to the Jobcenter first (Vermittlungsbudget, § 16 SGB II i. V. m.
  § 44 SGB III; for the Verden Jobcenter "ALV – Arbeit im Landkreis Verden").
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import InvalidInput, _clip


class FundingRoute(StrEnum):
    NOT_RECORDED = "not_recorded"
    JOBCENTER = "jobcenter"
    AGENTUR = "agentur"
    ANERKENNUNGSZUSCHUSS = "anerkennungszuschuss"
    EMPLOYER = "employer"
    SELF = "self"
    NO_COSTS = "no_costs"


FUNDING_DE = {
    FundingRoute.NOT_RECORDED: "nicht festgehalten",
    FundingRoute.JOBCENTER: "Jobcenter (Vermittlungsbudget)",
    FundingRoute.AGENTUR: "Agentur für Arbeit",
    FundingRoute.ANERKENNUNGSZUSCHUSS: "Anerkennungszuschuss (vor dem Antrag beantragt)",
    FundingRoute.EMPLOYER: "Arbeitgeber",
    FundingRoute.SELF: "selbst",
    FundingRoute.NO_COSTS: "keine Kosten",
}


def funding_warnings(route: FundingRoute, *, receives_buergergeld: bool) -> list[str]:
    """Warnings for moving a case to 'submitted' (shown in the CLI, kept in the audit trail)."""
    warnings = []
    if route is FundingRoute.NOT_RECORDED:
        warnings.append(
            "Keine Finanzierungsentscheidung festgehalten: Der Anerkennungszuschuss muss VOR dem Antrag "
            "beantragt werden und wird nicht rückwirkend gezahlt"
            + ("; bei Bürgergeld zuerst das Jobcenter fragen." if receives_buergergeld else ".")
        )
    elif route is FundingRoute.ANERKENNUNGSZUSCHUSS and receives_buergergeld:
        warnings.append(
            "Bürgergeld: Das Jobcenter ist vorrangig; der Anerkennungszuschuss zahlt nur, was Jobcenter, "
            "Agentur oder Landesprogramm nicht übernehmen."
        )
    return warnings


def parse_funding(value: str) -> FundingRoute:
    try:
        return FundingRoute(value.strip().lower())
    except ValueError:
        raise InvalidInput("funding.unknown", "funding", value=_clip(value), routes=[r.value for r in FundingRoute]) from None
