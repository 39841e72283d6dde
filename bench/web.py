"""Adviser web page over HTTP on loopback: p50/p95 per page at 100,000 cases, and requests/s.
Prints tables, asserts nothing.

    python bench/web.py [--cases 100000] [--requests 200] [--clients 4] [--seconds 10] [--database-url URL]
                        [--search-only]

On PostgreSQL, give an empty database of its own (it is filled):
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS wc_search_bench' -c 'CREATE DATABASE wc_search_bench'
    python bench/web.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/wc_search_bench

1. Seeds `--cases` persons and cases with their deadlines (bench/intake.py's seeding, the same
   distribution of states, districts and deadlines) into a throwaway state folder, and two accounts:
   a lead (both districts) and a Verden adviser.
2. Starts `welcome-center serve` (uvicorn, one process) on a free port on 127.0.0.1 and logs in over
   HTTP like a browser (GET the form, POST it with its CSRF token).
3. One client, `--requests` requests per page, in turns: the case list (first page; a later page;
   filtered by state; overdue, sorted by due date), the search by each kind an adviser types (a part
   of a name, a typo, a name without its marks, a name in the other script, several words, a
   reference, a profession), and the case page of random cases. p50/p95 per page (nearest rank).
   Goal: p95 ≤ 50 ms for the list, every kind of search and the case page. `--search-only`: only the
   searches.
4. `--clients` clients at once for `--seconds`, each cycling through those pages: requests/s and p95.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

GOAL_MS = 50.0
PASSWORD = "bench-passwort-2026"
LEAD = "leitung@bench.example"
VERDEN = "verden@bench.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    from intake import percentile as nearest_rank

    return nearest_rank(values, share)


def seed(args, home: Path) -> dict:
    from intake import seed_cases
    from sqlmodel import Session

    from services.accounts import create_adviser
    from services.search import rebuild_case_search
    from domain.access import Role
    from adapters.catalogue import load_catalogue
    from adapters.database import configured_engine, upgrade

    upgrade()
    engine = configured_engine()
    started = time.perf_counter()
    totals = seed_cases(engine, count=args.cases, catalogue=load_catalogue(), today=date.today(), rng=random.Random(args.seed))
    seeded = time.perf_counter()
    with Session(engine) as session:  # the seeding goes around the services: their search documents at once
        rebuild_case_search(session)
        session.commit()
    if engine.dialect.name == "postgresql":
        # what autovacuum does soon after a bulk load: statistics for the planner, and the trigram
        # index's pending list merged (GIN fastupdate), which every search would otherwise scan
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    print(f"search documents of {totals['cases in table']:,} cases written in {time.perf_counter() - seeded:.1f} s")
    with Session(engine) as session:
        create_adviser(session, name="Bench Leitung", email=LEAD, district=None, role=Role.LEAD, password=PASSWORD, actor="bench")
        create_adviser(session, name="Bench Verden", email=VERDEN, district="verden", role=Role.ADVISER, password=PASSWORD, actor="bench")
        session.commit()
    return {"cases": totals["cases in table"], "seconds": time.perf_counter() - started}


def references(limit: int = 2000) -> tuple[list[str], list[str], list[str]]:
    """Random case references, family names and professions that exist, for the case page and search."""
    from sqlalchemy import text

    from adapters.database import configured_engine

    with configured_engine().connect() as connection:
        refs = [r for (r,) in connection.execute(text(f"SELECT reference FROM recognition_case ORDER BY random() LIMIT {limit}"))]
        names = [tuple(r) for r in connection.execute(text("SELECT DISTINCT given_name, family_name FROM person LIMIT 5000"))]
        professions = [r for (r,) in connection.execute(text("SELECT DISTINCT profession_text FROM recognition_case LIMIT 100"))]
    return refs, names, professions


# Latin names of the seeded population as they are written in Cyrillic (the other direction is the
# transliteration of the Cyrillic names the population has)
CYRILLIC = {"Shevchenko": "Шевченко", "Kovalenko": "Коваленко", "Bondarenko": "Бондаренко", "Tkachenko": "Ткаченко",
            "Kravchenko": "Кравченко", "Melnyk": "Мельник", "Boiko": "Бойко", "Lysenko": "Лисенко", "Olena": "Олена",
            "Oksana": "Оксана", "Taras": "Тарас"}


def search_terms(refs: list[str], names: list[tuple[str, str]], professions: list[str]) -> dict[str, list[str]]:
    """What an adviser types, per kind of search, taken from the seeded cases."""
    from adapters.transliteration import load_tables
    from domain.search import fold_for_search
    from domain.transliteration import is_latin_text

    tables = load_tables()
    latin = sorted({f for _, f in names if f.isascii() and f.isalpha() and len(f) >= 6})
    marked = sorted({n for pair in names for n in pair if not n.isascii() and is_latin_text(n)})
    cyrillic = sorted({n for pair in names for n in pair if any("\u0400" <= c <= "\u04ff" for c in n)})
    rng = random.Random(11)
    parts = [name[i:i + 4].lower() for name in latin for i in range(1, len(name) - 4)]
    typos = []
    for name in latin:
        i = rng.randrange(1, len(name) - 2)
        typos.append(name[:i] + name[i + 1] + name[i] + name[i + 2:])  # two neighbours swapped
        typos.append(name[:i] + name[i + 1:])  # a letter left out
    return {
        "Suche Teil des Namens": parts,
        "Suche Tippfehler": typos,
        "Suche ohne Zeichen": [fold_for_search(n, tables=tables).title() for n in marked]
        + [n.translate(str.maketrans({"ü": "ue", "ö": "oe", "Ö": "Oe"})) for n in marked if set(n) & set("üöÖ")],
        "Suche andere Schrift": [fold_for_search(n, tables=tables).title() for n in cyrillic]
        + [c for n, c in CYRILLIC.items() if n in {x for pair in names for x in pair}],
        "Suche mehrere Wörter": [f"{g} {f}" for g, f in rng.sample(names, min(300, len(names)))],
        "Suche Aktenzeichen": refs,
        "Suche Beruf": [p[:8] for p in professions],
    }


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "welcome_center", "serve", "--port", str(port)],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    atexit.register(process.terminate)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start within 120 s")


def logged_in(base: str, email: str):
    import httpx

    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    form = client.get("/anmelden")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    response = client.post("/anmelden", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else "", "next": "/"})
    if response.status_code != 303:
        raise SystemExit(f"login as {email} failed: HTTP {response.status_code}")
    return client


def pages(refs: list[str], terms: dict[str, list[str]], rng: random.Random, *, search_only: bool = False) -> dict:
    """Page name → a function giving the next URL."""
    from urllib.parse import quote

    lists = {
        "Fälle, Seite 1": lambda: "/faelle",
        "Fälle, Seite 20": lambda: "/faelle?page=20",
        "Fälle, Stand in Prüfung": lambda: "/faelle?state=in_assessment",
        "Fälle, überfällig nach Frist": lambda: "/faelle?overdue=1&sort=next_due",
    }
    searches = {kind: (lambda words=words: f"/faelle?q={quote(rng.choice(words))}") for kind, words in terms.items() if words}
    others = {
        "Fall": lambda: f"/faelle/{rng.choice(refs)}",
        "Übersicht": lambda: "/",
    }
    return searches if search_only else {**lists, **searches, **others}


def sequential(client, urls: dict, count: int) -> list[tuple]:
    times: dict[str, list[float]] = {name: [] for name in urls}
    statuses: dict[str, set] = {name: set() for name in urls}
    for _ in range(count):
        for name, make in urls.items():
            url = make()
            started = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - started) * 1000)
            statuses[name].add(response.status_code)
    rows = []
    for name, values in times.items():
        p95 = percentile(values, 0.95)
        goal = name.startswith(("Fälle", "Suche")) or name == "Fall"
        rows.append((name, f"{percentile(values, 0.5):.1f}", f"{p95:.1f}", f"{max(values):.1f}",
                     ",".join(map(str, sorted(statuses[name]))),
                     ("ok" if p95 <= GOAL_MS else "MISSED") if goal else "–"))
    return rows


def concurrent(base: str, urls: dict, clients: int, seconds: float) -> tuple[float, float, int, int]:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(index: int) -> None:
        client = logged_in(base, LEAD if index % 2 == 0 else VERDEN)
        makers = list(urls.values())
        mine = []
        i = index
        while time.monotonic() < stop:
            url = makers[i % len(makers)]()
            i += 1
            started = time.perf_counter()
            response = client.get(url)
            mine.append((time.perf_counter() - started) * 1000)
            if response.status_code not in (200, 404):
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, percentile(latencies, 0.95), len(latencies), errors[0]


def print_table(header, rows) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per page, one client")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="default: a SQLite file in a temp folder")
    parser.add_argument("--search-only", action="store_true", help="measure only the searches")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="welcome-center-bench-web-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["WELCOME_CENTER_HOME"] = str(home)
    os.environ["WELCOME_CENTER_DATABASE_URL"] = args.database_url or f"sqlite:///{home / 'welcome-center.db'}"

    seeded = seed(args, home)
    print(f"seeded {seeded['cases']:,} cases in {seeded['seconds']:.1f} s "
          f"({'PostgreSQL' if args.database_url else 'SQLite file'}); load average {os.getloadavg()[0]:.1f}")
    refs, names, professions = references()
    terms = search_terms(refs, names, professions)
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(args.seed)
    urls = pages(refs, terms, rng, search_only=args.search_only)
    for email in (LEAD, VERDEN):
        client = logged_in(base, email)
        sequential(client, urls, 5)  # warm-up: templates compiled, SQLite pages cached
        rows = sequential(client, urls, args.requests)
        role = "lead, both districts" if email == LEAD else "adviser, Verden only"
        print(f"\none client, {args.requests} requests per page, logged in as {role} (ms):")
        print_table(("page", "p50", "p95", "max", "HTTP", f"p95 ≤ {GOAL_MS:.0f} ms"), rows)
    rate, p95, total, errors = concurrent(base, urls, args.clients, args.seconds)
    print(f"\n{args.clients} clients at once for {args.seconds:.0f} s, all pages in turn: {rate:.0f} requests/s, "
          f"p95 {p95:.1f} ms, {total:,} requests, {errors} not 200/404")
    server.terminate()
    server.wait(timeout=30)


if __name__ == "__main__":
    main()
