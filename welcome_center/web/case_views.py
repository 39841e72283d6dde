"""What the case page and its print view show: the view model built from the selectors (rows of
deadlines, events, letters, the audit trail in German sentences), apart from the handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from adapters.catalogue import load_catalogue
from adapters.docx import load_letter_texts
from adapters.pdf import soffice
from adapters.rules import load_checklist_rules
from domain.calendar import format_date
from domain.deadlines import KIND_DE as DEADLINE_KIND_DE
from domain.deadlines import Kind, Period
from domain.funding import FUNDING_DE
from domain.letters.kinds import KIND_DE as LETTER_KIND_DE
from domain.letters.kinds import LetterKind
from domain.lifecycle import (
    EVENT_DE,
    OCCUPATION_STATES,
    OUTCOME_DE,
    STATE_DE,
    CaseState,
    DeadlineStatus,
    Event,
    Outcome,
    allowed_events,
)
from domain.lifecycle import STATUS_DE as DEADLINE_STATUS_DE
from domain.routing import route
from models.adviser import Adviser
from models.case import Case
from models.letter import PersonAddress
from models.letters_selectors import letters_of, smes_of
from models.outbox import OutboxMessage
from models.selectors import (
    case_checklist,
    consents_of,
    deadlines_of,
    documents_of,
    events_of,
    person_of,
    steps_offered,
    withdrawal_of,
)
from services.audit import history as audit_trail
from services.cases import trained_in_eu
from welcome_center.labels import (
    ACTION_DE,
    CONFIRM_EVENTS,
    EVENT_PERIOD_UNITS,
    ITEM_STATUS_CLASS,
    OUTBOX_STATE_DE,
    PERIOD_UNITS,
    RECIPIENT_DE,
    actor_name,
    change_text,
    language_choices,
    language_name,
)


@dataclass
class Messages:
    """What the page tells the adviser after an action, per section (German)."""

    ok: str | None = None
    ok_section: str = "oben"  # the section the action was in: the message shows there
    warnings: list[str] = field(default_factory=list)
    step: str | None = None
    upload: str | None = None
    upload_item: str | None = None
    letter: str | None = None
    address: dict = field(default_factory=dict)
    consent: str | None = None
    person: dict = field(default_factory=dict)  # the correction form: {"errors": ..., "values": ...}
    occupation: str | None = None
    correction: str | None = None
    confirm: dict | None = None
    correction_no: int | None = None


def case_context(session: Session, case: Case, *, day: date, max_upload_bytes: int) -> dict:
    """Everything the case page and the print view show."""
    catalogue = load_catalogue()
    rules = load_checklist_rules()
    person = person_of(session, case)
    documents = documents_of(session, case)
    lines = case_checklist(session, case=case, person=person, rules=rules)
    by_item: dict[str, list] = {}
    for document in documents:
        by_item.setdefault(document.item_key or "", []).append(document)
    state = CaseState(case.state)
    consents = consents_of(session, person_id=person.id)
    active_consent = next((c for c in reversed(consents) if c.withdrawn_on is None), None)
    withdrawal = withdrawal_of(session, person_id=person.id)
    deadlines = sorted(deadlines_of(session, case), key=lambda d: (d.due or d.start, d.start))
    events = events_of(session, case)
    reminders = list(session.exec(
        select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.due_on.desc(), OutboxMessage.id.desc())
    ).all())
    letters = letters_of(session, case_id=case.id)
    entries = audit_trail(session, case_reference=case.reference, person_id=person.id)
    advisers = {a.email: a.name for a in session.exec(select(Adviser)).all()}
    names = {
        "body_key": {key: body.name for key, body in catalogue.bodies.items()},
        "district": {key: d.name for key, d in catalogue.districts.items()},
        "kind": {**{kind.value: LETTER_KIND_DE[kind] for kind in LetterKind}, "pdf": "PDF", "jpeg": "JPEG-Bild",
                 "png": "PNG-Bild", "docx": "Word-Datei"},
        "item_key": {line.item.key: line.item.title for line in lines},
        "recipient": {"person": "Person", "body": "Stelle"},
        "funding_route": {route.value: text for route, text in FUNDING_DE.items()},
    }
    address = session.get(PersonAddress, person.id)
    texts = letter_texts()
    languages = sorted(texts.languages, key=lambda code: (code != person.language, code != "de", code))
    if person.language not in texts.languages:
        languages.insert(0, person.language)
    return {
        "case": case,
        "person": person,
        "district": catalogue.districts.get(case.district),
        "body": catalogue.bodies.get(case.body_key) if case.body_key else None,
        "state": state,
        "state_name": STATE_DE[state],
        "outcome_name": OUTCOME_DE[Outcome(case.outcome)] if case.outcome else None,
        "consent": active_consent,
        "withdrawal": withdrawal,
        "withdrawal_by": actor_name(withdrawal.withdrawn_by, advisers) if withdrawal and withdrawal.withdrawn_by else None,
        "keep_by": actor_name(withdrawal.keep_recorded_by, advisers) if withdrawal and withdrawal.keep_recorded_by else None,
        "person_values": person_form_values(person),
        "language_choices": language_choices(),
        "lines": lines,
        "status_class": ITEM_STATUS_CLASS,
        "documents": documents,
        "documents_by_item": by_item,
        "unsorted_documents": [d for d in documents if not d.item_key or d.item_key not in {line.item.key for line in lines}],
        "deadlines": [deadline_row(d, day) for d in deadlines],
        "next_deadline": next((deadline_row(d, day) for d in deadlines if d.status == "open" and d.due), None),
        "missing": [line for line in lines if line.status.value != "present" and line.required],
        "upload_items": sorted(lines, key=lambda line: (line.status.value == "present", not line.required)),
        "events": event_rows(events, advisers),
        "language_name": language_name(person.language),
        "transitions": [transition(event) for event in steps_offered(session, case)],
        "submit_blocked": Event.SUBMIT in allowed_events(state) and case.procedure is None,
        "outcomes": [(o.value, OUTCOME_DE[o]) for o in Outcome],
        "reminders": reminders,
        "outbox_state_de": OUTBOX_STATE_DE,
        "recipient_de": RECIPIENT_DE,
        "letters": [letter_row(letter, texts) for letter in letters],
        "pdf_possible": soffice() is not None,
        "letter_kinds": [(kind.value, LETTER_KIND_DE[kind]) for kind in LetterKind],
        "letter_languages": [(code, texts.language_name(code)) for code in languages],
        "smes": [(sme, link) for sme, link in smes_of(session, case_id=case.id)],
        "address": address,
        "audit": [audit_row(entry, advisers, names) for entry in entries],
        "occupation_choice": occupation_choice(case, catalogue) if state in OCCUPATION_STATES else None,
        "max_upload_bytes": max_upload_bytes,
        "max_upload_text": size_text(max_upload_bytes),
    }


def person_form_values(person) -> dict[str, str]:
    """The correction form's fields as stored, as the adviser types them (dates TT.MM.JJJJ)."""
    return {
        "given_name": person.given_name, "family_name": person.family_name,
        "latin_given_name": person.latin_given_name or "", "latin_family_name": person.latin_family_name or "",
        "birth_date": format_date(person.birth_date), "email": person.email or "", "phone": person.phone or "",
        "language": person.language, "sex": person.sex or "",
        "receives_buergergeld": "ja" if person.receives_buergergeld else "nein",
        "arrival_date": format_date(person.arrival_date) if person.arrival_date else "",
    }


