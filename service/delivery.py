"""Delivery statuses from Twilio's callbacks: furthest wins, never backwards.

A callback can arrive before the worker has recorded the message's SID (it may
even beat the API's answer). Such a status is parked in Redis for an hour and
applied by the worker right after it commits the SID, a failure with its alert
re-route. Whoever parks looks for the SID once more after parking: had the worker
read the parked key before the park, its commit is visible by then, so one of the
two applies it (both may: statuses only move forward, so only one changes the row).
Only statuses past `sent` are recorded (RECORDED).

The routine ones (delivered, read, canceled: two callbacks per message at scale) are not written
one UPDATE per callback: the webhook appends them to a Redis list (`queue_status`) and they are
applied in bulk (`apply_queued`), one UPDATE per status per chunk, as RapidPro's courier batches its
status writes: by each send batch as it ends, and by a job the clock enqueues when they wait.
Failures are applied at once: they may send an alert another way. Without Redis the webhook writes
the status itself.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Connection, Update, bindparam, select, update
from sqlalchemy.orm import Session

from service import outbox
from service.config import Settings
from service.db import session_scope
from service.models import Message

log = logging.getLogger(__name__)

RANK = {"pending": 0, "sending": 1, "sent": 2, "delivered": 4, "read": 5,
        "failed": 4, "undelivered": 4, "canceled": 4}
FROM_TWILIO = {"queued": "sent", "accepted": "sent", "scheduled": "sent", "sending": "sent", "sent": "sent",
               "delivered": "delivered", "read": "read", "failed": "failed", "undelivered": "undelivered",
               "canceled": "canceled"}
FAILED = ("failed", "undelivered")  # final statuses that mean it did not arrive
# The statuses a callback records. `sent` and below need nothing: the worker writes the SID and
# `sent` in one statement, so a message with this SID is already sent or further, and one put back
# for a resend keeps its old SID until then and must not be moved by that attempt's late callback.
RECORDED = tuple(status for status, rank in RANK.items() if rank > RANK["sent"])
EARLY_TTL = 3600
# Routine statuses waiting to be written: the webhook appends, `apply_queued` takes them in chunks
# from a working list (renamed from the inbox, so appends go on meanwhile) and trims each chunk only
# after its UPDATEs committed: a job killed mid-chunk leaves it to the next run, which re-applies it
# harmlessly (forward-only). One job at a time holds the lock, so no two trim the same chunk.
QUEUED = "village:statuses"
WORKING = "village:statuses:working"
APPLY_LOCK = "village:statuses:lock"
APPLY_LOCK_SECONDS = 120
# Set while a job to write them is queued or running: the clock, checking each second, enqueues
# one only when statuses wait and none is (so at most one job a second, however callbacks trickle in).
APPLY_JOB = "village:statuses:job"
APPLY_JOB_MS = 60_000  # a job lost with its worker frees the flag after this
APPLY_CHUNK = 500
APPLY_WAIT = 5.0
_TAKE = """
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
end
return redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)
"""
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
_CLAIM_JOB = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 and redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[1]) then
  return 1
end
return 0
"""


def _early_key(sid: str) -> str:
    return f"village:early-status:{sid}"


def _below(status: str) -> list[str]:
    """The statuses a message may move to `status` from: `sent` or any rank between. A message below
    `sent` that still carries this SID was put back for a resend (an operator's retry): the old
    attempt's late callbacks must not move it."""
    return [s for s, rank in RANK.items() if RANK["sent"] <= rank < RANK[status]]


def _forward(status: str, with_error: bool) -> Update:
    """The UPDATE that moves one message forward to `status`, built once per status."""
    values: dict[str, Any] = {"status": status, "updated_at": bindparam("p_now")}
    if with_error:
        values["error_code"] = bindparam("p_error")
    # On the table, not the mapped class: an ORM-enabled UPDATE would also search the session for
    # Message objects to refresh, and no caller holds one.
    table = Message.__table__
    return update(table).where(table.c.provider_sid == bindparam("p_sid"), table.c.direction == "out",
                               table.c.status.in_(_below(status))).values(**values)


_FORWARD = {(status, with_error): _forward(status, with_error) for status in RECORDED for with_error in (False, True)}


def _forward_many(status: str) -> Update:
    """`_forward` for many SIDs at once, returning the SIDs it moved."""
    table = Message.__table__
    return (update(table).where(table.c.provider_sid.in_(bindparam("p_sids", expanding=True)),
                                table.c.direction == "out", table.c.status.in_(_below(status)))
            .values(status=status, updated_at=bindparam("p_now")).returning(table.c.provider_sid))


_FORWARD_MANY = {status: _forward_many(status) for status in RECORDED}


def apply_status(session: Session | Connection, sid: str, status: str, error_code: str | None) -> int:
    """Move the message forward to `status` (our vocabulary); returns rows changed (0 or 1)."""
    params: dict[str, Any] = {"p_sid": sid, "p_now": datetime.now(timezone.utc)}
    if error_code:
        params["p_error"] = error_code[:12]
    result = session.execute(_FORWARD[status, bool(error_code)], params)
    return result.rowcount or 0


def queue_status(connection: Redis, sid: str, status: str, error_code: str | None) -> None:
    """Append a routine status for `apply_queued`: one round trip. Raises RedisError: the caller
    then writes the status itself."""
    connection.rpush(QUEUED, f"{sid} {status} {error_code[:12] if error_code else ''}")


def waiting(connection: Redis) -> int:
    """How many routine statuses are queued and not yet written (the status page, /metrics)."""
    pipe = connection.pipeline(transaction=False)
    pipe.llen(QUEUED)
    pipe.llen(WORKING)
    return sum(int(n) for n in pipe.execute())


