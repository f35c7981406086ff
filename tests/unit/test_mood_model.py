"""The learned second opinion on crisis (service.mood_model) and how service.mood uses it.

The policy is tested with a small hand-made model, so each rule is seen on its own; the shipped
model is tested for what it was learned from and for what it must never do.
"""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import mood, mood_model
from service.conversation import BuddyRole, Inbound, MemberState, decide
from service.mood import CRISIS, CRISIS_MODEL_REASON, LOW, MODEL_REASON, OK, score, score_rules

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
ACTIVE = MemberState(1, "Amanda", "active", has_open_checkin=True)


@pytest.fixture
def lighthouse(monkeypatch: pytest.MonkeyPatch) -> mood_model.Model:
    """A model that knows one word: a reply about the lighthouse reads as a crisis."""
    model = mood_model.Model(prior=0.0, weights={"lighthouse": 9.0, "walked lighthouse": 1.0}, threshold=8.0)
    monkeypatch.setattr(mood, "_model", model)
    return model


def test_a_low_reply_whose_words_read_as_a_crisis_is_a_crisis(lighthouse: mood_model.Model) -> None:
    text = "so tired, keep thinking about the old lighthouse tonight"
    assert score_rules(text).level == LOW
    result = score(text)
    assert result.level == CRISIS and result.score == 1.0
    assert result.reasons[0] == CRISIS_MODEL_REASON and set(score_rules(text).reasons) <= set(result.reasons)


def test_an_ok_reply_whose_words_read_as_a_crisis_is_low_and_keeps_her_rating(lighthouse: mood_model.Model) -> None:
    text = "5 today, we walked out to the lighthouse again"
    assert score_rules(text).level == OK
    result = score(text)
    assert (result.level, result.score) == (LOW, 5.0)
    assert result.reasons[-1] == MODEL_REASON


def test_crisis_words_she_negated_or_reported_stay_as_the_rules_read_them(lighthouse: mood_model.Model) -> None:
    for text in ("my friend said she wanted to die, we met at the lighthouse", "i would never kill myself, the lighthouse walk helps"):
        assert score(text) == score_rules(text)
        assert score(text).level == LOW


def test_a_short_reply_is_read_by_the_rules_alone(lighthouse: mood_model.Model) -> None:
    assert lighthouse.log_odds("lighthouse again today") >= lighthouse.threshold
    assert score("lighthouse again today") == score_rules("lighthouse again today")


def test_a_reply_below_the_threshold_is_unchanged(lighthouse: mood_model.Model) -> None:
    text = "tired today, the baby was up all night again"
    assert score(text) == score_rules(text)


def test_the_rules_crisis_is_never_touched(lighthouse: mood_model.Model) -> None:
    text = "i want to kill myself, thinking about the lighthouse"
    assert score(text) == score_rules(text)
    assert CRISIS_MODEL_REASON not in score(text).reasons


def test_only_a_moms_reply_can_be_a_crisis_by_the_model(lighthouse: mood_model.Model) -> None:
    text = "so tired, calling her now, want to make sure she gets to the lighthouse"
    assert decide(Inbound(text, member=ACTIVE)).intent == "crisis"
    alerted = BuddyRole(id=7, name="Sarah", member_name="Beth", consent="accepted", open_alert=True)
    for who in ({"buddy_roles": (alerted,)}, {}, {"member": MemberState(1, "Amanda", "opted_out")}):
        assert decide(Inbound(text, **who)).intent != "crisis"  # type: ignore[arg-type]


def test_the_webhooks_early_look_is_the_rules_alone(lighthouse: mood_model.Model) -> None:
    text = "so tired, keep thinking about the old lighthouse tonight"
    assert score(text).level == CRISIS and not mood.is_crisis(text)


def test_log_odds_count_each_word_and_pair_once(lighthouse: mood_model.Model) -> None:
    once = lighthouse.log_odds("we walked lighthouse")
    assert once == pytest.approx(10.0)
    assert lighthouse.log_odds("we walked lighthouse we walked lighthouse lighthouse") == pytest.approx(once)


