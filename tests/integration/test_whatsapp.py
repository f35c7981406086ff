"""WhatsApp: addressed as whatsapp:+E164; outside 24 hours of her last message a business-initiated
text goes as an approved template; inside it, free-form text."""
from __future__ import annotations

import dataclasses
import time
from typing import Any

from sqlalchemy import select

from service.models import Member, Message
from tests.conftest import MOM

TEMPLATE = "HX" + "c" * 32


def test_check_ins_use_the_template_outside_the_window_and_text_inside_it(cli: Any, sim: Any, run_jobs: Any,
                                                                          db: Any, settings: Any) -> None:
    from workers import context

    context.configure(dataclasses.replace(settings, twilio_whatsapp_templates=f"checkin={TEMPLATE}"))
    result = cli("members", "add", "--name", "Amanda", "--phone", MOM.phone, "--time", "20:00",
                 "--timezone", "America/New_York", "--channel", "whatsapp")
    assert result.exit_code == 0, result.output
    with db() as s:
        member = s.scalars(select(Member)).one()
        member.status, member.consent_at = "active", member.created_at
    run_jobs()  # the welcome: not a check-in, no template configured for it
    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 0
    run_jobs()
    outside = sim.messages(to="whatsapp:" + MOM.phone)[-1]
    assert outside["content_sid"] == TEMPLATE and outside["from"].startswith("whatsapp:")
    sim.send_inbound("whatsapp:" + MOM.phone, "4")  # she writes: the 24-hour window opens
    time.sleep(1.05)  # manual check-ins are unique per member and second
    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 0
    run_jobs()
    inside = sim.messages(to="whatsapp:" + MOM.phone)[-1]
    assert inside["content_sid"] in (None, "") and inside["body"].startswith("Hi Amanda, how are you")


def test_her_whatsapp_profile_name_is_kept_with_her_message(sim: Any, db: Any) -> None:
    sim.send_inbound("whatsapp:" + MOM.phone, "hello")
    with db() as s:
        assert s.scalars(select(Message.profile_name).where(Message.direction == "in")).one().startswith("Simulated")


def test_a_malformed_template_table_stops_start_up() -> None:
    import pytest

    from service.config import ConfigError, load_settings

    with pytest.raises(ConfigError):
        load_settings({"TWILIO_WHATSAPP_TEMPLATES": "checkin=nope"})
