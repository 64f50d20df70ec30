"""`hooky accounts|tasks|attempts|queues ...`: the API for people, as readable tables or JSON."""
from __future__ import annotations

import click

from hooky_common.cli.client import Api, api_options, show

TASK_COLUMNS = ["name", "queue", "method", "url", "schedule", "status", "active", "at", "executions", "errors"]
ATTEMPT_COLUMNS = ["id", "status", "statusCode", "at", "durationMs", "error"]
QUEUE_COLUMNS = ["name", "maxInFlight", "inFlight", "paused", "executions", "errors", "averageDurationMs"]


@click.group()
def accounts() -> None:
    """Create accounts (admin)."""


@accounts.command("create")
@click.option("--url", envvar="HOOKY_URL", default="http://127.0.0.1:8000", show_default=True)
@click.option("--admin-password", envvar="HOOKY_ADMIN_PASSWORD", default="admin", show_default=True)
@click.option("--name", default="", help="A name for people.")
@click.option("--json", "as_json", is_flag=True)
def create_account(url: str, admin_password: str, name: str, as_json: bool) -> None:
    """Create an account; its key is shown only now."""
    created = Api(url, "admin", admin_password).request("POST", "/accounts", json={"name": name})
    show(created, as_json, ["id", "key", "name", "created"])


@click.group()
def tasks() -> None:
    """Create, list, inspect, run and delete tasks."""


def _header_map(headers: tuple[str, ...]) -> dict:
    parsed = {}
    for header in headers:
        name, sep, value = header.partition(":")
        if not sep:
            raise click.BadParameter(f"{header!r} is not NAME:VALUE", param_hint="--header")
        parsed[name.strip()] = value.strip()
    return parsed


@tasks.command("create")
@api_options
@click.argument("target_url")
@click.option("--name", help="Unique name in the application; PUT semantics (create or replace) when given.")
@click.option("--method", default=None, help="HTTP method (default POST).")
@click.option("--schedule", help="Cron spec (five fields, or six with seconds first).")
@click.option("--timezone", help="IANA time zone of the schedule.")
@click.option("--at", help="Run once at this RFC 3339 time.")
@click.option("--delay", type=float, help="Run once in this many seconds.")
@click.option("--payload", help="Request body.")
@click.option("--header", "headers", multiple=True, help="NAME:VALUE, repeatable.")
@click.option("--queue", help="Queue name (default: default).")
@click.option("--max-attempts", type=int, help="Tries before giving up.")
def create_task(api: Api, as_json: bool, target_url: str, name: str | None, headers: tuple[str, ...],
                max_attempts: int | None, **fields) -> None:
    """Create a task calling TARGET_URL."""
    body = {"url": target_url, **{k: v for k, v in fields.items() if v is not None}}
    if headers:
        body["headers"] = _header_map(headers)
    if max_attempts is not None:
        body["retry"] = {"maxAttempts": max_attempts}
    if name:
        task = api.request("PUT", f"{api.app_path}/tasks/{name}", json=body)
    else:
        task = api.request("POST", f"{api.app_path}/tasks", json=body)
    show(task, as_json, TASK_COLUMNS)


@tasks.command("list")
@api_options
@click.option("--status", type=click.Choice(["pending", "retrying", "canceled", "success", "error"]))
@click.option("--scheduled/--one-shot", default=None, help="Only recurring, or only one-shot, tasks.")
def list_tasks(api: Api, as_json: bool, status: str | None, scheduled: bool | None) -> None:
    """List the application's tasks."""
    filters = [f"status:{status}"] if status else []
    if scheduled is not None:
        filters.append(f"schedule:{str(scheduled).lower()}")
    show(list(api.each(f"{api.app_path}/tasks", ",".join(filters))), as_json, TASK_COLUMNS)


@tasks.command("get")
@api_options
@click.argument("name")
def get_task(api: Api, as_json: bool, name: str) -> None:
    """Show one task with its statistics."""
    show(api.request("GET", f"{api.app_path}/tasks/{name}"), as_json, TASK_COLUMNS + ["lastSuccess", "lastError"])


