"""Periodic follow-ups in the conversation: buddy invitation reminders and low-alert escalation."""
from __future__ import annotations

from datetime import datetime, timezone

from service import alerts, members, outbox
from service.db import session_scope
from workers import context


def remind_invitations() -> int:
    settings = context.settings()
    with session_scope(settings.database_url) as db:
        done = members.remind_invitations(db, settings, datetime.now(timezone.utc))
        outbox.commit(db, context.redis())
    return done


def escalate_low_alerts() -> int:
    settings = context.settings()
    with session_scope(settings.database_url) as db:
        done = alerts.escalate_low(db, settings, datetime.now(timezone.utc))
        outbox.commit(db, context.redis())
    return done
