"""Score a mom's reply to her daily check-in.

Pure domain code: text in, Mood out. The order of the steps is the design:
normalise -> crisis phrases, and a means named beside a thought turned towards it in one
sentence (nothing overrides them) -> the 1-5 scale -> the mothers' lexicon -> VADER, only for
replies none of the earlier steps could read. Plain VADER alone scores "everyone would be
better off without me" as positive, so it goes last.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import compress

from service import mood_lexicon as lex
from service import mood_model
from service.mood_patterns import tagged
from service.mood_vader import Compound

CRISIS, LOW, OK, UNCLEAR = "crisis", "low", "ok", "unclear"

# Replies at or below this on the 1-5 scale are low; at or above OK_FROM they are ok;
# in between (a plain "3") the words decide.
LOW_UP_TO = 2.5
OK_FROM = 3.5
# Lexicon sums this far from zero are a decision; closer is "unclear".
WORDS_THRESHOLD = 0.25
# Words strong enough to overrule a 4 or 5 ("4 but honestly drowning"), where two mild ones
# ("grumpy cos tired lol. 4") are not: her own rating of a fine day stands.
OVERRULE_HIGH_SCALE = -2.0
# A sarcasm marker with no positive word to turn: a mild complaint, like ":/".
SARCASM_ALONE = -0.5
VADER_LOW = -0.05
# VADER's usual line for strongly negative text: a question this negative is a complaint,
# and a reply this negative is not made fine by a "fine" in it.
VADER_STRONG_LOW = -0.5
VADER_OK = 0.05


@dataclass(frozen=True)
class Mood:
    level: str
    score: float | None
    reasons: tuple[str, ...]


MEANS_SEEN = "_means"
# Tags of lex.REACH_OUT patterns, found in the crisis pass: "alert:plea", "alert:unsafe".
REACH_OUT = "alert:"
# The learned second opinion's reasons: the first when it made a crisis, the second when it made an ok reply low.
CRISIS_MODEL_REASON = "crisis:model"
MODEL_REASON = "model:crisis_like"


def _compile_crisis() -> tuple[tuple[re.Pattern[str], list[str]], ...]:
    # Phrases that start on a word boundary are tried only at word starts: five times
    # faster than checking every pattern at every character.
    at_word = [(p[2:], g) for g, ps in lex.CRISIS.items() for p in ps if p.startswith(r"\b")]
    # The means (lex.MEANS) are found in the same pass, tagged MEANS_SEEN: they are a sign only
    # with a cue in the same sentence, which `_crisis_signs` then looks for.
    at_word += [(f"(?:{means})(?![a-z])", MEANS_SEEN) for means, _ in lex.MEANS]
    # So are the pleas and dangers that must reach a person (lex.REACH_OUT): one pass, not two.
    at_word += [(p[2:], REACH_OUT + g) for g, ps in lex.REACH_OUT.items() for p in ps if p.startswith(r"\b")]
    anywhere = [(p, g) for g, ps in lex.CRISIS.items() for p in ps if not p.startswith(r"\b")]
    anywhere += [(p, REACH_OUT + g) for g, ps in lex.REACH_OUT.items() for p in ps if not p.startswith(r"\b")]
    return tagged(at_word, prefix=r"(?<![a-z0-9])(?=[a-z0-9])"), tagged(anywhere)


def _compile_phrases() -> tuple[re.Pattern[str], list[str]]:
    pairs = [(entry[3], str(i)) for i, entry in enumerate(lex.LEXICON) if entry[3]]
    return tagged(pairs, prefix=r"(?<![a-z])(?=[a-z])", suffix=r"(?![a-z])")


_CRISIS = _compile_crisis()
_GROUPS = (*lex.CRISIS, "means")
_MEANS = tuple((re.compile(rf"\b(?:{means})\b"), re.compile(rf"\b(?:{cues})(?![a-z])")) for means, cues in lex.MEANS)
_MEANS_ORDINARY = re.compile(rf"\b(?:{lex.MEANS_ORDINARY})\b")
_MASKS = re.compile(rf"(?<![a-z])(?:{lex.CRISIS_MASKS})")
_SENTENCE = re.compile(r"[^.!?\n]+")
_PHRASES, _PHRASE_ENTRY = _compile_phrases()
# "Could be worse", "cant complain": ok-phrases made of words VADER reads as negative.
_OK_PHRASES = re.compile(r"(?<![a-z])(?:" + next(e[3] for e in lex.LEXICON if e[0] == "ok") + r")(?![a-z])")
_SINGLE_WORDS = {word: (name, weight) for name, weight, words, _ in lex.LEXICON for word in words.split()}
_TOKEN = re.compile(r"[a-z]+|[.!?;,\n]")
_BREAKS = frozenset(".!?;,\n")
# Laughter and idioms ("killing me lol") mean VADER would misread the scary words.
_JOKING = frozenset({"lexicon:hyperbole", "lexicon:laughing"})
_REWRITE = tagged([(re.escape(k), k) for k in sorted(lex.REWRITES, key=len, reverse=True)],
                  prefix=r"(?<![a-z])(?=[a-z])", suffix=r"(?![a-z])")[0]
_APOSTROPHES = "'’‘`´"
_REPEATS = re.compile(r"(.)\1\1+")
_CONTRASTS = "but|though|although|however|except|yet"
_CONTRAST = re.compile(rf"\b(?:{_CONTRASTS})\b")
_PUNCT_SPLIT = re.compile(r"[.!?;,\n]+")
_WINDOW_SPLIT = re.compile(rf"[.!?;,\n]|\b(?:{_CONTRASTS})\b")
_WORD = re.compile(r"[a-z]+")
# Nested like the lexicon's patterns: every reply is searched, and a pattern whose
# alternatives all start with a letter lets the engine skip ahead to candidate characters.
_SARCASM = tagged([(lex.SARCASM, "sarcasm")])[0]
_HEDGE = re.compile(rf"\b(?:{lex.HEDGES})\b")
_NO_SIGNAL = re.compile(rf"(?:{lex.NO_SIGNAL})[\s.!?]*")
_EMOJI = re.compile("[" + re.escape("".join(lex.EMOJI)) + "]")
_EMOTICON = re.compile(r"(?:^|(?<=\s))(" + "|".join(re.escape(e) for e in lex.EMOTICONS) + r")(?=\s|$|[.!?,])")

_NUMBER_WORDS = "zero|one|two|three|four|five|ten"
_NUM = rf"(\d{{1,3}}(?:\.\d+)?|(?:{_NUMBER_WORDS})(?!(?!ish)[a-z]))"
_NOT_A_UNIT = (r"(?!\s*-?\s*(?:am|pm|hours?|hrs?|h|days?|weeks?|wks?|months?|mins?|minutes?|times|x(?=\s*\w)|kids?|children|"
               r"babies|of|out of|outta|years?|yrs?|yo|rd|nd|st|th|%|oz|ml|naps?|people|more|under|in a row|nights?|o ?clock|:\d|"
               r"day|thing|step|sec|am|year)\b)")
_FRACTION = re.compile(rf"(?<![\d.]){_NUM}\s*(?:/|out of|outta|of)\s*(5|10|five|ten)\b")
_LEADING = re.compile(rf"^(?:(?:a|like|like a|prob|probably|prob a|probably a|honestly|honestly a|maybe|maybe a|solid|a solid|"
                      rf"about|about a|id say|id say a|im a|im at a|today is a|today was a|its a)\s+)?"
                      rf"{_NUM}(?:ish)?(?:\s*-\s*{_NUM})?(?!\.?\d)" + _NOT_A_UNIT)
_ARTICLE = re.compile(rf"\b(?:a|an|solid)\s+{_NUM}(?:ish)?(?!\.?\d)" + _NOT_A_UNIT)
# Words after which a closing number is a time, an age, a count or a name, not her rating ("slept till 4", "shes 2").
_NOT_BEFORE_RATING = frozenset("""
    at till til until by turned turns turning is was aged age about around of to from past before after for on in under
    over gets got had has have only just nearly almost no number size day days week weeks month months year years page
    room bus route part level season episode game round and or than up down me him her them us it every each per times x
    shes hes theyre are were be been will now still exactly son daughter boy girl baby twins feeds naps nappies diapers
    bottles ounces oz ml kids children babies the a an my our his their these those then plus minus with without into
    onto between grade class hours hrs mins minutes nights pm am weighs weighed pounds lbs kg stone ft feet inches cm
