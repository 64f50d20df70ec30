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


NY = "America/New_York"


def local(moment: datetime, zone: str = NY) -> str:
    from zoneinfo import ZoneInfo
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def runs(spec: str, start: datetime, count: int, zone: str = NY) -> list[str]:
    found, moment = [], start
    for _ in range(count):
        moment = schedule.next_run(spec, moment, zone)
        found.append(local(moment, zone))
    return found


def test_spring_forward_runs_a_skipped_time_once_when_the_gap_ends():
    start = datetime(2026, 3, 7, 12, 0, tzinfo=timezone.utc)
    assert runs("30 2 * * *", start, 3) == ["2026-03-08 03:00 EDT", "2026-03-09 02:30 EDT", "2026-03-10 02:30 EDT"]


def test_fall_back_runs_a_repeated_time_once():
    start = datetime(2026, 10, 31, 12, 0, tzinfo=timezone.utc)
    assert runs("30 1 * * *", start, 3) == ["2026-11-01 01:30 EDT", "2026-11-02 01:30 EST", "2026-11-03 01:30 EST"]


def test_fall_back_second_pass_does_not_run_again():
    during_second_pass = datetime(2026, 11, 1, 6, 10, tzinfo=timezone.utc)  # 01:10 EST, after 01:30 EDT ran
    assert local(schedule.next_run("30 1 * * *", during_second_pass, NY)) == "2026-11-02 01:30 EST"


def test_frequent_ticks_inside_the_gap_collapse_into_one_run():
    start = datetime(2026, 3, 8, 6, 50, tzinfo=timezone.utc)  # 01:50 EST
    assert runs("*/20 * * * *", start, 3) == ["2026-03-08 03:00 EDT", "2026-03-08 03:20 EDT", "2026-03-08 03:40 EDT"]


def test_seconds_first_spec_in_a_european_zone():
    start = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)
    assert runs("0 30 2 * * *", start, 2, "Europe/Paris") == ["2026-03-29 03:00 CEST", "2026-03-30 02:30 CEST"]


def test_zone_offsets_apply_outside_transitions():
    start = datetime(2026, 6, 1, 0, 0, tzinfo=timezone.utc)
    assert schedule.next_run("0 9 * * *", start, "Asia/Tokyo") == datetime(2026, 6, 2, 0, 0, tzinfo=timezone.utc)
    assert schedule.next_run("0 9 * * *", start, "UTC") == datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("zone,ok", [("Europe/Paris", True), ("UTC", True), ("Mars/Olympus", False),
                                     ("../etc/passwd", False), ("", False)])
def test_timezone_validation(zone, ok):
    assert (schedule.validate_timezone(zone) is None) is ok
