"""The `hooky` client and crontab commands against a real HTTP server (Flask on mongomock, one thread)."""
from __future__ import annotations

import json
import threading

import pytest
import yaml
from click.testing import CliRunner
from werkzeug.serving import make_server

from hooky_common.cli import main


@pytest.fixture
def api_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def hooky(api_url, account):
    env = {"HOOKY_URL": api_url, "HOOKY_ACCOUNT": account.id, "HOOKY_KEY": account.key}
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        assert (result.exit_code == 0) is ok, result.output
        return result
    return run


def test_accounts_create_prints_the_key_once(api_url):
    result = CliRunner().invoke(main, ["accounts", "create", "--url", api_url, "--admin-password", "s3cret-admin",
                                       "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) >= {"id", "key"}


def test_tasks_lifecycle_as_tables(hooky, account):
    created = hooky("tasks", "create", "http://example.com/hook", "--name", "nightly", "--schedule", "0 3 * * *",
                    "--header", "X-Team: ops", "--max-attempts", "3")
    lines = created.output.splitlines()
    assert lines[0].split()[:3] == ["NAME", "QUEUE", "METHOD"] and lines[1].startswith("nightly ")
    listed = hooky("tasks", "list", "--scheduled").output
    assert "nightly" in listed and "http://example.com/hook" in listed
    shown = json.loads(hooky("tasks", "get", "nightly", "--json").output)
    assert shown["headers"] == {"X-Team": "ops"} and shown["retry"]["maxAttempts"] == 3
    assert "pending" in hooky("tasks", "run", "nightly").output
    assert json.loads(hooky("attempts", "list", "nightly", "--json").output)[0]["status"] == "pending"
    assert "no" in hooky("tasks", "pause", "nightly").output.splitlines()[1]
    assert hooky("tasks", "delete", "nightly").output.strip() == "deleted nightly"
    assert json.loads(hooky("tasks", "list", "--json").output) == []


def test_api_errors_are_one_line_and_exit_non_zero(hooky):
    result = hooky("tasks", "get", "missing", ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == "Error: 404 not_found: task missing not found"
    bad = hooky("tasks", "create", "ftp://nope", ok=False)
    assert bad.output.count("\n") == 1 and "url" in bad.output


def test_unreachable_api_is_one_line(account):
    result = CliRunner().invoke(main, ["tasks", "list", "--url", "http://127.0.0.1:9", "--account", account.id,
                                       "--key", account.key])
    assert result.exit_code == 1 and result.output.startswith("Error: cannot reach http://127.0.0.1:9")


def test_queues_commands(hooky):
    assert "partners" in hooky("queues", "put", "partners", "--max-in-flight", "2", "--max-attempts", "4").output
    queue = json.loads(hooky("queues", "get", "partners", "--json").output)
    assert (queue["maxInFlight"], queue["retry"]["maxAttempts"]) == (2, 4)
    assert json.loads(hooky("queues", "pause", "partners", "--json").output)["paused"] is True
    assert json.loads(hooky("queues", "resume", "partners", "--json").output)["paused"] is False
    hooky("tasks", "create", "http://example.com", "--queue", "partners")
    assert hooky("queues", "purge", "partners").output.strip() == "purged 1 waiting tasks from partners"
    assert [q["name"] for q in json.loads(hooky("queues", "list", "--json").output)] == ["default", "partners"]
    assert hooky("queues", "delete", "partners").output.strip() == "deleted partners"


CRONTAB = """
account: {id: ACCOUNT, key: KEY}
tasks:
  - name: nightly_report
    schedule: "0 5 0 * * *"
    url: https://example.com/report
    method: DELETE
    retry: {max: 100, max_attempts: 10}
    auth: {username: admin, password: secret}
  - name: hourly
    schedule: "0 * * * *"
    url: https://example.com/hourly
    timezone: Europe/Paris
    headers: {X_Custom_Header: kept as written}
"""


def write_crontab(tmp_path, account, text: str = CRONTAB):
    path = tmp_path / "crontab.yaml"
    path.write_text(text.replace("ACCOUNT", account.id).replace("KEY", account.key))
    return str(path)


def test_crontab_sync_creates_replaces_and_deletes(tmp_path, api_url, account, db):
    runner = CliRunner()
    account.create_task(url="http://example.com/old", name="stale", schedule="* * * * *")
    account.create_task(url="http://example.com/one-shot", name="api-task")
    path = write_crontab(tmp_path, account)
    sync = ["crontab", "sync", "--url", api_url, path]

    plan = runner.invoke(main, [*sync[:2], "--dry-run", *sync[2:]])
    assert plan.exit_code == 0, plan.output
    assert plan.output.splitlines() == ["would create   nightly_report", "would create   hourly",
                                        "would delete   stale"]
    assert account.get(f"{account.app}/tasks/stale").status_code == 200

    result = runner.invoke(main, sync)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 created, 0 replaced, 1 deleted"
    names = sorted(t["name"] for t in account.get(f"{account.app}/tasks").json["list"])
    assert names == ["api-task", "hourly", "nightly_report"]  # one-shot API tasks are left alone
    report = account.get(f"{account.app}/tasks/nightly_report").json
    assert (report["method"], report["retry"]["max"], report["retry"]["maxAttempts"]) == ("DELETE", 100, 10)
    assert db.tasks.find_one({"name": "nightly_report"})["auth"] == {"username": "admin", "password": "secret"}
    hourly = account.get(f"{account.app}/tasks/hourly").json
    assert hourly["timezone"] == "Europe/Paris" and hourly["headers"] == {"X_Custom_Header": "kept as written"}

    again = runner.invoke(main, sync)
    assert again.output.splitlines()[-1] == "0 created, 2 replaced, 0 deleted"


def test_crontab_with_a_bad_task_deletes_nothing(tmp_path, api_url, account):
    account.create_task(url="http://example.com/old", name="stale", schedule="* * * * *")
    path = write_crontab(tmp_path, account, CRONTAB.replace('"0 * * * *"', '"every hour"'))
    result = CliRunner().invoke(main, ["crontab", "sync", "--url", api_url, path])
    assert result.exit_code == 1
    assert "task hourly: 400 validation_error" in result.output and "schedule" in result.output
    assert account.get(f"{account.app}/tasks/stale").status_code == 200


@pytest.mark.parametrize("text,problem", [
    ("tasks: [", "not valid YAML"),
    ("tasks: {a: 1}", "expected a mapping"),
    ("tasks:\n  - url: http://x", "needs a name"),
    ("tasks:\n  - {name: a, url: 'http://x', colour: red}", "unknown keys colour"),
    ("tasks:\n  - {name: a, url: 'http://x'}\n  - {name: a, url: 'http://y'}", "listed twice"),
])
def test_crontab_file_problems_are_one_line(tmp_path, api_url, account, text, problem):
    path = write_crontab(tmp_path, account, text)
    result = CliRunner().invoke(main, ["crontab", "sync", "--url", api_url, "--account", account.id,
                                       "--key", account.key, path])
    assert result.exit_code == 1 and problem in result.output and result.output.count("\n") == 1


def test_crontab_export_round_trips(tmp_path, api_url, account):
    runner = CliRunner()
    runner.invoke(main, ["crontab", "sync", "--url", api_url, write_crontab(tmp_path, account)])
    account.create_task(url="http://example.com/one-shot")
    exported = runner.invoke(main, ["crontab", "export", "--url", api_url, "--account", account.id,
                                    "--key", account.key])
    assert exported.exit_code == 0, exported.output
    document = yaml.safe_load(exported.output)
    assert document["account"] == {"id": account.id} and account.key not in exported.output
    assert [t["name"] for t in document["tasks"]] == ["nightly_report", "hourly"]
    assert document["tasks"][0]["auth"] == {"username": "admin"} and "secret" not in exported.output
    assert document["tasks"][0]["method"] == "DELETE" and document["tasks"][1]["timezone"] == "Europe/Paris"
    before = {t["name"]: t for t in account.get(f"{account.app}/tasks?filters=schedule:true").json["list"]}
    document["account"]["key"] = account.key
    (tmp_path / "exported.yaml").write_text(yaml.safe_dump(document))
    again = runner.invoke(main, ["crontab", "sync", "--url", api_url, str(tmp_path / "exported.yaml")])
    assert again.output.splitlines()[-1] == "0 created, 2 replaced, 0 deleted"
    after = {t["name"]: t for t in account.get(f"{account.app}/tasks?filters=schedule:true").json["list"]}
    for name in before:
        for field in ("url", "method", "schedule", "timezone", "retry", "headers", "queue"):
            assert before[name][field] == after[name][field], (name, field)
