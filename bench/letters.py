"""Letters: ms per letter beside the zipfile floor, and the Prefect overhead of a large batch.
Prints tables, asserts nothing.

    python bench/letters.py [--letters 1000] [--flow-letters 10000] [--repeat 3] [--batch 200]
                            [--seed 7] [--stock 50] [--skip-flow]

Everything happens in a throwaway state folder (tempfile.mkdtemp, removed at the end): the SQLite
database, the case folders and Prefect's home; data/local/ is never touched.

1. Rendering, N letters of every kind (the composed letters are made before the clock starts;
   composing them is shown on its own row):
   - letter: `TemplateSet.render` (the templates parsed once, before the clock: each letter is one
     Jinja render per part holding tags, and a zip archive of all parts) plus writing the file;
   - floor: the same package, part for part the same bytes (rendered before the clock), written
     with zipfile alone: what no renderer can beat;
   - stock docxtpl: `DocxTemplate(...).render(..., autoescape=True).save(...)` for a few letters, the
     path that re-reads and re-parses the template for every letter (for comparison).
   Letter and floor run in turns, `--repeat` rounds; the ratio is the median of the rounds' ratios,
   in wall and in CPU time. Goal: letter ≤ 2 × floor.
2. Prefect overhead, M letters: M persons with postal address and consent, and their cases in
   collecting_documents with documents missing (bulk inserts), so each calls for one checklist
   letter. The plain functions (select_due + write_letters per batch, as the flow's tasks call them)
   write them all, then `letters_flow(due=True)` writes them all again in one flow run; after each
   run the letters are deleted again (rows and files; the audit entries stay, they are append-only).
   The two alternate `--flow-repeat` times in ABBA order and each flow run is compared with the plain run
   beside it (median of those pairs), so that a machine busy with something else slows both alike; the CPU time of this process and the Prefect server is
   shown as well (less disturbed by other work on the machine than wall time). A no-op flow runs first, so the temporary server's
   start-up is shown apart. Goal: overhead ≤ 10 %.
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
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RENDER_GOAL = 2.0  # letter ≤ 2 × floor
OVERHEAD_GOAL = 0.10
TODAY = date(2026, 11, 25)
ACTOR = "bench:letters"


def prepare_environment() -> Path:
    home = Path(tempfile.mkdtemp(prefix="welcome-center-bench-letters-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["WELCOME_CENTER_HOME"] = str(home)
    os.environ["WELCOME_CENTER_DATABASE_URL"] = f"sqlite:///{home / 'welcome-center.db'}"
    os.environ["PREFECT_HOME"] = str(home / "prefect")
    from adapters.prefect_setup import configure_prefect

    configure_prefect(home)
    return home


def median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


# ------------------------------------------------------------------------------------------ 1. rendering


def make_letters(count: int, rng: random.Random, *, texts, catalogue, rules):
    """`count` composed letters of every kind and language, names varied so no two are the same."""
    from domain.checklist import CaseProfile, DocumentFacts, checklist
    from domain.letters.address import sender_for
    from domain.letters.compose import compose_letter
    from domain.letters.due import due_letters
    from domain.letters.samples import sample_cases

    district = catalogue.districts["verden"]
    profession = catalogue.professions["pflegefachmann"]
    on_file = [DocumentFacts(item="lebenslauf"), DocumentFacts(item="identitaetsnachweis"),
               DocumentFacts(item="ausbildungsnachweise", translated=True)]
    lines = checklist(rules, CaseProfile.of(profession, district="verden"), on_file)
    cases = sample_cases("verden", catalogue.bodies[profession.body_for("verden")], lines)
    sender = sender_for(district)
    names = ["Olena", "Iryna", "Amal", "Mariam", "Ayşe", "Олена", "آمنة", "Oksana"]
    letters = []
    started = time.perf_counter()
    while len(letters) < count:
        case = rng.choice(cases)
        person = replace(case.person, given_name=rng.choice(names), family_name=f"Muster{len(letters)}",
                         language=rng.choice(["uk", "ar", "ru", "en", "de", "fa"]))
        case = replace(case, person=person, reference=f"VER-2026-{len(letters):04d}")
        for request in due_letters(case):
            letters.append(compose_letter(request, case, sender=sender, texts=texts, today=TODAY))
    compose_s = time.perf_counter() - started
    return letters[:count], compose_s


def bench_render(args, home: Path, rows: list) -> None:
    from adapters.catalogue import load_catalogue
    from adapters.rules import load_checklist_rules
    from adapters.docx import TemplateSet, _load, load_letter_texts, templates_dir

    catalogue, rules, texts = load_catalogue(), load_checklist_rules(), load_letter_texts()
    TemplateSet.load(templates_dir())  # imports docxtpl once
    _load.cache_clear()
    started = time.perf_counter()
    templates = TemplateSet.load(templates_dir())
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    TemplateSet.load(templates_dir())
    again_s = time.perf_counter() - started
    letters, compose_s = make_letters(args.letters, random.Random(args.seed), texts=texts, catalogue=catalogue, rules=rules)
    n = len(letters)
    rows.append(("templates parsed (once)", f"{load_s * 1000:.1f} ms", "3 templates: read, check tags, docxtpl patch_xml, Jinja compile"))
    rows.append(("templates loaded again (next batch)", f"{again_s * 1000:.2f} ms", "unchanged files: read, compiled form reused"))
    rows.append(("compose (domain)", f"{compose_s * 1000 / n:.3f} ms/letter", f"{n:,} letters of every kind; before the clock below"))

    out = home / "render"
    out.mkdir()
    packages = [templates[letter.template].rendered_parts(letter.context) for letter in letters]
    infos = [[(part.name, part.compress_type) for part in templates[letter.template].parts] for letter in letters]

    def render_all() -> None:
        for i, letter in enumerate(letters):
            (out / f"{i}.docx").write_bytes(templates.render(letter, day=TODAY))

    def floor_all() -> None:
        stamp = (TODAY.year, TODAY.month, TODAY.day, 0, 0, 0)
        for i, (parts, names) in enumerate(zip(packages, infos)):
            with zipfile.ZipFile(out / f"f{i}.docx", "w") as archive:
                for name, compress_type in names:
                    info = zipfile.ZipInfo(name, date_time=stamp)
                    info.compress_type = compress_type
                    archive.writestr(info, parts[name])

    render_all()  # warm-up
    floor_all()
    # the two in turns, each round timed in wall and CPU seconds: other work on the machine slows a
    # round of each alike, and the CPU time of this single-threaded loop is hardly touched by it
    wall: dict[str, list[float]] = {"letter": [], "floor": []}
    cpu: dict[str, list[float]] = {"letter": [], "floor": []}
    for _ in range(max(1, args.repeat)):
        for name, work in (("letter", render_all), ("floor", floor_all)):
            started, cpu_started = time.perf_counter(), time.process_time()
            work()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
    letter_s, floor_s = statistics.median(wall["letter"]), statistics.median(wall["floor"])
    size = sum((out / f"{i}.docx").stat().st_size for i in range(n)) / n
    ratio = statistics.median(l / f for l, f in zip(wall["letter"], wall["floor"]))
    cpu_ratio = statistics.median(l / f for l, f in zip(cpu["letter"], cpu["floor"]))
    rows.append(("letter (render + write)", f"{letter_s * 1000 / n:.3f} ms/letter",
                 f"{n:,} letters, median of {args.repeat}; {size / 1024:.1f} KB each; CPU {statistics.median(cpu['letter']) * 1000 / n:.3f} ms"))
    rows.append(("floor (zipfile alone)", f"{floor_s * 1000 / n:.3f} ms/letter",
                 f"the same parts' bytes, the same package; CPU {statistics.median(cpu['floor']) * 1000 / n:.3f} ms"))
    rows.append(("letter / floor", f"{ratio:.2f} ×", f"wall time, median of the rounds' ratios; goal ≤ {RENDER_GOAL:.0f} × → "
                 f"{'ok' if ratio <= RENDER_GOAL else 'MISSED'}"))
    rows.append(("letter / floor, CPU", f"{cpu_ratio:.2f} ×", "CPU time of the same rounds"))

    if args.stock:
        from docxtpl import DocxTemplate

        from adapters.docx import environment

        sample = letters[: args.stock]

        def stock_all() -> None:
            for i, letter in enumerate(sample):
                document = DocxTemplate(str(templates_dir() / f"{letter.template}.docx"))
                document.render(dict(letter.context), jinja_env=environment(), autoescape=True)
                document.save(out / f"s{i}.docx")

        stock_s = median_seconds(stock_all, args.repeat)
        rows.append(("stock docxtpl (per letter)", f"{stock_s * 1000 / len(sample):.3f} ms/letter",
                     f"{len(sample)} letters; re-reads and re-parses the template every time"))


# ------------------------------------------------------------------------------------------ 2. Prefect


def seed(engine, count: int, catalogue, rng: random.Random) -> None:
    """`count` nurses in collecting_documents, each with address and consent, nothing on file."""
    from sqlalchemy import insert

    from domain.routing import route
    from models import Case, CaseEvent, Consent, Person, PersonAddress

    routings = {d: route("Pflegefachfrau", d, catalogue) for d in catalogue.districts}
    now = datetime.now(UTC)
    for start in range(0, count, 5_000):
        size = min(5_000, count - start)
        persons = [{
            "given_name": f"Olena{start + i}", "family_name": rng.choice(["Shevchenko", "Haddad", "Ahmadi", "Yılmaz"]),
            "birth_date": date(1990, 1, 1) + timedelta(days=i), "sex": rng.choice(["f", "m", None]),
            "language": rng.choice(["uk", "ar", "ru", "fa", "de"]), "email": None, "phone": None,
            "district": "verden" if i % 3 else "osterholz", "receives_buergergeld": bool(i % 2), "arrival_date": None,
            "lives_abroad": False, "name_changed": False, "created_at": now,
        } for i in range(size)]
        with engine.begin() as connection:
            ids = connection.execute(insert(Person.__table__).returning(Person.__table__.c.id, sort_by_parameter_order=True),
                                     persons).scalars().all()
            connection.execute(insert(PersonAddress.__table__), [
                {"person_id": pid, "street": f"Bahnhofstraße {n % 90 + 1}", "postcode": "27283", "city": "Verden (Aller)",
                 "addition": None, "updated_at": now} for n, pid in enumerate(ids)])
            connection.execute(insert(Consent.__table__), [
                {"person_id": pid, "purpose": "anerkennungsberatung", "given_on": TODAY, "given_by": "person",
                 "recorded_by": ACTOR, "withdrawn_on": None, "created_at": now} for pid in ids])
            cases = []
            for n, (pid, person) in enumerate(zip(ids, persons)):
                routing = routings[person["district"]]
                profession = routing.profession
                prefix = catalogue.districts[person["district"]].reference_prefix
                cases.append({
                    "reference": f"{prefix}-2026-{start + n:06d}", "district": person["district"], "person_id": pid,
                    "profession_text": "Pflegefachfrau", "reference_occupation_key": profession.key,
                    "reference_occupation": profession.name, "body_key": routing.body.key, "regulated": profession.regulated,
                    "law": profession.law, "legal_basis": profession.legal_basis, "procedure": profession.procedure,
                    "profession_group": profession.group, "fast_track": False, "eu_training": False,
                    "country_of_training": "UA", "state": "collecting_documents", "outcome": None,
                    "funding_route": "not_recorded", "funding_decided_on": None, "adviser_id": None,
                    "routing_method": routing.method, "routing_score": routing.score, "routing_reason": routing.reason,
                    "routing_conflict": None, "created_at": now, "updated_at": now, "last_activity_at": now,
                })
            case_ids = connection.execute(insert(Case.__table__).returning(Case.__table__.c.id, sort_by_parameter_order=True),
                                          cases).scalars().all()
            connection.execute(insert(CaseEvent.__table__), [
                {"case_id": cid, "event": "collect", "occurred_on": TODAY - timedelta(days=10), "outcome": None, "period": None,
                 "until": None, "note": None, "actor": ACTOR, "recorded_at": now} for cid in case_ids])


def cpu_seconds() -> float:
    """CPU time of this process and of its child processes still running (the temporary Prefect
    server), read from /proc on Linux: less sensitive than wall time to other work on the machine."""
    total = time.process_time()
    proc = Path("/proc")
    if not proc.exists():
        return total
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def forget_letters(engine, cases_dir: Path) -> None:
    from sqlalchemy import delete

    from models import Letter

    with engine.begin() as connection:
        connection.execute(delete(Letter.__table__))
    shutil.rmtree(cases_dir, ignore_errors=True)


def bench_flow(args, home: Path, rows: list) -> None:
    from prefect import flow

    from adapters.catalogue import load_catalogue
    from adapters.rules import load_checklist_rules
    from adapters.database import configured_engine, upgrade
    from adapters.docx import TemplateSet, load_letter_texts, templates_dir
    from adapters.settings import get_settings
    from flows.letters import letters_flow
    from flows import batches
    from services.letters import LetterKit, select_due, write_letters

    upgrade()
    engine = configured_engine()
    catalogue, rules, texts = load_catalogue(), load_checklist_rules(), load_letter_texts()
    cases_dir = get_settings().cases_dir
    started = time.perf_counter()
    seed(engine, args.flow_letters, catalogue, random.Random(args.seed))
    rows.append((f"seed {args.flow_letters:,} cases", f"{time.perf_counter() - started:.1f} s", "persons, addresses, consents, cases, events"))

    def plain() -> int:
        jobs = select_due(engine)
        written = 0
        for batch in batches(jobs, args.batch):
            templates = TemplateSet.load(templates_dir())  # once per batch, as the task does
            kit = LetterKit(templates=templates, texts=texts, catalogue=catalogue, rules=rules, cases_dir=cases_dir)
            results = write_letters(batch, engine=engine, kit=kit, today=TODAY, actor=ACTOR)
            written += sum(r.outcome == "written" for r in results)
        return written

    def in_flow() -> int:
        results = letters_flow(due=True, today=TODAY, actor=ACTOR, batch_size=args.batch)
        return sum(r.outcome == "written" for r in results)

    @flow(name="bench-noop")
    def noop() -> None:
        return None

    started = time.perf_counter()
    noop()
    startup_s = time.perf_counter() - started
    rows.append(("temporary Prefect server start", f"{startup_s:.1f} s", "first no-op flow run (not counted below)"))

    # alternate the two, so that a machine busy with something else slows both alike; medians
    times: dict[str, list[float]] = {"plain": [], "flow": []}
    cpu: dict[str, list[float]] = {"plain": [], "flow": []}
    counts: dict[str, int] = {}
    for round_ in range(max(1, args.flow_repeat)):
        # ABBA: every other pair runs the flow first, so that load rising or falling during the bench
        # (other work on the machine) does not always count against the same one
        order = (("plain", plain), ("flow", in_flow)) if round_ % 2 == 0 else (("flow", in_flow), ("plain", plain))
        for name, work in order:
            started, cpu_started = time.perf_counter(), cpu_seconds()
            counts[name] = work()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(cpu_seconds() - cpu_started)
            forget_letters(engine, cases_dir)
    plain_s, flow_s = statistics.median(times["plain"]), statistics.median(times["flow"])
    # each flow run against the plain run beside it (about the same load on the machine), median
    overhead = statistics.median((f - p) / p for p, f in zip(times["plain"], times["flow"]))
    runs = lambda name: ", ".join(f"{t:.1f}" for t in times[name])  # noqa: E731
    rows.append((f"plain functions, {counts['plain']:,} letters", f"{plain_s:.2f} s",
                 f"{plain_s * 1000 / max(counts['plain'], 1):.2f} ms/letter incl. SQLite, files, audit; batches of {args.batch}; "
                 f"median of {len(times['plain'])} ({runs('plain')} s)"))
    rows.append((f"letters_flow, {counts['flow']:,} letters", f"{flow_s:.2f} s",
                 f"1 flow run: template check, select, {math.ceil(args.flow_letters / args.batch)} batch tasks, report artifact; "
                 f"median of {len(times['flow'])} ({runs('flow')} s)"))
    rows.append(("Prefect overhead", f"{overhead * 100:+.1f} %",
                 f"wall time, median over the {len(times['flow'])} pairs (each flow run against the plain run beside it, in ABBA order); "
                 f"goal ≤ {OVERHEAD_GOAL * 100:.0f} % → {'ok' if overhead <= OVERHEAD_GOAL else 'MISSED'}"))
    plain_cpu, flow_cpu = statistics.median(cpu["plain"]), statistics.median(cpu["flow"])
    cpu_overhead = statistics.median((f - p) / p for p, f in zip(cpu["plain"], cpu["flow"]))
    rows.append(("Prefect overhead, CPU", f"{cpu_overhead * 100:+.1f} %",
                 f"CPU s of this process and the Prefect server, same pairing; medians: plain {plain_cpu:.1f}, flow {flow_cpu:.1f}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=1_000)
    parser.add_argument("--flow-letters", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of letter and floor in turns; the median is shown")
    parser.add_argument("--batch", type=int, default=500, help="letters (cases) per task, as letters_flow's default")
    parser.add_argument("--stock", type=int, default=50, help="letters rendered the stock docxtpl way (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--flow-repeat", type=int, default=5, help="alternating plain/flow runs; medians are compared")
    parser.add_argument("--skip-flow", action="store_true")
    args = parser.parse_args()
    home = prepare_environment()

    rows: list = []
    bench_render(args, home, rows)
    print_table(("measure", "value", "detail"), rows)
    if not args.skip_flow and args.flow_letters > 0:
        print()
        rows = []
        bench_flow(args, home, rows)
        print_table(("measure", "value", "detail"), rows)


if __name__ == "__main__":
    main()
