"""The clock: periodic jobs enqueued once per period, however many clocks run."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from redis import Redis
from rq import Queue

from service.queues import DEFAULT
from workers.clock import hold_lease, run_once
from workers.periodic import PERIODIC


def test_two_clocks_ticking_the_same_second_enqueue_each_job_once(app: Any, redis_url: str) -> None:
    connection = Redis.from_url(redis_url)
    now = datetime(2026, 11, 22, 12, 0, 0, tzinfo=timezone.utc)
    assert run_once(now, connection) is True
    assert run_once(now, connection) is False
    assert Queue(DEFAULT, connection=connection).count == len(PERIODIC)


def test_only_one_clock_holds_the_lease_until_it_lapses(app: Any, redis_url: str) -> None:
    connection = Redis.from_url(redis_url)
    assert hold_lease(connection, "a", 10) and hold_lease(connection, "a", 10)
    assert not hold_lease(connection, "b", 10)
    connection.delete("village:clock:lease")  # as if "a" died and its lease expired
    assert hold_lease(connection, "b", 10) and not hold_lease(connection, "a", 10)
