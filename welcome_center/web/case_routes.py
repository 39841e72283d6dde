"""One case on the adviser web page: the new-case form, the case page and its print view, the state
transitions, uploads and downloads of documents, letters and the person's postal address.

Every route loads the case through `models.scoped.case_for` (and documents and letters through
`document_for` / `letter_for`), so another district's case is "Nicht gefunden" here exactly as in
the lists; every change goes through a service of `models/` with `actor.audit_name` as the actor, so
the audit trail names the adviser. Input is checked with the parsers the CLI and the import use
(`domain.validation` via `domain.csvfile.validate_row`), and their German messages are shown at the
field. An upload passes the inbox's checks (`services.intake.take_in_upload`); a download is
served only from the case's own folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session, select
from starlette.datastructures import UploadFile

from adapters.catalogue import load_catalogue, load_checklist_rules
from adapters.settings import get_settings
from domain.calendar import format_date, lower_saxony_calendar
from domain.checklist import DocumentFacts, ItemStatus, checklist
from domain.csvfile import RawRow, validate_row
from domain.deadlines import KIND_DE as DEADLINE_KIND_DE
from domain.deadlines import Kind, Period
from domain.errors import InvalidInput
from domain.files import MEDIA_TYPES, FileKind, safe_name
from domain.funding import FundingRoute, funding_warnings
from domain.letters.kinds import KIND_DE as LETTER_KIND_DE
from domain.letters.kinds import RECIPIENT_OF, LetterKind, RecipientKind
from domain.lifecycle import (
    EVENT_DE,
    OUTCOME_DE,
    STATE_DE,
    CaseState,
    DeadlineStatus,
    Event,
    Outcome,
    allowed_events,
)
from domain.lifecycle import STATUS_DE as DEADLINE_STATUS_DE
from domain.routing import route, validate_profession_text
from domain.validation import is_eu_eea_ch
from models.case import Case
from models.letter import PersonAddress
from models.letters_selectors import letters_of, smes_of
from models.outbox import OutboxMessage
from models.scoped import Actor, NotFound, case_for, document_for, letter_for
from models.selectors import (
    audit_history,
    case_checklist,
    checklist_profile,
    consents_of,
    deadlines_of,
    documents_of,
    events_of,
    has_consent,
    person_of,
)
from services.cases import (
    advance_case,
    choose_occupation,
    find_or_create_person,
    find_person,
    open_case,
    record_consent,
    set_person_address,
)
from services.intake import take_in_upload
from welcome_center.web.deps import (
    BadRequest,
    current_adviser,
    db,
    render,
    today,
    verify_csrf,
    writer,
)

router = APIRouter()

FORM_OVERHEAD_BYTES = 64 * 1024
"""Room for the other fields and the multipart boundaries of an upload form beside the file."""

NOTE_MAX = 500

OUTBOX_STATE_DE = {
    "pending": "wartet auf Versand", "sending": "wird gesendet", "sent": "gesendet",
    "failed": "fehlgeschlagen", "cancelled": "entfallen",
}
RECIPIENT_DE = {"adviser": "Beratung", "person": "Person", "body": "Stelle"}
ITEM_STATUS_CLASS = {
    ItemStatus.PRESENT: "ok", ItemStatus.MISSING: "missing",
    ItemStatus.NOT_TRANSLATED: "partial", ItemStatus.NOT_CERTIFIED: "partial",
}
ACTION_DE = {
    "case.open": "Fall angelegt", "person.create": "Person erfasst", "consent.record": "Einwilligung erfasst",
    "consent.withdraw": "Einwilligung widerrufen", "document.add": "Dokument aufgenommen",
    "document.quarantine": "Datei abgelehnt (Quarantäne)", "letter.write": "Brief geschrieben",
    "letter.pdf": "PDF eines Briefs erstellt", "person.address": "Anschrift erfasst",
    "case.choose_occupation": "Referenzberuf gewählt", "case.funding": "Finanzierung festgehalten",
    "case.sme_link": "Betrieb verknüpft", "appointment.add": "Termin erfasst",
    **{f"case.{event.value}": EVENT_DE[event] for event in Event},
}
OK_DE = {
    "angelegt": "Fall angelegt.",
    "angelegt_bekannt": "Fall angelegt. Die Person war schon erfasst; ihre gespeicherten Angaben sind unverändert.",
    "schritt": "Schritt erfasst; die Fristen sind neu berechnet.",
    "unterlage": "Datei geprüft und zum Fall genommen; die Checkliste ist aktualisiert.",
    "brief": "Brief geschrieben.",
    "brief_unveraendert": "Brief unverändert: dieselbe Fassung liegt schon vor.",
    "anschrift": "Anschrift gespeichert.",
    "einwilligung": "Einwilligung erfasst.",
    "referenzberuf": "Referenzberuf festgelegt; Zuständigkeit und Checkliste sind neu bestimmt.",
}
# the details a step asks for on its button's form
PERIOD_UNITS = {"d": "Tage", "w": "Wochen", "m": "Monate"}
EVENT_PERIOD_UNITS = {Event.EXTEND: ("w", "m"), Event.SET_DEADLINE: ("d", "w")}
CONFIRM_EVENTS = {
    Event.WITHDRAW: "Antrag wirklich als zurückgezogen erfassen? Das lässt sich nicht rückgängig machen.",
    Event.CLOSE: "Fall wirklich abschließen?",
}

LETTER_REFUSED_DE = {
    "person": "Die Anschrift der Person fehlt oder ist unvollständig (Straße, Postleitzahl, Ort); bitte unten unter "
              "„Anschrift der Person“ erfassen.",
    "person.postcode": "Die Postleitzahl der Person ist keine deutsche Postleitzahl (5 Ziffern); bitte die Anschrift korrigieren.",
    "body": "Die Anschrift der zuständigen Stelle ist im Katalog (data/bodies.yaml) unvollständig; bitte die Leitung informieren.",
    "--lang": "Briefe an die Stelle und an Betriebe werden nur auf Deutsch geschrieben; bitte „Deutsch“ wählen.",
    "outcome": "Der Fall hat noch keinen Bescheid; zuerst den Schritt „Bescheid erhalten“ erfassen.",
    "reference occupation": "Der Referenzberuf ist noch nicht festgelegt, daher gibt es keine zuständige Stelle.",
    "checklist": "Der Fall hat noch keine Unterlagen-Checkliste (Referenzberuf fehlt).",
    "consent": "Die Person hat nicht in die Verarbeitung und Weitergabe ihrer Daten eingewilligt.",
    "sme": "Dieser Betrieb ist nicht mit dem Fall verknüpft.",
    "sme.contact_person": "Für den Betrieb ist keine Ansprechperson erfasst.",
    "sme.person_agreed": "Die Person hat nicht zugestimmt, dass der Betrieb das Ergebnis erfährt.",
    "contact": "Im Absenderblock fehlen Angaben des Welcome Centers (data/districts.yaml); bitte die Leitung informieren.",
    "enclosures": "Noch keine Unterlage der Checkliste liegt vor; das Anschreiben hätte keine Anlagen.",
}


def _settings(request: Request):
    return getattr(request.app.state, "settings", None) or get_settings()


# ------------------------------------------------------------------------------------ form helpers


class FormErrors(dict):
    """field → German message; `add` keeps the first message of a field."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, message)


