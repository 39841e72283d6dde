"""The scheduled runs: prefect.yaml (the work-pool path) and flows/deployments.py (what `up` serves)
say the same; each deployment's parameters are ones its flow takes; the next run skips days off."""

from __future__ import annotations

import importlib
import inspect
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from flows.deployments import DEPLOYMENTS, TIMEZONE, next_run

ROOT = Path(__file__).resolve().parent.parent
BERLIN = ZoneInfo("Europe/Berlin")


def test_prefect_yaml_and_flows_deployments_name_the_same_schedules():
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    in_yaml = {d["name"]: (d["entrypoint"], d["schedules"][0]["cron"], d["schedules"][0]["timezone"], d["parameters"],
                           d["description"]) for d in declared}
    in_code = {s.name: (s.entrypoint, s.cron, TIMEZONE, s.parameters, s.description) for s in DEPLOYMENTS}
    assert in_yaml == in_code


def test_each_deployment_names_a_flow_and_parameters_it_takes(prefect_home):
    for spec in DEPLOYMENTS:
        flow = getattr(importlib.import_module(spec.module), spec.function)
        assert flow.name == spec.flow_name
        assert set(spec.parameters) <= set(inspect.signature(flow.fn).parameters)
        assert spec.parameters.get("scheduled") is True


def test_the_next_run_that_does_work_skips_weekends_and_lower_saxony_holidays():
    reminders = next(s for s in DEPLOYMENTS if s.name == "daily-reminders")
    intake = next(s for s in DEPLOYMENTS if s.name == "inbox-intake")
    # Thursday 24 December 2026 noon: Christmas (25th) and the 26th are holidays, then a weekend
    christmas_eve = datetime(2026, 12, 24, 12, 0, tzinfo=BERLIN)
    assert next_run(reminders, christmas_eve) == datetime(2026, 12, 28, 7, 0, tzinfo=BERLIN)
    assert next_run(reminders, christmas_eve, working_days_only=False) == datetime(2026, 12, 25, 7, 0, tzinfo=BERLIN)
    assert next_run(intake, christmas_eve) == datetime(2026, 12, 24, 12, 15, tzinfo=BERLIN)
    # Reformationstag, 31 October 2025 (a Friday), is a holiday in Lower Saxony
    assert next_run(reminders, datetime(2025, 10, 30, 8, 0, tzinfo=BERLIN)) == datetime(2025, 11, 3, 7, 0, tzinfo=BERLIN)
    # the retention run works every night, holidays included: a period that has run out is due
    retention = next(s for s in DEPLOYMENTS if s.name == "retention")
    assert next_run(retention, christmas_eve) == datetime(2026, 12, 25, 2, 30, tzinfo=BERLIN)
    # summer time: 07:00 in Berlin is 05:00 UTC
    assert next_run(reminders, datetime(2026, 7, 1, 8, 0, tzinfo=BERLIN)).utcoffset().total_seconds() == 7200


def test_scheduled_runs_rest_on_a_holiday_and_say_so_in_their_artifact(tmp_path, monkeypatch, prefect_home):
    """Every deployment's flow, called as its schedule calls it, on the Day of German Unity: nothing
    is taken in, written or sent, and each run's artifact names the holiday."""
    from datetime import date

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    import flows.day_off
    from adapters.database import ready_engine
    from adapters.settings import get_settings
    from flows.intake import intake_flow
    from flows.letters import letters_flow
    from flows.reminders import reminders_flow

    holiday = date(2025, 10, 3)  # a Friday
    monkeypatch.setenv("WELCOME_CENTER_HOME", str(tmp_path))
    get_settings.cache_clear()
    monkeypatch.setattr(flows.day_off, "berlin_today", lambda: holiday)
    try:
        ready_engine()
        (tmp_path / "inbox" / "VER-2025-0001").mkdir(parents=True)
        waiting = tmp_path / "inbox" / "VER-2025-0001" / "Zeugnis.pdf"
        waiting.write_bytes(b"%PDF-1.4\n%%EOF\n")
        assert intake_flow(scheduled=True) == []
        assert waiting.exists()
        assert letters_flow(due=True, scheduled=True).results == []
        result = reminders_flow(on=holiday, scheduled=True)
        assert result["selection"].working_day is False and result["sending"].sent == 0
        with get_client(sync_client=True) as client:
            for key in ("intake-report", "letters-report", "reminder-report"):
                found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
                texts = [a.data for a in found]
                assert any("03.10.2025" in t and "Tag der Deutschen Einheit" in t for t in texts), (key, texts)
    finally:
        get_settings.cache_clear()


def test_the_systemd_unit_runs_up_unprivileged_with_the_state_folder_and_restarts_on_failure():
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string((ROOT / "deploy" / "welcome-center.service").read_text(encoding="utf-8"))
    service = unit["Service"]
    assert service["User"] not in ("", "root") and service["Restart"] == "on-failure"
    assert service["ExecStart"].split()[0].endswith("/.venv/bin/welcome-center") and service["ExecStart"].split()[1] == "up"
    home = service["Environment"].split("=", 1)[1]
    assert service["Environment"].startswith("WELCOME_CENTER_HOME=") and home in service["ReadWritePaths"]
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 15
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    header = [line.removeprefix("#   ") for line in (ROOT / "deploy" / "welcome-center.service").read_text().splitlines()
              if line.startswith("#   sudo")]
    assert header and all(line in readme for line in header)
