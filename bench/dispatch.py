"""Dispatch benchmark: N one-shot tasks to a fast local receiver through one in-process worker.

Prints webhooks per second, MongoDB commands per webhook (pymongo command monitoring on the
worker's own client) and the lag from each attempt's `at` to the receiver seeing the call.

    python bench/dispatch.py --tasks 200            # embedded secantusdb (slow: it scans)
    HOOKY_MONGO_URI=mongodb://host/hooky_bench python bench/dispatch.py --tasks 5000
"""
from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from bson import ObjectId
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hooky_common import accounts, embedded, queues, tasks  # noqa: E402
from hooky_common.db import connect, ensure_indexes  # noqa: E402
from hooky_worker.worker import Worker, WorkerSettings  # noqa: E402
from tests.receiver import start_receiver  # noqa: E402

TIMEOUT_SECONDS = 600


class CommandCounter(monitoring.CommandListener):
    def __init__(self):
        self.counts: collections.Counter = collections.Counter()
        self.lock = threading.Lock()

    def started(self, event):
        with self.lock:
            self.counts[event.command_name] += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0,
                        help="create tasks at this many per second while the worker runs (default: all up front)")
    args = parser.parse_args()

    server = None
    uri = os.environ.get("HOOKY_MONGO_URI")
    if not uri:
        server, uri = embedded.start(":memory:")
    setup_db = connect(uri)
    setup_db.client.drop_database(setup_db.name)
    ensure_indexes(setup_db)
    receiver = start_receiver()
    account = accounts.create(setup_db, "bench")
    account_id = ObjectId(account["id"])
    queues.put(setup_db, account_id, "default", "default", {"maxInFlight": args.concurrency})

    def produce(count: int, rate: float) -> None:
        for i in range(count):
            tasks.create(setup_db, account_id, "default", {"url": f"{receiver.url}/bench", "name": f"t{i}"})
            if rate:
                time.sleep(1 / rate)

    if not args.rate:
        produce(args.tasks, 0)

    counter = CommandCounter()
    worker_db = connect(uri, event_listeners=[counter])
    worker = Worker(worker_db, WorkerSettings(concurrency=args.concurrency, allow_private_targets=True))
    worker.maintain()  # start-up work, not per webhook
    counter.counts.clear()
    thread = threading.Thread(target=worker.run)
    cpu_started = time.process_time()
    started = time.monotonic()
    thread.start()
    if args.rate:
        threading.Thread(target=produce, args=(args.tasks, args.rate), daemon=True).start()
    while len(receiver.on_path("/bench")) < args.tasks and time.monotonic() - started < TIMEOUT_SECONDS:
        time.sleep(0.005)
    while (setup_db.attempts.count_documents({"status": "success"}) < args.tasks
           and time.monotonic() - started < TIMEOUT_SECONDS):
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    cpu_seconds = time.process_time() - cpu_started
    worker.request_stop()
    thread.join()
    if setup_db.attempts.count_documents({"status": "success"}) < args.tasks:
        sys.exit(f"only {setup_db.attempts.count_documents({'status': 'success'})} of {args.tasks} webhooks "
                 f"succeeded within {TIMEOUT_SECONDS} s")

    due = {str(doc["_id"]): doc["at"].timestamp() for doc in setup_db.attempts.find({}, {"at": 1})}
    lags = [(r.at - due[r.headers["X-Hooky-Attempt-ID"]]) * 1000 for r in receiver.on_path("/bench")]
    commands = sum(counter.counts.values())
    print(f"database:              {'secantusdb (embedded)' if server else uri.split('@')[-1]}")
    print(f"webhooks:              {args.tasks} (worker concurrency {args.concurrency})")
    if not args.rate:
        print(f"webhooks per second:   {args.tasks / elapsed:.1f}")
    print(f"commands per webhook:  {commands / args.tasks:.2f}  {dict(counter.counts.most_common())}")
    print(f"CPU per webhook:       {cpu_seconds * 1000 / args.tasks:.2f} ms in this process "
          "(worker and receiver; the database's own CPU not included)")
    print(f"lag at->call p50/p99:  {statistics.median(lags):.0f} ms / {percentile(lags, 0.99):.0f} ms "
          + ("(tasks trickled in)" if args.rate else "(all tasks were due at once: this is queueing time)"))
    receiver.server.shutdown()
    if server:
        embedded.stop(server)


if __name__ == "__main__":
    main()
