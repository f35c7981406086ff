"""Keywords through the real webhook: STOP always works, HELP answers, START comes back."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select

from service.members import is_do_not_text
from service.models import Buddy, Event, Member
from service.texts import render, variants
from tests.conftest import BUDDY, MOM, OPERATOR, texts_to
from tests.integration.test_checkin_loop import consent_both, enrol, twiml_texts


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop. ", "sToP!", "Unsubscribe"])
def test_stop_in_any_casing_opts_her_out_and_nothing_more_is_sent(cli: Any, sim: Any, run_jobs: Any, db: Any, word: str) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    assert twiml_texts(sim.send_inbound(MOM.phone, word)) == []  # Twilio confirms STOP itself
    before = len(texts_to(sim, MOM.phone))
    refused = cli("checkins", "send-now", "--phone", MOM.phone)
    assert refused.exit_code == 1
    run_jobs()
    assert len(texts_to(sim, MOM.phone)) == before
    with db() as s:
        assert s.scalars(select(Member.status)).one() == "opted_out"
        assert is_do_not_text(s, MOM.phone)
        assert s.scalars(select(Event.kind).where(Event.kind == "member_opt_out")).all() == ["member_opt_out"]


def test_a_plain_language_opt_out_gets_one_confirmation(cli: Any, sim: Any, run_jobs: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    reply = twiml_texts(sim.send_inbound(MOM.phone, "please stop texting me"))
    assert len(reply) == 1 and "unsubscribed" in reply[0]


def test_asking_to_stop_for_a_week_unsubscribes_her_and_tells_her_how_to_take_a_week_off(cli: Any, sim: Any, run_jobs: Any,
                                                                                        db: Any) -> None:
    """Her words are honoured as an opt-out (she said stop); the confirmation tells her the way back
    to what she may have meant, and that way works."""
    enrol(cli)
    consent_both(sim, run_jobs)
    reply = twiml_texts(sim.send_inbound(MOM.phone, "please stop texting me for a week, going away"))
    assert reply == [render("opt_out_confirm")] and "PAUSE 7" in reply[0]
    sim.send_inbound(MOM.phone, "START")
    sim.send_inbound(MOM.phone, "PAUSE 7")
    with db() as s:
        member = s.scalars(select(Member)).one()
        assert member.status == "paused" and member.paused_until is not None


def test_a_queued_message_is_not_sent_after_stop(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    cli("checkins", "send-now", "--phone", MOM.phone)  # queued, not yet sent
    sim.send_inbound(MOM.phone, "STOP")
    run_jobs()
    assert not any(t == render("checkin", variant=v, name=MOM.name) for t in texts_to(sim, MOM.phone)
                   for v in range(variants("checkin")))


def test_help_explains_the_service_and_how_to_stop(cli: Any, sim: Any, run_jobs: Any) -> None:
    enrol(cli)
    reply = twiml_texts(sim.send_inbound(MOM.phone, "help"))
    assert len(reply) == 1 and "STOP" in reply[0] and "911" in reply[0]
    assert "PAUSE" not in reply[0]  # not enrolled until her YES: nothing to change yet


def test_help_tells_an_enrolled_mom_what_she_can_change_by_text(cli: Any, sim: Any, run_jobs: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    reply = twiml_texts(sim.send_inbound(MOM.phone, "HELP"))
    assert len(reply) == 1 and "STOP" in reply[0] and reply[0].endswith(render("help_commands"))
    assert twiml_texts(sim.send_inbound(BUDDY.phone, "help"))[0].count("PAUSE") == 0  # a buddy has no schedule


def test_start_brings_an_opted_out_mom_back(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    sim.send_inbound(MOM.phone, "stop")
    sim.send_inbound(MOM.phone, "START")
    with db() as s:
        assert s.scalars(select(Member.status)).one() == "active"
        assert not is_do_not_text(s, MOM.phone)
    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 0


def test_a_buddy_who_says_no_gets_no_alerts(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    run_jobs()
    sim.send_inbound(MOM.phone, "yes")
    sim.send_inbound(BUDDY.phone, "no")
    sim.send_inbound(MOM.phone, "1")
    run_jobs()
    assert len(texts_to(sim, BUDDY.phone)) == 1  # the invitation only
    assert render("buddy_declined_member", buddy="Sarah") in texts_to(sim, MOM.phone)  # she knows to choose another
    with db() as s:
        assert s.scalars(select(Buddy.consent)).one() == "declined"


def test_a_buddy_ok_acknowledges_the_open_alert(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    from service.models import Alert

    enrol(cli)
    consent_both(sim, run_jobs)
    sim.send_inbound(MOM.phone, "2")
    run_jobs()
    assert twiml_texts(sim.send_inbound(BUDDY.phone, "OK")) == ["Thank you for reaching out to Amanda. It means a lot."]
    with db() as s:
        assert s.scalars(select(Alert.state)).one() == "acknowledged"


def test_a_crisis_with_no_accepted_buddy_texts_the_operator(cli: Any, sim: Any, run_jobs: Any) -> None:
    enrol(cli)
    run_jobs()
    sim.send_inbound(MOM.phone, "yes")  # the buddy never answered
    reply = twiml_texts(sim.send_inbound(MOM.phone, "i want to kill myself"))
    assert "988" in reply[0] and "Sarah" not in reply[0]
    run_jobs()
    assert texts_to(sim, BUDDY.phone) == [render("buddy_invite", buddy="Sarah", member="Amanda")]
    operator = texts_to(sim, OPERATOR.phone)
    assert len(operator) == 1 and operator[0].startswith("URGENT") and "kill" not in operator[0]


def enrol_another(cli: Any, name: str, phone: str, *, buddy: str, buddy_phone: str) -> None:
    assert cli("members", "add", "--name", name, "--phone", phone, "--time", "20:00", "--timezone",
               "America/New_York", "--buddy-name", buddy, "--buddy-phone", buddy_phone).exit_code == 0


def test_one_ok_from_a_buddy_of_two_moms_answers_the_newest_alert_and_keeps_the_other_open(
        cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    from service.models import Alert

    beth = "+12025550101"
    enrol(cli)
    enrol_another(cli, "Beth", beth, buddy="Sarah", buddy_phone=BUDDY.phone)
    consent_both(sim, run_jobs)
    sim.send_inbound(beth, "yes")
    assert sim.send_inbound(BUDDY.phone, "yes").status_code == 200  # her second invitation, Beth's
    assert "988" in twiml_texts(sim.send_inbound(beth, "I keep thinking everyone would be better off without me"))[0]
    sim.send_inbound(MOM.phone, "honestly rough day, 2")
    run_jobs()
    assert twiml_texts(sim.send_inbound(BUDDY.phone, "ok calling her now")) == [render(
        "buddy_ack_thanks_more_urgent", member="Amanda", others="Beth")]  # Beth's is a crisis: said so
    with db() as s:
        states = dict(s.execute(select(Member.name, Alert.state).join(Member, Member.id == Alert.member_id)).all())
    assert states == {"Amanda": "acknowledged", "Beth": "sent"}  # Beth's crisis still reaches the operator if nobody acts
    run_jobs()
    assert render("ack_member", buddy="Sarah") in texts_to(sim, MOM.phone)
    assert render("ack_member", buddy="Sarah") not in texts_to(sim, beth)


def test_a_reply_in_the_day_after_her_crisis_gets_the_line_again_not_so_glad(cli: Any, sim: Any, run_jobs: Any,
                                                                           db: Any) -> None:
    from datetime import timedelta

    enrol(cli)
    consent_both(sim, run_jobs)
    assert "988" in twiml_texts(sim.send_inbound(MOM.phone, "I want to die"))[0]
    again = twiml_texts(sim.send_inbound(MOM.phone, "Thank you 💛"))
    assert again == [render("reply_after_crisis", name="Amanda", line="call or text 988 (Suicide & Crisis Lifeline)",
                            emergency="911")]
    assert "988" in twiml_texts(sim.send_inbound(MOM.phone, "I already took them"))[0]  # a crisis again
    with db() as s:
        from service.models import Alert

        assert s.scalars(select(Alert.level)).all() == ["crisis", "crisis"]  # Sarah alerted twice, urgently
    with db() as s:
        member = s.scalars(select(Member)).one()
        member.last_crisis_at -= timedelta(hours=25)
        member.last_inbound_at -= timedelta(hours=25)  # a day later, not more of the same story
    assert twiml_texts(sim.send_inbound(MOM.phone, "Thank you 💛")) == [render("reply_ok", name="Amanda")]


def test_the_operator_acknowledges_by_text_and_a_stopped_operator_phone_shows_red(
        cli: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    from service.models import Alert
    from service.status import health

    enrol(cli)
    run_jobs()
    sim.send_inbound(MOM.phone, "yes")  # her buddy never answered: a crisis goes to the operator
    sim.send_inbound(MOM.phone, "i want to kill myself")
    run_jobs()
    assert len(texts_to(sim, OPERATOR.phone)) == 1
    assert twiml_texts(sim.send_inbound(OPERATOR.phone, "OK")) == [render("operator_ack", member="Amanda (#1)")]
    with db() as s:
        assert s.scalars(select(Alert.state)).one() == "acknowledged"
        assert [l["level"] for l in health(settings, s, None, "", datetime.now(timezone.utc))
                if l["name"] == "Operator alert phone"] == ["ok"]

    sim.send_inbound(OPERATOR.phone, "STOP")
    sim.send_inbound(MOM.phone, "I have the pills in my hand, tonight is the night")
    run_jobs()
    assert len(texts_to(sim, OPERATOR.phone)) == 1  # nothing more could be sent
    with db() as s:
        newest = s.scalars(select(Alert).order_by(Alert.id.desc())).first()
        assert newest is not None and (newest.recipient, newest.state) == ("operator", "failed")
        [light] = [l for l in health(settings, s, None, "", datetime.now(timezone.utc)) if l["name"] == "Operator alert phone"]
    assert light["level"] == "bad" and "STOP" in light["reason"]


def test_something_else_after_delete_cancels_it_and_says_so(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    sim.send_inbound(MOM.phone, "DELETE")
    texts = twiml_texts(sim.send_inbound(MOM.phone, "hmm wait, 4"))
    assert texts == [render("delete_cancelled"), render("reply_ok", name="Amanda")]
    with db() as s:
        assert s.scalars(select(Member.delete_requested_at)).one() is None


def test_a_bare_ok_from_a_buddy_whose_own_check_in_is_open_is_asked_about_not_taken(
        cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    from service.models import Alert, CheckIn

    zed = "+12025550120"
    enrol(cli)
    enrol_another(cli, "Zed", zed, buddy="Amanda", buddy_phone=MOM.phone)
    consent_both(sim, run_jobs)  # Amanda's first YES answers Zed's invitation (her buddy role first)
    sim.send_inbound(MOM.phone, "yes")  # her second, her own check-ins
    sim.send_inbound(zed, "yes")
    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 0
    run_jobs()
    sim.send_inbound(zed, "i want to die")
    run_jobs()
    assert twiml_texts(sim.send_inbound(MOM.phone, "ok")) == [render("ack_or_mood", member="Zed")]
    with db() as s:
        assert s.scalars(select(Alert.state).where(Alert.recipient == "buddy")).all() == ["sent"]  # still open
    assert twiml_texts(sim.send_inbound(MOM.phone, "on it")) == [render("buddy_ack_thanks", member="Zed")]
    sim.send_inbound(MOM.phone, "4")
    with db() as s:
        assert s.scalars(select(Alert.state).where(Alert.recipient == "buddy")).all() == ["acknowledged"]
        amanda = s.scalars(select(Member.id).where(Member.phone == MOM.phone)).one()
        assert s.scalars(select(CheckIn.mood_level).where(CheckIn.member_id == amanda)).one() == "ok"
