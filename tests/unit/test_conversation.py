"""Conversation rules as a table: who texted what, in what state → which decision."""
from __future__ import annotations

from dataclasses import replace

import pytest

from service.conversation import BuddyRole, Inbound, MemberState, decide, is_opt_out, keyword

ACTIVE = MemberState(1, "Amanda", "active", has_open_checkin=True)
PENDING = MemberState(1, "Amanda", "pending")
OPTED_OUT = MemberState(1, "Amanda", "opted_out")
INVITED = BuddyRole(7, "Sarah", "Amanda", "invited")
ALERTED = BuddyRole(7, "Sarah", "Amanda", "accepted", open_alert=True)
ACCEPTED = BuddyRole(7, "Sarah", "Amanda", "accepted")


@pytest.mark.parametrize("text", ["STOP", "stop", "  Stop! ", "sToP.", "unsubscribe", "Cancel", "END", "quit",
                                  "revoke", "optout", "STOPALL", "please stop texting me", "don't text me anymore",
                                  "Take me off this list", "no more messages to me please",
                                  # plain requests a reviewer sent, which were scored as moods (and alerted her buddy)
                                  "I don't want these texts anymore", "opt out", "please stop", "remove me", "stop it",
                                  "STOP please", "Stop sending me these", "unsubscribe please", "cancel my subscription",
                                  "no more texts", "Stop 🛑", "how do I unsubscribe?", "Opt-out please"])
def test_opt_out_is_recognised_in_any_form(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["I can't stop crying", "the baby won't stop", "stopped by my mom's", "ending the day ok",
                                  "text me later", "fine", "STOP BUDDY", "stop buddy alerts", "I want to quit",
                                  "please stop crying baby", "no more naps for him lol", "the end", "end of my rope",
                                  "stop it with the tantrums already", "REMOVE Sarah", "I don't want to get up"])
def test_ordinary_words_are_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)


def test_keywords_ignore_case_space_and_punctuation() -> None:
    assert keyword("  yes!! ") == "YES" and keyword("On   it.") == "ON IT"


@pytest.mark.parametrize("inbound, intent, reply", [
    (Inbound("YES", member=PENDING), "member_consent", "member_confirmed"),
    (Inbound("no thanks", member=PENDING), "member_decline", "member_declined"),
    (Inbound("what is this", member=PENDING), "member_pending", "member_pending"),
    (Inbound("2", member=ACTIVE), "mood", "reply_low"),
    (Inbound("5 💕", member=ACTIVE), "mood", "reply_ok"),
    (Inbound("STOP", member=ACTIVE), "opt_out", None),
    (Inbound("please stop texting me", member=ACTIVE), "opt_out", "opt_out_confirm"),
    (Inbound("hi", member=ACTIVE, opt_out_type="STOP"), "opt_out", None),
    (Inbound("START", member=OPTED_OUT), "opt_in", None),
    (Inbound("help", member=ACTIVE), "help", "help"),
    (Inbound("I feel great", member=OPTED_OUT), "ignored_opted_out", None),
    (Inbound("yes", buddy_roles=(INVITED,)), "buddy_accept", "buddy_accepted"),
    (Inbound("No", buddy_roles=(INVITED,)), "buddy_decline", "buddy_declined"),
    (Inbound("ok", buddy_roles=(ALERTED,)), "buddy_ack", "buddy_ack_thanks"),
    (Inbound("👍", buddy_roles=(ALERTED,)), "buddy_ack", "buddy_ack_thanks"),
    (Inbound("on it", buddy_roles=(ALERTED,)), "buddy_ack", "buddy_ack_thanks"),
    (Inbound("hey there", buddy_roles=(ACCEPTED,)), "buddy_chat", "buddy_chat"),
    (Inbound("hello"), "stranger", "stranger"),
])
def test_each_state_and_text_leads_to_one_decision(inbound: Inbound, intent: str, reply: str | None) -> None:
    decision = decide(inbound)
    assert (decision.intent, decision.reply) == (intent, reply)


