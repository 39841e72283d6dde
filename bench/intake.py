"""CSV import rate, inbox intake rate and `case list` latency; prints tables, asserts nothing.

    python bench/intake.py [--rows 10000] [--files 2000] [--flow-files 2000] [--hostile-share 0.1]
                           [--cases 100000] [--repeat 50] [--seed 7] [--database-url URL] [--skip-flow]

Everything happens in a throwaway state folder (tempfile.mkdtemp, removed at the end): the SQLite
database, the inbox, the case folders, the quarantine and Prefect's home. data/local/ is never
touched. With `--database-url` (e.g. an empty PostgreSQL database created for the purpose) the
tables go there instead; the run adds rows it cannot remove (the audit trail refuses DELETE), so
give it a database you can drop afterwards.

1. Import: N invented persons (welcome_center.demo.invent_people) written as German Excel writes
   "CSV UTF-8" (semicolons, BOM), then the CLI's path: parse_import, import_table in one Session,
   commit. The database is migrated first (adapters.database.upgrade), as `db upgrade` does.
2. Intake: consent recorded for the persons of the cases that get files, then M small files (PDF,
   JPEG, PNG; different content each, 1–4 per case) in inbox/<reference>/, a share of them hostile
   (`--hostile-share`, default a tenth: a name that is not UTF-8, a named pipe, a 254-byte name with
   a program inside, a newline, ESC or U+202E in the name, a PDF with JavaScript, a truncated PDF, a
   program named .pdf, a symlink; in turn); timed: scan_inbox and take_in over batches of 200 (the
   plain function the Prefect task wraps). Then the real Prefect flow intake_flow on a second set
   with the same mix: a no-op flow runs first, so the temporary server's start-up is shown apart
   from the flow's own time. The files were written a moment before and are closed, so both run
   with no settle time (`settle_seconds=0`); with the default 10 s they would all wait.
3. case list: C cases seeded with Core bulk inserts (person, recognition_case, deadline; both
   districts, mixed states, ~60 % with an open deadline within ±120 days of today), then
   models.selectors.cases_page (what `case list` and the web list call) for four variants, each R times after one warm-up call, in a new
   Session each time; p50 and p95. A variant over its goal gets its query plan printed. SQLite is
   not ANALYZEd (the project never does); PostgreSQL is, as its autovacuum would be.
"""

from __future__ import annotations

import argparse
import atexit
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

IMPORT_GOAL = 2_000  # rows/s on SQLite
INTAKE_GOAL = 200  # files/s
LIST_GOAL_MS = 50.0  # p95
BATCH = 200  # files per take_in call, as intake_flow's default batch_size
SEED_CHUNK = 5_000
ACTOR = "bench:intake"

# What an adviser finds in a case folder: (name, kind); DOCX is left out (python-docx is slow to
# build and would measure the sample maker, not the intake).
FILE_NAMES = [
    ("Lebenslauf.pdf", "pdf"), ("Diplom.pdf", "pdf"), ("Übersetzung_Diplom_beglaubigt.pdf", "pdf"),
    ("Reisepass.jpg", "jpeg"), ("Fächerübersicht.png", "png"), ("Meldebescheinigung.pdf", "pdf"),
    ("Arbeitszeugnis.pdf", "pdf"), ("Geburtsurkunde.jpg", "jpeg"), ("Zeugnis_Seite2.png", "png"),
]


