"""Attempts: each try of a task, and the unit of work that workers claim under a lease.

`claimableAt` is the one field the claim query looks at: the due time of a pending attempt,
the lease end of a running one, absent once the attempt finished.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from hooky_common import clock
from hooky_common.errors import NotFound
from hooky_common.outcome import Outcome, Plan
from hooky_common.pages import PageRequest, paginate
from hooky_common.retry import RetryPolicy, may_retry, next_delay

COPIED_FROM_TASK = ("account", "application", "name", "queue", "queueId", "url", "method", "headers",
                    "secretHeaders", "auth", "payload", "schedule", "timezone", "timeout", "retry",
                    "noRetryStatuses", "onSuccess", "onFailure", "kind", "callbackFor")
STATUSES = ("pending", "running", "success", "error")
KINDS = ("webhook", "callback")
CALLBACK_RETRY = {"maxAttempts": 3, "min": 2, "factor": 3, "max": 60}
CALLBACK_TIMEOUT_SECONDS = 10
DEFAULT_SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key")
REDACTED = "[redacted]"


def new(source: dict, at: datetime, attempt_id: ObjectId, retry_number: int, execution: int,
        message_id: str | None = None) -> dict:
    """A pending attempt carrying a copy of the definition (from a task or the previous attempt),
    so a worker needs no other read. Retries keep the message id (webhook-id) of their run."""
    doc = {name: source.get(name) for name in COPIED_FROM_TASK}
    doc.update(_id=attempt_id, task=source.get("task", source["_id"]), created=clock.now(), at=at,
               status="pending", claimableAt=at, retryNumber=retry_number, executionNumber=execution,
               messageId=message_id or str(attempt_id))
    return doc


def callback(attempt: dict, outcome: Outcome, url: str, now: datetime) -> dict:
    """A pending callback attempt that POSTs the final outcome of `attempt` to `url`."""
    result = {
        "outcome": "success" if outcome.success else "failure",
        "task": {"id": str(attempt["task"]), "name": attempt["name"], "application": attempt["application"],
                 "queue": attempt["queue"], "url": attempt["url"]},
        "attempt": {"id": str(attempt["_id"]), "statusCode": outcome.status_code,
                    "statusMessage": outcome.status_message, "durationMs": outcome.duration_ms,
                    "response": outcome.response, "error": outcome.error, "finished": clock.rfc3339(now),
                    "retryNumber": attempt.get("retryNumber", 0)},
    }
    source = {**attempt, "kind": "callback", "callbackFor": attempt["_id"], "url": url, "method": "POST",
              "headers": {"Content-Type": "application/json"}, "secretHeaders": None, "auth": None,
              "payload": json.dumps(result, separators=(",", ":")), "schedule": None, "timezone": None,
              "timeout": CALLBACK_TIMEOUT_SECONDS, "retry": CALLBACK_RETRY, "noRetryStatuses": None,
              "onSuccess": None, "onFailure": None}
    return new(source, now, ObjectId(), 0, 1)


def redacted_auth(auth: dict | None) -> dict:
    """Basic-auth credentials as the API shows them: the password is never returned."""
    return {"username": (auth or {}).get("username") or "", "password": ""}


def redacted_headers(doc: dict) -> dict:
    """Headers as the API shows them: values of credential headers and of `secretHeaders` are hidden."""
    secret = set(DEFAULT_SECRET_HEADERS) | {name.lower() for name in doc.get("secretHeaders") or ()}
    return {name: REDACTED if name.lower() in secret else value for name, value in (doc.get("headers") or {}).items()}


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
        "headers": redacted_headers(doc),
        "auth": redacted_auth(doc.get("auth")),
        "payload": doc.get("payload") or "",
        "at": clock.rfc3339(doc["at"]),
        "status": doc["status"],
        "kind": doc.get("kind") or "webhook",
        "retryNumber": doc.get("retryNumber", 0),
        "executionNumber": doc.get("executionNumber", 1),
    }
    for name in ("statusCode", "statusMessage", "durationMs", "response", "error"):
        if doc.get(name) not in (None, ""):
            body[name] = doc[name]
    for name in ("started", "finished"):
        if doc.get(name) is not None:
            body[name] = clock.rfc3339(doc[name])
    return body


def list_page(db: Database, task: dict, request: PageRequest) -> dict:
    """The task's webhook attempts (its callbacks with filters=kind:callback)."""
    kind = request.filters.get("kind", "webhook")
    query: dict = {"task": task["_id"], "kind": "callback" if kind == "callback" else {"$ne": "callback"}}
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


def extend_leases(db: Database, owner: str, attempt_ids: list, lease_until: datetime) -> None:
    """Extend the leases of the attempts this worker is still working on (and still owns)."""
    db.attempts.update_many({"_id": {"$in": attempt_ids}, "owner": owner, "status": "running"},
                            {"$set": {"claimableAt": lease_until}})


def record(db: Database, attempt: dict, owner: str, outcome: Outcome) -> bool:
    """Store the outcome on the attempt, only if this worker still owns it; False when the lease was lost."""
    result = db.attempts.update_one(
        {"_id": attempt["_id"], "owner": owner, "status": "running"},
        {"$set": outcome.attempt_fields(clock.now()), "$unset": {"claimableAt": "", "owner": ""}})
    return result.matched_count == 1


def advance_task(db: Database, attempt: dict, plan: Plan, outcome: Outcome) -> None:
    """Apply the plan to the task, guarded on the attempt it ran, then create the next attempt
    and, after a final outcome, the callback.

    If the task was replaced or deleted meanwhile, only its counters move (when it still exists).
    """
    next_id = ObjectId() if plan.next_at else None
    updated = db.tasks.find_one_and_update(
        {"_id": attempt["task"], "attempt": attempt["_id"]},
        {"$set": {**plan.set_fields, "attempt": next_id, "at": plan.next_at}, "$inc": plan.increments},
        projection={"executions": 1}, return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        counters = {k: v for k, v in plan.set_fields.items() if k in ("executed", "lastSuccess", "lastError")}
        db.tasks.update_one({"_id": attempt["task"]}, {"$set": counters, "$inc": plan.increments})
        return
    if next_id is not None:
        message_id = attempt.get("messageId") if plan.next_retry_number else None
        insert_ignoring_duplicate(db, new(attempt, plan.next_at, next_id, plan.next_retry_number,
                                          updated["executions"] + 1, message_id))
    callback_url = attempt.get("onSuccess" if outcome.success else "onFailure")
    if plan.final and callback_url:
        db.attempts.insert_one(callback(attempt, outcome, callback_url, clock.now()))


def retry_callback(db: Database, attempt: dict, outcome: Outcome, policy: RetryPolicy) -> None:
    """Callbacks have their own small retry budget and never touch the task."""
    tries_done = attempt.get("retryNumber", 0) + 1
    if outcome.success or not may_retry(tries_done, policy):
        return
    at = clock.now() + timedelta(seconds=next_delay(tries_done - 1, policy, outcome.retry_after_seconds))
    db.attempts.insert_one(new(attempt, at, ObjectId(), tries_done, 1, attempt.get("messageId")))


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
            insert_ignoring_duplicate(db, new(moved, moved["at"], next_id, moved.get("retries", 0),
                                              moved.get("executions", 0) + 1))
            repaired += 1
    return repaired
