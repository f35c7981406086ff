"""Thin jobs that take ids: claim the row, call the Transport, record the outcome.

A job may run twice (RQ is at-least-once): every state change is a conditional
UPDATE, and a job that loses the race returns quietly.
"""
from __future__ import annotations

import logging
import random
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select, update
from sqlalchemy.orm import Session, load_only

from service import alerts, audit, delivery, outbox, pacing, quiet
from service.config import Settings
from service.db import connection_scope, one_connection, session_scope
from service.members import add_do_not_text
from service.messaging import TransportError
from service.models import Alert, Buddy, CheckIn, DoNotText, Member, Message
from service.phones import mask, phone_hash, split_address
from service.queues import BATCH_SECONDS, enqueue_batch, enqueue_send
from workers import context

log = logging.getLogger(__name__)

OPT_OUT_CODES = {"21610"}
INVALID_CODES = {"21211", "21614", "21635"}
AS_TEMPLATE = "retry: 63016 as a template"
LINKS = ((Member, Message.member_id), (Buddy, Message.buddy_id), (CheckIn, Message.checkin_id),
         (Alert, Message.alert_id))
# The statements every send runs, built once: SQLAlchemy then skips building them and computing
# their cache keys for each message. The UPDATEs are on the table, not the mapped class: no object
# in the session needs bringing up to date, and the ORM's bulk-UPDATE path cost about 0.3 M
# instructions more per statement (callgrind). The claim returns what the next read needs; that
# read loads the claimed message itself with everything it names.
_MESSAGES = Message.__table__
CLAIM = (update(_MESSAGES).where(_MESSAGES.c.id == bindparam("p_id"), _MESSAGES.c.status == "pending")
         .values(status="sending", attempts=_MESSAGES.c.attempts + 1, updated_at=bindparam("p_now"))
         .returning(_MESSAGES.c.to_addr, *(_MESSAGES.c[fk.key] for _entity, fk in LINKS)))
MARK_SENT = (update(_MESSAGES).where(_MESSAGES.c.id == bindparam("p_id"), _MESSAGES.c.status == "sending")
             .values(status="sent", provider_sid=bindparam("p_sid"), error_code=None, updated_at=bindparam("p_now")))
