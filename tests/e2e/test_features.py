"""End to end: signatures, rate limits across workers, callbacks and dead letters with real processes."""
from __future__ import annotations

import json

import pytest
import requests
from standardwebhooks import Webhook

from tests.e2e.cluster import ADMIN_PASSWORD

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
