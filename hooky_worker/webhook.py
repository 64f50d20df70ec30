"""The HTTP call of one attempt, made with requests exactly as the original Hooky made it."""
from __future__ import annotations

import time

import requests

from hooky_common import clock, signing
from hooky_common.outcome import Outcome
from hooky_common.retry import retry_after_seconds

USER_AGENT = "Hooky"
CONNECT_TIMEOUT_SECONDS = 10
RESPONSE_EXCERPT_BYTES = 1024


def content_type(payload: str) -> str:
    return "application/json" if payload.lstrip().startswith("{") else "text/plain"


def build_headers(attempt: dict, body: bytes, signing_secrets: list[str]) -> dict[str, str]:
    """Task headers, then Hooky's own (metadata and Standard Webhooks signatures); a Content-Type set
    by the task wins."""
    headers = dict(attempt.get("headers") or {})
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = content_type(attempt.get("payload") or "")
    headers.update({
        "User-Agent": USER_AGENT,
        "X-Hooky-Account": str(attempt["account"]),
        "X-Hooky-Application": attempt["application"],
        "X-Hooky-Queue": attempt["queue"],
        "X-Hooky-Task-Name": attempt["name"],
        "X-Hooky-Attempt-ID": str(attempt["_id"]),
        "X-Hooky-Retry-Count": str(attempt.get("retryNumber", 0)),
        "X-Hooky-Execution-Count": str(attempt.get("executionNumber", 1)),
        "X-Hooky-Scheduled-At": clock.rfc3339(attempt["at"]),
    })
    if attempt.get("schedule"):
        headers["X-Hooky-Schedule"] = attempt["schedule"]
        headers["X-Hooky-Timezone"] = attempt.get("timezone") or "UTC"
    if attempt.get("kind") == "callback":
        headers["X-Hooky-Callback-For"] = str(attempt["callbackFor"])
    if signing_secrets:
        message_id = attempt.get("messageId") or str(attempt["_id"])
        headers.update(signing.headers(signing_secrets, message_id, int(time.time()), body))
    return headers


def call(session: requests.Session, attempt: dict, signing_secrets: list[str] = ()) -> Outcome:
    """Make the call; never raises for network trouble, which becomes a failed Outcome."""
    auth = attempt.get("auth") or {}
    body = (attempt.get("payload") or "").encode()
    started = time.monotonic()
    try:
        response = session.request(
            attempt["method"], attempt["url"],
            headers=build_headers(attempt, body, list(signing_secrets)),
            data=body,
            auth=(auth["username"], auth.get("password") or "") if auth.get("username") else None,
            timeout=(min(CONNECT_TIMEOUT_SECONDS, attempt["timeout"]), attempt["timeout"]),
            allow_redirects=True,
            stream=True,
        )
    except requests.RequestException as error:
        return Outcome(success=False, duration_ms=_elapsed_ms(started), error=f"{type(error).__name__}: {error}")
    with response:
        excerpt = _read_excerpt(response)
    return Outcome(
        success=200 <= response.status_code < 300,
        status_code=response.status_code,
        status_message=f"{response.status_code} {response.reason or ''}".strip(),
        duration_ms=_elapsed_ms(started),
        response=excerpt,
        retry_after_seconds=retry_after_seconds(response.status_code, response.headers.get("Retry-After"),
                                                clock.now()),
    )


def _read_excerpt(response: requests.Response) -> str:
    """The first KiB of the body; the rest is not downloaded."""
    try:
        data = response.raw.read(RESPONSE_EXCERPT_BYTES, decode_content=True) or b""
    except Exception:  # a body cut short is not worth failing a call that answered
        data = b""
    return data.decode(response.encoding or "utf-8", errors="replace")


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