def test_yes_goes_to_her_open_buddy_role_before_her_own_check_in() -> None:
    decision = decide(Inbound("yes", member=ACTIVE, buddy_roles=(INVITED,)))
    assert decision.intent == "buddy_accept" and decision.buddy_ids == (7,)


@pytest.mark.parametrize("who", [
    {"member": ACTIVE}, {"member": OPTED_OUT}, {"member": PENDING}, {"buddy_roles": (ALERTED,)}, {},
])
def test_crisis_is_screened_first_whoever_sends_it(who: dict[str, object]) -> None:
    decision = decide(Inbound("STOP. I want to kill myself", **who))  # type: ignore[arg-type]
    assert decision.intent == "crisis" and decision.reply == "crisis_reply"


def test_a_low_reply_asks_for_a_buddy_alert_and_a_good_one_does_not() -> None:
    assert decide(Inbound("1", member=ACTIVE)).alert_level == "low"
    assert decide(Inbound("great day!", member=ACTIVE)).alert_level is None


def test_an_unclear_answer_to_an_open_check_in_gets_one_follow_up() -> None:
    first = decide(Inbound("idk", member=ACTIVE))
    assert first.intent == "followup"
    asked = MemberState(1, "Amanda", "active", has_open_checkin=True, followup_asked=True)
    assert decide(Inbound("idk", member=asked)).intent == "mood"


# ---------------------------------------------------------------- a buddy's own words

@pytest.mark.parametrize("text", ["Yes of course!", "Of course! ❤️", "Sure, happy to help", "yes!! love her",
                                  "Absolutely", "count me in"])
def test_an_invited_buddy_saying_yes_in_her_own_words_accepts(text: str) -> None:
    assert decide(Inbound(text, buddy_roles=(INVITED,))).intent == "buddy_accept"


@pytest.mark.parametrize("text", ["who is amanda?", "yes but who is this?", "not sure, can you tell me more",
                                  "sure, maybe later"])
def test_an_invited_buddy_unsure_is_asked_again(text: str) -> None:
    decision = decide(Inbound(text, buddy_roles=(INVITED,)))
    assert (decision.intent, decision.reply) == ("buddy_chat", "buddy_invite_reask")


@pytest.mark.parametrize("text", ["ok, calling", "Ok 👍", "yes calling now", "Called her, she's safe. Thanks",
                                  "I'm with her now", "OK. I'm calling her now. She said she wants to die, I'm scared",
                                  "on my way!", "texted her"])
def test_a_buddy_acknowledging_in_her_own_words_acknowledges(text: str) -> None:
    decision = decide(Inbound(text, buddy_roles=(ALERTED,)))
    assert decision.intent == "buddy_ack" and decision.buddy_ids == (7,)


@pytest.mark.parametrize("text", ["who is this?", "ok what happened?"])
def test_a_buddy_who_asks_does_not_acknowledge(text: str) -> None:
    decision = decide(Inbound(text, buddy_roles=(ALERTED,)))
    assert decision.intent == "buddy_chat" and decision.reply_vars == {"member": "Amanda"}


@pytest.mark.parametrize("text", ["ok but I'm at work, can't call", "sorry I can't right now", "I won't be able to",
                                  "called twice, no answer", "can't reach her", "went to voicemail"])
def test_a_buddy_who_cannot_reach_her_passes_the_alert_on_and_does_not_acknowledge(text: str) -> None:
    decision = decide(Inbound(text, buddy_roles=(ALERTED,)))
    assert (decision.intent, decision.buddy_ids, decision.reply_vars) == ("buddy_cannot", (7,), {"member": "Amanda"})


