"""The worker's claim, slot, retry and cron logic, on mongomock from one thread, calling a real receiver."""
from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta

import pytest

from hooky_common import attempts, clock
from hooky_worker.worker import LOST_WORKER_ERROR, Worker, WorkerSettings


@pytest.fixture
def shift_clock(monkeypatch):
    """Move Hooky's clock forward by some seconds (cumulative)."""
    offset = [0.0]
    real_now = clock.now

    def shifted() -> datetime:
        return real_now() + timedelta(seconds=offset[0])

    monkeypatch.setattr(clock, "now", shifted)

    def advance(seconds: float) -> None:
        offset[0] += seconds
    return advance


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def task_state(account, name: str) -> dict:
    return account.get(f"{account.app}/tasks/{name}").json


def attempt_list(account, name: str) -> list[dict]:
    return account.get(f"{account.app}/tasks/{name}/attempts?limit=100").json["list"]


def test_the_call_carries_method_headers_auth_and_payload(account, worker, receiver):
    account.create_task(url=f"{receiver.url}/shape?x=1", name="shape", method="PUT", payload='{"a": 1}',
                        headers={"X-Custom": "yes"}, auth={"username": "user", "password": "pw"})
    assert worker.run_once()
    [request] = receiver.on_path("/shape")
    assert request.method == "PUT" and request.path == "/shape?x=1"
    assert request.body == b'{"a": 1}'
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Hooky"
    assert headers["X-Custom"] == "yes"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()
    attempt = attempt_list(account, "shape")[0]
    assert headers["X-Hooky-Account"] == account.id
    assert headers["X-Hooky-Application"] == "default" and headers["X-Hooky-Queue"] == "default"
    assert headers["X-Hooky-Task-Name"] == "shape" and headers["X-Hooky-Attempt-ID"] == attempt["id"]
    assert attempt["response"] == "received PUT /shape" and attempt["durationMs"] >= 0


def test_text_payload_and_task_content_type(account, worker, receiver):
    account.create_task(url=f"{receiver.url}/text", payload="hello")
    account.create_task(url=f"{receiver.url}/xml", payload="<a/>", headers={"content-type": "application/xml"})
    assert worker.run_once() and worker.run_once()
    assert receiver.on_path("/text")[0].headers["Content-Type"] == "text/plain"
    assert receiver.on_path("/xml")[0].headers["Content-Type"] == "application/xml"


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_is_success(account, worker, receiver, status):
    account.create_task(url=f"{receiver.url}/status/{status}", name="t")
    assert worker.run_once()
    assert task_state(account, "t")["status"] == "success"


def test_failures_retry_with_backoff_then_succeed(account, worker, receiver, shift_clock):
    account.create_task(url=f"{receiver.url}/fail/2/unit", name="flaky", retry={"min": 10, "factor": 3})
    assert worker.run_once()
    state = task_state(account, "flaky")
    assert (state["status"], state["retry"]["attempts"], state["errors"]) == ("retrying", 1, 1)
    first = attempt_list(account, "flaky")
    delay = (parse(first[1]["at"]) - parse(first[0]["finished"])).total_seconds()
    assert 10 <= delay <= 12.1
    assert not worker.run_once()  # not due yet
    shift_clock(12.5)
    assert worker.run_once()
    second = attempt_list(account, "flaky")
    delay = (parse(second[2]["at"]) - parse(second[1]["finished"])).total_seconds()
    assert 30 <= delay <= 36.1
    shift_clock(36.5)
    assert worker.run_once()
    final = task_state(account, "flaky")
    assert (final["status"], final["active"], final["executions"], final["errors"], final["errorRate"]) == \
        ("success", False, 3, 2, 67)
    assert final["retry"]["attempts"] == 0
    assert [a["status"] for a in attempt_list(account, "flaky")] == ["error", "error", "success"]
    assert [a["retryNumber"] for a in attempt_list(account, "flaky")] == [0, 1, 2]


def test_a_one_shot_task_gives_up_after_max_attempts(account, worker, receiver, shift_clock):
    account.create_task(url=f"{receiver.url}/status/500", name="doomed", retry={"maxAttempts": 3, "min": 1})
    for _ in range(3):
        assert worker.run_once()
        shift_clock(5)
    assert not worker.run_once()
    state = task_state(account, "doomed")
    assert (state["status"], state["active"], state["executions"], state["errors"]) == ("error", False, 3, 3)
    assert len(attempt_list(account, "doomed")) == 3


