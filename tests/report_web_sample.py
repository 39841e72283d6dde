"""A realistic report (the shape of docs/report-schema.md, exact figures) and small fakes of the three
pieces built on other branches, for the Berichte page and the monthly flow until those are merged:

- `services.reports.build_report(engine, *, start, end, district=None, today=None) -> Report` with
  `Report.as_json(*, internal)`: the sample, cut to the period and district asked for, suppressed
  ("< 3" for 1 and 2) unless internal;
- `adapters.report_charts.render_charts(report, folder) -> dict[str, Path]`: four real PNGs (bars);
- `adapters.report_xlsx.write_workbook(report, path, charts=None) -> Path`: a zip named .xlsx with
  the report's JSON inside (enough to attach, download and read back).

`install(monkeypatch)` puts the fakes into `sys.modules` under the real modules' names, so the code
under test (which imports them where it uses them) finds them; `CALLS` records what was asked.
`python -m tests.report_web_sample serve --port N` runs `welcome-center serve` with the fakes in
place (for the browser test, whose server is a process of its own).
"""

from __future__ import annotations

import copy
import json
import struct
import sys
import types
import zipfile
import zlib
from datetime import date
from pathlib import Path

from dateutil.relativedelta import relativedelta

STATES = ("intake", "collecting_documents", "ready_to_submit", "submitted", "acknowledged", "documents_complete",
          "in_assessment", "suspended", "decided", "closed", "withdrawn")


def _district(scale: int, small: bool) -> dict:
    """The figures of one district; `small` makes some cells 1 or 2 (to be suppressed)."""
    return {
        "persons": 61 * scale, "women": 35 * scale, "under_25": 2 if small else 9 * scale,
        "buergergeld": 30 * scale, "women_buergergeld": 19 * scale, "under_25_buergergeld": 1 if small else 5 * scale,
        "cases_opened": 40 * scale,
        "countries": [
            {"code": "UA", "name": "Ukraine", "persons": 27 * scale}, {"code": "SY", "name": "Syrien", "persons": 12 * scale},
            {"code": "AF", "name": "Afghanistan", "persons": 8 * scale}, {"code": "TR", "name": "Türkei", "persons": 6 * scale},
            {"code": "other", "name": "andere", "persons": 6 * scale}, {"code": "unknown", "name": "nicht erfasst", "persons": 2},
        ],
        "states_at_end": dict(zip(STATES, (3 * scale, 10 * scale, 4 * scale, 6 * scale, 5 * scale, 3 * scale, 4 * scale,
                                           1, 7 * scale, 12 * scale, 2))),
        "submitted": 15 * scale,
        "decisions": {"full": 5 * scale, "partial": 2, "compensation": 3 * scale, "none": 1},
        "decisions_by_group": {
            "gesundheit": {"full": 3 * scale, "partial": 1, "compensation": 3 * scale, "none": 0},
            "handwerk": {"full": 2 * scale, "partial": 1, "compensation": 0, "none": 1},
        },
        "decisions_by_body": {
            "nlga": {"name": "Niedersächsisches Landesgesundheitsamt", "full": 3 * scale, "partial": 1,
                     "compensation": 3 * scale, "none": 0},
            "hwk_stade": {"name": "Handwerkskammer Braunschweig-Lüneburg-Stade", "full": 2 * scale, "partial": 1,
                          "compensation": 0, "none": 1},
        },
        "median_days_to_decision": 61.0 + scale,
        "durations": {
            "opening_to_submission": {"cases": 15 * scale, "median": 42.0, "p90": 90.0},
            "submission_to_acknowledgement": {"cases": 12 * scale, "median": 20.0, "p90": 30.0},
            "complete_to_decision": {"cases": 2 if small else 11 * scale, "median": 61.0 + scale, "p90": 88.5},
        },
        "within_statutory_period": {"decided": 11 * scale, "within": 9 * scale, "share": 0.82},
        "funding": {"recorded_before_submission": 10 * scale, "submitted_without": 5 * scale},
        "employers": {"smes_reached": 4 * scale, "cases_linked": 6 * scale},
        "opened_per_month": {},
        "funnel": {"opened": 40 * scale, "submitted": 15 * scale, "acknowledged": 12 * scale, "decided": 11 * scale},
    }


def _add(a, b):
    if isinstance(a, dict):
        return {key: _add(a[key], b[key]) if key in b else a[key] for key in a}
    if isinstance(a, list):
        return a
    if isinstance(a, str):
        return a
    return a + b