def test_one_ok_answers_the_newest_alert_only_and_names_that_mom() -> None:
    from datetime import datetime

    beth = BuddyRole(7, "Sarah", "Beth", "accepted", open_alert=True, alerted_at=datetime(2026, 12, 1, 20, 0))
    gina = BuddyRole(8, "Sarah", "Gina", "accepted", open_alert=True, alerted_at=datetime(2026, 12, 1, 20, 7))
    decision = decide(Inbound("OK", buddy_roles=(beth, gina)))
    assert decision.intent == "buddy_ack" and decision.buddy_ids == (8,)
    assert decision.reply == "buddy_ack_thanks_more" and decision.reply_vars == {"member": "Gina", "others": "Beth"}
    chat = decide(Inbound("what's going on", buddy_roles=(beth, gina)))
    assert chat.reply_vars == {"member": "Gina"}
    # She names the mom she called: that one, though another's alert is newer.
    named = decide(Inbound("ok calling Beth now", buddy_roles=(beth, gina)))
    assert named.buddy_ids == (7,) and named.reply_vars == {"member": "Beth", "others": "Gina"}


def test_a_buddy_who_is_a_mom_with_a_check_in_open_answers_it_in_her_own_words() -> None:
    # "ok, rough day" is her own answer; a bare "OK" could be either, so she is asked; "on it" is an acknowledgement.
    assert decide(Inbound("ok, rough day", member=ACTIVE, buddy_roles=(ALERTED,))).intent == "mood"
    asked = decide(Inbound("OK", member=ACTIVE, buddy_roles=(ALERTED,)))
    assert (asked.intent, asked.reply, asked.reply_vars) == ("buddy_or_own", "ack_or_mood", {"member": "Amanda"})
    assert decide(Inbound("on it", member=ACTIVE, buddy_roles=(ALERTED,))).intent == "buddy_ack"
    assert decide(Inbound("4", member=ACTIVE, buddy_roles=(ALERTED,))).intent == "mood"
    no_checkin = MemberState(1, "Amanda", "active")
    assert decide(Inbound("OK", member=no_checkin, buddy_roles=(ALERTED,))).intent == "buddy_ack"


def test_in_the_day_after_a_crisis_her_replies_get_the_line_again_not_good_cheer() -> None:
    after = MemberState(1, "Amanda", "active", has_open_checkin=True, recent_crisis=True)
    for text in ("Thank you 💛", "idk", "5", "fine now", "im ok now, going to take a nap"):
        decision = decide(Inbound(text, member=after))
        assert (decision.intent, decision.reply, decision.alert_level) == ("mood", "reply_after_crisis", None), text
    # Ordinary words on another day, warning signs hours after a crisis: a crisis again, every buddy alerted.
    for text in ("I already took them", "i mean it, i have the pills right here", "bye", "it's done"):
        decision = decide(Inbound(text, member=after))
        assert (decision.intent, decision.reply, decision.alert_level) == ("crisis", "crisis_reply", "crisis"), text
        assert decision.mood is not None and any(r.startswith("crisis:") for r in decision.mood.reasons)
    took = decide(Inbound("I already took them", member=after)).mood
    assert took is not None and "crisis:after_crisis" in took.reasons
    assert decide(Inbound("I already took them", member=ACTIVE)).intent != "crisis"
    assert decide(Inbound("I want to die", member=after)).intent == "crisis"
    assert decide(Inbound("PAUSE", member=after)).intent == "command"
    assert decide(Inbound("STOP", member=after)).intent == "opt_out"
    assert decide(Inbound("Thank you 💛", member=ACTIVE)).reply == "reply_ok"


def test_the_operator_phone_is_never_answered_as_a_stranger() -> None:
    assert decide(Inbound("OK", operator=True)).intent == "operator_ack"
    assert decide(Inbound("calling her now", operator=True)).intent == "operator_ack"
    assert (decide(Inbound("hi", operator=True)).intent, decide(Inbound("hi")).intent) == ("operator_chat", "stranger")
    assert decide(Inbound("STOP", operator=True)).intent == "opt_out"


