"""CLI commands for cases, persons, the import file, the inbox and the database.

What advisers read (case view, history) is German; errors are one English line naming the field.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlmodel import Session

from adapters.catalogue import load_catalogue
from adapters.database import ready_engine, upgrade
from adapters.rules import load_checklist_rules
from adapters.settings import get_settings
from domain.calendar import format_date, lower_saxony_calendar
from domain.checklist import STATUS_DE as ITEM_STATUS_DE
from domain.dates import event_moment
from domain.deadlines import KIND_DE, Kind, Period
from domain.errors import InvalidInput, _clip
from domain.funding import FUNDING_DE, FundingRoute, parse_funding
from domain.lifecycle import (
    EVENT_DE,
    OUTCOME_DE,
    STATE_DE,
    CaseState,
    DeadlineStatus,
    Event,
    Outcome,
    parse_event,
)
from domain.lifecycle import STATUS_DE as DEADLINE_STATUS_DE
from domain.routing import resolve_district
from models._types import checked
from models.case import CaseCreate
from models.db import session_scope
from models.person import PersonCreate
from models.selectors import (
    CaseSelection,
    case_by_reference,
    case_checklist,
    cases_page,
    consents_of,
    deadlines_of,
    documents_of,
    events_of,
    person_of,
    state_counts,
    steps_offered,
)
from services.audit import history as audit_trail
from services.cases import (
    add_appointment,
    advance_case,
    choose_occupation,
    correct_event,
    open_new_case,
    record_consent,
    record_keep_decision,
    set_funding,
    withdraw_consents,
)
from services.export import csv_chunks, record_export
from services.importing import import_table, open_import
from welcome_center.cli.console import (
    BERLIN,
    actor,
    err,
    escape,
    friendly,
    out,
    parse_date,
    print_json,
    today,
)
from welcome_center.labels import ACTION_DE, change_text

case_app = typer.Typer(help="Recognition cases: create, show, list, advance, history.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)


app = typer.Typer()


@app.callback()
def _group() -> None:
    """Cases, persons, the import file, the database."""


# ------------------------------------------------------------------------------------------ db


@db_app.command("upgrade")
@friendly
def db_upgrade():
    """Bring the configured database (WELCOME_CENTER_DATABASE_URL) to the newest schema."""
    settings = get_settings()
    upgrade(settings.database_url)
    out.print(f"Database is at the newest schema: {escape(_safe_url(settings.database_url))}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# ------------------------------------------------------------------------------------------ case new

Opt = typer.Option


@case_app.command("new")
@friendly
def case_new(
    given_name: Annotated[str | None, Opt("--given-name", help="Vorname, as written (any script)")] = None,
    family_name: Annotated[str | None, Opt("--family-name", help="Nachname")] = None,
    birth_date: Annotated[str | None, Opt("--birth-date", help="YYYY-MM-DD or DD.MM.YYYY")] = None,
    district: Annotated[str | None, Opt("--district", help="verden or osterholz")] = None,
    language: Annotated[str | None, Opt("--language", help="ISO 639-1 code: uk, ru, ar, fa, tr, en, de ...")] = None,
    profession: Annotated[str | None, Opt("--profession", help="as the person says it")] = None,
    sex: Annotated[str | None, Opt("--sex", help="f, m or d")] = None,
    email: Annotated[str | None, Opt("--email")] = None,
    phone: Annotated[str | None, Opt("--phone")] = None,
    country: Annotated[str | None, Opt("--country", help="country of training (name or ISO code)")] = None,
    fast_track: Annotated[bool, Opt("--fast-track", help="fast track under § 81a AufenthG")] = False,
    buergergeld: Annotated[bool, Opt("--buergergeld", help="receives Bürgergeld")] = False,
    consent_given: Annotated[bool, Opt("--consent", help="the person consented to data processing today")] = False,
    lives_abroad: Annotated[bool, Opt("--lives-abroad", help="lives outside the EU/EEA/CH (intent-to-work proof, § 5 Abs. 6 BQFG)")] = False,
    name_changed: Annotated[bool, Opt("--name-changed", help="name differs from the certificates (marriage certificate)")] = False,
    arrival: Annotated[str | None, Opt("--arrival", help="date of arrival in Germany, YYYY-MM-DD")] = None,
    as_json: Annotated[bool, Opt("--json")] = False,
):
    """Open a case for a person (asks for missing required fields when run in a terminal)."""
    values = {
        "given_name": given_name, "family_name": family_name, "birth_date": birth_date, "district": district,
        "language": language, "profession": profession,
    }
    interactive = sys.stdin.isatty()
    labels = {"given_name": "Vorname", "family_name": "Nachname", "birth_date": "Geburtsdatum (TT.MM.JJJJ)",
              "district": "Landkreis (verden/osterholz)", "language": "Sprache (z. B. uk)", "profession": "Beruf"}
    for key, value in values.items():
        if value is None and interactive:
            values[key] = typer.prompt(labels[key], default="", show_default=False)
    catalogue = load_catalogue()
    context = {"today": today(), "districts": list(catalogue.districts), "countries": catalogue.countries}
    person = checked(PersonCreate, {
        **{k: values[k] for k in ("given_name", "family_name", "birth_date", "district", "language")},
        "sex": sex, "email": email, "phone": phone, "receives_buergergeld": buergergeld, "arrival_date": arrival,
        "lives_abroad": lives_abroad, "name_changed": name_changed,
    }, **context)
    new_case = checked(CaseCreate, {"profession": values["profession"], "country_of_training": country,
                                    "fast_track": fast_track}, **context)
    errors = [*(person if isinstance(person, list) else []), *(new_case if isinstance(new_case, list) else [])]
    if errors:
        for error in errors:
            option = OPTION_OF.get(error.field)
            hint = f" ({option})" if option else ""
            err.print(f"[bold red]Error:[/] {escape(error.field)}{hint}: {escape(error.message)}", soft_wrap=True)
        raise typer.Exit(2)
    with session_scope(ready_engine()) as session:
        opened = open_new_case(session, person=person, case=new_case, catalogue=catalogue, today=today(), actor=None,
                               audit_actor=actor(), consent_by="person" if consent_given else None)
    case, person_row = opened.case, opened.person
    if as_json:
        print_json({"reference": case.reference, "person_created": opened.person_created,
                    "reference_occupation": case.reference_occupation, "body": case.body_key, "state": case.state})
        return
    out.print(f"Fall [bold]{case.reference}[/] angelegt für {escape(person_row.given_name)} {escape(person_row.family_name)}"
              + ("" if opened.person_created else " (Person war schon erfasst)"))
    out.print(escape(case.routing_reason or ""), soft_wrap=True)
    if not opened.consent_on_file:
        out.print("[yellow]Noch keine Einwilligung erfasst:[/] Dokumente werden erst danach gespeichert "
                  f"(welcome-center consent {case.reference} --given-by person).")


OPTION_OF = {
    "given_name": "--given-name", "family_name": "--family-name", "birth_date": "--birth-date", "district": "--district",
    "language": "--language", "profession": "--profession", "sex": "--sex", "email": "--email", "phone": "--phone",
    "country_of_training": "--country", "arrival_date": "--arrival",
}


# ------------------------------------------------------------------------------------------ case show


@case_app.command("show")
@friendly
def case_show(reference: Annotated[str, typer.Argument(help="e.g. VER-2026-0042")]):
    """Person, routing with reason, checklist, deadlines, documents and history of one case."""
    catalogue = load_catalogue()
    with Session(ready_engine()) as session:
        case = case_by_reference(session, reference)
        person = person_of(session, case)
        lines = case_checklist(session, case=case, person=person, rules=load_checklist_rules())
        deadlines = deadlines_of(session, case)
        documents = documents_of(session, case)
        events = events_of(session, case)
        consents = consents_of(session, person_id=person.id)
        offered = steps_offered(session, case)

    district = catalogue.districts[case.district]
    out.rule(f"[bold]{case.reference}[/] · {STATE_DE[CaseState(case.state)]}")
    out.print(f"Person: [bold]{escape(person.given_name)} {escape(person.family_name)}[/], geb. {format_date(person.birth_date)}, "
              f"Sprache {person.language}, {district.name}"
              + (", Bürgergeld" if person.receives_buergergeld else "")
              + (f", {escape(person.email)}" if person.email else "") + (f", {escape(person.phone)}" if person.phone else ""))
    active = [c for c in consents if c.withdrawn_on is None]
    withdrawn = max((c for c in consents if c.withdrawn_on), key=lambda c: (c.withdrawn_on, c.id), default=None)
    if active:
        out.print(f"Einwilligung: erteilt am {format_date(active[-1].given_on)} ({escape(active[-1].given_by)})")
    elif withdrawn is not None:
        out.print(f"Einwilligung: [bold red]widerrufen am {format_date(withdrawn.withdrawn_on)}[/] (erfasst von "
                  f"{escape(withdrawn.withdrawn_by or '?')}): keine Erinnerungen an die Person, keine neuen Briefe und "
                  "Dokumente" + (f"; aufbewahrt: {escape(withdrawn.keep_reason)}" if withdrawn.keep_reason else
                                 f"; offen: löschen (welcome-center person erase {case.reference}) oder Aufbewahrung "
                                 "mit Grund erfassen (--keep-reason)"), soft_wrap=True)
    else:
        out.print("Einwilligung: [yellow]fehlt[/]")
    out.print(f"Beruf (angegeben): {escape(case.profession_text)}")
    if case.reference_occupation:
        body = catalogue.bodies.get(case.body_key)
        out.print(f"Referenzberuf: [bold]{escape(case.reference_occupation)}[/] ({'reglementiert' if case.regulated else 'nicht reglementiert'}; {escape(case.legal_basis or '')})")
        if body:
            out.print(f"Zuständige Stelle: {escape(body.name)}" + (f", {escape(body.department)}" if body.department else "")
                      + f", {escape(body.address)}" + (f" · {escape(body.email)}" if body.email else ""), soft_wrap=True)
    out.print(f"Begründung: {escape(case.routing_reason or '')}", soft_wrap=True)
    out.print(f"Finanzierung: {FUNDING_DE[FundingRoute(case.funding_route)]}"
              + (f" (am {format_date(case.funding_decided_on)})" if case.funding_decided_on else ""))
    if case.outcome:
        out.print(f"Ergebnis: [bold]{OUTCOME_DE[Outcome(case.outcome)]}[/]")

    if lines:
        table = Table("Unterlage", "Stand", "Übersetzung", "beglaubigt", title="Checkliste")
        for line in lines:
            style = "green" if line.status.value == "present" else ("yellow" if not line.required else "red")
            table.add_row(escape(line.item.title) + ("" if line.required else " (falls vorhanden)"),
                          f"[{style}]{ITEM_STATUS_DE[line.status]}[/]", "nötig" if line.translation else "–",
                          "nötig" if line.certified_copy else "–")
        out.print(table)
    else:
        out.print("[yellow]Checkliste: erst nach Wahl des Referenzberufs[/] (welcome-center case occupation REF KEY)")

    if deadlines:
        table = Table("Frist", "Stand", "fällig", "Begründung", title="Fristen")
        for d in deadlines:
            table.add_row(KIND_DE[Kind(d.kind)], DEADLINE_STATUS_DE[_status(d.status)],
                          format_date(d.due) if d.due else "–", escape(d.reason))
        out.print(table)
    if documents:
        table = Table("Nr.", "Datei", "Art", "Unterlage", "übersetzt", "beglaubigt", title="Dokumente")
        for d in documents:
            table.add_row(str(d.id), escape(d.original_name), d.kind, d.item_key or "–", "ja" if d.translated else "nein", "ja" if d.certified else "nein")
        out.print(table)
    if events:
        table = Table("Nr.", "Datum", "Ereignis", "Details", "von", title="Verlauf")
        numbers = {e.id: n for n, e in enumerate((e for e in events if e.corrects_id is None), start=1)}
        for e in events:
            details = ", ".join(x for x in (OUTCOME_DE.get(Outcome(e.outcome)) if e.outcome else None, e.period, f"bis {format_date(e.until)}" if e.until else None, e.note) if x)
            if e.corrects_id is not None:
                details = f"Datum von Nr. {numbers.get(e.corrects_id, '?')} berichtigt" + (f"; {details}" if details else "")
            table.add_row(str(numbers.get(e.id, "")), format_date(e.occurred_on), EVENT_DE[Event(e.event)], escape(details), escape(e.actor))
        out.print(table)
    out.print("Nächste Schritte: " + (", ".join(e.value for e in offered) or "keine"))


def _status(value: str) -> DeadlineStatus:
    return DeadlineStatus(value)


# ------------------------------------------------------------------------------------------ case list


@case_app.command("list")
@friendly
def case_list(
    district: Annotated[str | None, Opt("--district", help="verden or osterholz")] = None,
    state: Annotated[str | None, Opt("--state", help="e.g. collecting_documents, submitted")] = None,
    overdue: Annotated[bool, Opt("--overdue", help="only cases with an open deadline before today")] = False,
    limit: Annotated[int, Opt("--limit", min=1, max=1000)] = 50,
    as_json: Annotated[bool, Opt("--json")] = False,
):
    """Cases with their next open deadline, newest first (overdue: most overdue first)."""
    catalogue = load_catalogue()
    district_key = resolve_district(district, catalogue) if district else None
    state_value = None
    if state:
        try:
            state_value = CaseState(state.strip().lower())
        except ValueError:
            raise InvalidInput("state.unknown", "state", value=_clip(state), states=[s.value for s in CaseState]) from None
    order = {"sort": "next_due"} if overdue else {"sort": "created", "descending": True}
    with Session(ready_engine()) as session:
        rows = cases_page(session, district=district_key, state=state_value.value if state_value else None, overdue=overdue,
                          per_page=limit, today=today(), **order).rows
        counts = state_counts(session, district=district_key)
    if as_json:
        print_json([{k: v for k, v in row.__dict__.items() if k != "adviser_name"} for row in rows])
        return
    table = Table("Aktenzeichen", "Person", "Beruf", "Stand", "nächste Frist", title=f"{len(rows)} Fälle")
    for column in table.columns[1:4]:
        column.overflow = "fold"
    table.columns[0].no_wrap = True
    for row in rows:
        late = row.next_due is not None and row.next_due < today()
        due = format_date(row.next_due) if row.next_due else "–"
        table.add_row(row.reference, escape(f"{row.given_name} {row.family_name}"),
                      escape(row.reference_occupation or row.profession_text), STATE_DE[CaseState(row.state)],
                      f"[red]{due}[/]" if late else due)
    out.print(table)
    totals = ", ".join(f"{catalogue.districts[d].short}/{STATE_DE[CaseState(s)]}: {n}" for (d, s), n in sorted(counts.items()))
    out.print(f"Insgesamt: {totals or 'keine Fälle'}", soft_wrap=True)


# ------------------------------------------------------------------------------------------ advance


@case_app.command("advance")
@friendly
def case_advance(
    reference: Annotated[str, typer.Argument(help="e.g. VER-2026-0042")],
    event: Annotated[str, typer.Argument(help="collect, ready, submit, acknowledge, documents_complete, assess, suspend, resume, extend, decide, close, withdraw, set_deadline, deadline_met")],
    on: Annotated[str | None, Opt("--on", help="the day it happened (DD.MM.YYYY or YYYY-MM-DD), e.g. the body's receipt date; default today")] = None,
    outcome: Annotated[str | None, Opt("--outcome", help="for decide: full_equivalence, partial_equivalence, compensation_measure, no_equivalence")] = None,
    period: Annotated[str | None, Opt("--period", help="for extend / set_deadline: e.g. 1m, 14d, 6w")] = None,
    until: Annotated[str | None, Opt("--until", help="for suspend: the day the applicant's deadline ends")] = None,
    note: Annotated[str | None, Opt("--note", help="a short note kept with the event")] = None,
):
    """Record a lifecycle event; the statutory deadlines are recomputed."""
    parsed_event = parse_event(event)
    day = parse_date(on, "--on") if on else today()
    parsed_outcome = None
    if outcome:
        try:
            parsed_outcome = Outcome(outcome.strip().lower())
        except ValueError:
            raise InvalidInput("step.outcome_unknown", "outcome", value=_clip(outcome), outcomes=[o.value for o in Outcome]) from None
    with session_scope(ready_engine()) as session:
        case = case_by_reference(session, reference)
        result = advance_case(
            session, case=case, event=parsed_event, on=day, actor=actor(), calendar=lower_saxony_calendar(),
            outcome=parsed_outcome, period=Period.parse(period, "--period") if period else None,
            until=parse_date(until, "--until") if until else None, note=note, today=today(),
        )
        deadlines = deadlines_of(session, case)
    for warning in result.warnings:
        err.print(f"[bold yellow]Warning:[/] {escape(warning)}", soft_wrap=True)
    if result.before is result.after:
        out.print(f"{case.reference}: {EVENT_DE[parsed_event]} ({format_date(day)}); Stand bleibt {STATE_DE[result.after]}")
    else:
        out.print(f"{case.reference}: {STATE_DE[result.before]} → [bold]{STATE_DE[result.after]}[/] ({format_date(day)})")
    for d in deadlines:
        if d.status == "open":
            out.print(f"  {KIND_DE[Kind(d.kind)]} fällig {format_date(d.due)}: {escape(d.reason)}", soft_wrap=True)


@case_app.command("correct")
@friendly
def case_correct(
    reference: Annotated[str, typer.Argument(help="e.g. VER-2026-0042")],
    event_no: Annotated[int, typer.Argument(help="the step's number in `case show` (Verlauf, column Nr.)")],
    on: Annotated[str, Opt("--on", help="the day the step really happened (DD.MM.YYYY or YYYY-MM-DD)")],
    note: Annotated[str | None, Opt("--note", help="why the date is corrected")] = None,
):
    """Correct the date of a wrongly recorded step; the original stays in the history, the deadlines are recomputed."""
    day = parse_date(on, "--on")
    with session_scope(ready_engine()) as session:
        case = case_by_reference(session, reference)
        result = correct_event(session, case=case, event_no=event_no, on=day, actor=actor(),
                               calendar=lower_saxony_calendar(), today=today(), note=note)
        deadlines = deadlines_of(session, case)
    out.print(f"{case.reference}: {EVENT_DE[result.event]} berichtigt: {format_date(result.before)} → "
              f"[bold]{format_date(result.after)}[/]")
    for d in deadlines:
        if d.status == "open":
            out.print(f"  {KIND_DE[Kind(d.kind)]} fällig {format_date(d.due)}: {escape(d.reason)}", soft_wrap=True)


@case_app.command("occupation")
@friendly
def case_occupation(
    reference: Annotated[str, typer.Argument()],
    key: Annotated[str, typer.Argument(help="reference occupation key, see `welcome-center professions`")],
):
    """Fix the reference occupation (Referenzberuf) the adviser chose with the person."""
    with session_scope(ready_engine()) as session:
        case = choose_occupation(session, case=case_by_reference(session, reference), profession_key=key.strip(),
                                 catalogue=load_catalogue(), actor=actor())
    out.print(f"{case.reference}: Referenzberuf {escape(case.reference_occupation)}, Stelle {case.body_key}")


@case_app.command("funding")
@friendly
def case_funding(
    reference: Annotated[str, typer.Argument()],
    route: Annotated[str, typer.Argument(help=", ".join(r.value for r in FundingRoute))],
    on: Annotated[str | None, Opt("--on", help="decision day, DD.MM.YYYY or YYYY-MM-DD; default today")] = None,
):
    """Record who pays (Anerkennungszuschuss must be applied for before the application)."""
    parsed = parse_funding(route)
    day = parse_date(on, "--on") if on else today()
    with session_scope(ready_engine()) as session:
        case = case_by_reference(session, reference)
        set_funding(session, case=case, route_=parsed, decided_on=day, actor=actor())
    out.print(f"{case.reference}: Finanzierung {FUNDING_DE[parsed]} ({format_date(day)})")


@case_app.command("appointment")
@friendly
def case_appointment(
    reference: Annotated[str, typer.Argument()],
    at: Annotated[str, Opt("--at", help="'YYYY-MM-DD HH:MM' or 'DD.MM.YYYY HH:MM', Europe/Berlin time")],
    place: Annotated[str, Opt("--place", help="where, e.g. 'Kreishaus Verden, Raum 12'")],
    note: Annotated[str | None, Opt("--note")] = None,
):
    """Record an appointment with the person (reminded by mail the working day before)."""
    starts_at = event_moment(at, field="--at", today=today()).replace(tzinfo=BERLIN)
    with session_scope(ready_engine()) as session:
        case = case_by_reference(session, reference)
        add_appointment(session, case=case, starts_at=starts_at, place=place, actor=actor(), note=note)
    out.print(f"{case.reference}: Termin am {starts_at:%d.%m.%Y um %H:%M} Uhr, {escape(place)}")


@case_app.command("export")
@friendly
def case_export(
    file: Annotated[Path, typer.Argument(help="CSV file to write (UTF-8 with BOM, semicolons: opens in German Excel)")],
    district: Annotated[str | None, Opt("--district")] = None,
):
    """Export the case list for a spreadsheet (the web page's export, audited); cells that a spreadsheet
    would run as a formula (=, +, -, @) are written with a leading ' so they stay text (OWASP CSV injection)."""
    selection = CaseSelection(district=resolve_district(district, load_catalogue()) if district else None)
    engine = ready_engine()
    with session_scope(engine) as session:
        total = record_export(session, actor=None, audit_actor=actor(), selection=selection, today=today(), channel="cli")
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".part")
    with partial.open("wb") as handle:
        for chunk in csv_chunks(engine, actor=None, selection=selection, today=today()):
            handle.write(chunk)
    partial.replace(file)
    out.print(f"{total} Fälle nach {escape(str(file))} geschrieben.")


