from __future__ import annotations


def test_put_application_creates_it_with_a_default_queue(account):
    created = account.put(f"{account.base}/applications/billing")
    assert created.status_code == 200 and created.json["name"] == "billing"
    again = account.put(f"{account.base}/applications/billing").json
    assert again["id"] == created.json["id"]
    assert account.get(f"{account.base}/applications/billing/queues/default").status_code == 200


def test_default_application_and_queue_cannot_be_deleted(account):
    assert account.delete(f"{account.base}/applications/default").status_code == 403
    assert account.delete(f"{account.app}/queues/default").status_code == 403
    assert account.get(f"{account.app}/queues/default").status_code == 200


def test_deleting_applications_keeps_default(account, db):
    for name in ("a1", "a2"):
        account.put(f"{account.base}/applications/{name}")
        account.post(f"{account.base}/applications/{name}/tasks", json={"url": "http://example.com"})
    assert account.delete(f"{account.base}/applications").json == {"deleted": 2}
    assert [a["name"] for a in account.get(f"{account.base}/applications").json["list"]] == ["default"]
    assert db.tasks.count_documents({}) == 0 and db.attempts.count_documents({}) == 0


def test_unknown_application_is_404_on_nested_routes(account):
    for path in ("queues", "tasks"):
        response = account.get(f"{account.base}/applications/ghost/{path}")
        assert response.status_code == 404 and "ghost" in response.json["message"]
    assert account.post(f"{account.base}/applications/ghost/tasks", json={"url": "http://x.io"}).status_code == 404


def test_queue_put_creates_then_replaces_settings(account, db):
    created = account.put(f"{account.app}/queues/slow", json={"maxInFlight": 2, "retry": {"maxAttempts": 3}}).json
    assert created["maxInFlight"] == 2 and created["inFlight"] == 0
    assert created["retry"] == {"maxAttempts": 3, "factor": 2, "min": 10, "max": 300}
    assert db.slots.count_documents({"queue": db.queues.find_one({"name": "slow"})["_id"]}) == 2
    replaced = account.put(f"{account.app}/queues/slow", json={"maxInFlight": 5}).json
    assert replaced["id"] == created["id"] and replaced["retry"]["maxAttempts"] == 10
    assert db.slots.count_documents({"queue": db.queues.find_one({"name": "slow"})["_id"]}) == 5


def test_task_retry_comes_from_task_then_queue_then_defaults(account):
    account.put(f"{account.app}/queues/q", json={"retry": {"maxAttempts": 3, "min": 1}})
    task = account.create_task(url="http://example.com", queue="q", retry={"min": 5})
    assert task["retry"] == {"attempts": 0, "maxAttempts": 3, "min": 5, "factor": 2, "max": 300}


def test_deleting_a_queue_deletes_its_tasks(account, db):
    account.put(f"{account.app}/queues/q")
    account.create_task(url="http://example.com", queue="q", name="on-q")
    account.create_task(url="http://example.com", name="on-default")
    assert account.delete(f"{account.app}/queues/q").json == {"deleted": 1}
    names = [t["name"] for t in account.get(f"{account.app}/tasks").json["list"]]
    assert names == ["on-default"]
    assert db.attempts.count_documents({}) == 1


def test_empty_lists_are_200(account):
    response = account.get(f"{account.app}/tasks")
    assert response.status_code == 200
    assert response.json["list"] == [] and response.json["total"] == 0 and response.json["pages"] == 1
