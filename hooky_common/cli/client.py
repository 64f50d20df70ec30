"""A small HTTP client of the Hooky API for the command line, with its shared options and output."""
from __future__ import annotations

import functools
import json
from typing import Any, Callable, Iterator

import click
import requests

DEFAULT_URL = "http://127.0.0.1:8000"
REQUEST_TIMEOUT_SECONDS = (5, 60)


class ApiError(click.ClickException):
    """An answer of the API that is not 200, shown as one line."""

    def __init__(self, status: int, body: dict | None, text: str):
        if body and "message" in body:
            message = f"{status} {body.get('code', 'error')}: {body['message']}"
        else:
            message = f"{status}: {text.strip()[:200] or 'no body'}"
        super().__init__(message)
        self.status, self.body = status, body


class Api:
    def __init__(self, url: str, user: str | None, password: str | None, application: str = "default"):
        self.url = url.rstrip("/")
        self.user, self.application = user, application
        self.session = requests.Session()
        if user and password:
            self.session.auth = (user, password)

    def request(self, method: str, path: str, **kwargs) -> Any:
        try:
            response = self.session.request(method, f"{self.url}{path}", timeout=REQUEST_TIMEOUT_SECONDS, **kwargs)
        except requests.RequestException as error:
            raise click.ClickException(f"cannot reach {self.url}: {type(error).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            raise ApiError(response.status_code, body, response.text)
        return body

    @property
    def app_path(self) -> str:
        if not self.user:
            raise click.UsageError("an account is needed: --account/--key or HOOKY_ACCOUNT/HOOKY_KEY")
        return f"/accounts/{self.user}/applications/{self.application}"

    def each(self, path: str, filters: str = "") -> Iterator[dict]:
        """Every item of a listing, page by page."""
        page = 1
        while True:
            params = {"page": page, "limit": 100, **({"filters": filters} if filters else {})}
            body = self.request("GET", path, params=params)
            yield from body["list"]
            if not body["hasMore"]:
                return
            page += 1


def api_options(function: Callable) -> Callable:
    """--url, --account, --key, --application and --json, from options or HOOKY_* variables."""
    @click.option("--url", envvar="HOOKY_URL", default=DEFAULT_URL, show_default=True, help="Hooky API URL.")
    @click.option("--account", envvar="HOOKY_ACCOUNT", help="Account id.")
    @click.option("--key", envvar="HOOKY_KEY", help="Account key.")
    @click.option("--application", "-a", envvar="HOOKY_APPLICATION", default="default", show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    @functools.wraps(function)
    def wrapper(url: str, account: str | None, key: str | None, application: str, as_json: bool, **kwargs):
        return function(Api(url, account, key, application), as_json, **kwargs)
    return wrapper


def show(data: Any, as_json: bool, columns: list[str]) -> None:
    """Print one object or a list of objects as a table, or as JSON."""
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    rows = data if isinstance(data, list) else [data]
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(column)] + [len(cell[i]) for cell in cells]) for i, column in enumerate(columns)]
    click.echo("  ".join(column.upper().ljust(width) for column, width in zip(columns, widths)).rstrip())
    for cell in cells:
        click.echo("  ".join(value.ljust(width) for value, width in zip(cell, widths)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)
