"""End to end: embedded database, hooky-api under gunicorn, two hooky-worker processes, a real receiver."""
from __future__ import annotations

import os
import signal
import time

import pytest

pytestmark = pytest.mark.e2e


def test_tutorial_task_succeeds_with_one_attempt(hooky, receiver):
    task = hooky.call("POST", "/tasks", json={"url": f"{receiver.url}/e2e-tutorial"})
    done = hooky.wait_task(task["id"], lambda t: t["status"] == "success")
    assert done["active"] is False and done["executions"] == 1
    [attempt] = hooky.attempts(task["id"])
    assert (attempt["status"], attempt["statusCode"], attempt["statusMessage"]) == ("success", 200, "200 OK")
    assert len(receiver.on_path("/e2e-tutorial")) == 1


def test_fails_twice_then_succeeds_spaced_by_the_policy(hooky, receiver):
    hooky.call("PUT", "/tasks/flaky", json={"url": f"{receiver.url}/fail/2/e2e", "retry": {"min": 1, "factor": 2}})
    done = hooky.wait_task("flaky", lambda t: t["status"] == "success")
    assert (done["executions"], done["errors"]) == (3, 2)
    assert [a["status"] for a in hooky.attempts("flaky")] == ["error", "error", "success"]
    calls = receiver.on_path("/fail/2/e2e")
    gaps = [later.at - earlier.at for earlier, later in zip(calls, calls[1:])]
    assert len(calls) == 3
    assert 1.0 <= gaps[0] <= 1.2 + 0.5, gaps  # min x factor^0, up to 20% jitter, plus polling slack
    assert 2.0 <= gaps[1] <= 2.4 + 0.5, gaps  # min x factor^1


def test_cron_every_second_runs_on_the_second(hooky, receiver):
    hooky.call("PUT", "/tasks/every-second", json={"url": f"{receiver.url}/every-second", "schedule": "* * * * * *"})
    time.sleep(4)
    hooky.call("DELETE", "/tasks/every-second")
    calls = receiver.on_path("/every-second")
    assert len(calls) >= 3
    gaps = [later.at - earlier.at for earlier, later in zip(calls, calls[1:])]
    assert all(gap > 0.5 for gap in gaps), gaps  # one run per tick, never a burst or an overlap


def test_queue_concurrency_is_never_exceeded(hooky, receiver):
    receiver.max_concurrent = 0
    hooky.call("PUT", "/queues/narrow", json={"maxInFlight": 2})
    for i in range(20):
        hooky.call("PUT", f"/tasks/slow-{i}", json={"url": f"{receiver.url}/slow-narrow?ms=250", "queue": "narrow"})
    deadline = time.monotonic() + 60
    while len(receiver.on_path("/slow-narrow")) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(receiver.on_path("/slow-narrow")) == 20
    assert receiver.max_concurrent == 2
    for i in range(20):
        hooky.wait_task(f"slow-{i}", lambda t: t["status"] == "success")
    assert hooky.call("GET", "/queues/narrow")["inFlight"] == 0


def running_attempt(hooky, name: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = [a for a in hooky.attempts(name) if a["status"] == "running"]
        if running:
            return running[0]
        time.sleep(0.05)
    raise AssertionError(f"{name} never started")


def owner_pid(cluster, attempt_id: str) -> int:
    from bson import ObjectId
    from pymongo import MongoClient
    with MongoClient(cluster.mongo_uri) as client:
        return int(client.hooky.attempts.find_one({"_id": ObjectId(attempt_id)})["owner"].split(":")[1])


def test_kill_9_mid_call_still_finishes_the_task(cluster, hooky, receiver):
    hooky.call("PUT", "/tasks/victim", json={"url": f"{receiver.url}/slow-kill?ms=2000", "retry": {"min": 1}})
    attempt = running_attempt(hooky, "victim")
    pid = owner_pid(cluster, attempt["id"])
    os.kill(pid, signal.SIGKILL)
    cluster.worker_by_pid(pid).wait(5)
    done = hooky.wait_task("victim", lambda t: t["status"] == "success", timeout=30)
    statuses = [(a["status"], a.get("error", "")) for a in hooky.attempts("victim")]
    assert statuses[0][0] == "error" and "lease expired" in statuses[0][1]
    assert statuses[-1][0] == "success" and done["errors"] == 1
    assert hooky.call("GET", "/queues/default")["inFlight"] == 0


def test_sigterm_lets_the_call_in_flight_finish(cluster, hooky, receiver):
    hooky.call("PUT", "/tasks/drain", json={"url": f"{receiver.url}/slow-drain?ms=1500"})
    attempt = running_attempt(hooky, "drain")
    worker = cluster.worker_by_pid(owner_pid(cluster, attempt["id"]))
    signalled = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(20) == 0
    assert time.monotonic() - signalled >= 1.0  # it waited for the call
    done = hooky.task("drain")
    assert (done["status"], done["executions"], done["errors"]) == ("success", 1, 0)
    assert [a["status"] for a in hooky.attempts("drain")] == ["success"]
    assert hooky.call("GET", "/queues/default")["inFlight"] == 0


def test_pausing_a_queue_lets_calls_in_flight_finish_and_holds_the_rest(hooky, receiver):
    hooky.call("PUT", "/queues/pausable", json={"maxInFlight": 1})
    hooky.call("PUT", "/tasks/first", json={"url": f"{receiver.url}/slow-pause?ms=1000", "queue": "pausable"})
    running_attempt(hooky, "first")
    hooky.call("PUT", "/tasks/second", json={"url": f"{receiver.url}/held", "queue": "pausable"})
    assert hooky.call("POST", "/queues/pausable/pause")["paused"] is True
    hooky.wait_task("first", lambda t: t["status"] == "success")
    time.sleep(1.5)
    assert receiver.on_path("/held") == []
    assert hooky.task("second")["status"] == "pending"
    hooky.call("POST", "/queues/pausable/resume")
    hooky.wait_task("second", lambda t: t["status"] == "success", timeout=10)
    queue = hooky.call("GET", "/queues/pausable")
    assert (queue["executions"], queue["inFlight"], queue["tasks"]["success"]) == (2, 0, 2)
