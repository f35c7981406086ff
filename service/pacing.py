"""One pace for the whole deployment: TWILIO_MPS messages per second, shared by every worker.

The pace lives in Redis as the next free send slot (milliseconds). An alert
*reserves* the next slot and waits for it; a check-in only takes a slot that is
free now, and otherwise waits and asks again. So an alert queued behind a
20:00 burst waits at most one slot, while every message, alerts included,
counts against the same pace. TWILIO_MPS=0 means unlimited: no Redis call.

Also here: the scheduler's load figure (members due in the busiest catch-up
window against what the pace can send in it), kept in Redis for the status page.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any, Callable

from redis import Redis
from redis.exceptions import RedisError

from service.schedule import Load

log = logging.getLogger(__name__)

PACE_KEY = "village:pace:next-slot"
LOAD_KEY = "village:schedule:load"
MAX_WAIT = 30.0  # seconds; a send job has 60

# KEYS[1] next free slot (ms). ARGV: now (ms), interval (ms), urgent (1/0).
# Returns how many ms the caller must wait; a check-in that must wait took nothing.
_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
if ARGV[3] == '1' or slot <= now then
  redis.call('SET', KEYS[1], slot + interval, 'PX', math.max(1000, slot + interval - now + 1000))
  return slot - now
end
return -(slot - now)
"""


def reserve(connection: Redis, mps: float, *, urgent: bool, now_ms: int) -> int:
    """One step: ms to wait for a reserved slot (>= 0), or -ms until a check-in may ask again."""
    interval = max(1, round(1000 / mps))
    return int(connection.eval(_RESERVE, 1, PACE_KEY, now_ms, interval, 1 if urgent else 0))


def wait_turn(connection: Redis, mps: float, *, urgent: bool,
              clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> float:
    """Block until this process may send one message; returns seconds waited. Never raises on Redis
    trouble: a missing pace must not stop an alert (the job itself needed Redis to start)."""
    if mps <= 0:
        return 0.0
    waited = 0.0
    while waited < MAX_WAIT:
        try:
            result = reserve(connection, mps, urgent=urgent, now_ms=int(clock() * 1000))
        except RedisError as exc:
            log.warning("pace unavailable (%s); sending unpaced", exc)
            return waited
        pause = abs(result) / 1000
        sleep(pause)
        waited += pause
        if result >= 0:
            return waited
    log.warning("waited %.0fs for a send slot at %s/s; sending anyway", waited, mps)
    return waited


def store_load(connection: Redis, load: Load, *, mps: float, window_minutes: int, now: datetime) -> dict[str, Any]:
    """Keep the scheduler's load figure for the status page (and log it when over)."""
    report = load_report(load, mps=mps, window_minutes=window_minutes, now=now)
    try:
        connection.set(LOAD_KEY, json.dumps(report), ex=3600)
    except RedisError as exc:
        log.warning("load figure not stored: %s", exc)
    if load.over:
        log.warning("schedule over capacity: %s check-ins due within %s min of %s, but %s/s sends only %s; %s",
                    load.peak, window_minutes, report["window_start"], mps, load.capacity, report["advice"])
    return report


def load_report(load: Load, *, mps: float, window_minutes: int, now: datetime) -> dict[str, Any]:
    """Plain values: what the status page shows under 'schedule load'."""
    advice = ("spread members' check-in times, or add sender numbers to the Messaging Service and raise "
              "TWILIO_MPS to match") if load.over else ""
    return {"checked_at": now.isoformat(), "peak": load.peak, "capacity": load.capacity, "mps": mps,
            "window_minutes": window_minutes, "over": load.over, "advice": advice,
            "window_start": load.starts.isoformat() if load.starts else None}


def read_load(connection: Redis) -> dict[str, Any] | None:
    """The last load figure the scheduler stored, or None (never computed, or Redis down)."""
    try:
        raw = connection.get(LOAD_KEY)
    except RedisError:
        return None
    return json.loads(raw) if raw else None
