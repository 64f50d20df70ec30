from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from hooky_common.retry import RetryPolicy, backoff_seconds, may_retry, next_delay, retry_after_seconds

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


class NoJitter(random.Random):
    def uniform(self, a, b):
        return a


class MaxJitter(random.Random):
    def uniform(self, a, b):
        return b


@pytest.mark.parametrize("retries_done,expected", [(0, 10), (1, 20), (2, 40), (3, 80), (4, 160), (5, 300), (9, 300)])
def test_backoff_doubles_from_min_up_to_max(retries_done, expected):
    assert backoff_seconds(retries_done, RetryPolicy(), NoJitter()) == expected


@pytest.mark.parametrize("retries_done,expected", [(0, 12), (5, 360)])
def test_jitter_adds_at_most_twenty_percent(retries_done, expected):
    assert backoff_seconds(retries_done, RetryPolicy(), MaxJitter()) == pytest.approx(expected)


def test_jitter_varies_within_bounds():
    rng = random.Random(7)
    delays = {backoff_seconds(1, RetryPolicy(), rng) for _ in range(50)}
    assert len(delays) > 40 and all(20 <= d <= 24 for d in delays)


@pytest.mark.parametrize("policy,retries_done,expected", [
    (RetryPolicy(min=1, factor=3, max=100), 2, 9),
    (RetryPolicy(min=0.5, factor=1, max=100), 7, 0.5),
    (RetryPolicy(min=5, factor=2, max=5), 3, 5),
])
def test_custom_policies(policy, retries_done, expected):
    assert backoff_seconds(retries_done, policy, NoJitter()) == expected


@pytest.mark.parametrize("tries_done,allowed", [(1, True), (9, True), (10, False), (11, False)])
def test_max_attempts_counts_every_try(tries_done, allowed):
    assert may_retry(tries_done, RetryPolicy()) is allowed


def test_resolve_takes_task_then_queue_then_defaults():
    policy = RetryPolicy.resolve({"min": 1}, {"min": 2, "maxAttempts": 3})
    assert policy == RetryPolicy(maxAttempts=3, factor=2, min=1, max=300)
    assert RetryPolicy.resolve(None, None) == RetryPolicy()


@pytest.mark.parametrize("status,header,expected", [
    (429, "120", 120),
    (503, "  7 ", 7),
    (503, (NOW + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT"), 90),
    (503, (NOW - timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT"), 0),
    (429, "soon", None),
    (500, "120", None),
    (429, None, None),
])
def test_retry_after_header(status, header, expected):
    assert retry_after_seconds(status, header, NOW) == expected


def test_retry_after_wins_over_backoff_but_is_capped_at_max():
    assert next_delay(0, RetryPolicy(), 45, NoJitter()) == 45
    assert next_delay(0, RetryPolicy(max=60), 3600, NoJitter()) == 60
    assert next_delay(0, RetryPolicy(), None, NoJitter()) == 10
