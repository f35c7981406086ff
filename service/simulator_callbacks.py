"""A tiny timer thread that posts the simulator's status callbacks in due order.

Created state is per process: after a fork (gunicorn with --preload) the copied lock and the
parent's thread are useless, so the first use in a new process starts afresh.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class CallbackDispatcher:
    """Runs timed actions on one daemon thread, started on first use so importing or building costs nothing."""

    def __init__(self) -> None:
        self._init_state()

    def _init_state(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._pending = 0  # queued plus running, so wait_idle also waits for the POST in flight
        self._counter = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _ensure_own_process(self) -> None:
        if os.getpid() != self._pid:
            self._init_state()

    def schedule(self, delay: float, action: Callable[[], None]) -> None:
        self._ensure_own_process()
        with self._cond:
            heapq.heappush(self._jobs, _Job(time.monotonic() + delay, next(self._counter), action))
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="twilio-simulator-callbacks", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _next_job(self, stop: threading.Event) -> _Job | None:
        with self._cond:
            while not stop.is_set():
                wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._jobs)
                self._cond.wait(wait)
            return None

    def _run(self, stop: threading.Event) -> None:
        while (job := self._next_job(stop)) is not None:
            try:
                job.action()
            except Exception:  # a broken callback must not kill the thread for later ones
                log.exception("Simulator callback job failed")
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or running; False if `timeout` seconds pass first."""
        self._ensure_own_process()
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def clear(self) -> None:
        """Drop queued jobs (a job already running finishes)."""
        self._ensure_own_process()
        with self._cond:
            self._pending -= len(self._jobs)
            self._jobs.clear()
            self._cond.notify_all()

    def stop(self) -> None:
        self.clear()
        with self._cond:
            self._stop.set()
            self._cond.notify_all()
            thread, self._thread = self._thread, None
            self._stop = threading.Event()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
