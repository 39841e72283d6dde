"""The retention run (data/retention.yaml, services.retention, flows/retention.py): with the clock moved
forward, a dry run lists what the real run then erases and erases nothing itself; the real run erases
it; a second run erases nothing. On SQLite and PostgreSQL where the database matters.

Invented persons only: Quirinella Vexhausen, Tobiah Zwirnemark, Ilvy Brandowitsch."""

from __future__ import annotations

import os
import time as time_module
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlmodel import Session

from adapters.rules import load_retention_rules
from domain.calendar import lower_saxony_calendar
from domain.errors import CatalogueError
from domain.funding import FundingRoute
from domain.lifecycle import Event, Outcome
from domain.retention import Kind, build_retention_rules
from models.adviser import Adviser
from models.case import Case, CaseEvent
from models.db import make_engine
from models.document import IntakeFile
from models.outbox import OutboxMessage
from models.person import Person
from models.web_session import LoginThrottle, WebSession
from services.cases import advance_case, correct_event, find_or_create_person, open_case, set_funding
from services.retention import apply, plan

from .conftest import ROOT

NI = lower_saxony_calendar()
BERLIN = ZoneInfo("Europe/Berlin")
ACTOR = "test:retention"
RUN_DAY = date(2026, 3, 16)  # a Monday
NAMES = ("Quirinella", "Vexhausen", "Tobiah", "Zwirnemark", "Ilvy", "Brandowitsch")
EMAILS = ("quirinella.vexhausen@example.org", "tobiah.zwirnemark@example.org", "ilvy.brandowitsch@example.org")
FILE_WORD = "Urkundenstapel"  # in the quarantined files' names only


@pytest.fixture(scope="module")
def rules():
    return load_retention_rules(ROOT / "data")


# ------------------------------------------------------------------------------------ the data file


def _parse(text: str):
    from adapters.catalogue import _line_loader

    yaml, loader = _line_loader()
    return yaml.load(text, Loader=loader)


def _good_entries(skip: str = "") -> str:
    entries = {
        "closed_cases": "years: 3", "quarantine": "days: 30", "outbox_bodies": "days: 90",
        "login_attempts": "days: 1", "web_sessions": "days: 0", "prefect_runs": "days: 30",
    }
    return "".join(f"- key: {key}\n  {period}\n  starts: x\n  source: 'Art. 5 Abs. 1 lit. e DSGVO'\n  verified: true\n"
                   for key, period in entries.items() if key != skip)


def test_the_data_file_gives_every_kind_a_period_and_a_source(rules):
    assert {kind for kind in Kind} == set(rules.rules)
    assert rules[Kind.CLOSED_CASES].years >= 1
    for rule in rules.rules.values():
        assert "DSGVO" in rule.source or "§" in rule.source
        assert rule.verified or rule.note  # an unverified number says whose decision it is


def test_a_negative_period_is_refused_with_file_line_entry_and_field():
    text = _good_entries(skip="quarantine") + "- key: quarantine\n  days: -5\n  starts: x\n  source: 'https://eur-lex.europa.eu'\n  verified: true\n"
    with pytest.raises(CatalogueError) as refused:
        build_retention_rules("data/retention.yaml", _parse(text))
    line = text.splitlines().index("  days: -5") + 1
    assert str(refused.value) == (f"data/retention.yaml, line {line}, entry 'quarantine', field 'days': "
                                  "must be a whole number from 0 to 3650, not -5")


def test_a_missing_source_is_refused_with_its_entry():
    text = _good_entries(skip="outbox_bodies") + "- key: outbox_bodies\n  days: 90\n  starts: x\n  verified: false\n  note: y\n"
    with pytest.raises(CatalogueError) as refused:
        build_retention_rules("data/retention.yaml", _parse(text))
    message = str(refused.value)
    assert "entry 'outbox_bodies', field 'source': is missing" in message and "data/retention.yaml, line" in message


def test_a_period_in_years_and_days_at_once_and_a_missing_kind_are_refused():
    text = _good_entries(skip="closed_cases") + "- key: closed_cases\n  years: 3\n  days: 2\n  starts: x\n  source: '§ 195 BGB'\n  verified: true\n"
    with pytest.raises(CatalogueError, match="field 'days': give the period as exactly one of years: N or days: N"):
        build_retention_rules("data/retention.yaml", _parse(text))
    with pytest.raises(CatalogueError, match="no period for web_sessions"):
        build_retention_rules("data/retention.yaml", _parse(_good_entries(skip="web_sessions")))