def test_a_pending_mom_is_heard_and_her_yes_in_her_own_words_counts() -> None:
    for text in ("Yes I'd like that", "actually yes", "yes please!", "Sure"):
        assert decide(Inbound(text, member=PENDING)).intent == "member_consent", text
    hard = decide(Inbound("I'm having a really hard time honestly", member=PENDING))
    assert (hard.intent, hard.reply, hard.alert_level) == ("member_pending", "member_pending_low", None)
    assert decide(Inbound("what is this?", member=PENDING)).reply == "member_pending"


def test_delete_is_confirmed_by_an_explicit_yes_in_words_and_anything_else_cancels_it() -> None:
    deleting = MemberState(1, "Amanda", "active", has_open_checkin=True, pending_delete=True)
    assert decide(Inbound("Yes, delete everything", member=deleting)).intent == "delete_confirmed"
    for text in ("ok", "hmm wait", "yes but not my buddies?"):
        decision = decide(Inbound(text, member=deleting))
        assert decision.intent != "delete_confirmed" and decision.cancel_delete, text


def test_a_middling_3_is_not_cheered() -> None:
    assert decide(Inbound("3", member=ACTIVE)).reply == "reply_middling"
    assert decide(Inbound("4", member=ACTIVE)).reply == "reply_ok"


ANSWERED_LOW = MemberState(1, "Amanda", "active", answered_level="low")
ANSWERED_OK = MemberState(1, "Amanda", "active", answered_level="ok")


@pytest.mark.parametrize("text", ["sorry I meant 4", "oops, 4!", "*4", "typo - a 4", "I meant a 4 not a 2",
                                  "Sorry, it's 5", "whoops meant four"])
def test_a_low_answer_put_right_soon_after_is_her_answer(text: str) -> None:
    decision = decide(Inbound(text, member=ANSWERED_LOW))
    assert (decision.reply, decision.corrects, decision.alert_level) == ("correction_better", True, None)
    assert decision.mood is not None and decision.mood.score in (4.0, 5.0)


def test_a_correction_downwards_is_a_low_answer_and_alerts() -> None:
    decision = decide(Inbound("sorry i meant 2", member=ANSWERED_OK))
    assert (decision.reply, decision.corrects, decision.alert_level) == ("reply_low", True, "low")


@pytest.mark.parametrize("text, member", [
    ("sorry I was late", ANSWERED_LOW), ("i mean it", ANSWERED_LOW),  # no rating in it
    ("sorry I meant 4", ACTIVE), ("sorry I meant 4", MemberState(1, "Amanda", "active")),  # nothing just answered
    ("4", ANSWERED_LOW),  # a new answer, not a correction: as any reply
])
def test_only_a_rating_put_right_soon_after_an_answer_is_a_correction(text: str, member: MemberState) -> None:
    assert not decide(Inbound(text, member=member)).corrects


def test_a_buddy_number_written_the_local_way_is_read_in_her_country() -> None:
    decision = decide(Inbound("BUDDY Anna 07507 123456", member=ACTIVE, region="GB"))
    assert decision.command is not None and decision.command.args == {"name": "Anna", "phone": "+447507123456"}
    us = decide(Inbound("BUDDY Jo 202-555-0182", member=ACTIVE))
    assert us.command is not None and us.command.args["phone"] == "+12025550182"


def test_hurt_or_afraid_at_home_is_answered_with_safety_first_and_her_buddy_alerted() -> None:
    decision = decide(Inbound("My husband hit me", member=ACTIVE))
    assert (decision.reply, decision.alert_level) == ("reply_unsafe", "low")
    assert decide(Inbound("rough day", member=ACTIVE)).reply == "reply_low"