_RELATED: dict[tuple[bool, ...], Select[Any]] = {}  # by which of LINKS a message names
# What the send rules read of a message, its member and its check-in (the bulk of every fan-out), and
# nothing more: each column fetched costs the driver and the ORM something on every send, and a column
# read that is not here is loaded on first use (one more query, never a wrong answer). A buddy or an
# alert is loaded whole: few sends name one. tests/integration/test_send_batches.py counts the queries.
_SEND_COLUMNS: dict[type, Any] = {
    Message: load_only(Message.member_id, Message.buddy_id, Message.checkin_id, Message.alert_id, Message.to_addr,
              Message.from_addr, Message.body, Message.kind, Message.urgent, Message.status, Message.error_code,
              Message.attempts, Message.validity_seconds, Message.created_at),
    Member: load_only(Member.phone, Member.timezone, Member.checkin_time, Member.checkin_days, Member.checkin_every,
              Member.checkin_anchor, Member.quiet_hours, Member.status),
    CheckIn: load_only(CheckIn.due_at, CheckIn.manual, CheckIn.state),
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def send_message(message_id: int) -> str:
    """Claim the row, re-check it, send it, record the outcome: on one pooled connection throughout
    (no transaction is open during the HTTP call)."""
    with one_connection(context.settings().database_url):
        return _send(message_id)


def _send(message_id: int) -> str:
    settings = context.settings()
    with session_scope(settings.database_url) as db:
        claimed = db.execute(CLAIM, {"p_id": message_id, "p_now": _now()}).one_or_none()
        if claimed is None:
            return "skipped: another worker got there first, or it is no longer pending"
        related = _load_related(db, message_id, claimed)  # held: the identity map's references are weak
        message: Message = related[1]
        reason = _blocked(db, message, do_not_text=related[0] is not None)
        if reason:
            message.status, message.error_code = "canceled", reason
            alert = db.get(Alert, message.alert_id) if message.kind == "alert" and message.alert_id else None
            if alert is not None and alert.state in alerts.OPEN_STATES:
                # Nobody was told: the safety queue must show it (an operator phone that said STOP, say).
                alert.state = "failed"
                log.error("alert %s to %s canceled: %s; nobody was texted", alert.id, mask(message.to_addr), reason)
            else:
                log.info("message %s to %s canceled: %s", message_id, mask(message.to_addr), reason)
            return f"canceled: {reason}"
        hold = quiet.check(db, settings, message, _now())
        if hold is not None:  # quiet hours, or a check-in past its catch-up limit
            return quiet.apply(db, message, hold)
        to, body, sender, validity = message.to_addr, message.body, message.from_addr, message.validity_seconds
        alert_id, since, urgent = message.alert_id, message.created_at, message.urgent
        # A 63016 is a definite refusal; after anything else the last attempt may have gone out.
        retrying = message.attempts > 1 and message.error_code != "63016"
        template = _template_for(db, settings, message)
    # The HTTP calls happen outside any transaction: a slow Twilio must never hold a lock.
    try:
        if retrying:
            # An earlier attempt may have reached Twilio even though we never saw its answer
            # (a timeout, a 5xx, a worker killed before its commit): look before sending again.
            found = find_sent(settings, to, None if template else body, since)
            if found is not None:
                return record_sent(settings, message_id, found, alert_id, reconciled=True)
        pacing.wait_turn(context.redis(), settings.twilio_mps, urgent=urgent)
        result = context.transport().send(
            to, None if template else body, sender=sender, validity_period=validity, content_sid=template,
            content_variables={"1": body or ""} if template else None)
    except TransportError as err:
        with session_scope(settings.database_url) as db:
            outcome = _record_failure(db, message_id, err, settings)
            outbox.commit(db, context.redis())  # an alert's other channel goes at once
        if outcome == AS_TEMPLATE:
            enqueue_send(context.redis(), message_id, urgent=urgent)
        return outcome
    return record_sent(settings, message_id, result.sid, alert_id)


def send_batch(message_ids: list[int]) -> str:
    """Send several non-urgent messages (a fan-out's check-ins) in one job, each exactly as
    `send_message` does, so RQ's own cost is paid once per batch. A batch that has run for
    BATCH_SECONDS puts the rest back in the queue as a new job, so that a job stays short for
    timeouts and warm shutdowns. A message whose send raised is left to the sweeper (it is still
    `pending`, or `sending` and settled with Twilio); the rest go on, and the job then fails. At
    the end it writes the delivery statuses queued meanwhile."""
    started = time.monotonic()
    outcomes: Counter[str] = Counter()
    with one_connection(context.settings().database_url):
        first_error = _send_each(message_ids, started, outcomes)
        _apply_statuses_between_batches()
    if first_error is not None:
        raise first_error
    return ", ".join(f"{kind} {count}" for kind, count in outcomes.items())


def _send_each(message_ids: list[int], started: float, outcomes: Counter[str]) -> Exception | None:
    first_error: Exception | None = None
    for n, message_id in enumerate(message_ids):
        if n and time.monotonic() - started > BATCH_SECONDS:
            enqueue_batch(context.redis(), message_ids[n:])
            outcomes["put back"] += len(message_ids) - n
            break
        try:
            outcome = _send(message_id)
        except Exception as exc:  # noqa: BLE001  one bad row must not hold back the others
            log.exception("message %s: send failed; the sweeper will pick it up", message_id)
            first_error = first_error or exc
            outcomes["error"] += 1
            continue
        outcomes[outcome.split(":")[0].split(" ")[0]] += 1
    return first_error


def find_sent(settings: Settings, to: str, body: str | None, since: datetime) -> str | None:
    """The SID of a message Twilio accepted for this row but we never recorded, or None.

    Matches on recipient and body (any body for a template send) among API-created messages since
    the row was written, skipping SIDs another row already owns."""
    candidates = [m for m in context.transport().recent_to(to, since - timedelta(seconds=2))
                  if m.direction == "outbound-api" and (body is None or m.body == body)]
    if not candidates:
        return None
    with session_scope(settings.database_url) as db:
        owned = set(db.scalars(select(Message.provider_sid).where(
            Message.provider_sid.in_([m.sid for m in candidates]))))
    unowned = [m.sid for m in candidates if m.sid not in owned]
    return unowned[-1] if unowned else None  # the oldest: the list comes newest first


def record_sent(settings: Settings, message_id: int, sid: str, alert_id: int | None, *,
                reconciled: bool = False) -> str:
    with connection_scope(settings.database_url) as connection:
        connection.execute(MARK_SENT, {"p_id": message_id, "p_sid": sid, "p_now": _now()})
        if alert_id is not None:
            connection.execute(update(Alert).where(Alert.id == alert_id, Alert.state == "pending").values(state="sent"))
    # A callback that beat the API's answer (a failure too, with its alert re-route), once the SID is committed.
    delivery.replay_parked(context.redis(), settings, sid)
    if reconciled:
        log.info("message %s: an earlier attempt had reached Twilio as %s; not sent again", message_id, sid)
        return f"reconciled {sid}"
    return f"sent {sid}"


def apply_statuses() -> str:
    """Write the routine delivery statuses the status webhook queued in Redis, in bulk."""
    taken = delivery.apply_as_job(context.redis(), context.settings().database_url)
    return f"applied {taken} statuses"


def _apply_statuses_between_batches() -> None:
    """During a burst the queued apply job waits behind the send batches: each batch writes the
    statuses queued so far as it ends (unless another run is at it), so deliveries show as they
    happen. A failure here is the apply job's to retry, not this batch's."""
    try:
        delivery.apply_queued(context.redis(), context.settings().database_url, wait=0)
    except Exception:  # noqa: BLE001
        log.warning("queued delivery statuses not written after a batch; the apply job will", exc_info=True)


WHATSAPP_WINDOW = timedelta(hours=24)


def _template_for(db: Session, settings: Settings, message: Message) -> str | None:
    """The approved WhatsApp template, instead of free-form text, for a business-initiated message
    outside 24 hours of the recipient's last message to us, or after a 63016 said the window closed."""
    template = settings.whatsapp_template_for(message.kind)
    if not message.to_addr.startswith("whatsapp:") or template is None:
        return None
    if message.error_code == "63016":
        return template
    last_heard = db.scalar(select(func.max(Message.created_at)).where(
        Message.direction == "in", Message.from_addr == message.to_addr))
    if last_heard is None or _now() - last_heard > WHATSAPP_WINDOW:
        return template
    return None


def _load_related(db: Session, message_id: int, claimed: Row[Any]) -> Row[Any]:
    """Load the claimed message and the member, buddy, check-in and alert it names, in one round
    trip, after the recipient's do-not-text entry (or None): (phone_hash, Message, *those named).
    While the caller holds the row, they stay in the session's identity map, so the `db.get` calls
    of the send rules cost no query. `claimed` is what the claim returned: (to_addr, *LINKS' keys)."""
    phone, _channel = split_address(claimed[0])
    named = tuple(value is not None for value in claimed[1:])
    statement = _RELATED.get(named)
    if statement is None:
        links = [link for link, present in zip(LINKS, named) if present]
        statement = select(DoNotText.phone_hash, Message, *(entity for entity, _fk in links)).select_from(Message)
        for entity, fk in links:
            statement = statement.outerjoin(entity, entity.id == fk)
        loaded = (Message, *(entity for entity, _fk in links))
        statement = statement.options(*(_SEND_COLUMNS[entity] for entity in loaded if entity in _SEND_COLUMNS))
        statement = _RELATED.setdefault(named, statement.outerjoin(
            DoNotText, DoNotText.phone_hash == bindparam("p_hash")).where(Message.id == bindparam("p_id")))
    return db.execute(statement, {"p_hash": phone_hash(phone), "p_id": message_id}).one()


def _blocked(db: Session, message: Message, *, do_not_text: bool) -> str | None:
    """Re-check consent at send time: she may have said STOP since the row was written."""
    if do_not_text:
        return "do-not-text"
    if message.kind == "alert" and message.buddy_id is not None:
        buddy = db.get(Buddy, message.buddy_id)
        if buddy is None or buddy.consent != "accepted":
            return "buddy-not-accepted"
    elif message.member_id is not None and message.buddy_id is None:
        member = db.get(Member, message.member_id)
        if member is not None and member.status == "opted_out" and message.kind != "alert":
            return "opted-out"
    return None


def _record_failure(db: Session, message_id: int, err: TransportError, settings: Settings) -> str:
    message = db.get(Message, message_id)
    assert message is not None
    if message.status != "sending":
        return "skipped: state moved on"
    if _wants_template(settings, message, err):
        message.status, message.error_code, message.next_attempt_at = "pending", "63016", _now()
        log.info("message %s: WhatsApp window closed, resending as a template", message_id)
        return AS_TEMPLATE
    if err.permanent or message.attempts >= settings.send_max_attempts:
        message.status, message.error_code = "failed", err.code[:12]
        audit.record(db, "message_failed", member_id=message.member_id, buddy_id=message.buddy_id,
                     message_id=message.id, detail=err.code[:12])
        _act_on_code(db, message, err.code)
        log.warning("message %s to %s failed for good after %s attempts: %s", message_id,
                    mask(message.to_addr), message.attempts, err.code)
        return f"failed: {err.code}"
    # Exponential backoff with jitter; the sweeper enqueues it again when due.
    delay = min(settings.retry_max_delay_seconds, settings.retry_first_delay_seconds * 2.0 ** (message.attempts - 1))
    delay *= random.uniform(0.5, 1.5)
    message.status, message.error_code = "pending", err.code[:12]
    message.next_attempt_at = _now() + timedelta(seconds=delay)
    log.info("message %s: transient %s, retry %s in %.1fs", message_id, err.code, message.attempts, delay)
    return f"retry: {err.code}"


def _wants_template(settings: Settings, message: Message, err: TransportError) -> bool:
    return (err.code == "63016" and bool(settings.twilio_whatsapp_template_sid)
            and message.to_addr.startswith("whatsapp:") and message.error_code != "63016")


def _act_on_code(db: Session, message: Message, code: str) -> None:
    phone, _channel = split_address(message.to_addr)
    if code in OPT_OUT_CODES:
        add_do_not_text(db, phone, "carrier-stop")
        for member in db.scalars(select(Member).where(Member.phone == phone)):
            member.status = "opted_out"
            audit.record(db, "member_opt_out", member_id=member.id, detail=f"twilio {code}")
        for buddy in db.scalars(select(Buddy).where(Buddy.phone == phone)):
            buddy.consent = "stopped"
            audit.record(db, "buddy_stop", member_id=buddy.member_id, buddy_id=buddy.id, detail=f"twilio {code}")
    elif code in INVALID_CODES:
        audit.record(db, "invalid_number", member_id=message.member_id, buddy_id=message.buddy_id,
                     detail=f"twilio {code}")
    if message.alert_id is not None and message.kind == "alert":
        alerts.on_alert_failed(db, context.settings(), message)
