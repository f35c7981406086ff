"""Thin jobs that take ids: claim the row, call the Transport, record the outcome.

A job may run twice (RQ is at-least-once): every state change is a conditional
UPDATE, and a job that loses the race returns quietly.
"""
from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import audit, delivery, pacing, quiet
from service.db import session_scope
from service.members import add_do_not_text, is_do_not_text
from service.messaging import TransportError
from service.models import Alert, Buddy, Member, Message
from service.phones import mask, split_address
from workers import context

log = logging.getLogger(__name__)

OPT_OUT_CODES = {"21610"}
INVALID_CODES = {"21211", "21614", "21635"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def send_message(message_id: int) -> str:
    settings = context.settings()
    with session_scope(settings.database_url) as db:
        claimed = db.execute(
            update(Message).where(Message.id == message_id, Message.status == "pending")
            .values(status="sending", attempts=Message.attempts + 1, updated_at=_now())).rowcount
        if claimed != 1:
            return "skipped: another worker got there first, or it is no longer pending"
        message = db.get(Message, message_id)
        assert message is not None
        reason = _blocked(db, message)
        if reason:
            message.status, message.error_code = "canceled", reason
            log.info("message %s to %s canceled: %s", message_id, mask(message.to_addr), reason)
            return f"canceled: {reason}"
        hold = quiet.check(db, settings, message, _now())
        if hold is not None:  # quiet hours, or a check-in past its catch-up limit
            return quiet.apply(db, message, hold)
        to, body, sender, validity = message.to_addr, message.body, message.from_addr, message.validity_seconds
        alert_id, urgent = message.alert_id, message.urgent
    # The HTTP call happens outside any transaction: a slow Twilio must never hold a lock.
    pacing.wait_turn(context.redis(), settings.twilio_mps, urgent=urgent)
    try:
        result = context.transport().send(to, body, sender=sender, validity_period=validity)
    except TransportError as err:
        with session_scope(settings.database_url) as db:
            return _record_failure(db, message_id, err, settings.send_max_attempts)
    with session_scope(settings.database_url) as db:
        db.execute(update(Message).where(Message.id == message_id, Message.status == "sending")
                   .values(status="sent", provider_sid=result.sid, error_code=None, updated_at=_now()))
        delivery.replay_parked(context.redis(), db, result.sid)
        if alert_id is not None:
            db.execute(update(Alert).where(Alert.id == alert_id, Alert.state == "pending").values(state="sent"))
    return f"sent {result.sid}"


def _blocked(db: Session, message: Message) -> str | None:
    """Re-check consent at send time: she may have said STOP since the row was written."""
    phone, _channel = split_address(message.to_addr)
    if is_do_not_text(db, phone):
        return "do-not-text"
    if message.kind == "alert" and message.buddy_id is not None:
        buddy = db.get(Buddy, message.buddy_id)
        if buddy is None or buddy.consent != "accepted":
            return "buddy-not-accepted"
    elif message.member_id is not None and message.buddy_id is None:
        member = db.get(Member, message.member_id)
        if member is not None and member.status == "opted_out" and message.kind != "alert":
            return "opted-out"
    return None


def _record_failure(db: Session, message_id: int, err: TransportError, max_attempts: int) -> str:
    message = db.get(Message, message_id)
    assert message is not None
    if message.status != "sending":
        return "skipped: state moved on"
    if err.permanent or message.attempts >= max_attempts:
        message.status, message.error_code = "failed", err.code[:12]
        _act_on_code(db, message, err.code)
        log.warning("message %s to %s failed for good: %s", message_id, mask(message.to_addr), err.code)
        return f"failed: {err.code}"
    # Exponential backoff with jitter; the sweeper enqueues it again when due.
    delay = min(300.0, 2.0 ** message.attempts) * random.uniform(0.5, 1.5)
    message.status, message.error_code = "pending", err.code[:12]
    message.next_attempt_at = _now() + timedelta(seconds=delay)
    log.info("message %s: transient %s, retry %s in %.1fs", message_id, err.code, message.attempts, delay)
    return f"retry: {err.code}"


def _act_on_code(db: Session, message: Message, code: str) -> None:
    phone, _channel = split_address(message.to_addr)
    if code in OPT_OUT_CODES:
        add_do_not_text(db, phone, "carrier-stop")
        for member in db.scalars(select(Member).where(Member.phone == phone)):
            member.status = "opted_out"
            audit.record(db, "member_opt_out", member_id=member.id, detail=f"twilio {code}")
        for buddy in db.scalars(select(Buddy).where(Buddy.phone == phone)):
            buddy.consent = "stopped"
            audit.record(db, "buddy_stop", member_id=buddy.member_id, buddy_id=buddy.id, detail=f"twilio {code}")
    elif code in INVALID_CODES:
        audit.record(db, "invalid_number", member_id=message.member_id, buddy_id=message.buddy_id,
                     detail=f"twilio {code}")
    if message.alert_id is not None:
        db.execute(update(Alert).where(Alert.id == message.alert_id).values(state="failed"))
