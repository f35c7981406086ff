"""Periodic jobs as data, with stable ids: the clock enqueues them, a worker runs them."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select, update

from service import checkins, outbox, pacing
from service.db import session_scope
from service.models import Message
from service.queues import enqueue_send
from workers import context

log = logging.getLogger(__name__)

LOST_AFTER = timedelta(minutes=1)     # a pending row this old lost its job (Redis was down)
SENDING_STUCK = timedelta(minutes=3)  # longer than any send's job_timeout


@dataclass(frozen=True)
class Periodic:
    id: str
    func: str
    every: int  # seconds


PERIODIC = (
    Periodic("plan-checkins", "workers.periodic.plan_checkins", 30),
    Periodic("sweep-outbox", "workers.periodic.sweep_outbox", 10),
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


def sweep_outbox() -> int:
    """Enqueue pending rows whose job was lost or whose retry is due; free rows stuck in `sending`."""
    settings = context.settings()
    now = _now()
    with session_scope(settings.database_url) as db:
        freed = db.execute(
            update(Message).where(Message.status == "sending", Message.updated_at < now - SENDING_STUCK)
            .values(status="pending", next_attempt_at=None, updated_at=now)).rowcount
        due = db.execute(select(Message.id, Message.urgent).where(
            Message.status == "pending",
            or_(Message.next_attempt_at <= now,
                Message.next_attempt_at.is_(None) & (Message.created_at < now - LOST_AFTER)))
            .order_by(Message.urgent.desc(), Message.id).limit(1000)).all()
        # Lease each row for a minute so the next sweep does not enqueue it again.
        if due:
            db.execute(update(Message).where(Message.id.in_([r.id for r in due]))
                       .values(next_attempt_at=now + LOST_AFTER))
    connection = context.redis()
    for row in due:
        enqueue_send(connection, row.id, urgent=row.urgent)
    if due or freed:
        log.info("sweeper: %s enqueued, %s freed from sending", len(due), freed)
    return len(due)


def pending_count() -> int:
    with session_scope(context.settings().database_url) as db:
        return db.scalar(select(func.count()).select_from(Message).where(Message.status == "pending")) or 0
