from __future__ import annotations

from datetime import datetime, timezone

import pytest

from hooky_common import schedule

T = datetime(2026, 3, 10, 12, 7, 31, tzinfo=timezone.utc)


@pytest.mark.parametrize("spec,expected", [
    ("0 */5 * * * *", datetime(2026, 3, 10, 12, 10, 0, tzinfo=timezone.utc)),   # seconds first, as the original
    ("*/10 * * * * *", datetime(2026, 3, 10, 12, 7, 40, tzinfo=timezone.utc)),
    ("0 5 0 * * *", datetime(2026, 3, 11, 0, 5, 0, tzinfo=timezone.utc)),       # the reference's nightly_report
    ("*/5 * * * *", datetime(2026, 3, 10, 12, 10, 0, tzinfo=timezone.utc)),     # standard five fields
    ("30 4 * * 1", datetime(2026, 3, 16, 4, 30, 0, tzinfo=timezone.utc)),
])
def test_next_run(spec, expected):
    assert schedule.validate(spec) is None
    assert schedule.next_run(spec, T) == expected


def test_next_run_skips_missed_ticks():
    """After a long outage the next run is the next tick after now, not a burst of old ones."""
    later = datetime(2026, 3, 12, 8, 0, 1, tzinfo=timezone.utc)
    assert schedule.next_run("0 * * * *", later) == datetime(2026, 3, 12, 9, 0, tzinfo=timezone.utc)


def test_next_run_is_strictly_after():
    on_tick = datetime(2026, 3, 10, 12, 10, 0, tzinfo=timezone.utc)
    assert schedule.next_run("0 */5 * * * *", on_tick) > on_tick


@pytest.mark.parametrize("spec", ["", "* * * *", "* * * * * * *", "60 * * * * *", "* * 32 * *", "a b c d e",
                                  "* " * 200])
def test_invalid_specs(spec):
    assert schedule.validate(spec) is not None
