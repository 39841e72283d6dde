"""Routes per second for N mixed queries and deadlines per second; prints a table, asserts nothing.

    python bench/routing.py [--queries 10000] [--deadlines 100000] [--seed 7] [--repeat 5]

Rates are given by wall-clock time and by the process's CPU time: on a shared machine the CPU time
is the steadier figure to compare two versions with.

The mix: 50 % synonyms as written, 20 % with changed case/diacritics/gender suffix, 20 % with one
typo, 5 % unknown professions, 5 % made-up words. The catalogue is loaded once, before the clock starts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from datetime import date, timedelta

from domain.calendar import lower_saxony_calendar
from domain.deadlines import Kind, due_date
from domain.routing import route
from adapters.catalogue import load_catalogue

UNKNOWN = ["Astronaut", "Influencer", "Zauberer", "космонавт", "Hausmeisterin Chef", "blabla", "xyz", "Pilotin"]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    action = rng.choice(["drop", "swap", "double"])
    if action == "drop":
        return word[:i] + word[i + 1 :]
    if action == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def variant(word: str, rng: random.Random) -> str:
    choice = rng.choice(["upper", "lower", "strip", "gender"])
    if choice == "upper":
        return word.upper()
    if choice == "lower":
        return word.lower()
    if choice == "strip":
        return word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return word + "/in"


def make_queries(catalogue, n: int, rng: random.Random) -> list[str]:
    words = [w for p in catalogue.professions.values() for _, ws in p.synonyms for w in ws]
    queries = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.5:
            queries.append(rng.choice(words))
        elif roll < 0.7:
            queries.append(variant(rng.choice(words), rng))
        elif roll < 0.9:
            queries.append(typo(rng.choice(words), rng))
        elif roll < 0.95:
            queries.append(rng.choice(UNKNOWN))
        else:  # a made-up word, different every time
            queries.append("".join(rng.choice("abcdefghiklmnoprstuvwz") for _ in range(rng.randint(5, 14))))
    return queries


def median_seconds(work, repeat: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(max(1, repeat)):
        started = clock()
        work()
        times.append(clock() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--deadlines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measure; the median is shown")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    catalogue = load_catalogue()
    load_seconds = time.perf_counter() - started
    queries = make_queries(catalogue, args.queries, rng)
    districts = list(catalogue.districts)

    outcomes: Counter[str] = Counter()
    for i, query in enumerate(queries):  # warm-up, and the mix of outcomes
        outcomes[route(query, districts[i % 2], catalogue).method or "candidates"] += 1

    def route_all() -> None:
        for i, query in enumerate(queries):
            route(query, districts[i % 2], catalogue)

    route_seconds = median_seconds(route_all, args.repeat)
    route_cpu_seconds = median_seconds(route_all, args.repeat, clock=time.process_time)

    calendar = lower_saxony_calendar()
    first = date(2024, 1, 1)
    starts = [first + timedelta(days=rng.randrange(0, 3 * 365)) for _ in range(args.deadlines)]
    kinds = [Kind.ACKNOWLEDGEMENT, Kind.DECISION]

    def deadline_all() -> None:
        for i, start in enumerate(starts):
            due_date(kinds[i % 2], start, calendar=calendar, fast_track=bool(i % 3 == 0))

    deadline_seconds = median_seconds(deadline_all, args.repeat)

    rows = [
        ("catalogue load (once)", f"{load_seconds * 1000:.0f} ms", f"{len(catalogue.professions)} professions, {len(catalogue.choices)} indexed words"),
        ("routes", f"{args.queries / route_seconds:,.0f} /s", f"{args.queries:,} queries in {route_seconds:.3f} s (median of {args.repeat}); " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))),
        ("routes (CPU time)", f"{args.queries / route_cpu_seconds:,.0f} /s", f"{route_cpu_seconds * 1e6 / args.queries:.1f} µs per query (median of {args.repeat})"),
        ("deadlines", f"{args.deadlines / deadline_seconds:,.0f} /s", f"{args.deadlines:,} in {deadline_seconds:.3f} s (median of {args.repeat})"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'rate':>14}  detail")
    for name, rate, detail in rows:
        print(f"{name.ljust(width)}  {rate:>14}  {detail}")


if __name__ == "__main__":
    main()
