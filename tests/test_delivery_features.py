"""Signed webhooks, metadata headers, callbacks, no-retry statuses, dead letters, idempotency, redaction."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from hooky_common import clock, signing
from tests.conftest import ADMIN


def verify(secret: str, request) -> str:
    """Check the Standard Webhooks signature with the reference implementation; the body when valid."""
    Webhook(secret).verify(request.body, dict(request.headers), json_parse=False)
    return request.body.decode()


@pytest.fixture
def signed_account(client):
    created = client.post("/accounts", headers=ADMIN).json
    from tests.conftest import AccountClient
    return AccountClient(client, created), created["signingSecret"]


def test_calls_are_signed_with_the_application_secret(signed_account, worker, receiver):
    account, secret = signed_account
    assert secret.startswith("whsec_")
    assert "signingSecret" not in account.get(account.app).json  # shown once
    account.create_task(url=f"{receiver.url}/signed", payload='{"hello": "world"}')
    assert worker.run_once()
    [request] = receiver.on_path("/signed")
    assert verify(secret, request) == '{"hello": "world"}'
    with pytest.raises(WebhookVerificationError):
        verify(signing.new_secret(), request)


def test_retries_keep_the_webhook_id_and_count_in_headers(signed_account, worker, receiver, monkeypatch):
    account, secret = signed_account
    account.create_task(url=f"{receiver.url}/fail/1/meta", name="meta", retry={"min": 1})
    assert worker.run_once()
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(seconds=2))
    assert worker.run_once()
    first, second = receiver.on_path("/fail/1/meta")
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert (first.headers["X-Hooky-Retry-Count"], second.headers["X-Hooky-Retry-Count"]) == ("0", "1")
    assert (first.headers["X-Hooky-Execution-Count"], second.headers["X-Hooky-Execution-Count"]) == ("1", "2")
    assert datetime.fromisoformat(second.headers["X-Hooky-Scheduled-At"].replace("Z", "+00:00")) > \
        datetime.fromisoformat(first.headers["X-Hooky-Scheduled-At"].replace("Z", "+00:00"))
    verify(secret, second)


def test_cron_calls_carry_their_schedule(account, worker, receiver):
    account.create_task(url=f"{receiver.url}/cron-meta", name="c", schedule="* * * * * *", timezone="Europe/Paris")
    account.post(f"{account.app}/tasks/c/attempts")
    assert worker.run_once()
    [request] = receiver.on_path("/cron-meta")
    assert request.headers["X-Hooky-Schedule"] == "* * * * * *"
    assert request.headers["X-Hooky-Timezone"] == "Europe/Paris"


def test_rotation_sends_both_signatures_during_the_grace_period(signed_account, worker, receiver, db):
    account, old_secret = signed_account
    rotated = account.post(f"{account.app}/rotate-secret", json={"graceSeconds": 3600})
    assert rotated.status_code == 200
    new_secret = rotated.json["signingSecret"]
    assert new_secret != old_secret
    worker.signing_cache.ttl_seconds = 0
    account.create_task(url=f"{receiver.url}/rotating")
    assert worker.run_once()
    [request] = receiver.on_path("/rotating")
    assert len(request.headers["webhook-signature"].split()) == 2
    verify(old_secret, request)
    verify(new_secret, request)
    db.applications.update_one({"name": "default"}, {"$set": {"signing.1.expires": clock.now()}})
    account.create_task(url=f"{receiver.url}/after-grace")
    assert worker.run_once()
    [after] = receiver.on_path("/after-grace")
    verify(new_secret, after)
    with pytest.raises(WebhookVerificationError):
        verify(old_secret, after)


def test_new_application_shows_its_secret_once(account):
    created = account.put(f"{account.base}/applications/billing").json
    assert created["signingSecret"].startswith("whsec_")
    assert "signingSecret" not in account.put(f"{account.base}/applications/billing").json


def test_no_retry_statuses_stop_at_once(account, worker, receiver):
    account.create_task(url=f"{receiver.url}/status/410", name="gone", noRetryStatuses=[404, 410])
    assert worker.run_once()
    state = account.get(f"{account.app}/tasks/gone").json
    assert (state["status"], state["active"], state["executions"]) == ("error", False, 1)
    account.put(f"{account.app}/queues/strict", json={"noRetryStatuses": [400]})
    account.create_task(url=f"{receiver.url}/status/400", name="bad", queue="strict")
    account.create_task(url=f"{receiver.url}/status/500", name="flaky", queue="strict")
    assert worker.run_once() and worker.run_once()
    assert account.get(f"{account.app}/tasks/bad").json["status"] == "error"
    assert account.get(f"{account.app}/tasks/flaky").json["status"] == "retrying"


def test_callbacks_post_the_final_outcome_signed(signed_account, worker, receiver, monkeypatch):
    account, secret = signed_account
    account.create_task(url=f"{receiver.url}/status/200", name="ok", onSuccess=f"{receiver.url}/on-success",
                        onFailure=f"{receiver.url}/on-failure")
    account.create_task(url=f"{receiver.url}/status/500", name="ko", retry={"maxAttempts": 2, "min": 1},
                        onFailure=f"{receiver.url}/on-failure")
    assert worker.run_once() and worker.run_once()
    assert receiver.on_path("/on-failure") == []  # ko still has a try left
    assert worker.run_once()  # the success callback
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(seconds=2))
    assert worker.run_once() and worker.run_once()  # ko's last try, then its failure callback
    [success] = receiver.on_path("/on-success")
    body = json.loads(verify(secret, success))
    assert body["outcome"] == "success" and body["task"]["name"] == "ok" and body["attempt"]["statusCode"] == 200
    [failure] = receiver.on_path("/on-failure")
    body = json.loads(verify(secret, failure))
    assert (body["outcome"], body["task"]["name"], body["attempt"]["retryNumber"]) == ("failure", "ko", 1)
    assert [a["kind"] for a in account.get(f"{account.app}/tasks/ok/attempts").json["list"]] == ["webhook"]
    callbacks = account.get(f"{account.app}/tasks/ok/attempts?filters=kind:callback").json["list"]
    assert [(c["kind"], c["status"]) for c in callbacks] == [("callback", "success")]
    assert account.get(f"{account.app}/tasks/ok").json["executions"] == 1


def test_failed_callbacks_retry_on_their_own_budget(account, worker, receiver, monkeypatch):
    account.create_task(url=f"{receiver.url}/status/200", name="cb", onSuccess=f"{receiver.url}/status/503")
    real_now = clock.now
    for step in range(5):
        monkeypatch.setattr(clock, "now", lambda step=step: real_now() + timedelta(seconds=step * 60))
        worker.run_once()
    callbacks = account.get(f"{account.app}/tasks/cb/attempts?filters=kind:callback").json["list"]
    assert [c["status"] for c in callbacks] == ["error", "error", "error"]
    assert account.get(f"{account.app}/tasks/cb").json["status"] == "success"


def test_dead_letters_list_and_replay(account, worker, receiver):
    for name in ("dl-1", "dl-2"):
        account.create_task(url=f"{receiver.url}/status/500", name=name, retry={"maxAttempts": 1})
    account.create_task(url=f"{receiver.url}/status/200", name="fine")
    for _ in range(3):
        assert worker.run_once()
    page = account.get(f"{account.app}/deadletters?limit=1").json
    assert (page["total"], page["count"], page["hasMore"]) == (2, 1, True)
    dead = page["list"][0]
    assert dead["name"] == "dl-1" and dead["lastAttempt"]["statusCode"] == 500
    assert dead["lastAttempt"]["status"] == "error"
    assert account.post(f"{account.app}/deadletters/fine/replay").status_code == 409
    replayed = account.post(f"{account.app}/deadletters/dl-1/replay")
    assert replayed.status_code == 200 and replayed.json["status"] == "pending"
    assert account.get(f"{account.app}/tasks/dl-1").json["retry"]["attempts"] == 0
    assert account.post(f"{account.app}/deadletters/replay").json == {"replayed": 1}
    assert account.get(f"{account.app}/deadletters").json["total"] == 0
    assert worker.run_once() and worker.run_once()
    assert len(receiver.on_path("/status/500")) >= 4


def test_idempotency_key_returns_the_same_task(account, db):
    first = account.post(f"{account.app}/tasks", json={"url": "http://example.com/x"},
                         headers={"Idempotency-Key": "order-42"})
    again = account.post(f"{account.app}/tasks", json={"url": "http://example.com/x"},
                         headers={"Idempotency-Key": "order-42"})
    assert first.status_code == again.status_code == 200 and first.json["id"] == again.json["id"]
    assert db.tasks.count_documents({}) == 1 and db.attempts.count_documents({}) == 1
    different = account.post(f"{account.app}/tasks", json={"url": "http://example.com/y"},
                             headers={"Idempotency-Key": "order-42"})
    assert different.status_code == 409 and "Idempotency-Key" in different.json["errors"]
    other_key = account.post(f"{account.app}/tasks", json={"url": "http://example.com/x"},
                             headers={"Idempotency-Key": "order-43"})
    assert other_key.json["id"] != first.json["id"]
    db.idempotency.update_many({}, {"$set": {"expires": datetime.now(timezone.utc) - timedelta(seconds=1)}})
    expired = account.post(f"{account.app}/tasks", json={"url": "http://example.com/x"},
                           headers={"Idempotency-Key": "order-42"})
    assert expired.json["id"] not in (first.json["id"], other_key.json["id"])
    bad = account.post(f"{account.app}/tasks", json={"url": "http://example.com/x"},
                       headers={"Idempotency-Key": "x" * 300})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json["errors"]


def test_secret_headers_and_passwords_are_never_returned_or_logged(account, worker, receiver, caplog):
    task = account.create_task(url=f"{receiver.url}/secret?token=abc123", name="s",
                               headers={"Authorization": "Bearer tok-1", "X-Signature": "sig-2", "X-Plain": "ok"},
                               secretHeaders=["X-Signature"], auth={"username": "u", "password": "pw-3"})
    assert task["headers"] == {"Authorization": "[redacted]", "X-Signature": "[redacted]", "X-Plain": "ok"}
    with caplog.at_level(logging.INFO):
        assert worker.run_once()
    [request] = receiver.on_path("/secret")
    assert request.headers["Authorization"] != "Bearer tok-1"  # basic auth wins over the header
    assert request.headers["X-Signature"] == "sig-2"
    texts = [account.get(path).get_data(as_text=True) for path in
             (f"{account.app}/tasks/s", f"{account.app}/tasks/s/attempts", f"{account.app}/tasks")]
    for secret in ("tok-1", "sig-2", "pw-3"):
        assert all(secret not in text for text in texts)
        assert secret not in caplog.text
    assert "abc123" not in caplog.text and "/secret" in caplog.text
