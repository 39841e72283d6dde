"""Which letters a case's state calls for, and which of them are still to be written.

| kind | to | the case's state that calls for it |
|---|---|---|
| checklist | the person | collecting_documents, while an application document is outstanding |
| next_steps | the person | ready_to_submit |
| body_cover | the responsible body | ready_to_submit |
| outcome | the person | decided |
| sme_guidance | each employer (SME) linked to the case | decided |

A letter written for a case in its current state (the same entry into that state: reopening the
collection and coming back is a new entry) is not due again (`still_due` and `LetterKey`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.checklist import Stage, missing_items
from domain.letters.kinds import RECIPIENT_OF, LetterKind, RecipientKind
from domain.lifecycle import CaseState

if TYPE_CHECKING:
    from domain.letters.compose import CaseFacts


@dataclass(frozen=True, slots=True)
class LetterRequest:
    kind: LetterKind
    sme_id: int | None = None

    @property
    def recipient(self) -> str:
        return recipient_key(self.kind, sme_id=self.sme_id)


def recipient_key(kind: LetterKind, *, sme_id: int | None = None) -> str:
    """"person", "body" or "sme:<id>": with the kind and the state entry, what makes a letter unique."""
    recipient = RECIPIENT_OF[kind]
    if recipient is RecipientKind.SME:
        return f"sme:{sme_id}"
    return recipient.value


@dataclass(frozen=True, slots=True)
class LetterKey:
    """A letter is due once per case, kind, recipient and entry into the case's state."""

    case_reference: str
    kind: LetterKind
    recipient: str
    state_since: int


def due_letters(case: CaseFacts) -> list[LetterRequest]:
    """The letters the case's state calls for (the table in the module docstring)."""
    if case.state is CaseState.COLLECTING_DOCUMENTS:
        if case.checklist and missing_items(case.checklist, stage=Stage.APPLICATION):
            return [LetterRequest(LetterKind.CHECKLIST)]
        return []
    if case.state is CaseState.READY_TO_SUBMIT:
        return [LetterRequest(LetterKind.NEXT_STEPS), LetterRequest(LetterKind.BODY_COVER)]
    if case.state is CaseState.DECIDED:
        return [LetterRequest(LetterKind.OUTCOME), *(LetterRequest(LetterKind.SME_GUIDANCE, sme.id) for sme in case.smes)]
    return []


def still_due(case: CaseFacts, written: Iterable[LetterKey]) -> list[LetterRequest]:
    """`due_letters` minus those already written for the case's current state entry."""
    done = set(written)
    return [
        request for request in due_letters(case)
        if LetterKey(case.reference, request.kind, request.recipient, case.state_since) not in done
    ]
