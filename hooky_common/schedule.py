"""Cron schedules: six fields with seconds first (as the original Hooky) or standard five fields,
evaluated on the wall clock of an IANA time zone (UTC by default)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

MAX_SPEC_LENGTH = 256
UTC_NAMES = ("", "UTC", "Etc/UTC")
MAX_CANDIDATES = 1000


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


def validate_timezone(name: str) -> str | None:
    """The problem with an IANA time zone name, or None when it is known."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)"
    return None


def next_run(spec: str, after: datetime, zone: str | None = None) -> datetime:
    """The first time strictly after `after` that the spec names, in UTC; missed ticks are skipped.

    In a time zone with daylight saving, each wall-clock time fires at most once: a time that
    does not exist (spring forward) runs when the gap ends, and a time that happens twice
    (fall back) runs at its first occurrence only.
    """
    if (zone or "") in UTC_NAMES:
        return _croniter(spec, after.astimezone(timezone.utc)).get_next(datetime)
    tz = ZoneInfo(zone)
    ticks = _croniter(spec, after.astimezone(tz).replace(tzinfo=None))
    for _ in range(MAX_CANDIDATES):
        instant = _first_instant(ticks.get_next(datetime), tz)
        if instant > after:
            return instant.astimezone(timezone.utc)
    raise ValueError(f"no run time found for {spec!r} in {zone}")


def _first_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first moment the naive wall-clock time `wall` is reached in `tz`."""
    aware = wall.replace(tzinfo=tz, fold=0)
    if aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) == wall:
        return aware  # exists; fold=0 is the first of two occurrences on a fall-back day
    # In a spring-forward gap: step through the gap to the moment the clock jumps past `wall`.
    probe = min(aware.astimezone(timezone.utc), wall.replace(tzinfo=tz, fold=1).astimezone(timezone.utc))
    while probe.astimezone(tz).replace(tzinfo=None) < wall:
        probe += timedelta(minutes=1)
    return probe.replace(second=0, microsecond=0)
