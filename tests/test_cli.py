"""The CLI as a person runs it: exit codes, one clear line, never a traceback.

The commands run in this process (conftest's `cli_at`); the last tests run the installed command as
a subprocess, as a newcomer types it: the entry point, the encoding, the exit codes and Prefect's
own output stay covered there.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def cli(cli_at, tmp_path_factory):
    """One state folder for this module: the look-up commands read data/ and write nothing."""
    return cli_at(tmp_path_factory.mktemp("lookup") / "home")


def assert_clean_refusal(result, *fragments):
    assert result.exit_code == 2, result
    assert "Traceback" not in result.output
    line = " ".join(result.stderr.split())
    for fragment in fragments:
        assert fragment in line, line


def test_route_json_on_a_match_exits_0(cli):
    result = cli("route", "Krankenschwester", "--district", "verden", "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["reference_occupation"] == "Pflegefachfrau/Pflegefachmann"
    assert payload["regulated"] is True
    assert payload["body"]["key"] == "ls_lueneburg"
    assert payload["body"]["email"] == "4SL3@ls.niedersachsen.de"
    assert payload["candidates"] == []


def test_route_with_only_candidates_exits_1(cli):
    result = cli("route", "Altenpflegehelferin", "--district", "osterholz", "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["reference_occupation"] is None and payload["body"] is None
    assert 1 <= len(payload["candidates"]) <= 5


def test_route_human_output_shows_body_and_reason(cli):
    result = cli("route", "Lehrerin", "-d", "osterholz")
    assert result.exit_code == 0
    assert "Regionales Landesamt für Schule und Bildung Lüneburg" in result.stdout
    assert "Zuständigkeit nicht eindeutig" in result.stdout


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["route", "Hebamme", "--district", "bremen"], ["district", "'bremen' is not served", "verden or osterholz"]),
        (["route", "", "--district", "verden"], ["profession", "is empty"]),
        (["route", "x" * 10_000, "--district", "verden"], ["profession", "10,000 characters", "at most 200"]),
        (["route", "Heb\x07amme", "--district", "verden"], ["profession", "U+0007"]),
        (["deadline", "decision", "--from", "2026-02-30"], ["--from", "'2026-02-30' is not a real date"]),
        (["deadline", "decision", "--from", "30.02.2026"], ["--from", "'30.02.2026' is not a real date"]),
        (["deadline", "person", "--from", "2026-03-02"], ["period", "days or weeks"]),
        (["deadline", "person", "--from", "2026-03-02", "--period", "zwei Wochen"], ["--period", "14d, 6w or 1m"]),
        (["deadline", "decision", "--from", "2026-03-02", "--suspend", "2026-04-10..2026-04-01"], ["suspension", "swap the dates"]),
    ],
)
def test_bad_input_gets_one_line_naming_the_field_and_exit_2(cli, args, fragments):
    assert_clean_refusal(cli(*args), *fragments)


def test_deadline_json(cli):
    result = cli("deadline", "acknowledgement", "--from", "2026-03-25", "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload == {
        "kind": "acknowledgement",
        "start": "2026-03-25",
        "fast_track": False,
        "due": "2026-04-27",
        "law": "§ 13 Abs. 2 BQFG",
        "reason": "1 Monat ab 25.03.2026 (§ 13 Abs. 2 BQFG) endet Sa 25.04.2026 → nächster Werktag Mo 27.04.2026 (§ 31 Abs. 3 VwVfG)",
        "period_end": "2026-04-25",
    }


def test_deadline_fast_track_and_extension(cli):
    fast = json.loads(cli("deadline", "decision", "--from", "2026-06-03", "--fast-track", "--json").stdout)
    assert fast["due"] == "2026-08-03" and fast["fast_track"] is True
    extended = cli("deadline", "decision", "--from", "2026-09-25", "--extension", "1m")
    assert extended.exit_code == 0 and "25.01.2027" in extended.stdout


def test_bodies_and_professions_tables(cli):
    bodies = cli("bodies")
    assert bodies.exit_code == 0
    assert "IHK FOSA" in bodies.stdout and "Landwirtschaftskammer" in bodies.stdout
    found = cli("professions", "--search", "медсестра")
    assert found.exit_code == 0
    assert "Pflegefachfrau" in found.stdout
    assert "Tischler" not in found.stdout


def test_broken_data_file_is_named_at_start_exit_3(cli, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    health = data / "professions" / "health.yaml"
    health.write_text(health.read_text(encoding="utf-8").replace("body: ls_lueneburg", "body: ls_luneburg", 1), encoding="utf-8")
    result = cli("route", "Hebamme", "-d", "verden", env={"WELCOME_CENTER_DATA_DIR": str(data)})
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    line = " ".join(result.stderr.split())
    assert "data/professions/health.yaml, line" in line and "field 'body'" in line and "unknown body 'ls_luneburg'" in line


def test_after_a_command_on_a_broken_data_folder_the_next_one_reads_data_again(cli, tmp_path):
    """As with two processes: the command on data/ routes as before (in this process, no loaded
    data is kept across a change of WELCOME_CENTER_DATA_DIR; conftest's `_DataCache`)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "professions" / "health.yaml").write_text("professions: [", encoding="utf-8")
    assert cli("route", "Hebamme", "-d", "verden", env={"WELCOME_CENTER_DATA_DIR": str(data)}).exit_code == 3
    again = cli("route", "Hebamme", "-d", "verden", "--json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["body"]["key"] == "ls_lueneburg"


# ------------------------------------------------------------------ the installed command, as a subprocess


def run(cli_command, env, *args):
    return subprocess.run([*cli_command, *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture
def newcomer_env(cli_env, tmp_path):
    """A newcomer's environment: an empty state folder, nothing else configured."""
    return dict(cli_env, WELCOME_CENTER_HOME=str(tmp_path / "home"))


def test_installed_command_routes_and_prints_utf_8_json(cli_command, newcomer_env):
    result = run(cli_command, newcomer_env, "route", "Krankenschwester", "--district", "verden", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert payload["reference_occupation"] == "Pflegefachfrau/Pflegefachmann"
    assert payload["body"]["name"] == "Niedersächsisches Landesamt für Soziales, Jugend und Familie"
    assert "Niedersächsisches" in result.stdout  # not \u00e4: the JSON is written as UTF-8 text


def test_installed_command_refuses_bad_input_with_one_line_and_exit_2(cli_command, newcomer_env):
    result = run(cli_command, newcomer_env, "route", "Hebamme", "--district", "bremen")
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == ["Error: district: 'bremen' is not served; use verden or osterholz"]


def test_installed_command_runs_the_intake_flow_on_a_new_state_folder(cli_command, newcomer_env):
    """A Prefect flow run in its own process: its temporary server, started as the CLI configures it
    (adapters.prefect_setup), prints no traceback, no ERROR line and no "database is locked"."""
    home = newcomer_env["WELCOME_CENTER_HOME"]
    inbox = Path(home) / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "Zeugnis ohne Fall.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    # no settle time: the file is taken however fast the run starts (with the default 10 s it was left
    # "waiting" when the CLI came up sooner; no program can date a file's ctime back)
    env = {**newcomer_env, "WELCOME_CENTER_INTAKE_SETTLE_SECONDS": "0"}
    result = run(cli_command, env, "intake", "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "ERROR" not in output and "database is locked" not in output
    report = json.loads(result.stdout)
    assert report["counts"] == {"rejected": 1}
    assert not list(inbox.iterdir())
    kept = sorted((Path(home) / "quarantine").rglob("*.pdf*"))
    # <UTC time>-<content hash>-<name>: unique, and the name as dropped at the end
    assert [p.name.split("-", 2)[2] for p in kept] == ["Zeugnis ohne Fall.pdf", "Zeugnis ohne Fall.pdf.reason.txt"], kept
    assert kept[0].read_bytes() == b"%PDF-1.4\n%%EOF\n"
    assert "bitte in inbox/<Aktenzeichen>/ ablegen" in kept[1].read_text(encoding="utf-8")
