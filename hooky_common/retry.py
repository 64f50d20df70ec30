"""The retry policy: pure functions of the attempt number, the settings and a random source."""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

DEFAULTS = {"maxAttempts": 10, "factor": 2.0, "min": 10.0, "max": 300.0}
JITTER = 0.2
RETRY_AFTER_STATUSES = (429, 503)


@dataclass(frozen=True)
class RetryPolicy:
    maxAttempts: int = 10
    factor: float = 2.0
    min: float = 10.0
    max: float = 300.0

    @classmethod
    def resolve(cls, *layers: dict | None) -> "RetryPolicy":
        """Settings from the first layer that has each field (task, then queue), else the defaults."""
        values = dict(DEFAULTS)
        for layer in reversed([layer for layer in layers if layer]):
            values.update({k: v for k, v in layer.items() if k in DEFAULTS and v is not None})
        return cls(**values)

    def as_dict(self) -> dict:
        """The settings for JSON, whole numbers without a fractional part (10, not 10.0)."""
        return {k: int(v) if float(v).is_integer() else v for k, v in asdict(self).items()}


def backoff_seconds(retries_done: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Delay before the next try once `retries_done` retries were made: min(min*factor^n, max) + jitter."""
    base = min(policy.min * policy.factor ** retries_done, policy.max)
    jitter = (rng or random).uniform(0, JITTER * base)
    return base + jitter


def may_retry(tries_done: int, policy: RetryPolicy) -> bool:
    """True while the number of tries made so far is below maxAttempts."""
    return tries_done < policy.maxAttempts


def retry_after_seconds(status_code: int | None, header: str | None, now: datetime) -> float | None:
    """Seconds asked for by a Retry-After header on 429/503 (delta-seconds or HTTP date), else None."""
    if status_code not in RETRY_AFTER_STATUSES or not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def next_delay(retries_done: int, policy: RetryPolicy, retry_after: float | None,
               rng: random.Random | None = None) -> float:
    """The delay before the next try: the target's Retry-After (capped at max) wins over backoff."""
    if retry_after is not None:
        return min(retry_after, policy.max)
    return backoff_seconds(retries_done, policy, rng)