@tasks.command("delete")
@api_options
@click.argument("name")
def delete_task(api: Api, as_json: bool, name: str) -> None:
    """Delete a task and its attempts."""
    api.request("DELETE", f"{api.app_path}/tasks/{name}")
    click.echo(f"deleted {name}")


@tasks.command("run")
@api_options
@click.argument("name")
def run_task(api: Api, as_json: bool, name: str) -> None:
    """Run a task now."""
    show(api.request("POST", f"{api.app_path}/tasks/{name}/attempts"), as_json, ATTEMPT_COLUMNS)


@tasks.command("pause")
@api_options
@click.argument("name")
def pause_task(api: Api, as_json: bool, name: str) -> None:
    """Stop a task from running until it is resumed."""
    show(api.request("PATCH", f"{api.app_path}/tasks/{name}", json={"active": False}), as_json, TASK_COLUMNS)


@tasks.command("resume")
@api_options
@click.argument("name")
def resume_task(api: Api, as_json: bool, name: str) -> None:
    """Schedule a paused task afresh."""
    show(api.request("PATCH", f"{api.app_path}/tasks/{name}", json={"active": True}), as_json, TASK_COLUMNS)


@click.group()
def attempts() -> None:
    """Inspect the tries of a task."""


@attempts.command("list")
@api_options
@click.argument("task")
def list_attempts(api: Api, as_json: bool, task: str) -> None:
    """List a task's attempts, oldest first."""
    show(list(api.each(f"{api.app_path}/tasks/{task}/attempts")), as_json, ATTEMPT_COLUMNS)


@click.group()
def queues() -> None:
    """List, configure, pause, resume and purge queues."""


@queues.command("list")
@api_options
def list_queues(api: Api, as_json: bool) -> None:
    """List the application's queues with their figures."""
    show(list(api.each(f"{api.app_path}/queues")), as_json, QUEUE_COLUMNS)


@queues.command("get")
@api_options
@click.argument("name")
def get_queue(api: Api, as_json: bool, name: str) -> None:
    """Show a queue with its figures."""
    show(api.request("GET", f"{api.app_path}/queues/{name}"), as_json, QUEUE_COLUMNS + ["tasks"])


@queues.command("put")
@api_options
@click.argument("name")
@click.option("--max-in-flight", type=int, help="Calls of this queue at once, across all workers.")
@click.option("--max-attempts", type=int)
@click.option("--min-delay", "min_seconds", type=float, help="Seconds before the first retry.")
@click.option("--max-delay", "max_seconds", type=float, help="Longest delay between retries.")
def put_queue(api: Api, as_json: bool, name: str, max_in_flight: int | None, max_attempts: int | None,
              min_seconds: float | None, max_seconds: float | None) -> None:
    """Create a queue or replace its settings."""
    retry = {k: v for k, v in {"maxAttempts": max_attempts, "min": min_seconds, "max": max_seconds}.items()
             if v is not None}
    body = {**({"maxInFlight": max_in_flight} if max_in_flight else {}), **({"retry": retry} if retry else {})}
    show(api.request("PUT", f"{api.app_path}/queues/{name}", json=body), as_json, QUEUE_COLUMNS)


@queues.command("delete")
@api_options
@click.argument("name")
def delete_queue(api: Api, as_json: bool, name: str) -> None:
    """Delete a queue with its tasks."""
    api.request("DELETE", f"{api.app_path}/queues/{name}")
    click.echo(f"deleted {name}")


def _queue_action(action: str, help_text: str):
    @queues.command(action, help=help_text)
    @api_options
    @click.argument("name")
    def command(api: Api, as_json: bool, name: str) -> None:
        answer = api.request("POST", f"{api.app_path}/queues/{name}/{action}")
        if action == "purge":
            click.echo(f"purged {answer['deleted']} waiting tasks from {name}")
        else:
            show(answer, as_json, QUEUE_COLUMNS)
    return command


pause_queue = _queue_action("pause", "Hold the queue's work; calls in flight finish.")
resume_queue = _queue_action("resume", "Let a paused queue run again.")
purge_queue = _queue_action("purge", "Delete the queue's waiting one-shot tasks.")
