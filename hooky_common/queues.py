"""Queues and their concurrency slots.

A queue with maxInFlight N owns N slot documents. A worker takes a free slot with one
conditional update before calling a webhook and gives it back afterwards. Each slot carries
the lease of its holder, so a slot held by a dead worker frees itself when the lease expires.
Giving a slot back also adds the call to the slot's counters, which make the queue's stats
without costing a database command of their own. A paused queue's slots cannot be taken.
"""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from hooky_common import clock, stats
from hooky_common.errors import Forbidden, NotFound
from hooky_common.outcome import Outcome
from hooky_common.pages import PageRequest, paginate
from hooky_common.retry import RetryPolicy
from hooky_common.upsert import upsert_on_insert

DEFAULT = "default"
DEFAULT_MAX_IN_FLIGHT = 10


def render(doc: dict, figures: dict) -> dict:
    return {
        "id": str(doc["_id"]),
        "account": str(doc["account"]),
        "application": doc["application"],
        "name": doc["name"],
        "created": clock.rfc3339(doc["created"]),
        "retry": RetryPolicy.resolve(doc.get("retry")).as_dict(),
        "maxInFlight": doc["maxInFlight"],
        "maxPerSecond": doc.get("maxPerSecond"),
        "burst": burst_of(doc) if doc.get("maxPerSecond") else None,
        "noRetryStatuses": doc.get("noRetryStatuses") or [],
        "paused": doc.get("paused", False),
        **figures,
    }


def ensure_default(db: Database, account: ObjectId, application: str) -> dict:
    """Get or create an application's `default` queue."""
    key = {"account": account, "application": application, "name": DEFAULT}
    doc = upsert_on_insert(db.queues, key, {"created": clock.now(), "maxInFlight": DEFAULT_MAX_IN_FLIGHT})
    _sync_slots(db, doc)
    return doc


def put(db: Database, account: ObjectId, application: str, name: str, settings: dict) -> dict:
    """Create the queue, or replace its settings (retry, maxInFlight) when it exists."""
    changes = {"retry": settings.get("retry"), "maxInFlight": settings.get("maxInFlight", DEFAULT_MAX_IN_FLIGHT),
               "maxPerSecond": settings.get("maxPerSecond"), "burst": settings.get("burst"),
               "noRetryStatuses": settings.get("noRetryStatuses")}
    key = {"account": account, "application": application, "name": name}
    doc = upsert_on_insert(db.queues, key, {"created": clock.now()}, changes)
    _sync_slots(db, doc)
    return doc


def _sync_slots(db: Database, queue: dict) -> None:
    """Make slots 0..maxInFlight-1 usable and retire the ones above (kept for their counters)."""
    size, paused = queue["maxInFlight"], queue.get("paused", False)
    existing = {doc["n"] for doc in db.slots.find({"queue": queue["_id"]}, {"n": 1})}
    missing = [{"_id": f"{queue['_id']}:{n}", "queue": queue["_id"], "n": n, "leaseUntil": clock.EPOCH,
                "paused": paused, "retired": False} for n in range(size) if n not in existing]
    if missing:
        try:
            db.slots.insert_many(missing, ordered=False)
        except BulkWriteError:
            pass  # a concurrent sync inserted the same slots
    db.slots.update_many({"queue": queue["_id"], "n": {"$lt": size}, "retired": True}, {"$set": {"retired": False}})
    db.slots.update_many({"queue": queue["_id"], "n": {"$gte": size}}, {"$set": {"retired": True}})


def set_paused(db: Database, queue: dict, paused: bool) -> dict:
    """Pause or resume: once this returns no worker can start a call of the queue (calls in flight finish)."""
    db.queues.update_one({"_id": queue["_id"]}, {"$set": {"paused": paused}})
    db.slots.update_many({"queue": queue["_id"]}, {"$set": {"paused": paused}})
    return {**queue, "paused": paused}


def paused_ids(db: Database) -> list[ObjectId]:
    return [doc["_id"] for doc in db.queues.find({"paused": True}, {"_id": 1})]


