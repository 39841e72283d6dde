"""README's main job as a newcomer runs it: `welcome-center demo` on the embedded default.

The demo runs once per test session (in this process, two real Prefect flow runs); its output must
carry no traceback and no ERROR line, Prefect's own log lines included. Tests that change the state
(the demo again, reminders) work on a copy of the demo's state folder, so every test sees the demo
as it left it, in any order.
"""

import json
import os
import shutil
from datetime import date

import pytest

from domain.calendar import lower_saxony_calendar


@pytest.fixture(scope="session")
def demo(cli_at, tmp_path_factory):
    """(the demo's output, its state folder): `demo --count 60` on an empty state folder, the only
    thing in its parent folder (so anything written beside it shows)."""
    home = tmp_path_factory.mktemp("demo") / "home"
    result = cli_at(home)("demo", "--count", "60")
    return result, home


@pytest.fixture
def demo_copy(demo, cli_at, tmp_path):
    """The CLI on a copy of the demo's state folder (database, inbox, cases, quarantine; links as links)."""
    _, home = demo
    copy = tmp_path / "home"
    shutil.copytree(home, copy, symlinks=True)
    return cli_at(copy)


def test_demo_runs_clean_and_prints_the_summary(demo):
    result, _ = demo
    assert result.exit_code == 0, result.stderr[-3000:]
    assert "Traceback" not in result.output
    assert "ERROR" not in result.output and "database is locked" not in result.output
    for text in ("Fälle nach Landkreis und Stand", "Landkreis Verden", "Landkreis Osterholz", "Posteingang:",
                 "angenommen", "Nicht angenommene Dateien", "Makros", "ZIP-Bombe", "Abgelehnte Zeilen der Importdatei"):
        assert text in result.stdout, text


def test_demo_population_is_spread_over_both_districts_and_many_states(demo, cli_at):
    _, home = demo
    listed = cli_at(home)("case", "list", "--json", "--limit", "1000")
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) >= 60
    assert {row["district"] for row in rows} == {"verden", "osterholz"}
    assert len({row["state"] for row in rows}) >= 5


def test_hostile_files_are_in_quarantine_with_reasons_and_nothing_escaped(demo):
    _, home = demo
    quarantine = home / "quarantine"
    reasons = list(quarantine.rglob("*.reason.txt"))
    assert len(reasons) >= 8
    # nothing was written beside the state folder (a name like ..\..\windows\system.ini.pdf stays inside)
    assert list(home.parent.iterdir()) == [home]
    # the link dropped into the inbox (to /etc/hostname) lies in quarantine as the same link: not
    # followed, not replaced by a copy of what it points to, and no other link anywhere
    links = [path for path in home.rglob("*") if path.is_symlink()]
    assert len(links) == 1 and links[0].is_relative_to(quarantine), links
    assert os.readlink(links[0]) == "/etc/hostname"
    assert "Symlink" in links[0].with_name(links[0].name + ".reason.txt").read_text(encoding="utf-8")
    assert not [path for path in home.rglob("*verknuepfung.pdf") if not path.is_symlink()]
    assert not any(p.name.endswith(".part") for p in home.rglob("*"))


def test_running_the_demo_again_adds_nobody_twice(demo_copy):
    again = demo_copy("demo", "--count", "60")
    assert again.exit_code == 0, again.stderr[-2000:]
    assert "0 Fälle angelegt" in again.stdout


def test_remind_on_the_demo_sends_the_due_mails_once(demo_copy, smtp_server):
    sink, port = smtp_server
    smtp = {"WELCOME_CENTER_SMTP_PORT": str(port)}
    day = lower_saxony_calendar().next_working_day(date.today()).isoformat()
    first = demo_copy("remind", "--on", day, "--json", env=smtp)
    assert first.exit_code == 0, first.stderr[-2000:]
    assert "Traceback" not in first.stderr and "ERROR" not in first.stderr
    summary = json.loads(first.stdout)
    assert summary["sent"] > 0 and summary["sent"] == len(sink.messages)
    assert summary["failed"] == 0 and not summary["smtp_unreachable"]
    assert len(set(sink.message_ids())) == len(sink.messages)

    second = demo_copy("remind", "--on", day, "--json", env=smtp)
    again = json.loads(second.stdout)
    assert again["new"] == 0 and again["sent"] == 0
    assert len(sink.messages) == summary["sent"]


def test_demo_writes_the_letters_its_cases_call_for_and_prints_a_login(demo):
    result, home = demo
    assert "Briefe nach Art" in result.stdout and "Briefe liegen unter" in result.stdout
    letters = list((home / "cases").glob("*/letters/*.docx"))
    # <reference>_<date>_<kind>[_sme<id>]_<language>_<hash>.docx
    kinds = {path.name.split("_", 2)[2].rsplit("_", 2)[0].split("_sme")[0] for path in letters}
    # one of each kind the demo's states call for: checklist, next steps, cover letter, outcome, employer
    assert {"checklist", "next_steps", "body_cover", "outcome", "sme_guidance"} <= kinds, kinds
    assert "welcome-center serve" in result.stdout and "beratung.verden@welcome-center.example" in result.stdout
