"""The periodic retention job (see service.retention)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from service import retention
from service.db import session_scope
from workers import context

log = logging.getLogger(__name__)


def erase_old_bodies() -> int:
    settings = context.settings()
    with session_scope(settings.database_url) as db:
        erased = retention.erase_old_bodies(db, settings.retention_days, datetime.now(timezone.utc))
    if erased:
        log.info("retention: erased %s message bodies older than %s days", erased, settings.retention_days)
    return erased
