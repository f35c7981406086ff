"""Redis connection, queue names and job paths. The web side enqueues by dotted path;
`service/` never imports `workers/`."""
from __future__ import annotations

import functools

from redis import Redis
from rq import Queue

DEFAULT = "default"  # check-ins, replies, invitations, periodic jobs
URGENT = "urgent"    # buddy and operator alerts only, so a burst of check-ins never delays one
QUEUES = (URGENT, DEFAULT)

SEND_MESSAGE = "workers.jobs.send_message"


@functools.lru_cache(maxsize=8)
def redis_from_url(url: str) -> Redis:
    """One client (and pool) per process and URL; every call has a timeout."""
    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30)


def queue(name: str, connection: Redis) -> Queue:
    return Queue(name, connection=connection)


def send_job_id(message_id: int) -> str:
    # One id per message, so the sweeper can tell a job that still waits in a queue from a lost one.
    return f"send-message-{message_id}"


def enqueue_send(connection: Redis, message_id: int, *, urgent: bool) -> None:
    # No ttl: a queued job whose ttl expires vanishes without a trace (DESIGN.md).
    queue(URGENT if urgent else DEFAULT, connection).enqueue(
        SEND_MESSAGE, message_id, job_timeout=60, result_ttl=300, failure_ttl=7 * 86400,
        description=f"send message {message_id}", job_id=send_job_id(message_id),
    )
