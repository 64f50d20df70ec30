"""Tenants are kept apart on every route, and every route but /status needs credentials."""
from __future__ import annotations

import pytest

from tests.conftest import basic

PUBLIC = {"/status", "/swagger.yml", "/metrics", "/healthz", "/readyz"}


def routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return found


def fill(rule: str, account_id: str, task: str, attempt: str) -> str:
    return (rule.replace("<account_id>", account_id).replace("<application>", "default")
            .replace("<queue>", "default").replace("<task>", task).replace("<attempt>", attempt))


@pytest.fixture
def victim(other_account):
    task = other_account.create_task(url="http://example.com/hook", name="victim-task")
    attempts = other_account.get(f"{other_account.app}/tasks/victim-task/attempts").json
    return other_account, task, attempts["list"][0]["id"]


def test_every_account_route_refuses_another_account(app, client, account, victim):
    owner, task, attempt_id = victim
    checked = 0
    for method, rule in routes(app):
        if "<account_id>" not in rule:
            continue
        path = fill(rule, owner.id, task["name"], attempt_id)
        response = account.request(method, path, json={"url": "http://example.com"})
        assert response.status_code == 403, (method, path, response.json)
        assert response.json["code"] == "forbidden"
        checked += 1
    assert checked >= 20
    # and nothing of the victim's changed
    assert owner.get(f"{owner.app}/tasks/victim-task").json["url"] == "http://example.com/hook"
    assert owner.get(owner.base).status_code == 200


def test_every_route_needs_credentials(app, client, victim):
    owner, task, attempt_id = victim
    for method, rule in routes(app):
        if rule in PUBLIC:
            continue
        path = fill(rule, owner.id, task["name"], attempt_id)
        for headers in ({}, basic(owner.id, "wrong-key"), basic("admin", "admin")):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["WWW-Authenticate"].startswith("Basic")
            assert response.json["code"] == "unauthorized"


def test_public_routes_answer_without_credentials(client):
    assert client.get("/status").json["status"] == "ok"
    assert client.get("/swagger.yml").status_code == 200


def test_admin_only_routes_refuse_accounts(account):
    assert account.post("/accounts").status_code == 403
    assert account.get("/accounts").status_code == 403


def test_admin_may_use_any_account(client, account):
    from tests.conftest import ADMIN
    response = client.get(f"{account.app}/tasks", headers=ADMIN)
    assert response.status_code == 200 and response.json["list"] == []


def test_authenticate_names_the_user(client, account):
    assert account.get("/authenticate").json == {"account": account.id}
    assert client.get("/authenticate", headers=basic("admin", "s3cret-admin")).json == {"account": "admin"}
