"""Health, readiness, metrics, worker heartbeats, 503 while the database is down, and log formats."""
from __future__ import annotations

import json
import logging
import time

from hooky_api.app import create_app
from hooky_common import logs
from hooky_common.config import Config
from hooky_common.embedded import free_port


def test_health_and_readiness(client, db):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}
    db.attempts.drop_index("claimable")
    response = client.get("/readyz")
    assert response.status_code == 503 and "attempts.claimable" in response.json["message"]


def test_api_metrics_use_route_templates(client, account):
    account.get(f"{account.app}/tasks")
    account.get(f"{account.app}/tasks/missing")
    text = client.get("/metrics").get_data(as_text=True)
    route = "/accounts/<account_id>/applications/<application>/tasks/<task>"
    assert f'hooky_api_requests_total{{method="GET",route="{route}",status="404"}}' in text
    assert "hooky_api_request_duration_seconds_bucket" in text
    assert account.id not in text  # no ids or names as label values


def test_status_counts_calls_and_live_workers(client, account, worker, receiver):
    assert client.get("/status").json == {"status": "ok", "attemptsSuccess": 0, "attemptsError": 0, "workers": 0}
    account.create_task(url=f"{receiver.url}/status/200")
    account.create_task(url=f"{receiver.url}/status/503", retry={"maxAttempts": 1})
    assert worker.run_once() and worker.run_once()
    worker.heartbeat()
    assert client.get("/status").json == {"status": "ok", "attemptsSuccess": 1, "attemptsError": 1, "workers": 1}


def test_worker_metrics_count_calls_by_outcome(account, worker, receiver):
    from prometheus_client import REGISTRY

    def calls(outcome: str) -> float:
        return REGISTRY.get_sample_value("hooky_worker_calls_total", {"outcome": outcome}) or 0

    before = {outcome: calls(outcome) for outcome in ("success", "failure", "error")}
    account.create_task(url=f"{receiver.url}/status/200")
    account.create_task(url=f"{receiver.url}/status/500")
    account.create_task(url="http://127.0.0.1:9/closed", timeout=1)
    for _ in range(3):
        assert worker.run_once()
    assert {outcome: calls(outcome) - before[outcome] for outcome in before} == \
        {"success": 1, "failure": 1, "error": 1}
    assert REGISTRY.get_sample_value("hooky_worker_dispatch_lag_seconds_count") >= 3
    worker.maintain()
    account.create_task(url=f"{receiver.url}/later", delay=0)
    worker.maintain()
    depth = REGISTRY.get_sample_value("hooky_queue_due_attempts",
                                      {"account": account.id, "application": "default", "queue": "default"})
    assert depth == 1


def test_api_answers_503_quickly_while_the_database_is_down():
    uri = f"mongodb://127.0.0.1:{free_port()}/hooky?serverSelectionTimeoutMS=500"
    client = create_app(Config(mongo_uri=uri, admin_password="pw")).test_client()
    started = time.monotonic()
    response = client.get("/status")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json["code"] == "database_unavailable" and response.headers["Retry-After"] == "5"
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503


def test_json_log_lines_carry_the_extra_fields():
    record = logging.LogRecord("hooky.worker", logging.INFO, __file__, 1, "attempt %s done", ("a1",), None)
    record.task, record.durationMs = "t1", 12
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "attempt a1 done" and line["task"] == "t1" and line["durationMs"] == 12
    assert line["level"] == "info" and line["logger"] == "hooky.worker" and line["time"].endswith("Z")