@case_app.command("history")
@friendly
def case_history(reference: Annotated[str, typer.Argument()], as_json: Annotated[bool, Opt("--json")] = False):
    """The audit trail of the case and its person: who, when, what, before, after."""
    with Session(ready_engine()) as session:
        case = case_by_reference(session, reference)
        entries = audit_trail(session, case_reference=case.reference, person_id=case.person_id)
    if as_json:
        print_json([{"at": e.at, "actor": e.actor, "action": e.action, "before": e.before, "after": e.after} for e in entries])
        return
    table = Table("Zeit", "wer", "was", "Änderung", title=f"Verlauf {case.reference}")
    for e in entries:
        table.add_row(e.at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M"), escape(e.actor), ACTION_DE.get(e.action, e.action),
                      escape(change_text(e.before, e.after)))
    out.print(table)


# ------------------------------------------------------------------------------------------ consent


@friendly
def consent(
    reference: Annotated[str, typer.Argument(help="a case of the person")],
    given_by: Annotated[str, Opt("--given-by", help="'person' or the legal guardian's name")] = "person",
    on: Annotated[str | None, Opt("--on", help="DD.MM.YYYY or YYYY-MM-DD; default today")] = None,
    withdraw: Annotated[bool, Opt("--withdraw", help="the person withdraws consent (Art. 7 Abs. 3 DSGVO) on --on")] = False,
    keep_reason: Annotated[str | None, Opt("--keep-reason", help="after a withdrawal: keep the data a legal duty "
                                           "requires, naming the duty (Art. 17 Abs. 3 DSGVO)")] = None,
):
    """Record the person's consent to data processing (documents are stored only after it), or its
    withdrawal (--withdraw), or after a withdrawal the reason to keep data (--keep-reason)."""
    day = parse_date(on, "--on") if on else today()
    if not withdraw and keep_reason is None:
        with session_scope(ready_engine()) as session:
            case = case_by_reference(session, reference)
            person = person_of(session, case)
            record_consent(session, person=person, given_on=day, given_by=given_by, actor=actor())
        out.print(f"Einwilligung für {escape(person.given_name)} {escape(person.family_name)} erfasst ({format_date(day)}).")
        return
    with session_scope(ready_engine()) as session:
        case = case_by_reference(session, reference)
        person = person_of(session, case)
        withdrawal = withdraw_consents(session, person=person, on=day, today=today(), actor=actor()) if withdraw else None
        kept = record_keep_decision(session, person=person, reason=keep_reason, actor=actor()) if keep_reason is not None else None
    if withdrawal is not None:
        out.print(f"Einwilligung von {escape(person.given_name)} {escape(person.family_name)} am "
                  f"{format_date(withdrawal.on)} widerrufen (erfasst von {escape(withdrawal.by)}); Fälle: "
                  f"{', '.join(withdrawal.references)}.", soft_wrap=True)
        out.print(f"Ab jetzt: keine Erinnerung an die Person oder die Stelle ({withdrawal.cancelled_reminders} "
                  "ausstehende storniert), kein neuer Brief, kein neues Dokument (der Posteingang hält Dateien zurück). "
                  "Erinnerungen an die Beratung laufen weiter.", soft_wrap=True)
    if kept is not None:
        out.print(f"Aufbewahrung erfasst (Art. 17 Abs. 3 DSGVO): {escape(kept.keep_reason)}", soft_wrap=True)
    else:
        out.print("[bold]Was jetzt folgt:[/] entweder die Daten jetzt löschen "
                  f"(welcome-center person erase {case.reference}), oder nur aufbewahren, was eine gesetzliche Pflicht "
                  f"verlangt, mit dem Grund (Art. 17 Abs. 3 DSGVO): welcome-center consent {case.reference} "
                  "--keep-reason \"…\". Eine neue Einwilligung (welcome-center consent "
                  f"{case.reference} --given-by person) hebt den Stopp auf.", soft_wrap=True)


