"""Check-ins written together go out in batch jobs: each message still claimed, re-checked and
recorded on its own, a batch never stops at one bad row, and the sweeper knows a batched row
still waits in the queue."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from redis import Redis
from sqlalchemy import event, func, select, update

from service import outbox
from service.members import add_do_not_text
from service.db import engine_for
from service.delivery import QUEUED
from service.models import CheckIn, Message
from service.queues import BATCH_SIZE, DEFAULT, URGENT, queue
from service.texts import render
from tests.conftest import BUDDY, MOM, texts_to
from tests.integration.test_checkin_loop import consent_both, enrol
from workers import context, jobs, periodic

UTC = timezone.utc


def phone(i: int) -> str:
    return f"+1202555{1000 + i:04d}"


def write_checkins(db: Any, count: int, *, dispatch: bool = True) -> list[int]:
    """`count` pending check-in texts to different numbers, written in one transaction."""
    with db() as s:
        rows = [outbox.add(s, to=phone(i), body=f"How are you today? ({i})", kind="checkin", sender="+15005550006")
                for i in range(count)]
        s.flush()
        ids = [m.id for m in rows]
        if dispatch:
            outbox.commit(s, context.redis())
        else:
            s.info.pop("outbox", None)
    return ids


def statuses(db: Any) -> dict[str, int]:
    """Counts by status, `delivered` counted as `sent` (the simulator's callbacks may have come)."""
    counts: dict[str, int] = {}
    with db() as s:
        for status, count in s.execute(select(Message.status, func.count()).group_by(Message.status)):
            key = "sent" if status == "delivered" else status
            counts[key] = counts.get(key, 0) + count
    return counts


def test_check_ins_written_together_go_out_in_batches_each_sent_once(app: Any, db: Any, sim: Any,
                                                                     run_jobs: Any, redis_url: str) -> None:
    write_checkins(db, 2 * BATCH_SIZE + 5)
    connection = Redis.from_url(redis_url)
    assert queue(DEFAULT, connection).count == 3  # 20 + 20 + 5 messages
    assert queue(URGENT, connection).count == 0

    run_jobs()

    assert statuses(db) == {"sent": 2 * BATCH_SIZE + 5}
    for i in range(2 * BATCH_SIZE + 5):
        assert texts_to(sim, phone(i)) == [f"How are you today? ({i})"]


def test_an_urgent_message_written_with_check_ins_gets_a_job_of_its_own(app: Any, db: Any, redis_url: str) -> None:
    with db() as s:
        for i in range(3):
            outbox.add(s, to=phone(i), body="check-in", kind="checkin", sender="+15005550006")
        outbox.add(s, to=phone(9), body="alert", kind="alert", sender="+15005550006", urgent=True)
        assert outbox.commit(s, context.redis()) == 4
    connection = Redis.from_url(redis_url)
    assert queue(URGENT, connection).count == 1
    assert queue(DEFAULT, connection).count == 1


def test_a_batch_goes_on_past_a_message_it_must_not_send(app: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    with db() as s:
        add_do_not_text(s, phone(2), "stop")
    write_checkins(db, 5)

    run_jobs()

    assert statuses(db) == {"sent": 4, "canceled": 1}
    assert texts_to(sim, phone(2)) == []
    assert texts_to(sim, phone(3)) == ["How are you today? (3)"]


def test_a_batch_that_runs_past_its_time_puts_the_rest_back(app: Any, db: Any, sim: Any, run_jobs: Any,
                                                           redis_url: str, monkeypatch: Any) -> None:
    monkeypatch.setattr(jobs, "BATCH_SECONDS", 0)  # every message after the first is over time
    ids = write_checkins(db, 4, dispatch=False)
    outcome = jobs.send_batch(ids)
    assert outcome == "sent 1, put back 3"
    assert periodic.waiting_message_ids(Redis.from_url(redis_url)) == set(ids[1:])

    run_jobs()

    assert statuses(db) == {"sent": 4}


def test_the_sweeper_leaves_rows_whose_batch_job_still_waits(app: Any, db: Any, settings: Any,
                                                            redis_url: str) -> None:
    ids = write_checkins(db, 6)
    connection = Redis.from_url(redis_url)
    with db() as s:  # long enough ago that the sweeper would call these rows lost
        s.execute(update(Message).values(created_at=datetime.now(UTC) - timedelta(hours=1)))

    assert periodic.sweep_outbox() == 0
    assert queue(DEFAULT, connection).count == 1

    queue(DEFAULT, connection).empty()  # the batch job is lost (Redis flushed, say)
    assert periodic.sweep_outbox() == len(ids)
    assert periodic.waiting_message_ids(connection) == set(ids)


def test_a_batch_writes_the_delivery_statuses_queued_while_it_ran(app: Any, db: Any, sim: Any, redis_url: str) -> None:
    # During a burst the job that writes queued statuses waits behind the batches; each batch
    # writes them as it ends, so the status page shows deliveries as they happen.
    earlier = write_checkins(db, 3, dispatch=False)
    sids = [f"SM{i:032x}" for i in earlier]
    with db() as s:
        for message_id, sid in zip(earlier, sids):
            s.execute(update(Message).where(Message.id == message_id).values(status="sent", provider_sid=sid))
    Redis.from_url(redis_url).rpush(QUEUED, *(f"{sid} delivered " for sid in sids))
    jobs.send_batch(write_checkins(db, 1, dispatch=False))
    with db() as s:
        assert set(s.scalars(select(Message.status).where(Message.id.in_(earlier)))) == {"delivered"}


def test_each_send_runs_a_fixed_few_statements(cli: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    """A send claims its row, loads what the send rules read in one query, and records the SID:
    three statements for a planned check-in, four for an alert (which marks the alert sent too). A
    column the rules read that the load leaves out would show here as one more query on every send."""
    enrol(cli)
    consent_both(sim, run_jobs)
    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 0
    with db() as s:  # a planned check-in, not an operator's: her schedule and quiet hours are read
        s.execute(update(CheckIn).values(manual=False))
        checkin_message = s.scalars(select(Message.id).where(Message.kind == "checkin")).one()
    main = threading.get_ident()
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() == main and statement.split()[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE"):
            seen.append(statement.split()[0].upper())

    def statements_of_send(message_id: int) -> tuple[str, list[str]]:
        seen.clear()
        event.listen(engine_for(settings.database_url), "before_cursor_execute", record)
        try:
            outcome = jobs.send_message(message_id)
        finally:
            event.remove(engine_for(settings.database_url), "before_cursor_execute", record)
        return outcome.split()[0], list(seen)

    assert statements_of_send(checkin_message) == ("sent", ["UPDATE", "SELECT", "UPDATE"])
    run_jobs()
    sim.send_inbound(MOM.phone, "honestly I'm drowning")
    with db() as s:
        alert_message = s.scalars(select(Message.id).where(Message.kind == "alert")).one()
    assert statements_of_send(alert_message) == ("sent", ["UPDATE", "SELECT", "UPDATE", "UPDATE"])
    assert texts_to(sim, MOM.phone)[-1] == render("checkin", name="Amanda")
    assert texts_to(sim, BUDDY.phone)[-1] == render("alert_low", buddy="Sarah", member="Amanda")


def test_a_sends_record_commits_on_the_batchs_connection_and_rolls_back_on_error(db: Any, settings: Any) -> None:
    """`connection_scope`, which records a send without an ORM session: inside a batch it runs on
    the batch's one connection, commits when the block ends, and leaves nothing behind on error."""
    from service.db import connection_scope, one_connection

    first, second = write_checkins(db, 2, dispatch=False)
    table = Message.__table__
    engine = engine_for(settings.database_url)
    checkouts: list[int] = []

    def checkout(*_args: Any) -> None:
        checkouts.append(1)

    event.listen(engine, "checkout", checkout)
    try:
        with one_connection(settings.database_url):
            with connection_scope(settings.database_url) as connection:
                connection.execute(update(table).where(table.c.id == first).values(status="sent"))
            try:
                with connection_scope(settings.database_url) as connection:
                    connection.execute(update(table).where(table.c.id == second).values(status="sent"))
                    raise RuntimeError("the record failed")
            except RuntimeError:
                pass
    finally:
        event.remove(engine, "checkout", checkout)
    assert len(checkouts) == 1
    with db() as s:
        assert s.get(Message, first).status == "sent" and s.get(Message, second).status == "pending"
