"""Follow-ups over time: invitation reminders, low-alert escalation, the consent ledger."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

from redis import Redis
from sqlalchemy import select

from service import alerts, members, outbox
from service.members import Enrolment, enrol
from service.models import Alert, Buddy, Message
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


def with_two_buddies(db: Any, settings: Any) -> None:
    """Amanda, consented, with Sarah and then Jo as her accepted buddies."""
    enrolled(db, settings, datetime.now(timezone.utc))
    with db() as s:
        for buddy in s.scalars(select(Buddy)):
            buddy.consent = "accepted"
        member = buddy.member
        members.invite_buddy(s, settings, member, "Jo", JO, actor="test", now=datetime.now(timezone.utc))
        s.flush()
        member.buddies[1].consent = "accepted"


def test_an_unacknowledged_low_alert_goes_to_her_next_buddy_after_an_hour(db: Any, settings: Any, sim: Any, run_jobs: Any) -> None:
    with_two_buddies(db, settings)
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
    with_two_buddies(db, settings)
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


def test_a_buddy_who_answers_hours_late_still_acknowledges_and_the_mom_is_told(
        db: Any, settings: Any, sim: Any, run_jobs: Any) -> None:
    """With no next buddy the hour's escalation has nobody to ask; a buddy at work who answers at
    lunch used to be told to 'reply OK after you've reached out', and the mom never heard."""
    enrolled(db, settings, datetime.now(timezone.utc))
    with db() as s:
        s.scalars(select(Buddy)).one().consent = "accepted"
    sim.send_inbound(MOM.phone, "1")
    run_jobs()
    with db() as s:
        alerts.escalate_low(s, settings, datetime.now(timezone.utc) + timedelta(minutes=61))
        assert s.scalars(select(Alert.state)).one() == "escalated"
    reply = sim.send_inbound(BUDDY.phone, "ok, just called her")
    assert render("buddy_ack_thanks", member="Amanda") in reply.text
    run_jobs()
    assert [m["body"] for m in sim.messages(to=MOM.phone)][-1] == render("ack_member", buddy="Sarah")


def test_once_one_buddy_answers_nobody_further_is_asked(db: Any, settings: Any, sim: Any, run_jobs: Any) -> None:
    with_two_buddies(db, settings)
    with db() as s:
        member = s.scalars(select(Buddy)).first().member
        members.invite_buddy(s, settings, member, "Kim", "+12025550181", actor="test", now=datetime.now(timezone.utc))
        s.flush()
        member.buddies[2].consent = "accepted"
    sim.send_inbound(MOM.phone, "1")
    run_jobs()
    hour, two = (datetime.now(timezone.utc) + timedelta(minutes=m) for m in (61, 122))
    with db() as s:
        assert alerts.escalate_low(s, settings, hour) == 1  # to Jo
        outbox.commit(s, None)
    run_jobs()
    sim.send_inbound(BUDDY.phone, "ok")  # Sarah, late: the episode is answered
    with db() as s:
        for message in s.scalars(select(Message).where(Message.kind == "alert")):
            message.updated_at = hour  # Jo's text went an hour ago by then
    with db() as s:
        assert alerts.escalate_low(s, settings, two) == 0  # not on to Kim
        outbox.commit(s, None)
    with db() as s:
        kim = s.scalar(select(Buddy.id).where(Buddy.phone == "+12025550181"))
        assert s.scalars(select(Alert).where(Alert.buddy_id == kim)).all() == []


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


def test_no_reminder_goes_to_the_buddy_of_a_mom_who_said_stop(db: Any, settings: Any, sim: Any, run_jobs: Any,
        redis_url: Any) -> None:
    """Kim enrols with Lee as her buddy, then texts STOP: 49 hours on, Lee is not texted on her behalf."""
    start = datetime.now(timezone.utc) - timedelta(hours=49)
    enrolled(db, settings, start)
    run_jobs()
    invitations = len(sim.messages(to=BUDDY.phone))
    assert sim.send_inbound(MOM.phone, "STOP").status_code == 200
    run_jobs()
    for hours in (49, 98, 200):
        with db() as s:
            assert members.remind_invitations(s, settings, start + timedelta(hours=hours)) == 0
            outbox.commit(s, Redis.from_url(redis_url))
    run_jobs()
    assert len(sim.messages(to=BUDDY.phone)) == invitations
    assert render("invite_unanswered", buddy="Sarah") not in [m["body"] for m in sim.messages(to=MOM.phone)]
    with db() as s:
        buddy = s.scalars(select(Buddy)).one()
        assert buddy.reminded_at is None and buddy.member_told_at is None


