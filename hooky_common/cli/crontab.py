"""`hooky crontab sync|export`: keep an application's scheduled tasks in a YAML file."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import click
import yaml

from hooky_common.cli.client import DEFAULT_URL, Api, ApiError

TASK_KEYS = {"name", "schedule", "url", "method", "headers", "payload", "auth", "retry", "queue", "timezone",
             "timeout"}


class CrontabError(click.ClickException):
    pass


def camel(key: str) -> str:
    """max_attempts -> maxAttempts, so the original snake_case files keep working."""
    return re.sub(r"_([a-z])", lambda match: match.group(1).upper(), key)


def camel_keys(entry: dict) -> dict:
    """Camel-case every key, recursively, except the names of HTTP headers."""
    return {camel(str(k)): v if k == "headers" or not isinstance(v, dict) else camel_keys(v)
            for k, v in entry.items()}


@dataclass
class Crontab:
    account: dict = field(default_factory=dict)
    application: str = "default"
    tasks: list[dict] = field(default_factory=list)


def parse(text: str) -> Crontab:
    """Read a crontab file; every problem is a CrontabError naming where it is."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CrontabError(f"not valid YAML{where}: {getattr(error, 'problem', None) or error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("tasks", []), list):
        raise CrontabError("expected a mapping with a 'tasks' list")
    entries, seen = [], set()
    for index, raw in enumerate(data.get("tasks") or []):
        entry = camel_keys(raw) if isinstance(raw, dict) else None
        if not entry or not entry.get("name"):
            raise CrontabError(f"tasks[{index}]: every task needs a name")
        unknown = sorted(set(entry) - TASK_KEYS)
        if unknown:
            raise CrontabError(f"task {entry['name']}: unknown keys {', '.join(unknown)}")
        if entry["name"] in seen:
            raise CrontabError(f"task {entry['name']}: listed twice")
        seen.add(entry["name"])
        entries.append(entry)
    account = data.get("account") or {}
    if not isinstance(account, dict):
        raise CrontabError("'account' must be a mapping with id and key")
    return Crontab(account=account, application=str(data.get("application") or "default"), tasks=entries)


def plan(api: Api, crontab: Crontab) -> list[tuple[str, str]]:
    """(action, name) pairs: create or replace every listed task, delete scheduled tasks no longer listed."""
    existing = {task["name"] for task in api.each(f"{api.app_path}/tasks", "schedule:true")}
    listed = [task["name"] for task in crontab.tasks]
    actions = [("replace" if name in existing else "create", name) for name in listed]
    return actions + [("delete", name) for name in sorted(existing - set(listed))]


def apply(api: Api, crontab: Crontab, actions: list[tuple[str, str]]) -> None:
    """Put every task first and delete only when all puts succeeded, so a bad file deletes nothing."""
    bodies = {task["name"]: {k: v for k, v in task.items() if k != "name"} for task in crontab.tasks}
    for action, name in sorted(actions, key=lambda pair: pair[0] == "delete"):
        try:
            if action == "delete":
                api.request("DELETE", f"{api.app_path}/tasks/{name}")
            else:
                api.request("PUT", f"{api.app_path}/tasks/{name}", json=bodies[name])
        except ApiError as error:
            raise CrontabError(f"task {name}: {error.message}") from None
        click.echo(f"{action:8} {name}")


def client(url: str, account: str | None, key: str | None, application: str | None, crontab: Crontab) -> Api:
    """Credentials from options or HOOKY_* variables, else from the file."""
    user = account or crontab.account.get("id")
    password = key or crontab.account.get("key")
    if not user or not password:
        raise click.UsageError("no credentials: give --account/--key, HOOKY_ACCOUNT/HOOKY_KEY, or account: in the file")
    return Api(url, str(user), str(password), application or crontab.application)


def connection_options(function):
    function = click.option("--application", "-a", envvar="HOOKY_APPLICATION")(function)
    function = click.option("--key", envvar="HOOKY_KEY")(function)
    function = click.option("--account", envvar="HOOKY_ACCOUNT")(function)
    return click.option("--url", envvar="HOOKY_URL", default=DEFAULT_URL, show_default=True)(function)


@click.group()
def crontab() -> None:
    """Sync an application's scheduled tasks with a YAML file, or export them to one."""


@crontab.command()
@connection_options
@click.argument("path", type=click.File("r"))
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
def sync(url: str, account: str | None, key: str | None, application: str | None, path, dry_run: bool) -> None:
    """Create or replace every task in PATH; delete the application's scheduled tasks it no longer lists."""
    parsed = parse(path.read())
    api = client(url, account, key, application, parsed)
    actions = plan(api, parsed)
    if dry_run:
        for action, name in actions:
            click.echo(f"would {action:8} {name}")
        return
    apply(api, parsed, actions)
    counts = {action: sum(1 for a, _ in actions if a == action) for action in ("create", "replace", "delete")}
    click.echo(", ".join(f"{n} {action}d" for action, n in counts.items()))


EXPORT_DEFAULTS = {"method": "POST", "queue": "default", "timezone": "UTC", "headers": {}, "payload": "", "timeout": 30}


def export_entry(task: dict) -> dict:
    """A task as a crontab entry: only what differs from the defaults; the target's password is never known."""
    entry = {"name": task["name"], "schedule": task["schedule"], "url": task["url"]}
    for name, default in EXPORT_DEFAULTS.items():
        if task.get(name, default) != default:
            entry[name] = task[name]
    if task.get("auth", {}).get("username"):
        entry["auth"] = {"username": task["auth"]["username"]}
    entry["retry"] = {k: v for k, v in task["retry"].items() if k != "attempts"}
    return entry


@crontab.command()
@connection_options
@click.option("--output", "-o", type=click.File("w"), default="-", help="File to write (default: stdout).")
def export(url: str, account: str | None, key: str | None, application: str | None, output) -> None:
    """Write the application's scheduled tasks in the crontab format (account key and passwords left out)."""
    api = client(url, account, key, application, Crontab())
    entries = [export_entry(task) for task in api.each(f"{api.app_path}/tasks", "schedule:true")]
    document = {"account": {"id": api.user}, "application": api.application, "tasks": entries}
    output.write(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
