"""End to end: signatures, rate limits across workers, callbacks and dead letters with real processes."""
from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
import requests
from bson import ObjectId
from standardwebhooks import Webhook

from hooky_common import accounts, embedded, tasks
from hooky_common.db import connect, ensure_indexes
from tests.e2e.cluster import ADMIN_PASSWORD, BIN

pytestmark = pytest.mark.e2e


def test_signed_call_verifies_with_the_reference_implementation(cluster, receiver):
    created = requests.post(f"{cluster.api_url}/accounts", auth=("admin", ADMIN_PASSWORD), timeout=10).json()
    app = f"{cluster.api_url}/accounts/{created['id']}/applications/default"
    auth = (created["id"], created["key"])
    requests.put(f"{app}/tasks/signed", json={"url": f"{receiver.url}/e2e-signed", "payload": {"n": 1}},
                 auth=auth, timeout=10).raise_for_status()
    [request] = receiver.wait_for("/e2e-signed", 1)
    Webhook(created["signingSecret"]).verify(request.body, dict(request.headers))
    assert request.headers["X-Hooky-Execution-Count"] == "1"


def test_rate_limit_holds_across_workers(cluster, hooky, receiver):
    cluster.workers.append(cluster.start_worker())  # three workers compete for the same queue
    hooky.call("PUT", "/queues/rated", json={"maxPerSecond": 5, "burst": 1, "maxInFlight": 20})
    for i in range(15):
        hooky.call("PUT", f"/tasks/rated-{i}", json={"url": f"{receiver.url}/rated", "queue": "rated"})
    calls = sorted(r.at for r in receiver.wait_for("/rated", 15, timeout=30))
    rate = (len(calls) - 1) / (calls[-1] - calls[0])
    busiest_second = max(sum(1 for t in calls if start <= t < start + 1) for start in calls)
    assert rate <= 5 * 1.1, rate
    assert busiest_second <= 5 + 1, busiest_second


def test_callback_and_dead_letter_replay(hooky, receiver):
    hooky.call("PUT", "/tasks/doomed", json={"url": f"{receiver.url}/fail/1/e2e-dead", "retry": {"maxAttempts": 1},
                                             "onFailure": f"{receiver.url}/e2e-on-failure",
                                             "onSuccess": f"{receiver.url}/e2e-on-success"})
    [callback] = receiver.wait_for("/e2e-on-failure", 1)
    assert json.loads(callback.body)["outcome"] == "failure"
    dead = hooky.call("GET", "/deadletters")["list"]
    assert [d["name"] for d in dead] == ["doomed"] and dead[0]["lastAttempt"]["statusCode"] == 500
    hooky.call("POST", "/deadletters/replay")
    [callback] = receiver.wait_for("/e2e-on-success", 1)
    assert json.loads(callback.body)["outcome"] == "success"
    done = hooky.task("doomed")
    assert (done["status"], done["executions"], done["errors"]) == ("success", 2, 1)
    assert hooky.call("GET", "/deadletters")["total"] == 0


def test_no_retry_status_and_idempotent_create_through_gunicorn(hooky, receiver):
    hooky.call("PUT", "/tasks/gone", json={"url": f"{receiver.url}/status/410", "noRetryStatuses": [410]})
    done = hooky.wait_task("gone", lambda t: t["status"] == "error")
    assert (done["executions"], done["active"]) == (1, False)
    headers = {"Idempotency-Key": "e2e-key"}
    first = hooky.call("POST", "/tasks", json={"url": f"{receiver.url}/once"}, headers=headers)
    second = hooky.call("POST", "/tasks", json={"url": f"{receiver.url}/once"}, headers=headers)
    assert first["id"] == second["id"]
    hooky.wait_task(first["id"], lambda t: t["status"] == "success")
    assert len(receiver.on_path("/once")) == 1


def test_worker_process_refuses_private_targets_without_the_opt_in(tmp_path, receiver):
    server, uri = embedded.start(":memory:")
    env = {k: v for k, v in os.environ.items() if k != "HOOKY_ALLOW_PRIVATE_TARGETS"}
    metrics_port = embedded.free_port()
    worker = subprocess.Popen([str(BIN / "hooky-worker"), "--mongo-uri", uri, "--metrics-port", str(metrics_port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        db = connect(uri)
        ensure_indexes(db)
        account = ObjectId(accounts.create(db)["id"])
        task = tasks.create(db, account, "default", {"url": f"{receiver.url}/ssrf-e2e", "retry": {"maxAttempts": 1}})
        deadline = time.monotonic() + 20
        while db.tasks.find_one({"_id": task["_id"]})["status"] != "error":
            assert time.monotonic() < deadline, "the worker never recorded the refusal"
            time.sleep(0.1)
        attempt = db.attempts.find_one({"task": task["_id"]})
        assert "loopback address" in attempt["error"] and "HOOKY_ALLOW_PRIVATE_TARGETS" in attempt["error"]
        assert receiver.on_path("/ssrf-e2e") == []
        scraped = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        assert 'hooky_worker_calls_total{outcome="error"} 1.0' in scraped  # refused: no answer
        assert "hooky_worker_claim_duration_seconds_count" in scraped
    finally:
        worker.terminate()
        worker.wait(20)
        embedded.stop(server)
