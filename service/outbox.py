"""The transactional outbox: a Message row in the caller's transaction, a job after commit.

If the enqueue fails (Redis down), the row stays `pending` and the sweeper
(workers.periodic) enqueues it later: losing Redis delays a message, never loses it.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from service.models import Message
from service.queues import enqueue_send

log = logging.getLogger(__name__)


def add(session: Session, *, to: str, body: str, kind: str, sender: str, urgent: bool = False,
        not_before: datetime | None = None, **links: Any) -> Message:
    """Write a pending outbound Message; it is enqueued by `commit()` once the transaction holds.
    With `not_before` (quiet hours), the sweeper enqueues it once that time has come."""
    message = Message(direction="out", status="pending", to_addr=to, from_addr=sender, body=body,
                      kind=kind, urgent=urgent, attempts=0, next_attempt_at=not_before, **links)
    session.add(message)
    session.flush()
    if not_before is None:
        session.info.setdefault("outbox", []).append((message.id, urgent))
    return message


def commit(session: Session, connection: Redis | None) -> int:
    """Commit, then enqueue what this transaction wrote. Returns how many were enqueued."""
    pending: list[tuple[int, bool]] = session.info.pop("outbox", [])
    session.commit()
    return dispatch(connection, pending)


def dispatch(connection: Redis | None, pending: list[tuple[int, bool]]) -> int:
    done = 0
    for message_id, urgent in pending:
        if connection is None:
            break
        try:
            enqueue_send(connection, message_id, urgent=urgent)
            done += 1
        except RedisError as exc:
            # The row is committed; the sweeper will pick it up when Redis returns.
            log.warning("enqueue of message %s deferred to the sweeper: %s", message_id, exc)
            break
    return done
