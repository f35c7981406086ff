"""Redis stops while moms reply: every reply is answered and stored, and every alert goes out later."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from xml.etree import ElementTree

from sqlalchemy import func, select

from service.models import Alert, Message
from service.db import session_scope
from service.simulator_twilio import new_sid
from tests.faults.conftest import Stack, buddy_phone, mom_phone, seed_moms

MOMS = 50


def test_low_replies_during_a_redis_outage_are_stored_and_alert_every_buddy_once_redis_returns(stack: Stack) -> None:
    seed_moms(stack.settings, MOMS, buddies=True)
    stack.workers.start("urgent", 2)
    stack.workers.start("default", 1)
    stack.redis.stop()

    def reply(i: int) -> tuple[int, int]:
        response = stack.post("/twilio/inbound", {"MessageSid": new_sid(), "From": mom_phone(i),
                                                  "To": stack.settings.twilio_from_number, "Body": "2"})
        return response.status_code, len(ElementTree.fromstring(response.text).findall("Message"))

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(reply, range(MOMS)))
    assert answers == [(200, 1)] * MOMS  # each mom got her TwiML reply while Redis was down
    with session_scope(stack.settings.database_url) as db:
        assert db.scalar(select(func.count()).where(Message.direction == "in", Message.mood_level == "low")) == MOMS
        assert db.scalar(select(func.count()).select_from(Alert).where(Alert.state == "pending")) == MOMS
    assert stack.sim_requests() == []

    stack.redis.start()  # back, and empty: every job that was to carry an alert is gone
    buddies = {buddy_phone(i) for i in range(MOMS)}
    with stack.sweeping():
        stack.wait_for(lambda: buddies <= set(stack.sends_per_recipient()), "an alert to every buddy")
        stack.wait_for(lambda: _alerts_sent(stack) == MOMS, "every alert marked sent")
    sends = stack.sends_per_recipient()
    print(f"\nredis outage: {MOMS} replies answered 200 and stored while down; "
          f"{sum(sends[b] for b in buddies)} buddy alerts after restart, to {len(buddies & set(sends))} buddies")
    assert {to: sends[to] for to in buddies} == {to: 1 for to in buddies}
    assert set(sends) == buddies


def _alerts_sent(stack: Stack) -> int:
    with session_scope(stack.settings.database_url) as db:
        return db.scalar(select(func.count()).select_from(Alert).where(Alert.state == "sent")) or 0


def test_a_delivered_status_during_a_redis_outage_is_written_at_once(stack: Stack) -> None:
    # Routine statuses are normally queued in Redis and written by a job; with Redis down the
    # webhook writes the status itself.
    sid = new_sid()
    with session_scope(stack.settings.database_url) as db:
        message = Message(direction="out", status="sent", to_addr=mom_phone(0), from_addr=stack.settings.sender,
                          body="x", kind="checkin", provider_sid=sid, member_id=seed_moms(stack.settings, 1, buddies=False)[0])
        db.add(message)
        db.flush()
        message_id = message.id
    stack.redis.stop()
    response = stack.post("/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered", "To": mom_phone(0),
                                             "From": stack.settings.twilio_from_number})
    assert response.status_code == 200
    with session_scope(stack.settings.database_url) as db:
        assert db.get(Message, message_id).status == "delivered"  # type: ignore[union-attr]
