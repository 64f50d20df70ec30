"""Accounts: tenants identified by id and a random key stored only as a hash."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from bson import ObjectId
from pymongo.database import Database

from hooky_common import applications, clock
from hooky_common.db import object_id
from hooky_common.errors import Conflict, NotFound
from hooky_common.pages import PageRequest, paginate

KEY_BYTES = 24


def hash_key(key: str) -> str:
    """Keys are 192-bit random tokens, so one SHA-256 is enough to make a stolen hash useless."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def render(doc: dict, key: str | None = None) -> dict:
    body = {"id": str(doc["_id"]), "name": doc.get("name", ""), "created": clock.rfc3339(doc["created"])}
    if key is not None:
        body["key"] = key
    return body


def create(db: Database, name: str = "") -> dict:
    """Create an account with its `default` application and queue; the answer carries the key and
    the default application's signing secret, once."""
    key = new_key()
    doc = {"_id": ObjectId(), "name": name, "keyHash": hash_key(key), "created": clock.now()}
    db.accounts.insert_one(doc)
    _, secret = applications.ensure(db, doc["_id"], applications.DEFAULT)
    return {**render(doc, key), "signingSecret": secret}


def get(db: Database, account_id: str | ObjectId) -> dict:
    oid = object_id(account_id)
    doc = db.accounts.find_one({"_id": oid}) if oid else None
    if doc is None:
        raise NotFound(f"account {account_id} not found")
    return doc


def authenticate(db: Database, account_id: str, key: str) -> dict | None:
    """The account whose id and key these are (constant-time key check), else None."""
    oid = object_id(account_id)
    doc = db.accounts.find_one({"_id": oid}) if oid else None
    return doc if doc is not None and hmac.compare_digest(doc["keyHash"], hash_key(key)) else None


def update(db: Database, account_id: ObjectId, name: str | None, rotate_key: bool) -> dict:
    """Rename and/or rotate the key in one atomic update; a rotated key is returned once."""
    changes: dict = {}
    key = new_key() if rotate_key else None
    if name is not None:
        changes["name"] = name
    if key is not None:
        changes["keyHash"] = hash_key(key)
    doc = get(db, account_id)
    if changes:
        # guarded on the current hash: of two concurrent rotations one wins, the other gets a 409
        result = db.accounts.update_one({"_id": doc["_id"], "keyHash": doc["keyHash"]}, {"$set": changes})
        if result.matched_count == 0:
            raise Conflict("the account changed concurrently (another key rotation?); try again")
        doc.update(changes)
    return render(doc, key)


def list_page(db: Database, request: PageRequest) -> dict:
    return paginate(db.accounts, {}, request, render)


def delete(db: Database, account_id: ObjectId) -> None:
    """Delete the account first (its credentials stop working at once), then everything under it."""
    doc = get(db, account_id)
    db.accounts.delete_one({"_id": doc["_id"]})
    applications.delete_all_data(db, doc["_id"])