def test_network_errors_are_recorded(account, worker):
    account.create_task(url="http://127.0.0.1:9/nothing-listens", name="down", timeout=2)
    assert worker.run_once()
    attempt = attempt_list(account, "down")[0]
    assert attempt["status"] == "error" and "ConnectionError" in attempt["error"]
    assert "statusCode" not in attempt


def test_retry_after_is_honoured(account, worker, receiver):
    receiver.extra_headers["/status/503"] = {"Retry-After": "42"}
    account.create_task(url=f"{receiver.url}/status/503", name="busy")
    assert worker.run_once()
    first, second = attempt_list(account, "busy")
    assert (parse(second["at"]) - parse(first["finished"])).total_seconds() == pytest.approx(42, abs=0.1)


def test_cron_task_reschedules_itself_and_skips_missed_ticks(account, worker, receiver, shift_clock):
    task = account.create_task(url=f"{receiver.url}/cron", name="hourly", schedule="0 * * * *")
    shift_clock((parse(task["at"]) - clock.now()).total_seconds() + 3 * 3600 + 5)  # three ticks missed
    assert worker.run_once()
    assert not worker.run_once()
    state = task_state(account, "hourly")
    assert (state["status"], state["active"], state["executions"]) == ("success", True, 1)
    next_at = parse(state["at"])
    assert next_at > clock.now() and next_at - clock.now() <= timedelta(hours=1) and next_at.minute == 0
    assert len(receiver.on_path("/cron")) == 1


def test_recurring_task_that_exhausts_retries_waits_for_next_tick(account, worker, receiver, shift_clock):
    task = account.create_task(url=f"{receiver.url}/status/500", name="cron-fail", schedule="0 0 * * *",
                               retry={"maxAttempts": 2, "min": 1})
    shift_clock((parse(task["at"]) - clock.now()).total_seconds() + 1)
    assert worker.run_once()
    shift_clock(3)
    assert worker.run_once()
    state = task_state(account, "cron-fail")
    assert (state["status"], state["active"], state["retry"]["attempts"]) == ("error", True, 0)
    assert parse(state["at"]) - clock.now() > timedelta(hours=23)


def test_lost_lease_is_recorded_and_retried(db, account, receiver, shift_clock):
    dead = Worker(db, WorkerSettings(lease_seconds=5, allow_private_targets=True))
    alive = Worker(db, WorkerSettings(lease_seconds=5, allow_private_targets=True))
    account.create_task(url=f"{receiver.url}/lost", name="orphan", retry={"min": 1})
    claimed = dead.claim_next()
    assert claimed is not None
    assert not alive.run_once()  # leased: nobody else takes it
    shift_clock(6)
    assert alive.run_once()  # the expired lease is taken over and recorded
    first = attempt_list(account, "orphan")[0]
    assert first["status"] == "error" and first["error"] == LOST_WORKER_ERROR
    assert receiver.on_path("/lost") == []
    from hooky_common.outcome import Outcome
    assert attempts.record(db, claimed, dead.owner, Outcome(success=True)) is False  # too late
    shift_clock(2)
    assert alive.run_once()
    state = task_state(account, "orphan")
    assert (state["status"], state["executions"], state["errors"]) == ("success", 2, 1)


def test_full_queue_is_skipped_and_other_queues_proceed(db, account, worker, receiver):
    account.put(f"{account.app}/queues/narrow", json={"maxInFlight": 1})
    account.create_task(url=f"{receiver.url}/n1", name="n1", queue="narrow")
    account.create_task(url=f"{receiver.url}/n2", name="n2", queue="narrow")
    account.create_task(url=f"{receiver.url}/wide", name="wide")
    other = Worker(db, WorkerSettings(allow_private_targets=True))
    holding = other.claim_next()
    slot = db.slots.find_one({"queue": holding["queueId"]})
    from hooky_common import queues
    assert queues.take_slot(db, holding["queueId"], holding["_id"], other.owner, clock.now() + timedelta(seconds=30))
    assert account.get(f"{account.app}/queues/narrow").json["inFlight"] == 1
    assert worker.run_once()  # claims n2, finds no slot, puts it back
    assert worker.run_once()  # skips the full queue: runs "wide"
    assert len(receiver.on_path("/wide")) == 1 and receiver.on_path("/n2") == []
    assert task_state(account, "n2")["status"] == "pending"
    assert db.attempts.find_one({"name": "n2"})["status"] == "pending"
    queues.release_slot(db, slot["_id"], holding["_id"], None)
    assert account.get(f"{account.app}/queues/narrow").json["inFlight"] == 0