def claim_apply_job(connection: Redis) -> bool:
    """True when statuses wait and no job to write them is queued or running; the caller (the
    clock) then enqueues one. One round trip."""
    return bool(connection.eval(_CLAIM_JOB, 3, QUEUED, WORKING, APPLY_JOB, APPLY_JOB_MS))


def apply_as_job(connection: Redis, database_url: str) -> int:
    """The job's run: write what is queued, then free the flag so the clock can enqueue the next."""
    try:
        return apply_queued(connection, database_url)
    finally:
        connection.delete(APPLY_JOB)


def apply_queued(connection: Redis, database_url: str, chunk: int = APPLY_CHUNK, wait: float = APPLY_WAIT) -> int:
    """Write the queued routine statuses, a chunk at a time; returns how many were taken. Statuses
    whose SID no message has yet are parked, as a callback's would be.

    Another run at work holds the lock: this one waits for it (up to `wait` seconds; a run takes
    milliseconds), since what it was enqueued for may have come after that run's last look. Past
    the wait it leaves the statuses to the next run."""
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while not connection.set(APPLY_LOCK, token, nx=True, ex=APPLY_LOCK_SECONDS):
        if time.monotonic() >= deadline:
            return 0
        time.sleep(0.02)
    taken = 0
    try:
        while items := connection.eval(_TAKE, 2, QUEUED, WORKING, chunk):
            with session_scope(database_url) as db:  # a send batch's own connection, when in one
                unknown = _apply_chunk(db, _furthest(item.decode() if isinstance(item, bytes) else item
                                                     for item in items))
            if unknown:  # before the worker recorded the SID: parked, then one more look (the docstring)
                for sid, (status, error) in unknown.items():
                    park(connection, sid, status, error)
                with session_scope(database_url) as db:
                    _apply_chunk(db, unknown, find_unknown=False)
            connection.ltrim(WORKING, len(items), -1)
            taken += len(items)
    finally:
        connection.eval(_RELEASE, 1, APPLY_LOCK, token)
    return taken


def _furthest(items: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """The queued items ("SID status error") as the furthest status (and its error) per SID."""
    furthest: dict[str, tuple[str, str | None]] = {}
    for item in items:
        sid, status, error = (item.split(" ") + ["", ""])[:3]
        if status in RECORDED and (sid not in furthest or RANK[furthest[sid][0]] < RANK[status]):
            furthest[sid] = (status, error or None)
    return furthest


def _apply_chunk(db: Session, furthest: dict[str, tuple[str, str | None]],
                 find_unknown: bool = True) -> dict[str, tuple[str, str | None]]:
    """Apply one chunk's statuses; returns those for SIDs no message has yet (to park)."""
    now = datetime.now(timezone.utc)
    moved: set[str] = set()
    by_status: dict[str, list[str]] = {}
    for sid, (status, error) in furthest.items():
        if error:  # rare on a routine status: one statement of its own
            if apply_status(db, sid, status, error):
                moved.add(sid)
        else:
            by_status.setdefault(status, []).append(sid)
    for status, sids in by_status.items():
        moved.update(db.scalars(_FORWARD_MANY[status], {"p_sids": sids, "p_now": now}))
    rest = [sid for sid in furthest if sid not in moved]
    if not rest or not find_unknown:
        return {}
    known = set(db.scalars(select(Message.provider_sid).where(Message.provider_sid.in_(rest))))
    return {sid: furthest[sid] for sid in rest if sid not in known}


def is_known(session: Session, sid: str) -> bool:
    return session.scalar(select(Message.id).where(Message.provider_sid == sid)) is not None


def settle(session: Session, settings: Settings, sid: str, status: str, error_code: str | None) -> int:
    """Move the message forward to `status`; a failure that moved it re-routes its alert in the same
    transaction (the caller commits, with `outbox.commit`). Returns rows changed (0 or 1)."""
    changed = apply_status(session, sid, status, error_code)
    if changed and status in FAILED:
        on_failure(session, settings, sid)
    return changed


def park(connection: Redis, sid: str, status: str, error_code: str | None) -> None:
    key = _early_key(sid)
    try:
        current = connection.get(key)
        if current is None or RANK[json.loads(current)["status"]] < RANK[status]:
            connection.set(key, json.dumps({"status": status, "error": error_code}), ex=EARLY_TTL)
    except RedisError as exc:
        log.warning("early status for %s not parked: %s", sid, exc)


def replay_parked(connection: Redis, settings: Settings, sid: str) -> None:
    """Apply what a callback parked for `sid`. Called by the worker after the commit that recorded
    the SID, never inside it: a callback parking after this read then finds the row on its second look."""
    try:
        raw = connection.get(_early_key(sid))
    except RedisError:
        return
    if raw is None:
        return
    parked = json.loads(raw)
    if parked["status"] in RECORDED:  # a `sent` parked before RECORDED existed needs nothing
        with session_scope(settings.database_url) as session:
            settle(session, settings, sid, parked["status"], parked.get("error"))
            outbox.commit(session, connection)


def on_failure(session: Session, settings: Settings, sid: str) -> None:
    """A delivery failure reported by a callback: an alert gets another path at once."""
    from service import alerts, audit

    message = session.scalar(select(Message).where(Message.provider_sid == sid))
    if message is None:
        return
    audit.record(session, "message_failed", member_id=message.member_id, buddy_id=message.buddy_id,
                 message_id=message.id, detail=message.error_code)
    if message.kind == "alert" and message.alert_id is not None:
        alerts.on_alert_failed(session, settings, message)
