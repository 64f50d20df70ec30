"""The worker loop: claim due attempts under a lease, respect queue slots, call, record, advance."""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable
from urllib.parse import urlsplit

import requests
from pymongo.database import Database
from pymongo.errors import PyMongoError

from hooky_common import attempts, clock, queues, signing, workers
from hooky_common.outcome import Outcome, plan_next
from hooky_common.retry import RetryPolicy
from hooky_common.targets import blocked_reason
from hooky_worker import metrics, webhook
from hooky_worker.guard import guarded_session

log = logging.getLogger("hooky.worker")

LOST_WORKER_ERROR = "lease expired: the worker running this attempt stopped before recording a result"
QUEUE_FULL_PAUSE_SECONDS = 0.5
PAUSED_REFRESH_SECONDS = 1.0
SETTINGS_CACHE_SECONDS = 5.0
MAINTENANCE_EVERY_SECONDS = 15.0
STRANDED_AFTER_SECONDS = 300.0
RECORD_RETRY_SECONDS = 120.0


@dataclass
class WorkerSettings:
    concurrency: int = 20
    lease_seconds: float = 30.0
    heartbeat_seconds: float = 10.0
    retention_hours: float = 7 * 24
    min_idle_seconds: float = 0.01
    max_idle_seconds: float = 0.1
    allow_private_targets: bool = False


class TtlCache:
    """Documents read at most once every few seconds per key (queue settings, signing secrets)."""

    def __init__(self, load: Callable[[object], dict | None], ttl_seconds: float = SETTINGS_CACHE_SECONDS):
        self.load, self.ttl_seconds = load, ttl_seconds
        self._entries: dict = {}
        self._lock = threading.Lock()

    def get(self, key) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry and entry[0] > time.monotonic():
            return entry[1]
        doc = self.load(key)
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl_seconds, doc)
        return doc


