"""`welcome-center up` as an operator starts it: one command, a fresh state folder, and then the web page,
the Prefect API with every deployment, a run triggered through Prefect, a second start refused, a
crashed part restarted, and SIGTERM leaving no process behind. Also: a flow command killed with
SIGKILL leaves no Prefect server behind.

Each test here starts real processes (a Prefect server takes 10-30 s to start on a 2-core machine):
one `up` serves the whole module.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from adapters.processes import alive, descendants
from flows.deployments import DEPLOYMENTS

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status
    except OSError:
        return 0


def api(url: str, payload: dict | None = None):
    request = urllib.request.Request(url, data=json.dumps(payload or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    pytest.fail(f"{what} within {timeout:.0f} s")


class Up:
    def __init__(self, home: Path, env: dict) -> None:
        self.home, self.env = home, env
        self.port, self.prefect_port = free_port(), free_port()
        self.web = f"http://127.0.0.1:{self.port}/"
        self.api = f"http://127.0.0.1:{self.prefect_port}/api"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "welcome_center", "up", "--port", str(self.port), "--prefect-port", str(self.prefect_port)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        self.lines: list[str] = []

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith("Beenden mit") or time.monotonic() > deadline:
                break
        if not any(line.startswith("Beenden mit") for line in self.lines):
            pytest.fail(f"up did not get ready: {''.join(self.lines)} {self.process.stderr.read()[-3000:]}")

    def family(self) -> list[int]:
        return [self.process.pid, *descendants(self.process.pid)]

    def kill_all(self) -> None:
        for pid in self.family():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="module")
def up(tmp_path_factory, cli_env):
    home = tmp_path_factory.mktemp("up-home")
    env = {**cli_env, "WELCOME_CENTER_HOME": str(home), "WELCOME_CENTER_INTAKE_SETTLE_SECONDS": "0"}
    running = Up(home, env)
    try:
        running.wait_ready()
        yield running
    finally:
        if running.process.poll() is None:
            running.kill_all()


def test_up_prints_the_web_page_the_prefect_ui_and_each_schedule_with_its_next_run(up):
    text = "".join(up.lines)
    assert f"Web-Seite:            {up.web}" in text
    assert f"Prefect-Oberfläche:   http://127.0.0.1:{up.prefect_port}" in text
    for spec in DEPLOYMENTS:
        line = next(line for line in up.lines if spec.full_name in line)
        day, clock = line.split("nächster Lauf ")[1].split()[1:3]  # after the weekday
        moment = datetime.strptime(f"{day} {clock}", "%d.%m.%Y %H:%M")
        assert moment > datetime.now().replace(second=0, microsecond=0).replace(hour=0, minute=0)
        assert ("täglich, auch an Feiertagen" in line) == spec.every_day
    assert get(up.web + "anmelden") == 200
    assert get(up.api + "/health") == 200
    info = json.loads((up.home / "up.json").read_text())
    assert info["pid"] == up.process.pid == int((up.home / "up.pid").read_text())
    assert info["prefect_api"] == up.api


def test_every_deployment_is_on_the_server_with_its_schedule_in_berlin_time(up):
    deployments = {d["name"]: d for d in api(up.api + "/deployments/filter")}
    for spec in DEPLOYMENTS:
        assert spec.name in deployments, deployments.keys()
        schedules = deployments[spec.name]["schedules"]
        assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"]) for s in schedules] == [
            (spec.cron, "Europe/Berlin", True)]
        assert deployments[spec.name]["parameters"] == spec.parameters


def test_runs_json_finds_ups_server_and_lists_every_deployment_with_its_next_run_in_berlin(up):
    done = subprocess.run([sys.executable, "-m", "welcome_center", "runs", "--json"], env=up.env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["prefect_api"] == up.api  # found through up's lock, no PREFECT_API_URL given
    listed = {d["name"]: d for d in report["deployments"]}
    for spec in DEPLOYMENTS:
        entry = listed[spec.name]
        assert (entry["cron"], entry["timezone"]) == (spec.cron, "Europe/Berlin")
        moment = datetime.fromisoformat(entry["next_run"])
        assert moment.utcoffset().total_seconds() in (3600, 7200) and moment > datetime.now(moment.tzinfo)


def test_a_second_up_on_the_same_state_folder_is_refused_naming_the_first(up):
    second = subprocess.run([sys.executable, "-m", "welcome_center", "up", "--port", str(free_port()),
                             "--prefect-port", str(free_port())], env=up.env, cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert second.returncode == 1
    assert f"PID {up.process.pid}" in second.stderr and "already running" in second.stderr
    assert "Traceback" not in second.stderr
    assert up.process.poll() is None and get(up.web + "anmelden") == 200


def test_demo_fresh_is_refused_while_up_runs_and_nothing_is_deleted(up):
    done = subprocess.run([sys.executable, "-m", "welcome_center", "demo", "--fresh"], env=up.env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"PID {up.process.pid}" in done.stderr and "--fresh" in done.stderr and "Traceback" not in done.stderr
    assert (up.home / "up.json").exists() and (up.home / "welcome-center.db").exists()


def test_a_flow_command_uses_ups_server_and_starts_none_of_its_own(up):
    (up.home / "inbox" / "XX-0000-0000").mkdir(parents=True)
    (up.home / "inbox" / "XX-0000-0000" / "Zeugnis.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    before = set(descendants(os.getpid()))
    done = subprocess.run([sys.executable, "-m", "welcome_center", "intake", "--json"], env=up.env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"] == {"rejected": 1}  # no such case: kept in quarantine
    assert not (up.home / "prefect" / "temporary-server.log").exists()
    assert set(descendants(os.getpid())) <= before
    runs = api(up.api + "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}})
    assert any(r["deployment_id"] is None for r in runs)  # the CLI's run, recorded on up's server


def test_the_intake_deployment_triggered_through_prefect_runs_to_completion(up):
    deployment = api(up.api + "/deployments/filter", {"deployments": {"name": {"any_": ["inbox-intake"]}}})[0]
    (up.home / "inbox" / "XX-0000-0001").mkdir(parents=True)
    (up.home / "inbox" / "XX-0000-0001" / "Pass.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    # a run started now; `scheduled: false` so that it works on a weekend or holiday too
    run = api(f"{up.api}/deployments/{deployment['id']}/create_flow_run", {"parameters": {"scheduled": False}})

    def final():
        with urllib.request.urlopen(f"{up.api}/flow_runs/{run['id']}", timeout=5) as response:
            state = json.load(response)["state"]["type"]
        return state if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

    assert wait_for(final, 150, "the triggered intake run did not finish") == "COMPLETED"
    assert not (up.home / "inbox" / "XX-0000-0001" / "Pass.pdf").exists()
    assert any((up.home / "quarantine").rglob("*Pass.pdf*"))


def test_a_crashed_part_is_started_again(up):
    web_pid = next(pid for pid in descendants(up.process.pid)
                   if b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes() and b"welcome_center" in Path(f"/proc/{pid}/cmdline").read_bytes())
    os.kill(web_pid, signal.SIGKILL)
    wait_for(lambda: not alive(web_pid), 10, "the killed web page did not end")
    wait_for(lambda: get(up.web + "anmelden") == 200, 60, "the web page was not started again")
    assert up.process.poll() is None


def test_sigterm_stops_every_process_up_started_within_seconds(up):
    family = up.family()
    assert len(family) >= 4  # up, the Prefect server, the flows, the web page
    started = time.monotonic()
    up.process.send_signal(signal.SIGTERM)
    assert up.process.wait(timeout=30) == 0
    wait_for(lambda: not any(alive(pid) for pid in family), 5, "processes of up were left")
    assert time.monotonic() - started < 15
    assert not (up.home / "up.json").exists() and not (up.home / "up.pid").exists()
    assert get(up.web + "anmelden") == 0 and get(up.api + "/health") == 0
    assert "Traceback" not in up.process.stderr.read()


def test_a_flow_command_killed_with_sigkill_leaves_no_prefect_server_behind(tmp_path, cli_env):
    env = {**cli_env, "WELCOME_CENTER_HOME": str(tmp_path)}
    command = subprocess.Popen([sys.executable, "-m", "welcome_center", "intake"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = wait_for(lambda: [pid for pid in descendants(command.pid)
                               if b"uvicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()], 120,
                      "no temporary server was started")
    command.kill()
    command.wait(timeout=10)
    wait_for(lambda: not any(alive(pid) for pid in server), 10, "the temporary Prefect server outlived the command")


def test_two_temporary_servers_started_at_the_same_moment_get_ports_of_their_own(tmp_path, cli_env):
    """The port is bound before the server starts (the kernel picks it), so two flow commands started
    together never race for one port (Prefect's own temporary server once did: an ERROR line)."""
    script = ("import sys, pathlib; from adapters.prefect_server import TemporaryServer; "
              "from adapters.prefect_setup import EMBEDDED_DEFAULTS; "
              "print(TemporaryServer.api_for(pathlib.Path(sys.argv[1]), EMBEDDED_DEFAULTS), flush=True)")
    homes = [tmp_path / "a", tmp_path / "b"]
    commands = [subprocess.Popen([sys.executable, "-c", script, str(home)], env=cli_env, cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for home in homes]
    results = [command.communicate(timeout=180) for command in commands]
    urls = [out.strip() for out, _ in results]
    assert all(c.returncode == 0 for c in commands), results
    assert len(set(urls)) == 2 and all(url.startswith("http://127.0.0.1:") for url in urls)
    assert all("ERROR" not in err and "Traceback" not in err for _, err in results)
    for home in homes:
        assert "ERROR" not in (home / "temporary-server.log").read_text()
