"""What a finished attempt means for its task: statistics and the next attempt, as pure data."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from hooky_common import schedule
from hooky_common.retry import RetryPolicy, may_retry, next_delay


@dataclass(frozen=True)
class Outcome:
    """The result of one webhook call (or of a call whose worker was lost)."""
    success: bool
    status_code: int | None = None
    status_message: str = ""
    duration_ms: int = 0
    response: str = ""
    error: str = ""
    retry_after_seconds: float | None = None

    def attempt_fields(self, finished: datetime) -> dict:
        return {
            "status": "success" if self.success else "error",
            "statusCode": self.status_code,
            "statusMessage": self.status_message,
            "durationMs": self.duration_ms,
            "response": self.response,
            "error": self.error,
            "finished": finished,
        }


@dataclass(frozen=True)
class Plan:
    """How to update the task: fields to set, counters to add, and when to try next (None: no more)."""
    set_fields: dict
    increments: dict
    next_at: datetime | None
    next_retry_number: int = 0
    final: bool = True  # the run is over (success, or no try left): time for the callback


def plan_next(attempt: dict, outcome: Outcome, policy: RetryPolicy, now: datetime,
              rng: random.Random | None = None, no_retry_statuses: list[int] | tuple = ()) -> Plan:
    """Decide the task's state after an attempt: success, retry with backoff, or give up until the next cron tick.

    A failure whose status code is in `no_retry_statuses` gives up at once.
    """
    increments = {"executions": 1, "errors": 0 if outcome.success else 1}
    fields: dict = {"executed": now, ("lastSuccess" if outcome.success else "lastError"): now}
    tries_done = attempt.get("retryNumber", 0) + 1
    retryable = outcome.status_code not in no_retry_statuses
    if not outcome.success and retryable and may_retry(tries_done, policy):
        delay = next_delay(tries_done - 1, policy, outcome.retry_after_seconds, rng)
        fields.update(status="retrying", retries=tries_done)
        return Plan(fields, increments, now + timedelta(seconds=delay), tries_done, final=False)
    fields.update(status="success" if outcome.success else "error", retries=0)
    if attempt.get("schedule"):
        return Plan(fields, increments, schedule.next_run(attempt["schedule"], now, attempt.get("timezone")))
    fields["active"] = False
    return Plan(fields, increments, None)
