"""The report (services.reports.build_report) at 100,000 cases, beside the first page of the case list
measured in the same run; prints tables, asserts nothing.

    python bench/report.py [--cases 100000] [--repeat 5] [--seed 7] [--postgres URL]

SQLite always (a file in a throwaway state folder); with `--postgres URL` also PostgreSQL. Give it an
empty database of its own: it is migrated and filled, and the audit trail refuses DELETE, so drop it
afterwards:
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS wc_report_bench' -c 'CREATE DATABASE wc_report_bench'
    python bench/report.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/wc_report_bench

1. Seeds `--cases` cases with Core bulk inserts: persons (about one in seven with a second case), cases
   over the last three years in both districts, every case's events along the lifecycle up to its
   state (some reopened, some withdrawn, decisions with their outcome), a correction row for one case in
   twenty, the decision deadline, employers linked to cases and guidance letters.
2. Times, each `--repeat` times after one warm-up call: build_report for this year so far (both
   districts and "all"), build_report for last year for Verden alone, and models.selectors.cases_page's
   first page (newest first, 50 rows, as `case list` and the web list ask). p50 per call, and the
   ratio report / page. Goal: the whole report costs no more than 20 first pages.
3. Before those: the one-off computation of the report's kept rows (every case's facts, state changes
   and persons' spans, migrations 0014 and 0017) that a bulk load leaves to the first report;
   afterwards a report recomputes only the cases and persons marked since (none in 2.).
4. The report for this year when 10 cases got a new step since the last one (a correction of an
   earlier step, as an adviser's day brings): the report recomputes those 10 cases and their persons.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

GOAL_PAGES = 20
CHUNK = 5_000
ACTOR = "bench:report"
GIVEN = ["Olena", "Iryna", "Amal", "Sara", "Daria", "Mehmet", "Farid", "Yusuf", "Nadia", "Omid", "Tetiana", "Hamid"]
COUNTRIES = ["UA"] * 6 + ["SY"] * 3 + ["AF", "AF", "TR", "TR", "IR", "ER", "MD", "IN", "PL", "RO", "XK", None]
PROFESSIONS = ["Krankenschwester", "Apothekerin", "Erzieherin", "Elektriker", "Koch", "Lehrerin", "Friseurin", "Hebamme",
               "Bauingenieur", "Tischler", "Arzt", "Zahnärztin"]
PATH = ["collect", "ready", "submit", "acknowledge", "documents_complete", "assess", "decide", "close"]
STATE_AFTER = {"collect": "collecting_documents", "ready": "ready_to_submit", "submit": "submitted",
               "acknowledge": "acknowledged", "documents_complete": "documents_complete", "assess": "in_assessment",
               "decide": "decided", "close": "closed"}
FUNDING = ["not_recorded", "not_recorded", "jobcenter", "anerkennungszuschuss", "agentur", "self"]


def prepare_environment() -> Path:
    """The temp state folder and the settings that point at it; before any project import."""
    home = Path(tempfile.mkdtemp(prefix="welcome-center-bench-report-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["WELCOME_CENTER_HOME"] = str(home)
    os.environ["WELCOME_CENTER_DATABASE_URL"] = f"sqlite:///{home / 'welcome-center.db'}"
    return home


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        parts = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    print(line(header))
    for row in rows:
        print(line(row))


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def seed(engine, *, count: int, catalogue, today: date, rng: random.Random) -> dict[str, int]:
    """`count` cases with persons, events, deadlines, employers and letters, in chunks of Core inserts."""
    from sqlalchemy import insert

    from domain.lifecycle import possible_outcomes
    from domain.routing import route
    from models import Case, CaseEvent, Deadline, Person
    from models.letter import CaseSme, Letter, Sme
    from services.cases import routing_fields

    routings = {(p, d): routing_fields(route(p, d, catalogue)) for p in PROFESSIONS for d in catalogue.districts}
    first_day = today - timedelta(days=3 * 365)
    totals = {"persons": 0, "cases": 0, "events": 0, "corrections": 0, "deadlines": 0, "links": 0, "letters": 0}
    with engine.begin() as connection:
        sme_ids = connection.execute(insert(Sme.__table__).returning(Sme.__table__.c.id, sort_by_parameter_order=True), [
            {"name": f"Betrieb Beispiel {n}", "postcode": f"{27283 + n % 50}", "created_at": datetime.now(UTC)}
            for n in range(300)]).scalars().all()
    number = 0
    for chunk_start in range(0, count, CHUNK):
        size = min(CHUNK, count - chunk_start)
        persons, cases, plans = [], [], []
        while len(cases) < size:
            number += 1
            district = "verden" if rng.random() < 0.6 else "osterholz"
            persons.append({
                "given_name": rng.choice(GIVEN), "family_name": f"Beispiel-{number}",
                "birth_date": date(1965, 1, 1) + timedelta(days=rng.randint(0, 40 * 365)),
                "sex": rng.choice("ffffmmmd"), "language": "uk", "district": district,
                "receives_buergergeld": rng.random() < 0.5, "lives_abroad": False, "name_changed": False,
                "identity_key": f"bench-{number}", "created_at": datetime.now(UTC),
            })
            for _ in range(2 if rng.random() < 0.15 and len(cases) < size - 1 else 1):
                opened = first_day + timedelta(days=rng.randint(0, 3 * 365))
                created = datetime.combine(opened, datetime.min.time(), UTC) + timedelta(minutes=rng.randint(8 * 60, 16 * 60))
                routing = routings[(rng.choice(PROFESSIONS), district)]
                cases.append({
                    "reference": f"B{'V' if district == 'verden' else 'O'}-{number:07d}-{len(cases) % 2}",
                    "district": district, "profession_text": routing["reference_occupation"] or "Beruf", **routing,
                    "fast_track": False, "eu_training": False, "country_of_training": rng.choice(COUNTRIES),
                    "state": "intake", "outcome": None, "funding_route": rng.choice(FUNDING), "funding_decided_on": None,
                    "created_at": created, "updated_at": created, "last_activity_at": created,
                })
                plans.append((len(persons) - 1, opened, routing))
        with engine.begin() as connection:
            person_ids = connection.execute(insert(Person.__table__).returning(Person.__table__.c.id,
                                                                               sort_by_parameter_order=True), persons).scalars().all()
            events, later = [], []
            for case, (person_index, opened, routing) in zip(cases, plans):
                case["person_id"] = person_ids[person_index]
                day, state, outcome = opened, "intake", None
                depth = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 8])
                withdraw_at = rng.randint(1, 6) if rng.random() < 0.1 else None
                steps = []
                for index, event in enumerate(PATH[:depth]):
                    if event == "submit" and routing["procedure"] is None:
                        break
                    day += timedelta(days=rng.randint(1, 50))
                    if day > today:
                        break
                    if event == "submit" and rng.random() < 0.1:
                        steps.append(("reopen", day, None))
                        day += timedelta(days=rng.randint(1, 20))
                        steps.append(("ready", day, None))
                    if event == "submit" and case["funding_route"] != "not_recorded":
                        case["funding_decided_on"] = day + timedelta(days=rng.randint(-30, 10))
                    if event == "decide":
                        outcome = rng.choice(possible_outcomes(regulated=bool(routing["regulated"]),
                                                               procedure=routing["procedure"])).value
                    steps.append((event, day, outcome if event == "decide" else None))
                    state = STATE_AFTER[event]
                    if withdraw_at == index:
                        day += timedelta(days=rng.randint(1, 30))
                        if day <= today and state not in ("decided", "closed"):
                            steps.append(("withdraw", day, None))
                            state = "withdrawn"
                        break
                case["state"], case["outcome"] = state, outcome
                later.append(steps)
            case_ids = connection.execute(insert(Case.__table__).returning(Case.__table__.c.id, sort_by_parameter_order=True),
                                          cases).scalars().all()
            deadlines, links, letters = [], [], []
            for case_id, case, steps in zip(case_ids, cases, later):
                for event, on, outcome in steps:
                    events.append({"case_id": case_id, "event": event, "occurred_on": on, "outcome": outcome,
                                   "actor": ACTOR, "recorded_at": datetime.now(UTC)})
                    if event == "documents_complete":
                        status = "met" if case["state"] in ("decided", "closed") else "open"
                        deadlines.append({"case_id": case_id, "kind": "decision", "status": status, "start": on,
                                          "due": on + timedelta(days=91), "law": "§ 13 Abs. 3 BQFG", "reason": "bench",
                                          "met_on": None})
                if rng.random() < 0.05:
                    sme_id = rng.choice(sme_ids)
                    links.append({"case_id": case_id, "sme_id": sme_id, "person_agreed_on": None,
                                  "linked_at": case["created_at"] + timedelta(days=rng.randint(0, 200))})
                    if rng.random() < 0.6:
                        letters.append({"case_id": case_id, "case_reference": case["reference"], "kind": "sme_guidance",
                                        "recipient": f"sme:{sme_id}", "sme_id": sme_id, "language": "de", "template": "sme",
                                        "subject": "Anerkennung", "case_state": case["state"], "state_since": 0,
                                        "sha256": f"{case_id:064x}", "size": 1, "path": f"{case['reference']}/letters/x.docx",
                                        "actor": ACTOR, "created_at": case["created_at"] + timedelta(days=rng.randint(0, 300))})
            event_t = CaseEvent.__table__
            event_ids = connection.execute(insert(event_t).returning(event_t.c.id, event_t.c.occurred_on,
                                                                     sort_by_parameter_order=True), events).all()
            corrections = [{**events[i], "occurred_on": on - timedelta(days=1), "corrects_id": event_id,
                            "recorded_at": datetime.now(UTC)}
                           for i, (event_id, on) in enumerate(event_ids) if rng.random() < 0.01]
            for table, rows in ((event_t, corrections), (Deadline.__table__, deadlines), (CaseSme.__table__, links),
                                (Letter.__table__, letters)):
                if rows:
                    connection.execute(insert(table), rows)
        totals["persons"] += len(persons)
        totals["cases"] += len(cases)
        totals["events"] += len(events)
        totals["corrections"] += len(corrections)
        totals["deadlines"] += len(deadlines)
        totals["links"] += len(links)
        totals["letters"] += len(letters)
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return totals


def timed(call, repeat: int) -> tuple[float, object]:
    """Median milliseconds over `repeat` calls after one warm-up call (whose result is returned)."""
    result = call()
    times = []
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def bench_one(url: str, args, *, catalogue, today: date) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    from sqlmodel import Session

    from adapters.database import upgrade
    from models.db import make_engine
    from models.selectors import cases_page
    from services.reports import build_report, refresh_case_facts

    setup = []
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    totals = seed(engine, count=args.cases, catalogue=catalogue, today=today, rng=random.Random(args.seed))
    setup.append((f"seed ({safe_url(url)})", f"{time.perf_counter() - started:.1f} s",
                  ", ".join(f"{value:,} {key}" for key, value in totals.items())))

    def page():
        with Session(engine) as session:
            return cases_page(session, today=today, sort="created", descending=True, per_page=50)

    year_start, last_year = date(today.year, 1, 1), today.year - 1
    started = time.perf_counter()
    recomputed = refresh_case_facts(engine)  # after a bulk load: every case's milestones, once
    facts_ms = (time.perf_counter() - started) * 1000
    page_ms, first = timed(page, args.repeat)
    this_year_ms, this_year = timed(lambda: build_report(engine, start=year_start, end=today, today=today,
                                                         catalogue=catalogue), args.repeat)
    last_year_ms, _ = timed(lambda: build_report(engine, start=date(last_year, 1, 1), end=date(last_year, 12, 31),
                                                 district="verden", today=today, catalogue=catalogue), args.repeat)
    # 4. ten cases with a new step (a correction of one of their steps, one day later) before each call
    from sqlalchemy import insert, select

    from models import CaseEvent

    events = CaseEvent.__table__
    with engine.connect() as connection:
        candidates = connection.execute(select(events).where(events.c.corrects_id.is_(None)).limit(5_000)).mappings().all()
    picker = random.Random(args.seed)

    def ten_steps_then_report():
        with engine.begin() as connection:
            connection.execute(insert(events), [
                {**{key: value for key, value in row.items() if key != "id"}, "corrects_id": row["id"],
                 "occurred_on": row["occurred_on"] + timedelta(days=1), "recorded_at": datetime.now(UTC)}
                for row in picker.sample(candidates, 10)])
        return build_report(engine, start=year_start, end=today, today=today, catalogue=catalogue)

    after_steps_ms, _ = timed(ten_steps_then_report, args.repeat)
    name = f"SQLite {sqlite3.sqlite_version}" if engine.dialect.name == "sqlite" else "PostgreSQL"
    figures = this_year.as_json(internal=True)["districts"]["all"]
    rows = [
        (name, "cases_page first page (50 rows)", f"{page_ms:,.1f}", "1.0", "", f"{len(first.rows)} rows"),
        (name, f"report {year_start:%d.%m.%Y}–{today:%d.%m.%Y}, both districts", f"{this_year_ms:,.1f}",
         f"{this_year_ms / page_ms:,.1f}", "ok" if this_year_ms <= GOAL_PAGES * page_ms else "MISSED",
         f"{figures['persons']:,} persons, {figures['cases_opened']:,} opened, {sum(figures['decisions'].values()):,} decisions"),
        (name, "report rows of every case and person, once after the bulk load", f"{facts_ms:,.1f}",
         f"{facts_ms / page_ms:,.1f}", "", f"{recomputed:,} cases (later: only the cases with a new step)"),
        (name, "report this year after 10 cases got a new step (incl. writing the steps)", f"{after_steps_ms:,.1f}",
         f"{after_steps_ms / page_ms:,.1f}", "ok" if after_steps_ms <= GOAL_PAGES * page_ms else "MISSED",
         "recomputes those cases and their persons"),
        (name, f"report {last_year}, Verden", f"{last_year_ms:,.1f}", f"{last_year_ms / page_ms:,.1f}",
         "ok" if last_year_ms <= GOAL_PAGES * page_ms else "MISSED", ""),
    ]
    engine.dispose()
    return rows, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000, help="cases seeded")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls of each (median)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=None, metavar="URL", help="also on this (empty, throwaway) PostgreSQL database")
    args = parser.parse_args()
    home = prepare_environment()
    load_at_start = os.getloadavg()[0]

    from adapters.catalogue import load_catalogue
    from welcome_center.cli.console import today as berlin_today

    catalogue = load_catalogue()
    today = berlin_today()
    rows, setup = [], []
    for url in [os.environ["WELCOME_CENTER_DATABASE_URL"], *([args.postgres] if args.postgres else [])]:
        measured, prepared = bench_one(url, args, catalogue=catalogue, today=today)
        rows += measured
        setup += prepared

    print(f"welcome-center bench/report.py: {args.cases:,} cases, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at end; state folder {home} (removed at exit)")
    print()
    print_table(("database", "measure", "p50 ms", "ratio to first page", f"goal ≤ {GOAL_PAGES} pages", "detail"), rows,
                right={2, 3})
    print()
    print_table(("setup (not measured above)", "time", "detail"), setup, right={1})


if __name__ == "__main__":
    main()