# ----------------------------------------------------------------------------------- a world of data


@dataclass
class World:
    old: str  # withdrawn exactly the period before the run day: erased on it
    short: str  # withdrawn one day short of the period: kept, erased a day later
    closed: str  # closed (decided, then closed) four years before: erased
    other_of_ilvy: str  # Ilvy's second, older case (erased); her open case stays and so does she
    open_of_ilvy: str
    quarantine: Path
    old_files: list[Path]
    young_files: list[Path]


def _person(session, given, family, email, born):
    person, _ = find_or_create_person(session, actor=ACTOR, given_name=given, family_name=family, birth_date=born,
                                      language="de", district="verden", email=email)
    return person


def _withdrawn(session, catalogue, person, on: date) -> Case:
    case = open_case(session, person=person, profession_text="Koch", catalogue=catalogue, today=on - timedelta(days=60),
                     actor=ACTOR)
    advance_case(session, case=case, event=Event.COLLECT, on=on - timedelta(days=50), actor=ACTOR, calendar=NI)
    advance_case(session, case=case, event=Event.WITHDRAW, on=on, actor=ACTOR, calendar=NI)
    return case


def _closed(session, catalogue, person, on: date) -> Case:
    case = open_case(session, person=person, profession_text="Koch", catalogue=catalogue, today=on - timedelta(days=200),
                     actor=ACTOR)
    start = on - timedelta(days=180)
    set_funding(session, case=case, route_=FundingRoute.SELF, decided_on=start, actor=ACTOR)
    steps = (Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS)
    for number, event in enumerate(steps):
        advance_case(session, case=case, event=event, on=start + timedelta(days=10 * number), actor=ACTOR, calendar=NI)
    advance_case(session, case=case, event=Event.DECIDE, on=on - timedelta(days=30), outcome=Outcome.FULL_EQUIVALENCE, actor=ACTOR,
                 calendar=NI)
    advance_case(session, case=case, event=Event.CLOSE, on=on, actor=ACTOR, calendar=NI)
    return case


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), BERLIN).astimezone(UTC)


def _quarantined(folder: Path, day: date, tag: str, session) -> Path:
    stamp = _at(day).strftime("%Y%m%dT%H%M%S")
    path = folder / "_ohne_fall" / f"{stamp}-{tag}-{FILE_WORD}_{tag}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 not really\n")
    path.with_name(path.name + ".reason.txt").write_text(f"{FILE_WORD}: kein lesbares PDF\n", encoding="utf-8")
    session.add(IntakeFile(inbox_path=f"{FILE_WORD}_{tag}.pdf", sha256=tag * 8, size=20, outcome="rejected",
                           reason="kein lesbares PDF", quarantine_path=f"_ohne_fall/{path.name}", processed_at=_at(day)))
    return path


def _mail(session, case: Case, *, rule: str, state: str, created: datetime, sent: datetime | None, body_name: str):
    session.add(OutboxMessage(
        case_id=case.id, case_reference=case.reference, district="verden", rule=rule, due_on=created.date(),
        recipient=EMAILS[2], recipient_kind="person", language="de", subject=f"Erinnerung für {body_name}",
        body=f"Guten Tag {body_name}, bitte reichen Sie die Unterlagen ein.", message_id=f"<{uuid.uuid4().hex}@test>",
        state=state, created_at=created, sent_at=sent,
    ))


