"""Get-or-create in one atomic MongoDB operation."""
from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError


def upsert_on_insert(collection: Collection, key: dict, on_insert: dict, changes: dict | None = None) -> dict:
    """Find the document with `key`, creating it with `on_insert` if missing; apply `changes` either way.

    Two concurrent upserts of the same unique key can make one fail with a duplicate key
    error; the document then exists, so the second try finds it.
    """
    update: dict = {"$setOnInsert": on_insert}
    if changes:
        update["$set"] = changes
    for _ in range(2):
        try:
            return collection.find_one_and_update(key, update, upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            continue
    raise RuntimeError(f"upsert of {key} kept colliding")
