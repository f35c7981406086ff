"""Rules of service.mood, one table per rule. Sentences here are not rows of tests/data."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import mood, mood_patterns
from service.mood import CRISIS, LOW, OK, UNCLEAR, Mood, is_crisis, score

MOOD_SOURCES = [Path(mood.__file__), Path(mood.__file__).with_name("mood_lexicon.py"), Path(mood.__file__).with_name("mood_model.py"),
                Path(mood.__file__).with_name("mood_vader.py"), Path(mood.__file__).with_name("mood_patterns.py")]


@pytest.mark.parametrize(
    "text, level, value",
    [
        ("1.", LOW, 1.0),
        ("2)", LOW, 2.0),
        ("2 / 5", LOW, 2.0),
        ("2 out of 5 tbh", LOW, 2.0),
        ("two..", LOW, 2.0),
        ("zero.", LOW, 1.0),
        ("a zero today", LOW, 1.0),
        ("ONE.", LOW, 1.0),
        ("1!!!!!", LOW, 1.0),
        ("2 💤", LOW, 2.0),
        ("2ish honestly", LOW, 2.0),
        ("1-2", LOW, 1.5),
        ("4 / 10", LOW, 2.0),
        ("a 3", OK, 3.0),
        ("3.5 today", OK, 3.5),
        ("4 :-)", OK, 4.0),
        ("five", OK, 5.0),
        ("5 💕💕", OK, 5.0),
        ("10/10!", OK, 5.0),
        ("8 out of 10", OK, 4.0),
        ("9/5!!", OK, 5.0),
        ("id say a 4 today", OK, 4.0),
        ("dead tired but he rolled over for the first time!! 4", OK, 4.0),
        ("tired but ok, 4", OK, 4.0),
        ("awful day. 1", LOW, 1.0),
        ("bath, bottle, bed. 3ish", OK, 3.0),
    ],
)
def test_it_reads_the_scale_in_the_ways_people_type_it(text: str, level: str, value: float) -> None:
    result = score(text)
    assert (result.level, result.score) == (level, value)
    assert any(r.startswith("scale:") for r in result.reasons)


def test_the_questions_own_range_is_not_her_rating() -> None:
    assert score("1-5? im a 0 today") == Mood(LOW, 1.0, ("scale:0",))


@pytest.mark.parametrize("text", ["slept till 4", "she turned 4", "home at 5.", "woke at 2, 4 and 6"])
def test_a_number_that_is_not_a_closing_rating_is_not_read_as_one(text: str) -> None:
    assert not any(r.startswith("scale") for r in score(text).reasons)


@pytest.mark.parametrize("text", [
    "4, went to target alone for 20 mins and it felt like a spa day",
    "3. My sertraline has been upped to 100mg, doctor thinks it will help with the anxiety. Feeling hopeful",
    "3. Pool fence inspection passed, one less thing to worry about",
    "3 - how much infant paracetamol can she have in 24 hours? the leaflet is confusing",
])
def test_time_alone_hope_and_ordinary_dosing_questions_are_fine(text: str) -> None:
    assert score(text).level == OK


# A reviewer's fine days with small complaints, each once scored low (a false alert to her buddy).
@pytest.mark.parametrize("text", [
    "tired 4", "She crawled!! 😭😭 5", "Vaccines today, he was so brave 🥺 4", "had a rough morning but the afternoon was lovely",
    "Wee bit tired but grand", "all fine, just tired x", "meh, fine", "3 - not great, not terrible, just a day",
    "4 - jabs done, she barely cried, I cried more lol", "4 - tired, nothing new haha", "Grumpy cos tired lol. 4",
    "she screamed for an hour in the car, so fun 🙃 but honestly we're ok", "First steps today!!! 😭😭😭",
    "Had a bit of a panic over nothing lol. Fine now", "4 x", "5 x",
    "Talked to my doctor and I have a plan now, feeling better. 3.5", "Fine, bit tired", "Canny complain",
    # Other Englishes and a little of other languages.
    "masaya po kami today", "Mabuti po", "thank you po", "estoy bien", "easy day today", "high 5 to me, she slept through",
])
def test_a_fine_day_with_small_complaints_raises_no_alert(text: str) -> None:
    assert score(text).level == OK


@pytest.mark.parametrize("text", [
    "4 but honestly drowning", "meh", "barely holding it together", "so fun 🙃",
    # A reviewer's hard days the scorer once missed (scored ok or unclear).
    "Absolutely banjaxed", "Fried", "Tapped out", "Hanging on by a thread", "Not myself", "Im at my limit", "im so done",
    "honestly just want one night where I sleep more than 3 hours", "benefits got sanctioned, dont know how im feeding them this week",
    "Not crash hot", "Feeling pretty hopeless about the sleep situation", "Baby's in hospital with bronchiolitis, I'm sat on the ward",
    "my mom kicked me out", "Would have been my due date today", "low 3", "4 lol jk 2", "4. Well, 3. Ok fine, 2.", "meh, 2.", "🫠", "🥱",
    "Have had better days", "Nobody checks on the strong friend", "Feeling pretty rubbish about missing her first steps",
    "My baby hates me lol", "baby wont stop crying and neither will i lol", "skint again", "had a massive row with him",
    "feeling real down, been inside all week cos of the rain", "Bless it, I'm wore out. Baby's got an ear infection",
    "Had a proper wobble today, felt like I couldn't do any of it", "feel like everyone judges me at the shops cos im young",
    "Husband forgot our anniversary. Feeling pretty unappreciated", "im stuck at home. feel like my life is over",
    "Three kids with the stomach bug. Kill me now lol", "Husband working late every night this week and I'm on my last nerve. 3",
    "mi nuh feel good today, mi just a cry", "cansadíssima. he doesnt stop crying", "she never stops crying", "Tings nuh easy at all",
    "ion got nobody to help me wit these kids", "Nobody to help me with the baby, my husband dey travel", "toy cansá, like really cansá",
    "My spirit is down today", "I have no more power. Every day the same, I feel like robot", "ion feel good",
    "me siento sola aqui, nobody to talk to", "bahut thak gayi hoon", "dil bohat udaas hai", "tô mal hoje, chorei muito",
    "so over whelmed", "at my wits and",
])
def test_the_same_mechanisms_still_hear_a_low_day(text: str) -> None:
    assert score(text).level == LOW


def test_a_threat_made_of_a_joke_is_seen_but_is_not_a_crisis() -> None:
    result = score("3. If I hear baby shark one more time I'm walking into the sea 😂")
    assert result.level == LOW and "crisis_hyperbole:suicidal_ideation" in result.reasons
    assert score("if he yells one more time ill end it").level == CRISIS  # no joke in it


@pytest.mark.parametrize("text", ["not a 5", "def not a 5 today", "not 5", "nowhere near a 5", "not quite a 4"])
def test_a_rating_she_is_not_at_is_not_her_rating(text: str) -> None:
    """Somewhere below it, how far unsaid: she is asked, never cheered for a 5."""
    assert score(text).level == UNCLEAR


@pytest.mark.parametrize("text, level, value", [
    ("not even a 2", LOW, 1.5), ("hardly a 3 today", LOW, 2.5), ("not a 5 but a 4", OK, 4.0),
    ("more like a 2, not a 4", LOW, 2.0), ("a 3 or a 2 honestly", LOW, 2.0), ("not a 5, so tired", LOW, None),
])
def test_a_negated_rating_gives_way_to_the_one_she_is_at(text: str, level: str, value: float | None) -> None:
    result = score(text)
    assert result.level == level and (value is None or result.score == value)


@pytest.mark.parametrize("text", ["7", "12", "42!"])
def test_it_calls_a_bare_number_off_the_scale_unclear(text: str) -> None:
    assert score(text).level == UNCLEAR


@pytest.mark.parametrize(
    "text",
    ["slept 3 hours", "up at 4am again", "3 kids under five and i'm so done", "two more weeks of this colic ugh"],
)
def test_it_does_not_mistake_counts_and_times_for_a_rating(text: str) -> None:
    assert not any(r.startswith("scale") for r in score(text).reasons)


@pytest.mark.parametrize(
    "text, level",
    [
        ("3 and honestly pretty miserable", LOW),
        ("3. ok day", OK),
        ("3, nothing to report", OK),
        ("earlier a 3 but now more like a 1", LOW),
    ],
)
def test_a_three_is_ok_unless_the_words_say_otherwise(text: str, level: str) -> None:
    assert score(text).level == level


@pytest.mark.parametrize(
    "text, level",
    [
        ("not great today", LOW),
        ("honestly not good", LOW),
        ("not bad at all actually", OK),
        ("not too terrible", OK),
        ("SOOO tired", LOW),
        ("fine i suppose", LOW),
        ("meh.", LOW),
        ("could be worse!", OK),
        ("wiped out but happy", OK),
        ("happy enough but exhausted tonight", LOW),
        ("oh perfect, another wake up at 3 🙃", LOW),
    ],
)
def test_it_reads_negation_intensity_and_contrast(text: str, level: str) -> None:
    assert score(text).level == level


@pytest.mark.parametrize(
    "text, reason",
    [
        ("so touched out by dinner time", "lexicon:touched_out"),
        ("im drowning over here", "lexicon:drowning"),
        ("i really cant cope with the twins", "lexicon:cant_cope"),
        ("running on fumes this week", "lexicon:running_on_empty"),
        ("no sleep since tuesday", "lexicon:no_sleep"),
        ("the baby wont stop crying", "lexicon:crying"),
        ("feel like im failing him", "lexicon:failing"),
        ("so alone with all of it", "lexicon:alone"),
        ("overwhelmed by everything", "lexicon:overwhelmed"),
    ],
)
def test_it_knows_what_vader_misses_for_mothers_of_young_children(text: str, reason: str) -> None:
    result = score(text)
    assert result.level == LOW
    assert reason in result.reasons


@pytest.mark.parametrize(
    "text, level",
    [("😭😭😭😭", LOW), ("💔💔", LOW), ("😞", LOW), (":-(", LOW), ("😊😊", OK), ("❤️❤️❤️", OK), ("🙌🙌", OK), (":-)", OK),
     ("she laughed for the first time 😭❤️", OK)],
)
def test_it_reads_emoji_and_emoticons(text: str, level: str) -> None:
    assert score(text).level == level


@pytest.mark.parametrize(
    "text, sign",
    [
        ("honestly i want to die", "suicidal_ideation"),
        ("thinking about killing myself tonight", "suicidal_ideation"),
        ("i might just end it all", "suicidal_ideation"),
        ("i wanna kms", "suicidal_ideation"),
        ("i keep wanting to hurt myself", "self_harm"),
        ("the kids would be better off without me", "burden"),
        ("my husband would be happier without me", "burden"),
        ("i just want to disappear forever", "escape"),
        ("i cant go on anymore", "hopelessness"),
        ("there's no point anymore", "hopelessness"),
        ("im scared ill hurt my son", "harm_to_baby"),
        ("took all of my pills", "overdose"),
        ("how many of my sleeping pills would it take", "overdose"),
        ("💊💊", "overdose"),
        ("tell my girls i love them", "goodbye"),
        ("part of me wants to die", "suicidal_ideation"),
        ("some days my body just wants to not wake up", "suicidal_ideation"),
    ],
)
def test_it_flags_crisis_language_by_warning_sign(text: str, sign: str) -> None:
    result = score(text)
    assert result.level == CRISIS
    assert f"crisis:{sign}" in result.reasons
    assert is_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "4... but the dark thoughts are back",
        "5!! lol jk i want to die",
        "good 😊 but everyone would be fine without me",
        "1/5 and i want to disappear",
    ],
)
def test_a_number_or_a_cheerful_opener_never_overrides_a_crisis(text: str) -> None:
    assert score(text).level == CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "i would never hurt myself, just drained",
        "not suicidal, only worn down",
        "my cousin told me she wants to die",
        "a mom in my group said she wants to kill herself",
    ],
)
def test_negated_or_reported_crisis_words_still_reach_a_human(text: str) -> None:
    assert score(text).level in (LOW, CRISIS)


@pytest.mark.parametrize(
    "text",
    [
        "these molars are killing me lol",
        "im dead 😂 he wore the potty as a hat",
        "literally died laughing at bath time",
        "took my meds and had a nice walk",
        "said goodbye to the bottle today!",
        "she'd be better off without that blanket lol",
        "could disappear into a hot bath for hours, bliss",
        # A fresh reviewer's finds: a planned night off, and a letter for a birthday.
        "they'd manage without me for an evening, so it's cinema with the girls!",
        "honestly he'd be fine without me tonight, I need a bath and a book",
        "wrote a letter to my daughter for her first birthday, to read when she's grown",
    ],
)
def test_harmless_scary_words_are_not_a_crisis(text: str) -> None:
    assert score(text).level != CRISIS


@pytest.mark.parametrize("text", [
    "the kids would be better off without me for a while",
    "theyd cope without me for good",
    "wrote letters to the kids for their birthdays in case im not around",
])
def test_a_short_break_or_a_birthday_excuses_nothing_darker(text: str) -> None:
    assert score(text).level == CRISIS


@pytest.mark.parametrize("text", ["idk", "ok?", "long day", "", "   ", "hmm", "?"])
def test_it_calls_replies_that_say_nothing_either_way_unclear(text: str) -> None:
    result = score(text)
    assert result.level == UNCLEAR
    assert result.score is None


def test_it_scores_empty_text_as_unclear_with_no_score() -> None:
    assert score("") == Mood(UNCLEAR, None, ("unclear:empty",))


def test_it_exports_the_level_constants() -> None:
    assert (CRISIS, LOW, OK, UNCLEAR) == ("crisis", "low", "ok", "unclear")


def test_mood_is_a_frozen_value() -> None:
    with pytest.raises(AttributeError):
        score("2 today").level = OK  # type: ignore[misc]


@pytest.mark.parametrize("path", MOOD_SOURCES, ids=lambda p: p.name)
def test_the_mood_module_imports_no_framework_or_service_library(path: Path) -> None:
    forbidden = {"flask", "rq", "redis", "twilio", "sqlalchemy"}
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & forbidden


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=1600))
def test_any_text_up_to_1600_characters_scores_to_a_valid_level(text: str) -> None:
    result = score(text)
    assert result.level in (CRISIS, LOW, OK, UNCLEAR)
    assert result.score is None or 1.0 <= result.score <= 5.0
    assert all(isinstance(r, str) for r in result.reasons)
    # The webhook's early look is the rules' alone; the learned second opinion only adds crises.
    assert is_crisis(text) == (mood.score_rules(text).level == CRISIS)
    assert not is_crisis(text) or result.level == CRISIS


@pytest.mark.parametrize("unit", ["not ", "i want to ", "2/5 meh ", "😭🙃💊", "a" * 7 + " ", "so tired but happy, ", "...!!??"])
def test_a_full_1600_character_repetitive_reply_is_scored(unit: str) -> None:
    # Repetition is what makes a regex backtrack; bench/mood_eval.py prints the worst time.
    text = (unit * 1600)[:1600]
    assert score(text).level in (CRISIS, LOW, OK, UNCLEAR)


@pytest.mark.parametrize("text, first, second", [
    ("🤣 then 😊", "lexicon:laughing", "lexicon:emoji_ok"),
    ("😊 then 🤣", "lexicon:emoji_ok", "lexicon:laughing"),
    (":( then :)", "lexicon::(", "lexicon::)"),
    (":) then :(", "lexicon::)", "lexicon::("),
])
def test_emoji_and_emoticon_reasons_follow_the_order_she_typed_them(text: str, first: str, second: str) -> None:
    # They were once collected in a set, so their order changed from one process to the next.
    reasons = score(text).reasons
    assert reasons.index(first) < reasons.index(second)


@pytest.fixture(scope="module")
def plain_vader() -> Callable[[str], float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return lambda text: analyzer.polarity_scores(text)["compound"]


@pytest.mark.parametrize("text", [
    "", "   ", "The stroller is great!!", "NOT good, not good at all", "kind of ok i guess", "it was the shit",
    "fine but the nights are hard :(", "never so happy", "without a doubt lovely", "at least it isnt awful",
    "😊", "so tired😩😩 but ok 👍", "no sleep no joy", "Yeah right, GREAT day", "sort of sad?? really???",
    "a kiss of death for naps", "cake to die for", "never this tired", "Without doubt a bad ass mom", "didn't cry",
    "without doubt good", "never so good", "nope not one bit happy", "just enough sleep, kind of nice",
    "it wouldn't've been fun",
])
def test_the_compound_shortcut_equals_plain_vader(text: str, plain_vader: Callable[[str], float]) -> None:
    assert mood._vader()(text) == plain_vader(text)


_VADER_WORDS = st.sampled_from(["good", "bad", "not", "no", "but", "BUT", "very", "kind", "of", "least", "never",
                                "so", "this", "without", "doubt", "GREAT", "sad", "the", "shit", "lol", ":)", "😭",
                                "😊x", "isn't", "!!", "?", "sort", "yeah", "right", "baby", "tired", "nor", "love",
                                "kiss", "death", "to", "die", "for", "bomb", "ass", "just", "enough", "Never", "NOT"])


@settings(max_examples=300, deadline=None)
@given(text=st.lists(_VADER_WORDS, max_size=25).map(" ".join) | st.text(max_size=200))
def test_the_compound_shortcut_equals_plain_vader_on_any_text(text: str, plain_vader: Callable[[str], float]) -> None:
    assert mood._vader()(text) == plain_vader(text)


def _written(pairs: list[tuple[str, str]], prefix: str, suffix: str = "") -> tuple[re.Pattern[str], list[str]]:
    return re.compile(prefix + "(?:" + "|".join(f"(?:{p})()" for p, _ in pairs) + ")" + suffix), [t for _, t in pairs]


_AT_WORD = [(p[2:], g) for g, ps in mood.lex.CRISIS.items() for p in ps if p.startswith(r"\b")] + [
    (f"(?:{means})(?![a-z])", mood.MEANS_SEEN) for means, _ in mood.lex.MEANS] + [
    (p[2:], mood.REACH_OUT + g) for g, ps in mood.lex.REACH_OUT.items() for p in ps if p.startswith(r"\b")]
_PHRASE_PAIRS = [(entry[3], str(i)) for i, entry in enumerate(mood.lex.LEXICON) if entry[3]]
_PATTERN_WORDS = sorted({w for p, _ in _AT_WORD + _PHRASE_PAIRS for w in re.findall(r"[a-z]+", p)})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PATTERN_WORDS), min_size=1, max_size=14).map(" ".join)
       | st.lists(st.sampled_from([*_PATTERN_WORDS, ",", ".", "!"]), max_size=14).map(" ".join))
def test_the_combined_patterns_find_exactly_what_the_written_patterns_find(text: str) -> None:
    # The scorer nests alternatives under their first letters for speed; the order in
    # which the written patterns try them, and so every match, must stay the same.
    cases = [(mood._CRISIS[0], _written(_AT_WORD, r"(?<![a-z0-9])(?=[a-z0-9])")),
             ((mood._PHRASES, mood._PHRASE_ENTRY), _written(_PHRASE_PAIRS, r"(?<![a-z])(?=[a-z])", r"(?![a-z])"))]
    for (fast, fast_tags), (plain, plain_tags) in cases:
        assert [(m.span(), fast_tags[m.lastindex - 1]) for m in fast.finditer(text)] == [
            (m.span(), plain_tags[m.lastindex - 1]) for m in plain.finditer(text)]


@pytest.mark.parametrize("text", ["no way out", "so no way", "so not", "not now", "nope", "no, no way", "so so no", "ya ya"])
def test_nesting_alternatives_keeps_the_first_written_one_that_matches(text: str) -> None:
    pairs = [("no (?:way|way out)", "a"), ("no way out", "b"), ("(?:so )?no", "c"), ("n(?:o|ot)", "d"), ("nope|so", "e"),
             ("(?:ya )?ya", "f")]
    fast, fast_tags = mood_patterns.tagged(pairs, prefix=r"(?<![a-z])", suffix=r"(?![a-z])")
    plain, plain_tags = _written(pairs, prefix=r"(?<![a-z])", suffix=r"(?![a-z])")
    assert [(m.span(), fast_tags[m.lastindex - 1]) for m in fast.finditer(text)] == [
        (m.span(), plain_tags[m.lastindex - 1]) for m in plain.finditer(text)]


@pytest.mark.parametrize("text", ["🙃", "bath time went great 🙃", "living the dream over here", "oh joy, teething round two",
                                  "thanks for nothing, daycare"])
def test_a_sarcasm_marker_is_a_complaint_even_with_no_positive_word_to_turn(text: str) -> None:
    result = score(text)
    assert result.level == LOW
    assert "lexicon:sarcasm" in result.reasons


def test_a_sarcasm_marker_alone_does_not_overrule_a_high_rating() -> None:
    assert score("4 🙃").level == OK


@pytest.mark.parametrize("text, level", [("just surviving", LOW), ("barely surviving the week", LOW),
                                         ("full survival mode", LOW), ("we survived the party!", OK)])
def test_surviving_is_struggling_but_having_survived_is_fine(text: str, level: str) -> None:
    assert score(text).level == level


@pytest.mark.parametrize("text", ["why am i such a disaster?", "why is this so damn painful?",
                                  "why does every night end in a screaming disaster?"])
def test_a_strongly_negative_question_is_a_complaint_not_a_question(text: str) -> None:
    result = score(text)
    assert result.level == LOW
    assert "question" in result.reasons


@pytest.mark.parametrize("text", ["any tips for teething?", "can you call me later?", "is the clinic open on sundays?"])
def test_other_questions_without_a_mood_word_are_asked_back(text: str) -> None:
    assert score(text) == Mood(UNCLEAR, None, ("unclear:question",))


@pytest.mark.parametrize("text, level", [
    ("fine. the car died on the highway and we missed the appointment", LOW),
    ("fine", OK), ("ok!", OK), ("alright, pediatrician visit went normal", OK),
])
def test_a_fine_does_not_make_strongly_negative_news_fine(text: str, level: str) -> None:
    assert score(text).level == level


@pytest.mark.parametrize("text", ["could be worse", "cant complain, no disasters", "hanging in there, no crying today"])
def test_ok_phrases_made_of_negative_words_stay_ok(text: str) -> None:
    assert score(text).level == OK


@pytest.mark.parametrize("text, level", [
    ("wasnt a great day", LOW), ("it wasn’t good at all", LOW), ("doesnt feel good today", LOW),
    ("havent been good lately", LOW), ("aint great", LOW), ("wasnt bad actually", OK),
    ("couldnt be happier", OK), ("never felt better!", OK),
])
def test_every_contracted_negation_turns_a_mood_word(text: str, level: str) -> None:
    assert score(text).level == level


def test_the_wider_negations_never_soften_a_crisis() -> None:
    assert score("i wasnt kidding about wanting to die").level == CRISIS


@pytest.mark.parametrize("text", ["a tendency to worry tonight", "a tenth of the sleep i need", "2 outta 3 naps happened",
                                  "we won 3 out of 4 games"])
def test_number_words_inside_words_and_other_fractions_are_not_ratings(text: str) -> None:
    assert not any(r.startswith("scale") for r in score(text).reasons)


@pytest.mark.parametrize("text, level", [
    ("this is all too much", LOW), ("too much coffee lol", OK),
    ("im such a mess today", LOW), ("the house is a mess but we had fun", OK),
    ("mind racing at 3am again", LOW), ("guilt free nap while she slept", OK),
    ("worked so hard on the nursery, proud of it", OK), ("good grief, what a night", LOW),
    ("life is so unfair", LOW), ("another fight with him tonight", LOW),
])
def test_idioms_count_for_what_they_mean_not_for_their_words(text: str, level: str) -> None:
    assert score(text).level == level


@pytest.mark.parametrize("text, level", [("my bad, typo", OK), ("my bad lol", OK), ("my bad, just so tired", LOW)])
def test_an_apology_idiom_is_not_a_low_mood(text: str, level: str) -> None:
    assert score(text).level == level


@pytest.mark.parametrize("text, reason", [
    ("nobody gets it", "lexicon:alone"), ("not sleeping at all", "lexicon:no_sleep"),
    ("i cant do this", "lexicon:cant_cope"), ("not doing so hot", "lexicon:bad"),
    ("nothing is going right", "lexicon:struggling"), ("im falling apart", "lexicon:struggling"),
    ("solo with 3 kids, send help", "lexicon:need_help"), ("i dont feel anything anymore", "lexicon:not_myself"),
    ("i feel like a shell of myself", "lexicon:not_myself"), ("i feel worthless", "lexicon:failing"),
    ("so-so", "lexicon:meh"), ("idc anymore", "lexicon:down"), ("i cant breathe", "lexicon:anxious"),
    ("i had a miscarriage", "lexicon:grief"), ("we lost the pregnancy last week", "lexicon:grief"),
    ("touched all day and i need a minute", "lexicon:touched_out"), ("nobody notices what i do", "lexicon:alone"),
    ("feeling a bit flat", "lexicon:down"), ("so fed up today", "lexicon:down"),
    ("struggling to bond with her", "lexicon:struggling"), ("cant afford the nappies this week", "lexicon:struggling"),
    ("cannot stop worrying about his scan", "lexicon:anxious"), ("absolutely gutted", "lexicon:down"),
    ("nan passed on tuesday", "lexicon:grief"), ("trying to hold it together", "lexicon:struggling"),
    ("skipping meals so they can eat", "lexicon:self_neglect"), ("feeling wobbly today", "lexicon:anxious"),
    ("i feel like i let her down", "lexicon:failing"), ("stretched thin with mum in hospital", "lexicon:overwhelmed"),
])
def test_everyday_ways_of_saying_it_is_hard_are_low(text: str, reason: str) -> None:
    mood_ = score(text)
    assert mood_.level == LOW and reason in mood_.reasons


@pytest.mark.parametrize("text", ["cant stop smiling today", "tired but the good kind of tired"])
def test_happy_phrases_with_gloomy_words_are_ok(text: str) -> None:
    assert score(text).level == OK


@pytest.mark.parametrize("text", ["help me understand the schedule?", "we are all sick but hanging in",
                                  "she can do it herself now, so proud"])
def test_low_phrases_do_not_catch_their_harmless_neighbours(text: str) -> None:
    assert score(text).level != LOW


# A plea for help or for someone to talk to reaches a buddy, however VADER reads it ("help" is positive to it).
@pytest.mark.parametrize("text", [
    "please help", "help me", "i need help", "someone help", "I need to talk to someone now", "can someone call me",
    "Please help 😭", "HELP!", "somebody please help me", "i really need someone right now", "need someone to talk to",
    "could anyone ring me please?", "please help. 4", "honestly i just need help",
])
def test_a_plea_is_never_ok(text: str) -> None:
    result = score(text)
    assert result.level in (LOW, CRISIS) and "alert:plea" in result.reasons


@pytest.mark.parametrize("text", [
    "thanks for the help", "my mom came to help", "help with the baby was great", "thanks so much for your help!",
    "hubby was a big help!", "please help yourself to the cake", "i dont need help, we're fine", "help! she ate a crayon lol",
])
def test_help_that_is_not_a_plea_stays_ok(text: str) -> None:
    assert score(text).level == OK


@pytest.mark.parametrize("text", [
    "husband helped with bedtime", "can someone call me about my appointment", "can anyone help with sleep regression tips?",
    "help me understand the schedule?", "can you call me later?",
])
def test_a_request_or_help_received_is_not_a_plea(text: str) -> None:
    assert "alert:plea" not in score(text).reasons


# Danger from someone at home: a person must look, whatever else the reply says.
@pytest.mark.parametrize("text", [
    "My husband hit me", "he hits me", "I'm scared of him", "he hurt me again", "not safe at home", "I don't feel safe",
    "my partner has been hitting me", "he choked me", "so scared of my husband", "i dont feel safe with him",
    "he hit me but im ok", "my husband hit me last night. 4", "im scared of him but the kids are great, 4",
])
def test_a_danger_at_home_is_at_least_low(text: str) -> None:
    assert score(text).level in (LOW, CRISIS)


@pytest.mark.parametrize("text", [
    "my toddler hit me and i cried", "the baby hit me in the face lol", "he hit me up about dinner",
    "my husband kicked me all night in his sleep lol", "he pushed me to go to the gp, glad he did", "the dog is scared of him",
    "scared of him falling off the bed", "my son hits me when hes overtired", "i feel safe at home now",
    "dont feel safe driving in the snow", "he hit me with a toy",
])
def test_everyday_hits_and_fears_are_not_a_danger_at_home(text: str) -> None:
    assert "alert:unsafe" not in score(text).reasons and not is_crisis(text)


def test_a_no_before_anything_but_point_or_reason_still_negates() -> None:
    assert score("no suicidal thoughts today").reasons == ("crisis_negated:suicidal_ideation",)


@pytest.mark.parametrize("text, sign", [
    ("honestly i just want it all to be over", "hopelessness"), ("i cant keep living like this", "hopelessness"),
    ("no reason to keep going", "hopelessness"), ("i dont see the point in living", "hopelessness"),
    ("feel like giving up on everything", "hopelessness"),
    ("thought about driving off the road today", "suicidal_ideation"), ("i wish i wasnt alive", "suicidal_ideation"),
    ("wish i could go to sleep forever", "suicidal_ideation"), ("i feel like dying", "suicidal_ideation"),
    ("might as well be dead", "suicidal_ideation"), ("i keep imagining my own funeral", "suicidal_ideation"),
    ("im standing on the bridge", "suicidal_ideation"), ("i want to jump", "suicidal_ideation"),
    ("i got a rope", "suicidal_ideation"), ("not going to be around much longer", "suicidal_ideation"),
    ("the pills are ready", "overdose"), ("i have enough pills", "overdose"),
    ("wrote goodbye notes tonight", "goodbye"), ("ive given away all my things", "goodbye"),
    ("razor blade in the bathroom", "self_harm"), ("maybe i should just die", "suicidal_ideation"),
    ("i hope i dont wake up", "suicidal_ideation"), ("i deserve to die", "suicidal_ideation"),
    ("i cant do life anymore", "hopelessness"), ("what if i just left and never came back", "escape"),
    ("im scared of what i might do", "self_harm"), ("i dont trust myself right now", "self_harm"),
    ("i almost shook her", "harm_to_baby"), ("im a waste of space", "burden"),
    # A reviewer's replies once scored ok, unclear or only low, and our own variants of them.
    ("I can't keep my baby safe", "harm_to_baby"), ("i dont think i can keep him safe anymore", "harm_to_baby"),
    ("no point in living", "hopelessness"), ("no point going on", "hopelessness"), ("no reason to live", "hopelessness"),
    ("no point in anything anymore", "hopelessness"), ("theres no point carrying on.", "hopelessness"),
    ("honestly no point in life", "suicidal_ideation"),  # the "no" is the statement, not its negation
    ("Im going to jump", "suicidal_ideation"), ("i think im going to jump.", "suicidal_ideation"),
    ("going to jump", "suicidal_ideation"), ("sorry. i am about to jump", "suicidal_ideation"),
    ("i cant keep myself safe tonight", "self_harm"),
])
def test_it_flags_the_quieter_warning_signs_too(text: str, sign: str) -> None:
    assert score(text).reasons == (f"crisis:{sign}",)



@pytest.mark.parametrize("text", [
    "how many of my pills would it take, honestly",  # medicine and counting
    "ive been saving up my tablets for a while",  # medicine and saving
    "the railway line behind the house looks peaceful tonight",  # a height or water, looked at
    "how high is the multi storey on king street",
    "keep picturing the stairs. one step and it would all stop",
    "the rope is in the boot, havent used it",
])
def test_a_means_and_a_thought_turned_towards_it_is_a_crisis(text: str) -> None:
    assert is_crisis(text)


@pytest.mark.parametrize("text", [
    "how many ibuprofen can i take while breastfeeding?", "how much tylenol for her fever, 18 months old?",
    "how many pills are left in the pack? need a refill", "walked to the river with the pram, so peaceful",
    "we fed the ducks by the lake, peaceful morning", "baby's first bath tonight, so calm",
])
def test_ordinary_talk_of_doses_and_outings_is_not(text: str) -> None:
    assert not is_crisis(text)


@pytest.mark.parametrize("text", [
    "if someone took a whole bottle of sleeping pills how long would it take? asking for a friend",
    "my friend wants to know how many tablets is too many, just curious",
])
def test_someone_elses_question_behind_a_mask_is_still_a_crisis(text: str) -> None:
    assert is_crisis(text)



# Veiled warning signs found by probing with replies written blind to the rules (tests/data/replies_probes.csv);
# every sentence here is our own, by sign: burden, timing, arrangements and farewells, means, intrusive thoughts.
VEILED_CRISIS = [
    'everyone would be better off honestly', 'it would be easier for everyone if i was gone',
    'i wont be a problem for much longer', 'the kids deserve a mom who isnt me',
    'everythings sorted for friday. feel calm', 'finally found my way out',
    'wont be needing these texts after this week. take care of yourselves', 'made a list of who gets my things',
    'i keep seeing a picture of letting go of her in the water',
    'i held her under for a second in my head and it scared me', 'i cant imagine being around next year',
    'hoping i get hit by a bus tbh', 'just tired of being here', "they'd all be better off if i just wasnt here",
    'keep thinking about jumping off the flyover', 'thinking of topping myself', 'i pray i die in my sleep',
    'ready to stop trying to live', "worked out how i'd do it", 'i wont be around for much longer',
    'wont be here after tonight', 'not planning on seeing christmas', 'i just feel finished',
    "made my decision and it's a relief", 'swallowing every tablet in the house',
    'id have taken the lot if she wasnt here', 'took way more than i should on purpose',
    'been putting some of my meds aside', "i'm a danger to myself", 'im scared of myself lately',
    'left the passwords on the desk for him', 'card for every birthday till shes 18, just in case',
    'tying up loose ends.', 'keep the baby safe from me please', 'part of me wants to shake him',
    'the rope is still in the shed, i go and look at it', 'if i didnt wake up id be fine with that',
    'had enough of being alive', 'been saving my tramadol, about 30 now', 'took loads of my painkillers last night',
    'stood at the station and wanted to step off', 'my head keeps telling me to shake her',
    'scratching my arms till they bleed', 'cant see the point in staying alive',
    'the knife was in my hand and it wasnt for cooking', 'i could just walk into the waves',
    'had a thought about throwing him down the stairs', 'injected more insulin than i should on purpose',
    'thinking ill just take my own life', 'sorted who gets my jewellery', 'everythings in order now',
    'dont worry about me after sunday', 'if im quiet next week youll know why',
    'i keep going back to the weir. its peaceful there', 'soon i wont be',
    'funny how calm i am now theres an end date', 'pricing up my funeral lol', 'going where nobody finds me',
    'im not renewing anything, i wont be here for it', 'tell whoever reads these it wasnt their fault',
    'left notes on the fridge for after.', 'if the helpline works once youve already taken them',
    'if a bus hit me i wouldnt mind', 'took extra of my pills on purpose to see what would happen',
    'ive been hoarding my percocet', 'i held a pillow over my face last night', 'praying god takes me tonight',
    'ready to go home to the lord', 'since we lost her i think about ways to join her', 'took a razor to my arm',
    'changed my beneficiary to my brother, feel calm', 'this is the last one ill answer',
    'theyd be better off with my mum, im just in the way', 'the kids will have a better life without me',
    'he can manage without me now', 'dont see the point of any of it anymore',
    'sat in the garage with the engine running', 'if im gone one day tell the baby i loved her',
    'i dont think ill be here when he gets back',
    'bought loads of paracetamol from different chemists so nobody would ask',
    'my head keeps telling me to do things to him', 'she deserves a mum who isnt broken. soon shell have one',
    'sunday itll all be over', "i'll be asking him in person soon", 'the insurance pays out more than i earn',
    'thinking how easy it would be to let go', 'stopped my meds, a quiet way out',
    'wrote my will tonight, felt strangely calm', 'told her which songs i want at my funeral',
    'signed the guardianship papers today', 'the thoughts i get about shaking her scare me',
    'they need me gone so they can heal', "she'd be safer in heaven",
    "i dont trust myself near the scissors right now", "you wont need to text me anymore after friday",
    "left the insurance papers where he will find them", "please tell my mum i love her", "its my last day, thanks for everything",
    "wrote her a card in case im not around", "flashes of putting her in the bath and not taking her out",
    "working out the best time to do it", "its time to go home to the lord", "got enough of my tablets now",
    "the bridge by the station, how quiet it would be", "they're better off not watching me fall apart",
    "ready to leave this world", "dont bother sending the police tomorrow", "wont be long before someone needs it",
    "cant see the point of waking up", "every morning i wish i hadnt woken", "let me not wake up, i pray",
    "dont worry, itll all be over soon", "thinking i should smother her so she never suffers", "soon itll be the permanent kind",
    "nobody would really miss me", "what if i didnt come back from my run",
    "if i just stopped existing, and ive been looking up ways", "flashes of dropping her off the landing",
    "burnt myself with the straighteners on purpose", "so scared ill hold him under in the bath", "i think god is calling me home",
    "relapsing would be easier than this", "i was looking at the timetable, not to go anywhere", "said a proper goodbye to my dad tonight",
    "walk into the tide and not coming back", "he said hed finish me off. part of me wishes he would", "whats the point of going on",
    "dont think ill be there to bring her home", "im at peace with it now", "googled what happens if a mum dies without a will",
    "the bridge on my way to work, i stop and look down for ages", "all my tablets are in a jar now, over 80",
    "found where the key to the guns is", "free of me, thats what they deserve", "you'll all be doing everyone a favour if i go",
    "ive made my own plan", "doh worry bout me after tonight", "my will is done, before the weekend",
    "if i dont reply tomorrow you know why", "i dont see myself being around for his birthday", "shell find everything in the morning",
    "thinking of driving into the barrier on the motorway", "wish id never woken up after the surgery",
    "since she died i want to be with her", "hoping i dont wake up after tonight", "made my decision, like a weight lifted",
    "given away most of my things", "does the policy pay out if it looks like an accident", "the bus wont stop when i step out",
    "tell the midwife i said goodbye", "picked a song for my funeral", "the rest of my oxy and a bottle of vodka tonight",
    "i know what i need to do.", "decided this is my last week so", "it was never her fault, tell her that",
    "wondering how cold the lake gets", "if it takes me it takes me", "id like to sleep and not have to wake up",
    "just waiting for the right night", "heaven has to be better than this", "long drive with no seatbelt tonight",
    "take me off the list after saturday", "practising my note in my head", "told the counsellor i felt safe and i lied",
    "after tonight none of it will matter", "im just a drain on everyone", "does it hurt, drowning?", "urges to throw him",
    # The tenth round: finality, absence and arrangements in new words.
    "weird how light you feel once youve decided", "ive finally got a plan. feeling good", "i want out. of all of it",
    "people say it gets better, im not sticking around to find out", "the world will keep turning without me",
    "the kids would have an easier life if i just wasnt there", "i reckon heaven has a place for me", "so tired. of existing",
    "like a ghost round here. might make it official", "imagining who would turn up at my funeral",
    "im such a drain on my family", "he needs to be rid of me", "ready to put it all down for good",
    "nobody would know it wasnt an accident on that road", "if i swerved at least theres the life insurance",
    "how long does it take to drown", "i could slip under in the bath and stay there", "thinking about the bridge.",
    "enough of my nans old morphine to sort it all out", "looking up the height of the multi storey", 
    "if i dont reply tomorrow dont bother texting", "that was my last check in", "delete my number after tonight please",
    "tell my brother i love him and hell know why.", "wrote my husband a note explaining everything", 
    "wrote down the codes for him, so hes not stuck after", "said goodbye to my dad today. properly.",
    "the voices keep telling me to get rid of her", "a flash of letting go when i carry her down the stairs",
    "i could just stop eating and let it happen", 
    # The eleventh round: a future without her, methods named in passing, quiet arrangements.
    "cant picture next year with me in it", "honestly im only still here for the kids", "not sure how much longer im sticking around",
    "i want to be nothing", "wish the anaesthetic meant id never come round", "want to sleep and skip the rest of it. permanently",
    "want it all to go quiet forever", "tired of being.", "wish i could properly vanish", "how long till someone would notice im gone",
    "i stopped eating on purpose", "i keep googling whether it hurts", "hoping a truck swerves into me",
    "after tonight none of it matters", "decided to stop waiting for it to",
    "cut last night. deeper this time", "im a weight round everyones neck", "theyd float without me", "im just the clutter in the way",
    "he deserves to never know me", "theyll manage after.", "she'd be better raised by anyone else", "theyll be grand without me",
    "sorry in my head for what im going to do.", "told him i loved him and to look after our girl", "gave my sister my wedding ring",
    "dont think ill need these texts much longer", "this is my last message", 
    "the voice in my head says hes safer without me", "urge to let her go over the rail",
    "my head keeps going on about the knives", "if i disappeared would you stop texting", 
    "walking in and not walking out", "one step into the traffic would fix everything",
    "i dont know how much longer i can keep going",
]
# Their everyday neighbours: the same words in an ordinary day.
NOT_A_CRISIS = [
    'i could sleep forever lol', 'we jumped rope at the park', 'i want to jump in the pool with her',
    'she wants it to be over so she can play', 'wont be here tomorrow morning, at my moms',
    'gave away my old maternity clothes', 'i give up on sleep training lol',
    'i have enough pills for the week, refill friday', 'my pills are ready at the pharmacy',
    'i hope the kids dont wake up early', 'scared of what i might do with a free afternoon lol',
    'tied up my loose ends at work before the break', 'laughed so hard at her',
    'finally made my mind up about daycare, going with the one near work', 'my toddler hit me and i cried',
    "it's hitting me hard that she's gone", 'slim picking from the balcony',
    'killing it today, all three out the door', 'we walked along the canal, so peaceful',
    'overdosed on chocolate at the party lol', 'he tried to jump off the sofa like a superhero',
    'we made our wills after the baby came, solicitor said everyone should',
    "watched suicide squad after bedtime", "feeling a bit hopeless about the house situation",
    "im going to die of embarrassment, he said it at the checkout", "burnt myself on the oven lol",
    "this is my last week of maternity leave",
    "we decided were not waiting to find out the sex!", "finally got a plan that works for naps", "gave my dog to my mum for the weekend",
    "updated my will and life insurance now the baby is here", "googling dry drowning symptoms after swim class",
    "looked up train times for saturday", "thinking about the stairs gate we need", "need to sort things out with the pharmacy about my meds",
    "this will be my last check in for a while, off on holiday!", "i know it wasnt an accident, he drew on the wall on purpose",
    "youll never be rid of me haha", "found my way out of the paperwork", "said goodbye to the old house",
    "the lake was so peaceful on our walk", "my exit strategy from the soft play was snacks", "wrote down my bank details for the babysitter",
    "my husbands new girlfriend is picking the kids up", "asked my mum to look after the kids tonight", "had my hair cut again last night",
    "were only here for the babys jabs", "we lay down in the snow and made snow angels", "stopped eating sugar on purpose for lent",
    "googling whether it hurts when teeth come through", "the way im thinking of doing the nursery is pastel", "let me know if anything happens.",
    "made a decision on daycare and everything feels lighter", "made peace with everything being messy", "none of it matters after a good sleep",
    "decided to stop waiting for him to do the dishes", "the kids will be fine after a nap", "sorry in advance for what im going to do to this cake",
    "gave my daughter my old necklace", "this is my last one i promise, the biscuits are calling", "the little voice in my head says the baby needs a nap",
    "an urge to let go of all the clutter", "driving past the bridge every morning to daycare", "the sea is calmer today, good for swimming",
    "stocking up on paracetamol before flu season", "paid all the bills, fridge full, ready for the weekend!", "tired of being the only one doing dishes",
    "who gets the babys old stuff, my sister or the charity shop?",
    # Written by a reviewer to trip the tenth and eleventh rounds' phrases (each was a crisis once).
    "had a long bath, feeling calmer now", "the sea always makes me calmer", "took the dog to the woods, feel calmer already",
    "traffic finally slowing down, late for pickup", "stuck in traffic on the motorway, how far is the next services",
    "hot bath and a glass of wine, thatll fix everything", "the sea is calling 🌊 cornwall next week", "watching trains makes him so much calmer",
    "calming music tracks, baby much calmer", "how cold is the sea in may", "slipped under the bubbles in the bath",
    "baby had her jabs, shell be fine after.", "newborn stage is exhausting but it wont be for much longer",
    "this is my last one, no more babies!", "thats my final answer", "this is my last reply tonight, going to bed",
    "will and life insurance sorted now the baby is here", "gave my cat to my mum, allergies with the baby",
    "left a note explaining everything for the babysitter", "said bye to my mum at the airport, cried properly",
    "paid all the bills, packed the cases. ready!", "sorted a spare key with the neighbour if anything happens",
    "booked the after school club so shes not stuck after school", "delete my account after christmas",
    "posted my last post", "forgive me for what im about to do", "i love him but hes hard to look after",
    "i finally have a plan!! sleep training starts monday", "made a decision and feel so much lighter, back to work in september",
    "know exactly what im doing tonight, takeaway, what a relief", "decided to stop waiting for things to calm down and booked it",
    "made my peace with it all, the house will never be tidy", "stressed over the birth plan and none of it matters anymore lol",
    "the kitchen is so calm when im not in it lol", "that family photo would be nicer if i wasnt in it",
    "cant see that bikini with me in it", "the world keeps spinning without me while im on mat leave",
    "if heaven has a place for me its a spa", "i want out of all of it, the pta, the committees", "done with existing on toast",
    "imagine the chaos at my funeral", "who would come if i did a picnic", "only still here because the baby fell asleep on me",
    "how much longer im sticking around at this job", "want to be gone before the in laws arrive",
    "wish the baby had never woken up from her nap", "skip the rest of it and go to bed", "house is forever quiet after 8",
    "how long before the kids notice im gone for a bath", "stopped eating sugar so the cravings fade",
    "googled whether it hurts. ear piercing", "googled how people do it. twins", "not sure i can stop myself eating the easter eggs",
    "hoping the ice cream van comes into my lane", "not sticking around to find out, toddler tantrum brewing",
    "it gets better at 12 weeks, im not waiting to find out", "energy bills are a drain on the family", "in laws glad to be rid of me",
    "im the anchor in the relay", "mortgage is a millstone round his neck", "my plants thrive without me",
    "the cat is ruining everything by existing", "kitchen is safer without me cooking", "if i disappeared for 5 minutes would the mess tidy itself",
    "cant hold on any longer, need a wee", "whats the point of any of it, the laundry just comes back", "gave up caffeine, put it down for good",
    "my exit strategy: fake nap", "nothing left to save in the freezer", "lost my voice singing to her, think i hurt it",
    "voice notes from grandma, cant get rid of them", "the voice in my head says id be better off with a nap",
    "fighting the urge to let her go, she wants to ride the bike alone", "my brain is fried, put the knives in the fridge",
    "the paddling pool was deeper this time", "stocking up on paracetamol before her jabs",
    "sitting on the balcony with a tea", "time to go! nursery run", "bye! off to the park", "the end is coming for maternity leave",
    "made arrangements for the party", "left the passwords for the babysitter", "she can have my old pram",
    # A third reviewer's check-in replies from 40 imagined mothers: the 6 of 585 called a crisis.
    "3. Giving away my maternity clothes to my cousin, she's due in June", "3 honestly I wish I could disappear to a spa for a week",
    "3 - I want to disappear under a blanket and watch Netflix for a week lol",
    "4. Put everything in order now the baby's here: will, insurance, savings account for her",
    "4. Bought a gun safe since the baby is crawling now, husband's hunting rifles are locked up",
    "3 - it will all be over by Friday, the builders are nearly done with the kitchen",
    # A fourth reviewer's ordinary days (medicine doses, faith, drop-offs, baby-proofing, a last day at work).
    "how many ml of tylenol for a 12 lb baby", "How long after tylenol can i give ibuprofen",
    "packed paracetamol in the nappy bag just in case, road trip tomorrow",
    "Back on the pill, hoping it works this time", "Saving up for new tablets for the kids",
    "the lake is calling, cabin trip next week", "the bath is calling",
    "the river is so high after the rain, went to look at it",
    "he loves trains, we sat and looked at them for an hour",
    "baby fell asleep so i sat in the car park in the car for ages",
    "need to stock up on tylenol at the pharmacy before flu season", "going to die laughing at this video",
    "killing myself laughing at her faces", "walked into the ocean with the baby, she loved the waves",
    "kids were jumping off the wharf all afternoon", "God will take me through this week",
    "trusting God to take me through", "God will take me home safely, flying tomorrow",
    "Sat on the balcony watching the sunset", "Today's my last day!", "its time to go!",
    "She can have my moses basket", "everything is in order for the trip",
    "gave most of my stuff to charity, decluttering", "scared I'll drop her at her first bath",
    "Worried I'll hurt her cutting her nails", "thinking about dropping her to 2 naps",
    "thinking about throwing her a party", "thinking about shaking up the routine",
    "don't trust myself around that chocolate cake", "baby grabbed a butter knife off the table",
    "took a razor to my legs finally", "not taking them out. storm", "burnt my arm on the oven", "Cut my leg shaving",
    "not safe to drive today, so tired", "im a danger to myself in the kitchen lol",
    "it's me, hi, I'm the problem, it's me", "Would anyone notice if I ate all the easter eggs",
    "they'd be better off outside on a day like this", "fresh start for him at the new school",
    "won't be around for her first day at creche, work", "tired of being here in the waiting room",
    "Everything is planned for Saturday, baby shower!",
    # A second reviewer's ordinary replies, written to trip any crisis phrase, older ones too.
    "gotta run, bye", "4 today, baby napped. bye!", "in the end it all worked out, shes finally napping",
    "she was totally fine without me!! first day at nursery", "baby up, time to go", "cut myself chopping onions lol",
    "hurt myself lifting the car seat", "my back is hurting me so bad", "the tiredness hit me so hard today",
    "hope i get over this cold soon", "wish i had a day off so i could sleep",
    "googling ways to get her to nap longer", "dont think ill make it to toddler group today",
    "not taking her out today, too cold", "thinking about dropping a nap",
    "the thought of dropping her off at daycare makes me cry", "feeling more organised, i have a plan!",
    "started sertraline last week which seems to be helping", "had a long bath while hubby had the baby, so peaceful",
    "a hot bath is calling me tonight", "sorry didnt reply to your last message", "thanks for everything you do 💕",
    "grandmas going to look after my kids tomorrow 🥳", "selling the pram, we wont need it anymore",
    "ill be a better mom once ive slept 😴", "hope this cold will be gone by tomorrow",
    "teething hell, hopefully itll be over soon", "so sick of living out of boxes since the move",
    "finally took the whole bottle", "stockpiling nappies while theyre on sale",
    "im hopeless at cooking but we survived", "i just want it to stop raining",
    "we cant go on the school trip, baby sick", "so glad to be around for her first steps 😭",
    "kids will go to my moms on saturday", "everything is planned for saturday, party time!",
    "sitting on the edge of the bed feeding her, 3", "her dad is out of the picture so its just me",
    "the mental load is such a burden", "i deserve a better coffee than this", "dinner tonight was out of this world",
    "think weve kicked the dummy for good this time 🤞", "baby proofed the medicine cabinet today",
    "moved the knives away from the baby", "need to hide the pills from the toddler", "made up my mind, were moving!",
    "bought a rope swing for the garden", "i shook her hand", "thinking about dying my hair",
    "if it takes me all week", "hubby threw me under the bus", "made a will finally",
    # Look-alikes of the "going to jump", "no point" and "keep my baby safe" rules.
    "going to jump in the shower", "im going to jump on a call at 10", "the kids loved the jumping castle",
    "the baby jumps at every noise", "im going to jump on the trampoline with them!", "im about to jump into bed",
    "she is going to jump!", "no point going on about it", "no point living in the past, onwards",
    "no point trying to nap, shes up", "i cant keep her safe in that car seat, its broken",
    "cant keep him safe, hes climbing everything lol", "you cant keep them safe from everything",
]


def test_every_crisis_phrase_is_nested_under_its_first_letter() -> None:
    # One that is not is tried at every word start and makes the whole crisis pass slower.
    loose = [alt for phrases in (*mood.lex.CRISIS.values(), *mood.lex.REACH_OUT.values()) for p in phrases if p.startswith(r"\b")
             for alt in mood_patterns.alternatives(p[2:]) if not mood_patterns.nestable(alt)]
    assert loose == []


@pytest.mark.parametrize("text", VEILED_CRISIS)
def test_veiled_warning_signs_are_a_crisis(text: str) -> None:
    assert is_crisis(text)


@pytest.mark.parametrize("text", NOT_A_CRISIS)
def test_their_everyday_neighbours_are_not_a_crisis(text: str) -> None:
    assert not is_crisis(text)


def test_a_so_so_day_is_a_meh_not_the_lowest() -> None:
    for text in ("so-so", "so so today"):
        assert (score(text).level, score(text).score) == ("low", 2.0)


@pytest.mark.parametrize("text", ["honestly today sucked", "can I just say today sucked?", "sucky day"])
def test_sucked_is_a_low_word_in_any_tense(text: str) -> None:
    assert score(text).level == LOW
