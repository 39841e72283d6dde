"""The letters' vocabulary: the five kinds, their recipients and templates, their German names, the
languages, and `LetterRefused` (a letter that cannot be made).

Five kinds, three recipients (one Word template per recipient, `templates/letters/<template>.docx`);
which state calls for which kind is `domain.letters.due`. Letters to the person carry the German
text, which is binding, and a courtesy translation (English when the person's language has no
texts); letters to bodies and employers are German only.
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import DomainError, InvalidInput, _clip


class LetterKind(StrEnum):
    CHECKLIST = "checklist"
    NEXT_STEPS = "next_steps"
    OUTCOME = "outcome"
    BODY_COVER = "body_cover"
    SME_GUIDANCE = "sme_guidance"


class RecipientKind(StrEnum):
    PERSON = "person"
    BODY = "body"
    SME = "sme"


RECIPIENT_OF = {
    LetterKind.CHECKLIST: RecipientKind.PERSON,
    LetterKind.NEXT_STEPS: RecipientKind.PERSON,
    LetterKind.OUTCOME: RecipientKind.PERSON,
    LetterKind.BODY_COVER: RecipientKind.BODY,
    LetterKind.SME_GUIDANCE: RecipientKind.SME,
}
TEMPLATE_OF = {kind: recipient.value for kind, recipient in RECIPIENT_OF.items()}  # person | body | sme
TEMPLATES = ("person", "body", "sme")

KIND_DE = {
    LetterKind.CHECKLIST: "Unterlagen-Checkliste an die Person",
    LetterKind.NEXT_STEPS: "Nächste Schritte an die Person",
    LetterKind.OUTCOME: "Bescheid erklärt, an die Person",
    LetterKind.BODY_COVER: "Anschreiben an die Stelle",
    LetterKind.SME_GUIDANCE: "Hinweise an den Betrieb",
}

GERMAN = "de"  # the binding text of every letter
FALLBACK_LANGUAGE = "en"  # the courtesy translation when the person's language has no texts


def parse_kind(value: str) -> LetterKind:
    try:
        return LetterKind(value.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidInput("letter.unknown_kind", "kind", value=_clip(value), kinds=[k.value for k in LetterKind]) from None


class LetterRefused(InvalidInput):
    """This letter cannot be made; `field` names what is missing. The rest of a batch goes on."""

    def __init__(self, code: str, field: str, **params) -> None:
        DomainError.__init__(self, code, field, **params)  # always a code: the legacy form is InvalidInput's only
