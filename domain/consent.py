"""Withdrawing consent (Art. 7 Abs. 3 DSGVO) and what follows: the rules as values, no I/O.

A withdrawal takes effect for the future from the day the person declares it: what was processed
before stays lawful, nothing new is processed after. The day is recorded as declared, so it may lie
before the day it is entered (a letter of withdrawal read on Monday), but never after today and
never before the consent it withdraws was given.

After the withdrawal the data is either erased (Art. 17 Abs. 1 lit. b DSGVO) or kept as far as a
legal duty requires (Art. 17 Abs. 3 lit. b and e: a duty to keep records, a legal claim); the
adviser records which, and the reason for keeping (`keep_reason`).
"""

from __future__ import annotations

from datetime import date

from domain.display import visible
from domain.validation import FieldError

KEEP_REASON_LEAST = 10
KEEP_REASON_LIMIT = 500


def check_withdrawal_day(on: date, *, given_on: date, today: date) -> date:
    """The day the person withdrew consent: not after `today`, not before the consent was given."""
    if on > today:
        raise FieldError("consent.withdraw_future", "on", typed=on.isoformat(), on=on)
    if on < given_on:
        raise FieldError("consent.withdraw_before_given", "on", typed=on.isoformat(), on=on, given=given_on)
    return on


def check_keep_reason(text: str | None) -> str:
    """Why data is kept after a withdrawal: the legal duty and its source, one line of 10 to 500
    printable characters (runs of spaces made one)."""
    reason = " ".join((text or "").split())
    if (len(reason) < KEEP_REASON_LEAST or len(reason) > KEEP_REASON_LIMIT or not reason.isprintable()
            or visible(reason) != reason):
        raise FieldError("consent.keep_reason", "keep_reason", typed=text, least=KEEP_REASON_LEAST,
                         limit=KEEP_REASON_LIMIT)
    return reason