def _text(form, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _checked(form, name: str) -> bool:
    return form.get(name) in ("ja", "on", "1", "true")


def _day(value: str, label: str, *, errors: FormErrors, name: str, latest: date | None = None) -> date | None:
    """A date typed as TT.MM.JJJJ or sent by a date field as JJJJ-MM-TT; None with a message."""
    text = value.strip()
    try:
        if "." in text:
            day_, month, year = (int(part) for part in text.split("."))
            parsed = date(year, month, day_)
        else:
            parsed = date.fromisoformat(text)
    except ValueError:
        errors.add(name, f"{label}: „{text[:20]}“ ist kein gültiges Datum; bitte als TT.MM.JJJJ eingeben, z. B. 25.11.2026")
        return None
    if latest is not None and parsed > latest:
        errors.add(name, f"{label}: {format_date(parsed)} liegt in der Zukunft (heute ist der {format_date(latest)})")
        return None
    return parsed


def _field_message(label: str, message_de: str) -> str:
    return f"{label} {message_de}" if message_de.startswith("ist ") else f"{label}: {message_de}"


# ------------------------------------------------------------------------------------ new case

NEW_CASE_LABELS = {
    "given_name": "Vorname", "family_name": "Nachname", "birth_date": "Geburtsdatum", "sex": "Geschlecht",
    "district": "Landkreis", "language": "Sprache", "email": "E-Mail", "phone": "Telefon",
    "profession": "Beruf", "country_of_training": "Ausbildungsland", "fast_track": "Beschleunigtes Fachkräfteverfahren",
    "receives_buergergeld": "Bürgergeld", "arrival_date": "Einreisedatum", "consent": "Einwilligung",
    "consent_by": "Einwilligung erteilt von", "row": "Eingabe",
}
NEW_CASE_FIELDS = ("given_name", "family_name", "birth_date", "sex", "district", "language", "email", "phone",
                   "profession", "country_of_training", "arrival_date", "consent_by")
NEW_CASE_CHECKS = ("fast_track", "receives_buergergeld", "lives_abroad", "name_changed", "consent")
LANGUAGE_CHOICES = (("uk", "Ukrainisch"), ("ru", "Russisch"), ("ar", "Arabisch"), ("fa", "Persisch (Farsi/Dari)"),
                    ("tr", "Türkisch"), ("en", "Englisch"), ("ku", "Kurdisch"), ("ti", "Tigrinya"), ("ro", "Rumänisch"),
                    ("pl", "Polnisch"), ("es", "Spanisch"), ("fr", "Französisch"), ("de", "Deutsch"))


def _new_case_page(request: Request, actor: Actor, values: dict, errors: FormErrors, status_code: int = 200):
    catalogue = load_catalogue()
    districts = [(key, catalogue.districts[key].name) for key in actor.districts if key in catalogue.districts]
    preview = None
    if values.get("profession") and values.get("district") in actor.districts and "profession" not in errors:
        try:  # the routing the live preview showed, also without JavaScript after a refused form
            preview = route(validate_profession_text(values["profession"]), values["district"], catalogue)
        except InvalidInput:
            preview = None
    return render(request, "case_new.html", actor, status_code=status_code, values=values, errors=errors,
                  labels=NEW_CASE_LABELS, districts=districts, languages=LANGUAGE_CHOICES, preview=preview,
                  preview_district=catalogue.districts[values["district"]].name if preview else None)


@router.get("/faelle/neu")
def new_case_form(request: Request, actor: Actor = Depends(writer)):
    values = {name: "" for name in NEW_CASE_FIELDS} | {name: False for name in NEW_CASE_CHECKS}
    values.update(district=actor.districts[0] if len(actor.districts) == 1 else "", consent_by="Person")
    return _new_case_page(request, actor, values, FormErrors())


@router.post("/faelle/neu", dependencies=[Depends(verify_csrf)])
async def new_case(request: Request, actor: Actor = Depends(writer), session: Session = Depends(db)):
    form = await request.form()
    # cut far above every field's limit only: the parsers name a value that is too long with its length
    values = {name: _text(form, name, 1000) for name in NEW_CASE_FIELDS} | {name: _checked(form, name) for name in NEW_CASE_CHECKS}
    errors = FormErrors()
    day = today(request)
    catalogue = load_catalogue()
    row = RawRow(number=1, values={
        **{name: values[name] for name in ("given_name", "family_name", "birth_date", "sex", "district", "language",
                                            "email", "phone", "profession", "country_of_training")},
        "fast_track": "ja" if values["fast_track"] else "nein",
        "receives_buergergeld": "ja" if values["receives_buergergeld"] else "nein",
    })
    result = validate_row(row, today=day, districts=catalogue.districts)
    if isinstance(result, list):
        for error in result:
            errors.add(error.field, _field_message(NEW_CASE_LABELS.get(error.field, error.field), error.message_de))
        result = None
    elif result.district not in actor.districts:
        names = " oder ".join(catalogue.districts[d].name for d in actor.districts)
        errors.add("district", f"Landkreis: Sie beraten für {names}; ein Fall für {catalogue.districts[result.district].name} "
                               "wird dort angelegt")
    arrival = None
    if values["arrival_date"]:
        arrival = _day(values["arrival_date"], "Einreisedatum", errors=errors, name="arrival_date", latest=day)
    if not values["consent"]:
        errors.add("consent", "Einwilligung: ohne die Einwilligung der Person in die Verarbeitung ihrer Daten "
                              "(Art. 6 Abs. 1 lit. a DSGVO) wird kein Fall angelegt; bitte einholen und ankreuzen")
    consent_by = values["consent_by"] or "Person"
    if values["consent"] and (len(consent_by) > 100 or not consent_by.isprintable()):
        errors.add("consent_by", "Einwilligung erteilt von: bitte „Person“ oder den Namen der gesetzlichen Vertretung "
                                 "eintragen (eine Zeile, höchstens 100 Zeichen)")

    if result is not None and not errors:
        existing = find_person(session, given_name=result.given_name, family_name=result.family_name, birth_date=result.birth_date)
        if existing is not None and existing.district != result.district:
            if existing.district in actor.districts:
                errors.add("district", f"Landkreis: {result.given_name} {result.family_name} ist bereits für "
                                       f"{catalogue.districts[existing.district].name} erfasst; bitte diesen Landkreis wählen")
            else:
                errors.add("row", "Eine Person mit diesem Namen und Geburtsdatum wird von einem anderen Landkreis betreut; "
                                  "bitte an die Leitung wenden")
    if errors or result is None:
        return _new_case_page(request, actor, values, errors, status_code=422)

    who = actor.audit_name
    person, created = find_or_create_person(
        session, actor=who, given_name=result.given_name, family_name=result.family_name, birth_date=result.birth_date,
        sex=result.sex, language=result.language, email=result.email, phone=result.phone, district=result.district,
        receives_buergergeld=result.receives_buergergeld, lives_abroad=values["lives_abroad"],
        name_changed=values["name_changed"], arrival_date=arrival,
    )
    if not has_consent(session, person_id=person.id):
        record_consent(session, person=person, given_on=day, given_by=consent_by, actor=who)
    case = open_case(
        session, person=person, profession_text=result.profession, catalogue=catalogue, today=day, actor=who,
        fast_track=result.fast_track, country_of_training=result.country_of_training,
        eu_training=bool(result.country_of_training and is_eu_eea_ch(result.country_of_training)), adviser_id=actor.id,
    )
    session.commit()
    ok = "angelegt" if created else "angelegt_bekannt"
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok={ok}", status_code=303)


# ------------------------------------------------------------------------------------ the case page


@dataclass
class Messages:
    """What the page tells the adviser after an action, per section (German)."""

    ok: str | None = None
    warnings: list[str] = field(default_factory=list)
    step: str | None = None
    upload: str | None = None
    upload_item: str | None = None
    letter: str | None = None
    address: dict = field(default_factory=dict)
    consent: str | None = None
    occupation: str | None = None


def _case_context(session: Session, case: Case, *, day: date, max_upload_bytes: int) -> dict:
    """Everything the case page and the print view show."""
    catalogue = load_catalogue()
    rules = load_checklist_rules()
    person = person_of(session, case)
    documents = documents_of(session, case)
    profile = checklist_profile(case, person)
    facts = [DocumentFacts(item=d.item_key, translated=d.translated, certified=d.certified) for d in documents]
    lines = checklist(rules, profile, facts) if profile is not None else ()  # as models.selectors.case_checklist
    by_item: dict[str, list] = {}
    for document in documents:
        by_item.setdefault(document.item_key or "", []).append(document)
    state = CaseState(case.state)
    consents = consents_of(session, person_id=person.id)
    active_consent = next((c for c in reversed(consents) if c.withdrawn_on is None), None)
    deadlines = sorted(deadlines_of(session, case), key=lambda d: (d.due or d.start, d.start))
    events = events_of(session, case)
    reminders = list(session.exec(
        select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.due_on.desc(), OutboxMessage.id.desc())
    ).all())
    letters = letters_of(session, case_id=case.id)
    entries = audit_history(session, case_reference=case.reference, person_id=person.id)
    address = session.get(PersonAddress, person.id)
    texts = _letter_texts()
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
        "lines": lines,
        "status_class": ITEM_STATUS_CLASS,
        "documents": documents,
        "documents_by_item": by_item,
        "unsorted_documents": [d for d in documents if not d.item_key or d.item_key not in {line.item.key for line in lines}],
        "deadlines": [_deadline_row(d, day) for d in deadlines],
        "events": [_event_row(e) for e in events],
        "transitions": [_transition(event) for event in offered_events(case, deadlines, events)],
        "submit_blocked": Event.SUBMIT in allowed_events(state) and case.procedure is None,
        "outcomes": [(o.value, OUTCOME_DE[o]) for o in Outcome],
        "reminders": reminders,
        "outbox_state_de": OUTBOX_STATE_DE,
        "recipient_de": RECIPIENT_DE,
        "letters": [_letter_row(letter, texts) for letter in letters],
        "letter_kinds": [(kind.value, LETTER_KIND_DE[kind]) for kind in LetterKind],
        "letter_languages": [(code, texts.language_name(code)) for code in languages],
        "smes": [(sme, link) for sme, link in smes_of(session, case_id=case.id)],
        "address": address,
        "audit": [_audit_row(entry) for entry in entries],
        "occupation_choice": _occupation_choice(case, catalogue) if state in OCCUPATION_STATES else None,
        "max_upload_bytes": max_upload_bytes,
        "max_upload_text": _mb(max_upload_bytes),
    }


