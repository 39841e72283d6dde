"""The daily reminder run at scale: selection time, mails/s, the Prefect flow end to end, and how the
run time grows with the number of cases when the due items stay the same. Prints tables, asserts nothing.

    python bench/reminders.py [--sizes 10000,30000,100000] [--due 3000] [--near 1000]
                              [--suspended-share 0.02] [--repeat 3] [--batch-size 200] [--seed 7]
                              [--database-url URL] [--skip-flow] [--profile]

"Today" is Wednesday 25.11.2026, a working day in Lower Saxony, passed as `on` everywhere.

Seeding (SQLAlchemy Core executemany in chunks of 5,000; the database is migrated first). The cases
are seeded in stages, one per size: the first stage holds the due items, the near misses and the
first background cases; each later stage adds background cases only, so every size has the SAME due
items. All cases are open (not closed or withdrawn), in both districts, with persons invented from
the demo's origins (names, languages, e-mail for ~60 %), advisers for ~70 % of the cases.

- due: about D reminders (`--due`): acknowledgement overdue, decision overdue, decision due within
  14 days, person deadline with documents missing (person and adviser, or person only), inactive for
  more than 6 weeks, appointment tomorrow, suspension ending in 3 days;
- near misses (`--near`, fixed): open deadlines and appointments inside the selection's window but
  not due today; they are read and judged, and send nothing;
- background: open deadlines 22–120 days ahead (outside the window), met deadlines, no deadline yet,
  recent activity (0–35 days ago), some appointments long past or far ahead; `--suspended-share` of
  them suspended (Hemmung) until 1–6 months ahead, as in a real caseload; that share grows with the
  cases.

Measures, each on a fresh copy of the seeded SQLite file (shutil.copyfile; on PostgreSQL the outbox
is emptied instead), so that every run starts with an empty outbox:
1. selection alone: flows.reminders.select_due with the real rules, checklists and mail composer,
   the median of `--repeat` runs, with the time inside its parts (candidate query, loading the
   facts, the rules, writing the outbox; composing is the rest);
2. sending alone, once at the largest size on the last selection's copy: send_batch in batches of
   `--batch-size` until nothing is left, over SMTP to an aiosmtpd server on 127.0.0.1 that only
   counts (in a child process, as a mail server is not in the sender's process);
3. the Prefect flow reminders_flow(on=today) end to end on the same data. A no-op flow runs first:
   the temporary Prefect server's start-up is shown once, apart. Prefect's overhead is the flow run
   minus (selection + sending as plain functions); shown also in CPU seconds of all processes, and
   as the flow run minus the time spent inside select_due and send_batch during that same run (the
   figure that a busy machine disturbs least). The growth table shows the latter for every size.
`--profile` adds cProfile listings of one selection, one sending and one flow run at the largest size.

Everything lives in a throwaway state folder (tempfile.mkdtemp, removed at the end), Prefect's
home included. With `--database-url` (an EMPTY PostgreSQL database created for the purpose) the cases
go there; the run cannot remove them, so drop the database afterwards.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import multiprocessing
import os
import pstats
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TODAY = date(2026, 11, 25)  # a Wednesday; no public holiday in Lower Saxony
BERLIN = ZoneInfo("Europe/Berlin")
FLOW_GOAL_S = 10.0  # the flow run over 100k open cases, on SQLite
OVERHEAD_GOAL = 0.10  # Prefect's share of the flow run
GROWTH_GOAL = 1.5  # selection at the largest size ÷ at the smallest, due items fixed (our reading of "grows with due items")
SEED_CHUNK = 5_000
ACTOR = "bench:reminders"

LAW = {
    "person": "Frist der Beratung (Welcome Center)",
    "acknowledgement": "§ 6 Abs. 2 / § 13 Abs. 2 BQFG",
    "decision": "§ 6 Abs. 3 / § 13 Abs. 3 BQFG",
}
PERIOD_DAYS = {"person": 21, "acknowledgement": 30, "decision": 91}
PLACES = {
    "verden": ["Welcome Center Verden, Lindhooper Str. 67, Raum 112", "Jobcenter Verden, Beratungsraum 3"],
    "osterholz": ["Welcome Center Osterholz, Osterholzer Str. 23, Raum 2", "Rathaus Lilienthal, Sprechstunde"],
}

# The due items: (plan, share of the due reminders, reminders per case). Every due case has recent
# activity, so that the inactivity rule adds nothing to it.
DUE_PLANS = [
    ("acknowledgement_overdue", 0.20, 1),
    ("decision_overdue", 0.10, 1),
    ("decision_due_soon", 0.15, 1),
    ("documents_missing person+adviser", 0.20, 2),
    ("documents_missing person", 0.10, 1),
    ("case_inactive", 0.15, 1),
    ("appointment_person", 0.07, 1),
    ("suspension_ending", 0.03, 1),
]
NEAR_PLANS = ["acknowledgement ahead", "decision 15–21 days ahead", "person deadline 8–21 days ahead", "appointment 2–20 days ahead"]
# Background (state, kind of the open deadline or None, weight); their open deadlines lie 22–120 days ahead.
BACKGROUND = [
    ("intake", None, 12), ("collecting_documents", "person", 22), ("ready_to_submit", None, 6),
    ("submitted", "acknowledgement", 12), ("acknowledged", "person", 6), ("documents_complete", "decision", 8),
    ("in_assessment", "decision", 20), ("decided", None, 8),
]


# ------------------------------------------------------------------------------------------ setting up


def prepare_environment(args) -> Path:
    """The temp state folder and the settings that point at it; before any project import."""
    home = Path(tempfile.mkdtemp(prefix="welcome-center-bench-reminders-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)  # registered first: runs after Prefect's own exit hooks
    os.environ["WELCOME_CENTER_HOME"] = str(home)
    # set rather than unset, so that a .env file in the working directory cannot point the run elsewhere
    os.environ["WELCOME_CENTER_DATABASE_URL"] = args.database_url or f"sqlite:///{home / 'seeded.db'}"
    os.environ["WELCOME_CENTER_SMTP_HOST"] = "127.0.0.1"
    os.environ["WELCOME_CENTER_SMTP_STARTTLS"] = "false"
    os.environ["WELCOME_CENTER_SMTP_USERNAME"] = ""
    os.environ["PREFECT_HOME"] = str(home / "prefect")
    from adapters.prefect_setup import configure_prefect

    configure_prefect(home)
    return home


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sink_main(port: int, counter, ready, stop) -> None:
    """The child process: an aiosmtpd server that accepts every mail and counts it."""
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            return "250 Message accepted for delivery"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class MailSink:
    """aiosmtpd in a child process (spawned), so that it does not share the sender's interpreter lock."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self._counter = context.Value("q", 0)
        self._ready, self._stop = context.Event(), context.Event()
        self._process = context.Process(target=_sink_main, args=(self.port, self._counter, self._ready, self._stop), daemon=True)

    def start(self) -> None:
        self._process.start()
        if not self._ready.wait(60):
            raise SystemExit("the aiosmtpd sink did not start within 60 s")

    @property
    def received(self) -> int:
        return self._counter.value

    def stop(self) -> None:
        self._stop.set()
        self._process.join(10)


