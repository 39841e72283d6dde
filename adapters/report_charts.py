"""The report's charts as PNG (issue 16): cases opened per month by district, the funnel from intake to
decision, outcomes by profession group, and the durations of the steps against the statutory periods.

They are drawn from the report's JSON dict alone (docs/report-schema.md), so they work on the
internal and on the suppressed report alike. A suppressed value ("< 3": 1 or 2) is never drawn as 0:
a bar is a hatched, unfilled outline labelled "< 3", a segment of a stacked bar is named beside the
bar, a duration is replaced by a sentence, and each chart says so in its footnote.

Matplotlib is imported inside `render_charts` (a command that does not draw does not pay for it) and
used through `Figure` with the Agg canvas, not pyplot: no display, no global figure state. The output
is deterministic for the same dict: fixed size (1200 × 675 px), fixed dpi, DejaVu Sans (shipped with
matplotlib), no timestamp in the PNG metadata.
"""

from __future__ import annotations

import io
import threading
from datetime import date
from pathlib import Path

from adapters.filestore import write_atomically
from domain.calendar import format_date
from domain.report_labels import (
    DURATION_STEPS,
    EXTENDED_DECISION,
    FUNNEL_STEPS,
    OUTCOME_LABEL_DE,
    STATUTORY_PERIODS,
    district_de,
    district_keys,
    group_de,
    is_suppressed,
    month_de,
)

WIDTH_PX, HEIGHT_PX, DPI = 1200, 675, 100
_DRAWING = threading.Lock()
CHART_FILES = {
    "opened_per_month": "faelle_je_monat.png",
    "funnel": "weg_zum_bescheid.png",
    "outcomes_by_group": "ergebnisse_nach_berufsgruppe.png",
    "durations": "dauer_und_fristen.png",
}
# Okabe & Ito's palette, told apart with the common colour vision deficiencies (Wong, Nature Methods 2011)
DISTRICT_COLOURS = {"verden": "#0072B2", "osterholz": "#E69F00", "all": "#555555"}
OUTCOME_COLOURS = {"full": "#009E73", "partial": "#56B4E9", "compensation": "#E69F00", "none": "#D55E00"}
OUTCOME_HATCHES = {"full": "", "partial": "//", "compensation": "..", "none": "xx"}
TEXT = "#222222"
MUTED = "#555555"
SUPPRESSED_NOTE = ("„< 3“: 1 oder 2, zum Schutz der Personen nicht gezeigt; „x“: ausgeblendet, damit sich kein solcher Wert "
                   "zurückrechnen lässt (schraffierter Rahmen, kein Wert)")
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.edgecolor": "#888888",
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "welcome-center",
}


def render_charts(report: dict, folder: Path) -> dict[str, Path]:
    """Draw the four charts of `report` into `folder`; returns chart key → PNG path (CHART_FILES)."""
    import matplotlib  # deferred: matplotlib costs about half a second to import

    # the Agg canvas is named directly, not chosen by matplotlib.use(): nothing global changes for pyplot
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    drawings = {
        "opened_per_month": _opened_per_month,
        "funnel": _funnel,
        "outcomes_by_group": _outcomes_by_group,
        "durations": _durations,
    }
    written: dict[str, Path] = {}
    # rcParams are global: two threads of the web page drawing at once take turns
    with _DRAWING, matplotlib.rc_context(STYLE):
        for key, draw in drawings.items():
            figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
            FigureCanvasAgg(figure)
            draw(figure, report)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
            path = folder / CHART_FILES[key]
            write_atomically(path, buffer.getvalue())
            written[key] = path
    return written


# ------------------------------------------------------------------------------------------ helpers


def _scope(report: dict) -> str:
    district = report.get("district")
    return district_de(district) if district else "Landkreise Verden und Osterholz"


