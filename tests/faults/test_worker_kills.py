"""Workers SIGKILLed again and again while a thousand check-ins go out: none lost, duplicates counted."""
from __future__ import annotations

import signal
import threading
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from service import checkins, outbox
from service.db import session_scope
from service.models import Message
from service.queues import redis_from_url
from tests.faults.conftest import Stack, _wait_for, mom_phone, seed_moms

CHECKINS = 1000
WORKERS = 4
KILL_EVERY = 1.5  # seconds between SIGKILLs; each replacement pays a worker start-up
SEND_DELAY_MS = 15  # each API answer takes this long, so most kills land while a send is in flight


def test_every_checkin_reaches_the_phone_while_workers_are_sigkilled_mid_send(stack: Stack) -> None:
    seed_moms(stack.settings, CHECKINS, buddies=False)
    now = datetime.now(timezone.utc)
    with session_scope(stack.settings.database_url) as db:
        for i in range(CHECKINS):
            checkins.send_now(db, stack.settings, mom_phone(i), force=False, now=now, actor="test")
        outbox.commit(db, redis_from_url(stack.settings.redis_url))
    stack.set_faults(delay_ms=SEND_DELAY_MS)
    stack.workers.start("default", WORKERS)
    kills, stop = [0], threading.Event()

    def killer() -> None:
        while not stop.wait(KILL_EVERY):
            stack.workers.kill_one("default")
            kills[0] += 1

    moms = {mom_phone(i) for i in range(CHECKINS)}
    started = time.monotonic()
    thread = threading.Thread(target=killer, daemon=True)
    with stack.sweeping():
        thread.start()
        try:
            stack.wait_for(lambda: _unsettled(stack) == 0, "every check-in recorded as sent")
        finally:
            stop.set()
            thread.join()
    sends = stack.sends_per_recipient()
    duplicates = sum(sends.values()) - len(sends)
    with session_scope(stack.settings.database_url) as db:
        claimed_again = db.scalar(select(func.count()).select_from(Message).where(Message.attempts > 1)) or 0
    print(f"\nworker kills: {CHECKINS} check-ins, {kills[0]} SIGKILLs of {WORKERS} workers, "
          f"{len(moms & set(sends))}/{CHECKINS} delivered in {time.monotonic() - started:.1f}s, "
          f"{claimed_again} rows claimed again after a kill, {duplicates} duplicates")
    assert set(sends) == moms
    assert kills[0] >= 3
    assert duplicates == 0


def _unsettled(stack: Stack) -> int:
    with session_scope(stack.settings.database_url) as db:
        return db.scalar(select(func.count()).select_from(Message).where(
            Message.kind == "checkin", Message.status.in_(("pending", "sending")))) or 0


def test_a_sigterm_lets_the_worker_finish_the_send_it_started(stack: Stack) -> None:
    seed_moms(stack.settings, 1, buddies=False)
    stack.set_faults(delay_ms=800)  # each API answer takes 0.8 s (under the 1 s client timeout): time to signal
    with session_scope(stack.settings.database_url) as db:
        checkins.send_now(db, stack.settings, mom_phone(0), force=False, now=datetime.now(timezone.utc), actor="test")
        outbox.commit(db, redis_from_url(stack.settings.redis_url))
    stack.workers.start("default")
    _wait_for(lambda: _status(stack) == "sending", 60, "the send to start", step=0.02)
    _queue, worker = stack.workers.running.pop()
    worker.kill(signal.SIGTERM)  # returns once the process has exited
    assert worker.popen.returncode == 0
    assert _status(stack) in ("sent", "delivered")
    assert stack.sends_per_recipient() == {mom_phone(0): 1}


def _status(stack: Stack) -> str:
    with session_scope(stack.settings.database_url) as db:
        return db.scalar(select(Message.status).where(Message.kind == "checkin")) or ""