def print_table(header: tuple[str, ...], rows: list[tuple], right: set[int]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(line(header))
    for row in rows:
        print(line(row))


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


# ------------------------------------------------------------------------------------------ the cases


@dataclass
class Spec:
    """One case to seed: its state, deadlines (kind, status, due, met_on) and what else it has."""

    plan: str
    state: str
    deadlines: list[tuple[str, str, date | None, date | None]] = field(default_factory=list)
    idle_days: int = 0  # days since the last activity
    appointments: list[datetime] = field(default_factory=list)
    suspended_until: date | None = None
    email: bool = False  # the person must have an e-mail address (person-facing reminders)
    documents: bool = False  # a checklist with items on file and items missing


def at(day: date, rng: random.Random) -> datetime:
    """A time in office hours on `day`, Berlin, as aware UTC (how the tables store it)."""
    local = datetime(day.year, day.month, day.day, rng.randint(8, 15), rng.choice((0, 15, 30, 45)), tzinfo=BERLIN)
    return local.astimezone(UTC)


def met(kind: str, due: date, rng: random.Random) -> tuple[str, str, date, date]:
    return (kind, "met", due, due - timedelta(days=rng.randint(0, 20)))


def background_spec(rng: random.Random, today: date, suspended_share: float) -> Spec:
    idle = rng.randint(0, 35)
    appointments = []
    roll = rng.random()
    if roll < 0.10:
        appointments.append(at(today - timedelta(days=rng.randint(1, 90)), rng))  # long past
    elif roll < 0.13:
        appointments.append(at(today + timedelta(days=rng.randint(22, 60)), rng))  # far ahead
    if rng.random() < suspended_share:
        decision_start = today - timedelta(days=rng.randint(20, 80))
        return Spec("background suspended", "suspended", [
            met("acknowledgement", decision_start - timedelta(days=rng.randint(10, 40)), rng),
            ("decision", "paused", None, None),
        ], idle, appointments, suspended_until=today + timedelta(days=rng.randint(30, 180)))
    state, kind, _ = rng.choices(BACKGROUND, [w for *_, w in BACKGROUND])[0]
    ahead = today + timedelta(days=rng.randint(22, 120))
    deadlines: list = []
    if state in ("acknowledged", "documents_complete", "in_assessment", "decided"):
        deadlines.append(met("acknowledgement", today - timedelta(days=rng.randint(40, 200)), rng))
    if state == "decided":
        deadlines.append(met("decision", today - timedelta(days=rng.randint(1, 60)), rng))
    elif kind == "acknowledgement":
        deadlines.append((kind, "open", today + timedelta(days=rng.randint(22, 31)), None))
    elif kind is not None:
        deadlines.append((kind, "open", ahead, None))
    return Spec("background", state, deadlines, idle, appointments)


def due_specs(rng: random.Random, today: date, due: int, suspended_share: float) -> list[Spec]:
    """About `due` reminders due on `today` (a Wednesday), by DUE_PLANS."""
    specs: list[Spec] = []
    for plan, share, per_case in DUE_PLANS:
        for _ in range(round(due * share / per_case)):
            idle = rng.randint(0, 30)
            if plan == "acknowledgement_overdue":  # reminded the working day after due + 1
                specs.append(Spec(plan, "submitted", [("acknowledgement", "open", today - timedelta(days=rng.randint(2, 20)), None)], idle))
            elif plan == "decision_overdue":
                specs.append(Spec(plan, rng.choice(["documents_complete", "in_assessment"]), [
                    met("acknowledgement", today - timedelta(days=rng.randint(100, 200)), rng),
                    ("decision", "open", today - timedelta(days=rng.randint(2, 60)), None)], idle))
            elif plan == "decision_due_soon":  # 1–14 days ahead: today's reminder, or one a recent run should have sent
                specs.append(Spec(plan, "in_assessment", [
                    met("acknowledgement", today - timedelta(days=rng.randint(60, 120)), rng),
                    ("decision", "open", today + timedelta(days=rng.randint(1, 14)), None)], idle))
            elif plan == "documents_missing person+adviser":  # Thu 26.11. or Fri 27.11.: both reminders
                specs.append(Spec(plan, "collecting_documents", [("person", "open", today + timedelta(days=rng.randint(1, 2)), None)],
                                  idle, email=True, documents=True))
            elif plan == "documents_missing person":  # Mon 30.11. to Wed 2.12.: the person's reminder only
                specs.append(Spec(plan, "collecting_documents", [("person", "open", today + timedelta(days=rng.randint(5, 7)), None)],
                                  idle, email=True, documents=True))
            elif plan == "case_inactive":  # a background case nobody touched for 7–20 weeks
                spec = background_spec(rng, today, 0.0)
                while spec.state == "decided":
                    spec = background_spec(rng, today, 0.0)
                spec.plan, spec.idle_days, spec.appointments = plan, rng.randint(44, 140), []
                specs.append(spec)
            elif plan == "appointment_person":  # tomorrow
                spec = background_spec(rng, today, 0.0)
                spec.plan, spec.idle_days, spec.email = plan, idle, True
                spec.appointments = [at(today + timedelta(days=1), rng)]
                specs.append(spec)
            elif plan == "suspension_ending":
                spec = background_spec(rng, today, 1.0)
                spec.plan, spec.idle_days, spec.appointments = plan, idle, []
                spec.suspended_until = today + timedelta(days=rng.randint(1, 3))
                specs.append(spec)
    return specs


def near_specs(rng: random.Random, today: date, count: int) -> list[Spec]:
    """In the selection's window (open deadline up to 21 days ahead, appointment within 3 weeks), not due."""
    specs = []
    for i in range(count):
        idle = rng.randint(0, 30)
        kind = NEAR_PLANS[i % len(NEAR_PLANS)]
        if kind == "acknowledgement ahead":
            specs.append(Spec(kind, "submitted", [("acknowledgement", "open", today + timedelta(days=rng.randint(1, 21)), None)], idle))
        elif kind.startswith("decision"):
            specs.append(Spec(kind, "in_assessment", [
                met("acknowledgement", today - timedelta(days=rng.randint(60, 120)), rng),
                ("decision", "open", today + timedelta(days=rng.randint(15, 21)), None)], idle))
        elif kind.startswith("person"):
            specs.append(Spec(kind, "collecting_documents", [("person", "open", today + timedelta(days=rng.randint(8, 21)), None)],
                              idle, email=rng.random() < 0.8, documents=True))
        else:
            spec = background_spec(rng, today, 0.0)
            spec.plan, spec.idle_days = kind, idle
            spec.appointments = [at(today + timedelta(days=rng.randint(2, 20)), rng)]
            specs.append(spec)
    return specs


class Seeder:
    """Writes Specs as persons, cases, deadlines, case events, appointments and documents (Core inserts)."""

    def __init__(self, engine, *, catalogue, checklist_rules, today: date, rng: random.Random) -> None:
        from domain.checklist import CaseProfile, required_items
        from domain.routing import route
        from welcome_center.demo.population import ORIGINS, PROFESSIONS

        self.engine, self.catalogue, self.today, self.rng = engine, catalogue, today, rng
        self.origins = list(ORIGINS)
        self.origin_weights = [ORIGINS[o][4] for o in self.origins]
        self.names = ORIGINS
        self.routings: dict[tuple[str, str], list] = {}  # (origin, district) → routings
        self.with_checklist: dict[tuple[str, str], list] = {}  # … whose checklist has ≥ 3 items
        self.items: dict[tuple[str, str], tuple[str, ...]] = {}  # (profession key, district) → item keys
        for origin, professions in PROFESSIONS.items():
            for district in catalogue.districts:
                for text in professions:
                    routing = route(text, district, catalogue)
                    self.routings.setdefault((origin, district), []).append(routing)
                    profession = routing.profession
                    if profession is None or routing.body is None or not profession.procedure:
                        continue
                    profile = CaseProfile(procedure=profession.procedure, regulated=bool(profession.regulated), body=routing.body.key,
                                          group=profession.group or "", profession=profession.key)
                    keys = tuple(item.key for item in required_items(checklist_rules, profile))
                    if len(keys) >= 3:
                        self.items[(profession.key, district)] = keys
                        self.with_checklist.setdefault((origin, district), []).append(routing)
        self.seen: set[tuple[str, str, date]] = set()
        self.numbers: Counter = Counter()
        self.serial = 0
        self.advisers: dict[str, list[int]] = {}
        self.totals: Counter = Counter()

    def seed_advisers(self) -> None:
        from sqlalchemy import insert

        from models import Adviser

        table = Adviser.__table__
        rows = []
        for district in self.catalogue.districts:
            domain_part = self.catalogue.districts[district].welcome_center.email.split("@")[-1]
            for n in range(1, 6):
                rows.append({"name": f"Beraterin {n} {district.title()}", "email": f"beratung{n}.{district}@{domain_part}",
                             "district": district, "role": "adviser", "password_hash": None, "active": True,
                             "created_at": datetime.now(UTC)})
        with self.engine.begin() as connection:
            ids = connection.execute(insert(table).returning(table.c.id, table.c.district, sort_by_parameter_order=True), rows).all()
        for adviser_id, district in ids:
            self.advisers.setdefault(district, []).append(adviser_id)

    def write(self, specs: list[Spec]) -> None:
        for start in range(0, len(specs), SEED_CHUNK):
            self._write_chunk(specs[start : start + SEED_CHUNK])

    def _write_chunk(self, specs: list[Spec]) -> None:
        from sqlalchemy import insert

        from models import Appointment, Case, CaseEvent, Deadline, Document, Person
        from services.cases import routing_fields

        rng, today = self.rng, self.today
        persons, cases, routed = [], [], []
        for spec in specs:
            self.serial += 1
            origin = rng.choices(self.origins, self.origin_weights)[0]
            female_names, male_names, family_names, languages, _ = self.names[origin]
            female = rng.random() < 0.66
            while True:
                given, family = rng.choice(female_names if female else male_names), rng.choice(family_names)
                birth = today - timedelta(days=rng.randint(18 * 365, 62 * 365))
                if (given, family, birth) not in self.seen:
                    self.seen.add((given, family, birth))
                    break
            district = "verden" if rng.random() < 0.6 else "osterholz"
            if spec.documents and self.with_checklist.get((origin, district)):
                routing = rng.choice(self.with_checklist[(origin, district)])
            else:
                routing = rng.choice(self.routings[(origin, district)])
            last_activity = at(today - timedelta(days=spec.idle_days), rng)
            created = last_activity - timedelta(days=rng.randint(0, 400))
            persons.append({
                "given_name": given, "family_name": family, "birth_date": birth, "sex": "f" if female else "m",
                "language": rng.choice(languages),
                "email": f"p{self.serial}@example.org" if spec.email or rng.random() < 0.6 else None,
                "phone": f"0151 {rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else None, "district": district,
                "receives_buergergeld": rng.random() < 0.5, "arrival_date": None, "lives_abroad": False,
                "name_changed": False, "created_at": created,
            })
            prefix = self.catalogue.districts[district].reference_prefix
            self.numbers[(prefix, created.year)] += 1
            cases.append({
                "reference": f"{prefix}-{created.year}-{self.numbers[(prefix, created.year)]:06d}",
                "district": district, "profession_text": routing.query,
                **routing_fields(routing),
                "fast_track": rng.random() < 0.05, "eu_training": False, "country_of_training": origin,
                "state": spec.state, "outcome": "full_equivalence" if spec.state == "decided" else None,
                "funding_route": "not_recorded", "funding_decided_on": None,
                "adviser_id": rng.choice(self.advisers[district]) if self.advisers and rng.random() < 0.7 else None,
                "created_at": created, "updated_at": last_activity,
                "last_activity_at": last_activity,
            })
            routed.append((routing.profession.key if routing.profession else None, district))

        person_t, case_t = Person.__table__, Case.__table__
        with self.engine.begin() as connection:
            person_ids = connection.execute(insert(person_t).returning(person_t.c.id, sort_by_parameter_order=True), persons).scalars().all()
            for case, person_id in zip(cases, person_ids):
                case["person_id"] = person_id
            case_ids = connection.execute(insert(case_t).returning(case_t.c.id, sort_by_parameter_order=True), cases).scalars().all()
            deadlines, events, appointments, documents = [], [], [], []
            for case_id, spec, (profession_key, district) in zip(case_ids, specs, routed):
                for kind, status, due, met_on in spec.deadlines:
                    start = (due or today) - timedelta(days=PERIOD_DAYS[kind])
                    deadlines.append({"case_id": case_id, "kind": kind, "status": status, "start": start, "due": due,
                                      "law": LAW[kind], "reason": f"{LAW[kind]}: Frist ab {start:%d.%m.%Y}", "met_on": met_on})
                if spec.suspended_until is not None:
                    events.append({"case_id": case_id, "event": "suspend", "occurred_on": today - timedelta(days=rng.randint(5, 60)),
                                   "outcome": None, "period": None, "until": spec.suspended_until,
                                   "note": "Stelle fordert Unterlagen nach", "actor": ACTOR, "recorded_at": datetime.now(UTC)})
                for starts_at in spec.appointments:
                    appointments.append({"case_id": case_id, "starts_at": starts_at, "place": rng.choice(PLACES[district]),
                                         "note": None, "cancelled": rng.random() < 0.03 and starts_at.date() < today,
                                         "created_at": starts_at - timedelta(days=14)})
                keys = self.items.get((profession_key, district))
                if spec.documents and keys:
                    for number, item in enumerate(keys[: rng.randint(1, len(keys) - 2)]):
                        documents.append({"case_id": case_id, "item_key": item, "original_name": f"{item}.pdf", "kind": "pdf",
                                          "size": rng.randint(40_000, 900_000), "sha256": f"{case_id:032x}{number:032x}",
                                          "translated": True, "certified": True, "stored_name": f"{number:03d}-{item}.pdf",
                                          "source": "inbox", "notes": None, "received_at": at(today - timedelta(days=rng.randint(1, 30)), rng)})
            for table, rows in ((Deadline.__table__, deadlines), (CaseEvent.__table__, events),
                                (Appointment.__table__, appointments), (Document.__table__, documents)):
                if rows:
                    connection.execute(insert(table), rows)
        self.totals.update(persons=len(persons), cases=len(cases), deadlines=len(deadlines), events=len(events),
                           appointments=len(appointments), documents=len(documents))
        self.totals.update(spec.plan for spec in specs)


# ------------------------------------------------------------------------------------------ measuring


@dataclass
class World:
    settings: object
    catalogue: object
    rules: tuple
    checklist_rules: object
    calendar: object


class Timers(Counter):
    pass


@contextmanager
def parts_timed() -> Iterator[Timers]:
    """Time the parts that select_due and send_batch call (module globals, looked up at call time)."""
    import flows.reminders as flow_module
    import adapters.mailer as mailer

    timers = Timers()
    counts = Counter()

    def wrap(name: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timers[name] += time.perf_counter() - started
                counts[name] += 1
        return timed

    patched = [(flow_module, name) for name in ("candidate_case_ids", "load_facts", "select_reminders", "write_pending",
                                               "cancel_gone", "claim", "load_messages", "settle")]
    patched += [(mailer, "build_message"), (mailer.SmtpSender, "send"), (mailer.SmtpSender, "__enter__"), (mailer.SmtpSender, "__exit__")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in patched]
    for owner, name, function in saved:
        setattr(owner, name, wrap(name, function))
    timers.counts = counts
    try:
        yield timers
    finally:
        for owner, name, function in saved:
            setattr(owner, name, function)


@contextmanager
def inside_tasks() -> Iterator[Counter]:
    """Time spent inside select_due and send_batch while the flow runs (the tasks call them as module globals)."""
    import flows.reminders as flow_module

    spent: Counter = Counter()
    saved = {name: getattr(flow_module, name) for name in ("select_due", "send_batch")}

    def wrap(name: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
        return timed

    for name, function in saved.items():
        setattr(flow_module, name, wrap(name, function))
    try:
        yield spent
    finally:
        for name, function in saved.items():
            setattr(flow_module, name, function)


class Database:
    """The seeded database and fresh copies of it for each measurement."""

    def __init__(self, url: str, home: Path) -> None:
        from sqlalchemy.engine import make_url

        from models.db import make_engine

        self.url, self.home = url, home
        self.sqlite = make_url(url).get_backend_name() == "sqlite"
        self.path = Path(make_url(url).database) if self.sqlite else None
        self.engine = make_engine(url)
        self.copies = 0

    def seal(self) -> None:
        """After seeding: SQLite folds its WAL into the file (so a file copy is complete); PostgreSQL is ANALYZEd."""
        from sqlalchemy import text

        with self.engine.begin() as connection:
            if self.sqlite:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                connection.execute(text("ANALYZE"))
        self.engine.dispose()

    @contextmanager
    def fresh(self) -> Iterator[str]:
        """A URL whose outbox is empty: a file copy on SQLite, the outbox emptied on PostgreSQL."""
        if not self.sqlite:
            from sqlalchemy import text

            with self.engine.begin() as connection:
                connection.execute(text("DELETE FROM outbox"))
            self.engine.dispose()
            yield self.url
            return
        self.copies += 1
        copy = self.home / f"run-{self.copies}.db"
        shutil.copyfile(self.path, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)


def run_selection(engine, world: World):
    from services.reminders import select_due
    from adapters.mailer import MailComposer

    composer = MailComposer(world.settings.templates_dir, world.catalogue)  # as select_task builds it, per run
    composer.check(world.rules)
    return select_due(
        engine=engine, catalogue=world.catalogue, rules=world.rules, checklist_rules=world.checklist_rules,
        composer=composer, calendar=world.calendar, today=TODAY, mail_domain=world.settings.mail_domain,
        lookback_days=world.settings.reminder_lookback_days,
    )


def run_sending(engine, world: World, port: int, batch_size: int) -> tuple[Counter, int]:
    from services.reminders import send_batch, worker_name
    from adapters.mailer import SmtpSender

    settings = world.settings
    worker, totals, batches = worker_name(), Counter(), 0
    while True:
        claimed, outcome = send_batch(
            engine=engine, catalogue=world.catalogue, worker=worker, limit=batch_size,
            lease=timedelta(seconds=settings.reminder_lease_seconds), max_attempts=settings.reminder_max_attempts,
            backoff=timedelta(seconds=settings.reminder_backoff_seconds),
            sender_factory=lambda: SmtpSender(host="127.0.0.1", port=port, starttls=False, username="", password="", timeout=10),
        )
        batches += 1
        totals.update(sent=outcome.sent, failed=outcome.failed, retry=outcome.retry)
        if claimed == 0 or outcome.unreachable:
            totals["unreachable"] += int(outcome.unreachable)
            return totals, batches


def outbox_by_rule(engine) -> Counter:
    from sqlalchemy import func, select

    from models import OutboxMessage

    t = OutboxMessage.__table__
    with engine.connect() as connection:
        return Counter(dict(connection.execute(select(t.c.rule, func.count()).group_by(t.c.rule)).all()))


@dataclass(frozen=True)
class Spent:
    """Wall time and CPU time of one measure. On a shared machine the wall time grows with the other
    processes' load; the CPU time does not, so it is shown beside it."""

    wall: float = 0.0
    cpu: float = 0.0  # this process, all its threads (Prefect's client threads included)
    child_cpu: float = 0.0  # its child processes: the mail sink, Prefect's temporary server

    @property
    def all_cpu(self) -> float:
        return self.cpu + self.child_cpu


def children_cpu() -> float:
    """CPU seconds of the running descendants of this process (Linux /proc; 0 elsewhere)."""
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        entries = [e for e in os.scandir("/proc") if e.name.isdigit()]
    except (OSError, ValueError, AttributeError):
        return 0.0
    parent_of, cpu_of = {}, {}
    for entry in entries:
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parent_of[pid], cpu_of[pid] = int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks
    children: dict[int, list[int]] = {}
    for pid, parent in parent_of.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        total += cpu_of.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


class Stopwatch:
    def __init__(self) -> None:
        self.wall, self.cpu, self.child_cpu = time.perf_counter(), time.process_time(), children_cpu()

    def read(self) -> Spent:
        return Spent(time.perf_counter() - self.wall, time.process_time() - self.cpu, children_cpu() - self.child_cpu)


def median_spent(values: list[Spent]) -> Spent:
    if not values:
        return Spent()
    return Spent(median([v.wall for v in values]), median([v.cpu for v in values]), median([v.child_cpu for v in values]))


@dataclass
class StageResult:
    cases: int
    selection: list[Spent] = field(default_factory=list)
    sending: Spent = field(default_factory=Spent)
    parts: list[Timers] = field(default_factory=list)
    candidates: int = 0
    selected: int = 0
    new: int = 0
    sent: int = 0
    received: int = 0
    batches: int = 0
    by_rule: Counter = field(default_factory=Counter)
    flow: Spent | None = None
    flow_inside_s: dict = field(default_factory=dict)  # time inside select_due / send_batch during the flow run
    flow_selected: int = 0
    flow_sent: int = 0
    flow_received: int = 0

    @property
    def selection_median(self) -> Spent:
        return median_spent(self.selection)


def measure_plain(database: Database, world: World, sink: MailSink, *, cases: int, repeat: int, batch_size: int,
                  send: bool) -> StageResult:
    """`repeat` selections, each on a fresh copy; with `send`, the last copy's outbox is then sent
    (once: a send run costs many seconds, and the number of cases does not change it)."""
    from models.db import make_engine

    result = StageResult(cases)
    runs = max(1, repeat)
    for run in range(runs):
        with database.fresh() as url:
            engine = make_engine(url)
            with parts_timed() as timers:
                watch = Stopwatch()
                selection = run_selection(engine, world)
                result.selection.append(watch.read())
                if send and run == runs - 1:
                    before = sink.received
                    watch = Stopwatch()
                    totals, batches = run_sending(engine, world, sink.port, batch_size)
                    result.sending = watch.read()
                    result.sent, result.received, result.batches = totals["sent"], sink.received - before, batches
                    result.by_rule = outbox_by_rule(engine)
            result.parts.append(timers)
            result.candidates, result.selected, result.new = selection.candidates, selection.selected, selection.new
            engine.dispose()
    return result


def measure_flow(database: Database, sink: MailSink, result: StageResult, *, batch_size: int, profile: bool = False) -> pstats.Stats | None:
    from flows.reminders import reminders_flow
    from models.db import engine_for
    from adapters.settings import get_settings

    stats = None
    with database.fresh() as url:
        os.environ["WELCOME_CENTER_DATABASE_URL"] = url
        os.environ["WELCOME_CENTER_SMTP_PORT"] = str(sink.port)
        get_settings.cache_clear()
        before = sink.received
        profiler = cProfile.Profile() if profile else None
        with inside_tasks() as inside:
            watch = Stopwatch()
            if profiler:
                profiler.enable()
            outcome = reminders_flow(on=TODAY, batch_size=batch_size)
            if profiler:
                profiler.disable()
            spent = watch.read()
        if not profile:
            result.flow, result.flow_inside_s = spent, dict(inside)
            result.flow_selected, result.flow_sent = outcome["selection"].selected, outcome["sending"].sent
            result.flow_received = sink.received - before
        else:
            stats = pstats.Stats(profiler)
        engine_for(url).dispose()
        engine_for.cache_clear()
    os.environ["WELCOME_CENTER_DATABASE_URL"] = database.url
    get_settings.cache_clear()
    return stats


def start_prefect() -> tuple[Spent, Spent]:
    """(first no-op flow run: the temporary server's start-up, a second no-op flow run)."""
    from prefect import flow

    @flow(name="bench-noop")
    def noop() -> None:
        return None

    watch = Stopwatch()
    noop()
    first = watch.read()
    watch = Stopwatch()
    noop()
    return first, watch.read()


def profile_listing(title: str, stats: pstats.Stats, limit: int = 18) -> None:
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats.stream = buffer
        stats.sort_stats(order).print_stats(limit)
        lines = [line for line in buffer.getvalue().splitlines() if line.strip()]
        start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
        print(f"cProfile {title}, by {order}:")
        for line in lines[start:]:
            print("  " + line.replace(str(Path.cwd()) + "/", "").replace(sys.prefix + "/", "<venv>/"))
        print()


# ------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,30000,100000", help="open cases per stage, ascending; the largest is the main run")
    parser.add_argument("--due", type=int, default=3_000, help="reminders due today (the same at every size)")
    parser.add_argument("--near", type=int, default=1_000, help="cases in the selection's window but not due (the same at every size)")
    parser.add_argument("--suspended-share", type=float, default=0.02, help="share of the background cases that is suspended")
    parser.add_argument("--repeat", type=int, default=3, help="selection runs per size (median shown); sending runs once, at the largest size")
    parser.add_argument("--batch-size", type=int, default=200, help="mails per send_batch (the flow's default)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="an EMPTY PostgreSQL database; default: a SQLite file in the temp folder")
    parser.add_argument("--skip-flow", action="store_true", help="no Prefect flow run (and no temporary server)")
    parser.add_argument("--profile", action="store_true", help="cProfile one selection, sending and flow run at the largest size")
    args = parser.parse_args()
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    home = prepare_environment(args)
    load_at_start = os.getloadavg()[0]  # the machine may be shared: the figures are only as quiet as it is

    sink = MailSink()  # spawned before anything heavy is imported
    sink.start()
    atexit.register(sink.stop)

    import sqlite3

    from sqlalchemy import func, select

    from domain.calendar import lower_saxony_calendar
    from models import Case
    from adapters.catalogue import load_catalogue
    from adapters.rules import load_checklist_rules, load_reminder_rules
    from adapters.database import upgrade
    from adapters.settings import get_settings

    settings = get_settings()
    url = settings.database_url
    setup: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    upgrade(url)
    setup.append(("db upgrade (Alembic)", f"{time.perf_counter() - started:.2f} s", safe_url(url)))
    started = time.perf_counter()
    world = World(settings, load_catalogue(), load_reminder_rules(), load_checklist_rules(), lower_saxony_calendar())
    setup.append(("catalogue, rules, checklists", f"{time.perf_counter() - started:.2f} s", f"{len(world.rules)} reminder rules"))

    database = Database(url, home)
    with database.engine.connect() as connection:
        existing = connection.execute(select(func.count()).select_from(Case.__table__)).scalar_one()
    if existing:
        print(f"{safe_url(url)} already holds {existing:,} cases; give the bench an empty database (drop and create it again)",
              file=sys.stderr)
        raise SystemExit(2)

    rng = random.Random(args.seed)
    seeder = Seeder(database.engine, catalogue=world.catalogue, checklist_rules=world.checklist_rules, today=TODAY, rng=rng)
    seeder.seed_advisers()
    fixed = due_specs(rng, TODAY, args.due, args.suspended_share) + near_specs(rng, TODAY, args.near)
    planned = Counter()
    for spec in fixed:
        planned[spec.plan] += 1

    results: list[StageResult] = []
    prefect_start: tuple[Spent, Spent] | None = None
    seeded = 0
    for number, size in enumerate(sizes):
        started = time.perf_counter()
        specs = fixed if number == 0 else []
        specs = specs + [background_spec(rng, TODAY, args.suspended_share) for _ in range(max(0, size - seeded - len(specs)))]
        rng.shuffle(specs)
        seeder.write(specs)
        database.seal()
        seeded += len(specs)
        setup.append((f"seed to {seeded:,} cases", f"{time.perf_counter() - started:.2f} s",
                      f"+{len(specs):,} cases (Core executemany, chunks of {SEED_CHUNK:,}); totals: "
                      + ", ".join(f"{seeder.totals[k]:,} {k}" for k in ("persons", "deadlines", "events", "appointments", "documents"))
                      + f", {seeder.totals['background suspended']:,} suspended in the background"))
        result = measure_plain(database, world, sink, cases=seeded, repeat=args.repeat, batch_size=args.batch_size,
                               send=number == len(sizes) - 1)
        if not args.skip_flow:
            if prefect_start is None:
                prefect_start = start_prefect()
            measure_flow(database, sink, result, batch_size=args.batch_size)
        results.append(result)

    profiles: list[tuple[str, pstats.Stats]] = []
    if args.profile:
        from models.db import make_engine

        for name in ("selection", "sending"):
            with database.fresh() as copy_url:
                engine = make_engine(copy_url)
                if name == "sending":
                    run_selection(engine, world)
                profiler = cProfile.Profile()
                profiler.enable()
                if name == "selection":
                    run_selection(engine, world)
                else:
                    run_sending(engine, world, sink.port, args.batch_size)
                profiler.disable()
                engine.dispose()
                profiles.append((f"{name} at {seeded:,} cases", pstats.Stats(profiler)))
        if not args.skip_flow:
            profiles.append((f"reminders_flow at {seeded:,} cases", measure_flow(database, sink, StageResult(seeded), batch_size=args.batch_size, profile=True)))

    # ------------------------------------------------------------------------------ the tables
    main_run = results[-1]
    engine_name = f"SQLite {sqlite3.sqlite_version}" if database.sqlite else f"PostgreSQL ({safe_url(url)})"
    due_cases = sum(planned[p] for p, *_ in DUE_PLANS)
    print(f"welcome-center bench/reminders.py: {engine_name}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
          f"today = {TODAY:%a %d.%m.%Y}; at every size {due_cases:,} due cases (planned ≈ {args.due:,} reminders) "
          f"and {args.near:,} near misses; selection: median of {max(1, args.repeat)} runs; load average "
          f"{load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; state folder {home} (removed at exit)")
    print()

    sel, snd = main_run.selection_median, main_run.sending
    rows: list[tuple] = []

    def cpu(spent: Spent) -> str:
        return f"{spent.cpu:.2f} s + {spent.child_cpu:.2f} s"

    if prefect_start:
        first_noop, second_noop = prefect_start
        rows.append(("Prefect temporary server start-up (once)", f"{first_noop.wall:.2f} s", cpu(first_noop), "",
                     f"first no-op flow run ({'server ' + os.environ['PREFECT_API_URL'] if os.environ.get('PREFECT_API_URL') else 'temporary server'}); "
                     f"a second no-op flow run: {second_noop.wall * 1000:,.0f} ms, CPU {cpu(second_noop)}"))
    rows.append((f"selection (select_due) at {main_run.cases:,} cases", f"{sel.wall:.2f} s", cpu(sel), "",
                 f"{main_run.candidates:,} candidate cases → {main_run.selected:,} reminders selected, {main_run.new:,} written to the outbox"))
    rate = main_run.sent / snd.wall if snd.wall else 0.0
    rows.append(("sending (send_batch loop)", f"{rate:,.0f} mails/s", cpu(snd), "",
                 f"{main_run.sent:,} mails in {snd.wall:.2f} s ({snd.cpu / max(main_run.sent, 1) * 1000:.2f} ms CPU per mail in the sender), "
                 f"{main_run.batches} calls of ≤ {args.batch_size}; the sink received {main_run.received:,}"))
    flow = main_run.flow
    if flow is not None:
        rows.append(("flow run reminders_flow(on=today)", f"{flow.wall:.2f} s", cpu(flow), f"≤ {FLOW_GOAL_S:.0f} s {verdict(flow.wall <= FLOW_GOAL_S)}",
                     f"server already up; {main_run.flow_selected:,} selected, {main_run.flow_sent:,} sent, the sink received {main_run.flow_received:,}"))
        overhead = flow.wall - sel.wall - snd.wall
        overhead_cpu = flow.all_cpu - sel.all_cpu - snd.all_cpu
        rows.append(("Prefect overhead (wall)", f"{overhead:.2f} s = {overhead / flow.wall * 100:.1f} %", "",
                     f"≤ {OVERHEAD_GOAL * 100:.0f} % {verdict(overhead / flow.wall <= OVERHEAD_GOAL)}",
                     f"flow run − (selection {sel.wall:.2f} s + sending {snd.wall:.2f} s as plain functions, separate runs)"))
        rows.append(("Prefect overhead (CPU)", f"{overhead_cpu:.2f} s = {overhead_cpu / flow.all_cpu * 100:.1f} %", "",
                     f"≤ {OVERHEAD_GOAL * 100:.0f} % {verdict(overhead_cpu / flow.all_cpu <= OVERHEAD_GOAL)}",
                     f"the same with CPU seconds of all processes: flow {flow.all_cpu:.2f} − selection {sel.all_cpu:.2f} − sending {snd.all_cpu:.2f}"))
        inside = sum(main_run.flow_inside_s.values())
        rows.append(("Prefect overhead (same run)", f"{flow.wall - inside:.2f} s = {(flow.wall - inside) / flow.wall * 100:.1f} %", "",
                     f"≤ {OVERHEAD_GOAL * 100:.0f} % {verdict((flow.wall - inside) / flow.wall <= OVERHEAD_GOAL)}",
                     f"flow run − wall time inside select_due ({main_run.flow_inside_s.get('select_due', 0):.2f} s) and send_batch "
                     f"({main_run.flow_inside_s.get('send_batch', 0):.2f} s) during it"))
        if prefect_start:
            rows.append(("end to end with the server start", f"{prefect_start[0].wall + flow.wall:.2f} s", "", "",
                         "what one `welcome-center remind` pays on the embedded default"))
    print_table(("measure", "wall", "CPU own + children", "goal", "detail"), rows, right={1, 2})
    print("CPU own = this process (all threads); children = the aiosmtpd sink and Prefect's temporary server")

    print()
    parts = main_run.parts
    selection_parts = ["candidate_case_ids", "load_facts", "select_reminders", "write_pending", "cancel_gone"]
    sending_parts = ["claim", "load_messages", "build_message", "__enter__", "send", "settle", "__exit__"]
    part = {name: median([p[name] for p in parts]) for name in selection_parts}
    part.update({name: parts[-1][name] for name in sending_parts})  # only the last run sends
    calls = Counter(parts[-1].counts)
    labels = {"__enter__": "SMTP connect (SmtpSender.__enter__)", "send": "SMTP send (SmtpSender.send)",
              "__exit__": "SMTP quit (SmtpSender.__exit__)", "build_message": "build_message (EmailMessage)"}
    part_rows = []
    for name in selection_parts:
        part_rows.append(("selection", labels.get(name, name), f"{part.get(name, 0) * 1000:,.0f}", f"{calls.get(name, 0):,}", ""))
    part_rows.append(("selection", "composing (templates) + rest", f"{(sel.wall - sum(part.get(n, 0) for n in selection_parts)) * 1000:,.0f}", "", ""))
    for name in sending_parts:
        per_mail = f"{part.get(name, 0) / main_run.sent * 1000:.2f} ms per mail" if main_run.sent and name in ("build_message", "send", "settle") else ""
        part_rows.append(("sending", labels.get(name, name), f"{part.get(name, 0) * 1000:,.0f}", f"{calls.get(name, 0):,}", per_mail))
    part_rows.append(("sending", "rest (loop, district lookup)", f"{(snd.wall - sum(part.get(n, 0) for n in sending_parts)) * 1000:,.0f}", "", ""))
    print_table((f"where the wall time goes at {main_run.cases:,} cases", "part", "ms", "calls", ""), part_rows, right={2, 3})

    print()
    first = results[0]
    growth_rows = []
    for r in results:
        s_, f_ = r.selection_median, r.flow
        inside = sum(r.flow_inside_s.values())
        growth_rows.append((
            f"{r.cases:,}", f"{r.candidates:,}", f"{r.selected:,}", f"{s_.wall:.2f}", f"{s_.cpu:.2f}",
            f"{s_.wall / first.selection_median.wall:.2f}×", f"{f_.wall:.2f}" if f_ else "-", f"{f_.all_cpu:.2f}" if f_ else "-",
            f"{r.flow_inside_s.get('select_due', 0):.2f}" if f_ else "-", f"{r.flow_inside_s.get('send_batch', 0):.2f}" if f_ else "-",
            f"{(f_.wall - inside) / f_.wall * 100:.1f}" if f_ else "-",
        ))
    print_table(("cases", "candidates", "selected", "selection s", "CPU s", "vs smallest", "flow s", "flow CPU s (all)",
                 "in select_due", "in send_batch", "Prefect % (same run)"), growth_rows, right=set(range(11)))
    if len(results) > 1:
        ratio = main_run.selection_median.wall / first.selection_median.wall
        ratio_cpu = main_run.selection_median.cpu / first.selection_median.cpu
        print(f"selection at {main_run.cases:,} cases ÷ at {first.cases:,} (due items fixed): {ratio:.2f}× wall, {ratio_cpu:.2f}× CPU "
              f"for {main_run.cases / first.cases:.0f}× the cases; goal ≤ {GROWTH_GOAL}× in CPU {verdict(ratio_cpu <= GROWTH_GOAL)}; "
              f"candidates {first.candidates:,} → {main_run.candidates:,}")

    print()
    expected = {"documents_missing person+adviser": ("documents_missing_person", "documents_missing_adviser"),
                "documents_missing person": ("documents_missing_person",)}
    mix_rows = []
    for plan, _, per_case in DUE_PLANS:
        rules = expected.get(plan, (plan,))
        mix_rows.append((plan, f"{planned[plan]:,}", f"{planned[plan] * per_case:,}", "rule " + " + ".join(rules)))
    mix_rows.append(("near misses (not due)", f"{args.near:,}", "0", ", ".join(NEAR_PLANS)))
    outbox = main_run.by_rule
    mix_rows.append(("written to the outbox", "", f"{sum(outbox.values()):,}", ", ".join(f"{k} {v:,}" for k, v in sorted(outbox.items()))))
    print_table(("due items (the same at every size)", "cases", "reminders", "detail"), mix_rows, right={1, 2})

    print()
    print_table(("setup (not measured above)", "time", "detail"), setup, right={1})
    for title, stats in profiles:
        print()
        profile_listing(title, stats)


if __name__ == "__main__":
    main()
