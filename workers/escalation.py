"""Crisis escalation: a crisis alert no buddy acknowledged in time texts the on-duty operator, once.

A periodic job (workers.periodic.PERIODIC). It may run twice at once: each crisis is claimed by a
conditional UPDATE of `escalated_at`, so only one run writes the operator's alert.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import audit, outbox
from service.alerts import operator_phone, operator_text
from service.config import Settings
from service.db import session_scope
from service.figures import episode_key
from service.models import Alert, Member
from workers import context

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(hours=24)  # older crises are the status page's business, not a text at 3 a.m.


def escalate_unacknowledged(now: datetime | None = None) -> int:
    """Escalate every crisis waiting longer than CRISIS_ESCALATION_MINUTES; returns how many."""
    settings = context.settings()
    now = now or datetime.now(timezone.utc)
    with session_scope(settings.database_url) as db:
        done = escalate(db, settings, now)
        outbox.commit(db, context.redis())
    if done:
        log.warning("escalated %s unacknowledged crisis alert(s) to the operator", done)
    return done


def escalate(db: Session, settings: Settings, now: datetime) -> int:
    cutoff = now - timedelta(minutes=settings.crisis_escalation_minutes)
    alerts = db.scalars(select(Alert).where(
        Alert.level == "crisis", Alert.created_at >= now - LOOK_BACK - timedelta(minutes=1))).all()
    episodes: dict[tuple[object, ...], list[Alert]] = {}
    for alert in alerts:
        episodes.setdefault(episode_key(alert), []).append(alert)
    done = 0
    for group in episodes.values():
        buddies = [a for a in group if a.recipient == "buddy"]
        if not buddies or any(a.recipient == "operator" for a in group):
            continue  # routed to the operator already (no buddy accepted), or escalated before
        if any(a.acknowledged_at or a.handled_at or a.escalated_at for a in group):
            continue
        first = min(buddies, key=lambda a: a.created_at)
        if first.created_at > cutoff:
            continue
        claimed = db.execute(update(Alert).where(Alert.id == first.id, Alert.escalated_at.is_(None))
                             .values(escalated_at=now)).rowcount
        if claimed == 1:
            # Her second unacknowledged crisis minutes after the first: the operator already has
            # a text about her, word for word the same; the safety queue shows both.
            recent = db.scalar(select(Alert.id).where(
                Alert.member_id == first.member_id, Alert.recipient == "operator", Alert.level == "crisis",
                Alert.created_at >= now - timedelta(minutes=settings.crisis_escalation_minutes)).limit(1))
            _text_operator(db, settings, first, now, text=recent is None)
            done += 1
    return done


def _text_operator(db: Session, settings: Settings, alert: Alert, now: datetime, *, text: bool = True) -> None:
    phone = operator_phone(settings)
    operator = Alert(member_id=alert.member_id, checkin_id=alert.checkin_id, message_id=alert.message_id, level="crisis",
                     recipient="operator", state="pending" if phone else "unrouted", created_at=now)
    db.add(operator)
    db.flush()
    if phone is None:
        log.error("crisis alert %s unacknowledged and no OPERATOR_ALERT_PHONE to escalate to", alert.id)
        audit.record(db, "crisis_escalation_unrouted", member_id=alert.member_id, actor="escalation")
        return
    member = db.get(Member, alert.member_id)
    if member is None:  # erased meanwhile: nobody left to reach
        return
    if not text:
        operator.state = "sent"  # covered by the text about her minutes ago: her OK acknowledges this too
        audit.record(db, "alert_escalated", member_id=alert.member_id, actor="escalation",
                     detail=f"crisis alert {alert.id}: the operator was texted about her minutes before")
        return
    outbox.add(db, to=phone, sender=settings.sender, body=operator_text("alert_crisis_unacknowledged", member),
               kind="alert", urgent=True, member_id=alert.member_id, alert_id=operator.id)
    audit.record(db, "alert_escalated", member_id=alert.member_id, actor="escalation",
                 detail=f"crisis alert {alert.id} unacknowledged for {settings.crisis_escalation_minutes} min")
