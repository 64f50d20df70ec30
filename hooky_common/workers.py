"""Worker heartbeat documents: who is running, where, since when, with how many calls in flight."""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from pymongo.database import Database

from hooky_common import clock


def beat(db: Database, owner: str, started: datetime, in_flight: int, lease_seconds: float) -> None:
    now = clock.now()
    db.workers.update_one(
        {"_id": owner},
        {"$set": {"host": socket.gethostname(), "pid": os.getpid(), "started": started, "beat": now,
                  "expires": now + timedelta(seconds=lease_seconds), "inFlight": in_flight}},
        upsert=True,
    )


def leave(db: Database, owner: str) -> None:
    db.workers.delete_one({"_id": owner})


def live_count(db: Database) -> int:
    return db.workers.count_documents({"expires": {"$gt": clock.now()}})
