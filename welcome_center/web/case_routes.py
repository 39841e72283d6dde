"""One case on the adviser web page: the new-case form, the case page and its print view, the state
transitions, uploads and downloads of documents, letters and the person's postal address.

Every route loads the case through `models.selectors.case_by_reference` with the acting adviser (and
documents and letters through `document_by_id` / `letter_by_id`), so another district's case is "Nicht gefunden" here exactly as in
the lists; every change goes through a service of `models/` with `actor.audit_name` as the actor, so
the audit trail names the adviser. Input is checked with the parsers the CLI and the import use
(`domain.validation` via `domain.csvfile.validate_row`), and their German messages are shown at the
field. An upload passes the inbox's checks (`services.intake.take_in_upload`); a download is
served only from the case's own folder.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.formparsers import parse_options_header

from adapters.catalogue import load_catalogue
from adapters.docx import load_checked_templates, templates_dir
from adapters.pdf import convert_to_pdf, soffice
from adapters.rules import load_checklist_rules
from adapters.settings import get_settings
from adapters.storage import diagnose
from domain.access import Actor
from domain.calendar import lower_saxony_calendar
from domain.deadlines import Period
from domain.display import visible
from domain.errors import InvalidInput
from domain.files import MEDIA_TYPES, FileKind, FileName, safe_name
from domain.funding import FundingRoute, funding_warnings
from domain.letters.kinds import RECIPIENT_OF, LetterKind, RecipientKind
from domain.lifecycle import (
    EVENT_DE,
    STATE_DE,
    CaseState,
    Event,
    Outcome,
)
from domain.routing import route, validate_profession_text
from domain.validation import FieldError
from models._types import checked
from models.case import Case, CaseCreate
from models.letter import LatinNameCreate, PersonAddressCreate
from models.person import PersonCreate
from models.selectors import (
    NotFound,
    case_by_reference,
    case_checklist,
    checklist_profile,
    document_by_id,
    has_consent,
    letter_by_id,
    person_of,
    steps_offered,
)
from services.audit import record_audit
from services.cases import (
    CORRECTABLE,
    advance_case,
    check_consent_giver,
    choose_occupation,
    correct_event,
    correct_person,
    open_new_case,
    parse_person_correction,
    record_consent,
    record_keep_decision,
    set_latin_name,
    set_person_address,
    withdraw_consents,
)
from services.intake import take_in_upload
from services.letters import LetterKit, letter_language, letter_pdf, write_one_letter
from welcome_center.labels import (
    ADDRESS_LABELS,
    CONFIRM_EVENTS,
    EVENT_PERIOD_UNITS,
    LETTER_REFUSED_DE,
    NEW_CASE_CHECKS,
    NEW_CASE_FIELDS,
    NEW_CASE_LABELS,
    OK_DE,
    OK_SECTION,
    PERIOD_UNITS,
    PERSON_LABELS,
    language_choices,
)
from welcome_center.web.case_views import Messages, case_context, letter_texts, size_text
from welcome_center.web.deps import (
    BadRequest,
    RowId,
    current_adviser,
    db,
    render,
    today,
    verify_csrf,
    writer,
)
from welcome_center.web.forms import FormErrors, field_message, form_checked, form_day, form_text

router = APIRouter()

FORM_OVERHEAD_BYTES = 64 * 1024
"""Room for the other fields and the multipart boundaries of an upload form beside the file."""


def _settings(request: Request):
    return getattr(request.app.state, "settings", None) or get_settings()


# ------------------------------------------------------------------------------------ form helpers


# ------------------------------------------------------------------------------------ new case


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
                  labels=NEW_CASE_LABELS, districts=districts, languages=language_choices(), preview=preview,
                  preview_district=catalogue.districts[values["district"]].name if preview else None)


@router.get("/faelle/neu")
def new_case_form(request: Request, actor: Actor = Depends(writer)):
    values = {name: "" for name in NEW_CASE_FIELDS} | {name: False for name in NEW_CASE_CHECKS}
    values.update(district=actor.districts[0] if len(actor.districts) == 1 else "", consent_by="Person")
    return _new_case_page(request, actor, values, FormErrors())


@router.post("/faelle/neu", dependencies=[Depends(verify_csrf)])
async def new_case(request: Request, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """The new-case form: the same models, rules and service as `case new` and the import
    (models.person.PersonCreate, models.case.CaseCreate, services.cases.open_new_case)."""
    form = await request.form()
    # cut far above every field's limit only: the parsers name a value that is too long with its length
    values = {name: form_text(form, name, 1000) for name in NEW_CASE_FIELDS} | {name: form_checked(form, name) for name in NEW_CASE_CHECKS}
    errors = FormErrors()
    day = today(request)
    catalogue = load_catalogue()
    context = {"today": day, "districts": list(catalogue.districts), "countries": catalogue.countries}
    person = checked(PersonCreate, {
        **{name: values[name] for name in ("given_name", "family_name", "birth_date", "sex", "district", "language",
                                            "email", "phone", "arrival_date")},
        "receives_buergergeld": values["receives_buergergeld"], "lives_abroad": values["lives_abroad"],
        "name_changed": values["name_changed"],
    }, **context)
    new = checked(CaseCreate, {"profession": values["profession"], "country_of_training": values["country_of_training"],
                               "fast_track": values["fast_track"]}, **context)
    for error in [*(person if isinstance(person, list) else []), *(new if isinstance(new, list) else [])]:
        errors.add(error.field, field_message(NEW_CASE_LABELS.get(error.field, error.field), error.message_de))
    if not values["consent"]:
        errors.add("consent", "Einwilligung: ohne die Einwilligung der Person in die Verarbeitung ihrer Daten "
                              "(Art. 6 Abs. 1 lit. a DSGVO) wird kein Fall angelegt; bitte einholen und ankreuzen")
    consent_by = values["consent_by"] or "Person"
    if values["consent"]:
        try:
            consent_by = check_consent_giver(consent_by)
        except InvalidInput as refused:
            errors.add("consent_by", field_message(NEW_CASE_LABELS["consent_by"], refused.message_de))
    if not errors:
        try:
            opened = open_new_case(session, person=person, case=new, catalogue=catalogue, today=day, actor=actor,
                                   audit_actor=actor.audit_name, consent_by=consent_by, adviser_id=actor.id)
        except FieldError as refused:
            session.rollback()
            errors.add(refused.field if refused.field in NEW_CASE_LABELS else "row",
                       field_message(NEW_CASE_LABELS.get(refused.field, "Eingabe"), refused.message_de))
    if errors:
        return _new_case_page(request, actor, values, errors, status_code=422)
    session.commit()
    ok = "angelegt" if opened.person_created else "angelegt_bekannt"
    return RedirectResponse(f"/faelle/{quote(opened.case.reference)}?ok={ok}", status_code=303)


# ------------------------------------------------------------------------------------ the case page


def _case_page(request: Request, session: Session, actor: Actor, case: Case, messages: Messages | None = None,
               status_code: int = 200):
    day = today(request)
    messages = messages or Messages()
    ok = request.query_params.get("ok")
    if ok in OK_DE and messages.ok is None:
        messages.ok = OK_DE[ok]
        messages.ok_section = OK_SECTION.get(ok, "oben")
    if request.query_params.get("hinweis") == "finanzierung":
        person = person_of(session, case)
        messages.warnings = funding_warnings(FundingRoute(case.funding_route), receives_buergergeld=person.receives_buergergeld)
    context = case_context(session, case, day=day, max_upload_bytes=_settings(request).max_file_bytes)
    return render(request, "case.html", actor, status_code=status_code, messages=messages, **context)


@router.get("/faelle/{reference}")
def case_page(request: Request, reference: str, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    case = case_by_reference(session, reference, actor=actor)
    _record_read(session, actor, "case.view", "case", case.id, case)
    return _case_page(request, session, actor, case)


@router.get("/faelle/{reference}/druck")
def case_print(request: Request, reference: str, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    case = case_by_reference(session, reference, actor=actor)
    _record_read(session, actor, "case.print", "case", case.id, case)
    context = case_context(session, case, day=today(request), max_upload_bytes=_settings(request).max_file_bytes)
    return render(request, "case_print.html", actor, **context)


def _record_read(session: Session, actor: Actor, action: str, entity: str, entity_id: int | None, case: Case) -> None:
    """Who looked at which case, and when (the data protection officer's question): the audit entry
    names the case, never a personal value; committed before the page or file goes out."""
    record_audit(session, actor=actor.audit_name, action=action, entity=entity, entity_id=entity_id,
                 case_reference=case.reference)
    session.commit()


# ------------------------------------------------------------------------------------ state transitions


@router.post("/faelle/{reference}/schritt", dependencies=[Depends(verify_csrf)])
async def case_step(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    day = today(request)
    state = CaseState(case.state)
    errors = FormErrors()
    try:
        event = Event(form_text(form, "event", 40))
    except ValueError:
        event = None
    if event is None or event not in steps_offered(session, case):
        shown = EVENT_DE.get(event, "unbekannt") if event else "unbekannt"
        return _step_refused(request, session, actor, case, f"Der Schritt „{shown}“ ist im Stand „{STATE_DE[state]}“ nicht "
                                                             "möglich; die Seite zeigt die möglichen Schritte.")
    on = form_day(form_text(form, "on", 20) or day.isoformat(), "Datum", errors=errors, name="on", today=day)
    outcome = period = until = None
    if event is Event.DECIDE:
        try:
            outcome = Outcome(form_text(form, "outcome", 40))
        except ValueError:
            errors.add("outcome", "Bitte das Ergebnis des Bescheids wählen.")
    if event in EVENT_PERIOD_UNITS:
        count, unit = form_text(form, "period_count", 4), form_text(form, "period_unit", 2)
        if not count.isdigit() or not 1 <= int(count) <= 365 or unit not in EVENT_PERIOD_UNITS[event]:
            units = " oder ".join(PERIOD_UNITS[u] for u in EVENT_PERIOD_UNITS[event])
            errors.add("period", f"Dauer: bitte eine Zahl von 1 bis 365 und {units} angeben.")
        else:
            period = Period.parse(f"{int(count)}{unit}")
    if event is Event.SUSPEND and form_text(form, "until", 20):
        until = form_day(form_text(form, "until", 20), "Hemmung bis", errors=errors, name="until", today=day)
    note = form_text(form, "note", 2000) or None
    if errors:
        return _step_refused(request, session, actor, case, " ".join(errors.values()))
    missing = [line.item.title for line in case_checklist(session, case=case, person=person_of(session, case),
                                                             rules=load_checklist_rules())
               if line.required and line.status.value != "present"] if event is Event.READY else []
    try:
        result = advance_case(session, case=case, event=event, on=on, actor=actor.audit_name, calendar=lower_saxony_calendar(),
                              outcome=outcome, period=period, until=until, note=note, today=day)
    except InvalidInput as error:
        session.rollback()
        return _step_refused(request, session, actor, case_by_reference(session, reference, actor=actor), _step_message(error))
    if (missing or event in CONFIRM_EVENTS) and not form_checked(form, "bestaetigt"):
        # The step is possible, but it is irreversible or documents are missing: nothing is stored until
        # the adviser confirms on the page (a check on the server, not only a browser dialog).
        session.rollback()
        case = case_by_reference(session, reference, actor=actor)
        fields = {name: form_text(form, name, 2000) for name in ("event", "on", "outcome", "period_count", "period_unit",
                                                                 "until", "note") if form_text(form, name, 2000)}
        fields["on"] = on.strftime("%d.%m.%Y")
        confirm = {"event": EVENT_DE[event], "fields": fields, "missing": missing,
                   "question": CONFIRM_EVENTS.get(event) or f"Trotzdem „{EVENT_DE[event]}“ erfassen?",
                   "danger": event in CONFIRM_EVENTS}
        return _case_page(request, session, actor, case, Messages(confirm=confirm))
    session.commit()
    hint = "&hinweis=finanzierung" if result.warnings else ""
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=schritt{hint}#schritte", status_code=303)


@router.post("/faelle/{reference}/schritt/{event_no}/berichtigen", dependencies=[Depends(verify_csrf)])
async def case_correct(request: Request, reference: str, event_no: RowId, actor: Actor = Depends(writer),
                       session: Session = Depends(db)):
    """Datum korrigieren: a step recorded on the wrong day gets a correction; the original stays."""
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    day = today(request)
    errors = FormErrors()
    on = form_day(form_text(form, "on", 20), "Richtiges Datum", errors=errors, name="on", today=day)
    note = form_text(form, "note", 2000) or None
    if errors:
        return _correction_refused(request, session, actor, case, " ".join(errors.values()), event_no)
    try:
        correct_event(session, case=case, event_no=event_no, on=on, actor=actor.audit_name,
                      calendar=lower_saxony_calendar(), today=day, note=note)
    except InvalidInput as error:
        session.rollback()
        case = case_by_reference(session, reference, actor=actor)
        if error.code == "correction.no_such_event":  # no row to show it beside
            return _step_refused(request, session, actor, case, _step_message(error))
        return _correction_refused(request, session, actor, case, _step_message(error), event_no)
    session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=berichtigt#schritt-{event_no}", status_code=303)


def _correction_refused(request, session, actor, case, message: str, event_no: int):
    return _case_page(request, session, actor, case, Messages(correction=message, correction_no=event_no), status_code=422)


def _step_message(error: InvalidInput) -> str:
    """The refusal's German text (domain.messages), as a sentence."""
    text = error.message_de
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


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
            f"Die Datei ist zu groß ({size_text(int(length))}); erlaubt sind höchstens {size_text(limit)} je Datei. Bitte verkleinern "
            "(z. B. Scan mit 150–200 dpi oder komprimiertes PDF) oder auf mehrere Dateien aufteilen. Nichts wurde gespeichert."
        )