def _occupation_choice(case: Case, catalogue) -> dict:
    """The reference occupations to choose from: the routing's suggestions first, then all of them."""
    routing = route(case.profession_text, case.district, catalogue)
    suggested = [(c.profession.key, c.profession.name) for c in routing.candidates]
    everything = sorted(((p.key, p.name) for p in catalogue.professions.values()), key=lambda kv: kv[1].casefold())
    return {"suggested": suggested, "all": everything, "current": case.reference_occupation_key}


def offered_events(case: Case, deadlines, events) -> list[Event]:
    """The steps shown as buttons: those the lifecycle allows in the case's state, less the ones
    that would be refused for this case (marking a person's deadline as met when none is open,
    extending the decision deadline a second time, submitting without a reference occupation)."""
    person_open = any(d.kind == Kind.PERSON.value and d.status == DeadlineStatus.OPEN.value for d in deadlines)
    extended = any(e.event == Event.EXTEND.value for e in events)
    offered = []
    for event in allowed_events(CaseState(case.state)):
        if (event is Event.DEADLINE_MET and not person_open) or (event is Event.EXTEND and extended) \
                or (event is Event.SUBMIT and case.procedure is None):
            continue
        offered.append(event)
    return offered


def _deadline_row(deadline, day: date) -> dict:
    status = DeadlineStatus(deadline.status)
    overdue = status is DeadlineStatus.OPEN and deadline.due is not None and deadline.due < day
    return {
        "kind": DEADLINE_KIND_DE.get(Kind(deadline.kind), deadline.kind), "status": DEADLINE_STATUS_DE[status],
        "status_key": status.value, "start": deadline.start, "due": deadline.due, "met_on": deadline.met_on,
        "law": deadline.law, "reason": deadline.reason, "overdue": overdue,
        "days_left": (deadline.due - day).days if deadline.due and status is DeadlineStatus.OPEN else None,
    }


