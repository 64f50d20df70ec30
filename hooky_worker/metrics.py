"""Prometheus metrics of a worker process, served on --metrics-port. No task names or URLs as labels."""
from __future__ import annotations

import threading

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from pymongo.database import Database

from hooky_common import clock

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

CALLS = Counter("hooky_worker_calls", "Webhook and callback calls, by outcome: success (2xx), failure "
                "(another status) or error (no answer).", ["outcome"])
CALL_DURATION = Histogram("hooky_worker_call_duration_seconds", "Duration of webhook calls.",
                          buckets=LATENCY_BUCKETS)
DISPATCH_LAG = Histogram("hooky_worker_dispatch_lag_seconds", "Delay from an attempt's due time to its call.",
                         buckets=LATENCY_BUCKETS)
CLAIM_DURATION = Histogram("hooky_worker_claim_duration_seconds", "Duration of the claim command.",
                           buckets=LATENCY_BUCKETS)
IN_FLIGHT = Gauge("hooky_worker_calls_in_flight", "Calls running now in this worker process.")


def outcome_label(success: bool, status_code: int | None) -> str:
    if success:
        return "success"
    return "failure" if status_code is not None else "error"


class QueueDepth:
    """Due attempts per queue, sampled by the worker every few seconds (a scrape costs no query)."""

    def __init__(self):
        self._latest: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def sample(self, db: Database, limit: int = 200) -> None:
        pipeline = [{"$match": {"claimableAt": {"$lte": clock.now()}, "status": "pending"}},
                    {"$group": {"_id": {"account": "$account", "application": "$application", "queue": "$queue"},
                                "due": {"$sum": 1}}},
                    {"$sort": {"due": -1}}, {"$limit": limit}]
        latest = {(str(row["_id"]["account"]), row["_id"]["application"], row["_id"]["queue"]): row["due"]
                  for row in db.attempts.aggregate(pipeline)}
        with self._lock:
            self._latest = latest

    def collect(self):
        family = GaugeMetricFamily("hooky_queue_due_attempts", "Attempts due and waiting, per queue (sampled).",
                                   labels=["account", "application", "queue"])
        with self._lock:
            for labels, due in self._latest.items():
                family.add_metric(list(labels), due)
        yield family


QUEUE_DEPTH = QueueDepth()
REGISTRY.register(QUEUE_DEPTH)
