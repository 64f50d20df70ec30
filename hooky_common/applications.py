"""Applications: named groups of queues and tasks inside an account."""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database

from hooky_common import clock, queues, signing, stats
from hooky_common.errors import Conflict, Forbidden, NotFound
from hooky_common.pages import PageRequest, paginate
from hooky_common.upsert import upsert_on_insert

DEFAULT = "default"


def render(doc: dict, figures: dict | None = None) -> dict:
    return {
        "id": str(doc["_id"]),
        "account": str(doc["account"]),
        "name": doc["name"],
        "created": clock.rfc3339(doc["created"]),
        **(figures or {}),
    }


def render_with_stats(db: Database, doc: dict) -> dict:
    return render(doc, stats.for_application(db, doc["account"], doc["name"]))


def ensure(db: Database, account: ObjectId, name: str) -> tuple[dict, str | None]:
    """Get or create an application (with its `default` queue and a signing secret) in one atomic upsert.

    Returns the application and, only when this call created it, its signing secret (shown once).
    """
    now = clock.now()
    secret = signing.new_secret()
    doc = upsert_on_insert(db.applications, {"account": account, "name": name},
                           {"created": now, "signing": [{"secret": secret, "created": now, "expires": None}]})
    queues.ensure_default(db, account, name)
    created = doc["signing"][0]["secret"] == secret
    return doc, secret if created else None


def rotate_secret(db: Database, doc: dict, grace_seconds: float) -> str:
    """Start signing with a new secret; the current ones stay valid (and are sent) for the grace period."""
    for _ in range(3):
        secret, stored = signing.rotate(doc.get("signing", []), clock.now(), grace_seconds)
        if db.applications.update_one({"_id": doc["_id"], "signing": doc.get("signing", [])},
                                      {"$set": {"signing": stored}}).matched_count:
            return secret
        doc = db.applications.find_one({"_id": doc["_id"]}) or doc
    raise Conflict("the signing secret was rotated concurrently; try again")


def get(db: Database, account: ObjectId, name: str) -> dict:
    doc = db.applications.find_one({"account": account, "name": name})
    if doc is None:
        raise NotFound(f"application {name} not found")
    return doc


def list_page(db: Database, account: ObjectId, request: PageRequest) -> dict:
    return paginate(db.applications, {"account": account}, request, lambda doc: render_with_stats(db, doc))


def delete(db: Database, account: ObjectId, name: str) -> None:
    if name == DEFAULT:
        raise Forbidden("the default application cannot be deleted")
    get(db, account, name)
    db.applications.delete_one({"account": account, "name": name})
    _delete_contents(db, {"account": account, "application": name})


def delete_all_but_default(db: Database, account: ObjectId) -> int:
    names = [doc["name"] for doc in db.applications.find({"account": account, "name": {"$ne": DEFAULT}})]
    for name in names:
        delete(db, account, name)
    return len(names)


def delete_all_data(db: Database, account: ObjectId) -> None:
    """Cascade of an account's deletion: every application and what it holds."""
    db.applications.delete_many({"account": account})
    _delete_contents(db, {"account": account})


def _delete_contents(db: Database, scope: dict) -> None:
    queue_ids = [doc["_id"] for doc in db.queues.find(scope, {"_id": 1})]
    db.queues.delete_many(scope)
    db.slots.delete_many({"queue": {"$in": queue_ids}})
    db.tasks.delete_many(scope)
    db.attempts.delete_many(scope)