def build_world(session: Session, catalogue, home: Path, run_day: date) -> World:
    period = relativedelta(years=3)
    quirinella = _person(session, "Quirinella", "Vexhausen", EMAILS[0], date(1991, 4, 7))
    tobiah = _person(session, "Tobiah", "Zwirnemark", EMAILS[1], date(1988, 11, 23))
    ilvy = _person(session, "Ilvy", "Brandowitsch", EMAILS[2], date(1996, 1, 30))
    old = _withdrawn(session, catalogue, quirinella, run_day - period)
    short = _withdrawn(session, catalogue, tobiah, run_day - period + timedelta(days=1))
    closed = _closed(session, catalogue, tobiah, run_day - relativedelta(years=4))
    other = _withdrawn(session, catalogue, ilvy, run_day - period - timedelta(days=100))
    open_ = open_case(session, person=ilvy, profession_text="Koch", catalogue=catalogue, today=run_day - timedelta(days=20),
                      actor=ACTOR)
    session.flush()

    quarantine = home / "quarantine"
    old_files = [_quarantined(quarantine, run_day - timedelta(days=31), f"a{n}b{n}c{n}d{n}", session) for n in range(2)]
    young_files = [_quarantined(quarantine, run_day - timedelta(days=29), "e1f1a1b1", session)]

    _mail(session, open_, rule="r_sent_old", state="sent", created=_at(run_day - timedelta(days=95)),
          sent=_at(run_day - timedelta(days=91)), body_name="Ilvy Brandowitsch")
    _mail(session, open_, rule="r_cancelled_old", state="cancelled", created=_at(run_day - timedelta(days=100)), sent=None,
          body_name="Ilvy Brandowitsch")
    _mail(session, open_, rule="r_sent_young", state="sent", created=_at(run_day - timedelta(days=12)),
          sent=_at(run_day - timedelta(days=10)), body_name="Ilvy Brandowitsch")
    _mail(session, open_, rule="r_failed_old", state="failed", created=_at(run_day - timedelta(days=100)), sent=None,
          body_name="Ilvy Brandowitsch")

    adviser = Adviser(name="Beraterin Test", email="beraterin.retention@example.org", district="verden")
    session.add(adviser)
    session.flush()
    start = datetime.combine(run_day, time(0), BERLIN).astimezone(UTC)
    session.add(WebSession(token_hash="a" * 64, adviser_id=adviser.id, csrf_token="x", expires_at=start - timedelta(hours=1)))
    session.add(WebSession(token_hash="b" * 64, adviser_id=adviser.id, csrf_token="y", expires_at=start + timedelta(hours=8)))
    session.add(LoginThrottle(email="vergessen@example.org", window_start=start - timedelta(days=3), attempts=5,
                              locked_until=start - timedelta(days=3) + timedelta(minutes=30)))
    session.add(LoginThrottle(email="gestern@example.org", window_start=start - timedelta(hours=1), attempts=2))
    session.commit()
    return World(old.reference, short.reference, closed.reference, other.reference, open_.reference, quarantine,
                 old_files, young_files)


def _snapshot(engine, home: Path) -> dict:
    with Session(engine) as session:
        return {
            "cases": sorted(session.scalars(select(Case.reference)).all()),
            "persons": session.scalar(select(func.count()).select_from(Person)),
            "bodies": sorted((m.rule, m.body) for m in session.scalars(select(OutboxMessage)).all()),
            "sessions": session.scalar(select(func.count()).select_from(WebSession)),
            "throttle": session.scalar(select(func.count()).select_from(LoginThrottle)),
            "ledger": session.scalar(select(func.count()).select_from(IntakeFile)),
            "files": sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()),
        }


# ----------------------------------------------------------------------------------- the service


def test_dry_run_lists_what_the_real_run_erases_and_a_second_run_erases_nothing(engine, catalogue, rules, tmp_path):
    home = tmp_path / "home"
    with Session(engine) as session:
        world = build_world(session, catalogue, home, RUN_DAY)
    before = _snapshot(engine, home)

    # the clock moved forward to the run day: the dry run lists, and changes nothing
    listed = plan(engine, today=RUN_DAY, rules=rules, home=home)
    assert listed.case_references == tuple(sorted([world.old, world.closed, world.other_of_ilvy]))
    assert world.short not in listed.case_references  # one day short of the period
    assert listed.count(Kind.QUARANTINE) == 2 and listed.count(Kind.OUTBOX_BODIES) == 2
    assert listed.count(Kind.WEB_SESSIONS) == 1 and listed.count(Kind.LOGIN_ATTEMPTS) == 1
    assert _snapshot(engine, home) == before

    erased = apply(engine, today=RUN_DAY, rules=rules, home=home, actor=ACTOR)
    assert erased.case_references == listed.case_references and erased.counts == listed.counts
    assert erased.persons == 1  # Quirinella
    with Session(engine) as session:
        references = set(session.scalars(select(Case.reference)).all())
        persons = {p.given_name for p in session.scalars(select(Person)).all()}
        bodies = {m.rule: m for m in session.scalars(select(OutboxMessage)).all()}
        sessions = session.scalars(select(WebSession.token_hash)).all()
        throttled = session.scalars(select(LoginThrottle.email)).all()
        ledger = session.scalars(select(IntakeFile.quarantine_path)).all()
    assert references == {world.short, world.open_of_ilvy}
    assert persons == {"Tobiah", "Ilvy"}  # Quirinella had no case left; Ilvy keeps her open case, Tobiah his young one
    assert bodies["r_sent_old"].body == "" and bodies["r_sent_old"].subject == ""
    assert bodies["r_cancelled_old"].body == ""
    assert "Ilvy Brandowitsch" in bodies["r_sent_young"].body  # younger than the period
    assert "Ilvy Brandowitsch" in bodies["r_failed_old"].body  # kept for `reminders resend`
    assert bodies["r_sent_old"].recipient == EMAILS[2]  # the key that stops a second mail stays
    assert sessions == ["b" * 64] and throttled == ["gestern@example.org"]
    assert not any(p.exists() or p.with_name(p.name + ".reason.txt").exists() for p in world.old_files)
    assert world.quarantine.is_dir()
    assert all(p.exists() and p.with_name(p.name + ".reason.txt").exists() for p in world.young_files)
    assert ledger == [f"_ohne_fall/{world.young_files[0].name}"]

    again = apply(engine, today=RUN_DAY, rules=rules, home=home, actor=ACTOR)
    assert again.case_references == () and not any(again.counts.values())

    # a day later, the case one day short has reached its period
    tomorrow = RUN_DAY + timedelta(days=1)
    assert plan(engine, today=tomorrow, rules=rules, home=home).case_references == (world.short,)
    assert apply(engine, today=tomorrow, rules=rules, home=home, actor=ACTOR).case_references == (world.short,)
    with Session(engine) as session:
        assert {p.given_name for p in session.scalars(select(Person)).all()} == {"Ilvy"}


