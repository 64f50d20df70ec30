"""Idempotency-Key on task creation: a repeated key within 24 hours returns the first task."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from hooky_common import clock
from hooky_common.errors import Conflict

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


def fingerprint(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def claim(db: Database, account: ObjectId, application: str, key: str, spec: dict, task_id: ObjectId) -> ObjectId:
    """Bind the key to `task_id` and return it, or return the task id an unexpired use of the key bound.

    The same key with a different request is a 409: the caller is reusing keys by mistake.
    """
    now = clock.now()
    doc = {"_id": f"{account}:{application}:{key}", "task": task_id, "fingerprint": fingerprint(spec),
           "expires": now + KEY_LIFETIME}
    try:
        db.idempotency.insert_one(doc)
        return task_id
    except DuplicateKeyError:
        pass
    existing = db.idempotency.find_one_and_update(
        {"_id": doc["_id"], "expires": {"$lte": now}}, {"$set": doc})  # an expired key is free again
    if existing is not None:
        return task_id
    existing = db.idempotency.find_one({"_id": doc["_id"]})
    if existing is None:
        return claim(db, account, application, key, spec, task_id)  # expired and swept meanwhile
    if existing["fingerprint"] != doc["fingerprint"]:
        raise Conflict("this Idempotency-Key was used with a different request",
                       {"Idempotency-Key": ["already used with a different request"]})
    return existing["task"]
