"""The original README's tutorial, request by request (the target URL points at a local receiver)."""
from __future__ import annotations

import re

from tests.conftest import basic

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_tutorial_end_to_end(client, worker, receiver):
    # $ http -a admin:admin POST :8000/accounts   (empty body)
    created = client.post("/accounts", headers=basic("admin", "s3cret-admin"))
    assert created.status_code == 200
    account = created.json
    assert set(account) >= {"created", "id", "key"}
    assert RFC3339.match(account["created"])
    auth = basic(account["id"], account["key"])
    tasks_path = f"/accounts/{account['id']}/applications/default/tasks"

    # $ http -a id:key POST .../applications/default/tasks url=...   (httpie sends JSON)
    target = f"{receiver.url}/tutorial"
    response = client.post(tasks_path, json={"url": target}, headers=auth)
    assert response.status_code == 200
    task = response.json
    assert task["account"] == account["id"]
    assert task["application"] == "default"
    assert task["queue"] == "default"
    assert task["name"] == task["id"]
    assert task["method"] == "POST"
    assert task["status"] == "pending"
    assert task["active"] is True
    assert task["auth"] == {"username": "", "password": ""}
    assert task["retry"] == {"attempts": 0, "factor": 2, "max": 300, "maxAttempts": 10, "min": 10}
    assert (task["executions"], task["errors"], task["errorRate"]) == (0, 0, 0)
    assert RFC3339.match(task["at"]) and RFC3339.match(task["created"])

    assert worker.run_once() is True
    assert len(receiver.on_path("/tutorial")) == 1

    # $ http -a id:key GET .../tasks/{id}
    done = client.get(f"{tasks_path}/{task['id']}", headers=auth).json
    assert done["status"] == "success"
    assert done["active"] is False
    assert done["executions"] == 1 and done["errors"] == 0
    assert RFC3339.match(done["executed"]) and done["lastSuccess"] == done["executed"]
    assert "at" not in done

    # $ http -a id:key GET .../tasks/{id}/attempts
    attempts = client.get(f"{tasks_path}/{task['id']}/attempts", headers=auth).json
    assert (attempts["count"], attempts["total"], attempts["page"], attempts["pages"]) == (1, 1, 1, 1)
    assert attempts["hasMore"] is False
    attempt = attempts["list"][0]
    assert attempt["status"] == "success"
    assert attempt["statusCode"] == 200
    assert attempt["statusMessage"] == "200 OK"
    assert attempt["taskID"] == task["id"] and attempt["name"] == task["name"]
    assert attempt["url"] == target and attempt["method"] == "POST"
