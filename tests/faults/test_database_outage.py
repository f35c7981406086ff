"""The database goes away while moms reply. Twilio will not send those replies again, so the webhook
answers anyway (crisis resources inline), spools the signed request, and the sweeper replays it,
once, when the database is back."""
from __future__ import annotations

import signal
from typing import Iterator
from xml.etree import ElementTree

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from service import spool
from service.db import session_scope
from service.models import Alert, Message
from service.queues import redis_from_url
from service.simulator_twilio import new_sid
from service.redis_server import free_port
from tests.faults.conftest import PYTHON, Proc, Stack, TcpProxy, _wait_for, buddy_phone, mom_phone, seed_moms


@pytest.fixture
def web_behind_proxy(stack: Stack) -> Iterator[tuple[Stack, TcpProxy]]:
    """A second gunicorn whose only way to the database is a proxy the test can cut."""
    url = make_url(stack.settings.database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a database outage needs a database server (these fault tests are on SQLite here)")
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.restore()
    port = free_port()
    env = {**stack.env, "DATABASE_URL": url.set(port=proxy.port).render_as_string(hide_password=False),
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    web = Proc([PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
                "service:create_app()"], env, stack.tmp / "gunicorn-proxied.log")
    _wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200, 30,
              "gunicorn behind the proxy")
    original = stack.settings
    from dataclasses import replace

    stack.settings = replace(original, public_base_url=f"http://127.0.0.1:{port}")
    yield stack, proxy
    stack.settings = original
    web.kill(signal.SIGTERM)
    proxy.cut()


@pytest.mark.parametrize("redis_up, where", [(True, "Redis"), (False, "an append-only file")])
def test_replies_during_a_database_outage_are_answered_spooled_and_replayed_once(
        web_behind_proxy: tuple[Stack, TcpProxy], redis_up: bool, where: str) -> None:
    stack, proxy = web_behind_proxy
    seed_moms(stack.settings, 2, buddies=True)
    stack.workers.start("urgent")
    stack.workers.start("default")
    proxy.cut()
    if not redis_up:
        stack.redis.stop()
    low = {"MessageSid": new_sid(), "From": mom_phone(0), "To": stack.settings.twilio_from_number, "Body": "2"}
    crisis = {"MessageSid": new_sid(), "From": mom_phone(1), "To": stack.settings.twilio_from_number,
              "Body": "I want to end my life"}
    answers = [stack.post("/twilio/inbound", form) for form in (low, low, crisis)]  # the first one retried
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "988" in ElementTree.fromstring(answers[2].text).findtext("Message", "")  # crisis line, inline
    assert spool.pending(stack.settings, redis_from_url(stack.settings.redis_url) if redis_up else None) == 3

    proxy.restore()
    if not redis_up:
        stack.redis.start()
    with stack.sweeping():
        stack.wait_for(lambda: {buddy_phone(0), buddy_phone(1), mom_phone(0)} <= set(stack.sends_per_recipient()),
                       f"both buddies alerted, and the low reply's answer sent, from the spool in {where}")
        stack.wait_for(lambda: spool.pending(stack.settings, redis_from_url(stack.settings.redis_url)) == 0,
                       "an empty spool")
    with session_scope(stack.settings.database_url) as db:
        assert db.scalar(select(func.count()).where(Message.direction == "in")) == 2
        assert sorted(db.scalars(select(Alert.level))) == ["crisis", "low"]
    # One alert each; her lost TwiML answer arrives as a text; the crisis reply already went inline.
    assert stack.sends_per_recipient() == {buddy_phone(0): 1, buddy_phone(1): 1, mom_phone(0): 1}
