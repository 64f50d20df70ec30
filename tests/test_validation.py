"""Bad input gets a 4xx JSON error naming the field, and stores nothing."""
from __future__ import annotations

import pytest

from tests.conftest import ADMIN

OK = {"url": "http://example.com/hook"}

BAD_TASKS = [
    ({}, "url"),
    ({"url": "ftp://example.com/x"}, "url"),
    ({"url": "/relative/path"}, "url"),
    ({"url": "http://example.com/" + "a" * 2100}, "url"),
    ({"url": 42}, "url"),
    ({**OK, "method": "FETCH"}, "method"),
    ({**OK, "method": 1}, "method"),
    ({**OK, "schedule": "not a cron"}, "schedule"),
    ({**OK, "schedule": "61 * * * *"}, "schedule"),
    ({**OK, "schedule": "* * * * * * *"}, "schedule"),
    ({**OK, "retry": {"maxAttempts": -1}}, "retry.maxAttempts"),
    ({**OK, "retry": {"maxAttempts": 1000000}}, "retry.maxAttempts"),
    ({**OK, "retry": {"min": -5}}, "retry.min"),
    ({**OK, "retry": {"factor": "fast"}}, "retry.factor"),
    ({**OK, "retry": {"min": 50, "max": 10}}, "retry.max"),
    ({**OK, "retry": {"bogus": 1}}, "retry.bogus"),
    ({**OK, "retry": "often"}, "retry"),
    ({**OK, "headers": ["X-A: b"]}, "headers"),
    ({**OK, "headers": {"X-A": 5}}, "headers"),
    ({**OK, "headers": {"Bad Name": "v"}}, "headers"),
    ({**OK, "headers": {"X-Inject": "a\r\nEvil: yes"}}, "headers"),
    ({**OK, "headers": {"Host": "evil.example"}}, "headers"),
    ({**OK, "headers": {f"X-H{i}": "v" for i in range(51)}}, "headers"),
    ({**OK, "payload": "x" * (256 * 1024 + 1)}, "payload"),
    ({**OK, "payload": 12}, "payload"),
    ({**OK, "auth": {"username": "u", "pass": "p"}}, "auth.pass"),
    ({**OK, "timeout": 0}, "timeout"),
    ({**OK, "timeout": 100000}, "timeout"),
    ({**OK, "active": "maybe"}, "active"),
    ({**OK, "name": "has space"}, "name"),
    ({**OK, "name": "x" * 200}, "name"),
    ({**OK, "unknownField": True}, "unknownField"),
    ({**OK, "queue": "no-such-queue"}, "queue"),
    ({**OK, "timezone": "Mars/Olympus"}, "timezone"),
    ({**OK, "at": "tomorrow"}, "at"),
    ({**OK, "at": "2030-01-01T09:00:00"}, "at"),
    ({**OK, "delay": -1}, "delay"),
    ({**OK, "delay": "soon"}, "delay"),
    ({**OK, "at": "2030-01-01T09:00:00Z", "delay": 5}, "delay"),
    ({**OK, "at": "2030-01-01T09:00:00Z", "schedule": "* * * * *"}, "at"),
    ({**OK, "delay": 5, "schedule": "* * * * *"}, "schedule"),
]


@pytest.mark.parametrize("body,field", BAD_TASKS, ids=[f for _, f in BAD_TASKS])
def test_bad_task_is_rejected_naming_the_field(account, db, body, field):
    response = account.post(f"{account.app}/tasks", json=body)
    assert response.status_code == 400, response.json
    named = [key for key in response.json["errors"] if key == field or key.startswith(field + ".")]
    assert named, response.json
    assert field in response.json["message"]
    assert db.tasks.count_documents({}) == 0
    assert db.attempts.count_documents({}) == 0


@pytest.mark.parametrize("raw,content_type", [
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b"\xff\xfe", "application/json"),
    (b'"just a string"', "text/plain"),
])
def test_malformed_bodies_are_400(account, db, raw, content_type):
    response = account.post(f"{account.app}/tasks", data=raw, content_type=content_type)
    assert response.status_code == 400
    assert "_body" in response.json["errors"]
    assert db.tasks.count_documents({}) == 0


def test_oversized_request_is_413_json(account, db):
    response = account.post(f"{account.app}/tasks", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                            content_type="application/json")
    assert response.status_code == 413
    assert response.json["code"] == "request_entity_too_large"
    assert db.tasks.count_documents({}) == 0


def test_failed_replace_keeps_the_stored_task(account, db):
    account.put(f"{account.app}/tasks/keep", json={"url": "http://example.com/original"})
    response = account.put(f"{account.app}/tasks/keep", json={"url": "nope"})
    assert response.status_code == 400
    assert account.get(f"{account.app}/tasks/keep").json["url"] == "http://example.com/original"
    assert db.attempts.count_documents({"status": "pending"}) == 1


@pytest.mark.parametrize("query,field", [
    ("page=0", "page"), ("page=abc", "page"), ("limit=101", "limit"), ("limit=0", "limit"),
    ("filters=status:bogus", "filters"), ("filters=color:red", "filters"), ("filters=status", "filters"),
    ("sort=name", "sort"),
])
def test_bad_list_queries_are_400(account, query, field):
    response = account.get(f"{account.app}/tasks?{query}")
    assert response.status_code == 400
    assert field in response.json["errors"]


@pytest.mark.parametrize("body,field", [
    ({"maxInFlight": 0}, "maxInFlight"),
    ({"maxInFlight": "ten"}, "maxInFlight"),
    ({"maxInFlight": 5000}, "maxInFlight"),
    ({"retry": {"max": -1}}, "retry.max"),
    ({"inFlight": 3}, "inFlight"),
])
def test_bad_queue_settings_are_400(account, db, body, field):
    before = db.queues.count_documents({})
    response = account.put(f"{account.app}/queues/q1", json=body)
    assert response.status_code == 400
    assert field in response.json["errors"]
    assert db.queues.count_documents({}) == before


@pytest.mark.parametrize("path", ["/accounts/not-an-id", "/accounts/" + "0" * 24, "/accounts/zzzzzzzzzzzzzzzzzzzzzzzz"])
def test_unknown_or_invalid_account_ids_are_404_for_admin(client, path):
    response = client.get(path, headers=ADMIN)
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_invalid_account_id_as_username_is_401(client):
    from tests.conftest import basic
    assert client.get("/authenticate", headers=basic("not-an-id", "key")).status_code == 401


def test_bad_names_in_paths_are_400(account):
    assert account.put(f"{account.base}/applications/bad%20name").status_code == 400
    assert account.put(f"{account.app}/queues/-dash").status_code == 400
    response = account.put(f"{account.app}/tasks/{'x' * 200}", json=OK)
    assert response.status_code == 400 and "task" in response.json["errors"]


def test_unknown_routes_and_methods_are_json(client, account):
    assert client.get("/nope").json["code"] == "not_found"
    response = account.request("PATCH", f"{account.app}/tasks")
    assert response.status_code == 405 and response.json["code"] == "method_not_allowed"


def test_account_patch_rejects_unknown_and_wrong_types(account):
    assert "rotateKey" in account.request("PATCH", account.base, json={"rotateKey": "yes please"}).json["errors"]
    assert "key" in account.request("PATCH", account.base, json={"key": "mine"}).json["errors"]
