"""`welcome-center runs` and the lead's "Läufe" page against a real Prefect server (started once for
this module, as `welcome-center up` would: its own home, no analytics, no UI), with the deployments of
flows.deployments registered and one run that completes and one that fails; and both without a server.

The flows run in a process of their own (Prefect reads PREFECT_API_URL once, when it is imported; this
process's Prefect belongs to the CLI tests' temporary server).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session, select

from models import AuditEvent, FlowRunAcknowledgement
from flows.deployments import DEPLOYMENTS
from tests.conftest import ROOT, free_port
from tests.web_fixtures import (  # noqa: F401 - fixtures
    accounts,
    client,
    csrf_token,
    login,
    sqlite_engine,
    web_app,
)

BERLIN = ZoneInfo("Europe/Berlin")
OFFSET = re.compile(r"\+0[12]:00$")

FLOWS_SCRIPT = """
import json
from flows.deployments import DEPLOYMENTS
from flows.serving import runner_deployment
from flows.intake import intake_flow
from flows.letters import letters_flow

for spec in DEPLOYMENTS:
    runner_deployment(spec).apply()
completed = intake_flow(return_state=True)  # an empty inbox: nothing to do, completes
failed = letters_flow(due=True, return_state=True)  # the database has no tables: fails
print(json.dumps({"completed": str(completed.state_details.flow_run_id), "completed_state": completed.type.value,
                  "failed": str(failed.state_details.flow_run_id), "failed_state": failed.type.value}))
"""


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "WELCOME_CENTER_"))}
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "200"
    return env


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A Prefect server on a free loopback port (10-30 s to start here), its scheduler looking every
    2 s, with the three deployments, one completed and one failed flow run."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = dict(_clean_env(), PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_UI_ENABLED="false", PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2")
    log = (home / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"the Prefect server stopped: {(home / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the Prefect server did not answer within 120 s")
            time.sleep(0.5)
        state = tmp_path_factory.mktemp("flows-home")
        flows_env = dict(_clean_env(), PREFECT_API_URL=api, PREFECT_HOME=str(state / "prefect"), WELCOME_CENTER_HOME=str(state),
                         WELCOME_CENTER_DATABASE_URL=f"sqlite:///{state / 'no-tables.db'}", PREFECT_LOGGING_LEVEL="ERROR")
        done = subprocess.run([sys.executable, "-c", FLOWS_SCRIPT], env=flows_env, cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        runs = json.loads(done.stdout.strip().splitlines()[-1])
        assert (runs["completed_state"], runs["failed_state"]) == ("COMPLETED", "FAILED")
        _wait_for_scheduled_runs(api)
        yield {"api": api, "ui": f"http://127.0.0.1:{port}", **runs}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_for_scheduled_runs(api: str) -> None:
    """The server's scheduler makes the scheduled runs of the new deployments within a few seconds."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                                                            "limit": 200}, timeout=10).json()
        if len({run["deployment_id"] for run in found}) >= len(DEPLOYMENTS):
            return
        time.sleep(1)
    pytest.fail("the scheduler made no scheduled runs for every deployment within 60 s")