def _event_row(event) -> dict:
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


def _transition(event: Event) -> dict:
    return {"event": event.value, "label": EVENT_DE[event], "needs_outcome": event is Event.DECIDE,
            "period_units": [(u, PERIOD_UNITS[u]) for u in EVENT_PERIOD_UNITS.get(event, ())],
            "until": event is Event.SUSPEND, "note": event in (Event.SUSPEND, Event.SET_DEADLINE, Event.WITHDRAW),
            "confirm": CONFIRM_EVENTS.get(event)}


def _letter_row(letter, texts) -> dict:
    kind = LetterKind(letter.kind)
    return {"id": letter.id, "kind": LETTER_KIND_DE[kind], "created_at": letter.created_at, "recipient": _recipient_de(letter),
            "language": texts.language_name(letter.language), "state": STATE_DE.get(CaseState(letter.case_state), letter.case_state),
            "has_pdf": bool(letter.pdf_path), "subject": letter.subject}


def _recipient_de(letter) -> str:
    if letter.recipient.startswith("sme"):
        return "Betrieb"
    return {"person": "Person", "body": "Stelle"}.get(letter.recipient, letter.recipient)


def _audit_row(entry) -> dict:
    return {"at": entry.at, "actor": entry.actor, "action": ACTION_DE.get(entry.action, entry.action),
            "change": _change_text(entry.before, entry.after)}


