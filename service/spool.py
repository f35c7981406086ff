"""A durable spool for signed inbound texts that arrive while the database is down.

Twilio never redelivers a reply it got an answer to (TWILIO.md), so a webhook that cannot store a
reply must keep it somewhere else: a Redis list when Redis answers (shared by every web host;
production Redis runs with AOF), else an append-only file under SPOOL_DIR (fsynced, one JSON line
per request). The sweeper replays both when the database is back; the inbound MessageSid is unique,
so a request replayed twice (or one that was stored after all) is recognised and skipped.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from service import inbox, outbox
from service.config import Settings
from service.models import Message
from service.phones import mask

log = logging.getLogger(__name__)

REDIS_KEY = "village:spool:inbound"
FILE_NAME = "inbound.jsonl"
# A reply the webhook could not give is still worth sending this late; later it would confuse.
LATE_REPLY_WITHIN = timedelta(hours=1)


def entry(form: Iterable[tuple[str, str]], received_at: datetime, *, stored: bool = False) -> dict[str, Any]:
    """`stored`: the raw text was committed before the database failed, but not processed."""
    return {"form": [[k, v] for k, v in form], "received_at": received_at.isoformat(), "stored": stored}


def append(settings: Settings, connection: Redis | None, item: dict[str, Any]) -> str:
    """Keep one signed request; returns where ("redis" or "file"). Raises OSError if neither works."""
    line = json.dumps(item, ensure_ascii=True)
    if connection is not None:
        try:
            connection.rpush(REDIS_KEY, line)
            return "redis"
        except RedisError as exc:
            log.warning("spool: Redis unavailable (%s); writing to file", exc)
    directory = Path(settings.spool_dir)
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / FILE_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return "file"


def replay(settings: Settings, session_factory: Any, connection: Redis | None) -> int:
    """Process every spooled request (Redis first, then files); returns how many were new.

    Stops at the first database error and keeps what is left for the next sweep."""
    done = 0
    try:
        while connection is not None:
            raw = connection.lindex(REDIS_KEY, 0)
            if raw is None:
                break
            done += _replay_one(settings, session_factory, connection, json.loads(raw))
            connection.lpop(REDIS_KEY)  # only once handled: a crash here means a deduplicated replay
    except RedisError as exc:
        log.warning("spool: Redis unavailable during replay (%s)", exc)
    return done + _replay_files(settings, session_factory, connection)


def pending(settings: Settings, connection: Redis | None) -> int:
    """How many requests wait in the spool (for health and tests)."""
    count = 0
    if connection is not None:
        try:
            count += int(connection.llen(REDIS_KEY))
        except RedisError:
            pass
    for path in _files(settings):
        count += sum(1 for line in path.read_text("ascii").splitlines() if line.strip())
    return count


def _files(settings: Settings) -> list[Path]:
    directory = Path(settings.spool_dir)
    if not directory.is_dir():
        return []
    return sorted(directory.glob("inbound*.replaying")) + sorted(directory.glob(FILE_NAME))


def _replay_files(settings: Settings, session_factory: Any, connection: Redis | None) -> int:
    done = 0
    for path in _files(settings):
        if path.suffix == ".jsonl":
            # New requests go to a fresh file while this one is replayed.
            target = path.with_name(f"inbound.{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}.replaying")
            os.replace(path, target)
            path = target
        with open(path, "r+", encoding="ascii") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # waits for a writer that opened it before the rename
            lines = [line for line in handle.read().splitlines() if line.strip()]
        for line in lines:
            done += _replay_one(settings, session_factory, connection, json.loads(line))
        path.unlink()
    return done


def _replay_one(settings: Settings, session_factory: Any, connection: Redis | None,
                item: dict[str, Any]) -> int:
    """Store and process one request as the webhook would have; 0 when it was already stored.
    A database error propagates (SQLAlchemyError) so the caller keeps the request."""
    form = {k: _clean(v) for k, v in item["form"]}
    received_at = datetime.fromisoformat(item["received_at"])
    sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    from_addr = form.get("From", "").strip()
    session: Session = session_factory()
    try:
        message = inbox.store(session, sid=sid, from_addr=from_addr, to_addr=form.get("To", ""),
                              body=form.get("Body", ""))
        if message is None:
            message = _stored_unprocessed(session, sid) if item.get("stored") else None
            if message is None:
                return 0
        outcome = inbox.process(session, settings, connection, message, opt_out_type=form.get("OptOutType"),
                                now=received_at)
        _send_late_replies(session, connection, message, outcome.intent, received_at)
        log.info("spool: replayed inbound %s from %s (%s)", message.id, mask(from_addr), outcome.intent)
        return 1
    except SQLAlchemyError:
        session.rollback()
        raise
    finally:
        session.close()


def _stored_unprocessed(session: Session, sid: str) -> Message | None:
    """The row of a text stored just before the database failed, if its processing never committed
    (processing links a member's text to her; a stranger's is at most answered once a day anyway)."""
    message = session.scalar(select(Message).where(Message.direction == "in", Message.provider_sid == sid))
    return message if message is not None and message.member_id is None else None


def _clean(value: str) -> str:
    # As the webhook does: PostgreSQL text cannot hold NUL, and lone surrogates cannot be encoded.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _send_late_replies(session: Session, connection: Redis | None, inbound_message: Message, intent: str,
                       received_at: datetime) -> None:
    """The TwiML answer she never got becomes an ordinary text, unless it is stale or already went
    inline (the crisis reply needs no database, so the webhook gave it at once)."""
    rows = session.scalars(select(Message).where(
        Message.direction == "out", Message.kind.in_(("reply", "stranger")), Message.status == "sent",
        Message.provider_sid.is_(None), Message.to_addr == inbound_message.from_addr,
        Message.id > inbound_message.id)).all()
    if not rows or intent == "crisis":
        return
    late = datetime.now(timezone.utc) - received_at <= LATE_REPLY_WITHIN
    session.execute(update(Message).where(Message.id.in_([r.id for r in rows])).values(
        status="pending" if late else "canceled", attempts=0, error_code=None if late else "stale"))
    session.info["outbox"] = [(r.id, False) for r in rows] if late else []
    outbox.commit(session, connection)