def purge(db: Database, queue: dict) -> int:
    """Delete the queue's one-shot tasks that are still waiting, with their pending attempts.

    Recurring tasks keep their schedule; a call in flight finishes but changes nothing.
    """
    waiting = {"queueId": queue["_id"], "active": True, "schedule": {"$in": [None, ""]}}
    ids = [doc["_id"] for doc in db.tasks.find(waiting, {"_id": 1})]
    db.tasks.delete_many({"_id": {"$in": ids}})
    db.attempts.delete_many({"task": {"$in": ids}, "status": "pending"})
    return len(ids)


def get(db: Database, account: ObjectId, application: str, name: str) -> dict:
    doc = db.queues.find_one({"account": account, "application": application, "name": name})
    if doc is None:
        raise NotFound(f"queue {name} not found")
    return doc


def list_page(db: Database, account: ObjectId, application: str, request: PageRequest) -> dict:
    page = paginate(db.queues, {"account": account, "application": application}, request, lambda doc: doc)
    figures = stats.for_queues(db, page["list"])
    page["list"] = [render(doc, figures[doc["_id"]]) for doc in page["list"]]
    return page


def delete(db: Database, account: ObjectId, application: str, name: str) -> None:
    """Delete a queue with its tasks, attempts and slots; the default queue stays."""
    if name == DEFAULT:
        raise Forbidden("the default queue cannot be deleted")
    doc = get(db, account, application, name)
    db.queues.delete_one({"_id": doc["_id"]})
    scope = {"account": account, "application": application, "queue": name}
    db.tasks.delete_many(scope)
    db.attempts.delete_many(scope)
    db.slots.delete_many({"queue": doc["_id"]})


def delete_all_but_default(db: Database, account: ObjectId, application: str) -> int:
    names = [doc["name"] for doc in db.queues.find(
        {"account": account, "application": application, "name": {"$ne": DEFAULT}}, {"name": 1})]
    for name in names:
        delete(db, account, application, name)
    return len(names)


def take_slot(db: Database, queue_id: ObjectId, holder: ObjectId, owner: str, lease_until: datetime) -> str | None:
    """Atomically take a free (or expired) slot of the queue; its id, or None when full or paused."""
    now = clock.now()
    slot = db.slots.find_one_and_update(
        {"queue": queue_id, "leaseUntil": {"$lte": now}, "retired": {"$ne": True}, "paused": {"$ne": True}},
        {"$set": {"holder": holder, "owner": owner, "leaseUntil": lease_until}},
        projection={"_id": 1},
        return_document=ReturnDocument.AFTER,
    )
    return slot["_id"] if slot else None


def release_slot(db: Database, slot_id: str, holder: ObjectId, outcome: Outcome | None) -> None:
    """Give a slot back (only if this holder still has it) and count the call it made."""
    update: dict = {"$set": {"leaseUntil": clock.EPOCH}, "$unset": {"holder": "", "owner": ""}}
    if outcome is not None:
        update.update(stats.call_counters(outcome, clock.now()))
    db.slots.update_one({"_id": slot_id, "holder": holder}, update)


def count_call_without_slot(db: Database, queue_id: ObjectId, outcome: Outcome) -> None:
    """Count a call that held no slot (its worker was lost) on one of the queue's slots."""
    db.slots.update_one({"queue": queue_id}, stats.call_counters(outcome, clock.now()))


def extend_slot_leases(db: Database, owner: str, slot_ids: list[str], lease_until: datetime) -> None:
    db.slots.update_many({"_id": {"$in": slot_ids}, "owner": owner}, {"$set": {"leaseUntil": lease_until}})



def burst_of(queue: dict) -> int:
    """Dispatches allowed back to back: the queue's burst, else one second's worth (at least 1)."""
    return queue.get("burst") or max(1, int(queue["maxPerSecond"]))


def take_token(db: Database, queue: dict, now_seconds: float) -> bool:
    """Rate limit shared by every worker (GCRA): one conditional update of the queue's theoretical
    arrival time, which may run ahead of now by at most burst-1 intervals."""
    interval = 1.0 / queue["maxPerSecond"]
    allowed_ahead = now_seconds + (burst_of(queue) - 1) * interval
    result = db.queues.update_one(
        {"_id": queue["_id"], "$or": [{"rateTat": {"$exists": False}}, {"rateTat": {"$lte": allowed_ahead}}]},
        [{"$set": {"rateTat": {"$add": [{"$max": [{"$ifNull": ["$rateTat", 0]}, now_seconds]}, interval]}}}],
    )
    return result.matched_count == 1
