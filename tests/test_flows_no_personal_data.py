"""Flows put no personal data into Prefect (issue 17): a person with a name, e-mail address, birth date
and street found nowhere else goes through every flow for real (inbox intake with the name in a file
name, a file for quarantine and a folder named after her; due letters, one refused with her name in
the refusal; reminders to her address, refused by the mail server once, then sent; a run with the
mail server down; the monthly report mailed), and then Prefect's records are read through its client
(flow runs with names, parameters and state histories, task runs, logs, artifacts, events) and every
byte of Prefect's home (its SQLite database, WAL, storage) is searched: none of the values is there.

Prefect only ever sees references (VER-2026-0042), counts, codes and field names. What an adviser needs
to act on (which file, which address) is in the application's own database and pages, which erasure
cleans. Positive controls make sure the search looks where the records are: the case reference, put
into the artifacts on purpose, is found in the same bytes.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import shutil
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from domain.calendar import lower_saxony_calendar
from domain.deadlines import Period
from domain.lifecycle import Event, Outcome
from welcome_center.demo import samples

from .conftest import free_port

NI = lower_saxony_calendar()
ACTOR = "test:privacy"
OPENED = date(2026, 11, 2)

GIVEN = "Solveiga"
FAMILY = "Kowarczyk-Eberwein"
EMAIL = "solveiga.kowarczyk@postfach-welcome.example"
BIRTH = date(1987, 3, 29)
STREET = "Quendelgrund 19"
SECRETS = {
    "given name": GIVEN, "family name": "Kowarczyk", "second family name": "Eberwein", "e-mail": EMAIL,
    "e-mail's local part": "solveiga.kowarczyk", "birth date (ISO)": BIRTH.isoformat(),
    "birth date (dd.mm.yyyy)": f"{BIRTH:%d.%m.%Y}", "birth date (d.m.yyyy)": f"{BIRTH.day}.{BIRTH.month}.{BIRTH.year}",
    "street": "Quendelgrund",
}
JOBCENTER = "m.quastenberg@jobcenter-verden.example"  # the report's mailbox, here a person's own


@pytest.fixture
def home(tmp_path, monkeypatch, sqlite_template, prefect_home, smtp_server):
    """A state folder with a migrated database, the real SMTP server (aiosmtpd) for reminders and the
    Jobcenter's report, and Prefect's temporary server of this test session (its home: prefect_home)."""
    from adapters.settings import get_settings
    from models.db import engine_for

    folder = tmp_path / "home"
    folder.mkdir()
    shutil.copyfile(sqlite_template, folder / "welcome-center.db")
    _, port = smtp_server
    monkeypatch.setenv("WELCOME_CENTER_HOME", str(folder))
    monkeypatch.delenv("WELCOME_CENTER_DATABASE_URL", raising=False)
    monkeypatch.setenv("WELCOME_CENTER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WELCOME_CENTER_SMTP_PORT", str(port))
    monkeypatch.setenv("WELCOME_CENTER_SMTP_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("WELCOME_CENTER_JOBCENTER_REPORT_EMAIL", JOBCENTER)
    get_settings.cache_clear()
    engine_for.cache_clear()
    yield folder
    engine_for(get_settings().database_url).dispose()
    engine_for.cache_clear()
    get_settings.cache_clear()


def smtp_down(monkeypatch) -> None:
    from adapters.settings import get_settings

    monkeypatch.setenv("WELCOME_CENTER_SMTP_PORT", str(free_port()))  # nobody listens there
    get_settings.cache_clear()


def make_person_and_cases(engine, catalogue):
    """The person, her consent and address; a case collecting documents with a deadline (checklist
    letter, reminder to her on 27.11.2026), and a decided case with an employer she has not agreed
    to tell (the employer letter is refused, its reason naming her)."""
    from models.letter import PersonAddressCreate
    from services.cases import advance_case, find_or_create_person, open_case, record_consent, set_person_address
    from services.employers import add_sme, link_sme

    with Session(engine, expire_on_commit=False) as session:
        person, _ = find_or_create_person(session, actor=ACTOR, given_name=GIVEN, family_name=FAMILY, birth_date=BIRTH,
                                          language="uk", district="verden", email=EMAIL, sex="f",
                                          receives_buergergeld=True)
        record_consent(session, person=person, given_on=OPENED, given_by="person", actor=ACTOR)
        set_person_address(session, person=person, actor=ACTOR,
                           address=PersonAddressCreate(street=STREET, postcode="27283", city="Verden (Aller)"))
        collecting = open_case(session, person=person, profession_text="Krankenschwester", catalogue=catalogue,
                               today=OPENED, actor=ACTOR)
        advance_case(session, case=collecting, event=Event.COLLECT, on=date(2026, 11, 20), actor=ACTOR, calendar=NI)
        advance_case(session, case=collecting, event=Event.SET_DEADLINE, on=date(2026, 11, 20), period=Period(days=14),
                     actor=ACTOR, calendar=NI)  # due Fri 04.12.: she is reminded Fri 27.11., the adviser Tue 01.12.
        decided = open_case(session, person=person, profession_text="Elektriker", catalogue=catalogue, today=OPENED,
                            actor=ACTOR)
        for event in (Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS,
                      Event.DECIDE):
            advance_case(session, case=decided, event=event, on=date(2026, 11, 3), actor=ACTOR, calendar=NI,
                         outcome=Outcome.PARTIAL_EQUIVALENCE if event is Event.DECIDE else None)
        sme, _ = add_sme(session, actor=ACTOR, name="Elektro Wümme", street="Am Wall 2", postcode="27711",
                         city="Osterholz-Scharmbeck", contact_person="Herr Harms")
        link_sme(session, case=decided, sme=sme, actor=ACTOR)  # no agreement recorded
        session.commit()
        return person, collecting, decided


def drop_files(inbox: Path, reference: str) -> None:
    """A certificate with her name in its file name, a CV that carries JavaScript (quarantine), and a
    passport scan dropped into a folder named after her instead of the case reference (quarantine)."""
    case_folder = inbox / reference
    case_folder.mkdir(parents=True)
    (case_folder / f"Zeugnis {GIVEN} {FAMILY}.pdf").write_bytes(samples.pdf("Zeugnis"))
    (case_folder / f"Lebenslauf {FAMILY} {BIRTH:%d.%m.%Y}.pdf").write_bytes(samples.pdf_with_javascript())
    named = inbox / f"{GIVEN} {FAMILY}"
    named.mkdir()
    (named / "Reisepass.pdf").write_bytes(samples.pdf("Pass"))


def flow_run_id(state) -> str:
    return str(state.state_details.flow_run_id)


# ------------------------------------------------------------------------------------ reading Prefect


def prefect_records(run_ids: list[str]) -> dict[str, list[str]]:
    """Everything Prefect keeps about these flow runs, as text, by where it was found."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogHandler

    found: dict[str, list[str]] = {}

    def keep(where: str, value) -> None:
        found.setdefault(where, []).append(value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False))

    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            run = client.read_flow_run(run_id)
            keep("flow run name", run.name)
            keep("flow run parameters", run.parameters)
            keep("flow run state message", run.state.message or "")
            keep("flow run", run.model_dump(mode="json"))
            for state in client.read_flow_run_states(run_id):
                keep("flow run state history", state.model_dump(mode="json", exclude={"data"}))
                keep("flow run state data", repr(state.data))
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=run_ids)))
        for task_run in client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=run_ids)), limit=200):
            keep("task run name", task_run.name)
            keep("task run", task_run.model_dump(mode="json"))
            for state in client.read_task_run_states(task_run.id):
                keep("task run state history", state.model_dump(mode="json", exclude={"data"}))
                keep("task run state data", repr(state.data))
        # the logs reach the server in batches from a background worker: send what is queued, then wait
        # until the server has them (a busy CI machine took longer than the test's own steps)
        APILogHandler().flush()
        deadline = time.monotonic() + 60
        while not (logs := client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=run_ids)), limit=200)):
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        for log in logs:
            keep("log", log.message)
        for artifact in client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=run_ids))):
            keep("artifact", artifact.model_dump(mode="json"))
    assert len(runs) == len(run_ids)
    return found


