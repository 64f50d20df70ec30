"""The database goes away under load and comes back: the API answers 503 meanwhile, nothing is lost."""
from __future__ import annotations

import time

import pytest
import requests

from tests.e2e.cluster import Client, Cluster

pytestmark = pytest.mark.e2e
TASKS = 30


@pytest.fixture
def disk_cluster(tmp_path):
    cluster = Cluster(tmp_path, storage=str(tmp_path / "data"))
    yield cluster
    cluster.stop()


def test_database_outage_loses_nothing(disk_cluster, receiver):
    hooky = Client(disk_cluster.api_url)
    for i in range(TASKS):
        hooky.call("PUT", f"/tasks/outage-{i}", json={"url": f"{receiver.url}/slow-outage?ms=300&i={i}",
                                                      "retry": {"min": 1, "max": 2}})
    receiver.wait_for("/slow-outage", 3)
    disk_cluster.stop_database()
    answers = []
    for _ in range(3):
        started = time.monotonic()
        response = requests.get(f"{hooky.app}/tasks", auth=hooky.session.auth, timeout=15)
        answers.append((response.status_code, time.monotonic() - started, response.headers.get("Retry-After"),
                        response.json()["code"]))
    disk_cluster.start_database()
    print(f"answers while the database was down (status, seconds, Retry-After, code): {answers}")
    assert all(status == 503 and elapsed < 6 and retry_after and code == "database_unavailable"
               for status, elapsed, retry_after, code in answers), answers

    deadline = time.monotonic() + 90
    states = {}
    while time.monotonic() < deadline:
        states = {t["name"]: t["status"] for t in hooky.call("GET", "/tasks?limit=100")["list"]}
        if len(states) == TASKS and all(status == "success" for status in states.values()):
            break
        time.sleep(0.5)
    pending = [name for name, status in states.items() if status != "success"]
    assert not pending, [(name, hooky.attempts(name)) for name in pending[:2]]
    called = {r.path.split("i=")[1] for r in receiver.on_path("/slow-outage")}
    assert called == {str(i) for i in range(TASKS)}  # every task reached the receiver (at least once)
    assert all(w.poll() is None for w in disk_cluster.workers)  # the workers rode it out
    assert hooky.call("GET", "/queues/default")["inFlight"] == 0
