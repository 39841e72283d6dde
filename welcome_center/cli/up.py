"""`welcome-center up`: the Welcome Center running by itself on one machine.

One command starts, as children that never outlive it (adapters.supervisor):
1. a Prefect server with its UI and its scheduler, its database in the state folder's prefect/
   (or where PREFECT_SERVER_DATABASE_CONNECTION_URL says, e.g. PostgreSQL);
2. the deployments of flows.deployments, served by Prefect's `serve` in one process
   (`python -m flows.serving`); each due run in a subprocess of its own;
3. the adviser web page.
With PREFECT_API_URL set, that server is used and none is started (several machines: README).

Why `serve` and not a work pool with a worker: one process instead of a pool, a `prefect deploy`
and a worker; the schedules live in flows.deployments and are registered on every start, so what
runs is what the code says; and a second machine can serve the same deployments (`python -m
flows.serving`) where more capacity is needed (tests/test_scale_path.py runs two).

`up` holds a lock on the state folder (adapters.up_state): a second `up` is refused with the first
one's PID, and the flow commands (`intake`, `remind`, `letters --due`, `demo`) find its server and
use it instead of starting a temporary one. A part that ends is started again (after 1, 2, 5 …
60 s); Ctrl-C or SIGTERM stops every part within seconds; each part's output is in logs/.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from adapters.database import ready_engine
from adapters.prefect_server import PrefectServerFailed, healthy, wait_until_healthy
from adapters.prefect_setup import EMBEDDED_DEFAULTS
from adapters.settings import PROJECT_ROOT, get_settings
from adapters.supervisor import Part, Supervisor
from adapters.up_state import AlreadyRunning, UpInfo, UpLock
from domain.calendar import WEEKDAYS_DE
from flows.deployments import DEPLOYMENTS, TIMEZONE, next_run
from welcome_center.cli.console import err, escape, fail, friendly, out

Opt = typer.Option
app = typer.Typer()

EXIT_RUNNING = 1
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: a part did not come up
START_TIMEOUT = 180.0  # seconds for the Prefect server's first start (it migrates its database)


@app.callback()
def _group() -> None:
    """The Welcome Center running by itself."""


@friendly
def up(
    host: Annotated[str, Opt("--host", help="address of the web page; keep 127.0.0.1 unless a TLS proxy is in front")] = "127.0.0.1",
    port: Annotated[int, Opt("--port", min=1, max=65535, help="port of the web page")] = 8000,
    prefect_port: Annotated[int, Opt("--prefect-port", min=1, max=65535, help="port of the Prefect server and its UI")] = 4200,
):
    """Start the web page, a Prefect server with its UI and every scheduled run; Ctrl+C stops all."""
    settings = get_settings()
    home = settings.home
    lock = UpLock(home)
    try:
        lock.acquire()
    except AlreadyRunning as running:
        info = running.info
        where = f" ({info.web_url}, Prefect {info.prefect_ui})" if info and info.web_url else ""
        pid = info.pid if info else "?"
        fail("Error", f"welcome-center up is already running for {home} with PID {pid}{where}. "
             f"Stop it first (Ctrl+C in its terminal, or: kill {pid}).", EXIT_RUNNING)
    stop_requested: list[int] = []

    def request_stop(signum, _frame) -> None:
        stop_requested.append(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    supervisor: Supervisor | None = None
    try:
        ready_engine()  # the application's database migrated before anything runs on it
        external_api = os.environ.get("PREFECT_API_URL", "")  # a server of the operator's (README: several machines)
        _check_port(host, port, "--port")
        parts, api_url, ui_url = _parts(home, host=host, port=port, prefect_port=prefect_port, external_api=external_api)
        supervisor = Supervisor(parts, say=lambda text: err.print(escape(text), soft_wrap=True))
        web_url = f"http://{host}:{port}/"
        begun = time.monotonic()
        with err.status("Prefect-Server startet …" if not external_api else "Verbinde mit dem Prefect-Server …"):
            for part in parts:
                if part.name == "Prefect-Server":
                    supervisor.start(part)
                    _wait(lambda: wait_until_healthy(api_url, part.process, timeout=START_TIMEOUT, log=part.log), stop_requested)
            if external_api and not healthy(api_url, timeout=5):
                fail("Prefect", f"no Prefect server answers at {api_url} (PREFECT_API_URL).", EXIT_UNAVAILABLE)
        with err.status("Zeitpläne und Web-Seite starten …"):
            for part in parts:
                if part.process is None:
                    supervisor.start(part)
            _wait(lambda: _wait_for_web(web_url, parts[-1]), stop_requested)
            _wait(lambda: _wait_for_deployments(api_url, parts[-2]), stop_requested)
        lock.publish(UpInfo(pid=os.getpid(), web_url=web_url, prefect_ui=ui_url, prefect_api=api_url,
                            started_at=datetime.now(ZoneInfo(TIMEZONE)).isoformat(timespec="seconds")))
        _print_ready(web_url, ui_url, home, time.monotonic() - begun)
        while not stop_requested:
            supervisor.watch_once()
            time.sleep(0.5)
    finally:
        if supervisor is not None:
            with err.status("Wird beendet …"):
                supervisor.stop_all()
            err.print("welcome-center up beendet.")
        lock.release()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait(step, stop_requested: list[int]) -> None:
    """Run a waiting step; a PrefectServerFailed or a timeout is one line and exit 69."""
    try:
        step()
    except PrefectServerFailed as error:
        fail("Error", str(error), EXIT_UNAVAILABLE)
    if stop_requested:
        raise typer.Exit(0)


def _check_port(host: str, port: int, option: str) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            fail("Error", f"{option}: {host}:{port} cannot be used ({error.strerror}); another program listens there. "
                 f"Choose another port with {option}.", 2)


def _parts(home: Path, *, host: str, port: int, prefect_port: int, external_api: str) -> tuple[list[Part], str, str]:
    base = {name: value for name, value in os.environ.items()
            if name != "PREFECT_API_URL" and not (name in EMBEDDED_DEFAULTS and value == EMBEDDED_DEFAULTS[name])}
    base["PREFECT_HOME"] = str(home / "prefect")
    base["PYTHONUNBUFFERED"] = "1"
    logs = home / "logs"
    parts: list[Part] = []
    if external_api:
        api_url = external_api.rstrip("/")
        ui_url = os.environ.get("PREFECT_UI_URL", api_url.removesuffix("/api"))
    else:
        _check_port("127.0.0.1", prefect_port, "--prefect-port")
        api_url = f"http://127.0.0.1:{prefect_port}/api"
        ui_url = f"http://127.0.0.1:{prefect_port}"
        parts.append(Part(
            "Prefect-Server",
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
            env={**base, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "true",
                 "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "true", "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "true",
                 "PREFECT_UI_API_URL": api_url, "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"},
            log=logs / "prefect-server.log",
        ))
    client_env = {**base, "PREFECT_API_URL": api_url, "WELCOME_CENTER_PREFECT_UI_URL": ui_url,
                  "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO", "PREFECT_LOGGING_LEVEL": "INFO"}
    parts.append(Part("Flows (Zeitpläne)", [sys.executable, "-m", "flows.serving"], env=client_env, cwd=PROJECT_ROOT,
                      log=logs / "flows.log"))
    parts.append(Part("Web-Seite", [sys.executable, "-m", "welcome_center", "serve", "--host", host, "--port", str(port)],
                      env={**client_env, "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}, log=logs / "web.log"))
    return parts, api_url, ui_url


def _wait_for_web(url: str, part: Part, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "anmelden", timeout=2) as response:  # noqa: S310 (our own page)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if part.process is not None and part.process.poll() is not None:
            break
        time.sleep(0.2)
    raise PrefectServerFailed(f"The web page did not answer at {url} (its log: {part.log}).")


def _wait_for_deployments(api_url: str, part: Part, timeout: float = 120.0) -> None:
    """Until the served process has registered every deployment with the server."""
    import json

    wanted = {spec.name for spec in DEPLOYMENTS}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = urllib.request.Request(f"{api_url}/deployments/filter", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback or configured)
                names = {item["name"] for item in json.load(response)}
            if wanted <= names:
                return
        except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError):
            pass
        if part.process is not None and part.process.poll() is not None:
            break
        time.sleep(0.5)
    raise PrefectServerFailed(f"The deployments were not registered within {timeout:.0f} s (the log: {part.log}).")


def _print_ready(web_url: str, ui_url: str, home: Path, seconds: float) -> None:
    now = datetime.now(ZoneInfo(TIMEZONE))
    out.print(f"[bold]Welcome Center läuft[/] (Start in {seconds:.0f} s)")
    out.print(f"  Web-Seite:            {web_url}", soft_wrap=True)
    out.print(f"  Prefect-Oberfläche:   {ui_url}", soft_wrap=True)
    out.print(f"  Daten und Protokolle: {escape(str(home))} (logs/)", soft_wrap=True)
    out.print(f"  Zeitpläne ({TIMEZONE}; ruhen an Feiertagen in Niedersachsen, außer „täglich“):")
    for spec in DEPLOYMENTS:
        moment = next_run(spec, now)
        daily = " (täglich, auch an Feiertagen)" if spec.every_day else ""
        out.print(f"    {spec.full_name:<29} {spec.cron:<18} nächster Lauf {WEEKDAYS_DE[moment.weekday()]} "
                  f"{moment:%d.%m.%Y %H:%M}{daily}", soft_wrap=True)
    out.print("Beenden mit Strg+C. Läufe: welcome-center runs", soft_wrap=True)


app.command("up")(up)