VERDEN = _district(2, small=False)
OSTERHOLZ = _district(1, small=True)
SAMPLE = {
    "period": {"from": "2026-01-01", "to": "2026-11-25"},
    "district": None,
    "internal": True,
    "generated_on": "2026-11-25",
    "suppression": 'Werte 1 und 2 als "< 3" (wie die Statistik der Bundesagentur für Arbeit)',
    "districts": {"verden": VERDEN, "osterholz": OSTERHOLZ, "all": _add(VERDEN, OSTERHOLZ)},
}
SAMPLE["districts"]["all"]["median_days_to_decision"] = 62.0
SAMPLE["districts"]["all"]["within_statutory_period"]["share"] = 0.82
for key in ("durations",):
    for part in SAMPLE["districts"]["all"][key].values():
        part["median"], part["p90"] = 44.0, 90.0


def months(start: date, end: date) -> list[str]:
    found, month = [], start.replace(day=1)
    while month <= end:
        found.append(f"{month:%Y-%m}")
        month += relativedelta(months=1)
    return found


def suppress(value, key: str | None = None, cases=None):
    """The schema's rule: a count of 1 or 2 becomes "< 3"; a median, p90 or share based on 1 or 2 cases too."""
    if isinstance(value, dict):
        base = value.get("cases", value.get("decided"))
        return {k: suppress(v, k, base) for k, v in value.items()}
    if isinstance(value, list):
        return [suppress(v, key) for v in value]
    if key in ("median", "p90", "share", "median_days_to_decision"):
        return "< 3" if cases in (1, 2) else value
    if isinstance(value, int) and not isinstance(value, bool) and value in (1, 2):
        return "< 3"
    return value


CALLS: list[dict] = []


class FakeReport:
    def __init__(self, start: date, end: date, district: str | None, today: date | None) -> None:
        self.start, self.end, self.district, self.today = start, end, district, today

    def as_json(self, *, internal: bool) -> dict:
        report = copy.deepcopy(SAMPLE)
        report["period"] = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        report["district"] = self.district
        report["internal"] = internal
        report["generated_on"] = (self.today or date(2026, 11, 25)).isoformat()
        for index, figures in enumerate(report["districts"].values()):
            figures["opened_per_month"] = {m: 3 + (i * 7 + index * 3) % 11 for i, m in enumerate(months(self.start, self.end))}
        if self.district:
            report["districts"] = {self.district: report["districts"][self.district], "all": report["districts"][self.district]}
        if not internal:
            for key, figures in list(report["districts"].items()):
                cases = figures["durations"]["complete_to_decision"]["cases"]
                shown = suppress(figures)
                shown["median_days_to_decision"] = "< 3" if cases in (1, 2) else figures["median_days_to_decision"]
                report["districts"][key] = shown
        return report


def build_report(engine, *, start: date, end: date, district: str | None = None, today: date | None = None) -> FakeReport:
    CALLS.append({"what": "build_report", "start": start, "end": end, "district": district, "today": today})
    return FakeReport(start, end, district, today)


CHART_NAMES = ("opened_per_month", "funnel", "outcomes_by_group", "durations")
COLOURS = ((11, 79, 138), (29, 107, 50), (164, 22, 26), (122, 77, 0))


def png(width: int, height: int, bars: list[int], colour: tuple[int, int, int]) -> bytes:
    """A real PNG: white, with one bar per value (heights in % of the picture)."""
    rows = []
    slot = width // max(len(bars), 1)
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            bar = min(x // slot, len(bars) - 1)
            inside = x % slot > slot // 5 and height - y <= bars[bar] * height // 100
            row += bytes(colour) if inside else b"\xff\xff\xff"
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


def render_charts(report: dict, folder: Path) -> dict[str, Path]:
    CALLS.append({"what": "render_charts", "period": report["period"], "internal": report["internal"]})
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for number, name in enumerate(CHART_NAMES):
        path = folder / f"{name}.png"
        path.write_bytes(png(320, 200, [30 + (number * 17 + i * 23) % 65 for i in range(4 + number)], COLOURS[number]))
        made[name] = path
    return made


def write_workbook(report: dict, path: Path, charts: dict[str, Path] | None = None) -> Path:
    CALLS.append({"what": "write_workbook", "period": report["period"], "internal": report["internal"],
                  "charts": sorted(charts or {})})
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("report.json", json.dumps(report, ensure_ascii=False))
    return path


def fake_modules() -> dict[str, types.ModuleType]:
    reports = types.ModuleType("services.reports")
    reports.build_report = build_report
    charts = types.ModuleType("adapters.report_charts")
    charts.render_charts = render_charts
    xlsx = types.ModuleType("adapters.report_xlsx")
    xlsx.write_workbook = write_workbook
    return {"services.reports": reports, "adapters.report_charts": charts, "adapters.report_xlsx": xlsx}


def install(monkeypatch) -> list[dict]:
    CALLS.clear()
    for name, module in fake_modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    return CALLS


if __name__ == "__main__":  # python -m tests.report_web_sample serve --port N
    sys.modules.update(fake_modules())
    from welcome_center.cli import app

    app(sys.argv[1:], prog_name="welcome-center")