def prepare_environment(args) -> Path:
    """The temp state folder and the settings that point at it; before any project import."""
    home = Path(tempfile.mkdtemp(prefix="welcome-center-bench-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)  # registered first: runs after Prefect's own exit hooks
    os.environ["WELCOME_CENTER_HOME"] = str(home)
    if args.database_url:
        os.environ["WELCOME_CENTER_DATABASE_URL"] = args.database_url
    else:
        # the embedded default, but in the temp folder; set rather than unset so that a .env file in
        # the working directory cannot point the run at another database
        os.environ["WELCOME_CENTER_DATABASE_URL"] = f"sqlite:///{home / 'welcome-center.db'}"
    os.environ["PREFECT_HOME"] = str(home / "prefect")
    from adapters.prefect_setup import configure_prefect

    configure_prefect(home)
    return home


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def verdict(value: float, goal: float, *, at_least: bool) -> str:
    ok = value >= goal if at_least else value <= goal
    return "ok" if ok else "MISSED"


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


# ------------------------------------------------------------------------------------------ 1. import


def bench_import(args, *, url: str, engine, catalogue, home: Path, today: date, rows: list):
    from sqlmodel import Session

    from domain.csvfile import parse_import
    from domain.routing import route
    from services.importing import import_table, parse_row
    from welcome_center.demo.population import invent_people, write_csv

    rng = random.Random(args.seed)
    people = invent_people(args.rows, rng, today)
    path = home / "import" / "faelle.csv"
    data = write_csv(people, path)

    started = time.perf_counter()
    table = parse_import(path.read_bytes(), file_name=path.name)
    parsed = time.perf_counter()
    report = import_table(engine, table=table, catalogue=catalogue, today=today, actor=ACTOR)  # commits per chunk
    finished = time.perf_counter()
    total, parse_s, store_s = finished - started, parsed - started, finished - parsed

    validate_started = time.perf_counter()  # the validation inside import_table, re-run apart
    for raw in table.rows:
        parse_row(raw, today=today, districts=list(catalogue.districts), countries=catalogue.countries)
    validate_s = time.perf_counter() - validate_started
    routing_started = time.perf_counter()  # the routing inside it, re-run apart (memo warm)
    for raw in table.rows:
        route(raw.values["profession"], raw.values["district"].lower(), catalogue)
    routing_s = time.perf_counter() - routing_started
    database_s = max(store_s - validate_s - routing_s, 1e-9)

    rate = len(table.rows) / total
    rows += [
        (f"import {len(table.rows):,} rows", f"{rate:,.0f} rows/s", f"≥ {IMPORT_GOAL:,} {verdict(rate, IMPORT_GOAL, at_least=True)}",
         f"{total:.2f} s: parse + import_table (commits per chunk of 500); {report.imported_count:,} imported, {report.skipped_count} skipped, "
         f"{report.refused_row_count} refused; file {len(data) / 1024:,.0f} KiB"),
        ("  parse_import", f"{parse_s * 1000:,.0f} ms", "", f"{len(table.rows) / parse_s:,.0f} rows/s"),
        ("  validate (in import_table)", f"{validate_s * 1000:,.0f} ms", "", "services.importing.parse_row × N, re-run apart"),
        ("  database (in import_table)", f"{database_s * 1000:,.0f} ms", "",
         f"{len(table.rows) / database_s:,.0f} rows/s: persons, reference blocks, cases, audit rows in set inserts; "
         f"routing ≈ {routing_s * 1000:,.0f} ms (re-run apart, taken out)"),
    ]
    return report


# ------------------------------------------------------------------------------------------ 2. intake


def distinct_jpeg(number: int) -> bytes:
    """samples.jpeg() with one more comment segment after SOI, so that every JPEG differs."""
    import struct

    from welcome_center.demo import samples

    base = samples.jpeg()
    comment = f"bench {number}".encode()
    return base[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + base[2:]


HOSTILE_KINDS = (
    "name not UTF-8", "named pipe", "254-byte name, program inside", "newline in name", "ESC in name",
    "U+202E in name", "PDF with JavaScript", "truncated PDF", "program named .pdf", "symlink",
)


def hostile_pdf(text: str, *, javascript: bool = False) -> bytes:
    """A one-page PDF with a correct cross-reference table; with `javascript` it runs a script on opening."""
    from welcome_center.demo import samples

    return samples.pdf_with_javascript(text) if javascript else samples.pdf(text)


def drop_hostile(folder: Path, number: int) -> str:
    """One hostile file, of the kind `number` picks in turn; its kind."""
    from welcome_center.demo import samples

    kind = HOSTILE_KINDS[number % len(HOSTILE_KINDS)]
    tag = str(number)
    raw_folder = os.fsencode(folder)
    if kind == "named pipe":
        os.mkfifo(folder / f"Pipe_{tag}.pdf")
        return kind
    if kind == "symlink":
        os.symlink("/etc/hostname", folder / f"Verknuepfung_{tag}.pdf")
        return kind
    letters = (250 - len(tag)) // 2
    long_name = (("Диплом" * 42)[:letters] + "_" * (250 - 2 * letters - len(tag)) + tag + ".pdf").encode()
    name, content = {
        "name not UTF-8": (b"Zeugnis_f\xfcr_%s.pdf" % tag.encode(), samples.pdf(f"Umlaut {tag}")),
        "254-byte name, program inside": (long_name, samples.executable() + tag.encode()),
        "newline in name": (b"Zeugnis_%s.pdf: accepted\n  Lebenslauf.pdf" % tag.encode(), samples.pdf(f"Zeile {tag}")),
        "ESC in name": (b"Zeugnis_%s\x1b[2J\x1b[31m.pdf" % tag.encode(), samples.pdf(f"ESC {tag}")),
        "U+202E in name": (f"Rechnung_{tag}\u202efdp.exe".encode(), samples.pdf(f"Bidi {tag}")),
        "PDF with JavaScript": (f"Diplom_js_{tag}.pdf".encode(), hostile_pdf(tag, javascript=True)),
        "truncated PDF": (f"Zeugnis_halb_{tag}.pdf".encode(), hostile_pdf(tag)[:200]),
        "program named .pdf": (f"Diplom_{tag}.pdf".encode(), samples.executable() + tag.encode()),
    }[kind]
    with open(os.path.join(raw_folder, name), "wb") as out:
        out.write(content)
    return kind


def drop_files(inbox: Path, references: list[str], count: int, rng: random.Random, counter: list[int],
               hostile_share: float = 0.0, kinds: Counter | None = None) -> tuple[int, list[str]]:
    """`count` files, 1–4 per case, for the cases in `references` in order (fewer when they run out);
    every 1/`hostile_share`-th file a hostile one (`drop_hostile`), counted by kind in `kinds`."""
    from welcome_center.demo import samples

    every = round(1 / hostile_share) if hostile_share > 0 else 0
    dropped, used = 0, []
    for reference in references:
        if dropped >= count:
            break
        folder = inbox / reference
        folder.mkdir(parents=True, exist_ok=True)
        for name, kind in rng.sample(FILE_NAMES, min(rng.randint(1, 4), count - dropped)):
            counter[0] += 1
            number = counter[0]
            if every and number % every == 0:
                hostile = drop_hostile(folder, number // every)
                if kinds is not None:
                    kinds[hostile] += 1
                dropped += 1
                continue
            if kind == "pdf":
                content = samples.pdf(f"Muster {reference} {name} {number}")
            elif kind == "png":
                content = samples.png(1 + number % 97, 1 + number // 97)
            else:
                content = distinct_jpeg(number)
            (folder / name).write_bytes(content)
            dropped += 1
        used.append(reference)
    return dropped, used


def record_consents(engine, references: list[str], today: date) -> None:
    from sqlmodel import select

    from models import Case, Person
    from models.db import session_scope
    from services.cases import record_consent

    with session_scope(engine) as session:
        for start in range(0, len(references), 500):
            chunk = references[start : start + 500]
            for case in session.exec(select(Case).where(Case.reference.in_(chunk))).all():
                person = session.get(Person, case.person_id)
                record_consent(session, person=person, given_on=today - timedelta(days=30), given_by="person", actor=ACTOR)


def prepare_inboxes(args, *, engine, settings, home: Path, today: date, references: list[str], setup: list) -> tuple[int, Path, int]:
    """The take_in set in inbox/, the flow's set in a second inbox folder (other cases), consent for both."""
    rng = random.Random(args.seed + 1)
    pool = list(references)
    rng.shuffle(pool)
    counter = [0]
    started = time.perf_counter()
    kinds: Counter = Counter()
    dropped, used = drop_files(settings.inbox_dir, pool, args.files, rng, counter, args.hostile_share, kinds)
    flow_inbox = home / "inbox-flow"
    flow_dropped, flow_used = 0, []
    if not args.skip_flow and args.flow_files > 0:
        flow_dropped, flow_used = drop_files(flow_inbox, pool[len(used):], args.flow_files, rng, counter,
                                             args.hostile_share, kinds)
    drop_s = time.perf_counter() - started
    setup.append(("drop files", f"{drop_s:.2f} s",
                  f"{dropped:,} + {flow_dropped:,} (flow) files into {len(used):,} + {len(flow_used):,} case folders; "
                  f"{sum(kinds.values()):,} hostile: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))))
    started = time.perf_counter()
    record_consents(engine, used + flow_used, today)
    setup.append(("record consent", f"{time.perf_counter() - started:.2f} s",
                  f"{len(used) + len(flow_used):,} persons, record_consent in one transaction"))
    return dropped, flow_inbox, flow_dropped


def bench_take_in(*, engine, settings, rows: list) -> None:
    from flows import batches
    from services.intake import scan_inbox, take_in
    from adapters.rules import load_checklist_rules

    rules = load_checklist_rules()
    started = time.perf_counter()
    files = scan_inbox(settings.inbox_dir)
    scanned = time.perf_counter()
    outcomes = []
    batch_times = []
    for batch in batches(files, BATCH):
        t = time.perf_counter()
        outcomes.extend(
            take_in(batch, engine=engine, cases_dir=settings.cases_dir, quarantine_dir=settings.quarantine_dir,
                    rules=rules, max_bytes=settings.max_file_bytes, settle_seconds=0)
        )
        batch_times.append(time.perf_counter() - t)
    finished = time.perf_counter()
    total = finished - started
    rate = len(files) / total if total else 0.0
    counts = Counter(o.outcome for o in outcomes)
    rows.append((
        f"intake {len(files):,} files (take_in)", f"{rate:,.0f} files/s", f"≥ {INTAKE_GOAL} {verdict(rate, INTAKE_GOAL, at_least=True)}",
        f"{total:.2f} s: scan_inbox {(scanned - started) * 1000:,.0f} ms + take_in {finished - scanned:.2f} s "
        f"({len(batch_times)} batches of ≤ {BATCH}, median {statistics.median(batch_times or [0]) * 1000:,.0f} ms each); "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())),
    ))


def bench_flow(*, flow_inbox: Path, flow_dropped: int, rows: list) -> None:
    from prefect import flow

    from flows.intake import intake_flow

    @flow(name="bench-noop")
    def noop() -> None:
        return None

    started = time.perf_counter()
    noop()
    startup_s = time.perf_counter() - started
    started = time.perf_counter()
    noop()
    overhead_s = time.perf_counter() - started
    mode = f"server {os.environ['PREFECT_API_URL']}" if os.environ.get("PREFECT_API_URL") else "temporary server"
    rows.append(("Prefect start-up (once)", f"{startup_s:,.2f} s", "",
                 f"first no-op flow run ({mode}); a second no-op run took {overhead_s * 1000:,.0f} ms"))

    started = time.perf_counter()
    outcomes = intake_flow(inbox=str(flow_inbox), settle_seconds=0)
    flow_s = time.perf_counter() - started
    counts = Counter(o.outcome for o in outcomes)
    rate = len(outcomes) / flow_s if flow_s else 0.0
    rows.append((
        f"intake_flow {flow_dropped:,} files", f"{rate:,.0f} files/s", f"≥ {INTAKE_GOAL} {verdict(rate, INTAKE_GOAL, at_least=True)}",
        f"{flow_s:.2f} s end to end, server already up: scan task, {math.ceil(flow_dropped / BATCH)} take-in tasks, "
        "report task; " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())),
    ))


# ------------------------------------------------------------------------------------------ 3. case list

# (state, kind of its open deadline or None, weight); ~60 % of the weight has an open deadline
WITH_OPEN_DEADLINE = [
    ("collecting_documents", "person", 25), ("acknowledged", "person", 5), ("submitted", "acknowledgement", 12),
    ("documents_complete", "decision", 6), ("in_assessment", "decision", 12),
]
WITHOUT_OPEN_DEADLINE = [
    ("intake", None, 14), ("ready_to_submit", None, 5), ("suspended", "decision", 3), ("decided", "decision", 8),
    ("closed", "decision", 5), ("withdrawn", None, 5),
]
LAW = {
    "person": "Frist der Beratung (Welcome Center)",
    "acknowledgement": "§ 6 Abs. 2 / § 13 Abs. 2 BQFG",
    "decision": "§ 6 Abs. 3 / § 13 Abs. 3 BQFG",
}
PERIOD_DAYS = {"person": 21, "acknowledgement": 30, "decision": 91}
OUTCOMES = ["full_equivalence", "partial_equivalence", "compensation_measure", "no_equivalence"]


def seed_cases(engine, *, count: int, catalogue, today: date, rng: random.Random) -> dict[str, int]:
    """`count` persons, their cases and deadlines, with Core executemany in chunks."""
    from sqlalchemy import func, insert, select

    from domain.routing import route
    from models import Case, Deadline, Person
    from services.cases import routing_fields
    from welcome_center.demo.population import ORIGINS, PROFESSIONS

    person_t, case_t, deadline_t = Person.__table__, Case.__table__, Deadline.__table__
    with engine.connect() as connection:
        seen = {tuple(r) for r in connection.execute(select(person_t.c.given_name, person_t.c.family_name, person_t.c.birth_date))}
        numbers: Counter = Counter()
        for (reference,) in connection.execute(select(case_t.c.reference)):
            prefix, year, number = reference.split("-")
            numbers[(prefix, int(year))] = max(numbers[(prefix, int(year))], int(number))

    routings = {}
    for origin, professions in PROFESSIONS.items():
        for profession in professions:
            for district in catalogue.districts:
                routings[(profession, district)] = route(profession, district, catalogue)
    origins = list(ORIGINS)
    weights = [ORIGINS[o][4] for o in origins]
    first_day = today - timedelta(days=3 * 365)
    totals = Counter()

    for chunk_start in range(0, count, SEED_CHUNK):
        size = min(SEED_CHUNK, count - chunk_start)
        persons, cases, plans = [], [], []
        for i in range(size):
            origin = rng.choices(origins, weights)[0]
            female_names, male_names, family_names, languages, _ = ORIGINS[origin]
            female = rng.random() < 0.66
            while True:
                given, family = rng.choice(female_names if female else male_names), rng.choice(family_names)
                birth = today - timedelta(days=rng.randint(18 * 365, 60 * 365))
                if (given, family, birth) not in seen:
                    seen.add((given, family, birth))
                    break
            district = "verden" if rng.random() < 0.6 else "osterholz"
            created = datetime.combine(first_day + timedelta(days=(chunk_start + i) * 3 * 365 // count), datetime.min.time(), UTC) \
                + timedelta(minutes=rng.randint(8 * 60, 17 * 60))
            persons.append({
                "given_name": given, "family_name": family, "birth_date": birth, "sex": "f" if female else "m",
                "language": rng.choice(languages), "email": f"seed{chunk_start + i}@example.org" if rng.random() < 0.6 else None,
                "phone": f"0151 {rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else None, "district": district,
                "receives_buergergeld": rng.random() < 0.5, "arrival_date": None, "lives_abroad": False,
                "name_changed": rng.random() < 0.1, "created_at": created,
            })
            has_open = rng.random() < 0.6
            choices = WITH_OPEN_DEADLINE if has_open else WITHOUT_OPEN_DEADLINE
            state, kind, _ = rng.choices(choices, [w for *_, w in choices])[0]
            prefix = catalogue.districts[district].reference_prefix
            numbers[(prefix, created.year)] += 1
            routing = routings[(rng.choice(PROFESSIONS[origin]), district)]
            cases.append({
                "reference": f"{prefix}-{created.year}-{numbers[(prefix, created.year)]:06d}",
                "district": district, "profession_text": routing.query,
                **routing_fields(routing),
                "fast_track": rng.random() < 0.05, "eu_training": False, "country_of_training": origin,
                "state": state, "outcome": rng.choice(OUTCOMES) if state in ("decided", "closed") else None,
                "funding_route": "not_recorded", "funding_decided_on": None, "adviser_id": None,
                "created_at": created, "updated_at": created, "last_activity_at": created,
            })
            due = (today + timedelta(days=rng.randint(-120, 120))) if has_open else (today - timedelta(days=rng.randint(30, 700)))
            cases[-1]["next_due"] = due if (has_open and kind is not None) else None  # as services._store_deadlines keeps it
            plans.append((state, kind, has_open, due))

        with engine.begin() as connection:
            person_ids = connection.execute(insert(person_t).returning(person_t.c.id, sort_by_parameter_order=True), persons).scalars().all()
            for case, person_id in zip(cases, person_ids):
                case["person_id"] = person_id
            case_ids = connection.execute(insert(case_t).returning(case_t.c.id, sort_by_parameter_order=True), cases).scalars().all()
            deadlines = []
            for case_id, (state, kind, has_open, due) in zip(case_ids, plans):
                if kind is None:
                    continue
                if has_open:
                    status, met_on = "open", None
                else:
                    status = {"suspended": "paused", "withdrawn": "cancelled"}.get(state, "met")
                    met_on = due - timedelta(days=rng.randint(0, 20)) if status == "met" else None
                start = due - timedelta(days=PERIOD_DAYS[kind])
                deadlines.append({"case_id": case_id, "kind": kind, "status": status, "start": start,
                                  "due": None if status == "paused" else due, "law": LAW[kind],
                                  "reason": f"{LAW[kind]}: Frist ab {start:%d.%m.%Y}", "met_on": met_on})
                if kind == "decision" and rng.random() < 0.9:  # the acknowledgement came before, and was met
                    ack_due = start - timedelta(days=rng.randint(10, 60))
                    deadlines.append({"case_id": case_id, "kind": "acknowledgement", "status": "met",
                                      "start": ack_due - timedelta(days=30), "due": ack_due, "law": LAW["acknowledgement"],
                                      "reason": f"{LAW['acknowledgement']}", "met_on": ack_due - timedelta(days=rng.randint(0, 25))})
            if deadlines:
                connection.execute(insert(deadline_t), deadlines)
        totals["persons"] += len(persons)
        totals["cases"] += len(cases)
        totals["deadlines"] += len(deadlines)
        totals["open"] += sum(1 for d in deadlines if d["status"] == "open")

    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.begin() as connection:
            connection.execute(text("ANALYZE person, recognition_case, deadline"))
    with engine.connect() as connection:
        totals["cases in table"] = connection.execute(select(func.count()).select_from(case_t)).scalar_one()
    return totals


def explain(engine, statement: str, parameters) -> list[str]:
    """The database's plan for the exact statement cases_page sent."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            depth = {0: -1}
            lines = []
            for node, parent, _, detail in plan:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return lines
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
        return [row[0] for row in plan]


def bench_case_list(args, *, engine, catalogue, today: date, rows: list, setup: list) -> list[tuple[str, str, list[str]]]:
    from sqlalchemy import event
    from sqlmodel import Session

    from domain.lifecycle import CaseState
    from models.selectors import cases_page, state_counts

    started = time.perf_counter()
    totals = seed_cases(engine, count=args.cases, catalogue=catalogue, today=today, rng=random.Random(args.seed + 2))
    seed_s = time.perf_counter() - started
    setup.append((
        "seed cases (Core inserts)", f"{seed_s:.2f} s",
        f"{totals['persons']:,} persons, {totals['cases']:,} cases, {totals['deadlines']:,} deadlines "
        f"({totals['open']:,} open); {totals['cases in table']:,} cases in the table",
    ))

    newest = {"sort": "created", "descending": True, "per_page": 50, "today": today}  # as `case list` asks
    variants = [
        ("first page (limit 50)", newest),
        ("--district osterholz", {**newest, "district": "osterholz"}),
        ("--state collecting_documents", {**newest, "state": CaseState.COLLECTING_DOCUMENTS.value}),
        (f"--overdue (on {today})", {"sort": "next_due", "overdue": True, "per_page": 50, "today": today}),
    ]
    captured: list = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    missed = []
    for name, kwargs in variants:
        event.listen(engine, "before_cursor_execute", capture)
        with Session(engine) as session:  # warm-up, and the statement for EXPLAIN
            found = cases_page(session, **kwargs).rows
        event.remove(engine, "before_cursor_execute", capture)
        statement, parameters = captured[-1]
        times = []
        for _ in range(max(1, args.repeat)):
            t = time.perf_counter()
            with Session(engine) as session:
                cases_page(session, **kwargs)
            times.append((time.perf_counter() - t) * 1000)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        check = verdict(p95, LIST_GOAL_MS, at_least=False)
        rows.append((f"cases_page {name}", f"{p50:,.1f}", f"{p95:,.1f}", f"≤ {LIST_GOAL_MS:.0f} {check}", f"{len(found)} rows"))
        if check != "ok":
            missed.append((name, statement, explain(engine, statement, parameters)))

    times = []
    for _ in range(max(1, args.repeat)):
        t = time.perf_counter()
        with Session(engine) as session:
            state_counts(session)
        times.append((time.perf_counter() - t) * 1000)
    rows.append(("state_counts (the CLI's totals line)", f"{statistics.median(times):,.1f}", f"{percentile(times, 0.95):,.1f}",
                 "", "`case list` runs it after cases_page"))
    return missed


# ------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the import file")
    parser.add_argument("--files", type=int, default=2_000, help="inbox files for take_in")
    parser.add_argument("--flow-files", type=int, default=2000, help="inbox files for the Prefect flow")
    parser.add_argument("--hostile-share", type=float, default=0.1, help="share of hostile inbox files (0 to 1)")
    parser.add_argument("--cases", type=int, default=100_000, help="cases seeded for case list")
    parser.add_argument("--repeat", type=int, default=50, help="calls of each case-list variant (p50, p95)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in the temp folder")
    parser.add_argument("--skip-flow", action="store_true", help="no Prefect flow run (and no temporary server)")
    args = parser.parse_args()
    home = prepare_environment(args)
    load_at_start = os.getloadavg()[0]

    import sqlite3

    from models.db import make_engine
    from adapters.catalogue import load_catalogue
    from adapters.rules import load_checklist_rules
    from welcome_center.cli.console import today as berlin_today
    from adapters.database import upgrade
    from adapters.settings import get_settings

    settings = get_settings()
    url = settings.database_url
    today = berlin_today()
    setup: list[tuple[str, str, str]] = []

    started = time.perf_counter()
    upgrade(url)
    setup.append(("db upgrade (Alembic)", f"{time.perf_counter() - started:.2f} s", safe_url(url)))
    started = time.perf_counter()
    catalogue = load_catalogue()
    load_checklist_rules()
    setup.append(("catalogue + checklists", f"{time.perf_counter() - started:.2f} s", f"{len(catalogue.professions)} professions"))
    engine = make_engine(url)

    rows: list[tuple[str, ...]] = []
    report = bench_import(args, url=url, engine=engine, catalogue=catalogue, home=home, today=today, rows=rows)
    references = [item.reference for item in report.imported]
    _, flow_inbox, flow_dropped = prepare_inboxes(args, engine=engine, settings=settings, home=home, today=today,
                                                  references=references, setup=setup)
    bench_take_in(engine=engine, settings=settings, rows=rows)
    if flow_dropped:
        bench_flow(flow_inbox=flow_inbox, flow_dropped=flow_dropped, rows=rows)
    list_rows: list[tuple[str, ...]] = []
    missed = bench_case_list(args, engine=engine, catalogue=catalogue, today=today, rows=list_rows, setup=setup) if args.cases > 0 else []

    engine_name = f"SQLite {sqlite3.sqlite_version}" if engine.dialect.name == "sqlite" else engine.dialect.name
    print(f"welcome-center bench/intake.py: {engine_name}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at end; state folder {home} (removed at exit)")
    print()
    print_table(("measure", "figure", "goal", "detail"), rows, right={1})
    if list_rows:
        print()
        print_table(("case list at " + f"{args.cases:,} seeded cases", "p50 ms", "p95 ms", "goal (p95)", "detail"),
                    list_rows, right={1, 2})
    print()
    print_table(("setup (not measured above)", "time", "detail"), setup, right={1})
    for name, statement, plan in missed:
        print()
        print(f"query plan for cases_page {name} (p95 over {LIST_GOAL_MS:.0f} ms):")
        print("  " + " ".join(statement.split()))
        for line in plan:
            print("    " + line)


if __name__ == "__main__":
    main()
