"""A realistic report in the JSON shape of docs/report-schema.md, for the outputs (charts, workbook,
CLI) while services/reports.py is written elsewhere: `internal_report()` with exact integers,
`suppressed_report()` with 1 and 2 turned into "< 3" by the schema's rule, and `district_report()`
for a report asked for one district. Each call returns a fresh dict, so a test may change it.

The numbers are invented but hang together: women ≤ persons, the funnel narrows, the outcomes add up
to the decisions, the months add up to the cases opened, "all" is the sum of the two districts (its
medians are given, since medians do not add). Small values (1, 2) sit where real ones would: rare
countries, a profession group with one decision, a body with two, Osterholz's two decisions
measured from complete documents.
"""

from __future__ import annotations

import copy

PERIOD = {"from": "2026-01-01", "to": "2026-11-30"}
GENERATED_ON = "2026-12-06"
SUPPRESSION = 'Werte 1 und 2 als "< 3" (wie die Statistik der Bundesagentur für Arbeit)'
MONTHS = [f"2026-{month:02d}" for month in range(1, 12)]
STATES = ["intake", "collecting_documents", "ready_to_submit", "submitted", "acknowledged", "documents_complete",
          "in_assessment", "suspended", "decided", "closed", "withdrawn"]
OUTCOMES = ("full", "partial", "compensation", "none")
BODY_NAMES = {
    "ihk_fosa": "IHK FOSA (Foreign Skills Approval)",
    "hwk_bls": "Handwerkskammer Braunschweig-Lüneburg-Stade",
    "ls_lueneburg": "Niedersächsisches Landesamt für Soziales, Jugend und Familie",
    "nizza": "NiZzA – Niedersächsischer Zweckverband zur Approbationserteilung",
    "rlsb_lueneburg": "Regionales Landesamt für Schule und Bildung Lüneburg",
    "zab": "Zentralstelle für ausländisches Bildungswesen (ZAB)",
}
COUNTRY_NAMES = {
    "UA": "Ukraine", "SY": "Syrien", "AF": "Afghanistan", "TR": "Türkei", "IR": "Iran", "RU": "Russland",
    "IQ": "Irak", "ER": "Eritrea", "PL": "Polen", "IN": "Indien", "other": "andere", "unknown": "nicht erfasst",
}


def _outcomes(full: int, partial: int, compensation: int, none: int) -> dict[str, int]:
    return dict(zip(OUTCOMES, (full, partial, compensation, none)))


def _countries(**persons: int) -> list[dict]:
    return [{"code": code, "name": COUNTRY_NAMES[code], "persons": n} for code, n in persons.items()]


VERDEN = {
    "persons": 123, "women": 70, "under_25": 20,
    "buergergeld": 60, "women_buergergeld": 40, "under_25_buergergeld": 10,
    "cases_opened": 80,
    "countries": _countries(UA=50, SY=18, AF=12, TR=9, IR=6, RU=5, IQ=4, ER=3, IN=2, PL=1, other=7, unknown=6),
    "states_at_end": dict(zip(STATES, (3, 10, 4, 5, 6, 3, 5, 1, 9, 60, 17))),
    "submitted": 30,
    "decisions": _outcomes(5, 2, 3, 1),
    "decisions_by_group": {
        "health": _outcomes(2, 1, 2, 0), "crafts": _outcomes(1, 1, 0, 1), "ihk": _outcomes(1, 0, 0, 0),
        "medicine": _outcomes(0, 0, 1, 0), "education": _outcomes(1, 0, 0, 0),
    },
    "decisions_by_body": {
        "ls_lueneburg": {"name": BODY_NAMES["ls_lueneburg"], **_outcomes(2, 1, 2, 0)},
        "hwk_bls": {"name": BODY_NAMES["hwk_bls"], **_outcomes(1, 1, 0, 1)},
        "ihk_fosa": {"name": BODY_NAMES["ihk_fosa"], **_outcomes(1, 0, 0, 0)},
        "nizza": {"name": BODY_NAMES["nizza"], **_outcomes(0, 0, 1, 0)},
        "rlsb_lueneburg": {"name": BODY_NAMES["rlsb_lueneburg"], **_outcomes(1, 0, 0, 0)},
    },
    "median_days_to_decision": 61.0,
    "durations": {
        "opening_to_submission": {"cases": 30, "median": 42.0, "p90": 90.0},
        "submission_to_acknowledgement": {"cases": 25, "median": 20.0, "p90": 34.0},
        "complete_to_decision": {"cases": 11, "median": 61.0, "p90": 98.0},
    },
    "within_statutory_period": {"decided": 11, "within": 9, "share": 0.82},
    "funding": {"recorded_before_submission": 20, "submitted_without": 10},
    "employers": {"smes_reached": 4, "cases_linked": 6},
    "opened_per_month": dict(zip(MONTHS, (7, 9, 6, 8, 10, 5, 4, 6, 9, 8, 8))),
    "funnel": {"opened": 80, "submitted": 30, "acknowledged": 25, "decided": 11},
}

