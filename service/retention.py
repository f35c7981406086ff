"""Data retention: message bodies older than RETENTION_DAYS are erased; the metadata the status
page counts (kind, status, times, error codes, mood level) stays."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.models import Message



def erase_old_bodies(session: Session, retention_days: int, now: datetime) -> int:
    cutoff = now - timedelta(days=retention_days)
    result = session.execute(update(Message).where(Message.created_at < cutoff, Message.body.is_not(None))
                             .values(body=None, content_variables=None, profile_name=None))
    return result.rowcount or 0
