"""The clock: periodic jobs enqueued once per period, however many clocks run."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from redis import Redis
from rq import Queue

from service.queues import QUEUES, URGENT
from workers.clock import hold_lease, run_once
from workers.periodic import PERIODIC


def test_two_clocks_ticking_the_same_second_enqueue_each_job_once(app: Any, redis_url: str) -> None:
    connection = Redis.from_url(redis_url)
    now = datetime(2026, 11, 22, 12, 0, 0, tzinfo=timezone.utc)
    assert run_once(now, connection) is True
    assert run_once(now, connection) is False
    assert sum(Queue(name, connection=connection).count for name in QUEUES) == len(PERIODIC)
    # alerts' retries run on the urgent queue, never behind a burst of check-ins
    assert [j.description for j in Queue(URGENT, connection=connection).jobs] == ["periodic retry-alerts"]


def test_only_one_clock_holds_the_lease_until_it_lapses(app: Any, redis_url: str) -> None:
    connection = Redis.from_url(redis_url)
    assert hold_lease(connection, "a", 10) and hold_lease(connection, "a", 10)
    assert not hold_lease(connection, "b", 10)
    connection.delete("village:clock:lease")  # as if "a" died and its lease expired
    assert hold_lease(connection, "b", 10) and not hold_lease(connection, "a", 10)


def test_an_alert_whose_retry_is_due_is_sent_within_seconds_not_at_the_next_sweep(
        app: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from service.models import Message
    from tests.conftest import BUDDY
    from workers.periodic import retry_alerts

    now = datetime.now(timezone.utc)
    with db() as s:
        for urgent in (True, False):  # a crisis alert after a transient 20429, and a check-in
            s.add(Message(direction="out", status="pending", kind="alert" if urgent else "checkin", urgent=urgent,
                          to_addr=BUDDY.phone, from_addr="+15005550006", body=f"urgent={urgent}", attempts=1,
                          error_code="20429", next_attempt_at=now - timedelta(seconds=1)))
    assert retry_alerts() == 1
    assert retry_alerts() == 0  # leased: its job waits
    run_jobs()
    with db() as s:
        assert {u: st for u, st in s.execute(select(Message.urgent, Message.status))} == {True: "delivered", False: "pending"}
