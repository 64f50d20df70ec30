from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from bson import ObjectId

from hooky_common import tasks
from hooky_common.errors import Conflict


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_post_with_a_taken_name_is_409_and_keeps_the_original(account):
    account.create_task(url="http://example.com/1", name="job")
    response = account.post(f"{account.app}/tasks", json={"url": "http://example.com/2", "name": "job"})
    assert response.status_code == 409 and "name" in response.json["errors"]
    assert account.get(f"{account.app}/tasks/job").json["url"] == "http://example.com/1"


def test_put_creates_then_replaces_dropping_the_pending_attempt(account, db):
    first = account.put(f"{account.app}/tasks/job", json={"url": "http://example.com/1"}).json
    assert first["name"] == "job" and first["status"] == "pending"
    second = account.put(f"{account.app}/tasks/job", json={"url": "http://example.com/2", "method": "PUT"}).json
    assert second["id"] == first["id"]
    assert (second["url"], second["method"]) == ("http://example.com/2", "PUT")
    pending = list(db.attempts.find({"status": "pending"}))
    assert len(pending) == 1 and pending[0]["url"] == "http://example.com/2"


def test_scheduled_tasks_get_their_next_cron_time(account):
    now = datetime.now(timezone.utc)
    six = account.create_task(url="http://example.com", schedule="0 */5 * * * *")
    at = parse(six["at"])
    assert at > now and at.minute % 5 == 0 and at.second == 0 and at - now <= timedelta(minutes=5)
    five = account.create_task(url="http://example.com", schedule="30 4 * * *")
    at = parse(five["at"])
    assert (at.hour, at.minute) == (4, 30) and at - now <= timedelta(days=1)


def test_password_is_stored_but_never_returned(account, db):
    task = account.create_task(url="http://example.com", auth={"username": "u", "password": "hunter2"})
    assert task["auth"] == {"username": "u", "password": ""}
    for path in (f"{account.app}/tasks/{task['name']}", f"{account.app}/tasks",
                 f"{account.app}/tasks/{task['name']}/attempts"):
        assert "hunter2" not in account.get(path).get_data(as_text=True)
    assert db.tasks.find_one()["auth"]["password"] == "hunter2"


def test_list_filters_and_pagination(account):
    for i in range(3):
        account.create_task(url="http://example.com", name=f"once-{i}")
    account.create_task(url="http://example.com", name="cron", schedule="* * * * *")
    account.create_task(url="http://example.com", name="off", active=False)
    scheduled = account.get(f"{account.app}/tasks?filters=schedule:true").json
    assert [t["name"] for t in scheduled["list"]] == ["cron"]
    assert scheduled["filters"] == {"schedule": "true"}
    canceled = account.get(f"{account.app}/tasks?filters=status:canceled").json
    assert [t["name"] for t in canceled["list"]] == ["off"] and canceled["list"][0]["active"] is False
    page = account.get(f"{account.app}/tasks?filters=schedule:false,status:pending&limit=2&page=1").json
    assert (page["total"], page["count"], page["pages"], page["hasMore"], page["limit"]) == (3, 2, 2, True, 2)


def test_payload_object_is_sent_as_json_text(account):
    task = account.create_task(url="http://example.com", payload={"hello": "world"})
    assert task["payload"] == '{"hello":"world"}'


def test_delete_one_and_all(account, db):
    account.create_task(url="http://example.com", name="a")
    account.create_task(url="http://example.com", name="b")
    assert account.delete(f"{account.app}/tasks/a").json == {"deleted": 1}
    assert account.get(f"{account.app}/tasks/a").status_code == 404
    assert account.delete(f"{account.app}/tasks/a").status_code == 404
    assert account.delete(f"{account.app}/tasks").json == {"deleted": 1}
    assert db.attempts.count_documents({}) == 0