def run_cli(*args: str, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "welcome_center", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


# ------------------------------------------------------------------------------------ the command line


def test_runs_json_shows_the_schedules_next_runs_and_the_failed_and_completed_run(prefect_server, tmp_path):
    env = dict(_clean_env(), PREFECT_API_URL=prefect_server["api"], PREFECT_HOME=str(tmp_path / "prefect"),
               WELCOME_CENTER_HOME=str(tmp_path))
    done = run_cli("runs", "--json", env=env)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["prefect_api"] == prefect_server["api"] and shown["ui"] == prefect_server["ui"] and shown["reachable"]

    deployments = {d["full_name"]: d for d in shown["deployments"]}
    assert set(deployments) == {"reminders/daily-reminders", "intake/inbox-intake", "letters/due-letters",
                                "monthly-report/monthly-report", "retention/retention"}
    for item in deployments.values():
        assert item["registered"] is True and item["paused"] is False and item["timezone"] == "Europe/Berlin"
        assert item["next_run_from"] == "server", item
        assert OFFSET.search(item["next_run"]), item["next_run"]
        next_run = datetime.fromisoformat(item["next_run"])
        if item["name"] not in ("monthly-report", "retention"):  # 1st-4th, and every night, whatever the weekday
            assert next_run.weekday() < 5  # the cron expressions rest on weekends
    assert deployments["letters/due-letters"]["cron"] == "30 6 * * 1-5"
    assert datetime.fromisoformat(deployments["letters/due-letters"]["next_run"]).astimezone(BERLIN).strftime("%H:%M") == "06:30"

    runs = {r["id"]: r for r in shown["runs"]}
    failed, completed = runs[prefect_server["failed"]], runs[prefect_server["completed"]]
    assert (failed["flow"], failed["state"], failed["deployment"]) == ("letters", "FAILED", None)
    assert failed["summary"] == "Fehler: OperationalError"  # the exception's name, never its message
    assert (completed["flow"], completed["state"]) == ("intake", "COMPLETED")
    for run in (failed, completed):
        assert OFFSET.search(run["start"]) and run["duration_seconds"] >= 0


def test_runs_prints_a_table_and_limit_cuts_the_list(prefect_server, tmp_path):
    env = dict(_clean_env(), PREFECT_API_URL=prefect_server["api"], PREFECT_HOME=str(tmp_path / "prefect"),
               WELCOME_CENTER_HOME=str(tmp_path))
    done = run_cli("runs", env=env)
    assert done.returncode == 0, done.stderr
    assert "reminders/daily-reminders" in done.stdout and "Failed" in done.stdout and "by hand" in done.stdout
    assert prefect_server["failed"][:8] in done.stdout  # the id, shortened (the JSON has it whole)
    one = json.loads(run_cli("runs", "--json", "--limit", "1", env=env).stdout)
    assert len(one["runs"]) == 1 and one["runs"][0]["id"] == prefect_server["failed"]  # the newest


def test_without_prefect_api_url_runs_lists_the_schedules_and_starts_no_temporary_server(tmp_path):
    prefect_home = tmp_path / "prefect"
    env = dict(_clean_env(), PREFECT_HOME=str(prefect_home), WELCOME_CENTER_HOME=str(tmp_path))
    started = time.monotonic()
    done = run_cli("runs", "--json", env=env)
    assert done.returncode == 69, done.stderr
    assert time.monotonic() - started < 30
    assert "No Prefect server runs" in done.stderr and "welcome-center up" in done.stderr
    shown = json.loads(done.stdout)
    assert shown["prefect_api"] is None and shown["ui"] is None and shown["runs"] == [] and not shown["reachable"]
    assert [d["name"] for d in shown["deployments"]] == ["daily-reminders", "inbox-intake", "due-letters", "monthly-report",
                                                         "retention"]
    assert all(d["next_run_from"] == "local" and OFFSET.search(d["next_run"]) for d in shown["deployments"])
    assert not list(prefect_home.glob("**/*.db"))  # no temporary server made its database


def test_with_a_server_that_does_not_answer_runs_names_the_address_and_exits_69(tmp_path):
    api = f"http://127.0.0.1:{free_port()}/api"
    env = dict(_clean_env(), PREFECT_API_URL=api, PREFECT_HOME=str(tmp_path / "prefect"), WELCOME_CENTER_HOME=str(tmp_path))
    done = run_cli("runs", env=env)
    assert done.returncode == 69
    assert f"No Prefect server runs at {api}" in done.stderr and "welcome-center up" in done.stderr
    assert "reminders/daily-reminders" in done.stdout and "Traceback" not in done.stderr


def test_the_next_run_is_counted_in_berlin_time_across_the_change_to_summer_time():
    from flows.run_history import next_local_run

    friday_evening = datetime(2026, 3, 27, 20, 0, tzinfo=BERLIN)  # summer time starts on Sunday 29 March
    assert next_local_run("0 7 * * 1-5", "Europe/Berlin", friday_evening).isoformat() == "2026-03-30T07:00:00+02:00"
    winter = datetime(2026, 12, 4, 19, 0, tzinfo=BERLIN)
    assert next_local_run("*/15 7-18 * * 1-5", "Europe/Berlin", winter).isoformat() == "2026-12-07T07:00:00+01:00"


# ------------------------------------------------------------------------------------ the web page


@pytest.fixture
def web_engine(sqlite_engine):  # noqa: F811 - the page's tests need the Prefect server, not PostgreSQL
    return sqlite_engine


@pytest.fixture
def on_server(prefect_server, prefect_home, monkeypatch):
    """The app in this process reads the runs from the module's server (`prefect_home`: this process's
    Prefect set up as the CLI tests expect, before the page imports it)."""
    monkeypatch.setenv("PREFECT_API_URL", prefect_server["api"])
    return prefect_server


@pytest.fixture
def lead(client, accounts):  # noqa: F811
    assert login(client, accounts["lead"].email).status_code == 303
    return client


def test_the_lead_sees_a_failed_run_on_the_overview_until_it_is_marked_seen(on_server, lead, web_engine):
    failed = on_server["failed"]
    page = lead.get("/").text
    assert "Fehlgeschlagene Läufe" in page and f'id="lauf-{failed}"' in page and "Fehler: OperationalError" in page
    assert f'href="{on_server["ui"]}/runs/flow-run/{failed}"' in page
    assert f'id="lauf-{on_server["completed"]}"' not in page  # only the failed ones

    token = csrf_token(lead)
    assert page.count(f'name="csrf_token" value="{token}"') == 2  # the logout form's and the "Gesehen" form's
    form = {"csrf_token": token, "flow": "letters", "state": "FAILED", "back": "/"}
    seen = lead.post(f"/laeufe/{failed}/gesehen", data=form)
    assert seen.status_code == 303 and seen.headers["location"] == "/?ok=gesehen#laeufe"
    page = lead.get("/?ok=gesehen").text
    assert "Als gesehen vermerkt." in page and f'id="lauf-{failed}"' not in page
    assert lead.post(f"/laeufe/{failed}/gesehen", data=form).status_code == 303  # a second click changes nothing
    with Session(web_engine) as session:
        assert [row.flow_run_id for row in session.exec(select(FlowRunAcknowledgement)).all()] == [failed]
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "flow_run.acknowledge")).all()
        assert len(audit) == 1 and failed in audit[0].after and audit[0].actor == "adviser:lena.leitung@welcome-center.example"
    runs_page = lead.get("/laeufe").text
    assert f'id="lauf-{failed}"' in runs_page and ">gesehen<" in runs_page  # still listed, marked seen


