"""The CSV import at size: rows per second and peak memory; prints a table, asserts nothing.

    python bench/import.py [--mb 200] [--seed 7] [--keep]

Writes a CSV file of about `--mb` megabytes (German Excel's "CSV UTF-8": semicolons, BOM, CRLF) into a
throwaway folder (tempfile.mkdtemp, removed at the end unless `--keep`), with invented persons in
Latin, Cyrillic and Arabic script, a few hostile rows (a formula name, markup, a ragged row, a
duplicate row) and the country names German offices write. Then it runs the command an adviser runs,
`welcome-center import FILE`, as a child process on the embedded default (a SQLite file in the same
throwaway folder; data/local/ is never touched), and reads the child's peak resident memory from
`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`. The goal: at most 300 MB whatever the file's size.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK_GOAL_MB = 300
HEADER = ("Vorname;Nachname;Geburtsdatum;Geschlecht;Landkreis;Sprache;E-Mail;Telefon;Beruf;Ausbildungsland;"
          "Schnellverfahren;Bürgergeld")
GIVEN = ["Olena", "Oksana", "Iryna", "Mariia", "Andrii", "Amal", "Rania", "Fatima", "Mohammed", "Ahmad", "Zoë",
         "Олена", "Ірина", "Андрій", "Наталія", "فاطمة", "محمد", "Ayşe", "Mehmet", "Nguyễn", "O'Connor", "Jean-Luc"]
FAMILY = ["Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Al-Hassan", "Haddad", "Khalil", "Yilmaz", "Demir",
          "Коваленко", "Шевченко", "Бондаренко", "حداد", "خليل", "D\u2019Angelo", "Müller-Lüdenscheidt", "Öztürk"]
PROFESSIONS = ["Krankenschwester", "Lehrerin", "Ingenieur", "Apothekerin", "Erzieherin", "Arzt", "Zahnärztin",
               "Elektriker", "Bäcker", "Pflegefachfrau", "медсестра", "nurse", "Hebamme", "Physiotherapeutin"]
COUNTRIES = ["Ukraine", "Syrien, Arabische Republik", "Korea, Republik", "Russische Föderation",
             "Iran, Islamische Republik", "Türkei", "UA", "SY", "Vereinigtes Königreich", ""]
LANGUAGES = ["uk", "ar", "ru", "tr", "fa", "en"]
HOSTILE = ['"=HYPERLINK(""http://x"")";Muster', "<script>alert(1)</script>;Muster", "{{ 7*7 }};Muster"]


def write_file(path: Path, megabytes: float, rng: random.Random) -> tuple[int, int]:
    """About `megabytes` MB of rows; (rows, bytes). Every person is distinct by construction (the row's
    number picks the birth date and the family names), except the rows written as duplicates."""
    target = int(megabytes * 1024 * 1024)
    first_day = date(1950, 1, 1)
    written = rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + HEADER + "\r\n")
        previous = ""
        while written < target:
            rows += 1
            if rows % 10_007 == 0 and previous:  # a duplicate row
                line = previous
            elif rows % 10_009 == 0:  # a ragged row
                line = "Anna;Kurz;01.01.1990;w;Verden;uk\r\n"
            elif rows % 10_037 == 0:  # a hostile name
                line = f"{HOSTILE[rows % len(HOSTILE)]};01.01.1990;w;Verden;uk;;;Lehrerin;UA;nein;nein\r\n"
            else:
                day = first_day + timedelta(days=rows % 20_000)
                pair = rows // 20_000
                family = f"{FAMILY[pair % len(FAMILY)]}-{FAMILY[(pair // len(FAMILY)) % len(FAMILY)]}"
                given = rng.choice(GIVEN)
                email = f"p{rows}@example.org" if rng.random() < 0.4 else ""
                phone = f"+49 4231 {rows:07d}" if rng.random() < 0.3 else ""
                line = (f"{given};{family};{day:%d.%m.%Y};{rng.choice('fwmd')};{rng.choice(['Verden', 'osterholz'])};"
                        f"{rng.choice(LANGUAGES)};{email};{phone};{rng.choice(PROFESSIONS)};"
                        f"\"{rng.choice(COUNTRIES)}\";nein;{rng.choice(['ja', 'nein'])}\r\n")
                previous = line
            out.write(line)
            written += len(line.encode("utf-8"))
    return rows, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=200, help="size of the generated file in MB (default 200)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway folder (its path is printed)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="welcome-center-bench-import-"))
    try:
        path = home / "faelle.csv"
        started = time.perf_counter()
        rows, size = write_file(path, args.mb, random.Random(args.seed))
        written_s = time.perf_counter() - started

        env = {name: value for name, value in os.environ.items() if not name.startswith(("WELCOME_CENTER_", "PREFECT_"))}
        env |= {"WELCOME_CENTER_HOME": str(home), "WELCOME_CENTER_DATABASE_URL": f"sqlite:///{home / 'welcome-center.db'}",
                "WELCOME_CENTER_MAX_IMPORT_BYTES": str(max(size + 1, 512 * 1024 * 1024)), "COLUMNS": "200"}
        migrate = subprocess.run([sys.executable, "-m", "welcome_center", "db", "upgrade"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, check=False)
        if migrate.returncode:
            sys.exit(f"db upgrade failed: {migrate.stderr[-2000:]}")
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-m", "welcome_center", "import", str(path)], cwd=ROOT, env=env,
                               capture_output=True, text=True, check=False)
        import_s = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        summary = child.stdout.splitlines()[0] if child.stdout else child.stderr[-500:]
        counts = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) (?:imported|already|rows refused)", summary)]
        print_table(("measure", "value", "note"), [
            ("file", f"{size / 1024 / 1024:,.1f} MB", f"{rows:,} rows written in {written_s:.1f} s ({path.name})"),
            ("import", f"{import_s:,.1f} s", f"`welcome-center import` exit {child.returncode}: {summary}"),
            ("rate", f"{rows / import_s:,.0f} rows/s", "rows in the file / wall time of the child (start-up included)"),
            ("peak memory", f"{peak_mb:,.0f} MB",
             f"ru_maxrss of the child; goal ≤ {PEAK_GOAL_MB} MB: {'ok' if peak_mb <= PEAK_GOAL_MB else 'MISSED'}"),
            ("stored", f"{counts[0]:,}" if counts else "?", "cases imported (refused: the hostile, ragged and duplicate rows)"),
        ])
        if child.returncode not in (0, 1):
            print(child.stderr[-3000:], file=sys.stderr)
    finally:
        if args.keep:
            print(f"kept: {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        print("  ".join([str(cell).ljust(width) for cell, width in zip(row, widths)] + [str(row[-1])]))


if __name__ == "__main__":
    main()