def test_a_buddy_can_join_as_a_mom_herself() -> None:
    assert decide(Inbound("JOIN", buddy_roles=(ACCEPTED,))).intent == "signup"
    from service.signup import SignupState

    answering = decide(Inbound("Sarah", buddy_roles=(ACCEPTED,), signup=SignupState()))
    assert answering.intent == "signup" and answering.turn is not None and answering.turn.reply == "signup_time"


def test_pause_tomorrow_covers_tomorrows_check_in() -> None:
    from service.commands import parse

    assert parse("PAUSE TOMORROW") == parse("pause for tomorrow")
    tomorrow, until_tomorrow = parse("PAUSE TOMORROW"), parse("pause until tomorrow")
    assert tomorrow is not None and until_tomorrow is not None
    assert (tomorrow.args["days"], until_tomorrow.args["days"]) == (2, 1)


@pytest.mark.parametrize("text, same_as", [
    ("Pause my check-ins until Monday please", "PAUSE UNTIL MONDAY"),
    ("pause the texts for 3 days", "PAUSE 3"),
    ("pause my messages", "PAUSE"),
])
def test_pause_may_name_what_it_pauses(text: str, same_as: str) -> None:
    from service.commands import parse

    assert parse(text) is not None and parse(text) == parse(same_as)


def test_the_answer_to_a_good_day_changes_from_day_to_day() -> None:
    """'So glad to hear it, Amanda' word for word every evening reads like a robot."""
    from service.texts import render

    replies = set()
    for day in range(3):
        decision = decide(Inbound("4", member=MemberState(1, "Amanda", "active", has_open_checkin=True, day=day)))
        replies.add(render(decision.reply, variant=decision.variant, name="Amanda"))
    assert len(replies) == 3


@pytest.mark.parametrize("previous, today, reason", [
    ((3.0, 2.0), 3.0, "trend:three_low"), ((3.0,), 3.0, None), ((4.0, 3.0), 3.0, None),
    ((5.0, 5.0, 5.0, 5.0), 3.0, "trend:drop"), ((5.0, 5.0), 3.0, None),  # too little history for a drop
    ((4.0, 4.0, 4.0), 3.0, None), ((5.0, 5.0, 5.0), None, None),
])
def test_a_trend_is_three_low_days_or_a_two_point_drop_below_her_usual(
        previous: tuple[float, ...], today: float | None, reason: str | None) -> None:
    from service.conversation import trend_reason

    assert trend_reason(previous, today) == reason


def test_a_drop_below_her_usual_is_one_harder_day_and_three_low_days_are_a_few_hard_days() -> None:
    usual = MemberState(1, "Amanda", "active", has_open_checkin=True, recent_scores=(5.0, 5.0, 5.0, 5.0, 5.0))
    dip = decide(Inbound("3", member=usual))
    assert (dip.reply, dip.alert_level) == ("reply_dip", "low") and "trend:drop" in dip.mood.reasons
    low_days = MemberState(1, "Amanda", "active", has_open_checkin=True, recent_scores=(3.0, 2.0))
    trend = decide(Inbound("3", member=low_days))
    assert (trend.reply, trend.alert_level) == ("reply_trend", "low")


def test_a_third_low_answer_in_a_row_is_a_few_hard_days_for_her_buddy_too() -> None:
    third = decide(Inbound("1", member=MemberState(1, "Amanda", "active", has_open_checkin=True,
                                                   recent_scores=(2.0, 1.0))))
    assert (third.reply, third.alert_level) == ("reply_trend", "low") and "trend:three_low" in third.mood.reasons
    first = decide(Inbound("1", member=MemberState(1, "Amanda", "active", has_open_checkin=True,
                                                   recent_scores=(4.0, 1.0))))
    assert first.reply == "reply_low"


def test_more_of_her_story_is_heard_once_but_a_question_is_not_taken_for_story() -> None:
    story = MemberState(1, "Amanda", "active", texting_now=True)
    assert decide(Inbound("the baby slept at last", member=story)).reply == "reply_more"
    assert decide(Inbound("and we had pizza", member=replace(story, told_more=True))).reply is None
    assert decide(Inbound("when do you text me next?", member=story)).intent == "mood"