# ------------------------------------------------------------------------------------------ import


@friendly
def import_cases(
    file: Annotated[Path, typer.Argument(help="CSV file (UTF-8, comma or semicolon), see shared/import-format.md")],
    dry_run: Annotated[bool, Opt("--dry-run", help="check every row, store nothing")] = False,
    as_json: Annotated[bool, Opt("--json")] = False,
):
    """Import persons and cases; each row whole or not at all; a report per row."""
    try:
        table = open_import(file, max_bytes=get_settings().max_import_bytes)
    except OSError as error:
        raise InvalidInput("file.unreadable", "file", value=_clip(str(file), 80), reason=error.strerror or str(error)) from None
    catalogue = load_catalogue()
    engine = ready_engine()
    with Progress(TextColumn("Import"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  disable=as_json or not err.is_terminal, transient=True) as progress:
        bar = progress.add_task("rows", total=table.row_count)
        report = import_table(engine, table=table, catalogue=catalogue, today=today(), actor=actor(), dry_run=dry_run,
                              progress=lambda done: progress.update(bar, completed=done))
    refused = sorted(report.refused, key=lambda e: e.row)
    if as_json:
        print_json({
            "file": report.file_name, "dry_run": dry_run, "rows": report.rows,
            "unknown_columns": list(report.unknown_columns),
            "warnings": [{"code": w.code, "message": w.message, "message_de": w.message_de} for w in report.warnings],
            "imported_count": report.imported_count, "skipped_count": report.skipped_count,
            "refused_row_count": report.refused_row_count,
            "imported": [i.__dict__ for i in report.imported], "skipped": [s.__dict__ for s in report.skipped],
            "refused": [{"row": e.row, "field": e.field, "value": e.value, "message": e.message, "message_de": e.message_de} for e in refused],
        })
    else:
        verb = "would be imported" if dry_run else "imported"
        out.print(f"{escape(file.name)}: {report.imported_count:,} {verb}, {report.skipped_count:,} already there, "
                  f"{report.refused_row_count:,} rows refused")
        for warning in report.warnings:
            err.print(f"[yellow]Warning:[/] {escape(warning.message)}", soft_wrap=True)
        if refused:
            table_out = Table("row", "field", "value", "fix", title="Refused rows")
            for e in refused:
                table_out.add_row(str(e.row), escape(e.field), escape(e.value), escape(e.message))
            out.print(table_out)
            listed = len({e.row for e in refused})
            if report.refused_row_count > listed:
                out.print(f"… and {report.refused_row_count - listed:,} more refused rows not listed")
    if report.refused_row_count or report.rows == 0:
        raise typer.Exit(1)


app.add_typer(case_app, name="case")
app.add_typer(db_app, name="db")
app.command("import")(import_cases)
app.command("consent")(consent)