class Emitted(logging.Handler):
    """The messages (with their exception text) of the records Prefect's run loggers emit."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.messages.append(text)


def prefect_events(run_ids: list[str]) -> list[dict]:
    """The events the server recorded about these flow runs and their task runs (Prefect 3 records task
    runs from events; they are persisted in batches, so this waits until every flow run has its
    terminal event)."""
    from prefect.client.orchestration import get_client

    # the server the flows ran on, as Prefect's client finds it (the temporary one of this process,
    # started again if another test of the session stopped it; or the one PREFECT_API_URL names)
    with get_client(sync_client=True) as client:
        api = str(client.api_url).rstrip("/")
    deadline = time.monotonic() + 60
    while True:
        events = []
        body = {"filter": {"any_resource": {"id_prefix": ["prefect.flow-run.", "prefect.task-run."]},
                           "occurred": {"since": "2000-01-01T00:00:00Z"}}, "limit": 50}
        answer = httpx.post(f"{api}/events/filter", json=body, timeout=10).json()
        events += answer["events"]
        while answer.get("next_page"):
            answer = httpx.get(answer["next_page"], timeout=10).json()
            events += answer["events"]
        text = json.dumps(events)
        finished = {run_id for run_id in run_ids
                    if any(e["resource"]["prefect.resource.id"] == f"prefect.flow-run.{run_id}"
                           and e["event"] in ("prefect.flow-run.Completed", "prefect.flow-run.Failed") for e in events)}
        if finished == set(run_ids) and all(run_id in text for run_id in run_ids):
            return [e for e in events if any(run_id in json.dumps(e) for run_id in run_ids)]
        if time.monotonic() > deadline:
            pytest.fail(f"the events of the flow runs {sorted(set(run_ids) - finished)} were not recorded within 60 s")
        time.sleep(1)


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [what for what, value in {**SECRETS, "Jobcenter address": JOBCENTER}.items() if value.lower() in lowered]


_BASE64 = re.compile(rb"[A-Za-z0-9+/]{16,}={0,2}")


def readable(data: bytes) -> bytes:
    """The bytes, and every run of base64 in them decoded: Prefect keeps a persisted result as a
    base64-encoded pickle (its storage/ folder), where a name is not found as it was written."""
    decoded = []
    for match in _BASE64.finditer(data.replace(b"\\n", b"").replace(b"\n", b"")):
        chunk = match.group()
        try:
            decoded.append(base64.b64decode(chunk + b"=" * (-len(chunk) % 4)))
        except ValueError:
            continue
    return b"\0".join([data, *decoded]).lower()


def files_with(folder: Path, needle: bytes) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if path.is_file() and needle.lower() in readable(path.read_bytes()))


# ------------------------------------------------------------------------------------ the test


def test_no_flow_puts_her_name_address_or_birth_date_into_prefect(home, catalogue, smtp_server, monkeypatch, prefect_home):
    from adapters.database import configured_engine
    from adapters.rules import load_checklist_rules
    from flows.intake import intake_flow
    from flows.letters import letters_flow
    from flows.reminders import reminders_flow
    from flows.reports import monthly_report_flow
    from models import IntakeFile, OutboxMessage
    from services.reminders import resend_failed

    sink, _ = smtp_server
    engine = configured_engine()
    _, collecting, decided = make_person_and_cases(engine, catalogue)
    # every record Prefect's run loggers emit, as Prefect would send it to its server (its batches can
    # arrive late or, after another test stopped the session's temporary server, not at all)
    emitted = Emitted()
    run_loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    # as in a process of its own: an earlier test of the session may have switched these loggers off
    # (a logging configuration applied in this process disables the loggers that exist by then)
    saved = [(logger.disabled, logger.level) for logger in run_loggers]
    globally_disabled = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    for logger in run_loggers:
        logger.disabled = False
        if logger.getEffectiveLevel() > logging.WARNING:  # the embedded default (adapters/prefect_setup.py)
            logger.setLevel(logging.WARNING)
        logger.addHandler(emitted)
    drop_files(home / "inbox", collecting.reference)
    runs: dict[str, str] = {}

    # the inbox: one document, two files in quarantine; the adviser sees the names on the quarantine page
    state = intake_flow(settle_seconds=0, return_state=True)
    runs["intake"] = flow_run_id(state)
    assert state.is_completed()
    with Session(engine) as session:
        ledger = session.exec(select(IntakeFile)).all()
    assert sorted(row.outcome for row in ledger) == ["accepted", "rejected", "rejected"], [(r.inbox_path, r.outcome) for r in ledger]
    assert all("Kowarczyk" in row.inbox_path for row in ledger)  # the application's own record keeps the names

    # due letters, as `welcome-center letters --due` starts them (with a progress callback)
    seen_progress: list[tuple[int, int]] = []
    state = letters_flow(due=True, today=date(2026, 11, 27), actor="cli:beraterin", return_state=True,
                         progress=lambda done, total: seen_progress.append((done, total)))
    runs["letters"] = flow_run_id(state)
    results = state.result()
    refused = [r for r in results if r.outcome == "refused"]
    assert any(r.outcome == "written" for r in results)
    assert any(r.kind == "sme_guidance" and FAMILY in r.reason for r in refused), [r.reason for r in refused]

    # reminders: her address refused for good (the server's answer quotes it), so the run fails ...
    sink.refuse[EMAIL.lower()] = f"550 5.1.1 <{EMAIL}>: Recipient address rejected: user unknown"
    state = reminders_flow(on=date(2026, 11, 27), return_state=True)
    runs["reminders refused"] = flow_run_id(state)
    assert state.is_failed()
    # ... the adviser corrects nothing but asks again (`reminders resend ID`), the server takes it
    sink.refuse.clear()
    with Session(engine) as session:
        failed = session.exec(select(OutboxMessage).where(OutboxMessage.state == "failed")).one()
        assert failed.recipient == EMAIL
        resend_failed(session, outbox_id=failed.id, catalogue=catalogue, checklist_rules=load_checklist_rules(),
                      today=date(2026, 11, 27), actor=ACTOR)
        session.commit()
    state = reminders_flow(on=date(2026, 11, 27), return_state=True)
    runs["reminders sent"] = flow_run_id(state)
    assert state.is_completed()
    assert [str(m["To"]) for m in sink.messages] == [EMAIL]
    # the adviser's reminder on 01.12. with the mail server down: the run fails
    smtp_down(monkeypatch)
    state = reminders_flow(on=date(2026, 12, 1), return_state=True)
    runs["reminders server down"] = flow_run_id(state)
    assert state.is_failed()
    monkeypatch.setenv("WELCOME_CENTER_SMTP_PORT", str(smtp_server[1]))
    from adapters.settings import get_settings

    get_settings.cache_clear()

    # the monthly report for November: the Jobcenter's mailbox refuses it once (the answer quotes the
    # address, which may be a person's), the rerun mails it
    sink.refuse[JOBCENTER] = f"550 5.7.1 <{JOBCENTER}>: mailbox full"
    state = monthly_report_flow(scheduled=True, today=date(2026, 12, 1), return_state=True)
    runs["monthly report refused"] = flow_run_id(state)
    assert state.is_failed()
    sink.refuse.clear()
    state = monthly_report_flow(scheduled=True, today=date(2026, 12, 1), return_state=True)
    runs["monthly report"] = flow_run_id(state)
    assert state.is_completed() and state.result()["mail"] == "sent"

    # an operator who turns on Prefect's result persistence does not make the flows keep their
    # results (the intake's outcomes carry the file names)
    from prefect.settings import PREFECT_RESULTS_PERSIST_BY_DEFAULT, temporary_settings

    (home / "inbox" / collecting.reference / f"Sprachzertifikat {FAMILY}.pdf").write_bytes(samples.pdf("B2"))
    with temporary_settings(updates={PREFECT_RESULTS_PERSIST_BY_DEFAULT: True}):
        state = intake_flow(settle_seconds=0, return_state=True)
    runs["intake with persistence on"] = flow_run_id(state)
    assert [o.outcome for o in state.result()] == ["accepted"]

    # a database fault in the middle of the intake: SQLAlchemy's message quotes the statement's
    # parameters (the file's path with her name); Prefect records the type and code only, this
    # process keeps the original for the command line
    (home / "inbox" / collecting.reference / f"Arbeitszeugnis {GIVEN}.pdf").write_bytes(samples.pdf("Arbeit"))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE intake_file")
    state = intake_flow(settle_seconds=0, return_state=True)
    runs["intake database fault"] = flow_run_id(state)
    assert state.is_failed()
    withheld = state.result(raise_on_failure=False)
    assert type(withheld).__name__ == "StepFailed" and "OperationalError" in str(withheld) and GIVEN not in str(withheld)
    assert GIVEN in str(withheld.original)

    # what Prefect keeps, through its API
    ids = list(runs.values())
    events = prefect_events(ids)
    records = prefect_records(ids)
    for logger, (disabled, level) in zip(run_loggers, saved):
        logger.removeHandler(emitted)
        logger.disabled, logger.level = disabled, level
    logging.disable(globally_disabled)
    assert emitted.messages, "Prefect's run loggers emitted nothing: the check of the logs would see nothing"
    records["log"] = records.get("log", []) + emitted.messages
    records["event"] = [json.dumps(event, ensure_ascii=False) for event in events]
    found = {where: sorted({what for text in texts for what in leaks(text)}) for where, texts in records.items()}
    assert {where: what for where, what in found.items() if what} == {}
    # the positive controls: the records were read, and they say what happened in references and counts
    every = "\n".join(text for texts in records.values() for text in texts)
    assert collecting.reference in every and decided.reference in every
    assert "ReminderRunFailed" in every and "ReportMailFailed" in every and "sme.person_agreed" in every
    assert "StepFailed: OperationalError (SQLITE_ERROR)" in every
    assert any("Posteingang" in text for text in records["artifact"])
    assert len(records["log"]) > 0 and len(records["task run name"]) >= 10

    # and every byte of Prefect's home: its database (and WAL), its storage, anything else it wrote
    assert files_with(prefect_home, collecting.reference.encode()), "the search does not see Prefect's records"
    for what, value in {**SECRETS, "Jobcenter address": JOBCENTER, "Quastenberg": "quastenberg"}.items():
        assert files_with(prefect_home, value.encode("utf-8")) == [], f"{what} found in Prefect's home"
    # the state folder's own prefect/ (a flow command's temporary server keeps its database there)
    if (home / "prefect").exists():
        for what, value in SECRETS.items():
            assert files_with(home / "prefect", value.encode("utf-8")) == [], f"{what} found in the state folder's prefect/"


def test_every_flow_and_task_persists_no_result_and_logs_no_prints(prefect_home):
    """A flow added later (the retention run) is held to the same: its results stay in its process,
    whatever an operator sets for PREFECT_RESULTS_PERSIST_BY_DEFAULT or PREFECT_LOGGING_LOG_PRINTS."""
    import importlib
    import pkgutil

    from prefect import Flow
    from prefect.tasks import Task

    import flows

    found = {}
    for info in pkgutil.iter_modules(flows.__path__):
        module = importlib.import_module(f"flows.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Flow | Task) and value.fn.__module__ == module.__name__:
                found[f"{module.__name__}:{value.name}"] = value
    assert {"flows.intake:intake", "flows.letters:letters", "flows.reminders:reminders",
            "flows.reports:monthly-report", "flows.intake:take-in-batch"} <= set(found)
    assert [name for name, item in found.items() if item.persist_result is not False] == []
    assert [name for name, item in found.items() if isinstance(item, Flow) and item.log_prints is not False] == []


def test_an_error_leaves_a_task_without_the_values_it_worked_on(tmp_path, monkeypatch):
    """What Prefect records of an error: a database error without SQLAlchemy's parameters, an
    OSError without its file, a full folder inside the quarantine or the inbox named by that root."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from adapters.settings import get_settings
    from domain.errors import StorageFault
    from flows import StepFailed, recordable

    monkeypatch.setenv("WELCOME_CENTER_HOME", str(tmp_path))
    get_settings.cache_clear()
    try:
        named = f"inbox/VER-2026-0001/Zeugnis {GIVEN}.pdf"
        database = OperationalError("INSERT INTO intake_file (inbox_path) VALUES (?)", (named,),
                                    sqlite3.OperationalError("no such table: intake_file"))
        assert GIVEN in str(database)
        for error, shown in ((database, "OperationalError"), (FileNotFoundError(2, "No such file", named), "FileNotFoundError (ENOENT)"),
                             (KeyError(FAMILY), "KeyError")):
            safe = recordable(error)
            assert isinstance(safe, StepFailed) and safe.original is error
            assert str(safe).startswith(shown) and leaks(str(safe)) == [] and leaks(repr(safe.__reduce__())) == []
        quarantine = get_settings().quarantine_dir
        fault = recordable(StorageFault("storage.full", str(quarantine / f"{GIVEN} {FAMILY}")))
        assert (fault.code, fault.folder) == ("storage.full", str(quarantine))
        cases = StorageFault("storage.full", str(get_settings().cases_dir / "VER-2026-0001" / "documents"))
        assert recordable(cases) is cases
    finally:
        get_settings.cache_clear()
