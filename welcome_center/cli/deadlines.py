"""`welcome-center deadline`: by when must the body (or the person) act? A look-up that answers at
once: no database, no Prefect."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from domain.calendar import format_date, lower_saxony_calendar
from domain.deadlines import Kind, Period, Suspension, due_date
from domain.errors import InvalidInput, _clip
from welcome_center.cli.console import friendly, out, parse_date, print_json

app = typer.Typer()


@app.callback()
def _group() -> None:
    """Deadlines."""


def parse_period(value: str, field: str) -> Period:
    return Period.parse(value, field)


class DeadlineKind(StrEnum):
    acknowledgement = "acknowledgement"
    decision = "decision"
    person = "person"


class Procedure(StrEnum):
    BQFG = "BQFG"
    NBQFG = "NBQFG"


@app.command()
@friendly
def deadline(
    kind: Annotated[DeadlineKind, typer.Argument(help="acknowledgement, decision or person")],
    start: Annotated[str, typer.Option("--from", help="Event day: receipt (acknowledgement), complete documents (decision), or the day the person was told (person). DD.MM.YYYY or YYYY-MM-DD.")],
    fast_track: Annotated[bool, typer.Option("--fast-track", help="Fast track under § 81a AufenthG / § 14a BQFG.")] = False,
    not_regulated: Annotated[bool, typer.Option("--not-regulated", help="Non-regulated profession (§ 6 instead of § 13 BQFG).")] = False,
    procedure: Annotated[Procedure, typer.Option("--procedure", help="BQFG (federal) or NBQFG (Lower Saxony).")] = Procedure.BQFG,
    period: Annotated[str | None, typer.Option("--period", help="For kind 'person': e.g. 14d or 6w.")] = None,
    extension: Annotated[str | None, typer.Option("--extension", help="One extension of the decision deadline, e.g. 1m.")] = None,
    eu_training: Annotated[bool, typer.Option("--eu-training", help="Training from the EU/EEA/CH (extension at most 1 month).")] = False,
    suspend: Annotated[list[str] | None, typer.Option("--suspend", help="Hemmung FROM..TO (YYYY-MM-DD..YYYY-MM-DD); repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
):
    """By when must the body (or the person) act? Counted per BGB and § 31 Abs. 3 VwVfG."""
    start_day = parse_date(start, "--from")
    suspensions = []
    for item in suspend or []:
        first, sep, last = item.partition("..")
        if not sep:
            raise InvalidInput("date.range_format", "--suspend", value=_clip(item))
        suspensions.append(Suspension(parse_date(first, "--suspend"), parse_date(last, "--suspend")))
    due = due_date(
        Kind(kind.value),
        start_day,
        calendar=lower_saxony_calendar(),
        fast_track=fast_track,
        regulated=not not_regulated,
        procedure=procedure.value,
        period=parse_period(period, "--period") if period else None,
        extension=parse_period(extension, "--extension") if extension else None,
        eu_training=eu_training,
        suspensions=suspensions,
    )
    if as_json:
        print_json(due.as_dict())
        return
    out.print(f"[bold]{format_date(due.due)}[/]  ({due.law})")
    out.print(due.reason, soft_wrap=True)
