"""Tasks: webhook definitions, their schedule and their statistics.

A task points at its current attempt (`attempt`). The API writes the task first and its
attempt second; the worker only advances a task with an update guarded on the attempt it
ran, so a task replaced or deleted while its call was running keeps the newer state.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Callable

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from hooky_common import attempts, clock, idempotency, queues, schedule, stats
from hooky_common.errors import Conflict, Invalid, NotFound
from hooky_common.pages import PageRequest, paginate
from hooky_common.retry import RetryPolicy

DEFINITION_FIELDS = ("queue", "url", "method", "headers", "secretHeaders", "auth", "payload", "schedule",
                     "timezone", "timeout", "retry", "noRetryStatuses", "onSuccess", "onFailure")
STATUSES = ("pending", "retrying", "canceled", "success", "error")
DEFAULT_TIMEOUT_SECONDS = 30


def render(doc: dict, queue_retry: dict | None) -> dict:
    executions = doc.get("executions", 0)
    errors = doc.get("errors", 0)
    body = {
        "id": str(doc["_id"]),
        "created": clock.rfc3339(doc["created"]),
        "account": str(doc["account"]),
        "application": doc["application"],
        "name": doc["name"],
        "queue": doc["queue"],
        "url": doc["url"],
        "method": doc["method"],
        "headers": attempts.redacted_headers(doc),
        "secretHeaders": doc.get("secretHeaders") or [],
        "auth": attempts.redacted_auth(doc.get("auth")),
        "payload": doc.get("payload") or "",
        "schedule": doc.get("schedule") or "",
        "timezone": doc.get("timezone") or "UTC",
        "timeout": doc.get("timeout", DEFAULT_TIMEOUT_SECONDS),
        "noRetryStatuses": doc.get("noRetryStatuses") or [],
        "onSuccess": doc.get("onSuccess") or "",
        "onFailure": doc.get("onFailure") or "",
        "status": doc["status"],
        "active": doc["active"],
        "executions": executions,
        "errors": errors,
        "errorRate": stats.error_rate(errors, executions),
        "retry": {"attempts": doc.get("retries", 0), **RetryPolicy.resolve(doc.get("retry"), queue_retry).as_dict()},
    }
    for name in ("at", "executed", "lastSuccess", "lastError"):
        if doc.get(name) is not None and (name != "at" or doc["active"]):
            body[name] = clock.rfc3339(doc[name])
    return body


def renderer(db: Database, account: ObjectId, application: str) -> Callable[[dict], dict]:
    """render() for many tasks of one application, reading its queues' retry settings once."""
    queue_retries = {doc["_id"]: doc.get("retry") for doc in
                     db.queues.find({"account": account, "application": application}, {"retry": 1})}
    return lambda doc: render(doc, queue_retries.get(doc["queueId"]))


def render_with_queue(db: Database, doc: dict) -> dict:
    queue = db.queues.find_one({"_id": doc["queueId"]}, {"retry": 1})
    return render(doc, (queue or {}).get("retry"))


def first_run(spec: dict, now: datetime) -> datetime:
    """When a new or replaced task first runs: the next cron time, the given `at` or `delay`, else now."""
    if spec.get("schedule"):
        return schedule.next_run(spec["schedule"], now, spec.get("timezone"))
    if spec.get("at"):
        return spec["at"]
    if spec.get("delay"):
        return now + timedelta(seconds=spec["delay"])
    return now


def _definition(db: Database, account: ObjectId, application: str, spec: dict) -> dict:
    queue_name = spec.get("queue") or queues.DEFAULT
    queue = db.queues.find_one({"account": account, "application": application, "name": queue_name}, {"_id": 1})
    if queue is None:
        raise Invalid.field("queue", f"no queue named {queue_name!r} in application {application!r}")
    definition = {name: spec.get(name) for name in DEFINITION_FIELDS}
    definition.update(queue=queue_name, queueId=queue["_id"], method=spec.get("method") or "POST",
                      timeout=spec.get("timeout") or DEFAULT_TIMEOUT_SECONDS)
    return definition


def _schedule_state(spec: dict, now: datetime) -> dict:
    active = spec.get("active", True)
    return {
        "active": active,
        "status": "pending" if active else "canceled",
        "at": first_run(spec, now) if active else None,
        "attempt": ObjectId() if active else None,
        "retries": 0,
        "updated": now,
    }


def create(db: Database, account: ObjectId, application: str, spec: dict,
           idempotency_key: str | None = None) -> dict:
    """Insert a new task (name defaults to its id) and its first attempt; 409 if the name is taken.

    With an idempotency key used in the last 24 hours, the task that key created is returned instead.
    """
    now = clock.now()
    task_id = ObjectId()
    if idempotency_key:
        task_id = idempotency.claim(db, account, application, idempotency_key, spec, task_id)
        existing = db.tasks.find_one({"_id": task_id})
        if existing is not None:
            return existing
    doc = {"_id": task_id, "account": account, "application": application, "name": spec.get("name") or str(task_id),
           "created": now, "executions": 0, "errors": 0,
           **_definition(db, account, application, spec), **_schedule_state(spec, now)}
    try:
        db.tasks.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"a task named {doc['name']!r} already exists; PUT replaces it",
                       {"name": ["already exists"]}) from None
    _insert_current_attempt(db, doc)
    return doc