def test_run_now_brings_a_scheduled_attempt_forward(account, db):
    task = account.create_task(url="http://example.com", name="nightly", schedule="0 3 * * *")
    response = account.post(f"{account.app}/tasks/nightly/attempts")
    assert response.status_code == 200
    attempt = response.json
    assert parse(attempt["at"]) <= datetime.now(timezone.utc) < parse(task["at"])
    assert db.attempts.count_documents({"status": "pending"}) == 1


def test_run_now_restarts_a_finished_task(account, worker, receiver):
    account.create_task(url=f"{receiver.url}/run-now", name="once")
    assert worker.run_once()
    assert account.get(f"{account.app}/tasks/once").json["active"] is False
    assert account.post(f"{account.app}/tasks/once/attempts").status_code == 200
    assert account.get(f"{account.app}/tasks/once").json["active"] is True
    assert worker.run_once()
    done = account.get(f"{account.app}/tasks/once").json
    assert (done["executions"], done["status"], done["active"]) == (2, "success", False)
    assert len(receiver.on_path("/run-now")) == 2


def test_run_now_refuses_a_running_task(account, worker):
    account.create_task(url="http://example.com", name="busy")
    assert worker.claim_next() is not None
    response = account.post(f"{account.app}/tasks/busy/attempts")
    assert response.status_code == 409


def test_get_one_attempt(account):
    account.create_task(url="http://example.com", name="t")
    listed = account.get(f"{account.app}/tasks/t/attempts").json["list"][0]
    assert account.get(f"{account.app}/tasks/t/attempts/{listed['id']}").json == listed
    assert account.get(f"{account.app}/tasks/t/attempts/{'0' * 24}").status_code == 404
    assert account.get(f"{account.app}/tasks/t/attempts/garbage").status_code == 404


def test_delayed_task_by_at_runs_then(account, worker, receiver, db):
    task = account.create_task(url=f"{receiver.url}/later", name="later", at="2031-05-06T07:08:09+02:00")
    assert task["at"] == "2031-05-06T05:08:09Z" and task["status"] == "pending"
    assert not worker.run_once()
    assert db.attempts.find_one()["at"] == datetime(2031, 5, 6, 5, 8, 9, tzinfo=timezone.utc)


def test_delayed_task_by_delay_seconds(account, worker, receiver, monkeypatch):
    before = datetime.now(timezone.utc)
    task = account.create_task(url=f"{receiver.url}/delay", name="delayed", delay=90)
    assert timedelta(seconds=89) <= parse(task["at"]) - before <= timedelta(seconds=91)
    assert not worker.run_once()
    from hooky_common import clock
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(seconds=91))
    assert worker.run_once()
    assert len(receiver.on_path("/delay")) == 1


def test_far_future_is_fine(account):
    assert account.create_task(url="http://example.com", at="2999-12-31T23:59:59Z")["at"] == "2999-12-31T23:59:59Z"


def test_cron_times_follow_the_task_time_zone(account):
    task = account.create_task(url="http://example.com", schedule="0 9 * * *", timezone="Asia/Tokyo")
    assert task["timezone"] == "Asia/Tokyo"
    at = parse(task["at"])
    assert (at.hour, at.minute) == (0, 0)  # 09:00 in Tokyo is midnight UTC
    assert account.create_task(url="http://example.com")["timezone"] == "UTC"


def test_an_attempt_for_a_superseded_change_is_withdrawn(account, db):
    """As if two PUTs of one task interleaved: the slower one's attempt must not stay behind to run."""
    account.put(f"{account.app}/tasks/raced", json={"url": "http://example.com/first"})
    stale = db.tasks.find_one({"name": "raced"})
    db.tasks.update_one({"_id": stale["_id"]}, {"$set": {"attempt": ObjectId()}})  # the other request won
    stale["attempt"] = ObjectId()
    with pytest.raises(Conflict):
        tasks._insert_current_attempt(db, stale)
    assert db.attempts.count_documents({"_id": stale["attempt"]}) == 0
