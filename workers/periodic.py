"""Periodic jobs as data, with stable ids: the clock enqueues them, a worker runs them."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from redis import Redis
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from service import checkins, outbox, pacing, spool
from service.config import Settings
from service.db import session_factory, session_scope
from service.messaging import TransportError
from service.models import Message
from service.queues import DEFAULT, URGENT, waiting_message_ids
from workers import context, jobs

log = logging.getLogger(__name__)

# How long before a pending row counts as lost (Redis was down) and a `sending` row as stuck (its
# worker died): Settings.outbox_lost_after_seconds and Settings.sending_stuck_seconds.


@dataclass(frozen=True)
class Periodic:
    id: str
    func: str
    every: int  # seconds
    queue: str = DEFAULT


PERIODIC = (
    Periodic("plan-checkins", "workers.periodic.plan_checkins", 30),
    Periodic("sweep-outbox", "workers.periodic.sweep_outbox", 10),
    # Alerts' retries at their own pace, on the urgent queue: not at the next sweep behind check-ins.
    Periodic("retry-alerts", "workers.periodic.retry_alerts", 2, URGENT),
    Periodic("remind-invitations", "workers.followups.remind_invitations", 600),
    Periodic("escalate-low-alerts", "workers.followups.escalate_low_alerts", 60),
    Periodic("erase-old-bodies", "workers.retention.erase_old_bodies", 3600),
    Periodic("escalate-crisis-alerts", "workers.escalation.escalate_unacknowledged", 30),
    Periodic("follow-up-checkins", "workers.periodic.follow_up_checkins", 60),
    Periodic("check-schedule-load", "workers.periodic.check_schedule_load", 600),
)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def plan_checkins() -> int:
    settings = context.settings()
    with session_scope(settings.database_url) as db:
        planned = checkins.plan_due(db, settings, _now())
        outbox.commit(db, context.redis())
    if planned:
        log.info("planned %s check-ins", planned)
    return planned


def follow_up_checkins() -> dict[str, int]:
    """Check-in states from delivery, missed ones, unreachable members, gentle nudges."""
    settings = context.settings()
    with session_scope(settings.database_url) as db:
        counts = checkins.follow_up(db, settings, _now())
        outbox.commit(db, context.redis())
    return counts


def check_schedule_load() -> dict[str, object]:
    """Warn (log and status page) when more check-ins fall due in one window than the pace can send."""
    settings = context.settings()
    now = _now()
    with session_scope(settings.database_url) as db:
        load = checkins.upcoming_load(db, settings, now)
    return pacing.store_load(context.redis(), load, mps=settings.twilio_mps,
                             window_minutes=settings.catch_up_minutes, now=now)


# An urgent row this old with no job attempt yet had its enqueue lost (Redis was down when it was written).
URGENT_LOST_AFTER = timedelta(seconds=5)


def retry_alerts() -> int:
    """Alert rows whose retry is due (RETRY_FIRST_DELAY_SECONDS and its backoff), or whose enqueue
    was lost while Redis was down, every two seconds: a crisis alert no longer waits for the 10-second
    sweep, nor a minute after Redis returns. Returns how many it enqueued."""
    settings = context.settings()
    connection = context.redis()
    now = _now()
    with session_scope(settings.database_url) as db:
        due = db.scalars(select(Message.id).where(
            Message.status == "pending", Message.urgent.is_(True),
            or_(Message.next_attempt_at <= now,
                Message.next_attempt_at.is_(None) & (Message.created_at < now - URGENT_LOST_AFTER)))
            .order_by(Message.id).limit(200)).all()
    if not due:
        return 0
    waiting = waiting_message_ids(connection)
    lost = [message_id for message_id in due if message_id not in waiting]
    if lost:
        lease = now + timedelta(seconds=settings.outbox_lost_after_seconds)
        with session_scope(settings.database_url) as db:
            db.execute(update(Message).where(Message.id.in_(lost), Message.status == "pending")
                       .values(next_attempt_at=lease))
        outbox.dispatch(connection, [(message_id, True) for message_id in lost])
    return len(lost)


def sweep_outbox() -> int:
    """Replay the inbound spool; settle rows stuck in `sending`; enqueue pending rows whose job was
    lost or whose retry is due. Returns how many it enqueued."""
    settings = context.settings()
    connection = context.redis()
    _replay_spool(settings, connection)
    now = _now()
    freed, found = _settle_stuck(settings, now)
    lost_after = timedelta(seconds=settings.outbox_lost_after_seconds)
    with session_scope(settings.database_url) as db:
        due = db.execute(select(Message.id, Message.urgent).where(
            Message.status == "pending",
            or_(Message.next_attempt_at <= now,
                Message.next_attempt_at.is_(None) & (Message.created_at < now - lost_after)))
            .order_by(Message.urgent.desc(), Message.id).limit(1000)).all()
    # A backlog longer than the lease is not a lost job: leave rows whose job still waits in a queue.
    waiting = waiting_message_ids(connection) if due else set()
    lost = [row for row in due if row.id not in waiting]
    if lost:
        # Lease each row so the next sweep does not enqueue it again while its job waits.
        with session_scope(settings.database_url) as db:
            db.execute(update(Message).where(Message.id.in_([r.id for r in lost]), Message.status == "pending")
                       .values(next_attempt_at=now + lost_after))
    outbox.dispatch(connection, [(row.id, row.urgent) for row in lost])
    if lost or freed or found:
        log.info("sweeper: %s enqueued, %s freed from sending, %s found sent", len(lost), freed, found)
    return len(lost)


def _settle_stuck(settings: Settings, now: datetime) -> tuple[int, int]:
    """A row left in `sending` (its worker died mid-send) either reached Twilio, which the recent
    messages to that number tell, or did not, and goes back to `pending`. Returns (freed, found)."""
    cutoff = now - timedelta(seconds=settings.sending_stuck_seconds)
    with session_scope(settings.database_url) as db:
        stuck = db.execute(select(Message.id, Message.to_addr, Message.body, Message.created_at, Message.alert_id)
                           .where(Message.status == "sending", Message.updated_at < cutoff)
                           .order_by(Message.id).limit(200)).all()
    freed = found = 0
    for row in stuck:
        try:
            sid = jobs.find_sent(settings, row.to_addr, row.body, row.created_at)
        except TransportError as exc:
            log.warning("sweeper: cannot check message %s with Twilio (%s); freeing it", row.id, exc.code)
            sid = None
        if sid is not None:
            jobs.record_sent(settings, row.id, sid, row.alert_id, reconciled=True)
            found += 1
            continue
        with session_scope(settings.database_url) as db:
            freed += db.execute(update(Message).where(
                Message.id == row.id, Message.status == "sending", Message.updated_at < cutoff)
                .values(status="pending", next_attempt_at=now, updated_at=now)).rowcount or 0
    return freed, found


def _replay_spool(settings: Settings, connection: Redis) -> None:
    try:
        replayed = spool.replay(settings, session_factory(settings.database_url), connection)
    except SQLAlchemyError as exc:
        log.warning("sweeper: database still unavailable for the inbound spool: %s", type(exc).__name__)
        return
    if replayed:
        log.info("sweeper: replayed %s spooled inbound texts", replayed)


def pending_count() -> int:
    with session_scope(context.settings().database_url) as db:
        return db.scalar(select(func.count()).select_from(Message).where(Message.status == "pending")) or 0