def test_a_case_withdrawn_one_day_short_of_the_period_is_kept(engine, catalogue, rules, tmp_path):
    home = tmp_path / "home"
    with Session(engine) as session:
        person = _person(session, "Tobiah", "Zwirnemark", EMAILS[1], date(1988, 11, 23))
        case = _withdrawn(session, catalogue, person, date(2023, 3, 17))
        session.commit()
        reference = case.reference
    assert plan(engine, today=date(2026, 3, 16), rules=rules, home=home).case_references == ()
    assert apply(engine, today=date(2026, 3, 16), rules=rules, home=home, actor=ACTOR).case_references == ()
    assert plan(engine, today=date(2026, 3, 17), rules=rules, home=home).case_references == (reference,)


def test_a_corrected_withdrawal_counts_from_its_corrected_day(engine, catalogue, rules, tmp_path):
    home = tmp_path / "home"
    with Session(engine) as session:
        person = _person(session, "Quirinella", "Vexhausen", EMAILS[0], date(1991, 4, 7))
        case = _withdrawn(session, catalogue, person, date(2023, 1, 10))
        session.commit()
        events = session.scalars(select(CaseEvent.event).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
        correct_event(session, case=case, event_no=events.index("withdraw") + 1, on=date(2023, 6, 1),
                      note="Datum berichtigt", actor=ACTOR, calendar=NI, today=date(2023, 12, 31))
        session.commit()
        reference = case.reference
    assert plan(engine, today=date(2026, 5, 31), rules=rules, home=home).case_references == ()
    assert plan(engine, today=date(2026, 6, 1), rules=rules, home=home).case_references == (reference,)


# ------------------------------------------------------------------------------ the flow and the CLI


def _old_prefect_run(client, flow, days_ago: int, text: str):
    """A finished flow run that was due `days_ago` days ago, with an artifact."""
    from prefect.client.schemas.actions import ArtifactCreate, LogCreate
    from prefect.states import Completed, Scheduled

    run = client.create_flow_run(flow, state=Scheduled(scheduled_time=datetime.now(UTC) - timedelta(days=days_ago)))
    client.set_flow_run_state(run.id, Completed(), force=True)
    client.create_artifact(ArtifactCreate(key=f"old-{run.id.hex[:8]}", type="markdown", data=text, flow_run_id=run.id))
    client.create_logs([LogCreate(name="test", level=20, message=text, timestamp=datetime.now(UTC), flow_run_id=run.id)])
    return run.id


def test_the_flow_with_dry_run_real_run_and_again_writes_a_summary_without_personal_values(
        tmp_path, monkeypatch, prefect_home, catalogue, rules):
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, LogFilter, LogFilterFlowRunId

    import flows.day_off
    from adapters.database import ready_engine
    from adapters.settings import get_settings
    from flows.retention import retention

    today = datetime.now(BERLIN).date()
    monkeypatch.setenv("WELCOME_CENTER_HOME", str(tmp_path))
    get_settings.cache_clear()
    monkeypatch.setattr(flows.day_off, "berlin_today", lambda: today)
    try:
        engine = ready_engine()
        with Session(engine) as session:
            world = build_world(session, catalogue, tmp_path, today)
        with get_client(sync_client=True) as client:
            earlier = flow(name="retention-test-earlier")(lambda: None)
            old_runs = [_old_prefect_run(client, earlier, 40, "alter Lauf"), _old_prefect_run(client, earlier, 31, "alter Lauf")]
            young = _old_prefect_run(client, earlier, 5, "junger Lauf")

        dry = retention(dry_run=True)
        assert dry["cases"] == sorted([world.old, world.closed, world.other_of_ilvy])
        assert dry["counts"]["prefect_runs"] >= 2 and dry["counts"]["quarantine"] == 2
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Case)) == 5  # nothing erased

        real = retention()
        assert real["cases"] == dry["cases"] and real["counts"] == dry["counts"] and real["persons"] == 1
        again = retention()
        assert again["cases"] == [] and not any(again["counts"].values())

        with get_client(sync_client=True) as client:
            remaining = {run.id for run in client.read_flow_runs()}
            assert not remaining & set(old_runs) and young in remaining
            artifacts = {a.flow_run_id for a in client.read_artifacts()}
            assert not artifacts & set(old_runs) and young in artifacts
            # the server removes a deleted run's logs in the background, soon after
            logged = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[*old_runs, young]))
            deadline = time_module.monotonic() + 20
            while {log.flow_run_id for log in client.read_logs(log_filter=logged)} != {young}:
                assert time_module.monotonic() < deadline, "the old runs' logs are still there"
                time_module.sleep(0.5)
            summaries = [a.data for a in client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["retention-report"])))]
        assert len(summaries) >= 3
        erased_summary = next(text for text in summaries if "Löschlauf" in text and world.old in text)
        assert "Art. 5 Abs. 1 lit. e" in erased_summary and "3 Jahre" in erased_summary
        for text in summaries:
            for value in (*NAMES, *EMAILS, FILE_WORD, "1991-04-07", "07.04.1991", "Beispiel"):
                assert value not in text, value
    finally:
        get_settings.cache_clear()