def occupation_choice(case: Case, catalogue) -> dict:
    """The reference occupations to choose from: the routing's suggestions first, then all of them."""
    routing = route(case.profession_text, case.district, catalogue,
                    eu_training=trained_in_eu(case.country_of_training, case.eu_training))
    suggested = [(c.profession.key, c.profession.name) for c in routing.candidates]
    everything = sorted(((p.key, p.name) for p in catalogue.professions.values()), key=lambda kv: kv[1].casefold())
    return {"suggested": suggested, "all": everything, "current": case.reference_occupation_key}


def deadline_row(deadline, day: date) -> dict:
    status = DeadlineStatus(deadline.status)
    overdue = status is DeadlineStatus.OPEN and deadline.due is not None and deadline.due < day
    return {
        "kind": DEADLINE_KIND_DE.get(Kind(deadline.kind), deadline.kind), "status": DEADLINE_STATUS_DE[status],
        "status_key": status.value, "start": deadline.start, "due": deadline.due, "met_on": deadline.met_on,
        "law": deadline.law, "reason": deadline.reason, "overdue": overdue,
        "days_left": (deadline.due - day).days if deadline.due and status is DeadlineStatus.OPEN else None,
    }


def event_rows(events, advisers: dict[str, str]) -> list[dict]:
    """The steps as recorded, numbered (the number `case correct` takes); a correction names the step
    it corrects, and a corrected step shows the day it now counts from."""
    numbers = {e.id: n for n, e in enumerate((e for e in events if e.corrects_id is None), start=1)}
    corrected = {e.corrects_id: e.occurred_on for e in events if e.corrects_id is not None}
    rows = []
    for e in events:
        row = event_row(e)
        row["actor"] = actor_name(e.actor, advisers)
        row["number"] = numbers.get(e.id)
        row["corrects"] = numbers.get(e.corrects_id) if e.corrects_id is not None else None
        row["corrected_to"] = corrected.get(e.id)
        row["current_on"] = corrected.get(e.id, e.occurred_on)
        rows.append(row)
    return rows


