"""Queues and their concurrency slots.

A queue with maxInFlight N owns N slot documents. A worker takes a free slot with one
conditional update before calling a webhook and gives it back afterwards. Each slot carries
the lease of its holder, so a slot held by a dead worker frees itself when the lease expires.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from hooky_common import clock
from hooky_common.errors import Forbidden, NotFound
from hooky_common.pages import PageRequest, paginate
from hooky_common.retry import RetryPolicy
from hooky_common.upsert import upsert_on_insert

DEFAULT = "default"
DEFAULT_MAX_IN_FLIGHT = 10


def render(doc: dict, in_flight: int) -> dict:
    return {
        "id": str(doc["_id"]),
        "account": str(doc["account"]),
        "application": doc["application"],
        "name": doc["name"],
        "created": clock.rfc3339(doc["created"]),
        "retry": RetryPolicy.resolve(doc.get("retry")).as_dict(),
        "maxInFlight": doc["maxInFlight"],
        "inFlight": in_flight,
    }


def ensure_default(db: Database, account: ObjectId, application: str) -> dict:
    """Get or create an application's `default` queue."""
    key = {"account": account, "application": application, "name": DEFAULT}
    doc = upsert_on_insert(db.queues, key, {"created": clock.now(), "maxInFlight": DEFAULT_MAX_IN_FLIGHT})
    _sync_slots(db, doc)
    return doc


def put(db: Database, account: ObjectId, application: str, name: str, settings: dict) -> dict:
    """Create the queue, or replace its settings (retry, maxInFlight) when it exists."""
    changes = {"retry": settings.get("retry"), "maxInFlight": settings.get("maxInFlight", DEFAULT_MAX_IN_FLIGHT)}
    key = {"account": account, "application": application, "name": name}
    doc = upsert_on_insert(db.queues, key, {"created": clock.now()}, changes)
    _sync_slots(db, doc)
    return doc


def _sync_slots(db: Database, queue: dict) -> None:
    """Make slot documents 0..maxInFlight-1 exist and drop the ones above (their holders just finish)."""
    size = queue["maxInFlight"]
    wanted = [{"_id": f"{queue['_id']}:{n}", "queue": queue["_id"], "n": n, "leaseUntil": clock.EPOCH}
              for n in range(size)]
    existing = {doc["n"] for doc in db.slots.find({"queue": queue["_id"]}, {"n": 1})}
    missing = [slot for slot in wanted if slot["n"] not in existing]
    if missing:
        try:
            db.slots.insert_many(missing, ordered=False)
        except BulkWriteError:
            pass  # a concurrent sync inserted the same slots
    db.slots.delete_many({"queue": queue["_id"], "n": {"$gte": size}})


def get(db: Database, account: ObjectId, application: str, name: str) -> dict:
    doc = db.queues.find_one({"account": account, "application": application, "name": name})
    if doc is None:
        raise NotFound(f"queue {name} not found")
    return doc


def in_flight(db: Database, queue_id: ObjectId) -> int:
    return db.slots.count_documents({"queue": queue_id, "leaseUntil": {"$gt": clock.now()}})


def list_page(db: Database, account: ObjectId, application: str, request: PageRequest) -> dict:
    return paginate(db.queues, {"account": account, "application": application}, request,
                    lambda doc: render(doc, in_flight(db, doc["_id"])))


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
    """Atomically take a free (or expired) slot of the queue; its id, or None when the queue is full."""
    now = clock.now()
    slot = db.slots.find_one_and_update(
        {"queue": queue_id, "leaseUntil": {"$lte": now}},
        {"$set": {"holder": holder, "owner": owner, "leaseUntil": lease_until}},
        projection={"_id": 1},
        return_document=ReturnDocument.AFTER,
    )
    return slot["_id"] if slot else None


def release_slot(db: Database, slot_id: str, holder: ObjectId) -> None:
    """Give a slot back, only if this holder still has it."""
    db.slots.update_one({"_id": slot_id, "holder": holder},
                        {"$set": {"leaseUntil": clock.EPOCH}, "$unset": {"holder": "", "owner": ""}})


def extend_slot_leases(db: Database, owner: str, lease_until: datetime) -> None:
    db.slots.update_many({"owner": owner}, {"$set": {"leaseUntil": lease_until}})


def lease_end(seconds: float) -> datetime:
    return clock.now() + timedelta(seconds=seconds)
