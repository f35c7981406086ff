"""Every keyword, dialogue step and state, through the real webhook with real signatures.

Each row: a starting state, who texts what, the reply she or he gets (a template kind, or none),
and what must be true afterwards.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from typing import Any, Callable

import pytest
from sqlalchemy import select

from service.members import Enrolment, add_do_not_text, enrol, is_do_not_text
from service.models import Alert, Buddy, CheckIn, Member, Signup
from service.texts import render
from tests.conftest import BUDDY, MOM, STRANGER

NOW = lambda: datetime.now(timezone.utc)  # noqa: E731


def setup_state(s: Any, settings: Any, state: str) -> None:
    """Build one named starting state directly in the database."""
    if state == "stranger":
        return
    if state == "stranger_signup_time":
        s.add(Signup(phone=STRANGER.phone, step="time", name="Pat", timezone="America/New_York", retries=0))
        return
    if state == "stranger_signup_stale":  # she stopped answering two days ago
        s.add(Signup(phone=STRANGER.phone, step="time", name="Pat", timezone="America/New_York", retries=0,
                     updated_at=NOW() - timedelta(days=2)))
        return
    if state == "stranger_signup_terms":
        s.add(Signup(phone=STRANGER.phone, step="terms", name="Pat", checkin_time="08:30",
                     timezone="America/New_York", retries=0))
        return
    member = enrol(s, settings, Enrolment("Amanda", MOM.phone, "20:00", "America/New_York", "Sarah", BUDDY.phone),
                   actor="test", now=NOW())
    buddy = member.buddies[0]
    member_state, _, buddy_state = state.partition("+")
    member.status = {"active": "active", "pending": "pending", "paused": "paused", "opted_out": "opted_out",
                     "open": "active", "deleting": "active"}.get(member_state, "active")
    member.consent_at = NOW() if member.status != "pending" else None
    if member.status == "opted_out":
        add_do_not_text(s, MOM.phone, "stop")
    if member_state == "open":
        s.add(CheckIn(member_id=member.id, due_at=NOW() - timedelta(minutes=5), state="sent"))
    if member_state == "deleting":
        member.delete_requested_at = NOW() - timedelta(minutes=1)
    consent, _, alert_state = buddy_state.partition("/")
    buddy.consent = consent or "accepted"
    if alert_state:
        s.flush()
        s.add(Alert(member_id=member.id, buddy_id=buddy.id, level="low", state=alert_state))


@dataclass(frozen=True)
class Row:
    state: str
    sender: str  # mom / buddy / stranger
    text: str
    reply: str | None  # a template kind whose rendering starts the reply, or None for no reply
    check: Callable[[Any], bool] = lambda s: True


def member(s: Any) -> Member | None:
    return s.scalars(select(Member)).first()


def buddy(s: Any) -> Buddy:
    return s.scalars(select(Buddy)).one()


ROWS = [
    # opt-out and back, in every state
    Row("active", "mom", "STOP", None, lambda s: member(s).status == "opted_out" and is_do_not_text(s, MOM.phone)),
    Row("paused", "mom", "stop", None, lambda s: member(s).status == "opted_out"),
    Row("pending", "mom", "Unsubscribe", None, lambda s: member(s).status == "opted_out"),
    Row("active", "mom", "please stop texting me", "opt_out_confirm", lambda s: member(s).status == "opted_out"),
    Row("active", "mom", "take me off this list", "opt_out_confirm", lambda s: member(s).status == "opted_out"),
    Row("active", "mom", "please stop", "opt_out_confirm", lambda s: member(s).status == "opted_out"),
    Row("open", "mom", "I don't want these texts anymore", "opt_out_confirm",
        lambda s: member(s).status == "opted_out" and s.scalars(select(CheckIn.mood_level)).one() is None),
    Row("opted_out", "mom", "START", None, lambda s: member(s).status == "active" and not is_do_not_text(s, MOM.phone)),
    Row("opted_out", "mom", "unstop", None, lambda s: member(s).status == "active"),
    Row("opted_out", "mom", "feeling great", None, lambda s: member(s).status == "opted_out"),
    Row("active+accepted", "buddy", "STOP", None, lambda s: buddy(s).consent == "stopped"),
    Row("active+stopped", "buddy", "START", None, lambda s: buddy(s).consent == "accepted"),
    # help
    Row("active", "mom", "HELP", "help"),
    Row("active", "mom", "info", "help"),
    Row("stranger", "stranger", "Help", "help"),
    # consent
    Row("pending", "mom", "YES", "member_confirmed", lambda s: member(s).status == "active"),
    Row("pending", "mom", "no", "member_declined", lambda s: member(s).status == "pending"),
    Row("pending", "mom", "who is this?", "member_pending"),
    Row("active+invited", "buddy", "Yes", "buddy_accepted", lambda s: buddy(s).consent == "accepted"),
    Row("active+invited", "buddy", "NO", "buddy_declined", lambda s: buddy(s).consent == "declined"),
    Row("active+declined", "buddy", "hello", "buddy_chat", lambda s: buddy(s).consent == "declined"),
    # acknowledgement, in every alert state
    Row("active+accepted/sent", "buddy", "OK", "buddy_ack_thanks", lambda s: s.scalars(select(Alert.state)).one() == "acknowledged"),
    Row("active+accepted/sent", "buddy", "on it", "buddy_ack_thanks", lambda s: s.scalars(select(Alert.state)).one() == "acknowledged"),
    Row("active+accepted/acknowledged", "buddy", "ok", "buddy_chat"),
    # handed on to her next buddy after the hour, and answered late: it still counts
    Row("active+accepted/escalated", "buddy", "ok", "buddy_ack_thanks",
        lambda s: s.scalars(select(Alert.state)).one() == "acknowledged"),
    # pause, resume, schedule
    Row("active", "mom", "PAUSE", "paused", lambda s: member(s).status == "paused" and member(s).paused_until is None),
    Row("active", "mom", "pause 3", "paused", lambda s: member(s).paused_until is not None),
    Row("active", "mom", "PAUSE TOMORROW", "paused",
        lambda s: (member(s).paused_until.astimezone(ZoneInfo("America/New_York")).date()
                   - datetime.now(ZoneInfo("America/New_York")).date()).days == 2),
    Row("active", "mom", "PAUSE UNTIL MONDAY", "paused", lambda s: member(s).paused_until.astimezone().weekday() in (0, 6)),
    Row("paused", "mom", "RESUME", "resumed", lambda s: member(s).status == "active"),
    Row("active", "mom", "RESUME", "already_on", lambda s: member(s).status == "active"),
    Row("active", "mom", "TIME 8pm", "time_changed", lambda s: member(s).checkin_time == "20:00"),
    Row("active", "mom", "time 20:30", "time_changed", lambda s: member(s).checkin_time == "20:30"),
    Row("active", "mom", "TIME 7:15am", "time_changed", lambda s: member(s).checkin_time == "07:15"),
    Row("active", "mom", "TIME 25pm", "usage_time", lambda s: member(s).checkin_time == "20:00"),
    Row("active", "mom", "TIME 8:30", "usage_time", lambda s: member(s).checkin_time == "20:00"),  # am or pm?
    Row("active", "mom", "DAYS MON WED FRI", "days_changed", lambda s: member(s).checkin_days == "024"),
    Row("active", "mom", "days every", "days_changed", lambda s: member(s).checkin_days == "0123456"),
    Row("active", "mom", "ZONE Chicago", "zone_changed", lambda s: member(s).timezone == "America/Chicago"),
    Row("active", "mom", "TZ America/Denver", "zone_changed", lambda s: member(s).timezone == "America/Denver"),
    Row("active", "mom", "zone narnia", "usage_zone", lambda s: member(s).timezone == "America/New_York"),
    Row("active", "mom", "ZONE Seattle", "zone_changed", lambda s: member(s).timezone == "America/Los_Angeles"),
    Row("active", "mom", "zone Houston", "zone_changed", lambda s: member(s).timezone == "America/Chicago"),
    # buddies
    Row("active", "mom", "BUDDY Jo +12025550180", "buddy_invited", lambda s: len(member(s).buddies) == 2),
    Row("active", "mom", f"buddy Sarah {BUDDY.phone}", "buddy_refused", lambda s: len(member(s).buddies) == 1),
    Row("active", "mom", "BUDDIES", "buddy_list"),
    Row("active", "mom", "REMOVE SARAH", "buddy_removed", lambda s: member(s).buddies == []),
    Row("active", "mom", "remove Maria", "buddy_not_found", lambda s: len(member(s).buddies) == 1),
    Row("active", "mom", "STOP BUDDY", "buddy_alerts_paused", lambda s: member(s).buddy_alerts_paused and member(s).status == "active"),
    Row("active", "mom", "Stop buddy alerts please", "buddy_alerts_paused",
        lambda s: member(s).buddy_alerts_paused and member(s).status == "active" and s.scalars(select(Alert)).all() == []),
    Row("paused", "mom", "RESUME please", "resumed", lambda s: member(s).status == "active"),
    Row("active", "mom", "time: 9pm", "time_changed", lambda s: member(s).checkin_time == "21:00"),
    Row("active", "mom", "SHARE ON", "share_on", lambda s: member(s).share_words),
    # her consent to her buddy being asked to check on her after three missed check-ins
    Row("active+accepted", "mom", "Nudge buddy on", "nudge_buddy_on", lambda s: member(s).nudge_buddy),
    Row("active+accepted", "mom", "NUDGE BUDDY OFF", "nudge_buddy_off", lambda s: not member(s).nudge_buddy),
    Row("active", "mom", "nudge buddy", "usage_nudge", lambda s: not member(s).nudge_buddy),
    Row("active+declined", "mom", "NUDGE BUDDY ON", "nudge_buddy_on_none", lambda s: member(s).nudge_buddy),
    Row("active", "mom", "share off", "share_off", lambda s: not member(s).share_words),
    # delete, with its confirmation
    Row("active", "mom", "DELETE", "delete_confirm", lambda s: member(s).delete_requested_at is not None),
    Row("deleting", "mom", "yes", "deleted", lambda s: member(s) is None and is_do_not_text(s, MOM.phone)),
    Row("deleting", "mom", "no", "delete_cancelled", lambda s: member(s) is not None and member(s).delete_requested_at is None),
    Row("deleting", "mom", "Yes, delete everything", "deleted", lambda s: member(s) is None),
    # her words, with and without an open check-in
    Row("open", "mom", "2", "reply_low_us", lambda s: s.scalars(select(CheckIn.mood_level)).one() == "low"),
    Row("open", "mom", "5 💕", "reply_ok", lambda s: s.scalars(select(CheckIn.state)).one() == "answered"),
    Row("open", "mom", "idk", "followup", lambda s: s.scalars(select(CheckIn.followup_asked)).one()),
    Row("open", "mom", "My husband hit me", "reply_unsafe_us", lambda s: s.scalars(select(CheckIn.mood_level)).one() == "low"),
    Row("active", "mom", "great day!", "reply_ok"),
    Row("paused", "mom", "pretty rough", "reply_low_us"),
    # strangers and sign-up
    Row("stranger", "stranger", "hi", "stranger"),
    Row("stranger", "stranger", "PAUSE", "not_enrolled_command"),
    Row("stranger", "stranger", "JOIN", "signup_name", lambda s: s.get(Signup, STRANGER.phone).step == "name"),
    Row("stranger_signup_time", "stranger", "8:30am", "signup_buddy", lambda s: s.get(Signup, STRANGER.phone).checkin_time == "08:30"),
    Row("stranger_signup_time", "stranger", "soonish", "signup_time_retry", lambda s: s.get(Signup, STRANGER.phone).retries == 1),
    Row("stranger_signup_terms", "stranger", "YES", "signup_done", lambda s: member(s).status == "active" and s.get(Signup, STRANGER.phone) is None),
    Row("stranger_signup_terms", "stranger", "Yes, sounds good 👍", "signup_done", lambda s: member(s).status == "active"),
    Row("stranger_signup_stale", "stranger", "8:30am", "stranger", lambda s: s.get(Signup, STRANGER.phone) is None),
    Row("stranger_signup_terms", "stranger", "no", "signup_cancelled", lambda s: member(s) is None and s.get(Signup, STRANGER.phone) is None),
    Row("stranger_signup_time", "stranger", "stop", None, lambda s: s.get(Signup, STRANGER.phone) is None and is_do_not_text(s, STRANGER.phone)),
]
PHONES = {"mom": MOM.phone, "buddy": BUDDY.phone, "stranger": STRANGER.phone}


def reply_texts(response: Any) -> list[str]:
    return [m.text or "" for m in ET.fromstring(response.text).iter("Message")]


def starts_like(kind: str) -> str:
    """The fixed opening of a template, up to its first placeholder."""
    from service.texts import TEMPLATE_DIR

    return TEMPLATE_DIR.joinpath(f"{kind}.txt").read_text().split("$")[0].strip()[:25]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.state}:{r.sender}:{r.text}" for r in ROWS])
def test_each_text_in_each_state_gets_the_right_reply_and_effect(row: Row, sim: Any, db: Any, settings: Any) -> None:
    with db() as s:
        setup_state(s, settings, row.state)
    response = sim.send_inbound(PHONES[row.sender], row.text)
    assert response.status_code == 200
    texts = reply_texts(response)
    if row.reply is None:
        assert texts == []
    else:
        assert len(texts) == 1 and texts[0].startswith(starts_like(row.reply)), texts
    with db() as s:
        assert row.check(s)


def test_every_row_kind_is_a_real_template() -> None:
    from service.texts import template_kinds

    assert {r.reply for r in ROWS if r.reply} <= set(template_kinds())


def test_the_whole_signup_dialogue_survives_a_restart_between_steps(sim: Any, db: Any) -> None:
    steps = [("JOIN", "signup_name"), ("I'm Pat", "signup_time"), ("7pm", "signup_buddy"),
             ("Jo 202-555-0180", "signup_terms"), ("yes", "signup_done")]
    for text, kind in steps:  # each step is a separate request: nothing lives in memory between them
        texts = reply_texts(sim.send_inbound(STRANGER.phone, text))
        assert texts[0].startswith(starts_like(kind)), (text, texts)
    with db() as s:
        mom = s.scalars(select(Member)).one()
        assert (mom.name, mom.checkin_time, mom.timezone, mom.status) == ("Pat", "19:00", "America/New_York", "active")
        assert [(b.name, b.phone, b.consent) for b in mom.buddies] == [("Jo", "+12025550180", "invited")]


def test_a_buddy_who_stops_is_replaced_by_her_choice(sim: Any, db: Any, settings: Any, run_jobs: Any) -> None:
    with db() as s:
        setup_state(s, settings, "active+accepted")
    sim.send_inbound(BUDDY.phone, "STOP")
    run_jobs()
    assert sim.messages(to=MOM.phone)[-1]["body"] == render("buddy_stopped_member", buddy="Sarah")


def test_mom_is_told_when_her_buddy_acknowledges(sim: Any, db: Any, settings: Any, run_jobs: Any) -> None:
    with db() as s:
        setup_state(s, settings, "active+accepted/sent")
    sim.send_inbound(BUDDY.phone, "👍")
    run_jobs()
    assert sim.messages(to=MOM.phone)[-1]["body"] == render("ack_member", buddy="Sarah")


def test_a_number_that_said_no_is_never_invited_again(sim: Any, db: Any, settings: Any) -> None:
    with db() as s:
        setup_state(s, settings, "active+declined")
        s.add(Member(name="Bea", phone="+12025550181", timezone="America/New_York", checkin_time="09:00",
                     status="active", consent_at=NOW()))
    texts = reply_texts(sim.send_inbound("+12025550181", f"BUDDY Sarah {BUDDY.phone}"))
    assert texts[0].startswith(starts_like("buddy_refused"))


def test_a_whatsapp_button_reply_counts_like_typed_text(sim: Any, db: Any, settings: Any) -> None:
    with db() as s:
        setup_state(s, settings, "active+invited")
    response = sim.send_inbound(BUDDY.phone, "Yes, I'll be her buddy", extra={"ButtonPayload": "YES", "ButtonText": "Yes"})
    assert reply_texts(response)[0].startswith(starts_like("buddy_accepted"))


def test_three_invitations_a_week_by_text_not_counting_the_buddy_she_was_enrolled_with(sim: Any, db: Any,
                                                                                       settings: Any) -> None:
    with db() as s:
        setup_state(s, settings, "active+accepted")  # Sarah, invited by the operator's enrolment today
    numbers = ["+12025550180", "+12025550181", "+12025550182", "+12025550183"]
    for name, number in zip(("Jo", "Kim", "Lee"), numbers):
        assert reply_texts(sim.send_inbound(MOM.phone, f"BUDDY {name} {number}"))[0] == render("buddy_invited", buddy=name)
    sim.send_inbound(MOM.phone, "REMOVE Lee")  # removing one does not free a place this week
    assert reply_texts(sim.send_inbound(MOM.phone, f"BUDDY Max {numbers[3]}"))[0].startswith(starts_like("buddy_refused"))
