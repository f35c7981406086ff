"""Property-based fuzz of the two webhooks over real HTTP (gunicorn): random fields, encodings and
sizes, with and without valid signatures. Never a 500; nothing stored without a valid signature;
every validly signed inbound text with a MessageSid and a sender is stored."""
from __future__ import annotations

import string
from typing import Any
from urllib.parse import urlencode

import requests
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import func, select

from service.db import session_scope
from service.models import Event, Message
from tests.faults.conftest import Stack, mom_phone

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)  # any character a form can carry
SID = st.one_of(st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True), TEXT, st.none())
SENDER = st.one_of(st.sampled_from([mom_phone(0), "+12025550199", "whatsapp:+447700900123", "+33612345678"]),
                   TEXT, st.none())
BODY = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=1600),
                 st.sampled_from(["2", "STOP", "yes", "I can't go on", "🙂", "ñ\u200b\x00x"]), st.none(),
                 st.integers(60_000, 80_000).map(lambda n: "x" * n))  # over the 64 KB request limit
EXTRA = st.dictionaries(st.text(string.ascii_letters + string.digits + "_-[]", min_size=1, max_size=20), TEXT,
                        max_size=6)
SIGNING = st.sampled_from(["valid", "valid", "valid", "missing", "wrong", "other-url"])
STATUS = st.one_of(st.sampled_from(["queued", "sent", "delivered", "undelivered", "failed", "read", "canceled"]),
                   TEXT, st.none())
RAW = st.tuples(st.binary(max_size=3000), st.sampled_from([
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=xyz", "application/json", "text/plain; charset=utf-16", ""]))

# One connection per case, closed by the server after its answer: a case whose client object lingers
# (an exception's traceback keeps it) must not hold one of gunicorn's gthread threads waiting for a
# next request on a kept-alive connection, which starved later cases in two full-suite runs.
CLOSE = {"Connection": "close"}


def _fuzz(examples: int) -> Any:
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


cases = {"inbound": 0, "status": 0, "raw": 0}


def _form(**fields: str | None) -> dict[str, str]:
    return {k: v for k, v in fields.items() if v is not None}


def _post(stack: Stack, path: str, form: dict[str, str], signing: str) -> requests.Response:
    url = stack.settings.public_base_url + path
    signed_url = url + "?x=1" if signing == "other-url" else url
    headers = dict(CLOSE)
    if signing in ("valid", "other-url"):
        headers["X-Twilio-Signature"] = stack.validator.compute_signature(signed_url, form)
    elif signing == "wrong":
        headers["X-Twilio-Signature"] = "bm90IGEgc2lnbmF0dXJl"
    return requests.post(url, data={k: v.encode("utf-8") for k, v in form.items()}, headers=headers, timeout=30)


def _totals(stack: Stack) -> tuple[int, int, str]:
    with session_scope(stack.settings.database_url) as db:
        return (db.scalar(select(func.count()).select_from(Message)) or 0,
                db.scalar(select(func.count()).select_from(Event)) or 0,
                ",".join(db.scalars(select(Message.status).order_by(Message.id))))


def _stored(stack: Stack, sid: str) -> bool:
    with session_scope(stack.settings.database_url) as db:
        return db.scalar(select(Message.id).where(Message.direction == "in", Message.provider_sid == sid)) is not None


def _usable(value: str | None) -> str | None:
    cleaned = (value or "").replace("\x00", "").strip()
    return cleaned if 0 < len(cleaned) <= 40 else None


@_fuzz(200)
@given(sid=SID, sender=SENDER, body=BODY, extra=EXTRA, signing=SIGNING)
# Under 64 KB of text, over 64 KB as a request once the other fields are added: refused as too large.
@example(sid="SM" + "0" * 32, sender=mom_phone(0), body="x" * 65448, extra={}, signing="valid")
def test_inbound_never_fails_stores_only_signed_texts_and_loses_none(
        stack: Stack, sid: str | None, sender: str | None, body: str | None, extra: dict[str, str], signing: str
) -> None:
    cases["inbound"] += 1
    form = {**extra, **_form(MessageSid=sid, From=sender, To=stack.settings.twilio_from_number, Body=body)}
    form.pop("SmsMessageSid", None)
    before = _totals(stack)
    response = _post(stack, "/twilio/inbound", form, signing)
    assert response.status_code < 500
    # The limit is on the request body as sent: the form, URL-encoded.
    too_big = len(urlencode({k: v.encode("utf-8") for k, v in form.items()})) > 64 * 1024
    if signing != "valid" or too_big:
        assert response.status_code == (413 if too_big else 403)
        assert _totals(stack) == before
    elif _usable(sid) and _usable(sender):
        assert response.status_code == 200
        assert _stored(stack, _usable(sid))  # type: ignore[arg-type]


@_fuzz(100)
@given(sid=st.one_of(st.just("known"), SID), status=STATUS, error=st.one_of(TEXT, st.none()), extra=EXTRA,
       signing=SIGNING)
def test_status_callbacks_never_fail_and_change_nothing_without_a_valid_signature(
        stack: Stack, sid: str | None, status: str | None, error: str | None, extra: dict[str, str], signing: str
) -> None:
    cases["status"] += 1
    known = _known_message(stack)
    form = {**extra, **_form(MessageSid=known if sid == "known" else sid, MessageStatus=status, ErrorCode=error)}
    before = _totals(stack)
    response = _post(stack, "/twilio/status", form, signing)
    assert response.status_code == (200 if signing == "valid" else 403)
    if signing != "valid":
        assert _totals(stack) == before


@_fuzz(100)
@given(raw=RAW, signature=st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9+/=]{1,40}", fullmatch=True)),
       path=st.sampled_from(["/twilio/inbound", "/twilio/status"]))
def test_undecodable_bodies_are_refused_without_a_500_and_store_nothing(
        stack: Stack, raw: tuple[bytes, str], signature: str | None, path: str) -> None:
    cases["raw"] += 1
    body, content_type = raw
    headers: dict[str, Any] = {**CLOSE, "Content-Type": content_type} if content_type else dict(CLOSE)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    before = _totals(stack)
    response = requests.post(stack.settings.public_base_url + path, data=body, headers=headers, timeout=30)
    assert response.status_code in (400, 403, 413)
    assert _totals(stack) == before


def test_zz_fuzz_case_counts_are_printed() -> None:
    print(f"\nwebhook fuzz: {sum(cases.values())} cases ({cases['inbound']} inbound, {cases['status']} status, "
          f"{cases['raw']} undecodable bodies)")
    assert sum(cases.values()) > 0


def _known_message(stack: Stack) -> str:
    """One outbound message with a SID, so some callbacks name a real message."""
    with session_scope(stack.settings.database_url) as db:
        sid = db.scalar(select(Message.provider_sid).where(Message.direction == "out",
                                                           Message.provider_sid.is_not(None)).limit(1))
        if sid is None:
            sid = "SM" + "f" * 32
            db.add(Message(direction="out", status="sent", to_addr=mom_phone(0), from_addr="+15005550006",
                           body="x", kind="checkin", provider_sid=sid, attempts=1))
        return sid
