"""Follow-ups over time: invitation reminders, low-alert escalation, the consent ledger."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from service import alerts, members, outbox
from service.members import Enrolment, enrol
from service.models import Alert, Buddy
from service.texts import render
from tests.conftest import BUDDY, MOM

JO = "+12025550180"


def enrolled(db: Any, settings: Any, at: datetime) -> None:
    with db() as s:
        member = enrol(s, settings, Enrolment("Amanda", MOM.phone, "20:00", "America/New_York", "Sarah", BUDDY.phone),
                       actor="test", now=at)
        member.status, member.consent_at = "active", at
        s.flush()
        member.buddies[0].invited_at = at


def test_an_unanswered_invitation_gets_one_reminder_then_she_is_told(db: Any, settings: Any, sim: Any, run_jobs: Any, redis_url: Any) -> None:
    from redis import Redis

    start = datetime.now(timezone.utc) - timedelta(days=5)
    enrolled(db, settings, start)
    for hours, expected in ((24, 0), (49, 1), (60, 0), (98, 1), (200, 0)):
        with db() as s:
            assert members.remind_invitations(s, settings, start + timedelta(hours=hours)) == expected
            outbox.commit(s, Redis.from_url(redis_url))
    run_jobs()
    assert [m["body"] for m in sim.messages(to=BUDDY.phone)][-1] == render("invite_reminder", buddy="Sarah", member="Amanda")
    assert [m["body"] for m in sim.messages(to=MOM.phone)][-1] == render("invite_unanswered", buddy="Sarah")


def test_an_unacknowledged_low_alert_goes_to_her_next_buddy_after_an_hour(db: Any, settings: Any, sim: Any, run_jobs: Any) -> None:
    enrolled(db, settings, datetime.now(timezone.utc))
    with db() as s:
        for buddy in s.scalars(select(Buddy)):
            buddy.consent = "accepted"
        member = buddy.member
        members.invite_buddy(s, settings, member, "Jo", JO, actor="test", now=datetime.now(timezone.utc))
        s.flush()
        member.buddies[1].consent = "accepted"
    sim.send_inbound(MOM.phone, "1")
    run_jobs()
    later = datetime.now(timezone.utc) + timedelta(minutes=61)
    with db() as s:
        assert alerts.escalate_low(s, settings, datetime.now(timezone.utc)) == 0  # not yet
        assert alerts.escalate_low(s, settings, later) == 1
        outbox.commit(s, None)
    with db() as s:
        assert sorted(s.scalars(select(Alert.state))) == ["escalated", "pending"]
        assert alerts.escalate_low(s, settings, later) == 0  # once


def test_each_low_reply_outside_a_check_in_escalates_to_her_next_buddy_on_its_own(
        db: Any, settings: Any, sim: Any, run_jobs: Any) -> None:
    """Replies that answer no check-in are episodes of their own: the second one reaches her next
    buddy too (the 'already tried' set was every such alert she ever had)."""
    enrolled(db, settings, datetime.now(timezone.utc))
    with db() as s:
        for buddy in s.scalars(select(Buddy)):
            buddy.consent = "accepted"
        member = buddy.member
        members.invite_buddy(s, settings, member, "Jo", JO, actor="test", now=datetime.now(timezone.utc))
        s.flush()
        member.buddies[1].consent = "accepted"
    for day, text in enumerate(("1", "2 again, awful")):
        if day:  # a day and more later: past the low-alert cooldown
            with db() as s:
                for alert in s.scalars(select(Alert)):
                    alert.created_at -= timedelta(hours=25)
        sim.send_inbound(MOM.phone, text)
        run_jobs()
        with db() as s:
            assert alerts.escalate_low(s, settings, datetime.now(timezone.utc) + timedelta(minutes=61)) == 1
            outbox.commit(s, None)
        with db() as s:  # (its text waits for Jo's quiet hours to end, as a low alert does)
            newest = s.scalars(select(Alert.buddy_id).order_by(Alert.id.desc())).first()
            assert newest == s.scalar(select(Buddy.id).where(Buddy.phone == JO))
        assert sim.send_inbound(JO, "ok").status_code == 200
    with db() as s:
        assert sorted(s.scalars(select(Alert.state))) == ["acknowledged", "acknowledged", "escalated", "escalated"]


def test_the_consent_ledger_exports_every_consent_event(db: Any, settings: Any, sim: Any, cli: Any) -> None:
    cli("members", "add", "--name", "Amanda", "--phone", MOM.phone, "--time", "20:00",
        "--timezone", "America/New_York", "--buddy-name", "Sarah", "--buddy-phone", BUDDY.phone)
    sim.send_inbound(MOM.phone, "YES")
    sim.send_inbound(BUDDY.phone, "yes")
    sim.send_inbound(MOM.phone, "SHARE ON")
    sim.send_inbound(MOM.phone, "stop")
    result = cli("consent", "export")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["event"] for r in rows] == ["member_enrolled", "buddy_invited", "member_consent", "buddy_accept",
                                          "consent_share_on", "member_opt_out"]
    assert all(r["message_sid"].startswith("SM") for r in rows[2:])
    assert rows[2]["channel"] == "sms" and rows[2]["actor"] == "member"
    assert MOM.phone not in result.output