def test_one_yes_to_two_moms_invitations_is_worded_for_two() -> None:
    beth, carla = BuddyRole(7, "Sarah", "Beth", "invited"), BuddyRole(8, "Sarah", "Carla", "invited")
    decision = decide(Inbound("YES", buddy_roles=(beth, carla)))
    assert (decision.reply, decision.reply_vars) == ("buddy_accepted_many", {"member": "Beth and Carla"})


def test_the_reminder_about_another_moms_open_alert_says_when_it_is_urgent() -> None:
    from datetime import datetime

    wren = BuddyRole(7, "Vic", "Wren", "accepted", open_alert=True, alerted_at=datetime(2026, 12, 1, 20, 0))
    uma = BuddyRole(8, "Vic", "Uma", "accepted", open_alert=True, alerted_at=datetime(2026, 12, 1, 20, 7), crisis=True)
    decision = decide(Inbound("ok calling Wren", buddy_roles=(wren, uma)))
    assert (decision.buddy_ids, decision.reply) == ((7,), "buddy_ack_thanks_more_urgent")
    assert decide(Inbound("ok calling Uma", buddy_roles=(wren, uma))).reply == "buddy_ack_thanks_more"


@pytest.mark.parametrize("text, topic", [
    ("how do I change my check-in time?", "time"), ("can my sister be my buddy too?", "buddy"),
    ("is there a way to only get texts on weekdays?", "days"), ("how do I remove Sarah as my buddy?", "remove"),
    ("can I take a break from the texts?", "pause"),
])
def test_a_question_about_the_service_is_answered_with_how(text: str, topic: str) -> None:
    decision = decide(Inbound(text, member=ACTIVE))
    assert decision.intent == "command" and decision.command is not None
    assert (decision.command.name, decision.command.args) == ("usage", {"topic": topic})


@pytest.mark.parametrize("text", ["how do I make time for myself?", "can I take a break from being a mom?",
                                  "how do I stop feeling like this?", "why do I feel so alone?",
                                  "why do I have no texts from anyone?"])
def test_a_question_about_her_life_is_not_taken_for_one_about_the_service(text: str) -> None:
    assert decide(Inbound(text, member=ACTIVE)).intent != "command"


def test_a_buddy_putting_a_crisis_off_until_later_passes_it_on_but_a_low_one_is_her_plan() -> None:
    from datetime import datetime

    at = datetime(2026, 12, 1, 20, 0)
    crisis = BuddyRole(7, "Sol", "Rae", "accepted", open_alert=True, alerted_at=at, crisis=True)
    low = BuddyRole(7, "Sol", "Rae", "accepted", open_alert=True, alerted_at=at)
    assert decide(Inbound("I'll call her after work", buddy_roles=(crisis,))).intent == "buddy_cannot"
    assert decide(Inbound("I'll call her after work", buddy_roles=(low,))).intent == "buddy_ack"
    assert decide(Inbound("can't believe this, calling her now", buddy_roles=(crisis,))).intent == "buddy_ack"


def test_a_buddy_whose_words_answer_nothing_is_told_the_alert_is_open_and_how_urgent() -> None:
    from datetime import datetime

    crisis = BuddyRole(7, "Kay", "Ivy", "accepted", open_alert=True, alerted_at=datetime(2026, 12, 1), crisis=True)
    assert decide(Inbound("poor thing", buddy_roles=(crisis,))).reply == "buddy_chat_crisis"
    assert decide(Inbound("poor thing", buddy_roles=(ALERTED,))).reply == "buddy_chat_open"


def test_the_operator_answering_with_the_number_her_text_gave_acknowledges() -> None:
    assert decide(Inbound("#4", operator=True)).intent == "operator_ack"
