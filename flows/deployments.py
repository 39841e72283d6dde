"""The scheduled runs of welcome-center: one list, read by `welcome-center up` (which serves them),
by `welcome-center runs` (which shows them) and checked against `prefect.yaml` by a test.

Every schedule is in Europe/Berlin. Each deployment passes `scheduled=True`: on a weekend or a Lower
Saxony public holiday a scheduled run does nothing and says so in its artifact (the cron expressions
already skip weekends; the holidays come from `domain.calendar`). A run started by hand
(`welcome-center intake`, `remind`, `letters --due`) always runs.

This module imports no Prefect: `flow` names the flow's module and function, imported only by the
process that serves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.calendar import lower_saxony_calendar
from domain.report_periods import why_not_report_day

TIMEZONE = "Europe/Berlin"


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    flow_name: str  # the Prefect flow's name (`@flow(name=...)`)
    entrypoint: str  # "flows/<module>.py:<function>", as in prefect.yaml
    cron: str
    description: str
    parameters: dict = field(default_factory=dict)
    # a scheduled run works only on its month's first working day (the monthly report); otherwise
    # on every working day
    first_working_day_of_month: bool = False
    # a scheduled run works every day, holidays included (the retention run: a period that has run
    # out is due whatever the calendar says)
    every_day: bool = False

    @property
    def full_name(self) -> str:
        """What `prefect deployment run` takes: '<flow name>/<deployment name>'."""
        return f"{self.flow_name}/{self.name}"

    @property
    def module(self) -> str:
        return self.entrypoint.split(":")[0].removesuffix(".py").replace("/", ".")

    @property
    def function(self) -> str:
        return self.entrypoint.split(":")[1]


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        name="daily-reminders", flow_name="reminders", entrypoint="flows/reminders.py:reminders_flow",
        cron="0 7 * * 1-5",
        description="Erinnerungen an Beratung, Personen und (optional) Stellen: 07:00 an Werktagen, jede Mail genau einmal.",
        parameters={"scheduled": True},
    ),
    DeploymentSpec(
        name="inbox-intake", flow_name="intake", entrypoint="flows/intake.py:intake_flow",
        cron="*/15 7-18 * * 1-5",
        description="Posteingang: Dateien aus inbox/<Aktenzeichen>/ übernehmen, werktags alle 15 Minuten von 7 bis 18 Uhr.",
        parameters={"scheduled": True},
    ),
    DeploymentSpec(
        name="due-letters", flow_name="letters", entrypoint="flows/letters.py:letters_flow",
        cron="30 6 * * 1-5",
        description="Fällige Briefe (Eingangsbestätigung, Nachforderung, Bescheid …) schreiben: 06:30 an Werktagen.",
        parameters={"due": True, "scheduled": True},
    ),
    DeploymentSpec(
        name="monthly-report", flow_name="monthly-report", entrypoint="flows/reports.py:monthly_report_flow",
        cron="0 6 1-4 * *",
        description="Monatsbericht (Vormonat und Jahr bis dahin, geschwärzt) nach reports/<JJJJ-MM>/, "
                    "optional per Mail an das Jobcenter: 06:00 am ersten Werktag des Monats.",
        parameters={"scheduled": True}, first_working_day_of_month=True,
    ),
    DeploymentSpec(
        name="retention", flow_name="retention", entrypoint="flows/retention.py:retention",
        cron="30 2 * * *",
        description="Aufbewahrung: löscht, was seine Aufbewahrungsfrist überschritten hat, "
                    "und berichtet nur Zahlen und Aktenzeichen: 02:30 jede Nacht.",
        parameters={"scheduled": True}, every_day=True,
    ),
)


def by_name(name: str) -> DeploymentSpec:
    for spec in DEPLOYMENTS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def next_run(spec: DeploymentSpec, after: datetime, *, working_days_only: bool = True) -> datetime:
    """The next time `spec`'s schedule fires after `after` (Europe/Berlin); with `working_days_only`,
    the next one that does work (a scheduled run on a Lower Saxony holiday rests; the monthly report's
    on any day but its month's first working day)."""
    from cronsim import CronSim

    calendar = lower_saxony_calendar()
    for moment in CronSim(spec.cron, after.astimezone(ZoneInfo(TIMEZONE))):
        if not working_days_only or spec.every_day:
            return moment
        if spec.first_working_day_of_month:
            if why_not_report_day(moment.date(), calendar) is None:
                return moment
        elif calendar.is_working_day(moment.date()):
            return moment
    raise ValueError(spec.cron)  # pragma: no cover (a cron expression without a future)