""".split())
# A bare rating closing the reply, after a stop, a comma, an emoji or a word ("dead tired but he rolled over!! 4",
# "meh. 3", "tired 4", "5 x"): group 1 after a symbol, groups 2 and 3 after a word (checked against the list above).
_TRAILING = re.compile(rf"(?:(?:[^\w\s$£€#@+:/%&*=<>'-]|\s[-–—])\s*{_NUM}"
                       rf"|(?<![a-z])([a-z]+)\s+([1-5](?:\.5)?))(?:ish)?(?!\.?\d)(?:\s*x+)?[^\w]*$")
# A rating she says she is not at: "not a 5" (somewhere below, how far unsaid: the words decide, or
# she is asked), "not even a 2" (below it).
_NEGATED_RATING = re.compile(r"\b(?:(?:not|isnt|wasnt|aint|definitely not|def not)( even| quite)?|(hardly|barely|"
                             r"nowhere near|far from))(?: (?:a|an|at|at a))?\s*$")
_LOW_HIGH = re.compile(r"\b(low|high)\s+(?:a\s+)?([1-5])\b(?!\.\d)" + _NOT_A_UNIT)
# Tagalog's polite particle ("salamat po", "mabuti po"): no mood in it.
_PARTICLE = re.compile(r"(?i)(?<![\w'])po(?![\w'])")
_ONE_MORE_TIME = re.compile(r"\bif (?:i|he|she|they|anyone|someone|the baby|my \w+)\b[^.!?]{0,50}\bone more time\b")
_LAUGHING = re.compile(r"\b(?:lol|lmao|haha\w*|hehe)\b|😂|🤣|😅")
_SOFTENERS = frozenset({"bit", "abit", "little", "slightly", "kinda", "kind", "somewhat", "just", "mildly"})
_ANY_NUMBER = re.compile(rf"[0-9]|(?<![a-z])(?:{_NUMBER_WORDS})(?![a-z])")
# Cheaper first looks for the two above: a leading lookbehind or \b costs re its fast scan.
_DIGIT = re.compile(r"[0-9]")
_NUMBER_WORD = re.compile(rf"(?:{_NUMBER_WORDS})(?![a-z])")
_CONTRAST_WORD = re.compile(rf"(?:{_CONTRASTS})\b")
_WORDS_AS_NUMBERS = {"zero": 0.0, "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "ten": 10.0}
# A number written as a word only counts when nothing but small talk follows it ("two. long night").
_AFTER_NUMBER_WORD = re.compile(r"\s*(?:$|[^\w\s]|(?:but|and|today|tbh|lol|i guess|honestly|maybe|probably|ish|tonight)\b)")


def score(text: str) -> Mood:
    """The rules' reading, then the learned second opinion (service.mood_model) one step up:
    a low or unclear reply whose words read like the crisis replies is a crisis, an ok one is low.
    A crisis word the rules found negated or about someone else stays as the rules read it."""
    norm = normalise(text)
    mood = _rules(norm, text)
    if mood.level == CRISIS:
        return mood
    model = _model or _load_model()
    if not model.crisis_like(norm) or read_as_someone_elses(mood):
        return mood
    if mood.level == OK:
        return Mood(LOW, mood.score, (*mood.reasons, MODEL_REASON))  # her own rating stands, as when words overrule a 4
    return Mood(CRISIS, 1.0, (CRISIS_MODEL_REASON, *mood.reasons))


def read_as_someone_elses(mood: Mood) -> bool:
    """Whether the rules found crisis words only negated or about someone else ("crisis_reported:…"):
    the learned second opinion leaves such a reply as the rules read it."""
    return any(r.startswith("crisis_") for r in mood.reasons)


def score_rules(text: str) -> Mood:
    """The rules alone (the model's trainer compares against them)."""
    return _rules(normalise(text), text)


def _rules(norm: str, text: str) -> Mood:
    # VADER reads the raw text, and its lexicon knows "po" as an insult (three substring checks first: cheap).
    if ("po" in text or "Po" in text or "PO" in text) and _PARTICLE.search(text):
        text = _PARTICLE.sub(" ", text)
    if not norm.strip():
        return Mood(UNCLEAR, None, ("unclear:empty",))
    crisis, softened, reach_out = _crisis_signs(norm)
    if crisis:
        return Mood(CRISIS, 1.0, tuple(f"crisis:{g}" for g in crisis))
    mood = _mood(norm, text, softened)
    if not reach_out:
        return mood
    # A plea for help or a danger at home reaches a person, whatever the words around it say.
    marks = tuple(f"{REACH_OUT}{g}" for g in reach_out)
    if mood.level in (OK, UNCLEAR):
        return Mood(LOW, 2.0, (*marks, *(r for r in mood.reasons if not r.startswith("unclear"))))
    return Mood(mood.level, mood.score, (*mood.reasons, *marks))


def _mood(norm: str, text: str, softened: list[str]) -> Mood:
    """The reply's mood from its words, numbers and VADER, once no crisis sign was found."""
    words, word_reasons, has_words = _words(norm)
    if softened:
        # Negated or someone else's crisis words still need a person to look.
        return Mood(LOW, 2.0, tuple(softened) + tuple(word_reasons))
    scale = _scale(norm)
    if scale is not None:
        return _with_scale(scale, words if has_words else None, word_reasons, text)
    if _NO_SIGNAL.fullmatch(norm.strip()):
        return Mood(UNCLEAR, None, ("unclear:no_signal",))
    if has_words and (abs(words) >= WORDS_THRESHOLD or _JOKING.intersection(word_reasons)):
        if word_reasons == ["lexicon:ok"] and not _OK_PHRASES.search(norm):
            return _shrug(text, words, word_reasons)
        return _from_words(words, word_reasons)
    if norm.rstrip().endswith("?"):
        return _question(text, word_reasons)
    # Our lexicon found nothing, or pulls both ways: VADER's larger vocabulary decides.
    return _from_vader(text, word_reasons)


def is_crisis(text: str) -> bool:
    """The rules' crisis signs alone. The webhook asks before it knows who wrote (the learned second
    opinion reads replies to a check-in, so only a mom's reply may be a crisis by it: see decide)."""
    return bool(_crisis_signs(normalise(text))[0])


def normalise(text: str) -> str:
    """Lower case, one spelling per word, emoji without variation selectors."""
    if not text.isascii():  # most replies are plain ASCII; skip the Unicode work for them
        text = unicodedata.normalize("NFKC", text).replace("\ufe0f", "").replace("\u200d", "")
        text = re.sub(r"[\U0001F3FB-\U0001F3FF]", "", text)  # skin tones carry no mood
        # Accents off Latin letters, so "cansá" and "estoy bién" are words the lexicon can know.
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    t = text.lower()
    for mark in _APOSTROPHES:  # five substring checks are cheaper than one str.translate
        if mark in t:
            t = t.replace(mark, "")
    if _REPEATS.search(t):  # searching first is 4x cheaper than always substituting
        t = _REPEATS.sub(r"\1\1", t)  # "soooo" -> "soo", "!!!!" -> "!!"
    return _REWRITE.sub(lambda m: lex.REWRITES[m.group(0)], t)


def _crisis_signs(norm: str) -> tuple[list[str], list[str], list[str]]:
    """Warning-sign groups found, those only negated or about someone else, and the lex.REACH_OUT
    groups (plea, unsafe) she says herself."""
    kinds: dict[str, set[str]] = {}
    reach_out: list[str] = []
    means_seen = False
    for pattern, signs in _CRISIS:
        m = pattern.search(norm)
        while m:
            sign = signs[(m.lastindex or 1) - 1]
            if sign == MEANS_SEEN:
                means_seen = True
            elif sign.startswith(REACH_OUT):
                group = sign[len(REACH_OUT):]
                # "help! she ate a crayon lol": a laugh makes a plea a figure of speech.
                if group not in reach_out and _speaker(norm, m) == "self" and not (group == "plea" and _LAUGHING.search(norm)):
                    reach_out.append(group)
                # It must not hide a crisis phrase inside it ("he hurt me again"): look on from its next word.
                m = pattern.search(norm, m.start() + 1)
                continue
            else:
                kinds.setdefault(sign, set()).add(_speaker(norm, m))
            m = pattern.search(norm, m.end() if m.end() > m.start() else m.end() + 1)
    if means_seen:  # most replies name no means: the sentence walk is spared
        sentences = _SENTENCE.findall(norm)
        # A sentence, or two in a row ("a spot on the cliff path i keep going back to. it feels peaceful")
        for sentence in (*sentences, *(f"{a}. {b}" for a, b in zip(sentences, sentences[1:]))):
            if any(means.search(sentence) and cue.search(sentence) for means, cue in _MEANS) \
                    and not _MEANS_ORDINARY.search(sentence):
                words = set(_WORD.findall(sentence))
                reported = bool(words & lex.THIRD_PERSON) and not words & lex.FIRST_PERSON
                kinds.setdefault("means", set()).add("reported" if reported else "self")
    if not kinds:  # most replies: nothing to sort
        return [], [], reach_out
    if _MASKS.search(norm):  # "asking for a friend" is how the question is often asked
        kinds = {g: {"self"} for g in kinds}
    found = [g for g in _GROUPS if "self" in kinds.get(g, ())]
    softened = [f"crisis_{sorted(kinds[g])[0]}:{g}" for g in _GROUPS if g in kinds and g not in found]
    return found, softened, reach_out


def _negates(words: list[str], opening: str = "") -> bool:
    """A negation among the last three words, unless it negates her worry ("dont worry, itll all be over")
    or her certainty ("not sure how much longer im sticking around", "dont know how much longer i can go on"),
    or is itself the statement: a "no" just before the phrase's opening "point" or "reason" ("no point in living")."""
    if words and words[-1] == "no" and opening in lex.NO_IS_THE_SIGN:
        words = words[:-1]
    pairs = list(zip(words, words[1:] + [""]))[-3:]
    return any(word in lex.NEGATIONS and following not in ("worry", "worries", "sure", "know") for word, following in pairs)


def _speaker(norm: str, m: re.Match[str]) -> str:
    before = _WORD.findall(_WINDOW_SPLIT.split(norm[max(0, m.start() - 60):m.start()])[-1])
    opening = _WORD.match(norm, m.start())
    if _negates(before, opening.group(0) if opening else ""):
        return "negated"
    # "if i hear baby shark one more time im walking into the sea 😂": a threat made of a joke,
    # still seen by a person (low), never silently fine.
    if _ONE_MORE_TIME.search(norm, max(0, m.start() - 80), m.start()) and _LAUGHING.search(norm):
        return "hyperbole"
    said = set(_WORD.findall(m.group(0)))
    if not said & lex.FIRST_PERSON and set(before) & lex.THIRD_PERSON and not set(before) & lex.FIRST_PERSON:
        return "reported"
    return "self"


def _scale(norm: str) -> tuple[float, str] | None:
    """The reply's 1-5 rating, if it gives one: (value, reason). The last mention wins ("3, more like a 2")."""
    # One cheap search spares three costly ones for most replies.
    if not (_DIGIT.search(norm) or (_NUMBER_WORD.search(norm) and _ANY_NUMBER.search(norm))):
        return None
    mentions: list[tuple[int, float, str]] = []
    taken: list[tuple[int, int]] = []  # spans read already, so an article does not count their number again
    for m in _FRACTION.finditer(norm):
        value, out_of = _number(m.group(1)), _number(m.group(2))
        rated = value / 2 if out_of == 10 else value
        mentions.append((m.start(), min(max(rated, 1.0), 5.0), f"scale:{_fmt(rated)}"))
        taken.append(m.span())
    stripped = norm.strip()
    lead = _LEADING.match(stripped)
    if lead and (lead.group(1)[0].isdigit() or _AFTER_NUMBER_WORD.match(stripped, lead.end())) \
            and not (lead.group(1) == "1" and lead.group(2) == "5"):  # "1-5? im a 0": the question's range
        low, high = _number(lead.group(1)), _number(lead.group(2)) if lead.group(2) else None
        value = (low + high) / 2 if high is not None else low
        if not any(start == 0 for start, _, _ in mentions):
            mentions.append((0, value, f"scale:{_fmt(value)}"))
        taken.append((0, lead.end() + len(norm) - len(norm.lstrip())))
    for m in _ARTICLE.finditer(norm):
        if not any(start <= m.start(1) < end for start, end in taken):
            mentions.append((m.start(), _number(m.group(1)), f"scale:{_fmt(_number(m.group(1)))}"))
    for m in _LOW_HIGH.finditer(norm):  # "low 3", "a high 2": half a point either way
        if m.group(1) == "high" and m.group(2) == "5":  # a high five
            continue
        value = _number(m.group(2)) + (-0.5 if m.group(1) == "low" else 0.5)
        mentions.append((m.start(2), value, f"scale:{_fmt(value)}"))
    trailing = _TRAILING.search(norm, max(0, len(norm) - 40))  # it closes the reply: only its tail is read
    if trailing and (trailing.group(1) or trailing.group(2) not in _NOT_BEFORE_RATING):
        group = 1 if trailing.group(1) else 3
        if not any(start <= trailing.start(group) < start + 4 for start, _, _ in mentions):  # not the same mention
            value = _number(trailing.group(group))
            mentions.append((trailing.start(group), value, f"scale:{_fmt(value)}"))
    kept = []
    for start, value, reason in mentions:
        negated = _NEGATED_RATING.search(norm, max(0, start - 24), start)
        if negated is None:
            kept.append((start, value, reason))
        elif (negated.group(1) or negated.group(2)) and value - 0.5 <= LOW_UP_TO:  # "not even a 2", "hardly a 3"
            kept.append((start, max(value - 0.5, 1.0), f"scale:below_{_fmt(value)}"))
    if not kept:
        return None
    _, value, reason = max(kept)
    if value > 5:
        return (value, f"scale_out_of_range:{_fmt(value)}")
    # Zero is below the scale, not off it: the lowest answer she could give.
    return (max(value, 1.0), reason)


def _number(token: str) -> float:
    # Not `.get(token) or float(token)`: "zero" maps to 0.0, which is falsy.
    return _WORDS_AS_NUMBERS[token] if token in _WORDS_AS_NUMBERS else float(token)


def _fmt(value: float) -> str:
    return f"{value:g}"


def _with_scale(scale: tuple[float, str], words: float | None, word_reasons: list[str], text: str) -> Mood:
    value, reason = scale
    reasons = (reason, *word_reasons)
    if reason.startswith("scale_out_of_range"):
        if words is None:
            return Mood(UNCLEAR, None, reasons)
        return _from_words(words, [reason, *word_reasons])
    if value <= LOW_UP_TO:
        return Mood(LOW, value, reasons)
    if value >= OK_FROM:
        overruled = words is not None and words <= OVERRULE_HIGH_SCALE
        return Mood(LOW if overruled else OK, value, reasons)
    if words is None:
        compound = _vader()(text)
        if compound <= -0.3:
            return Mood(LOW, value, (*reasons, f"vader:{compound:.2f}"))
        return Mood(OK, value, reasons)
    return Mood(LOW if words <= -WORDS_THRESHOLD else OK, value, reasons)


def _words(norm: str) -> tuple[float, list[str], bool]:
    """Sum of the lexicon's weights, with negation, contrast ("tired but happy") and sarcasm."""
    parts = _CONTRAST.split(norm) if _CONTRAST_WORD.search(norm) else [norm]
    found = [_part_hits(part) for part in parts]
    marked = bool(_SARCASM.search(norm))
    if not any(found):  # no lexicon word at all, as in a third of replies: nothing to weigh
        return (SARCASM_ALONE, ["lexicon:sarcasm"], True) if marked else (0.0, [], False)
    any_positive = any(value > 0 for hits in found for _, value in hits)
    # Sarcasm turns the positive words of its own clause into complaints ("so fun 🙃", but not the
    # "honestly were ok" after a "but"); with none to turn ("living the dream 🙃") the marker is
    # the complaint. Hedges only change positive words: most replies skip them.
    sarcastic_parts = {i for i, part in enumerate(parts) if _SARCASM.search(part)} if marked and any_positive else set()
    sarcastic = any(value > 0 for i in sarcastic_parts for _, value in found[i])
    hedged = any_positive and bool(_HEDGE.search(norm))
    weighted: list[tuple[str, float]] = []
    for i, hits in enumerate(found):
        # Like VADER: what follows the last "but" counts three times what came before it.
        weight = 1.0 if len(parts) == 1 else (1.5 if i == len(parts) - 1 else 0.5)
        for name, value in hits:
            if value > 0 and (i in sarcastic_parts or (hedged and name == "ok")):
                value, name = -max(value, 0.5), f"grudging_{name}"
            weighted.append((name, value * weight))
    if marked and not any_positive:
        weighted.append(("sarcasm", SARCASM_ALONE))
    positive = any(v > 0 for name, v in weighted if name != "laughing")  # "wont stop crying lol" is not happy tears
    # Crying next to anything positive is happy tears ("first steps 😭😭 so proud").
    if positive and any(name == "crying" for name, _ in weighted):
        total = sum(v * 0.25 if name == "crying" else v for name, v in weighted)
    else:
        total = sum(v for _, v in weighted)
    reasons = list(dict.fromkeys(f"lexicon:{name}" for name, _ in weighted))
    if sarcastic:
        reasons.append("lexicon:sarcasm")
    return total, reasons, bool(weighted)


def _part_hits(part: str) -> list[tuple[str, float]]:
    """(reason, weight) for each lexicon phrase, word, emoji and emoticon in one clause group."""
    found: list[tuple[str, float]] = []
    pieces: list[str] = []
    prev = 0
    for m in _PHRASES.finditer(part):
        name, value, _, _ = lex.LEXICON[int(_PHRASE_ENTRY[(m.lastindex or 1) - 1])]
        found.append(_negated(name, value, _WORD.findall(_PUNCT_SPLIT.split(part[max(0, m.start() - 30):m.start()])[-1])))
        # The phrase's own words must not count again ("could be better" is not "better").
        pieces += (part[prev:m.start()], " _ ")
        prev = m.end()
    tokens = _TOKEN.findall("".join(pieces) + part[prev:] if pieces else part)
    # The lexicon's words found by map (in C); only those are walked in Python.
    for i in compress(range(len(tokens)), map(_SINGLE_WORDS.__contains__, tokens)):
        before = tokens[max(0, i - 3):i]
        found.append(_negated(*_SINGLE_WORDS[tokens[i]], before[next((j + 1 for j in range(len(before) - 1, -1, -1) if before[j] in _BREAKS), 0):]))
    if not part.isascii():
        found += [lex.EMOJI[e] for e in dict.fromkeys(_EMOJI.findall(part))]
    if ":" in part or "<3" in part or "):" in part:
        found += [(e, lex.EMOTICONS[e]) for e in dict.fromkeys(_EMOTICON.findall(part))]
    return found


def _negated(name: str, value: float, before: list[str]) -> tuple[str, float]:
    """How a word counts after the words before it: as it is, softened, or turned by a negation."""
    if name == "laughing":  # "nothing new haha" is still a laugh
        return name, value
    last = before[-3:]
    if value < 0 and not _SOFTENERS.isdisjoint(last):  # "a bit tired", "just tired", "a bit of a panic"
        return name, value * 0.5
    if not lex.WORD_NEGATIONS.isdisjoint(last):
        # "not bad" is milder praise than "good"; "not good" is as low as "bad".
        return f"not_{name}", -value * (0.5 if value < 0 else 1.0)
    return name, value


def _from_words(total: float, reasons: list[str]) -> Mood:
    estimate = round(min(max(3 + 2 * total, 1.0), 5.0), 2)
    if total <= -WORDS_THRESHOLD:
        return Mood(LOW, estimate, tuple(reasons))
    if total >= WORDS_THRESHOLD:
        return Mood(OK, estimate, tuple(reasons))
    return Mood(UNCLEAR, None, (*reasons, "unclear:mixed"))


def _question(text: str, word_reasons: list[str]) -> Mood:
    """A question is asked back to her (unclear), unless VADER finds it strongly negative:
    "why am i such a disaster?" is a complaint in the shape of a question."""
    compound = _vader()(text)
    if compound <= VADER_STRONG_LOW:
        return Mood(LOW, round(3 + 2 * compound, 2), (*word_reasons, "question", f"vader:{compound:.2f}"))
    return Mood(UNCLEAR, None, ("unclear:question",))


def _shrug(text: str, words: float, word_reasons: list[str]) -> Mood:
    """"Fine" and "ok" are the mildest praise, and often a shrug before the news ("ok. the
    car died on the highway"): when VADER finds the reply strongly negative, it decides.
    Not for "could be worse" and the like, whose negative words VADER would misread."""
    compound = _vader()(text)
    if compound <= VADER_STRONG_LOW:
        return _vader_mood(compound, word_reasons)
    return _from_words(words, word_reasons)


def _from_vader(text: str, word_reasons: list[str] | None = None) -> Mood:
    return _vader_mood(_vader()(text), word_reasons)


def _vader_mood(compound: float, word_reasons: list[str] | None) -> Mood:
    reason = (*(word_reasons or ()), f"vader:{compound:.2f}")
    estimate = round(3 + 2 * compound, 2)
    if compound <= VADER_LOW:
        return Mood(LOW, estimate, reason)
    if compound >= VADER_OK:
        return Mood(OK, estimate, reason)
    return Mood(UNCLEAR, None, (*reason, "unclear:no_signal"))


_compound: Compound | None = None
_model: mood_model.Model | None = None


def _load_model() -> mood_model.Model:
    global _model
    _model = mood_model.model()
    return _model


def _vader() -> Compound:
    # Built on first use: loading VADER's lexicon is the one slow step, and importing
    # this module must stay cheap for the web process and the tests.
    global _compound
    if _compound is None:
        _compound = Compound()
    return _compound
