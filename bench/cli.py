"""Whole-process CPU time of the look-up commands, as a person runs them; prints a table, asserts nothing.

    python bench/cli.py [--runs 7] [--home DIR]

Each command runs `--runs` times as a new process (`python -m welcome_center …`); the figure is the
median of the child's user + system CPU time (resource.getrusage), which load on the machine changes
less than wall time. The first run of each command fills the catalogue's copy on disk; it is shown
apart ("cold"). The goal for `route` is at most 0.5 s of CPU.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = [
    ["route", "Krankenschwester", "--district", "verden"],
    ["route", "Elektronikerin", "--district", "osterholz", "--json"],
    ["deadline", "decision", "--from", "2026-03-02"],
    ["bodies"],
    ["professions", "--search", "pflege"],
]


def run(args: list[str], env: dict) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "welcome_center", *args], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--home", help="state folder (default: a new temporary one, so the first run is cold)")
    options = parser.parse_args()
    home = options.home or tempfile.mkdtemp(prefix="welcome-center-bench-")
    # as a person's machine runs it: Python keeps the compiled modules (__pycache__), also where the
    # shell says PYTHONDONTWRITEBYTECODE (as some containers do), which would compile every module of
    # ours anew in every run (about 45 ms here)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["WELCOME_CENTER_HOME"] = home
    print(f"{'command':<62} {'cold CPU s':>10} {'CPU s (median)':>15} {'wall s (median)':>16}")
    for args in COMMANDS:
        cold, _ = run(args, env)
        figures = [run(args, env) for _ in range(options.runs)]
        cpu = statistics.median(c for c, _ in figures)
        wall = statistics.median(w for _, w in figures)
        print(f"{'welcome-center ' + ' '.join(args):<62} {cold:>10.2f} {cpu:>15.2f} {wall:>16.2f}")


if __name__ == "__main__":
    main()