class Worker:
    def __init__(self, db: Database, settings: WorkerSettings | None = None,
                 call: Callable[[requests.Session, dict, list[str]], Outcome] = webhook.call):
        self.db = db
        self.settings = settings or WorkerSettings()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.queue_cache = TtlCache(lambda queue_id: db.queues.find_one({"_id": queue_id}))
        self.signing_cache = TtlCache(lambda key: db.applications.find_one(
            {"account": key[0], "name": key[1]}, {"signing": 1}))
        self.stopping = threading.Event()
        self.started = clock.now()
        self._call = call
        self._local = threading.local()
        self._full_queues: dict = {}
        self._full_lock = threading.Lock()
        self._paused: list = []
        self._paused_until = 0.0
        self._threads_free = threading.BoundedSemaphore(self.settings.concurrency)
        self._held: dict = {}  # attempt id -> slot id (or None): the work in flight, kept leased
        self._held_lock = threading.Lock()

    # --- one unit of work -----------------------------------------------------------------

    def run_once(self) -> bool:
        """Claim and fully process one attempt in this thread; False when nothing was due."""
        attempt = self.claim_next()
        if attempt is None:
            return False
        self.process(attempt)
        return True

    def claim_next(self) -> dict | None:
        skipped = self._skipped_queues()
        with metrics.CLAIM_DURATION.time():
            attempt = attempts.claim(self.db, self.owner, self.settings.lease_seconds, skipped)
        if attempt is not None:
            self._hold(attempt["_id"], None)
        return attempt

    def process(self, attempt: dict) -> None:
        """Run a claimed attempt; whatever happens, stop extending its lease afterwards, so that an
        attempt this worker failed to finish comes back to another worker when the lease ends."""
        try:
            self._process(attempt)
        finally:
            self._release_hold(attempt["_id"])

    def _process(self, attempt: dict) -> None:
        """A lost attempt is recorded as failed; a callback is simply called; a webhook takes a slot
        (and a rate token), is called, recorded, and advances its task."""
        queue = self.queue_cache.get(attempt["queueId"]) or {}
        if attempt["status"] == "running":
            log.warning("attempt %s: previous worker %s lost its lease", attempt["_id"], attempt.get("owner"))
            lost = Outcome(success=False, error=LOST_WORKER_ERROR)
            self._finish(attempt, lost, queue)
            if attempt.get("kind") != "callback":
                self._retry_db(lambda: queues.count_call_without_slot(self.db, attempt["queueId"], lost))
        elif attempt.get("kind") == "callback":
            self._finish(attempt, self._call_target(attempt), queue)
        elif not queue:
            self._finish(attempt, Outcome(success=False, error="the task's queue no longer exists"), queue)
        else:
            self._process_webhook(attempt, queue)

    def _process_webhook(self, attempt: dict, queue: dict) -> None:
        lease_until = clock.now() + timedelta(seconds=self.settings.lease_seconds)
        slot = queues.take_slot(self.db, queue["_id"], attempt["_id"], self.owner, lease_until)
        self._hold(attempt["_id"], slot)
        if slot is None:
            self._put_back(attempt, queue["_id"], QUEUE_FULL_PAUSE_SECONDS)
            return
        if queue.get("maxPerSecond") and not queues.take_token(self.db, queue, clock.now().timestamp()):
            queues.release_slot(self.db, slot, attempt["_id"], None)
            self._put_back(attempt, queue["_id"], 1.0 / queue["maxPerSecond"])
            return
        outcome = None
        try:
            outcome = self._call_target(attempt)
            self._finish(attempt, outcome, queue)
        finally:
            self._retry_db(lambda: queues.release_slot(self.db, slot, attempt["_id"], outcome))
            self._unmark_full(queue["_id"])

    def _put_back(self, attempt: dict, queue_id, pause_seconds: float) -> None:
        """The queue has no free slot or rate token: return the attempt and skip the queue for a moment."""
        self._mark_full(queue_id, pause_seconds)
        attempts.unclaim(self.db, attempt, self.owner)

    def _call_target(self, attempt: dict) -> Outcome:
        application = self.signing_cache.get((attempt["account"], attempt["application"])) or {}
        secrets_in_force = signing.in_force(application.get("signing", []), clock.now())
        metrics.DISPATCH_LAG.observe(max(0.0, (clock.now() - attempt["at"]).total_seconds()))
        with metrics.IN_FLIGHT.track_inprogress():
            outcome = self._call(self._session(), attempt, secrets_in_force)
        metrics.CALLS.labels(metrics.outcome_label(outcome.success, outcome.status_code)).inc()
        metrics.CALL_DURATION.observe(outcome.duration_ms / 1000)
        self._log_call(attempt, outcome)
        return outcome

    @staticmethod
    def _log_call(attempt: dict, outcome: Outcome) -> None:
        """One line per call with the ids that find it again; never headers, payload or query string."""
        target = urlsplit(attempt["url"])._replace(query="", fragment="").geturl()
        fields = {"account": str(attempt["account"]), "application": attempt["application"],
                  "queue": attempt["queue"], "task": str(attempt["task"]), "attempt": str(attempt["_id"]),
                  "kind": attempt.get("kind") or "webhook", "statusCode": outcome.status_code,
                  "durationMs": outcome.duration_ms}
        log.info("attempt %s task %s %s %s -> %s in %d ms", attempt["_id"], attempt["name"], attempt["method"],
                 target, outcome.status_code or outcome.error, outcome.duration_ms, extra=fields)

    def _finish(self, attempt: dict, outcome: Outcome, queue: dict) -> None:
        if not self._retry_db(lambda: attempts.record(self.db, attempt, self.owner, outcome)):
            log.warning("attempt %s: lease lost before recording; result dropped", attempt["_id"])
            return
        if attempt.get("kind") == "callback":
            policy = RetryPolicy.resolve(attempts.CALLBACK_RETRY)
            self._retry_db(lambda: attempts.retry_callback(self.db, attempt, outcome, policy))
            return
        policy = RetryPolicy.resolve(attempt.get("retry"), queue.get("retry"))
        no_retry = attempt.get("noRetryStatuses") or queue.get("noRetryStatuses") or ()
        plan = plan_next(attempt, outcome, policy, clock.now(), no_retry_statuses=no_retry)
        self._retry_db(lambda: attempts.advance_task(self.db, attempt, plan, outcome))

    def _retry_db(self, operation: Callable):
        """Run a write that must not be lost, retrying through a database outage for a while.

        Guards on the owner keep a late write harmless if another worker took the attempt over."""
        deadline = time.monotonic() + max(self.settings.lease_seconds, RECORD_RETRY_SECONDS)
        delay = 0.2
        while True:
            try:
                return operation()
            except PyMongoError as error:
                if time.monotonic() > deadline:
                    raise
                log.warning("database error, retrying in %.1fs: %s", delay, error)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _session(self) -> requests.Session:
        """One keep-alive session per thread, refusing non-public targets unless they are allowed."""
        session = getattr(self._local, "session", None)
        if session is None:
            allowed = self.settings.allow_private_targets
            session = self._local.session = requests.Session() if allowed else guarded_session(blocked_reason)
        return session

    # --- queues that had no free slot -------------------------------------------------------

    def _mark_full(self, queue_id, pause_seconds: float) -> None:
        with self._full_lock:
            self._full_queues[queue_id] = time.monotonic() + pause_seconds

    def _unmark_full(self, queue_id) -> None:
        with self._full_lock:
            self._full_queues.pop(queue_id, None)

    def _skipped_queues(self) -> list:
        """Queues not worth claiming from: full a moment ago, or paused (refreshed every second)."""
        now = time.monotonic()
        if now >= self._paused_until:
            self._paused = queues.paused_ids(self.db)
            self._paused_until = now + PAUSED_REFRESH_SECONDS
        with self._full_lock:
            self._full_queues = {q: until for q, until in self._full_queues.items() if until > now}
            return list(self._full_queues) + self._paused

    # --- the long-running loop ---------------------------------------------------------------

    def request_stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Claim and dispatch until asked to stop, then wait for the calls in flight."""
        log.info("worker %s started (concurrency %d)", self.owner, self.settings.concurrency)
        self._retry_db(self.heartbeat)
        done = threading.Event()
        threading.Thread(target=self._heartbeat_loop, args=(done,), name="heartbeat", daemon=True).start()
        idle, outage_wait = self.settings.min_idle_seconds, 1.0
        next_maintenance = 0.0
        with ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="call") as pool:
            while not self.stopping.is_set():
                try:
                    if time.monotonic() >= next_maintenance:
                        self.maintain()
                        next_maintenance = time.monotonic() + MAINTENANCE_EVERY_SECONDS
                    claimed = self._dispatch_one(pool)
                    outage_wait = 1.0
                except PyMongoError as error:
                    log.error("database unavailable, retrying in %.0fs: %s", outage_wait, error)
                    self.stopping.wait(outage_wait)
                    outage_wait = min(outage_wait * 2, 30.0)
                    continue
                if claimed:
                    idle = self.settings.min_idle_seconds
                else:
                    self.stopping.wait(idle)
                    idle = min(idle * 1.5, self.settings.max_idle_seconds)
            log.info("worker %s draining %d calls in flight", self.owner, len(self._held))
        done.set()
        try:
            workers.leave(self.db, self.owner)
        except PyMongoError:
            pass  # its heartbeat document expires by itself
        log.info("worker %s stopped", self.owner)

    def _dispatch_one(self, pool: ThreadPoolExecutor) -> bool:
        if not self._threads_free.acquire(timeout=0.05):
            return True  # all threads busy: not idle, just full
        try:
            attempt = self.claim_next()
        except BaseException:
            self._threads_free.release()
            raise
        if attempt is None:
            self._threads_free.release()
            return False
        pool.submit(self._process_and_free, attempt)
        return True

    def _process_and_free(self, attempt: dict) -> None:
        try:
            self.process(attempt)
        except Exception:
            log.exception("attempt %s: unexpected error; its lease will expire and it will be retried",
                          attempt["_id"])
        finally:
            self._threads_free.release()

    def _heartbeat_loop(self, done: threading.Event) -> None:
        while not done.wait(self.settings.heartbeat_seconds):
            try:
                self.heartbeat()
            except PyMongoError as error:
                log.warning("heartbeat failed: %s", error)

    def heartbeat(self) -> None:
        """Say this worker is alive and extend the leases of the attempts and slots it is working on."""
        with self._held_lock:
            attempt_ids, slot_ids = list(self._held), [slot for slot in self._held.values() if slot]
        workers.beat(self.db, self.owner, self.started, len(attempt_ids), self.settings.lease_seconds)
        if attempt_ids:
            lease_until = clock.now() + timedelta(seconds=self.settings.lease_seconds)
            attempts.extend_leases(self.db, self.owner, attempt_ids, lease_until)
            queues.extend_slot_leases(self.db, self.owner, slot_ids, lease_until)

    def _hold(self, attempt_id, slot_id: str | None) -> None:
        with self._held_lock:
            self._held[attempt_id] = slot_id

    def _release_hold(self, attempt_id) -> None:
        with self._held_lock:
            self._held.pop(attempt_id, None)

    def maintain(self) -> None:
        """Drop attempts past retention, repair tasks stranded by a process that died mid-write,
        and sample the queue depths for the metrics."""
        now = clock.now()
        metrics.QUEUE_DEPTH.sample(self.db)
        deleted = attempts.delete_finished_before(self.db, now - timedelta(hours=self.settings.retention_hours))
        repaired = attempts.repair_stranded_tasks(self.db, now - timedelta(seconds=STRANDED_AFTER_SECONDS))
        if deleted or repaired:
            log.info("maintenance: %d old attempts deleted, %d stranded tasks rescheduled", deleted, repaired)
