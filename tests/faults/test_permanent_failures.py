"""Permanent Twilio errors stop at once and act on their code; 63016 tries the WhatsApp template."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from service.db import session_scope
from service.members import is_do_not_text
from service.models import Event, Member, Message
from service.queues import enqueue_send, redis_from_url
from tests.faults.conftest import Stack, Workers, mom_phone, seed_moms


def _checkin_to(stack: Stack, to: str) -> int:
    member_id = seed_moms(stack.settings, 1, buddies=False)[0]
    with session_scope(stack.settings.database_url) as db:
        sender = ("whatsapp:" if to.startswith("whatsapp:") else "") + stack.settings.sender
        message = Message(direction="out", status="pending", to_addr=to, from_addr=sender,
                          body="Hi Mom0, how are you really doing today?", kind="checkin", attempts=0,
                          member_id=member_id, created_at=datetime.now(timezone.utc))
        db.add(message)
        db.flush()
        message_id = message.id
    enqueue_send(redis_from_url(stack.settings.redis_url), message_id, urgent=False)
    return message_id


def _settled(stack: Stack, message_id: int) -> Message:
    with session_scope(stack.settings.database_url) as db:
        message = db.get(Message, message_id)
        assert message is not None
        return message


@pytest.mark.parametrize("code, effect", [
    (21610, "opted_out"),
    (21211, "invalid_number"),
    (21614, "invalid_number"),
])
def test_a_permanent_error_fails_at_once_and_acts_on_its_code(stack: Stack, code: int, effect: str) -> None:
    stack.set_faults(number_errors={mom_phone(0): code})
    message_id = _checkin_to(stack, mom_phone(0))
    stack.workers.start("default")
    stack.wait_for(lambda: _settled(stack, message_id).status == "failed", "the failure")
    message = _settled(stack, message_id)
    assert (message.attempts, message.error_code) == (1, str(code))
    with session_scope(stack.settings.database_url) as db:
        if effect == "opted_out":
            assert db.scalar(select(Member.status)) == "opted_out" and is_do_not_text(db, mom_phone(0))
        else:
            assert db.scalar(select(Event.kind).where(Event.kind == "invalid_number")) == "invalid_number"


@pytest.mark.parametrize("template, attempts", [("", 1), ("HX" + "1" * 32, 2)])
def test_a_whatsapp_text_refused_with_63016_is_resent_as_the_template_when_one_is_configured(
        stack: Stack, template: str, attempts: int) -> None:
    to = "whatsapp:" + mom_phone(0)
    stack.set_faults(number_errors={to: 63016})  # the simulator refuses this number whatever is sent
    message_id = _checkin_to(stack, to)
    workers = Workers({**stack.env, "TWILIO_WHATSAPP_TEMPLATE_SID": template}, stack.tmp)
    workers.start("default")
    try:
        stack.wait_for(lambda: _settled(stack, message_id).status == "failed", "the failure")
    finally:
        workers.stop_all()
    assert (_settled(stack, message_id).attempts, _settled(stack, message_id).error_code) == (attempts, "63016")
