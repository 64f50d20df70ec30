"""Pause, resume and purge; stats per queue and per application."""
from __future__ import annotations

from datetime import datetime, timedelta

from bson import ObjectId

from hooky_common import clock, queues


def queue_path(account, name: str = "default") -> str:
    return f"{account.app}/queues/{name}"


def test_paused_queue_waits_and_loses_nothing(account, worker, receiver):
    account.put(queue_path(account, "q"), json={})
    account.create_task(url=f"{receiver.url}/paused", name="held", queue="q")
    paused = account.post(f"{queue_path(account, 'q')}/pause")
    assert paused.status_code == 200 and paused.json["paused"] is True
    assert not worker.run_once() and not worker.run_once()
    assert receiver.on_path("/paused") == []
    assert account.get(f"{account.app}/tasks/held").json["status"] == "pending"
    assert account.put(queue_path(account, "q"), json={"maxInFlight": 3}).json["paused"] is True  # settings keep it
    worker._paused_until = 0  # the worker refreshes its paused list every second
    assert account.post(f"{queue_path(account, 'q')}/resume").json["paused"] is False
    assert worker.run_once()
    assert len(receiver.on_path("/paused")) == 1


def test_pause_blocks_slots_at_once_even_for_a_worker_that_has_not_noticed(db, account, worker, receiver):
    account.create_task(url=f"{receiver.url}/race", name="race")
    claimed = worker.claim_next()  # claimed just before the pause
    account.post(f"{queue_path(account)}/pause")
    worker.process(claimed)
    assert receiver.on_path("/race") == []
    assert db.attempts.find_one()["status"] == "pending"


def test_other_queues_run_while_one_is_paused(account, worker, receiver):
    account.put(queue_path(account, "q"), json={})
    account.post(f"{queue_path(account, 'q')}/pause")
    account.create_task(url=f"{receiver.url}/p1", queue="q")
    account.create_task(url=f"{receiver.url}/free")
    assert worker.run_once()
    assert len(receiver.on_path("/free")) == 1 and receiver.on_path("/p1") == []


def test_purge_deletes_waiting_one_shot_tasks_only(db, account):
    account.put(queue_path(account, "q"), json={})
    for i in range(3):
        account.create_task(url="http://example.com", name=f"once-{i}", queue="q")
    account.create_task(url="http://example.com", name="nightly", queue="q", schedule="0 0 * * *")
    account.create_task(url="http://example.com", name="elsewhere")
    assert account.post(f"{queue_path(account, 'q')}/purge").json == {"deleted": 3}
    names = sorted(t["name"] for t in account.get(f"{account.app}/tasks").json["list"])
    assert names == ["elsewhere", "nightly"]
    assert db.attempts.count_documents({}) == 2


def test_task_pause_and_resume_through_active(db, account, worker, receiver):
    account.create_task(url=f"{receiver.url}/toggle", name="toggle", schedule="0 0 * * *")
    paused = account.request("PATCH", f"{account.app}/tasks/toggle", json={"active": False}).json
    assert (paused["active"], paused["status"]) == (False, "canceled") and "at" not in paused
    assert db.attempts.count_documents({}) == 0
    resumed = account.request("PATCH", f"{account.app}/tasks/toggle", json={"active": True}).json
    assert (resumed["active"], resumed["status"]) == (True, "pending")
    assert datetime.fromisoformat(resumed["at"].replace("Z", "+00:00")).hour == 0
    assert db.attempts.count_documents({"status": "pending"}) == 1
    assert account.request("PATCH", f"{account.app}/tasks/toggle", json={}).status_code == 400


def test_queue_and_application_stats(account, worker, receiver):
    account.put(queue_path(account, "q"), json={"retry": {"maxAttempts": 1}})
    account.create_task(url=f"{receiver.url}/slow-stats?ms=50", queue="q")
    account.create_task(url=f"{receiver.url}/status/500", queue="q")
    account.create_task(url=f"{receiver.url}/ok-default")
    account.create_task(url="http://example.com", queue="q", schedule="0 0 1 1 *")
    for _ in range(3):
        assert worker.run_once()
    queue = account.get(queue_path(account, "q")).json
    assert (queue["executions"], queue["errors"], queue["errorRate"], queue["inFlight"]) == (2, 1, 50, 0)
    assert queue["tasks"] == {"pending": 1, "retrying": 0, "canceled": 0, "success": 1, "error": 1}
    assert queue["averageDurationMs"] >= 25
    assert queue["lastSuccess"] and queue["lastError"]
    application = account.get(account.app).json
    assert (application["executions"], application["errors"], application["errorRate"]) == (3, 1, 33)
    assert application["tasks"]["success"] == 2 and application["tasks"]["pending"] == 1
    listed = account.get(f"{account.app}/queues").json["list"]
    assert {q["name"]: q["executions"] for q in listed} == {"default": 1, "q": 2}
    assert account.get(f"{account.base}/applications").json["list"][0]["executions"] == 3


def test_counters_survive_shrinking_max_in_flight(db, account, worker, receiver):
    queue_id = account.put(queue_path(account, "q"), json={"maxInFlight": 5}).json["id"]
    lease = clock.now() + timedelta(seconds=30)
    held = [queues.take_slot(db, ObjectId(queue_id), f"h{i}", "someone", lease) for i in range(2)]
    for _ in range(3):
        account.create_task(url=f"{receiver.url}/shrink", queue="q")
    for _ in range(3):
        assert worker.run_once()
    busy = db.slots.find({"queue": ObjectId(queue_id), "executions": {"$gt": 0}})
    assert all(slot["n"] >= 2 for slot in busy)  # the calls went through slots that shrinking retires
    for i, slot in enumerate(held):
        queues.release_slot(db, slot, f"h{i}", None)
    shrunk = account.put(queue_path(account, "q"), json={"maxInFlight": 1}).json
    assert (shrunk["executions"], shrunk["inFlight"]) == (3, 0)
    assert queues.take_slot(db, ObjectId(queue_id), "a", "w", lease) == f"{queue_id}:0"
    assert queues.take_slot(db, ObjectId(queue_id), "b", "w", lease) is None


def test_rate_tokens_allow_a_burst_then_one_per_interval(db, account):
    queue = {**account.put(queue_path(account, "rated"), json={"maxPerSecond": 2, "burst": 3}).json}
    doc = db.queues.find_one({"name": "rated"})
    assert (queue["maxPerSecond"], queue["burst"]) == (2, 3)
    start = 1_000_000.0
    assert [queues.take_token(db, doc, start) for _ in range(4)] == [True, True, True, False]
    assert queues.take_token(db, doc, start + 0.49) is False
    assert queues.take_token(db, doc, start + 0.5) is True
    assert queues.take_token(db, doc, start + 0.6) is False
    assert [queues.take_token(db, doc, start + 10) for _ in range(4)] == [True, True, True, False]


def test_rate_limited_queue_puts_work_back_instead_of_calling(db, account, worker, receiver):
    account.put(queue_path(account, "rated"), json={"maxPerSecond": 0.01, "burst": 1})
    account.create_task(url=f"{receiver.url}/rated-1", queue="rated")
    account.create_task(url=f"{receiver.url}/rated-2", queue="rated")
    assert worker.run_once() and worker.run_once()
    assert len(receiver.on_path("/rated-1")) + len(receiver.on_path("/rated-2")) == 1
    assert db.attempts.count_documents({"status": "pending"}) == 1
    assert account.get(queue_path(account, "rated")).json["inFlight"] == 0