def test_expired_slots_free_themselves(db, account, shift_clock):
    account.put(f"{account.app}/queues/q", json={"maxInFlight": 1})
    queue = db.queues.find_one({"name": "q"})
    from hooky_common import queues
    assert queues.take_slot(db, queue["_id"], "a1", "dead-worker", clock.now() + timedelta(seconds=5))
    assert queues.take_slot(db, queue["_id"], "a2", "me", clock.now() + timedelta(seconds=5)) is None
    shift_clock(6)
    assert account.get(f"{account.app}/queues/q").json["inFlight"] == 0
    assert queues.take_slot(db, queue["_id"], "a2", "me", clock.now() + timedelta(seconds=5))


def test_replaced_task_keeps_its_new_definition(db, account, worker, receiver):
    account.put(f"{account.app}/tasks/job", json={"url": f"{receiver.url}/old"})
    claimed = worker.claim_next()
    account.put(f"{account.app}/tasks/job", json={"url": f"{receiver.url}/new", "schedule": "0 0 1 1 *"})
    worker.process(claimed)
    state = task_state(account, "job")
    assert state["url"].endswith("/new") and state["schedule"] == "0 0 1 1 *" and state["status"] == "pending"
    assert state["executions"] == 1
    pending = db.attempts.find_one({"status": "pending"})
    assert pending["url"].endswith("/new") and pending["_id"] == db.tasks.find_one()["attempt"]
    assert not worker.run_once()


def test_deleted_task_does_not_come_back(db, account, worker, receiver):
    account.create_task(url=f"{receiver.url}/gone", name="gone")
    claimed = worker.claim_next()
    account.delete(f"{account.app}/tasks/gone")
    worker.process(claimed)
    assert db.tasks.count_documents({}) == 0 and db.attempts.count_documents({}) == 0
    assert db.slots.count_documents({"holder": {"$exists": True}}) == 0


def test_heartbeat_extends_leases(db, account, worker):
    account.create_task(url="http://example.com", name="long")
    claimed = worker.claim_next()
    before = db.attempts.find_one({"_id": claimed["_id"]})["claimableAt"]
    time.sleep(0.01)
    worker.heartbeat()
    assert db.attempts.find_one({"_id": claimed["_id"]})["claimableAt"] > before


def test_retention_deletes_old_finished_attempts_only(db, account, worker, receiver, shift_clock):
    account.create_task(url=f"{receiver.url}/old", name="old")
    assert worker.run_once()
    account.create_task(url=f"{receiver.url}/old", name="pending", schedule="0 0 1 1 *")
    shift_clock(worker.settings.retention_hours * 3600 + 60)
    worker.maintain()
    assert [a["name"] for a in db.attempts.find()] == ["pending"]


def test_repair_recreates_a_missing_attempt(db, account, worker, receiver, shift_clock):
    account.create_task(url=f"{receiver.url}/stranded", name="stranded")
    db.attempts.delete_many({})  # as if the API died between its two writes
    shift_clock(600)
    worker.maintain()
    assert worker.run_once()
    assert task_state(account, "stranded")["status"] == "success"
    assert len(receiver.on_path("/stranded")) == 1


def test_an_attempt_that_failed_mid_processing_is_not_kept_leased(db, account):
    def broken_call(*_args):
        raise RuntimeError("bug in the call path")

    worker = Worker(db, WorkerSettings(lease_seconds=5, allow_private_targets=True), call=broken_call)
    account.create_task(url="http://example.com", name="stuck")
    claimed = worker.claim_next()
    with pytest.raises(RuntimeError):
        worker.process(claimed)
    before = db.attempts.find_one({"_id": claimed["_id"]})
    time.sleep(0.01)
    worker.heartbeat()
    after = db.attempts.find_one({"_id": claimed["_id"]})
    assert after["claimableAt"] == before["claimableAt"]  # its lease runs out: another worker takes it over
    assert db.slots.count_documents({"owner": worker.owner}) == 0
