"""The fast track for skilled workers (beschleunigtes Fachkräfteverfahren, § 81a AufenthG): whom it is for.

The fast track is the employer's procedure at the (central) Ausländerbehörde for a skilled worker who
enters from abroad; only in that procedure do the recognition deadlines shorten (§ 14a BQFG/NBQFG: the
acknowledgement within 2 weeks, the decision within 2 months). A person who already lives in the district
is not in it (domain.md §9, "Fast track § 81a AufenthG"). The person's residence abroad is what the case
records (`Person.lives_abroad`: outside the EU/EEA/CH, § 5 Abs. 6 BQFG).

Every door that opens a case calls `check_fast_track` (`services.cases.open_new_case`); a case opened
before the rule existed keeps its mark, and the letters ask `fast_track_applies` instead of the mark.
"""

from __future__ import annotations

from domain.validation import FieldError


def fast_track_applies(*, fast_track: bool, lives_abroad: bool) -> bool:
    """The case is in the fast track: marked so, and the person enters from abroad."""
    return bool(fast_track) and bool(lives_abroad)


def check_fast_track(*, fast_track: bool, lives_abroad: bool) -> None:
    """Refuse the fast track for a person who lives here, with the reason (field `fast_track`)."""
    if fast_track and not lives_abroad:
        raise FieldError("case.fast_track_lives_here", "fast_track", typed="yes")