@router.post("/faelle/{reference}/unterlagen", dependencies=[Depends(upload_limit), Depends(verify_csrf)])
async def case_upload(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    upload = form.get("file")
    item_key = form_text(form, "item_key", 60) or None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _upload_refused(request, session, actor, case, "Bitte eine Datei auswählen.", item_key)
    settings = _settings(request)
    rules = load_checklist_rules()
    person = person_of(session, case)
    lines = case_checklist(session, case=case, person=person, rules=rules)
    if item_key is not None and item_key not in {line.item.key for line in lines}:
        return _upload_refused(request, session, actor, case, "Diese Unterlage gehört nicht zur Checkliste des Falls.", None)
    raw_name = _uploaded_name(upload)
    name = _clip_shown(FileName.from_bytes(raw_name).shown if isinstance(raw_name, bytes) else visible(raw_name))
    try:
        result = await run_in_threadpool(
            take_in_upload, session, case=case, stream=upload.file, name=raw_name, cases_dir=settings.cases_dir,
            quarantine_dir=settings.quarantine_dir, rules=rules, profile=checklist_profile(case, person),
            max_bytes=settings.max_file_bytes, actor=actor.audit_name, item_key=item_key,
            translated=form_checked(form, "translated"), certified=form_checked(form, "certified"),
        )
    except Exception as error:
        # a full or unwritable folder (or a database on a full disk): the adviser reads which, in German,
        # on the case page; nothing of the upload was kept
        fault = await run_in_threadpool(diagnose, error, settings)
        if fault is None:
            raise
        session.rollback()
        return _upload_refused(request, session, actor, case, f"Datei „{name}“ nicht gespeichert: {fault.message_de}",
                               item_key, status_code=503)
    finally:
        await upload.close()
    if result.outcome == "accepted":
        return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=unterlage#checkliste", status_code=303)
    reason = visible(result.reason or "")
    if result.outcome == "held":
        message = f"Datei „{name}“ nicht gespeichert: {reason}."
    elif result.outcome == "error":
        message = (f"Datei „{name}“ nicht angenommen: {reason}. Bitte die Datei erneut hochladen; bleibt der Fehler, "
                   "den Support verständigen.")
    else:
        message = (f"Datei „{name}“ nicht angenommen: {reason}. Die Datei liegt zur Prüfung in der Quarantäne "
                   "(mit dem Grund); sie wurde nicht zum Fall genommen.")
    return _upload_refused(request, session, actor, case, message, item_key)


def _uploaded_name(upload: UploadFile) -> bytes | str:
    """The file name as the browser sent it: the bytes in the part's Content-Disposition header
    (Starlette reads a name that is not UTF-8 as Latin-1, so "Zeugnis_f\\xfcr.pdf" would arrive as
    "Zeugnis_für.pdf" and be judged otherwise than the same file in the inbox), else the text."""
    for key, value in upload.headers.raw:
        if key.lower() == b"content-disposition":
            raw = parse_options_header(value)[1].get(b"filename")
            if raw:
                return bytes(raw)
    return upload.filename or ""


def _clip_shown(shown: str, limit: int = 80) -> str:
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _upload_refused(request, session, actor, case, message: str, item_key: str | None, status_code: int = 422):
    return _case_page(request, session, actor, case, Messages(upload=message, upload_item=item_key),
                      status_code=status_code)


def _file_in_case(cases_dir: Path, reference: str, relative: str) -> Path:
    """The file `relative` (to the cases folder), only when it lies inside cases/<reference>/."""
    folder = (cases_dir / reference).resolve()
    path = (cases_dir / relative).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise NotFound("file", relative)
    return path


def _attachment(path: Path, *, name: str, media_type: str) -> Response:
    return FileResponse(path, media_type=media_type, filename=safe_name(name), content_disposition_type="attachment")


@router.get("/faelle/{reference}/unterlagen/{document_id}")
def document_download(reference: str, document_id: RowId, request: Request, actor: Actor = Depends(current_adviser),
                      session: Session = Depends(db)):
    case = case_by_reference(session, reference, actor=actor)
    document = document_by_id(session, document_id, case=case, actor=actor)
    path = _file_in_case(_settings(request).cases_dir, case.reference, f"{case.reference}/documents/{document.stored_name}")
    _record_read(session, actor, "document.download", "document", document.id, case)
    return _attachment(path, name=document.original_name, media_type=MEDIA_TYPES.get(FileKind(document.kind), "application/octet-stream"))


# ------------------------------------------------------------------------------------ letters


@lru_cache(maxsize=2)
def _letter_templates(day: date):
    """The three templates, parsed and tried with the sample letters once per day (as the CLI does
    for each run)."""
    return load_checked_templates(templates_dir(), texts=letter_texts(), today=day)


@router.post("/faelle/{reference}/briefe", dependencies=[Depends(verify_csrf)])
async def letter_write(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """One letter now: services.letters.write_one_letter, as the command line's `letter`."""
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    try:
        kind = LetterKind(form_text(form, "kind", 30))
    except ValueError:
        return _letter_refused(request, session, actor, case, "Bitte die Art des Briefs wählen.")
    chosen = form_text(form, "sme_id", 12)
    # the translation select applies to letters to the person; one to a body or an employer is
    # German only, whatever the select still shows (it preselects the person's language)
    asked = form_text(form, "language", 5) if RECIPIENT_OF[kind] is RecipientKind.PERSON else ""
    settings = _settings(request)
    day = today(request)
    try:
        result = await run_in_threadpool(
            write_one_letter, request.app.state.engine, case=case, kind=kind,
            language=letter_language(asked or None, person_language=person_of(session, case).language),
            sme_id=int(chosen) if chosen.isdigit() else None, today=day, actor=actor.audit_name,
            kit=LetterKit(templates=_letter_templates(day), texts=letter_texts(), catalogue=load_catalogue(),
                          rules=load_checklist_rules(), cases_dir=settings.cases_dir),
        )
    except FieldError as refused:
        return _letter_refused(request, session, actor, case, refused.message_de)
    if result.outcome == "refused":
        return _letter_refused(request, session, actor, case, _letter_refusal_de(result.field, result.reason_de))
    ok = "brief" if result.outcome == "written" else "brief_unveraendert"
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok={ok}#briefe", status_code=303)


def _letter_refusal_de(field_name: str, reason_de: str) -> str:
    """What the page says of a refused letter: the page's own wording per field where the catalogue's
    text names a command-line step (the address form is on this page), else the catalogue's German."""
    message = LETTER_REFUSED_DE.get(field_name) or LETTER_REFUSED_DE.get(field_name.split(".")[0])
    return f"Brief nicht geschrieben: {message or reason_de}"


def _letter_refused(request, session, actor, case, message: str):
    return _case_page(request, session, actor, case, Messages(letter=message), status_code=422)


@router.get("/faelle/{reference}/briefe/{letter_id}")
def letter_download(reference: str, letter_id: RowId, request: Request, format: str = "docx",
                    actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    case = case_by_reference(session, reference, actor=actor)
    letter = letter_by_id(session, letter_id, case=case, actor=actor)
    cases_dir = _settings(request).cases_dir
    if format == "pdf":
        if not letter.pdf_path and soffice() is None:
            raise BadRequest("Ein PDF kann hier nicht erzeugt werden (LibreOffice ist nicht installiert); bitte die "
                             "Word-Datei herunterladen.")
        _file_in_case(cases_dir, case.reference, letter.path)  # the .docx lies in the case's own folder
        relative = letter_pdf(session, letter=letter, cases_dir=cases_dir, actor=actor.audit_name, convert=convert_to_pdf)
        if relative is None:
            raise BadRequest("Das PDF konnte nicht erzeugt werden; bitte die Word-Datei herunterladen.")
        path = _file_in_case(cases_dir, case.reference, relative)
        _record_read(session, actor, "letter.download", "letter", letter.id, case)
        return _attachment(path, name=Path(relative).name, media_type="application/pdf")
    path = _file_in_case(cases_dir, case.reference, letter.path)
    _record_read(session, actor, "letter.download", "letter", letter.id, case)
    return _attachment(path, name=Path(letter.path).name, media_type=MEDIA_TYPES[FileKind.DOCX])


# ------------------------------------------------------------------------------------ postal address


@router.post("/faelle/{reference}/anschrift", dependencies=[Depends(verify_csrf)])
async def address_save(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """The person's postal address and the name in Latin script that the address field and the German
    salutation print (DIN 5008). A name in Cyrillic or Arabic script without a Latin spelling gets the
    transliteration's proposal when the address is saved (services.cases.set_person_address), to be
    checked against the passport."""
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    labels = {**ADDRESS_LABELS, "country": "Land", "latin_given_name": "Vorname wie im Pass (lateinisch)",
              "latin_family_name": "Nachname wie im Pass (lateinisch)"}
    values = {name: form_text(form, name, 1000) for name in labels}
    errors = FormErrors()
    address = checked(PersonAddressCreate, {name: values[name] for name in (*ADDRESS_LABELS, "country")},
                      countries=load_catalogue().countries)
    name = checked(LatinNameCreate, {part: values[part] for part in ("latin_given_name", "latin_family_name")})
    for error in [*(address if isinstance(address, list) else ()), *(name if isinstance(name, list) else ())]:
        errors.add(error.field, field_message(labels.get(error.field, error.field), error.message_de))
    if errors:
        return _case_page(request, session, actor, case, Messages(address={"errors": errors, "values": values}), status_code=422)
    person = person_of(session, case)
    set_latin_name(session, person=person, name=name, actor=actor.audit_name)
    set_person_address(session, person=person, address=address, actor=actor.audit_name)  # proposes a missing Latin name
    session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=anschrift#briefe", status_code=303)


# ------------------------------------------------------------------------------------ consent and reference occupation


@router.post("/faelle/{reference}/einwilligung", dependencies=[Depends(verify_csrf)])
async def consent_save(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """Record the person's consent today (e.g. for a case imported without it): documents and
    letters to the body need it (Art. 6 Abs. 1 lit. a DSGVO)."""
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    given_by = form_text(form, "given_by", 1000) or "Person"
    person = person_of(session, case)
    if not has_consent(session, person_id=person.id):
        try:
            record_consent(session, person=person, given_on=today(request), given_by=given_by, actor=actor.audit_name)
        except InvalidInput as refused:
            session.rollback()
            return _case_page(request, session, actor, case, Messages(consent=field_message("Einwilligung erteilt von",
                                                                                           refused.message_de)), status_code=422)
        session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=einwilligung#person", status_code=303)


@router.post("/faelle/{reference}/einwilligung/widerruf", dependencies=[Depends(verify_csrf)])
async def consent_withdraw(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """The person withdraws consent (Art. 7 Abs. 3 DSGVO) on the day given: services.cases.withdraw_consents,
    as `welcome-center consent REF --withdraw`. The page then says what follows (erase or keep)."""
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    day = today(request)
    errors = FormErrors()
    on = form_day(form_text(form, "withdrawn_on", 20) or day.isoformat(), "Widerruf am", errors=errors,
                  name="withdrawn_on", today=day)
    if on is not None:
        try:
            withdraw_consents(session, person=person_of(session, case), on=on, today=day, actor=actor.audit_name)
        except InvalidInput as refused:
            session.rollback()
            errors.add("withdrawn_on", field_message("Widerruf", refused.message_de))
    if errors:
        return _case_page(request, session, actor, case, Messages(consent=" ".join(errors.values())), status_code=422)
    session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=widerruf#person", status_code=303)


@router.post("/faelle/{reference}/einwilligung/aufbewahrung", dependencies=[Depends(verify_csrf)])
async def consent_keep(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """After a withdrawal: keep what a legal duty requires, with the duty named (Art. 17 Abs. 3 DSGVO);
    services.cases.record_keep_decision, as `welcome-center consent REF --keep-reason …`."""
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    try:
        record_keep_decision(session, person=person_of(session, case), reason=form_text(form, "keep_reason", 2000),
                             actor=actor.audit_name)
    except InvalidInput as refused:
        session.rollback()
        return _case_page(request, session, actor, case,
                          Messages(consent=field_message("Grund der Aufbewahrung", refused.message_de)), status_code=422)
    session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=aufbewahrung#person", status_code=303)


@router.post("/faelle/{reference}/person", dependencies=[Depends(verify_csrf)])
async def person_correct(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """Correct the person's data (Art. 16 DSGVO): every field of the form, parsed as at intake
    (services.cases.parse_person_correction); what differs from the stored value is corrected and
    audited with before and after (services.cases.correct_person). Letters already written stay."""
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    values = {name: form_text(form, name, 1000) for name in CORRECTABLE}
    changes: dict = dict(values)
    changes["receives_buergergeld"] = values["receives_buergergeld"] or "nein"
    person = person_of(session, case)
    corrected = parse_person_correction(person, changes, today=today(request),
                                        districts=list(load_catalogue().districts))
    errors = FormErrors()
    if not isinstance(corrected, list):
        try:
            correct_person(session, person=person, corrected=corrected, actor=actor.audit_name)
        except FieldError as refused:
            session.rollback()
            corrected = [refused]
    if isinstance(corrected, list):
        for error in corrected:
            errors.add(error.field, field_message(PERSON_LABELS.get(error.field, error.field), error.message_de))
        session.refresh(person)
        return _case_page(request, session, actor, case, Messages(person={"errors": errors, "values": values}),
                          status_code=422)
    session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=berichtigt_person#person", status_code=303)


@router.post("/faelle/{reference}/referenzberuf", dependencies=[Depends(verify_csrf)])
async def occupation_save(request: Request, reference: str, actor: Actor = Depends(writer), session: Session = Depends(db)):
    """Fix the reference occupation (Referenzberuf) chosen with the person, before the application."""
    case = case_by_reference(session, reference, actor=actor)
    form = await request.form()
    key = form_text(form, "profession_key", 80)
    try:
        choose_occupation(session, case=case, profession_key=key, catalogue=load_catalogue(), actor=actor.audit_name)
    except InvalidInput as refused:
        session.rollback()
        message = refused.message_de[:1].upper() + refused.message_de[1:] + "."
        return _case_page(request, session, actor, case, Messages(occupation=message), status_code=422)
    session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=referenzberuf#zuordnung", status_code=303)
