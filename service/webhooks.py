"""Twilio webhooks: thin HTTP over service.inbox and the delivery-status ledger."""
from __future__ import annotations

import hmac
import logging
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, request
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from service import delivery, inbox, mood, outbox, spool
from service.config import Settings
from service.db import get_session, request_session, single_statement
from service.replies import crisis_reply
from service.phones import mask
from service.queues import redis_from_url

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")

def _signature_ok() -> bool:
    settings = current_app.config["SETTINGS"]
    # Read the body first, even to refuse it: an oversize one gets its 413, and a client still
    # sending an unread body is never left hanging until it times out.
    form = request.form
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    # The URL Twilio called, not the one Flask sees behind a proxy.
    url = settings.public_base_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    validator = RequestValidator(settings.twilio_auth_token)
    # Twilio signs the URL it called, which is nearly always this one exactly: one HMAC. Otherwise the
    # library's full check, which also tries the URL with and without its port (two more).
    if hmac.compare_digest(validator.compute_signature(url, form).encode(), signature.encode()):
        return True
    return validator.validate(url, form, signature)


def _forbidden() -> Response:
    log.warning("rejected %s: missing or invalid X-Twilio-Signature", request.path)
    return Response("invalid signature\n", status=403, mimetype="text/plain")


def _twiml(*texts: str) -> Response:
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return Response(str(response), mimetype="text/xml")


def _clean(value: str) -> str:
    # PostgreSQL text cannot hold NUL; lone surrogates cannot be encoded at all.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


@bp.post("/inbound")
def inbound() -> Response:
    if not _signature_ok():
        return _forbidden()
    form = request.form
    sid = _clean(form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    from_addr = _clean(form.get("From", "")).strip()
    if not sid or not from_addr or len(sid) > 40 or len(from_addr) > 40:
        log.warning("inbound without a usable MessageSid/From: ignored")
        return Response("MessageSid and From are required\n", status=400, mimetype="text/plain")
    body = _clean(form.get("Body", ""))
    # Crisis screening first: the reply needs neither the database nor the queue.
    crisis = mood.is_crisis(body)
    settings = current_app.config["SETTINGS"]
    message = None
    try:
        # Stored, then processed: two transactions on one connection (the block rolls back on error).
        with request_session(settings.database_url) as session:
            message = inbox.store(session, sid=sid, from_addr=from_addr, to_addr=_clean(form.get("To", "")),
                                  body=body, profile_name=_clean(form.get("ProfileName", "")))
            if message is None:
                log.info("duplicate inbound %s from %s: already processed", sid, mask(from_addr))
                return _twiml(crisis_reply(from_addr, lines=settings.crisis_lines)) if crisis else _twiml()
            connection = redis_from_url(settings.redis_url)
            outcome = inbox.process(session, settings, connection, message,
                                    opt_out_type=form.get("OptOutType"), now=datetime.now(timezone.utc),
                                    button=_clean(form.get("ButtonPayload") or form.get("ButtonText") or "") or None)
    except SQLAlchemyError:
        log.exception("inbound %s from %s could not be processed", sid, mask(from_addr))
        # Twilio will not send it again: keep it for the sweeper, noting whether the raw text was stored.
        _spool(settings, sid, from_addr, stored=message is not None)
        return _twiml(crisis_reply(from_addr, lines=settings.crisis_lines)) if crisis else _twiml()
    return _twiml(*outcome.replies)


def _spool(settings: Settings, sid: str, from_addr: str, *, stored: bool) -> None:
    try:
        where = spool.append(settings, redis_from_url(settings.redis_url),
                             spool.entry(request.form.items(multi=True), datetime.now(timezone.utc), stored=stored))
        log.warning("inbound %s from %s spooled (%s) until the database returns", sid, mask(from_addr), where)
    except OSError:
        log.critical("inbound %s from %s could be neither stored nor spooled", sid, mask(from_addr), exc_info=True)


@bp.post("/status")
def status() -> Response:
    if not _signature_ok():
        return _forbidden()
    form = request.form
    sid = form.get("MessageSid", "")
    new = delivery.FROM_TWILIO.get(form.get("MessageStatus", "").lower())
    if not (sid.isascii() and sid.isalnum() and len(sid) <= 40) or new is None:
        return Response("", status=200)  # answer 200 so Twilio stops; nothing to record
    if new not in delivery.RECORDED:  # `sent` or below: the worker's own record says as much
        log.debug("status %s for %s (nothing to record)", new, sid)
        return Response("", status=200)
    error = form.get("ErrorCode") or None
    settings = current_app.config["SETTINGS"]
    try:
        if new in delivery.FAILED:
            # A failure may send an alert another way: the status and what follows commit together.
            session = get_session()
            changed = delivery.settle(session, settings, sid, new, error)
            outbox.commit(session, redis_from_url(settings.redis_url))
        else:
            # The routine callbacks (delivered, read, canceled) go to Redis; workers write them in bulk.
            try:
                delivery.queue_status(redis_from_url(settings.redis_url), sid, new, error)
                log.debug("status %s for %s queued", new, sid)
                return Response("", status=200)
            except RedisError as exc:
                log.warning("status %s for %s written directly: Redis unavailable (%s)", new, sid, exc)
            # Without Redis: one forward-only UPDATE, run alone, in autocommit on PostgreSQL.
            with single_statement(settings.database_url) as db_connection:
                changed = delivery.apply_status(db_connection, sid, new, error)
        session = get_session()
        if not changed and not delivery.is_known(session, sid):
            session.rollback()  # no transaction held across the Redis call
            # Before the worker recorded the SID: kept in Redis, applied when it does. Then one more
            # look, in a new transaction: a worker that committed the SID and read the parked key
            # before this park has left it to us.
            delivery.park(redis_from_url(settings.redis_url), sid, new, error)
            if delivery.is_known(session, sid):
                changed = delivery.settle(session, settings, sid, new, error)
                outbox.commit(session, redis_from_url(settings.redis_url))
    except SQLAlchemyError:
        get_session().rollback()
        log.exception("status callback for %s not recorded", sid)
        return Response("", status=200)
    if new in delivery.FAILED:
        log.warning("status %s for %s (error %s, %s changed)", new, sid, error or "-", changed)
    else:
        # Two routine callbacks per message: at scale an INFO line each costs more than the update.
        log.debug("status %s for %s (%s changed)", new, sid, changed)
    return Response("", status=200)