def put(db: Database, account: ObjectId, application: str, name: str, spec: dict) -> dict:
    """Create the task, or replace its definition and schedule it afresh (dropping its pending attempt)."""
    for _ in range(2):
        if db.tasks.count_documents({"account": account, "application": application, "name": name}, limit=1) == 0:
            try:
                return create(db, account, application, {**spec, "name": name})
            except Conflict:
                continue  # created concurrently: replace it instead
        now = clock.now()
        changes = {**_definition(db, account, application, spec), **_schedule_state(spec, now)}
        doc = db.tasks.find_one_and_update({"account": account, "application": application, "name": name},
                                           {"$set": changes}, return_document=ReturnDocument.AFTER)
        if doc is not None:
            db.attempts.delete_many({"task": doc["_id"], "status": "pending", "_id": {"$ne": doc["attempt"]}})
            _insert_current_attempt(db, doc)
            return doc
    raise Conflict(f"task {name!r} changed concurrently; try again")


def _insert_current_attempt(db: Database, task: dict) -> dict | None:
    """Insert the attempt the task now points at, then check it still does.

    Two requests changing one task at once can each write the task, then insert their attempt;
    the loser's attempt would run a definition that was already replaced, so it is withdrawn
    (if no worker took it in the instant between the two commands).
    """
    if task["attempt"] is None:
        return None
    attempt = attempts.new(task, task["at"], task["attempt"], 0, task.get("executions", 0) + 1)
    db.attempts.insert_one(attempt)
    if db.tasks.count_documents({"_id": task["_id"], "attempt": attempt["_id"]}, limit=1) == 0:
        db.attempts.delete_one({"_id": attempt["_id"], "status": "pending"})
        raise Conflict(f"task {task['name']} changed concurrently; the other change won")
    return attempt


def get(db: Database, account: ObjectId, application: str, name: str) -> dict:
    doc = db.tasks.find_one({"account": account, "application": application, "name": name})
    if doc is None:
        raise NotFound(f"task {name} not found")
    return doc


def list_page(db: Database, account: ObjectId, application: str, request: PageRequest) -> dict:
    query: dict = {"account": account, "application": application}
    for key, value in request.filters.items():
        if key == "status":
            query["status"] = value
        elif key == "schedule":
            query["schedule"] = {"$nin": [None, ""]} if value == "true" else {"$in": [None, ""]}
        elif key in ("queue", "name"):
            query[key] = value
        elif key == "search":
            query["name"] = {"$regex": re.escape(value), "$options": "i"}
        elif key == "active":
            query["active"] = value == "true"
    return paginate(db.tasks, query, request, renderer(db, account, application))


def delete(db: Database, account: ObjectId, application: str, name: str) -> None:
    """Delete a task and its attempts; a call in flight finishes but changes nothing."""
    doc = db.tasks.find_one_and_delete({"account": account, "application": application, "name": name})
    if doc is None:
        raise NotFound(f"task {name} not found")
    db.attempts.delete_many({"task": doc["_id"]})


def delete_all(db: Database, account: ObjectId, application: str) -> int:
    scope = {"account": account, "application": application}
    deleted = db.tasks.delete_many(scope).deleted_count
    db.attempts.delete_many(scope)
    return deleted


def run_now(db: Database, task: dict) -> dict:
    """Run a task at once: bring its pending attempt forward, or start a new one for a finished task."""
    now = clock.now()
    current = db.attempts.find_one({"_id": task.get("attempt")}) if task.get("attempt") else None
    if current is not None and current["status"] == "running":
        raise Conflict(f"task {task['name']} is running now; try again when its attempt finishes")
    if current is not None and current["status"] == "pending":
        moved = db.attempts.find_one_and_update({"_id": current["_id"], "status": "pending"},
                                                {"$set": {"at": now, "claimableAt": now}},
                                                return_document=ReturnDocument.AFTER)
        if moved is None:
            raise Conflict(f"task {task['name']} was just claimed by a worker")
        db.tasks.update_one({"_id": task["_id"], "attempt": current["_id"]}, {"$set": {"at": now}})
        return moved
    next_id = ObjectId()
    changed = db.tasks.find_one_and_update(
        {"_id": task["_id"], "attempt": task.get("attempt")},
        {"$set": {"attempt": next_id, "at": now, "active": True, "status": "pending", "retries": 0}},
        return_document=ReturnDocument.AFTER)
    if changed is None:
        raise Conflict(f"task {task['name']} changed concurrently; try again")
    return _insert_current_attempt(db, changed)


def set_active(db: Database, task: dict, active: bool) -> dict:
    """Pause (drop the pending attempt, status canceled) or resume (schedule afresh) a task."""
    if task["active"] == active:
        return task
    if active:
        changes = {"active": True, "status": "pending", "retries": 0, "attempt": ObjectId(),
                   "at": first_run({"schedule": task.get("schedule"), "timezone": task.get("timezone")}, clock.now())}
    else:
        changes = {"active": False, "status": "canceled", "attempt": None, "at": None}
    doc = db.tasks.find_one_and_update({"_id": task["_id"], "active": not active}, {"$set": changes},
                                       return_document=ReturnDocument.AFTER)
    if doc is None:
        raise Conflict(f"task {task['name']} changed concurrently; try again")
    if active:
        _insert_current_attempt(db, doc)
    else:
        db.attempts.delete_many({"task": doc["_id"], "status": "pending"})
    return doc
