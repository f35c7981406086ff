"""The JOIN dialogue's rules: plain values in, the next state and reply out."""
from __future__ import annotations

import pytest

from service.signup import RETRIES, SignupState, advance, start

NY = ("America/New_York",)
NAME = start(NY).state
BUDDY = SignupState(step="buddy", name="Jen", time="21:00", zone="America/New_York")
TERMS = SignupState(step="terms", name="Jen", time="21:00", zone="America/New_York")


@pytest.mark.parametrize("text", ["no", "Hello there", "yes", "idk", "me"])
def test_an_answer_that_is_not_a_name_is_asked_again(text: str) -> None:
    assert advance(NAME, text, NY).reply == "signup_name_retry"


@pytest.mark.parametrize("text, name", [("JEN", "Jen"), ("Hi, I'm jen", "Jen"), ("Mary-Kate", "Mary-Kate")])
def test_a_name_is_kept_as_she_would_write_it(text: str, name: str) -> None:
    turn = advance(NAME, text, NY)
    assert turn.reply == "signup_time" and turn.state is not None and turn.state.name == name


@pytest.mark.parametrize("text", ["skip.", "Skip!", "no thanks", "none!", "no one", "not now", "nope"])
def test_a_buddy_can_be_skipped_in_her_own_words(text: str) -> None:
    assert advance(BUDDY, text, NY).reply == "signup_terms"


@pytest.mark.parametrize("text", ["sure", "yeah", "yep", "👍", "Yes, sounds good", "YES!!", "ok"])
def test_the_terms_are_agreed_in_her_own_words(text: str) -> None:
    assert advance(TERMS, text, NY).complete


@pytest.mark.parametrize("text", ["yes?", "what terms?", "yes but what happens to my data"])
def test_a_question_about_the_terms_is_not_a_yes(text: str) -> None:
    assert advance(TERMS, text, NY).reply == "signup_terms_retry"


@pytest.mark.parametrize("state", [NAME, BUDDY, TERMS])
def test_never_mind_ends_the_dialogue_at_any_step(state: SignupState) -> None:
    turn = advance(state, "never mind", NY)
    assert (turn.state, turn.reply) == (None, "signup_cancelled")


def test_her_answers_are_kept_through_more_than_one_miss() -> None:
    state = TERMS
    for _ in range(RETRIES):
        turn = advance(state, "hmm", NY)
        assert turn.reply == "signup_terms_retry" and turn.state is not None and turn.state.name == "Jen"
        state = turn.state
    assert advance(state, "yes", NY).complete
    assert advance(state, "hmm", NY).reply == "signup_failed"


def test_a_buddy_named_at_sign_up_is_read_in_her_country() -> None:
    turn = advance(BUDDY, "Anna 07507 123456", ("Europe/London",), region="GB")
    assert turn.state is not None and turn.state.buddy_phone == "+447507123456"


@pytest.mark.parametrize("text, ok", [("8:30", False), ("8:30pm", True), ("20:30", True), ("9pm", True)])
def test_a_one_digit_hour_without_am_or_pm_is_asked_about(text: str, ok: bool) -> None:
    state = SignupState(step="time", name="Jen", zone="America/New_York")
    assert (advance(state, text, NY).reply != "signup_time_retry") is ok
