"""Statistics of queues and applications, read from slot counters and task counts, never from attempts."""
from __future__ import annotations

from datetime import datetime, timedelta

from pymongo.database import Database

from hooky_common import clock
from hooky_common.outcome import Outcome

RECENT_CALLS_PER_SLOT = 20
TASK_STATUSES = ("pending", "retrying", "canceled", "success", "error")


def error_rate(errors: int, executions: int) -> int:
    """errors × 100 / executions, rounded; 0 before the first execution."""
    return round(errors * 100 / executions) if executions else 0


def call_counters(outcome: Outcome, now: datetime) -> dict:
    """The update operators that add one call to a slot's counters."""
    return {
        "$inc": {"executions": 1, "errors": 0 if outcome.success else 1},
        "$max": {"lastSuccess" if outcome.success else "lastError": now},
        "$push": {"recentMs": {"$each": [outcome.duration_ms], "$slice": -RECENT_CALLS_PER_SLOT}},
    }


def summarize(slots: list[dict], task_counts: dict[str, int]) -> dict:
    """The figures shown on a queue or application, from its slots and its tasks by status."""
    now = clock.now()
    executions = sum(slot.get("executions", 0) for slot in slots)
    errors = sum(slot.get("errors", 0) for slot in slots)
    recent = [ms for slot in slots for ms in slot.get("recentMs", [])]
    figures = {
        "inFlight": sum(1 for slot in slots if slot["leaseUntil"] > now),
        "tasks": {status: task_counts.get(status, 0) for status in TASK_STATUSES},
        "executions": executions,
        "errors": errors,
        "errorRate": error_rate(errors, executions),
        "averageDurationMs": round(sum(recent) / len(recent)) if recent else 0,
    }
    for name in ("lastSuccess", "lastError"):
        moments = [slot[name] for slot in slots if slot.get(name)]
        if moments:
            figures[name] = clock.rfc3339(max(moments))
    return figures


def _slots_by_queue(db: Database, queue_ids: list) -> dict:
    found: dict = {queue_id: [] for queue_id in queue_ids}
    projection = {"queue": 1, "leaseUntil": 1, "executions": 1, "errors": 1, "recentMs": 1,
                  "lastSuccess": 1, "lastError": 1}
    for slot in db.slots.find({"queue": {"$in": queue_ids}}, projection):
        found[slot["queue"]].append(slot)
    return found


def _task_counts(db: Database, queue_ids: list) -> dict:
    counts: dict = {queue_id: {} for queue_id in queue_ids}
    pipeline = [{"$match": {"queueId": {"$in": queue_ids}}},
                {"$group": {"_id": {"queue": "$queueId", "status": "$status"}, "n": {"$sum": 1}}}]
    for row in db.tasks.aggregate(pipeline):
        counts[row["_id"]["queue"]][row["_id"]["status"]] = row["n"]
    return counts


def for_queues(db: Database, queues: list[dict]) -> dict:
    """Figures of each queue, keyed by queue id, in two queries whatever the number of queues."""
    ids = [queue["_id"] for queue in queues]
    slots, counts = _slots_by_queue(db, ids), _task_counts(db, ids)
    return {queue_id: summarize(slots[queue_id], counts[queue_id]) for queue_id in ids}


def for_application(db: Database, account, application: str) -> dict:
    """The same figures summed over every queue of an application."""
    ids = [doc["_id"] for doc in db.queues.find({"account": account, "application": application}, {"_id": 1})]
    slots, counts = _slots_by_queue(db, ids), _task_counts(db, ids)
    total: dict = {}
    for per_queue in counts.values():
        for status, n in per_queue.items():
            total[status] = total.get(status, 0) + n
    return summarize([slot for queue_slots in slots.values() for slot in queue_slots], total)


def all_calls(db: Database) -> dict:
    """Webhook calls made by every queue, from the slot counters (a few documents per queue, no attempts)."""
    pipeline = [{"$group": {"_id": None, "executions": {"$sum": "$executions"}, "errors": {"$sum": "$errors"}}}]
    totals = next(iter(db.slots.aggregate(pipeline)), None) or {}
    return {"executions": totals.get("executions", 0), "errors": totals.get("errors", 0)}


def calls_per_minute(db: Database, account, application: str, minutes: int) -> list[dict]:
    """Finished webhook calls of an application per minute and outcome, oldest minute first, zeros included."""
    now = clock.now()
    start = (now - timedelta(minutes=minutes - 1)).replace(second=0, microsecond=0)
    pipeline = [
        {"$match": {"finished": {"$gte": start}, "account": account, "application": application,
                    "kind": {"$ne": "callback"}}},
        {"$group": {"_id": {"minute": {"$dateToString": {"format": "%Y-%m-%dT%H:%M", "date": "$finished"}},
                            "status": "$status"}, "n": {"$sum": 1}}},
    ]
    counts = {(row["_id"]["minute"], row["_id"]["status"]): row["n"] for row in db.attempts.aggregate(pipeline)}
    series = []
    for offset in range(minutes):
        minute = (start + timedelta(minutes=offset)).strftime("%Y-%m-%dT%H:%M")
        series.append({"minute": minute + ":00Z", "success": counts.get((minute, "success"), 0),
                       "error": counts.get((minute, "error"), 0)})
    return series
