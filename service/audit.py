"""The audit trail and consent ledger: one Event row per state change, never a message body."""
from __future__ import annotations

from sqlalchemy.orm import Session

from service.models import Event


def record(session: Session, kind: str, *, member_id: int | None = None, buddy_id: int | None = None,
           message_id: int | None = None, actor: str = "system", channel: str | None = None,
           detail: str | None = None) -> Event:
    event = Event(kind=kind, member_id=member_id, buddy_id=buddy_id, message_id=message_id,
                  actor=actor, channel=channel, detail=(detail or None) and detail[:200])
    session.add(event)
    return event
