"""What the send window costs: mails/s of the reminder sending with 1..n sender threads, with the
window (services.reminders.SEND_WINDOW: one mail per process between DATA and its recorded outcome)
and without it (the lock replaced by a no-op, as before issue 15 item 6). Prints a table, asserts nothing.

    python bench/send_window.py [--mails 500] [--senders 1,2,3] [--latency-ms 0,20] [--batch-size 50]
                                [--repeat 1] [--database-url URL]

The outbox is seeded with `--mails` pending rows (one case, distinct recipients) in a throwaway
SQLite file (or an EMPTY PostgreSQL database given with --database-url; its outbox is emptied before
each measure). The mail server is aiosmtpd on 127.0.0.1 in a child process; `--latency-ms` makes it
take that long to answer DATA (a real server scanning a mail: 10-200 ms), so that the cost of
letting only one mail at a time wait for that answer shows. Each measure: `senders` threads, each
calling send_batch(limit=--batch-size) until nothing is left, as the flow's task runner does.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ACTOR = "bench:send_window"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sink_main(port: int, latency: float, counter, ready, stop) -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    class Slow:
        async def handle_DATA(self, server, session, envelope):
            if latency:
                await asyncio.sleep(latency)
            with counter.get_lock():
                counter.value += 1
            return "250 Message accepted for delivery"

    controller = Controller(Slow(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


@contextlib.contextmanager
def mail_server(latency: float):
    context = multiprocessing.get_context("spawn")
    port, counter = free_port(), context.Value("q", 0)
    ready, stop = context.Event(), context.Event()
    process = context.Process(target=_sink_main, args=(port, latency, counter, ready, stop), daemon=True)
    process.start()
    if not ready.wait(60):
        raise SystemExit("the aiosmtpd server did not start within 60 s")
    try:
        yield port, counter
    finally:
        stop.set()
        process.join(10)


def seed(engine, catalogue, mails: int) -> None:
    from sqlmodel import Session

    from domain.reminders import Recipient, Reminder
    from services.cases import find_or_create_person, open_case
    from services.outbox import Composed, message_id, write_pending

    with Session(engine, expire_on_commit=False) as session:
        person, _ = find_or_create_person(session, actor=ACTOR, given_name="Viele", family_name="Mails",
                                          birth_date=date(1990, 1, 1), language="de", district="osterholz")
        case = open_case(session, person=person, profession_text="Koch", catalogue=catalogue, today=date(2026, 11, 25),
                         actor=ACTOR)
        session.commit()
    composed = []
    for i in range(mails):
        reminder = Reminder(case.id, case.reference, "osterholz", "case_inactive", date(2026, 11, 25), Recipient.ADVISER,
                            f"adviser{i}@example.org", "de")
        composed.append(Composed(reminder, f"Erinnerung {i}", "Text der Erinnerung.\n" * 20, message_id(reminder, "bench.example")))
    write_pending(engine, composed)


def reset(engine) -> None:
    from sqlalchemy import update

    from models import OutboxMessage

    t = OutboxMessage.__table__
    with engine.begin() as connection:
        connection.execute(update(t).values(state="pending", attempts=0, sent_at=None, claimed_by=None, claimed_until=None,
                                            last_error=None, next_attempt_at=None))


def send_all(engine, catalogue, port: int, senders: int, batch_size: int) -> int:
    from adapters.mailer import SmtpSender
    from services.reminders import send_batch, worker_name

    worker, sent, lock = worker_name(), [], threading.Lock()

    def sender(n: int) -> None:
        while True:
            claimed, outcome = send_batch(
                engine=engine, catalogue=catalogue, worker=f"{worker}/{n}", lease=timedelta(minutes=5), limit=batch_size,
                max_attempts=5, backoff=timedelta(minutes=5),
                sender_factory=lambda: SmtpSender(host="127.0.0.1", port=port, starttls=False, username="", password="",
                                                  timeout=30))
            with lock:
                sent.append(outcome.sent)
            if claimed == 0 or outcome.unreachable:
                return

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--senders", default="1,2,3")
    parser.add_argument("--latency-ms", default="0,20")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    import services.reminders as reminders
    from adapters.catalogue import load_catalogue_from
    from adapters.database import upgrade
    from models.db import make_engine

    folder = Path(tempfile.mkdtemp(prefix="bench-send-window-"))
    try:
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        catalogue = load_catalogue_from(ROOT / "data")
        if args.database_url:
            from sqlalchemy import delete

            from models import OutboxMessage

            with engine.begin() as connection:
                connection.execute(delete(OutboxMessage.__table__))
        seed(engine, catalogue, args.mails)
        window = getattr(reminders, "SEND_WINDOW", contextlib.nullcontext())  # none in code before the window
        code = f"{Path(reminders.__file__).resolve()}, send window {'yes' if hasattr(reminders, 'SEND_WINDOW') else 'no'}"
        rows = []
        for latency_ms in [int(x) for x in args.latency_ms.split(",")]:
            with mail_server(latency_ms / 1000) as (port, counter):
                for senders in [int(x) for x in args.senders.split(",")]:
                    figures = {}
                    for label, lock in (("without", contextlib.nullcontext()), ("with", window)):
                        reminders.SEND_WINDOW = lock  # on code without the window: an unused attribute
                        times = []
                        for _ in range(args.repeat):
                            reset(engine)
                            start = time.perf_counter()
                            sent = send_all(engine, catalogue, port, senders, args.batch_size)
                            times.append(time.perf_counter() - start)
                            if sent != args.mails:
                                raise SystemExit(f"sent {sent} of {args.mails}")
                        figures[label] = args.mails / statistics.median(times)
                    if hasattr(reminders, "SEND_WINDOW"):
                        reminders.SEND_WINDOW = window
                    rows.append((latency_ms, senders, f"{figures['without']:.0f}", f"{figures['with']:.0f}",
                                 f"{figures['with'] / figures['without'] - 1:+.0%}"))
        engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"{args.mails} mails, batches of {args.batch_size}, {engine.dialect.name}, median of {args.repeat}; code: {code}")
    header = ("DATA answer ms", "senders", "mails/s without window", "mails/s with window", "change")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths)))


if __name__ == "__main__":
    main()
