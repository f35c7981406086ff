"""A second opinion on crisis: word statistics learned from our own labelled replies.

The phrase rules in service.mood catch what they were shown and little of the next writer's new
way of hinting (README, "Mood scoring"). This is a naive Bayes log-odds over the content words
and word pairs of a reply, learned by `scripts/train_mood_model.py` from the replies in tests/data
that it names (never from the held-out file or the blind batches still used as a measure) and
stored in service/mood_model.json. service.mood asks it only after its own
rules found no crisis, and only moves a reply one step: a low or unclear reply whose words read
like the crisis replies becomes a crisis, an ok one becomes low so that a person looks.

Pure Python, no web or queue imports. Input is text already normalised by service.mood.normalise.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from itertools import repeat
from pathlib import Path

WEIGHTS = Path(__file__).with_name("mood_model.json")
# Shorter replies ("5", "rough day tbh") carry too few words to weigh: the rules read them alone.
# Without this gate the model would move none of the shorter replies in tests/data (a unit test checks),
# and it spares most replies its cost.
MIN_WORDS = 6

_WORD = re.compile(r"[a-z]+")
# Words too common to carry a mood on their own: NLTK's English stopword list, spelled as
# service.mood.normalise leaves them ("wouldnt", "youve"), with our own "im", "ive", "id", "cant".
# Pairs of them still count where one word is not on it ("without me" is; "if i" is not).
STOPWORDS = frozenset("""
i me my myself we our ours ourselves you youre youve youll youd your yours yourself yourselves he him his
himself she shes her hers herself it its itself they them their theirs themselves what which who whom this
that thatll these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during before after
above below to from up down in out on off over under again further then once here there when where why how
all any both each few more most other some such no nor not only own same so than too very s t can will just
don dont should shouldve now d ll m o re ve y ain aren arent couldn couldnt didn didnt doesn doesnt hadn
hadnt hasn hasnt haven havent isn isnt ma mightn mightnt mustn mustnt needn neednt shan shant shouldn
shouldnt wasn wasnt weren werent won wont wouldn wouldnt im ive id cant
""".split())


def features(norm: str) -> set[str]:
    """Content words, and each pair of neighbouring words that is not two stopwords."""
    words = _WORD.findall(norm)
    found = {w for w in words if w not in STOPWORDS}
    found.update(f"{a} {b}" for a, b in zip(words, words[1:]) if a not in STOPWORDS or b not in STOPWORDS)
    return found


# The words of features() in bytes, three times faster than _WORD.findall: every byte but a-z
# (non-ASCII letters' bytes included) becomes a space, so the split gives the same words.
_LETTERS_ONLY = bytes(c if 97 <= c <= 122 else 32 for c in range(256))


class Model:
    def __init__(self, prior: float, weights: dict[str, float], threshold: float) -> None:
        self.prior, self.threshold = prior, threshold
        # Looked up as words and pairs of words in bytes, by map: scoring builds no strings, since
        # the scorer's speed is measured against VADER's.
        self.words: dict[bytes, float] = {}
        self.pairs: dict[tuple[bytes, bytes], float] = {}
        for feature, weight in weights.items():
            first, _, second = feature.encode().partition(b" ")
            if second:
                self.pairs[(first, second)] = weight
            else:
                self.words[first] = weight

    def log_odds(self, norm: str) -> float:
        """How much more the reply's words are like the crisis replies' than the others' (0 = no lean);
        each word and pair counts once, however often it is repeated."""
        words = norm.encode().translate(_LETTERS_ONLY).split()
        unique = set(words)
        # With no word repeated no pair is either, and the set can be skipped.
        pairs = zip(words, words[1:]) if len(unique) == len(words) else set(zip(words, words[1:]))
        return self.prior + sum(map(self.words.get, unique, repeat(0.0))) + sum(map(self.pairs.get, pairs, repeat(0.0)))

    def crisis_like(self, norm: str) -> bool:
        return reads(norm) and self.log_odds(norm) >= self.threshold


def reads(norm: str) -> bool:
    """Whether the reply is long enough for the model to weigh (MIN_WORDS)."""
    return len(norm.split()) >= MIN_WORDS


@lru_cache(maxsize=1)
def model() -> Model:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    return Model(data["prior"], data["weights"], data["threshold"])
