"""The scheduler process: `run_once(now)` enqueues due periodic jobs; `main()` loops until SIGTERM.

Running two clocks by mistake doubles nothing: each period of each job is
claimed in Redis with SET NX, and the jobs themselves are idempotent.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from datetime import datetime, timezone
from types import FrameType

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from service import delivery, logs
from service.config import ConfigError
from service.queues import enqueue_apply_statuses
from workers import context
from workers.periodic import PERIODIC

log = logging.getLogger(__name__)
LAST_TICK_KEY = "village:clock:last-tick"
LEASE_KEY = "village:clock:lease"
LEASE_SECONDS = 10
# Take the lease when free, or extend it when it is ours; never take another clock's.
_LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
"""


def hold_lease(connection: Redis, ident: str, seconds: int = LEASE_SECONDS) -> bool:
    """True while this clock is the one that ticks; a second clock waits as a hot standby."""
    return bool(connection.eval(_LEASE, 1, LEASE_KEY, ident, seconds))


def run_once(now: datetime, connection: Redis) -> bool:
    """Enqueue every periodic job whose period has begun, and the job writing queued delivery
    statuses when it is wanted; True when it enqueued any."""
    found = False
    stamp = int(now.timestamp())
    for job in PERIODIC:
        key = f"village:clock:{job.id}:{stamp // job.every}"
        if connection.set(key, "1", nx=True, ex=job.every * 3):
            Queue(job.queue, connection=connection).enqueue(job.func, job_timeout=120, result_ttl=60,
                                                            description=f"periodic {job.id}")
            found = True
    found = enqueue_status_writer(connection) or found
    connection.set(LAST_TICK_KEY, now.isoformat(), ex=3600)
    return found


def enqueue_status_writer(connection: Redis) -> bool:
    """Each tick: a job to write the queued delivery statuses, when some wait and none is queued
    or running (service.delivery). At most one a second, however the callbacks trickle in."""
    if delivery.claim_apply_job(connection):
        enqueue_apply_statuses(connection)
        return True
    return False


class _Stop:
    requested = False

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        log.info("clock: signal %s, stopping after this tick", signum)
        self.requested = True


def main() -> None:
    try:
        settings = context.settings()
    except ConfigError as exc:  # one line, not a traceback
        sys.exit(f"clock: {exc}")
    logs.configure(settings.log_level, settings.log_format)
    stop = _Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    connection = context.redis()
    ident = f"{socket.gethostname()}:{os.getpid()}"
    log.info("clock %s started", ident)
    while not stop.requested:
        try:
            if hold_lease(connection, ident):
                run_once(datetime.now(timezone.utc), connection)
        except RedisError as exc:
            log.warning("clock: Redis unavailable (%s); retrying", exc)
        time.sleep(1.0)


if __name__ == "__main__":
    main()
