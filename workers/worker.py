"""`python -m workers.worker --queue NAME`: one RQ worker on one queue.

One queue per process: a worker listening to several can lose a job when it
dies at the wrong moment (DESIGN.md). It is a SimpleWorker: jobs run in this
process, so the heavy imports and the database pool are paid once, not per job
(a forking worker adds a fork and a reconnect to every alert).
"""
from __future__ import annotations

import argparse
import sys

from redis import Redis
from rq import SimpleWorker

from service import logs
from service.config import ConfigError
from service.queues import QUEUES, queue
from workers import context

WORKER_TTL = 60  # seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queue", required=True, choices=QUEUES)
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    try:
        settings = context.settings()
    except ConfigError as exc:  # one line, not a traceback
        sys.exit(f"worker: {exc}")
    logs.configure(settings.log_level, settings.log_format)
    import service.mood  # noqa: F401  heavy imports before the first job, not during it
    import workers.jobs  # noqa: F401
    import workers.periodic  # noqa: F401

    worker = make_worker(args.queue, context.redis(), args.name)
    worker.work(burst=args.burst, with_scheduler=False, logging_level=settings.log_level)


def make_worker(queue_name: str, connection: Redis, name: str | None = None) -> SimpleWorker:
    # An idle RQ worker refreshes its heartbeat once per blocking wait, WORKER_TTL - 15 seconds:
    # with RQ's default (420) an idle urgent worker looked dead on the status page for minutes at
    # a time. Every 45 s keeps it well inside the page's WORKER_STALE, for one cheap Redis call.
    return SimpleWorker([queue(queue_name, connection)], connection=connection, name=name, worker_ttl=WORKER_TTL)


if __name__ == "__main__":
    main()
