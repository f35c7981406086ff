"""Delivery statuses from Twilio's callbacks: furthest wins, never backwards.

A callback can arrive before the worker has recorded the message's SID (it may
even beat the API's answer). Such a status is parked in Redis for an hour and
applied by the worker right after it records the SID. Only statuses past `sent`
are recorded (RECORDED).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Connection, Update, bindparam, select, update
from sqlalchemy.orm import Session

from service.config import Settings
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


def _early_key(sid: str) -> str:
    return f"village:early-status:{sid}"


def _forward(status: str, with_error: bool) -> Update:
    """The UPDATE that moves a message to `status` from `sent` or any rank between, built once per
    status. A message below `sent` that still carries this SID was put back for a resend (an
    operator's retry): the old attempt's late callbacks must not move it."""
    lower = [s for s, rank in RANK.items() if RANK["sent"] <= rank < RANK[status]]
    values: dict[str, Any] = {"status": status, "updated_at": bindparam("p_now")}
    if with_error:
        values["error_code"] = bindparam("p_error")
    # On the table, not the mapped class: an ORM-enabled UPDATE would also search the session for
    # Message objects to refresh, and no caller holds one.
    table = Message.__table__
    return update(table).where(table.c.provider_sid == bindparam("p_sid"), table.c.direction == "out",
                               table.c.status.in_(lower)).values(**values)


_FORWARD = {(status, with_error): _forward(status, with_error) for status in RECORDED for with_error in (False, True)}


def apply_status(session: Session | Connection, sid: str, status: str, error_code: str | None) -> int:
    """Move the message forward to `status` (our vocabulary); returns rows changed (0 or 1)."""
    params: dict[str, Any] = {"p_sid": sid, "p_now": datetime.now(timezone.utc)}
    if error_code:
        params["p_error"] = error_code[:12]
    result = session.execute(_FORWARD[status, bool(error_code)], params)
    return result.rowcount or 0


def is_known(session: Session, sid: str) -> bool:
    return session.scalar(select(Message.id).where(Message.provider_sid == sid)) is not None


def park(connection: Redis, sid: str, status: str, error_code: str | None) -> None:
    key = _early_key(sid)
    try:
        current = connection.get(key)
        if current is None or RANK[json.loads(current)["status"]] < RANK[status]:
            connection.set(key, json.dumps({"status": status, "error": error_code}), ex=EARLY_TTL)
    except RedisError as exc:
        log.warning("early status for %s not parked: %s", sid, exc)


def replay_parked(connection: Redis, session: Session, sid: str) -> None:
    try:
        raw = connection.get(_early_key(sid))
    except RedisError:
        return
    if raw is not None:
        parked = json.loads(raw)
        if parked["status"] in RECORDED:  # a `sent` parked before RECORDED existed needs nothing
            apply_status(session, sid, parked["status"], parked.get("error"))


def on_failure(session: Session, settings: Settings, sid: str) -> None:
    """A delivery failure reported by a callback: an alert gets another path at once."""
    from service import alerts

    message = session.scalar(select(Message).where(Message.provider_sid == sid))
    if message is not None and message.kind == "alert" and message.alert_id is not None:
        alerts.on_alert_failed(session, settings, message)