OSTERHOLZ = {
    "persons": 58, "women": 31, "under_25": 2,
    "buergergeld": 27, "women_buergergeld": 15, "under_25_buergergeld": 1,
    "cases_opened": 35,
    "countries": _countries(UA=28, SY=9, AF=5, TR=4, IR=3, RU=2, IQ=1, ER=1, IN=0, PL=1, other=2, unknown=2),
    "states_at_end": dict(zip(STATES, (2, 6, 1, 3, 2, 1, 2, 0, 2, 31, 8))),
    "submitted": 12,
    "decisions": _outcomes(2, 0, 1, 0),
    "decisions_by_group": {"health": _outcomes(1, 0, 1, 0), "ihk": _outcomes(1, 0, 0, 0)},
    "decisions_by_body": {
        "ls_lueneburg": {"name": BODY_NAMES["ls_lueneburg"], **_outcomes(1, 0, 1, 0)},
        "ihk_fosa": {"name": BODY_NAMES["ihk_fosa"], **_outcomes(1, 0, 0, 0)},
    },
    "median_days_to_decision": 70.0,
    "durations": {
        "opening_to_submission": {"cases": 12, "median": 51.0, "p90": 104.0},
        "submission_to_acknowledgement": {"cases": 9, "median": 26.0, "p90": 41.0},
        "complete_to_decision": {"cases": 2, "median": 70.0, "p90": 79.0},
    },
    "within_statutory_period": {"decided": 3, "within": 3, "share": 1.0},
    "funding": {"recorded_before_submission": 9, "submitted_without": 3},
    "employers": {"smes_reached": 2, "cases_linked": 1},
    "opened_per_month": dict(zip(MONTHS, (3, 4, 2, 5, 3, 2, 1, 4, 3, 5, 3))),
    "funnel": {"opened": 35, "submitted": 12, "acknowledged": 9, "decided": 3},
}


def _add(first, second):
    """The sum of two districts' figures, member by member (countries by code; a body keeps its name);
    a member only one district has is taken as it is."""
    if first is None or second is None:
        return copy.deepcopy(second if first is None else first)
    if isinstance(first, dict):
        return {key: first.get(key) or second.get(key) if key == "name" else _add(first.get(key), second.get(key))
                for key in dict.fromkeys([*first, *second])}
    if isinstance(first, list):
        persons: dict[str, int] = {}
        for row in [*first, *second]:
            persons[row["code"]] = persons.get(row["code"], 0) + row["persons"]
        rows = [{"code": code, "name": COUNTRY_NAMES[code], "persons": n} for code, n in persons.items()]
        listed = [row for row in rows if row["code"] not in ("other", "unknown")]
        return sorted(listed, key=lambda row: -row["persons"]) + [row for row in rows if row not in listed]
    return first + second


def _all() -> dict:
    combined = _add(copy.deepcopy(VERDEN), copy.deepcopy(OSTERHOLZ))
    combined["median_days_to_decision"] = 62.0
    combined["durations"] = {
        "opening_to_submission": {"cases": 42, "median": 44.0, "p90": 95.0},
        "submission_to_acknowledgement": {"cases": 34, "median": 22.0, "p90": 36.0},
        "complete_to_decision": {"cases": 13, "median": 62.0, "p90": 96.0},
    }
    combined["within_statutory_period"] = {"decided": 14, "within": 12, "share": 0.86}
    return combined


def internal_report() -> dict:
    """The whole report for both districts, exact integers (internal=true)."""
    return {
        "period": dict(PERIOD), "district": None, "internal": True, "generated_on": GENERATED_ON,
        "suppression": SUPPRESSION,
        "districts": {"verden": copy.deepcopy(VERDEN), "osterholz": copy.deepcopy(OSTERHOLZ), "all": _all()},
    }


def suppress(report: dict) -> dict:
    """The schema's rule applied to an internal report: a count of 1 or 2 becomes "< 3" (0 stays 0);
    a duration's median and p90 from 1 or 2 cases, and a share from 1 or 2 decisions, too."""
    result = copy.deepcopy(report)
    result["internal"] = False
    for figures in result["districts"].values():
        for step in figures["durations"].values():
            if step["cases"] in (1, 2):
                step["median"] = step["p90"] = "< 3"
            elif step["cases"] == 0:
                step["median"] = step["p90"] = None
        figures["median_days_to_decision"] = figures["durations"]["complete_to_decision"]["median"]
        within = figures["within_statutory_period"]
        if within["decided"] in (1, 2):
            within["share"] = "< 3"
        _suppress_counts(figures)
    return result


_NOT_COUNTS = {"median", "p90", "share", "median_days_to_decision", "code", "name"}


def _suppress_counts(node) -> None:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if key in _NOT_COUNTS:
            continue
        if isinstance(value, (dict, list)):
            _suppress_counts(value)
        elif isinstance(value, int) and not isinstance(value, bool) and value in (1, 2):
            node[key] = "< 3"


def suppressed_report() -> dict:
    """The report as it leaves the Center (internal=false)."""
    return suppress(internal_report())


def district_report(district: str = "osterholz", *, internal: bool = False) -> dict:
    """A report asked for one district: that district and "all", the same figures."""
    whole = internal_report()
    figures = whole["districts"][district]
    report = {**whole, "district": district, "districts": {district: figures, "all": copy.deepcopy(figures)}}
    return report if internal else suppress(report)