AUDIT_KEYS_DE = {
    "state": "Stand", "on": "Datum", "outcome": "Ergebnis", "period": "Dauer", "until": "bis", "note": "Notiz",
    "warnings": "Hinweise", "original_name": "Datei", "kind": "Art", "item_key": "Unterlage", "translated": "übersetzt",
    "certified": "beglaubigt", "reason": "Grund", "source": "Quelle", "given_name": "Vorname", "family_name": "Nachname",
    "birth_date": "Geburtsdatum", "language": "Sprache", "district": "Landkreis", "profession_text": "Beruf",
    "reference_occupation": "Referenzberuf", "body_key": "Stelle", "regulated": "reglementiert", "given_on": "erteilt am",
    "given_by": "erteilt von", "street": "Straße", "postcode": "PLZ", "city": "Ort", "addition": "Zusatz",
    "recipient": "an", "path": "Datei", "quarantine_path": "Quarantäne", "fast_track": "beschleunigt",
}


FILE_OUTCOME_DE = {"rejected": "abgelehnt", "duplicate": "Duplikat", "accepted": "angenommen"}


def _audit_value(key: str, value) -> str:
    if value in (None, "", []):
        return "–"
    if value is True or value is False:
        return "ja" if value else "nein"
    if key == "state" and value in set(CaseState):
        return STATE_DE[CaseState(value)]
    if key == "outcome" and value in set(Outcome):
        return OUTCOME_DE[Outcome(value)]
    if key == "outcome" and value in FILE_OUTCOME_DE:
        return FILE_OUTCOME_DE[value]
    if key == "period" and isinstance(value, str):
        try:
            return Period.parse(value).text
        except InvalidInput:
            return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            pass
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _change_text(before: str | None, after: str | None) -> str:
    """'Stand: Aufnahme → Unterlagen werden gesammelt' for changes; 'Datei: …, Art: pdf' for new records."""
    old, new = (json.loads(before) if before else {}), (json.loads(after) if after else {})

    def label(key: str) -> str:
        return AUDIT_KEYS_DE.get(key, key)

    if old:
        return "; ".join(f"{label(k)}: {_audit_value(k, old.get(k))} → {_audit_value(k, new.get(k))}"
                         for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))
    return ", ".join(f"{label(k)}: {_audit_value(k, v)}" for k, v in new.items() if v not in (None, "", [], False))


def _case_page(request: Request, session: Session, actor: Actor, case: Case, messages: Messages | None = None,
               status_code: int = 200):
    day = today(request)
    messages = messages or Messages()
    ok = request.query_params.get("ok")
    if ok in OK_DE and messages.ok is None:
        messages.ok = OK_DE[ok]
    if request.query_params.get("hinweis") == "finanzierung":
        person = person_of(session, case)
        messages.warnings = funding_warnings(FundingRoute(case.funding_route), receives_buergergeld=person.receives_buergergeld)
    context = _case_context(session, case, day=day, max_upload_bytes=_settings(request).max_file_bytes)
    return render(request, "case.html", actor, status_code=status_code, messages=messages, **context)


