"""The SSRF guard: non-public targets are refused by the API (literal addresses) and by the worker
(on the address each connection actually reached, redirects included)."""
from __future__ import annotations

import pytest
import requests

from hooky_common.targets import blocked_reason, literal_address_problem
from hooky_worker.guard import guarded_session
from hooky_worker.worker import Worker, WorkerSettings
from tests.receiver import start_receiver


@pytest.mark.parametrize("address,blocked", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
    ("::1", True), ("fe80::1", True), ("fd00:ec2::254", True), ("::ffff:127.0.0.1", True), ("::ffff:10.0.0.1", True),
    ("8.8.8.8", False), ("1.1.1.1", False), ("2606:4700:4700::1111", False),
])
def test_blocked_addresses(address, blocked):
    assert (blocked_reason(address) is not None) is blocked


@pytest.mark.parametrize("url,refused", [
    ("http://127.0.0.1:8080/x", True), ("http://[::1]/x", True), ("http://169.254.169.254/latest/meta-data", True),
    ("http://localhost:9000/", True), ("http://api.localhost/", True), ("https://10.0.0.5/", True),
    ("https://example.com/hook", False), ("http://93.184.216.34/", False),
])
def test_literal_addresses(url, refused):
    assert (literal_address_problem(url) is not None) is refused


def test_api_refuses_literal_private_targets_by_default(account, db, monkeypatch):
    monkeypatch.delenv("HOOKY_ALLOW_PRIVATE_TARGETS")
    for field in ("url", "onSuccess", "onFailure"):
        body = {"url": "https://example.com/hook", field: "http://169.254.169.254/latest"}
        response = account.post(f"{account.app}/tasks", json=body)
        assert response.status_code == 400 and field in response.json["errors"], response.json
        assert "non-public" in response.json["errors"][field][0]
    assert db.tasks.count_documents({}) == 0
    assert account.post(f"{account.app}/tasks", json={"url": "https://example.com/hook"}).status_code == 200


def test_worker_refuses_loopback_targets_by_default(db, account, receiver):
    worker = Worker(db, WorkerSettings())
    account.create_task(url=f"{receiver.url}/internal", name="ssrf", retry={"maxAttempts": 1})
    assert worker.run_once()
    attempt = account.get(f"{account.app}/tasks/ssrf/attempts").json["list"][0]
    assert attempt["status"] == "error"
    assert "refused to call 127.0.0.1: 127.0.0.1 is a loopback address" in attempt["error"]
    assert receiver.on_path("/internal") == []


@pytest.fixture(scope="module")
def inner():
    """A second receiver on another loopback address, standing for an internal host."""
    inner = start_receiver("127.0.0.2")
    yield inner
    inner.server.shutdown()


def only_blocks(address: str):
    return lambda peer: f"{peer} is internal" if peer == address else None


def test_a_redirect_to_a_blocked_address_is_refused(receiver, inner):
    target = f"{inner.url}/inner-target"
    permissive = guarded_session(only_blocks("192.0.2.1"))
    assert permissive.get(f"{receiver.url}/redirect", params={"to": target}, timeout=5).status_code == 200
    assert len(inner.on_path("/inner-target")) == 1  # control: the redirect reaches the inner host

    guarded = guarded_session(only_blocks("127.0.0.2"))
    with pytest.raises(requests.ConnectionError, match="refused to call 127.0.0.2: 127.0.0.2 is internal"):
        guarded.get(f"{receiver.url}/redirect", params={"to": target}, timeout=5)
    assert len(inner.on_path("/inner-target")) == 1  # nothing more reached it
    assert len(receiver.on_path("/redirect")) == 2
