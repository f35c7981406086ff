"""The whole loop, end to end: enrol by CLI, consent by text, a check-in through RQ and the twilio
library to the simulator, replies through the signed webhook, buddy alerts through the urgent queue."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from sqlalchemy import func, select

from service.models import Alert, CheckIn, Member, Message
from service.mood import score_rules
from service.texts import render
from tests.conftest import BUDDY, MOM, texts_to


def twiml_texts(response: Any) -> list[str]:
    body = response.text if hasattr(response, "text") and isinstance(response.text, str) else response.get_data(as_text=True)
    return [m.text or "" for m in ET.fromstring(body).iter("Message")]


def enrol(cli: Any) -> None:
    result = cli("members", "add", "--name", MOM.name, "--phone", MOM.phone, "--time", "20:00",
                 "--timezone", "America/New_York", "--buddy-name", BUDDY.name, "--buddy-phone", BUDDY.phone)
    assert result.exit_code == 0, result.output


def consent_both(sim: Any, run_jobs: Any) -> None:
    run_jobs()
    assert sim.send_inbound(MOM.phone, "yes").status_code == 200
    assert sim.send_inbound(BUDDY.phone, "YES").status_code == 200


def test_the_whole_loop_sends_exactly_the_expected_texts(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    run_jobs()
    assert texts_to(sim, MOM.phone) == [render("welcome", name="Amanda")]
    assert texts_to(sim, BUDDY.phone) == [render("buddy_invite", buddy="Sarah", member="Amanda")]

    # Nothing before consent: a check-in is refused while she has not said YES.
    refused = cli("checkins", "send-now", "--phone", MOM.phone)
    assert refused.exit_code == 1 and "has not replied YES" in refused.output

    mom_yes = sim.send_inbound(MOM.phone, "Yes!")
    assert twiml_texts(mom_yes) == [render("member_confirmed", name="Amanda", time="8:00pm")]
    buddy_yes = sim.send_inbound(BUDDY.phone, "yes")
    assert twiml_texts(buddy_yes) == [render("buddy_accepted", member="Amanda")]

    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 0
    run_jobs()
    assert texts_to(sim, MOM.phone)[-1] == render("checkin", name="Amanda")

    low = sim.send_inbound(MOM.phone, "honestly I'm drowning")
    assert twiml_texts(low) == [render("reply_low_buddy_us", name="Amanda", buddy="Sarah")]
    run_jobs()
    alert = render("alert_low", buddy="Sarah", member="Amanda")
    assert texts_to(sim, BUDDY.phone) == [render("buddy_invite", buddy="Sarah", member="Amanda"), alert]
    assert "drowning" not in alert

    with db() as s:
        checkin = s.scalars(select(CheckIn)).one()
        assert (checkin.state, checkin.mood_level, checkin.manual) == ("answered", "low", True)
        statuses = set(s.scalars(select(Message.status).where(Message.direction == "out",
                                                              Message.provider_sid.is_not(None))))
        assert statuses == {"delivered"}  # every status callback arrived, signed, and was recorded


def test_a_good_reply_gets_a_warm_answer_and_no_alert(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    cli("checkins", "send-now", "--phone", MOM.phone)
    run_jobs()
    assert twiml_texts(sim.send_inbound(MOM.phone, "4")) == [render("reply_ok", name="Amanda")]
    # More of the same story moments later: heard once, then quietly.
    assert twiml_texts(sim.send_inbound(MOM.phone, "great day!")) == [render("reply_more", name="Amanda")]
    assert twiml_texts(sim.send_inbound(MOM.phone, "we went to the park")) == []
    run_jobs()
    assert len(texts_to(sim, BUDDY.phone)) == 1  # the invitation only
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == 0


def test_low_replies_in_every_form_alert_the_buddy_once_a_day(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    for text in ("1", "2", "not good 😞"):
        sim.send_inbound(MOM.phone, text)
    run_jobs()
    alerts = [t for t in texts_to(sim, BUDDY.phone) if "could use some support" in t]
    assert alerts == [render("alert_low", buddy="Sarah", member="Amanda")]
    with db() as s:
        levels = s.scalars(select(Message.mood_level).where(Message.direction == "in")
                           .order_by(Message.id)).all()
    assert levels[-3:] == ["low", "low", "low"]


def test_a_crisis_reply_gets_the_crisis_line_inline_and_an_urgent_alert(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    reply = twiml_texts(sim.send_inbound(MOM.phone, "I want to end it all"))
    assert len(reply) == 1 and "988" in reply[0] and "Sarah" in reply[0]
    with db() as s:
        job = s.scalars(select(Message).where(Message.kind == "alert")).one()
        assert job.urgent and job.status == "pending"
    run_jobs()
    last = texts_to(sim, BUDDY.phone)[-1]
    assert last.startswith("URGENT") and "Amanda" in last and "end it all" not in last


def test_a_veiled_crisis_only_the_learned_second_opinion_hears_is_answered_as_a_crisis(cli: Any, sim: Any, run_jobs: Any,
                                                                                      db: Any) -> None:
    text = "honestly a 2. i keep thinking how much lighter everything would be for them, i have it all planned out"
    assert score_rules(text).level == "low"  # the phrase rules alone would only have told her buddy she is low
    enrol(cli)
    consent_both(sim, run_jobs)
    reply = twiml_texts(sim.send_inbound(MOM.phone, text))
    assert len(reply) == 1 and "988" in reply[0] and "Sarah" in reply[0]
    with db() as s:
        stored = s.scalars(select(Message).where(Message.direction == "in", Message.body == text)).one()
        assert stored.mood_level == "crisis"
        alert = s.scalars(select(Alert)).one()
        assert alert.level == "crisis"
    run_jobs()
    last = texts_to(sim, BUDDY.phone)[-1]
    assert last.startswith("URGENT") and "lighter" not in last


def test_the_scheduler_sends_nothing_before_her_yes(cli: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    from datetime import datetime, timezone

    from service.checkins import plan_due

    enrol(cli)
    run_jobs()
    at_her_time = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # 20:00 in New York
    with db() as s:
        assert plan_due(s, settings, at_her_time) == 0
        s.execute(Member.__table__.update().values(status="active", consent_at=datetime(2026, 11, 22, tzinfo=timezone.utc)))
    with db() as s:
        assert plan_due(s, settings, at_her_time) == 1
        assert plan_due(s, settings, at_her_time) == 0  # twice plans once


def answered_low(cli: Any, sim: Any, run_jobs: Any) -> None:
    """Amanda and Sarah consented, a check-in sent, and Amanda answered it with a 2."""
    enrol(cli)
    consent_both(sim, run_jobs)
    cli("checkins", "send-now", "--phone", MOM.phone)
    run_jobs()
    assert twiml_texts(sim.send_inbound(MOM.phone, "2")) == [render("reply_low_buddy_us", name="Amanda", buddy="Sarah")]


def test_a_low_answer_put_right_before_her_buddy_is_texted_texts_nobody(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    answered_low(cli, sim, run_jobs)
    reply = twiml_texts(sim.send_inbound(MOM.phone, "oops sorry, I meant 4!"))
    assert reply == [render("correction_better_withdrawn", name="Amanda", score="4", buddy="Sarah")]
    run_jobs()
    assert len(texts_to(sim, BUDDY.phone)) == 1  # the invitation only
    with db() as s:
        checkin = s.scalars(select(CheckIn)).one()
        assert (checkin.mood_level, checkin.mood_score) == ("ok", 4.0)
        alert = s.scalars(select(Alert)).one()
        assert (alert.state, alert.handled_by) == ("withdrawn", "member")
        assert s.scalars(select(Message.status).where(Message.kind == "alert")).one() == "canceled"
    # Withdrawn, it does not count against the day's one low alert: a real low later still reaches Sarah.
    sim.send_inbound(MOM.phone, "actually it got so much worse, I'm drowning")
    run_jobs()
    assert texts_to(sim, BUDDY.phone)[-1] == render("alert_low", buddy="Sarah", member="Amanda")


def test_a_low_answer_put_right_after_her_buddy_was_texted_says_so_and_never_escalates(
        cli: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    from datetime import datetime, timedelta, timezone

    from service import alerts

    answered_low(cli, sim, run_jobs)
    run_jobs()  # Sarah has the alert
    reply = twiml_texts(sim.send_inbound(MOM.phone, "*4"))
    assert reply == [render("correction_better_told", name="Amanda", score="4", buddy="Sarah")]
    with db() as s:
        assert s.scalars(select(CheckIn.mood_score)).one() == 4.0
        assert alerts.escalate_low(s, settings, datetime.now(timezone.utc) + timedelta(hours=2)) == 0
        alert = s.scalars(select(Alert)).one()
        assert alert.state == "sent" and alert.handled_by == "member"  # Sarah's OK still answers it


def test_an_ok_answer_put_right_to_a_low_one_alerts_her_buddy(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    cli("checkins", "send-now", "--phone", MOM.phone)
    run_jobs()
    assert twiml_texts(sim.send_inbound(MOM.phone, "4")) == [render("reply_ok", name="Amanda")]
    assert twiml_texts(sim.send_inbound(MOM.phone, "sorry i meant 2")) == [
        render("reply_low_buddy_us", name="Amanda", buddy="Sarah")]
    run_jobs()
    assert texts_to(sim, BUDDY.phone)[-1] == render("alert_low", buddy="Sarah", member="Amanda")
    with db() as s:
        assert s.scalars(select(CheckIn.mood_level)).one() == "low"


def test_a_third_low_day_in_a_row_tells_her_buddy_it_has_been_a_few_days(cli: Any, sim: Any, run_jobs: Any,
                                                                          db: Any) -> None:
    from datetime import datetime, timedelta, timezone

    enrol(cli)
    consent_both(sim, run_jobs)
    now = datetime.now(timezone.utc)
    with db() as s:
        member = s.scalars(select(Member)).one()
        for days, score in ((2, 3.0), (1, 2.0)):  # two days ago a 3, yesterday a 2 (her buddy heard then)
            at = now - timedelta(days=days)
            s.add(CheckIn(member_id=member.id, due_at=at, state="answered", answered_at=at, mood_level="ok",
                          mood_score=score))
    cli("checkins", "send-now", "--phone", MOM.phone)
    run_jobs()
    assert twiml_texts(sim.send_inbound(MOM.phone, "3")) == [render("reply_trend_buddy", name="Amanda", buddy="Sarah")]
    run_jobs()
    assert texts_to(sim, BUDDY.phone)[-1] == render("alert_low_days", buddy="Sarah", member="Amanda")


def test_a_story_over_several_texts_gets_one_answer_and_a_low_turn_still_reaches_her_buddy(
        cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    cli("checkins", "send-now", "--phone", MOM.phone)
    run_jobs()
    assert twiml_texts(sim.send_inbound(MOM.phone, "4, pretty good")) == [render("reply_ok", name="Amanda")]
    assert twiml_texts(sim.send_inbound(MOM.phone, "my husband is away until friday")) == [
        render("reply_more", name="Amanda")]
    assert twiml_texts(sim.send_inbound(MOM.phone, "but my mom came over tonight")) == []
    # The story turns: her buddy is told, and so is she.
    assert twiml_texts(sim.send_inbound(MOM.phone, "honestly I'm drowning without him")) == [
        render("reply_low_buddy_us", name="Amanda", buddy="Sarah")]
    run_jobs()
    assert texts_to(sim, BUDDY.phone)[-1] == render("alert_low", buddy="Sarah", member="Amanda")
    with db() as s:  # every text is kept and scored, answered or not
        assert len(s.scalars(select(Message.mood_level).where(Message.direction == "in",
                                                              Message.mood_level.is_not(None))).all()) == 4


def test_a_correction_puts_right_the_answer_she_just_gave_though_last_nights_check_in_is_still_open(
        cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    from datetime import datetime, timedelta, timezone

    enrol(cli)
    consent_both(sim, run_jobs)
    with db() as s:  # last night's, delivered and never answered
        member = s.scalars(select(Member)).one()
        s.add(CheckIn(member_id=member.id, due_at=datetime.now(timezone.utc) - timedelta(hours=10), state="sent"))
    cli("checkins", "send-now", "--phone", MOM.phone)
    run_jobs()
    sim.send_inbound(MOM.phone, "2")
    reply = twiml_texts(sim.send_inbound(MOM.phone, "sorry, I meant 4"))
    assert reply == [render("correction_better_withdrawn", name="Amanda", score="4", buddy="Sarah")]  # not yet sent
    with db() as s:
        answers = {manual: score for manual, score in s.execute(select(CheckIn.manual, CheckIn.mood_score))}
    assert answers == {True: 4.0, False: None}  # today's put right; last night's still unanswered


def test_her_buddys_ok_after_she_put_her_answer_right_does_not_tell_her_someone_is_coming(
        cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    answered_low(cli, sim, run_jobs)
    run_jobs()  # Sarah has the alert
    sim.send_inbound(MOM.phone, "*4")
    before = len(texts_to(sim, MOM.phone))
    sim.send_inbound(BUDDY.phone, "ok")
    run_jobs()
    assert len(texts_to(sim, MOM.phone)) == before