def test_features_are_content_words_and_pairs_not_stopwords() -> None:
    found = mood_model.features("i think they would be better off without me")
    assert {"think", "better", "without me", "better off", "off without"} <= found
    assert not {"i", "they", "be", "off", "me", "they be"} & found
    assert "they would" in found  # "would" is not on NLTK's list


def test_the_stored_weights_are_what_the_data_trains() -> None:
    """scripts/train_mood_model.py --check retrains from tests/data and compares, so the weights
    cannot be edited by hand or drift from the replies they were learned from."""
    done = subprocess.run([sys.executable, "scripts/train_mood_model.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _texts(name: str, label: str | None = None) -> set[str]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return {mood.normalise(row["text"]).strip() for row in csv.DictReader(f) if label in (None, row["label"])}


def test_the_held_out_and_blind_replies_are_never_learned_from() -> None:
    from scripts import train_mood_model
    assert set(train_mood_model.FILES) == {"replies.csv", "replies_probes.csv", "replies_blind.csv", "replies_veiled.csv",
                                           "replies_ordinary.csv"}
    learned = set().union(*(_texts(name) for name in train_mood_model.FILES))
    for measure in ("replies_holdout.csv", "replies_blind12.csv", "replies_blind13.csv"):
        # Everyday replies repeat across writers ("could be better. could be a lot better"), and so do short
        # crisis ones ("im not safe tonight"), which the model does not read; a longer crisis one never may.
        read = {t for t in _texts(measure, "crisis") if len(t.split()) >= mood_model.MIN_WORDS}
        assert not read & learned, measure


def test_the_shipped_model_calls_at_most_one_in_a_thousand_of_our_ordinary_replies_a_crisis() -> None:
    """Every ok and low reply we wrote, the held-out ones among them: the bar the threshold was chosen
    by in cross-validation, held on the whole of them."""
    ordinary, moved = 0, []
    for name in ("replies.csv", "replies_probes.csv", "replies_blind.csv", "replies_ordinary.csv", "replies_holdout.csv"):
        with open(DATA / name, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["label"] != "crisis":
                    ordinary += 1
                    if score(row["text"]).level == CRISIS and score_rules(row["text"]).level != CRISIS:
                        moved.append((name, row["label"]))
    assert ordinary > 3000 and len(moved) <= ordinary // 1000, moved


def test_a_request_about_the_service_is_read_by_the_rules_alone(lighthouse: mood_model.Model) -> None:
    text = "can I take a break from the texts? we are off to the lighthouse"
    assert score(text).level == CRISIS
    assert decide(Inbound(text, member=ACTIVE)).intent != "crisis"


def test_asking_to_stop_the_texts_is_an_opt_out_not_a_crisis() -> None:
    """Found by the conversation table: the shipped model read it as "dont want to be here anymore"."""
    decision = decide(Inbound("I don't want these texts anymore", member=ACTIVE))
    assert (decision.intent, decision.reply) == ("opt_out", "opt_out_confirm")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.lists(st.sampled_from(["want", "to", "make", "sure", "é", "😭", "the", "kids", " ", ".", "\n"]),
                                          max_size=40).map(" ".join))
def test_the_bytes_fast_path_weighs_exactly_the_features_of_the_text(text: str) -> None:
    model = mood_model.model()
    norm = mood.normalise(text)
    expected = model.prior + sum(
        (model.pairs.get(tuple(w.encode() for w in f.split(" "))) if " " in f else model.words.get(f.encode())) or 0.0
        for f in mood_model.features(norm))
    assert model.log_odds(norm) == pytest.approx(expected)


def test_no_shorter_reply_in_our_data_would_be_moved_without_the_six_word_gate() -> None:
    """The gate costs no catch: ungated, the shipped model would move none of them either."""
    model, short, moved = mood_model.model(), 0, []
    for path in sorted(DATA.glob("replies*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                norm = mood.normalise(row["text"])
                if mood_model.reads(norm):
                    continue
                short += 1
                rules = score_rules(row["text"])
                if rules.level != CRISIS and not mood.read_as_someone_elses(rules) and model.log_odds(norm) >= model.threshold:
                    moved.append((path.name, row["text"]))
    assert short > 400 and moved == []