def _subtitle(report: dict) -> str:
    period = report.get("period", {})
    start, end = (_day(period.get(name)) for name in ("from", "to"))
    made = _day(report.get("generated_on"))
    version = "intern, exakte Werte" if report.get("internal") else "zur Weitergabe, kleine Werte als „< 3“"
    return f"{_scope(report)} · {start} bis {end} · erstellt am {made} · {version}"


def _day(text: str | None) -> str:
    try:
        return format_date(date.fromisoformat(text or ""))
    except ValueError:
        return str(text or "?")


def _frame(figure, report: dict, title: str, footnotes: list[str]) -> None:
    figure.suptitle(title, x=0.02, y=0.975, ha="left", fontsize=17, fontweight="bold", color=TEXT)
    figure.text(0.02, 0.905, _subtitle(report), ha="left", fontsize=11, color=MUTED)
    for line, note in enumerate(footnotes):
        figure.text(0.02, 0.018 + 0.031 * (len(footnotes) - 1 - line), note, ha="left", fontsize=9.5, color=MUTED)


def _number(value: float) -> str:
    """German number: 61 → "61", 61.5 → "61,5"."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value)}"


def _count(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _real_districts(report: dict) -> list[str]:
    """The districts to draw side by side: the two (or the one asked for), "all" only when alone."""
    keys = district_keys(report)
    real = [key for key in keys if key != "all"]
    return real or keys


def _tidy(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _suppressed_patch(axes, *, x, y, width, height, colour, horizontal: bool, fontsize: float = 9,
                      label: str = "< 3") -> None:
    """An unfilled, hatched outline where a suppressed value would be: visibly not 0 and not a value."""
    from matplotlib.patches import Rectangle

    axes.add_patch(Rectangle((x, y), width, height, fill=False, hatch="///", edgecolor=colour, linewidth=1.2,
                             linestyle="--"))
    if horizontal:
        axes.text(x + width + 0.4, y + height / 2, label, va="center", ha="left", fontsize=10, color=TEXT)
    else:
        axes.text(x + width / 2, y + height + 0.15, label, va="bottom", ha="center", fontsize=fontsize, color=TEXT)


def _legend_patches(districts: list[str], *, with_suppressed: bool):
    from matplotlib.patches import Patch

    patches = [Patch(facecolor=DISTRICT_COLOURS.get(key, MUTED), label=district_de(key)) for key in districts]
    if with_suppressed:
        patches.append(Patch(fill=False, hatch="///", edgecolor=MUTED, linestyle="--", label="< 3 (nicht gezeigt)"))
    return patches


# ------------------------------------------------------------------------------------------ charts


def _opened_per_month(figure, report: dict) -> None:
    districts = _real_districts(report)
    months = sorted({month for key in districts for month in report["districts"][key].get("opened_per_month", {})})
    axes = figure.add_axes((0.07, 0.2, 0.9, 0.62))
    width = 0.8 / max(len(districts), 1)
    suppressed = False
    top = 0.0
    for position, key in enumerate(districts):
        counts = report["districts"][key].get("opened_per_month", {})
        colour = DISTRICT_COLOURS.get(key, MUTED)
        for index, month in enumerate(months):
            x = index - 0.4 + position * width
            value = counts.get(month)
            if is_suppressed(value):
                suppressed = True
                _suppressed_patch(axes, x=x + 0.05 * width, y=0, width=0.9 * width, height=2, colour=colour,
                                  horizontal=False, fontsize=5 if len(months) > 14 else 9, label=str(value))
                top = max(top, 2)
            elif (number := _count(value)) is not None:
                axes.bar(x, number, width=0.9 * width, align="edge", color=colour)
                axes.text(x + 0.45 * width, number + 0.15, _number(number), ha="center", va="bottom",
                          fontsize=6 if len(months) > 14 else 9, color=TEXT)
                top = max(top, number)
    crowded = len(months) > 14  # a period of more than a year: labels upright, smaller
    axes.set_xticks(range(len(months)), [month_de(month) for month in months], fontsize=8 if crowded else 10,
                    rotation=90 if crowded else 0)
    axes.set_xlim(-0.6, len(months) - 0.4)
    axes.set_ylim(0, max(top * 1.18, 3))
    axes.set_ylabel("eröffnete Fälle")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    _tidy(axes)
    axes.legend(handles=_legend_patches(districts, with_suppressed=suppressed), loc="upper left", ncols=3, frameon=False,
                bbox_to_anchor=(0, 1.1))
    notes = ["Gezählt: Fälle, die im Monat eröffnet wurden."]
    if suppressed:
        notes.append(SUPPRESSED_NOTE)
    _frame(figure, report, "Eröffnete Fälle je Monat", notes)


def _funnel(figure, report: dict) -> None:
    districts = _real_districts(report)
    steps = list(FUNNEL_STEPS)
    axes = figure.add_axes((0.2, 0.2, 0.76, 0.6))
    height = 0.8 / max(len(districts), 1)
    suppressed = False
    widest = max([_count(report["districts"][key].get("funnel", {}).get(step)) or 0
                  for key in districts for step in steps] + [3])
    for position, key in enumerate(districts):
        funnel = report["districts"][key].get("funnel", {})
        colour = DISTRICT_COLOURS.get(key, MUTED)
        for index, step in enumerate(steps):
            y = index - 0.4 + position * height
            value = funnel.get(step)
            if is_suppressed(value):
                suppressed = True
                _suppressed_patch(axes, x=0, y=y + 0.05 * height, width=2, height=0.9 * height, colour=colour,
                                  horizontal=True, label=str(value))
            elif (number := _count(value)) is not None:
                axes.barh(y, number, height=0.9 * height, align="edge", color=colour)
                axes.text(number + widest * 0.01, y + 0.45 * height, _number(number), va="center", fontsize=10, color=TEXT)
    axes.set_yticks(range(len(steps)), [FUNNEL_STEPS[step] for step in steps], fontsize=11)
    axes.invert_yaxis()  # the first step on top, as a funnel reads
    axes.set_xlim(0, widest * 1.12)
    axes.set_xlabel("Fälle im Zeitraum")
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    _tidy(axes)
    axes.legend(handles=_legend_patches(districts, with_suppressed=suppressed), loc="lower right", frameon=False)
    notes = ["Jeder Schritt zählt, was im Zeitraum geschah: ein Bescheid kann einen Fall betreffen, der vorher eröffnet wurde."]
    if suppressed:
        notes.append(SUPPRESSED_NOTE)
    _frame(figure, report, "Vom Erstgespräch zum Bescheid", notes)


OUTCOME_SHORT_DE = {"full": "voll", "partial": "teilweise", "compensation": "Ausgleichsmaßnahme", "none": "keine"}


def _outcomes_by_group(figure, report: dict) -> None:
    from matplotlib.patches import Patch

    key = report.get("district") if report.get("district") in report.get("districts", {}) else "all"
    if key not in report.get("districts", {}):
        key = district_keys(report)[0]
    by_group = report["districts"][key].get("decisions_by_group", {})
    groups = sorted(by_group, key=lambda group: (-sum(_count(v) or 0 for v in by_group[group].values()), group_de(group)))
    axes = figure.add_axes((0.27, 0.22, 0.43, 0.56))
    hidden_any = drawn = False
    widest = max([sum(_count(v) or 0 for v in by_group[group].values()) for group in groups] + [3])
    for index, group in enumerate(groups):
        left = 0.0
        hidden = []
        for outcome in OUTCOME_LABEL_DE:
            value = by_group[group].get(outcome)
            if is_suppressed(value):
                hidden.append(OUTCOME_SHORT_DE[outcome])
                continue
            number = _count(value) or 0
            if number:
                axes.barh(index, number, left=left, height=0.7, color=OUTCOME_COLOURS[outcome],
                          hatch=OUTCOME_HATCHES[outcome], edgecolor="white", linewidth=0.8)
                drawn = True
                axes.text(left + number / 2, index, _number(number), ha="center", va="center", fontsize=10,
                          color="black", bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                               "alpha": 0.85})
                left += number
        if hidden:
            hidden_any = True
            # a column of its own right of the bars: the bars never run into it
            axes.text(1.03, index, ", ".join(hidden), transform=axes.get_yaxis_transform(), va="center", ha="left",
                      fontsize=10, color=TEXT, clip_on=False)
    if hidden_any:
        axes.text(1.03, 1.01, "außerdem je 1 oder 2 (< 3):", transform=axes.transAxes, va="bottom",
                  ha="left", fontsize=10, fontweight="bold", color=TEXT, clip_on=False)
        if not drawn:
            axes.text(0.5, 0.5, "Jedes Ergebnis hat weniger als 3 Bescheide:\nkeine Balken, siehe rechts",
                      transform=axes.transAxes, ha="center", va="center", fontsize=12, color=MUTED)
    if not groups:
        axes.text(0.5, 0.5, "Keine Bescheide im Zeitraum", transform=axes.transAxes, ha="center", fontsize=13, color=MUTED)
    axes.set_yticks(range(len(groups)), [group_de(group) for group in groups], fontsize=10.5)
    axes.set_ylim(len(groups) - 0.5 if groups else 1, -0.5)
    axes.set_xlim(0, widest * 1.05)
    axes.set_xlabel("Bescheide im Zeitraum")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    _tidy(axes)
    patches = [Patch(facecolor=OUTCOME_COLOURS[o], hatch=OUTCOME_HATCHES[o], edgecolor="white", label=label)
               for o, label in OUTCOME_LABEL_DE.items()]
    figure.legend(handles=patches, loc="upper left", bbox_to_anchor=(0.02, 0.88), ncols=4, frameon=False, fontsize=10.5)
    scope = district_de(key) if key != "all" else "beide Landkreise zusammen"
    notes = [f"{scope}; Berufsgruppe des Referenzberufs; Bescheide, die im Zeitraum eingegangen sind."]
    if hidden_any:
        notes.append("Rechts: Ergebnisse mit 1 oder 2 Bescheiden; zum Schutz der Personen nicht als Balken gezeigt, nicht 0.")
    _frame(figure, report, "Ergebnisse der Anerkennung nach Berufsgruppe", notes)


def _durations(figure, report: dict) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    districts = _real_districts(report)
    steps = list(DURATION_STEPS)
    axes = figure.add_axes((0.14, 0.27, 0.84, 0.53))
    # per step a heading row, then one row per district
    rows: list[tuple[str, str | None]] = []
    for step in steps:
        rows.append((step, None))
        rows.extend((step, key) for key in districts)
    longest = max(
        [_count(report["districts"][key].get("durations", {}).get(step, {}).get("p90")) or 0
         for step, key in rows if key]
        + [EXTENDED_DECISION.days * 1.05]
    )
    labels = []
    hidden_any = False
    for index, (step, key) in enumerate(rows):
        if key is None:
            period = STATUTORY_PERIODS.get(step)
            law = f"gesetzliche Frist {period.label}" if period else "keine gesetzliche Frist"
            axes.text(0, index + 0.1, f"{DURATION_STEPS[step]} ({law})", ha="left", va="center", fontsize=11,
                      fontweight="bold", color=TEXT)
            if index:
                axes.axhline(index - 0.5, color="#cccccc", linewidth=0.8)
            labels.append("")
            continue
        figures = report["districts"][key].get("durations", {}).get(step, {})
        colour = DISTRICT_COLOURS.get(key, MUTED)
        median, p90 = figures.get("median"), figures.get("p90")
        labels.append(district_de(key).removeprefix("Landkreis "))
        if is_suppressed(median) or is_suppressed(p90):
            hidden_any = True
            axes.text(1, index, "< 3 Fälle: nicht gezeigt", va="center", fontsize=10, color=TEXT)
        elif _count(median) is None:
            axes.text(1, index, "keine Fälle im Zeitraum", va="center", fontsize=10, color=MUTED)
        else:
            if _count(p90) is not None:
                axes.barh(index, _count(p90), height=0.66, color=colour, alpha=0.35)
            axes.barh(index, _count(median), height=0.66, color=colour)
            text = f"Median {_number(_count(median))} · 90 % bis {_number(_count(p90))} Tage"
            if _count(figures.get("cases")) is not None:
                text += f" · {int(figures['cases'])} Fälle"
            # right of the bar and of the step's statutory lines, so that no line runs through the figures
            lines = [STATUTORY_PERIODS[step].days] if step in STATUTORY_PERIODS else []
            if step == "complete_to_decision":
                lines.append(EXTENDED_DECISION.days)
            axes.text(max([_count(p90) or 0, _count(median), *lines]) + longest * 0.012, index, text, va="center",
                      fontsize=9.5, color=TEXT)
    # the statutory periods as lines over the rows of their step (domain.md §2)
    for number, step in enumerate(steps):
        heading = number * (len(districts) + 1)
        first, last = heading + 0.5, heading + len(districts) + 0.45
        period = STATUTORY_PERIODS.get(step)
        if period is None:
            continue
        axes.vlines(period.days, first, last, colors="#000000", linewidth=2.2, zorder=3)
        if step == "complete_to_decision":
            axes.vlines(EXTENDED_DECISION.days, first, last, colors="#000000", linewidth=1.2, linestyles=":", zorder=3)
    axes.set_yticks(range(len(rows)), labels, fontsize=10.5)
    axes.tick_params(axis="y", length=0)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, longest * 1.4)
    axes.set_xlabel("Kalendertage")
    axes.grid(axis="x", color="#eeeeee", linewidth=0.8)
    axes.set_axisbelow(True)
    _tidy(axes)
    handles = [Patch(facecolor=MUTED, label="Median"),
               Patch(facecolor=MUTED, alpha=0.35, label="bis hier: 90 % der Fälle"),
               Line2D([], [], color="#000000", linewidth=2.2, label="Frist (1 Monat ≈ 30, 3 Monate ≈ 91 Tage)"),
               Line2D([], [], color="#000000", linewidth=1.2, linestyle=":", label="4 Monate*")]
    figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.02, 0.885), ncols=4, frameon=False, fontsize=10.5)
    main = report["districts"].get(report.get("district") or "all") or report["districts"][districts[0]]
    within = main.get("within_statutory_period") or {}
    share = within.get("share")
    notes = []
    if _count(share) is not None:
        notes.append(f"Bescheide in gesetzlicher Frist ({_scope(report)}): {round(_count(share) * 100)} % "
                     f"({within.get('within')} von {within.get('decided')}).")
    elif is_suppressed(share):
        notes.append("Bescheide in gesetzlicher Frist: aus 1 oder 2 Bescheiden, nicht gezeigt.")
    notes.append("Fristen im Standardverfahren: Eingangsbestätigung 1 Monat (§ 6 Abs. 2, § 13 Abs. 2 BQFG; § 13 Abs. 2 NBQFG), "
                 "Bescheid 3 Monate")
    notes.append("ab vollständigen Unterlagen (§ 6 Abs. 3, § 13 Abs. 3 BQFG; § 13 Abs. 3 NBQFG). * Einmal verlängerbar, bei "
                 "Ausbildung in EU/EWR/CH")
    notes.append("in reglementierten Berufen um höchstens 1 Monat (§ 13 Abs. 3 S. 4 BQFG). Beschleunigtes Verfahren "
                 "(§ 81a AufenthG): kürzere Fristen.")
    if hidden_any:
        notes.append("„< 3 Fälle“: Median und 90-%-Wert aus 1 oder 2 Fällen werden zum Schutz der Personen nicht gezeigt.")
    _frame(figure, report, "Dauer der Schritte und gesetzliche Fristen", notes)
