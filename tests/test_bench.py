"""The benchmarks still run: each script under bench/ at a tiny size, as a person would start it.

They assert nothing about speed (figures are read, not tested); this only keeps them from rotting
when the code they call changes (bench/intake.py had called a selector that issue 11 merged away).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

SMALL = [
    ("intake.py", ["--rows", "40", "--files", "20", "--flow-files", "0", "--skip-flow", "--cases", "200", "--repeat", "2"],
     ["rows/s", "files/s", "cases_page first page"]),
    ("import.py", ["--mb", "0.05"], ["rows/s", "peak memory"]),
    ("routing.py", ["--queries", "200", "--deadlines", "200", "--repeat", "1"], ["routes", "deadlines"]),
    ("web.py", ["--cases", "300", "--requests", "3", "--clients", "1", "--seconds", "1", "--search-only"],
     ["Suche Teil des Namens", "Suche andere Schrift"]),
    ("local_imports.py", [], ["function-local imports of own packages:"]),
    ("up.py", ["--runs", "1"], ["intake with up running", "ratio with up / without", "web page answers after",
                                "0 of its 4 processes left"]),
    ("report.py", ["--cases", "300", "--repeat", "1"], ["cases_page first page (50 rows)", "both districts",
                                                        "ratio to first page"]),
    ("send_window.py", ["--mails", "20", "--senders", "1,2", "--latency-ms", "0"], ["mails/s with window"]),
]


@pytest.mark.parametrize(("script", "args", "expected"), SMALL, ids=[s for s, _, _ in SMALL])
def test_the_bench_runs_at_a_tiny_size_and_prints_its_figures(script, args, expected, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    for text in expected:
        assert text in done.stdout, done.stdout[-3000:]
