"""README's main job as a newcomer runs it: `welcome-center demo` on the embedded default.

One real Prefect flow run (temporary local server) happens here; its output must carry no
traceback and no ERROR line, Prefect's own included.
"""

import json
import subprocess

import pytest


@pytest.fixture(scope="module")
def demo_run(cli_command, cli_env, tmp_path_factory):
    home = tmp_path_factory.mktemp("demo-home")
    env = dict(cli_env, WELCOME_CENTER_HOME=str(home))
    for name in ("WELCOME_CENTER_DATABASE_URL", "PREFECT_API_URL", "PREFECT_HOME"):
        env.pop(name, None)
    result = subprocess.run([*cli_command, "demo", "--count", "60"], capture_output=True, text=True, env=env, timeout=600)
    return result, env, home


def test_demo_runs_clean_and_prints_the_summary(demo_run):
    result, _, _ = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "ERROR" not in output and "database is locked" not in output
    for text in ("Fälle nach Landkreis und Stand", "Landkreis Verden", "Landkreis Osterholz", "Posteingang:",
                 "angenommen", "Nicht angenommene Dateien", "Makros", "ZIP-Bombe", "Abgelehnte Zeilen der Importdatei"):
        assert text in result.stdout, text


def test_demo_population_is_spread_over_both_districts_and_many_states(demo_run, cli_command):
    _, env, _ = demo_run
    listed = subprocess.run([*cli_command, "case", "list", "--json", "--limit", "1000"], capture_output=True, text=True, env=env, timeout=120)
    rows = json.loads(listed.stdout)
    assert len(rows) >= 60
    assert {row["district"] for row in rows} == {"verden", "osterholz"}
    assert len({row["state"] for row in rows}) >= 5


def test_hostile_files_are_in_quarantine_with_reasons_and_nothing_escaped(demo_run):
    _, _, home = demo_run
    quarantine = home / "quarantine"
    reasons = list(quarantine.rglob("*.reason.txt"))
    assert len(reasons) >= 8
    for path in home.rglob("*"):
        assert path.resolve().is_relative_to(home.resolve()) or path.is_symlink()
    assert not any(p.name.endswith(".part") for p in home.rglob("*"))


def test_running_the_demo_again_adds_nobody_twice(demo_run, cli_command):
    result, env, _ = demo_run
    again = subprocess.run([*cli_command, "demo", "--count", "60"], capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "0 Fälle angelegt" in again.stdout


def test_remind_on_the_demo_sends_the_due_mails_once(demo_run, cli_command, smtp_server):
    from datetime import date

    from domain.calendar import lower_saxony_calendar

    _, env, _ = demo_run
    sink, port = smtp_server
    env = dict(env, WELCOME_CENTER_SMTP_PORT=str(port))
    day = lower_saxony_calendar().next_working_day(date.today()).isoformat()
    first = subprocess.run([*cli_command, "remind", "--on", day, "--json"], capture_output=True, text=True, env=env, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Traceback" not in first.stderr and "ERROR" not in first.stderr
    summary = json.loads(first.stdout)
    assert summary["sent"] > 0 and summary["sent"] == len(sink.messages)
    assert summary["failed"] == 0 and not summary["smtp_unreachable"]
    assert len(set(sink.message_ids())) == len(sink.messages)

    second = subprocess.run([*cli_command, "remind", "--on", day, "--json"], capture_output=True, text=True, env=env, timeout=600)
    again = json.loads(second.stdout)
    assert again["new"] == 0 and again["sent"] == 0
    assert len(sink.messages) == summary["sent"]


def test_demo_writes_the_letters_its_cases_call_for_and_prints_a_login(demo_run):
    result, _, home = demo_run
    assert "Briefe nach Art" in result.stdout and "Briefe liegen unter" in result.stdout
    letters = list((home / "cases").glob("*/letters/*.docx"))
    # <reference>_<date>_<kind>[_sme<id>]_<language>_<hash>.docx
    kinds = {path.name.split("_", 2)[2].rsplit("_", 2)[0].split("_sme")[0] for path in letters}
    # one of each kind the demo's states call for: checklist, next steps, cover letter, outcome, employer
    assert {"checklist", "next_steps", "body_cover", "outcome", "sme_guidance"} <= kinds, kinds
    assert "welcome-center serve" in result.stdout and "beratung.verden@welcome-center.example" in result.stdout
