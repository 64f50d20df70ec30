"""Attempts: each try of a task, and the unit of work that workers claim under a lease.

`claimableAt` is the one field the claim query looks at: the due time of a pending attempt,
the lease end of a running one, absent once the attempt finished.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from hooky_common import clock
from hooky_common.errors import NotFound
from hooky_common.outcome import Outcome, Plan
from hooky_common.pages import PageRequest, paginate

COPIED_FROM_TASK = ("account", "application", "name", "queue", "queueId", "url", "method", "headers",
                    "auth", "payload", "schedule", "timezone", "timeout", "retry")
STATUSES = ("pending", "running", "success", "error")


def new(task: dict, at: datetime, retry_number: int, attempt_id: ObjectId | None = None) -> dict:
    """A pending attempt carrying a copy of the task's definition, so a worker needs no other read."""
    doc = {name: task.get(name) for name in COPIED_FROM_TASK}
    doc.update(_id=attempt_id or ObjectId(), task=task.get("task", task["_id"]), created=clock.now(), at=at,
               status="pending", claimableAt=at, retryNumber=retry_number)
    return doc


def redacted_auth(auth: dict | None) -> dict:
    """Basic-auth credentials as the API shows them: the password is never returned."""
    return {"username": (auth or {}).get("username") or "", "password": ""}


def render(doc: dict) -> dict:
    body = {
        "id": str(doc["_id"]),
        "created": clock.rfc3339(doc["created"]),
        "account": str(doc["account"]),
        "application": doc["application"],
        "name": doc["name"],
        "taskID": str(doc["task"]),
        "queue": doc["queue"],
        "url": doc["url"],
        "method": doc["method"],
        "headers": doc.get("headers") or {},
        "auth": redacted_auth(doc.get("auth")),
        "payload": doc.get("payload") or "",
        "at": clock.rfc3339(doc["at"]),
        "status": doc["status"],
        "retryNumber": doc.get("retryNumber", 0),
    }
    for name in ("statusCode", "statusMessage", "durationMs", "response", "error"):
        if doc.get(name) not in (None, ""):
            body[name] = doc[name]
    for name in ("started", "finished"):
        if doc.get(name) is not None:
            body[name] = clock.rfc3339(doc[name])
    return body


def list_page(db: Database, task: dict, request: PageRequest) -> dict:
    query: dict = {"task": task["_id"]}
    if "status" in request.filters:
        query["status"] = request.filters["status"]
    return paginate(db.attempts, query, request, render)


def get(db: Database, task: dict, attempt_id: str) -> dict:
    oid = ObjectId(attempt_id) if ObjectId.is_valid(attempt_id) else None
    doc = db.attempts.find_one({"_id": oid, "task": task["_id"]}) if oid else None
    if doc is None:
        raise NotFound(f"attempt {attempt_id} not found")
    return doc


# --- worker side -------------------------------------------------------------------------

def claim(db: Database, owner: str, lease_seconds: float, skip_queues: list[ObjectId]) -> dict | None:
    """Take the earliest due attempt (pending and due, or running with an expired lease) in one update.

    Returns the attempt as it was before the claim, so the caller can tell a fresh attempt
    (`pending`) from one whose previous worker was lost (`running`).
    """
    now = clock.now()
    query: dict = {"claimableAt": {"$lte": now}}
    if skip_queues:
        query["queueId"] = {"$nin": skip_queues}
    return db.attempts.find_one_and_update(
        query,
        {"$set": {"status": "running", "owner": owner, "started": now,
                  "claimableAt": now + timedelta(seconds=lease_seconds)}},
        sort=[("claimableAt", 1)],
        return_document=ReturnDocument.BEFORE,
    )


def unclaim(db: Database, attempt: dict, owner: str) -> None:
    """Put a claimed attempt back as it was due (its queue had no free slot)."""
    db.attempts.update_one({"_id": attempt["_id"], "owner": owner},
                           {"$set": {"status": "pending", "claimableAt": attempt["at"]},
                            "$unset": {"owner": "", "started": ""}})


def extend_leases(db: Database, owner: str, lease_until: datetime) -> None:
    db.attempts.update_many({"owner": owner, "status": "running"}, {"$set": {"claimableAt": lease_until}})


def record(db: Database, attempt: dict, owner: str, outcome: Outcome) -> bool:
    """Store the outcome on the attempt, only if this worker still owns it; False when the lease was lost."""
    result = db.attempts.update_one(
        {"_id": attempt["_id"], "owner": owner, "status": "running"},
        {"$set": outcome.attempt_fields(clock.now()), "$unset": {"claimableAt": "", "owner": ""}})
    return result.matched_count == 1


def advance_task(db: Database, attempt: dict, plan: Plan) -> None:
    """Apply the plan to the task, guarded on the attempt it ran, then create the next attempt.

    If the task was replaced or deleted meanwhile, only its counters move (when it still exists).
    """
    next_id = ObjectId() if plan.next_at else None
    scheduling = {"attempt": next_id, "at": plan.next_at}
    updated = db.tasks.update_one(
        {"_id": attempt["task"], "attempt": attempt["_id"]},
        {"$set": {**plan.set_fields, **scheduling}, "$inc": plan.increments},
    )
    if updated.matched_count == 0:
        stats = {k: v for k, v in plan.set_fields.items() if k in ("executed", "lastSuccess", "lastError")}
        db.tasks.update_one({"_id": attempt["task"]}, {"$set": stats, "$inc": plan.increments})
        return
    if next_id is not None:
        insert_ignoring_duplicate(db, new(attempt, plan.next_at, plan.next_retry_number, next_id))


def insert_ignoring_duplicate(db: Database, attempt: dict) -> None:
    try:
        db.attempts.insert_one(attempt)
    except DuplicateKeyError:
        pass  # another worker's repair inserted the same attempt


def delete_finished_before(db: Database, cutoff: datetime) -> int:
    return db.attempts.delete_many({"finished": {"$lt": cutoff}}).deleted_count


def repair_stranded_tasks(db: Database, older_than: datetime, limit: int = 200) -> int:
    """Recreate the attempt of active tasks whose attempt went missing (a process died between two writes)."""
    stale = list(db.tasks.find({"active": True, "at": {"$lt": older_than}}).sort("at", 1).limit(limit))
    wanted = [task["attempt"] for task in stale if task.get("attempt")]
    alive = {doc["_id"] for doc in db.attempts.find({"_id": {"$in": wanted}, "status": {"$in": ["pending", "running"]}},
                                                    {"_id": 1})}
    repaired = 0
    for task in stale:
        if task.get("attempt") in alive:
            continue
        next_id = ObjectId()
        moved = db.tasks.find_one_and_update({"_id": task["_id"], "attempt": task.get("attempt")},
                                             {"$set": {"attempt": next_id}}, return_document=ReturnDocument.AFTER)
        if moved is not None:
            insert_ignoring_duplicate(db, new(moved, moved["at"], moved.get("retries", 0), next_id))
            repaired += 1
    return repaired
