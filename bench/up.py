"""`welcome-center up`: its start until the web page answers, and what a flow command costs with and
without it; prints a table, asserts nothing.

    python bench/up.py [--runs 5] [--home DIR]

1. `welcome-center intake` on an empty inbox, `--runs` times as a new process each, with no server
   running: each starts a temporary Prefect server (its CPU counted: the command waits for it).
2. `welcome-center up` started on the same state folder: seconds until the web page answers, and
   until `up` has printed its addresses and schedules (the deployments are registered).
3. `welcome-center intake` again, `--runs` times, now using up's server.
4. SIGTERM to `up`: seconds until it has ended, and how many of its processes were left.
The figure per command is the median of whole-process CPU (user + system, children included,
resource.getrusage), which load on the machine changes less than wall time; wall time beside it.
The goal: with `up` running, `intake` costs at most a fifth of what it costs without.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.processes import alive, descendants  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(args: list[str], env: dict, checkout: Path | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one process, children included; `checkout`: another checkout's code."""
    if checkout is not None:
        env = {**env, "PYTHONPATH": str(checkout)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "welcome_center", *args], env=env, capture_output=True, check=False,
                          cwd=checkout)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{args} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--base", type=Path, default=None,
                        help="a checkout of the code before issue 15 (git worktree add --detach /tmp/base 77b0dc9): its "
                             "intake, with Prefect's own temporary server, is measured too, on its own state folder")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-up-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WELCOME_CENTER_", "PREFECT_"))}
    env.update(WELCOME_CENTER_HOME=str(home), PYTHONDONTWRITEBYTECODE="")
    env.pop("PYTHONDONTWRITEBYTECODE")

    before = None
    if args.base:
        base_env = {**env, "WELCOME_CENTER_HOME": tempfile.mkdtemp(prefix="bench-up-base-")}
        run(["intake"], base_env, args.base)  # migrations
        before = [run(["intake"], base_env, args.base) for _ in range(args.runs)]
    cold = run(["intake"], env)  # migrates both databases
    without = [run(["intake"], env) for _ in range(args.runs)]

    port, prefect_port = free_port(), free_port()
    started = time.perf_counter()
    up = subprocess.Popen([sys.executable, "-m", "welcome_center", "up", "--port", str(port), "--prefect-port", str(prefect_port)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    web_after = None
    while web_after is None:
        if up.poll() is not None:
            raise SystemExit(f"up ended with {up.returncode}")
        if answers(f"http://127.0.0.1:{port}/anmelden"):
            web_after = time.perf_counter() - started
        time.sleep(0.1)
    for line in up.stdout:
        if line.startswith("Beenden mit"):
            break
    ready_after = time.perf_counter() - started
    family = [up.pid, *descendants(up.pid)]
    with_up = [run(["intake"], env) for _ in range(args.runs)]

    stopping = time.perf_counter()
    up.send_signal(signal.SIGTERM)
    up.wait(timeout=60)
    stop_seconds = time.perf_counter() - stopping
    left = [pid for pid in family if alive(pid)]

    def cpu(samples):
        return statistics.median(c for c, _ in samples)

    def wall(samples):
        return statistics.median(w for _, w in samples)

    print(f"state folder {home}; {args.runs} runs each; median CPU (user+system, children included) and wall")
    print(f"{'':44} {'CPU s':>7} {'wall s':>7}")
    print(f"{'intake, first run (migrations)':44} {cold[0]:7.2f} {cold[1]:7.2f}")
    print(f"{'intake without up (temporary server)':44} {cpu(without):7.2f} {wall(without):7.2f}")
    if before:
        print(f"{'intake before issue 15 (Prefect temporary)':44} {cpu(before):7.2f} {wall(before):7.2f}")
    print(f"{'intake with up running':44} {cpu(with_up):7.2f} {wall(with_up):7.2f}")
    print(f"ratio with up / without: CPU {cpu(with_up) / cpu(without):.2f}, wall {wall(with_up) / wall(without):.2f} (goal: at most 0.20)")
    if before:
        print(f"ratio with up / before issue 15: CPU {cpu(with_up) / cpu(before):.2f}, wall {wall(with_up) / wall(before):.2f}")
    print(f"up: web page answers after {web_after:.1f} s; addresses and schedules printed after {ready_after:.1f} s")
    print(f"up: stopped {stop_seconds:.1f} s after SIGTERM (exit code {up.returncode}); "
          f"{len(left)} of its {len(family)} processes left")


if __name__ == "__main__":
    main()