def test_the_cli_dry_run_and_run_with_the_clock_moved_forward(cli, catalogue):
    engine = make_engine(f"sqlite:///{cli.home / 'welcome-center.db'}")
    today = datetime.now(BERLIN).date()
    with Session(engine) as session:
        world = build_world(session, catalogue, cli.home, today + timedelta(days=1))  # the short case is due tomorrow
    engine.dispose()

    listed = cli("retention", "--dry-run")
    assert listed.exit_code == 0, listed.output
    assert world.old not in listed.stdout  # due tomorrow only
    ahead = cli("retention", "--dry-run", "--on", (today + timedelta(days=1)).isoformat())
    assert ahead.exit_code == 0 and world.old in ahead.stdout and world.short not in ahead.stdout
    assert "Probelauf" in ahead.stdout
    run = cli("retention", "--on", (today + timedelta(days=1)).isoformat())
    assert run.exit_code == 0 and world.old in run.stdout and "Löschlauf" in run.stdout
    for value in (*NAMES, *EMAILS, FILE_WORD):
        assert value not in run.output
    again = cli("retention", "--on", (today + timedelta(days=1)).isoformat(), "--json")
    assert again.exit_code == 0 and '"cases": []' in again.stdout
    bad = cli("retention", "--on", "31.02.2026")
    assert bad.exit_code == 2 and "--on" in bad.output and "Traceback" not in bad.output
    assert os.path.exists(cli.home / "welcome-center.db")


def test_prefect_result_files_older_than_the_period_go_and_younger_ones_stay(tmp_path):
    """Prefect writes a failed run's exception into its home's storage/ even without persisted
    results; the nightly run removes those files with the runs' period."""
    import os
    import time as clock

    from adapters.rules import load_retention_rules
    from domain.retention import Kind
    from flows.retention import prune_result_storage

    rule = load_retention_rules()[Kind.PREFECT_RUNS]
    storage = tmp_path / "storage"
    storage.mkdir()
    old, young = storage / "a1b2c3", storage / "d4e5f6"
    old.write_bytes(b"pickled exception")
    young.write_bytes(b"pickled exception")
    today = date.today()
    old_time = rule.moment_cutoff(today).timestamp() - 3600
    os.utime(old, (old_time, old_time))
    assert prune_result_storage(rule, today=today, home=tmp_path) == 1
    assert not old.exists() and young.exists()
    assert young.stat().st_mtime > clock.time() - 60
    assert prune_result_storage(rule, today=today, home=tmp_path / "nowhere") == 0  # no storage folder yet
