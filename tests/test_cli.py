"""The CLI as a person runs it: real processes, exit codes, one clear line, never a traceback."""

import json
import shutil
import subprocess

import pytest

from .conftest import ROOT


def run(cli_command, cli_env, *args, env=None):
    merged = dict(cli_env, **(env or {}))
    return subprocess.run([*cli_command, *args], capture_output=True, text=True, env=merged, timeout=60)


def assert_clean_refusal(result, *fragments):
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr + result.stdout
    line = " ".join(result.stderr.split())
    for fragment in fragments:
        assert fragment in line, line


def test_route_json_on_a_match_exits_0(cli_command, cli_env):
    result = run(cli_command, cli_env, "route", "Krankenschwester", "--district", "verden", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["reference_occupation"] == "Pflegefachfrau/Pflegefachmann"
    assert payload["regulated"] is True
    assert payload["body"]["key"] == "ls_lueneburg"
    assert payload["body"]["email"] == "4SL3@ls.niedersachsen.de"
    assert payload["candidates"] == []


def test_route_with_only_candidates_exits_1(cli_command, cli_env):
    result = run(cli_command, cli_env, "route", "Altenpflegehelferin", "--district", "osterholz", "--json")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["reference_occupation"] is None and payload["body"] is None
    assert 1 <= len(payload["candidates"]) <= 5


def test_route_human_output_shows_body_and_reason(cli_command, cli_env):
    result = run(cli_command, cli_env, "route", "Lehrerin", "-d", "osterholz")
    assert result.returncode == 0
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
        (["deadline", "decision", "--from", "30.02.2026"], ["--from", "not in the form YYYY-MM-DD"]),
        (["deadline", "person", "--from", "2026-03-02"], ["period", "days or weeks"]),
        (["deadline", "person", "--from", "2026-03-02", "--period", "zwei Wochen"], ["--period", "14d, 6w or 1m"]),
        (["deadline", "decision", "--from", "2026-03-02", "--suspend", "2026-04-10..2026-04-01"], ["suspension", "swap the dates"]),
    ],
)
def test_bad_input_gets_one_line_naming_the_field_and_exit_2(cli_command, cli_env, args, fragments):
    assert_clean_refusal(run(cli_command, cli_env, *args), *fragments)


def test_deadline_json(cli_command, cli_env):
    result = run(cli_command, cli_env, "deadline", "acknowledgement", "--from", "2026-03-25", "--json")
    assert result.returncode == 0, result.stderr
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


def test_deadline_fast_track_and_extension(cli_command, cli_env):
    fast = json.loads(run(cli_command, cli_env, "deadline", "decision", "--from", "2026-06-03", "--fast-track", "--json").stdout)
    assert fast["due"] == "2026-08-03" and fast["fast_track"] is True
    extended = run(cli_command, cli_env, "deadline", "decision", "--from", "2026-09-25", "--extension", "1m")
    assert extended.returncode == 0 and "25.01.2027" in extended.stdout


def test_bodies_and_professions_tables(cli_command, cli_env):
    bodies = run(cli_command, cli_env, "bodies")
    assert bodies.returncode == 0
    assert "IHK FOSA" in bodies.stdout and "Landwirtschaftskammer" in bodies.stdout
    found = run(cli_command, cli_env, "professions", "--search", "медсестра")
    assert found.returncode == 0
    assert "Pflegefachfrau" in found.stdout
    assert "Tischler" not in found.stdout


def test_broken_data_file_is_named_at_start_exit_3(cli_command, cli_env, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    health = data / "professions" / "health.yaml"
    health.write_text(health.read_text(encoding="utf-8").replace("body: ls_lueneburg", "body: ls_luneburg", 1), encoding="utf-8")
    result = run(cli_command, cli_env, "route", "Hebamme", "-d", "verden", env={"WELCOME_CENTER_DATA_DIR": str(data)})
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    line = " ".join(result.stderr.split())
    assert "data/professions/health.yaml, line" in line and "field 'body'" in line and "unknown body 'ls_luneburg'" in line
