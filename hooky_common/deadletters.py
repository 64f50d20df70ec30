"""Dead letters: tasks whose last run used all its tries, with the outcome of their last attempt."""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database

from hooky_common import attempts, tasks
from hooky_common.errors import Conflict
from hooky_common.pages import PageRequest, paginate

MAX_BULK_REPLAY = 1000


def _query(account: ObjectId, application: str, filters: dict) -> dict:
    query = {"account": account, "application": application, "status": "error"}
    if "queue" in filters:
        query["queue"] = filters["queue"]
    return query


def list_page(db: Database, account: ObjectId, application: str, request: PageRequest) -> dict:
    page = paginate(db.tasks, _query(account, application, request.filters), request, lambda doc: doc)
    last = _last_attempts(db, [doc["_id"] for doc in page["list"]])
    render = tasks.renderer(db, account, application)
    page["list"] = [{**render(doc), "lastAttempt": last.get(doc["_id"])} for doc in page["list"]]
    return page


def _last_attempts(db: Database, task_ids: list) -> dict:
    pipeline = [{"$match": {"task": {"$in": task_ids}, "kind": {"$ne": "callback"}, "finished": {"$exists": True}}},
                {"$sort": {"_id": -1}},
                {"$group": {"_id": "$task", "attempt": {"$first": "$$ROOT"}}}]
    return {row["_id"]: attempts.render(row["attempt"]) for row in db.attempts.aggregate(pipeline)}


def replay(db: Database, task: dict) -> dict:
    """Reset the task's retries and run it again now."""
    if task["status"] != "error":
        raise Conflict(f"task {task['name']} is not a dead letter (status {task['status']})")
    return tasks.run_now(db, task)


def replay_all(db: Database, account: ObjectId, application: str, filters: dict) -> int:
    """Replay up to MAX_BULK_REPLAY dead letters; tasks that changed meanwhile are skipped."""
    replayed = 0
    for task in db.tasks.find(_query(account, application, filters)).limit(MAX_BULK_REPLAY):
        try:
            tasks.run_now(db, task)
            replayed += 1
        except Conflict:
            continue
    return replayed