def test_no_reminder_goes_out_while_she_is_deleting_her_data(db: Any, settings: Any, sim: Any, run_jobs: Any,
        redis_url: Any) -> None:
    start = datetime.now(timezone.utc) - timedelta(hours=49)
    enrolled(db, settings, start)
    now = datetime.now(timezone.utc)
    with db() as s:
        s.scalars(select(Buddy)).one().member.delete_requested_at = now  # her DELETE, waiting for YES
    with db() as s:
        assert members.remind_invitations(s, settings, now + timedelta(minutes=1)) == 0
    with db() as s:  # she never confirmed: the invitation is hers again, and so is its reminder
        assert members.remind_invitations(s, settings, now + timedelta(hours=1)) == 1


def test_a_resent_invitation_starts_the_48_hour_clock_again(db: Any, settings: Any, sim: Any, run_jobs: Any,
        redis_url: Any) -> None:
    """After a reminder long ago, the operator resends: she is not told "hasn't answered" minutes later,
    and the buddy gets one reminder 48 hours after the resend."""
    from service import admin

    start = datetime.now(timezone.utc) - timedelta(days=3)
    enrolled(db, settings, start)
    with db() as s:
        assert members.remind_invitations(s, settings, start + timedelta(hours=49)) == 1
        outbox.commit(s, Redis.from_url(redis_url))
    resent = datetime.now(timezone.utc)
    with db() as s:
        buddy = admin.resend_invitation(s, settings, s.scalars(select(Buddy.id)).one(), actor="test", now=resent)
        assert (buddy.invited_at, buddy.reminded_at, buddy.member_told_at) == (resent, None, None)
        outbox.commit(s, Redis.from_url(redis_url))
    for minutes, expected in ((5, 0), (47 * 60, 0), (49 * 60, 1), (50 * 60, 0)):
        with db() as s:
            assert members.remind_invitations(s, settings, resent + timedelta(minutes=minutes)) == expected
            outbox.commit(s, Redis.from_url(redis_url))
    run_jobs()
    assert render("invite_unanswered", buddy="Sarah") not in [m["body"] for m in sim.messages(to=MOM.phone)]
    assert [m["body"] for m in sim.messages(to=BUDDY.phone)][-1] == render("invite_reminder", buddy="Sarah", member="Amanda")


def test_a_buddy_who_cannot_reach_her_passes_a_low_alert_to_her_next_buddy_now(
        db: Any, settings: Any, sim: Any, run_jobs: Any) -> None:
    with_two_buddies(db, settings)
    sim.send_inbound(MOM.phone, "1")
    run_jobs()
    reply = sim.send_inbound(BUDDY.phone, "called twice, no answer")
    assert render("buddy_cannot_low", buddy="Sarah", next="Jo", member="Amanda") in reply.text
    run_jobs()
    assert [m["body"] for m in sim.messages(to=JO)][-1] == render("alert_low_after", buddy="Jo", member="Amanda",
                                                                  other="Sarah")
    last = sim.send_inbound(JO, "went to voicemail")  # nobody else to ask: a person must see it
    assert render("buddy_cannot_low_nobody", buddy="Jo", member="Amanda") in last.text
    with db() as s:
        assert s.scalars(select(Alert.state).where(Alert.recipient == "none")).all() == ["unrouted"]


def test_an_ok_a_day_later_tells_her_it_answers_yesterdays_message(db: Any, settings: Any, sim: Any,
                                                                  run_jobs: Any) -> None:
    enrolled(db, settings, datetime.now(timezone.utc))
    with db() as s:
        s.scalars(select(Buddy)).one().consent = "accepted"
    sim.send_inbound(MOM.phone, "1")
    run_jobs()
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    yesterday_noon = datetime.combine(datetime.now(new_york).date() - timedelta(days=1), datetime.min.time(),
                                      new_york) + timedelta(hours=12)
    with db() as s:
        for alert in s.scalars(select(Alert)):
            alert.created_at = yesterday_noon
    sim.send_inbound(BUDDY.phone, "ok")
    run_jobs()
    assert [m["body"] for m in sim.messages(to=MOM.phone)][-1] == render("ack_member_late", buddy="Sarah",
                                                                          when="from yesterday")