def event_row(event) -> dict:
    details = []
    if event.outcome:
        details.append(OUTCOME_DE[Outcome(event.outcome)])
    if event.period:
        details.append(Period.parse(event.period).text)
    if event.until:
        details.append(f"bis {format_date(event.until)}")
    if event.note:
        details.append(event.note)
    return {"on": event.occurred_on, "name": EVENT_DE.get(Event(event.event), event.event), "details": ", ".join(details),
            "actor": event.actor}


def transition(event: Event) -> dict:
    return {"event": event.value, "label": EVENT_DE[event], "needs_outcome": event is Event.DECIDE,
            "period_units": [(u, PERIOD_UNITS[u]) for u in EVENT_PERIOD_UNITS.get(event, ())],
            "until": event is Event.SUSPEND, "note": event in (Event.SUSPEND, Event.SET_DEADLINE, Event.WITHDRAW),
            "confirm": CONFIRM_EVENTS.get(event)}


def letter_row(letter, texts) -> dict:
    kind = LetterKind(letter.kind)
    return {"id": letter.id, "kind": LETTER_KIND_DE[kind], "created_at": letter.created_at, "recipient": recipient_de(letter),
            "language": texts.language_name(letter.language), "state": STATE_DE.get(CaseState(letter.case_state), letter.case_state),
            "has_pdf": bool(letter.pdf_path), "subject": letter.subject}


def recipient_de(letter) -> str:
    if letter.recipient.startswith("sme"):
        return "Betrieb"
    return {"person": "Person", "body": "Stelle"}.get(letter.recipient, letter.recipient)


def audit_row(entry, advisers: dict[str, str], names: dict[str, dict[str, str]]) -> dict:
    return {"at": entry.at, "actor": actor_name(entry.actor, advisers), "action": ACTION_DE.get(entry.action, entry.action),
            "change": change_text(entry.before, entry.after, names)}


def size_text(size: int) -> str:
    """A size as an adviser reads it: "20 MB", "1,5 MB", "800 KB"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".replace(".", ",").removesuffix(",0") + f" {unit}"
    return f"{size} Bytes"


def letter_texts():
    return load_letter_texts()
