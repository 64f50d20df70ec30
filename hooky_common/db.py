"""MongoDB connection and the indexes every query of Hooky relies on."""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, MongoClient
from pymongo.database import Database

DEFAULT_DATABASE = "hooky"


DEFAULT_TIMEOUTS_MS = {"serverSelectionTimeoutMS": 3000, "connectTimeoutMS": 3000}


def connect(uri: str, **client_options) -> Database:
    """Open a client (call after forking) and return the database named in the URI.

    Requests wait at most a few seconds for an unreachable database (then the API answers 503);
    timeouts given in the URI win over these defaults.
    """
    options = {"tz_aware": True, **{k: v for k, v in DEFAULT_TIMEOUTS_MS.items() if k.lower() not in uri.lower()}}
    options.update(client_options)
    client = MongoClient(uri, **options)
    return client.get_default_database(default=DEFAULT_DATABASE)


def ensure_indexes(db: Database) -> None:
    """Create every index idempotently; safe to run at each start-up of every process."""
    unique_name = [("account", ASCENDING), ("application", ASCENDING), ("name", ASCENDING)]
    db.applications.create_index([("account", ASCENDING), ("name", ASCENDING)], unique=True)
    db.queues.create_index(unique_name, unique=True)
    db.tasks.create_index(unique_name, unique=True)
    db.tasks.create_index([("account", ASCENDING), ("application", ASCENDING), ("queue", ASCENDING)])
    db.tasks.create_index([("active", ASCENDING), ("at", ASCENDING)])
    db.attempts.create_index(
        [("claimableAt", ASCENDING)],
        name="claimable",
        partialFilterExpression={"claimableAt": {"$exists": True}},
    )
    db.attempts.create_index([("task", ASCENDING), ("_id", ASCENDING)])
    db.attempts.create_index([("owner", ASCENDING)], sparse=True)
    db.attempts.create_index(
        [("finished", ASCENDING)],
        name="finished",
        partialFilterExpression={"finished": {"$exists": True}},
    )
    db.attempts.create_index([("account", ASCENDING), ("application", ASCENDING), ("queue", ASCENDING)])
    db.tasks.create_index([("account", ASCENDING), ("application", ASCENDING), ("status", ASCENDING)])
    db.idempotency.create_index([("expires", ASCENDING)], expireAfterSeconds=0)
    db.slots.create_index([("queue", ASCENDING), ("leaseUntil", ASCENDING)])
    db.slots.create_index([("owner", ASCENDING)], sparse=True)
    db.workers.create_index([("expires", ASCENDING)], expireAfterSeconds=24 * 3600)


REQUIRED_INDEXES = {"attempts": "claimable", "tasks": "account_1_application_1_name_1"}


def missing_indexes(db: Database) -> list[str]:
    """The indexes the claim and the API rely on that are missing (empty when ready)."""
    missing = []
    for collection, name in REQUIRED_INDEXES.items():
        if name not in db[collection].index_information():
            missing.append(f"{collection}.{name}")
    return missing


def object_id(value: str | ObjectId) -> ObjectId | None:
    """Parse a 24-hex-digit id; None when it is not one."""
    if isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None
