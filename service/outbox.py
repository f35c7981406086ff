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
from service.queues import BATCH_SIZE, enqueue_batch, enqueue_send

log = logging.getLogger(__name__)


def add(session: Session, *, to: str, body: str, kind: str, sender: str, urgent: bool = False,
        not_before: datetime | None = None, **links: Any) -> Message:
    """Write a pending outbound Message; it is enqueued by `commit()` once the transaction holds.
    With `not_before` (quiet hours), the sweeper enqueues it once that time has come."""
    message = Message(direction="out", status="pending", to_addr=to, from_addr=sender, body=body,
                      kind=kind, urgent=urgent, attempts=0, next_attempt_at=not_before, **links)
    session.add(message)
    if not_before is None:
        # No flush for its id: the commit's single flush assigns it, and commit() reads it then.
        session.info.setdefault("outbox", []).append((message, urgent))
    return message


def commit(session: Session, connection: Redis | None) -> int:
    """Commit, then enqueue what this transaction wrote. Returns how many were enqueued."""
    pending: list[tuple[Message | int, bool]] = session.info.pop("outbox", [])
    session.commit()
    return dispatch(connection, [(m if isinstance(m, int) else m.id, urgent) for m, urgent in pending])


def dispatch(connection: Redis | None, pending: list[tuple[int, bool]]) -> int:
    """Enqueue committed rows: each urgent one alone and first, the rest in batches."""
    if connection is None:
        return 0
    urgent = [message_id for message_id, is_urgent in pending if is_urgent]
    normal = [message_id for message_id, is_urgent in pending if not is_urgent]
    done = 0
    try:
        for message_id in urgent:
            enqueue_send(connection, message_id, urgent=True)
            done += 1
        for start in range(0, len(normal), BATCH_SIZE):
            chunk = normal[start:start + BATCH_SIZE]
            enqueue_batch(connection, chunk)
            done += len(chunk)
    except RedisError as exc:
        # The rows are committed; the sweeper will pick them up when Redis returns.
        log.warning("enqueue of %s messages deferred to the sweeper: %s", len(pending) - done, exc)
    return done
