"""Twilio repeats itself and reorders: retried webhooks, late or early status callbacks, a job run
three times. The final states are what they would be had everything arrived once, in order."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.db import session_scope
from service.models import Alert, Message
from service.delivery import APPLY_LOCK, QUEUED, WORKING
from service.queues import DEFAULT, enqueue_send, queue, redis_from_url
from service.simulator_twilio import new_sid
from tests.faults.conftest import Stack, buddy_phone, mom_phone, seed_moms


def _outbound(stack: Stack, *, status: str = "pending", sid: str | None = None) -> int:
    with session_scope(stack.settings.database_url) as db:
        message = Message(direction="out", status=status, to_addr=mom_phone(0), from_addr=stack.settings.sender,
                          body="Hi Mom0, how are you really doing today?", kind="checkin", attempts=0,
                          provider_sid=sid, member_id=seed_moms(stack.settings, 1, buddies=False)[0])
        db.add(message)
        db.flush()
        return message.id


def _status_of(stack: Stack, message_id: int) -> str:
    with session_scope(stack.settings.database_url) as db:
        return db.get(Message, message_id).status  # type: ignore[union-attr]


def test_a_retried_inbound_webhook_is_stored_once_and_alerts_the_buddy_once(stack: Stack) -> None:
    seed_moms(stack.settings, 1, buddies=True)
    stack.workers.start("urgent")
    form = {"MessageSid": new_sid(), "From": mom_phone(0), "To": stack.settings.twilio_from_number, "Body": "2"}
    assert [stack.post("/twilio/inbound", form).status_code for _ in range(3)] == [200, 200, 200]
    stack.wait_for(lambda: stack.sends_per_recipient()[buddy_phone(0)] >= 1, "the buddy's alert")
    with session_scope(stack.settings.database_url) as db:
        assert db.scalar(select(func.count()).where(Message.direction == "in")) == 1
        assert db.scalar(select(func.count()).select_from(Alert)) == 1
    assert stack.sends_per_recipient() == {buddy_phone(0): 1}


@pytest.mark.parametrize("callbacks, final", [
    (["delivered", "sent"], "delivered"),
    (["sent", "delivered", "sent", "queued"], "delivered"),
    (["delivered", "delivered"], "delivered"),
    (["undelivered", "sent", "delivered"], "undelivered"),
    (["failed", "sending"], "failed"),
    (["sent", "read", "delivered"], "read"),
])
def test_status_callbacks_in_any_order_keep_the_furthest_status(stack: Stack, callbacks: list[str], final: str) -> None:
    sid = new_sid()
    message_id = _outbound(stack, status="sent", sid=sid)
    for status in callbacks:
        response = stack.post("/twilio/status", {"MessageSid": sid, "MessageStatus": status, "To": mom_phone(0),
                                                 "From": stack.settings.twilio_from_number})
        assert response.status_code == 200
    # The routine statuses are written by a job the clock enqueues, in a real worker process.
    stack.workers.start("default")
    connection = redis_from_url(stack.settings.redis_url)
    with stack.writing_statuses():
        stack.wait_for(lambda: connection.exists(QUEUED, WORKING, APPLY_LOCK) == 0
                       and queue(DEFAULT, connection).count == 0, "the queued statuses written")
    assert _status_of(stack, message_id) == final


def test_callbacks_that_beat_the_api_answer_are_applied_once_the_worker_records_the_sid(stack: Stack) -> None:
    # The simulator accepts, posts `sent` and `delivered` within 0.1 s, and answers the API call after 0.5 s.
    stack.set_faults(timeout_rate=1.0, timeout_seconds=0.5)
    message_id = _outbound(stack)
    enqueue_send(redis_from_url(stack.settings.redis_url), message_id, urgent=False)
    stack.workers.start("default")
    with stack.writing_statuses():  # the clock's job for the queued `delivered`
        stack.wait_for(lambda: _status_of(stack, message_id) == "delivered", "the parked delivered status")
    assert stack.sends_per_recipient() == {mom_phone(0): 1}


def test_a_send_job_delivered_three_times_sends_once(stack: Stack) -> None:
    message_id = _outbound(stack)
    connection = redis_from_url(stack.settings.redis_url)
    for _ in range(3):
        enqueue_send(connection, message_id, urgent=False)
    stack.workers.start("default", 3)
    with stack.writing_statuses():
        stack.wait_for(lambda: _status_of(stack, message_id) == "delivered", "delivery")
    stack.wait_for(lambda: connection.llen("rq:queue:default") == 0, "every copy of the job run")
    assert stack.sends_per_recipient() == {mom_phone(0): 1}


def test_an_alert_failure_that_beats_the_api_answer_still_takes_the_other_path(stack: Stack) -> None:
    # The buddy's carrier rejects the alert, and the simulator posts `undelivered` 0.4 s before it
    # answers the API call: the failure is parked, and applied once the worker records the SID,
    # with what a failure brings (no WhatsApp sender in this stack: the on-duty operator is texted).
    seed_moms(stack.settings, 1, buddies=True)
    stack.set_faults(timeout_rate=1.0, timeout_seconds=0.5, delivery_errors={buddy_phone(0): 30003})
    form = {"MessageSid": new_sid(), "From": mom_phone(0), "To": stack.settings.twilio_from_number, "Body": "1"}
    assert stack.post("/twilio/inbound", form).status_code == 200
    stack.workers.start("urgent")
    operator = stack.settings.operator_alert_phone
    stack.wait_for(lambda: stack.sends_per_recipient()[operator] == 1, "the operator's text")
    with session_scope(stack.settings.database_url) as db:
        assert db.scalars(select(Alert.state)).one() == "failed"
        assert db.scalars(select(Message.status).where(Message.to_addr == buddy_phone(0))).one() == "undelivered"
    assert stack.sends_per_recipient() == {buddy_phone(0): 1, operator: 1}
