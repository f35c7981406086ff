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
SEND_BATCH = "workers.jobs.send_batch"
APPLY_STATUSES = "workers.jobs.apply_statuses"
# Check-ins written together (a fan-out) go in jobs of up to this many messages, so RQ's own cost
# per job (about 1.5 ms of CPU) is paid once per batch. Alerts always get a job of their own.
BATCH_SIZE = 20
BATCH_SECONDS = 20  # a batch running longer puts its unsent rest back as a new job


TIMEOUTS = {"socket_timeout": 5, "socket_connect_timeout": 2}


@functools.lru_cache(maxsize=8)
def redis_from_url(url: str) -> Redis:
    """One client (and pool) per process and URL; every call has a timeout.

    `redis://` and `rediss://` (TLS) as redis-py reads them; `redis+sentinel://[:password@]h1:p1,h2:p2/
    service[/db]` asks the Sentinels for the current primary and follows fail-overs.
    """
    if url.startswith("redis+sentinel://"):
        return _sentinel_primary(url)
    return Redis.from_url(url, health_check_interval=30, **TIMEOUTS)  # type: ignore[arg-type]


def _sentinel_primary(url: str) -> Redis:
    from urllib.parse import urlsplit

    from redis.sentinel import Sentinel

    parts = urlsplit(url)
    hosts = [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1]) if ":" in h else 26379)
             for h in parts.netloc.rsplit("@", 1)[-1].split(",")]
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise ValueError("redis+sentinel:// URLs name the service: redis+sentinel://host:26379/mymaster/0")
    sentinel = Sentinel(hosts, **TIMEOUTS)  # type: ignore[arg-type]
    return sentinel.master_for(path[0], db=int(path[1]) if len(path) > 1 else 0,
                               password=parts.password or None, **TIMEOUTS)


def queue(name: str, connection: Redis) -> Queue:
    return Queue(name, connection=connection)


def send_job_id(message_id: int) -> str:
    # One id per message, so the sweeper can tell a job that still waits in a queue from a lost one.
    return f"send-message-{message_id}"


def batch_job_id(message_ids: list[int]) -> str:
    return f"send-batch-{message_ids[0]}-{len(message_ids)}"


def enqueue_batch(connection: Redis, message_ids: list[int]) -> None:
    """One job for several non-urgent messages; each is still claimed and recorded on its own."""
    if len(message_ids) == 1:
        enqueue_send(connection, message_ids[0], urgent=False)
        return
    # Room for the last message started before BATCH_SECONDS to wait for its pace and send.
    queue(DEFAULT, connection).enqueue(
        SEND_BATCH, list(message_ids), job_timeout=BATCH_SECONDS + 90, result_ttl=300, failure_ttl=7 * 86400,
        description=f"send {len(message_ids)} messages from {message_ids[0]}", job_id=batch_job_id(message_ids),
    )


def waiting_message_ids(connection: Redis) -> set[int]:
    """Ids of the messages whose send job still waits in a queue, single or batched."""
    from rq.job import Job

    waiting: set[int] = set()
    batches: list[str] = []
    for name in QUEUES:
        for job_id in queue(name, connection).get_job_ids():
            if job_id.startswith("send-message-"):
                waiting.add(int(job_id.rsplit("-", 1)[1]))
            elif job_id.startswith("send-batch-"):
                batches.append(job_id)
    for job in Job.fetch_many(batches, connection=connection) if batches else []:
        if job is not None and job.args:
            waiting.update(job.args[0])
    return waiting


def enqueue_send(connection: Redis, message_id: int, *, urgent: bool) -> None:
    # No ttl: a queued job whose ttl expires vanishes without a trace (DESIGN.md).
    queue(URGENT if urgent else DEFAULT, connection).enqueue(
        SEND_MESSAGE, message_id, job_timeout=60, result_ttl=300, failure_ttl=7 * 86400,
        description=f"send message {message_id}", job_id=send_job_id(message_id),
    )


def enqueue_apply_statuses(connection: Redis) -> None:
    """Write the routine delivery statuses queued in Redis (service.delivery.queue_status): enqueued
    by the clock when they wait. During a burst of check-ins each send batch writes them as it ends."""
    queue(DEFAULT, connection).enqueue(APPLY_STATUSES, job_timeout=120, result_ttl=60,
                                       description="apply queued delivery statuses")
