"""The signed webhooks at their edges: forged, duplicated, unknown, empty, huge, odd."""
from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import func, select

from service.delivery import APPLY_JOB, APPLY_LOCK, QUEUED, WORKING, apply_queued
from service.models import Message
from service.queues import DEFAULT, queue
from workers.clock import enqueue_status_writer
from workers.jobs import record_sent
from tests.conftest import MOM, STRANGER


def inbound(sid: str = "SM" + "a" * 32, body: str = "hello", from_: str = STRANGER.phone) -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": from_, "To": "+15005550006",
            "Body": body, "NumMedia": "0"}


def stored(db: Any) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(Message)) or 0


def replies(response: Any) -> list[str]:
    return [m.text or "" for m in ET.fromstring(response.get_data(as_text=True)).iter("Message")]


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", None])
def test_an_unsigned_or_forged_inbound_gets_403_and_stores_nothing(signed_post: Any, db: Any, signature: str | None) -> None:
    data = inbound()
    if signature is None:  # signed with the wrong token
        from twilio.request_validator import RequestValidator
        signature = RequestValidator("wrong-token").compute_signature("http://x/twilio/inbound", data)
    response = signed_post("/twilio/inbound", data, signature=signature)
    assert response.status_code == 403
    assert stored(db) == 0


def test_a_signature_over_other_fields_is_rejected(signed_post: Any, settings: Any, db: Any) -> None:
    from twilio.request_validator import RequestValidator

    good = RequestValidator(settings.twilio_auth_token).compute_signature(
        settings.public_base_url + "/twilio/inbound", inbound(body="fine"))
    assert signed_post("/twilio/inbound", inbound(body="I want to die"), signature=good).status_code == 403
    assert stored(db) == 0


def test_a_signature_over_the_url_with_or_without_its_port_is_accepted(signed_post: Any, settings: Any,
                                                                      db: Any) -> None:
    """Twilio's signing has not always matched the URL as configured (":443" added or left off): the
    library's full check still accepts either form, behind our one-HMAC check of the exact URL."""
    from urllib.parse import urlparse

    from twilio.request_validator import RequestValidator, add_port, remove_port

    url = urlparse(settings.public_base_url + "/twilio/inbound")
    other = (remove_port(url) if url.port else add_port(url))
    assert other != url.geturl()
    data = inbound(body="fine thanks")
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(other, data)
    assert signed_post("/twilio/inbound", data, signature=signature).status_code == 200
    with db() as s:
        assert s.scalars(select(Message.provider_sid).where(Message.direction == "in")).all() == [data["MessageSid"]]
    kept = stored(db)
    assert signed_post("/twilio/inbound", inbound(sid="SM" + "b" * 32), signature="\u00e9t\u00e9").status_code == 403
    assert stored(db) == kept


def test_a_forged_status_callback_changes_nothing(signed_post: Any, db: Any) -> None:
    response = signed_post("/twilio/status", {"MessageSid": "SM1", "MessageStatus": "delivered"}, signature="x")
    assert response.status_code == 403


def test_a_duplicate_message_sid_is_processed_once(signed_post: Any, db: Any) -> None:
    first = signed_post("/twilio/inbound", inbound(body="hi"))
    second = signed_post("/twilio/inbound", inbound(body="hi"))
    assert first.status_code == second.status_code == 200
    assert len(replies(first)) == 1 and replies(second) == []
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 1


def test_an_unknown_sender_gets_one_short_polite_reply_a_day(signed_post: Any, db: Any) -> None:
    first = replies(signed_post("/twilio/inbound", inbound("SM" + "1" * 32)))
    again = replies(signed_post("/twilio/inbound", inbound("SM" + "2" * 32)))
    assert len(first) == 1 and "isn't enrolled" in first[0] and len(first[0]) <= 160
    assert again == []
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 2


@pytest.mark.parametrize("body", ["", "   ", "x" * 1600, "💛" * 800, "a\x00b", "\u202e\u0301\ufeff", "é" * 1600])
def test_odd_bodies_are_stored_and_answered_without_error(signed_post: Any, db: Any, body: str) -> None:
    response = signed_post("/twilio/inbound", inbound(body=body))
    assert response.status_code == 200
    with db() as s:
        message = s.scalars(select(Message).where(Message.direction == "in")).one()
        assert message.body == body.replace("\x00", "")


def test_a_crisis_from_a_stranger_still_gets_the_crisis_line(signed_post: Any) -> None:
    texts = replies(signed_post("/twilio/inbound", inbound(body="i took all my pills")))
    assert len(texts) == 1 and "988" in texts[0]


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_an_inbound_without_sid_or_sender_gets_400_and_a_reason(signed_post: Any, db: Any, missing: str) -> None:
    data = inbound()
    del data[missing]
    response = signed_post("/twilio/inbound", data)
    assert response.status_code == 400 and missing in response.get_data(as_text=True)
    assert stored(db) == 0