@router.get("/faelle/{reference}")
def case_page(request: Request, reference: str, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    case = case_for(session, actor, reference)
    return _case_page(request, session, actor, case)


@router.get("/faelle/{reference}/druck")
def case_print(request: Request, reference: str, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    case = case_for(session, actor, reference)
    context = _case_context(session, case, day=today(request), max_upload_bytes=_settings(request).max_file_bytes)
    return render(request, "case_print.html", actor, **context)


# ------------------------------------------------------------------------------------ state transitions


@router.post("/faelle/{reference}/schritt", dependencies=[Depends(verify_csrf)])
async def case_step(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    case = case_for(session, actor, reference)
    form = await request.form()
    day = today(request)
    state = CaseState(case.state)
    errors = FormErrors()
    try:
        event = Event(_text(form, "event", 40))
    except ValueError:
        event = None
    if event is None or event not in offered_events(case, deadlines_of(session, case), events_of(session, case)):
        shown = EVENT_DE.get(event, "unbekannt") if event else "unbekannt"
        return _step_refused(request, session, actor, case, f"Der Schritt „{shown}“ ist im Stand „{STATE_DE[state]}“ nicht "
                                                             "möglich; die Seite zeigt die möglichen Schritte.")
    on = _day(_text(form, "on", 20) or day.isoformat(), "Datum", errors=errors, name="on", latest=day)
    outcome = period = until = None
    if event is Event.DECIDE:
        try:
            outcome = Outcome(_text(form, "outcome", 40))
        except ValueError:
            errors.add("outcome", "Bitte das Ergebnis des Bescheids wählen.")
    if event in EVENT_PERIOD_UNITS:
        count, unit = _text(form, "period_count", 4), _text(form, "period_unit", 2)
        if not count.isdigit() or not 1 <= int(count) <= 365 or unit not in EVENT_PERIOD_UNITS[event]:
            units = " oder ".join(PERIOD_UNITS[u] for u in EVENT_PERIOD_UNITS[event])
            errors.add("period", f"Dauer: bitte eine Zahl von 1 bis 365 und {units} angeben.")
        else:
            period = Period.parse(f"{int(count)}{unit}")
    if event is Event.SUSPEND and _text(form, "until", 20):
        until = _day(_text(form, "until", 20), "Hemmung bis", errors=errors, name="until")
        if until and on and until < on:
            errors.add("until", "Hemmung bis: das Ende liegt vor dem Beginn; bitte die Daten prüfen.")
    note = _text(form, "note", NOTE_MAX + 1) or None
    if note and (len(note) > NOTE_MAX or not note.isprintable()):
        errors.add("note", f"Notiz: bitte in einer Zeile und höchstens {NOTE_MAX} Zeichen.")
    last = events_of(session, case)[-1:] if on else []
    if last and on < last[0].occurred_on:
        errors.add("on", f"Datum: {format_date(on)} liegt vor dem zuletzt erfassten Schritt ({format_date(last[0].occurred_on)}); "
                         "Schritte werden in zeitlicher Reihenfolge erfasst.")
    if errors:
        return _step_refused(request, session, actor, case, " ".join(errors.values()))
    try:
        result = advance_case(session, case=case, event=event, on=on, actor=actor.audit_name, calendar=lower_saxony_calendar(),
                              outcome=outcome, period=period, until=until, note=note)
    except InvalidInput as error:
        session.rollback()
        return _step_refused(request, session, actor, case_for(session, actor, reference), _step_error_de(error))
    session.commit()
    hint = "&hinweis=finanzierung" if result.warnings else ""
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=schritt{hint}#schritte", status_code=303)


def _step_error_de(error: InvalidInput) -> str:
    if "only once" in error.message:
        return "Die Entscheidungsfrist kann nur einmal verlängert werden (§ 13 Abs. 3 BQFG)."
    if "no open deadline for the person" in error.message:
        return "Es gibt keine offene Frist der Person, die als erfüllt erfasst werden könnte."
    return f"Der Schritt ist nicht möglich ({error.field}: {error.message})."


def _step_refused(request, session, actor, case, message: str):
    return _case_page(request, session, actor, case, Messages(step=message), status_code=422)


# ------------------------------------------------------------------------------------ documents


class UploadTooLarge(BadRequest):
    pass


def upload_limit(request: Request) -> None:
    """Refuse an upload by its Content-Length before its body is read (the CSRF check, which runs
    after this, reads the form): the file may be `max_file_bytes`, plus room for the form."""
    limit = _settings(request).max_file_bytes
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise BadRequest("Die Größe der hochgeladenen Datei ist nicht angegeben; bitte über das Formular der Fallseite hochladen.")
    if int(length) > limit + FORM_OVERHEAD_BYTES:
        raise UploadTooLarge(
            f"Die Datei ist zu groß ({_mb(int(length))}); erlaubt sind höchstens {_mb(limit)} je Datei. Bitte verkleinern "
            "(z. B. Scan mit 150–200 dpi oder komprimiertes PDF) oder auf mehrere Dateien aufteilen. Nichts wurde gespeichert."
        )


def _mb(size: int) -> str:
    """A size as an adviser reads it: "20 MB", "1,5 MB", "800 KB"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".replace(".", ",").removesuffix(",0") + f" {unit}"
    return f"{size} Bytes"


@router.post("/faelle/{reference}/unterlagen", dependencies=[Depends(upload_limit), Depends(verify_csrf)])
async def case_upload(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    case = case_for(session, actor, reference)
    form = await request.form()
    upload = form.get("file")
    item_key = _text(form, "item_key", 60) or None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _upload_refused(request, session, actor, case, "Bitte eine Datei auswählen.", item_key)
    settings = _settings(request)
    rules = load_checklist_rules()
    person = person_of(session, case)
    lines = case_checklist(session, case=case, person=person, rules=rules)
    if item_key is not None and item_key not in {line.item.key for line in lines}:
        return _upload_refused(request, session, actor, case, "Diese Unterlage gehört nicht zur Checkliste des Falls.", None)
    result = await run_in_threadpool(
        take_in_upload, session, case=case, stream=upload.file, name=upload.filename, cases_dir=settings.cases_dir,
        quarantine_dir=settings.quarantine_dir, rules=rules, profile=checklist_profile(case, person),
        max_bytes=settings.max_file_bytes, actor=actor.audit_name, item_key=item_key,
        translated=_checked(form, "translated"), certified=_checked(form, "certified"),
    )
    await upload.close()
    if result.outcome == "accepted":
        return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=unterlage#checkliste", status_code=303)
    name = upload.filename[:80]
    if result.outcome == "held":
        message = f"Datei „{name}“ nicht gespeichert: {result.reason}."
    else:
        message = (f"Datei „{name}“ nicht angenommen: {result.reason}. Die Datei liegt zur Prüfung in der Quarantäne "
                   "(mit dem Grund); sie wurde nicht zum Fall genommen.")
    return _upload_refused(request, session, actor, case, message, item_key)


def _upload_refused(request, session, actor, case, message: str, item_key: str | None):
    return _case_page(request, session, actor, case, Messages(upload=message, upload_item=item_key), status_code=422)


def _file_in_case(cases_dir: Path, reference: str, relative: str) -> Path:
    """The file `relative` (to the cases folder), only when it lies inside cases/<reference>/."""
    folder = (cases_dir / reference).resolve()
    path = (cases_dir / relative).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise NotFound(relative)
    return path


def _attachment(path: Path, *, name: str, media_type: str) -> Response:
    return FileResponse(path, media_type=media_type, filename=safe_name(name), content_disposition_type="attachment")


@router.get("/faelle/{reference}/unterlagen/{document_id}")
def document_download(reference: str, document_id: int, request: Request, actor: Actor = Depends(current_adviser),
                      session: Session = Depends(db)):
    case = case_for(session, actor, reference)
    document = document_for(session, actor, document_id)
    if document.case_id != case.id:
        raise NotFound(str(document_id))
    path = _file_in_case(_settings(request).cases_dir, case.reference, f"{case.reference}/documents/{document.stored_name}")
    return _attachment(path, name=document.original_name, media_type=MEDIA_TYPES.get(FileKind(document.kind), "application/octet-stream"))


# ------------------------------------------------------------------------------------ letters


@lru_cache(maxsize=1)
def _letter_texts():
    from adapters.catalogue import load_letter_texts

    return load_letter_texts()


@lru_cache(maxsize=2)
def _letter_templates(day: date):
    """The three templates, parsed and tried with the sample letters once per day (as the CLI does
    for each run)."""
    from adapters.docx import load_checked_templates, templates_dir

    return load_checked_templates(templates_dir(), texts=_letter_texts(), today=day)


@router.post("/faelle/{reference}/briefe", dependencies=[Depends(verify_csrf)])
async def letter_write(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    from services.letters import LetterJob, write_letters

    case = case_for(session, actor, reference)
    form = await request.form()
    try:
        kind = LetterKind(_text(form, "kind", 30))
    except ValueError:
        return _letter_refused(request, session, actor, case, "Bitte die Art des Briefs wählen.")
    language = _text(form, "language", 5).lower() or None
    if language is not None and (len(language) != 2 or not language.isalpha()):
        return _letter_refused(request, session, actor, case, "Bitte eine Sprache aus der Liste wählen.")
    if RECIPIENT_OF[kind] is not RecipientKind.PERSON and language not in (None, "de"):
        return _letter_refused(request, session, actor, case, LETTER_REFUSED_DE["--lang"])
    sme_id = None
    if kind is LetterKind.SME_GUIDANCE:
        linked = [sme.id for sme, _ in smes_of(session, case_id=case.id)]
        chosen = _text(form, "sme_id", 12)
        if chosen.isdigit() and int(chosen) in linked:
            sme_id = int(chosen)
        elif len(linked) == 1:
            sme_id = linked[0]
        else:
            return _letter_refused(request, session, actor, case, "Bitte den Betrieb wählen; mit dem Fall ist "
                                   + ("kein Betrieb verknüpft." if not linked else "mehr als ein Betrieb verknüpft."))
    settings = _settings(request)
    day = today(request)
    catalogue, rules, texts = load_catalogue(), load_checklist_rules(), _letter_texts()
    job = LetterJob(case.id, kind.value, sme_id, language)
    results = await run_in_threadpool(
        write_letters, [job], engine=request.app.state.engine, templates=_letter_templates(day), texts=texts,
        catalogue=catalogue, rules=rules, cases_dir=settings.cases_dir, today=day, actor=actor.audit_name,
    )
    result = results[0]
    if result.outcome == "refused":
        return _letter_refused(request, session, actor, case, _letter_refusal_de(result.field, result.reason))
    ok = "brief" if result.outcome == "written" else "brief_unveraendert"
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok={ok}#briefe", status_code=303)


def _letter_refusal_de(field_name: str, reason: str) -> str:
    message = LETTER_REFUSED_DE.get(field_name) or LETTER_REFUSED_DE.get(field_name.split(".")[0])
    return f"Brief nicht geschrieben: {message}" if message else f"Brief nicht geschrieben ({field_name}: {reason})."


def _letter_refused(request, session, actor, case, message: str):
    return _case_page(request, session, actor, case, Messages(letter=message), status_code=422)


@router.get("/faelle/{reference}/briefe/{letter_id}")
def letter_download(reference: str, letter_id: int, request: Request, format: str = "docx",
                    actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    case = case_for(session, actor, reference)
    letter = letter_for(session, actor, letter_id)
    if letter.case_id != case.id:
        raise NotFound(str(letter_id))
    cases_dir = _settings(request).cases_dir
    if format == "pdf":
        if not letter.pdf_path:
            raise NotFound(str(letter_id))
        path = _file_in_case(cases_dir, case.reference, letter.pdf_path)
        return _attachment(path, name=Path(letter.pdf_path).name, media_type="application/pdf")
    path = _file_in_case(cases_dir, case.reference, letter.path)
    return _attachment(path, name=Path(letter.path).name, media_type=MEDIA_TYPES[FileKind.DOCX])


# ------------------------------------------------------------------------------------ postal address

ADDRESS_LABELS = {"street": "Straße und Hausnummer", "postcode": "Postleitzahl", "city": "Ort", "addition": "Zusatz"}


@router.post("/faelle/{reference}/anschrift", dependencies=[Depends(verify_csrf)])
async def address_save(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """The person's postal address, which letters to the person need (DIN 5008 Anschriftzone)."""
    case = case_for(session, actor, reference)
    form = await request.form()
    values = {name: _text(form, name, 300) for name in ADDRESS_LABELS}
    errors = FormErrors()
    for name in ("street", "postcode", "city"):
        if not values[name]:
            errors.add(name, f"{ADDRESS_LABELS[name]} fehlt; ein Brief braucht Straße, Postleitzahl und Ort.")
    if values["postcode"] and not (values["postcode"].isdigit() and len(values["postcode"]) == 5):
        errors.add("postcode", f"Postleitzahl: „{values['postcode'][:12]}“ ist keine deutsche Postleitzahl (5 Ziffern, z. B. 27283).")
    for name, limit in (("street", 200), ("city", 100), ("addition", 200)):
        if len(values[name]) > limit:
            errors.add(name, f"{ADDRESS_LABELS[name]}: höchstens {limit} Zeichen.")
        if values[name] and not values[name].isprintable():
            errors.add(name, f"{ADDRESS_LABELS[name]}: enthält Steuerzeichen; bitte neu eintippen.")
    if not errors:
        try:
            set_person_address(session, person=person_of(session, case), street=values["street"], postcode=values["postcode"],
                               city=values["city"], addition=values["addition"] or None, actor=actor.audit_name)
        except InvalidInput as error:
            session.rollback()
            errors.add(error.field, f"{ADDRESS_LABELS.get(error.field, error.field)}: bitte prüfen ({error.message}).")
    if errors:
        return _case_page(request, session, actor, case, Messages(address={"errors": errors, "values": values}), status_code=422)
    session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=anschrift#briefe", status_code=303)


# ------------------------------------------------------------------------------------ consent and reference occupation


@router.post("/faelle/{reference}/einwilligung", dependencies=[Depends(verify_csrf)])
async def consent_save(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """Record the person's consent today (e.g. for a case imported without it): documents and
    letters to the body need it (Art. 6 Abs. 1 lit. a DSGVO)."""
    case = case_for(session, actor, reference)
    form = await request.form()
    given_by = _text(form, "given_by", 101) or "Person"
    if len(given_by) > 100 or not given_by.isprintable():
        return _case_page(request, session, actor, case, Messages(consent="Einwilligung erteilt von: bitte „Person“ oder "
                                                                          "den Namen der gesetzlichen Vertretung eintragen "
                                                                          "(höchstens 100 Zeichen)."), status_code=422)
    person = person_of(session, case)
    if not has_consent(session, person_id=person.id):
        record_consent(session, person=person, given_on=today(request), given_by=given_by, actor=actor.audit_name)
        session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=einwilligung#person", status_code=303)


OCCUPATION_STATES = (CaseState.INTAKE, CaseState.COLLECTING_DOCUMENTS, CaseState.READY_TO_SUBMIT)


@router.post("/faelle/{reference}/referenzberuf", dependencies=[Depends(verify_csrf)])
async def occupation_save(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """Fix the reference occupation (Referenzberuf) chosen with the person, before the application."""
    case = case_for(session, actor, reference)
    form = await request.form()
    key = _text(form, "profession_key", 80)
    catalogue = load_catalogue()
    if CaseState(case.state) not in OCCUPATION_STATES:
        message = "Der Referenzberuf kann nach der Antragstellung nicht mehr geändert werden."
    elif key not in catalogue.professions:
        message = "Bitte einen Referenzberuf aus der Liste wählen."
    else:
        choose_occupation(session, case=case, profession_key=key, catalogue=catalogue, actor=actor.audit_name)
        session.commit()
        return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=referenzberuf#zuordnung", status_code=303)
    return _case_page(request, session, actor, case, Messages(occupation=message), status_code=422)
