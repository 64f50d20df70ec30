"""Cron schedules: six fields with seconds first (as the original Hooky) or standard five fields."""
from __future__ import annotations

from datetime import datetime

from croniter import croniter

MAX_SPEC_LENGTH = 256


def _croniter(spec: str, start: datetime) -> croniter:
    fields = spec.split()
    if len(fields) == 6:
        return croniter(spec, start, second_at_beginning=True)
    if len(fields) == 5:
        return croniter(spec, start)
    raise ValueError(f"expected 5 or 6 fields, got {len(fields)}")


def validate(spec: str) -> str | None:
    """The problem with a cron spec, or None when croniter accepts it."""
    if len(spec) > MAX_SPEC_LENGTH:
        return f"longer than {MAX_SPEC_LENGTH} characters"
    try:
        _croniter(spec, datetime(2000, 1, 1)).get_next(datetime)
    except (ValueError, KeyError, TypeError) as error:
        return f"not a valid cron spec ({error})"
    return None


def next_run(spec: str, after: datetime) -> datetime:
    """The first time strictly after `after` that the spec names; missed ticks before it are skipped."""
    return _croniter(spec, after).get_next(datetime)