def test_a_huge_request_gets_413_not_500(client: Any) -> None:
    response = client.post("/twilio/inbound", data={"Body": "x" * 100_000}, headers={"X-Twilio-Signature": "x"})
    assert response.status_code == 413


def test_malformed_form_data_gets_403_not_500(client: Any) -> None:
    response = client.post("/twilio/inbound", data=b"%%%&&&=\xff\xfe", content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": "abc"})
    assert response.status_code == 403


def test_status_callbacks_never_move_a_message_backwards(signed_post: Any, db: Any, run_jobs: Any) -> None:
    with db() as s:
        s.add(Message(direction="out", status="sent", to_addr=MOM.phone, from_addr="+15005550006",
                      body="x", kind="checkin", provider_sid="SM" + "c" * 32))
    for status in ("delivered", "sent", "sending", "delivered"):
        assert signed_post("/twilio/status", {"MessageSid": "SM" + "c" * 32, "MessageStatus": status}).status_code == 200
    run_jobs()
    with db() as s:
        assert s.scalars(select(Message.status)).one() == "delivered"


@pytest.mark.parametrize("status", ["sent", "queued", "sending", "undelivered", "failed", "delivered"])
def test_a_late_callback_does_not_move_a_message_put_back_for_a_resend(signed_post: Any, db: Any, run_jobs: Any,
                                                                      status: str) -> None:
    # An operator's retry puts a failed message back to pending; it keeps the failed attempt's SID
    # until it is sent again, and that attempt's late or repeated callbacks must not move it.
    with db() as s:
        s.add(Message(direction="out", status="pending", to_addr=MOM.phone, from_addr="+15005550006",
                      body="x", kind="checkin", provider_sid="SM" + "e" * 32))
    assert signed_post("/twilio/status", {"MessageSid": "SM" + "e" * 32, "MessageStatus": status}).status_code == 200
    run_jobs()
    with db() as s:
        assert s.scalars(select(Message.status)).one() == "pending"


def _sent_messages(db: Any, count: int) -> list[str]:
    sids = [f"SM{i:032x}" for i in range(1, count + 1)]
    with db() as s:
        s.add_all(Message(direction="out", status="sent", to_addr=MOM.phone, from_addr="+15005550006", body="x",
                          kind="checkin", provider_sid=sid) for sid in sids)
    return sids


def _sending_message(db: Any) -> int:
    """A check-in the worker is sending: no SID recorded yet."""
    with db() as s:
        message = Message(direction="out", status="sending", to_addr=MOM.phone, from_addr="+15005550006", body="x",
                          kind="checkin")
        s.add(message)
        s.flush()
        return message.id


def _wait_for_a_paused_set(connection: Redis) -> None:
    """Until a client's SET waits behind CLIENT PAUSE WRITE (shown with flag b, last command set)."""
    deadline = time.monotonic() + 10
    while not any(c["cmd"] == "set" and "b" in c["flags"] for c in connection.client_list()):
        assert time.monotonic() < deadline, "no SET ever waited behind the pause"
        time.sleep(0.01)


def _statuses(db: Any) -> Counter[str]:
    with db() as s:
        return Counter(s.scalars(select(Message.status).where(Message.direction == "out")))


def test_routine_statuses_are_queued_and_written_together_by_one_job(signed_post: Any, db: Any, run_jobs: Any,
                                                                    redis_url: str) -> None:
    sids = _sent_messages(db, 30)
    for sid in sids:
        assert signed_post("/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 200
    connection = Redis.from_url(redis_url)
    # Answered at once, written later: nothing in the database yet.
    assert _statuses(db) == {"sent": 30}
    assert connection.llen(QUEUED) == 30 and queue(DEFAULT, connection).count == 0
    # The clock's tick enqueues one job to write them, and no second while that one is queued.
    assert enqueue_status_writer(connection) and not enqueue_status_writer(connection)
    assert queue(DEFAULT, connection).count == 1
    assert run_jobs() == 1
    assert _statuses(db) == {"delivered": 30}
    assert connection.exists(QUEUED, WORKING, APPLY_LOCK, APPLY_JOB) == 0
    assert not enqueue_status_writer(connection)  # nothing waits: no job
    # The job done, the next status gets a job at the next tick.
    assert signed_post("/twilio/status", {"MessageSid": sids[0], "MessageStatus": "read"}).status_code == 200
    assert enqueue_status_writer(connection)
    run_jobs()
    assert _statuses(db) == {"delivered": 29, "read": 1}


def test_a_queued_status_for_a_sid_not_yet_recorded_is_parked_for_the_worker(signed_post: Any, run_jobs: Any,
                                                                             redis_url: str) -> None:
    assert signed_post("/twilio/status", {"MessageSid": "SM" + "f" * 32, "MessageStatus": "read"}).status_code == 200
    run_jobs()
    parked = Redis.from_url(redis_url).get("village:early-status:SM" + "f" * 32)
    assert parked is not None and json.loads(parked)["status"] == "read"


def test_a_failure_parked_just_after_the_worker_read_the_parked_key_is_still_written(
        signed_post: Any, db: Any, settings: Any, redis_url: str) -> None:
    # The callback finds no message with the SID; between that look and its park the worker commits
    # the SID and reads the parked key (nothing there yet). Redis's CLIENT PAUSE WRITE holds the
    # park's SET there, so this order happens every run: the callback's second look must find the row.
    message_id, sid = _sending_message(db), "SM" + "e" * 32
    connection = Redis.from_url(redis_url)
    answers: list[int] = []
    poster = threading.Thread(target=lambda: answers.append(signed_post(
        "/twilio/status", {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "30003"}).status_code))
    connection.execute_command("CLIENT", "PAUSE", 10_000, "WRITE")
    try:
        poster.start()
        _wait_for_a_paused_set(connection)
        record_sent(settings, message_id, sid, None)  # the worker: SID committed, parked key read
    finally:
        connection.execute_command("CLIENT", "UNPAUSE")
    poster.join(10)
    assert answers == [200]
    with db() as s:
        assert (s.get(Message, message_id).status, s.get(Message, message_id).error_code) == ("failed", "30003")


def test_a_chunk_left_by_a_job_killed_mid_write_is_written_by_the_next(db: Any, settings: Any, redis_url: str) -> None:
    sids = _sent_messages(db, 5)
    connection = Redis.from_url(redis_url)
    # A run took these (renamed to the working list) and died before trimming them; more came since.
    connection.rpush(WORKING, *(f"{sid} delivered " for sid in sids[:3]))
    connection.rpush(QUEUED, *(f"{sid} read " for sid in sids[2:]))
    assert apply_queued(connection, settings.database_url, chunk=2) == 6
    assert _statuses(db) == {"delivered": 2, "read": 3}
    assert connection.exists(QUEUED, WORKING) == 0


def _two_queued_behind_the_lock(db: Any, redis_url: str) -> Redis:
    """Two sent messages whose `delivered` is queued, while another run holds the lock."""
    connection = Redis.from_url(redis_url)
    connection.rpush(QUEUED, *(f"{sid} delivered " for sid in _sent_messages(db, 2)))
    connection.set(APPLY_LOCK, "another run")
    return connection


def test_a_run_that_finds_another_at_work_waits_for_it_then_writes_what_came_since(
        db: Any, settings: Any, redis_url: str) -> None:
    # The run at work may have taken its last look before these arrived: the job enqueued for them
    # must not give up on them while that run finishes.
    connection = _two_queued_behind_the_lock(db, redis_url)
    threading.Timer(0.3, connection.delete, args=(APPLY_LOCK,)).start()
    assert apply_queued(connection, settings.database_url) == 2
    assert _statuses(db) == {"delivered": 2}


def test_a_run_that_cannot_get_the_lock_in_time_leaves_the_statuses_for_the_next(
        db: Any, settings: Any, redis_url: str) -> None:
    connection = _two_queued_behind_the_lock(db, redis_url)
    assert apply_queued(connection, settings.database_url, wait=0.1) == 0
    assert _statuses(db) == {"sent": 2} and connection.llen(QUEUED) == 2


def test_a_failed_status_records_the_error_code(signed_post: Any, db: Any) -> None:
    with db() as s:
        s.add(Message(direction="out", status="sent", to_addr=MOM.phone, from_addr="+15005550006",
                      body="x", kind="checkin", provider_sid="SM" + "d" * 32))
    signed_post("/twilio/status", {"MessageSid": "SM" + "d" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    with db() as s:
        assert s.execute(select(Message.status, Message.error_code)).one() == ("undelivered", "30003")


def test_a_status_for_an_unknown_sid_is_answered_200(signed_post: Any) -> None:
    assert signed_post("/twilio/status", {"MessageSid": "SMnope", "MessageStatus": "delivered"}).status_code == 200


@pytest.mark.parametrize("sid", ["SM\x00" + "a" * 32, "SM a", "SM" + "a" * 60, "SMé" + "a" * 31])
def test_a_status_with_a_sid_twilio_never_makes_is_answered_200_and_queues_nothing(
        signed_post: Any, redis_url: str, sid: str) -> None:
    # Nothing such a SID names; queued, it could only fail the whole chunk it lands in.
    assert signed_post("/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 200
    assert Redis.from_url(redis_url).exists(QUEUED) == 0