def test_the_lead_sees_the_runs_page_with_schedules_runs_and_the_link_to_the_prefect_ui(on_server, lead):
    response = lead.get("/laeufe")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Läufe</h1>" in page and 'href="/laeufe" aria-current="page"' in page
    assert f'href="{on_server["ui"]}"' in page and "Prefect-Oberfläche" in page
    for name in ("daily-reminders", "inbox-intake", "due-letters", "monthly-report"):
        assert f"({name})" in page
    assert "eingerichtet" in page and "nicht eingerichtet" not in page and "noch nicht eingeplant" not in page
    assert "fehlgeschlagen" in page and "abgeschlossen" in page and "von Hand" in page
    assert re.search(r"Mo \d\d\.\d\d\.\d{4}, 0[67]:[03]0", page)  # the next run, a weekday in Berlin time


def test_an_adviser_or_a_reader_cannot_reach_the_runs_page_nor_mark_a_run(client, accounts):  # noqa: F811
    for who in ("verden", "readonly"):
        client.cookies.clear()
        login(client, accounts[who].email)
        overview = client.get("/").text
        assert 'href="/laeufe"' not in overview and "Fehlgeschlagene Läufe" not in overview
        assert client.get("/laeufe").status_code == 403
        token = csrf_token(client)
        refused = client.post("/laeufe/0b4b1d8e-6f57-4a53-9d0b-2a7f1c3e9a10/gesehen",
                              data={"csrf_token": token, "flow": "letters", "state": "FAILED"})
        assert refused.status_code == 403


def test_without_a_server_the_runs_page_says_so_in_german_and_shows_the_schedules(lead, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")
    page = lead.get("/laeufe").text
    assert "antwortet nicht" in page and "welcome-center up" in page
    assert "(daily-reminders)" in page and "0 7 * * 1-5" in page and "Letzte Läufe" not in page
    overview = lead.get("/").text
    assert "Der Prefect-Server ist nicht erreichbar" in overview


def test_a_run_id_that_is_no_uuid_is_refused_in_german(lead, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")
    token = csrf_token(lead)
    refused = lead.post("/laeufe/<script>/gesehen", data={"csrf_token": token, "flow": "letters", "state": "FAILED"})
    assert refused.status_code == 400 and "ist keine Lauf-ID" in refused.text and "<script>" not in refused.text


# ------------------------------------------------------------------------------------ in a browser


def test_the_lead_marks_a_failed_run_seen_in_a_browser_at_1366(prefect_server, tmp_path, cli_at):
    """Chromium at 1366×768 against `welcome-center serve` (screenshots `laeufe-*.png`); skipped
    without Chromium or Playwright, as tests/test_web_browser.py."""
    from tests.test_web_browser import CHROMIUM, _missing, serving, shot

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[test]'")
    if not os.path.exists(CHROMIUM):
        _missing(f"Chromium is not at {CHROMIUM}: apt-get install chromium")
    email, password = "lena.browser@welcome-center.example", "Browser-Test-2026"
    made = cli_at(tmp_path)("adviser", "add", "--name", "Lena Browser", "--email", email, "--role", "lead", "--password", password)
    assert made.exit_code == 0, made.stderr
    env = dict(_clean_env(), WELCOME_CENTER_HOME=str(tmp_path), PREFECT_API_URL=prefect_server["api"],
               PREFECT_HOME=str(tmp_path / "prefect"))
    with serving(env) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE").new_page()
        page.goto(base + "/anmelden")
        page.get_by_label("E-Mail-Adresse").fill(email)
        page.get_by_label("Passwort").fill(password)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(re.compile(r"/$"))
        failed = page.locator(f"#lauf-{prefect_server['failed']}")
        assert "fehlgeschlagen" in failed.inner_text()
        shot(page, "laeufe-01-uebersicht")
        failed.get_by_role("button", name="Gesehen").click()
        page.wait_for_url(re.compile(r"ok=gesehen"))
        assert page.locator(f"#lauf-{prefect_server['failed']}").count() == 0
        page.get_by_role("link", name="Läufe", exact=True).click()
        page.wait_for_url(re.compile(r"/laeufe$"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no horizontal scrolling
        assert "gesehen" in page.locator(f"#lauf-{prefect_server['failed']}").inner_text()
        shot(page, "laeufe-02-laeufe")
        browser.close()
