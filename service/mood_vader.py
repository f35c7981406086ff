"""VADER's compound score, and nothing else VADER computes.

The mood scorer needs one number from VADER: `polarity_scores(text)["compound"]`.
`polarity_scores` also builds the pos/neu/neg shares, walks every character in Python
to swap emoji for words, and sends every word through its full valence rules even when
the word is not in its lexicon. Those words always score 0, so skipping them, skipping
the character walk for ASCII text (VADER's emoji table has no ASCII key) and skipping
the shares gives the very same compound in well under half the time. Every rule that can
change a lexicon word's valence still runs in VADER's own code, except two checks that
lower-case the whole reply again for every lexicon word they look at: `_lean_checks`
rewrites them to lower-case only the few words they read (same logic as vaderSentiment 3.3.2,
MIT licence, (c) C.J. Hutto). Tests compare the result with plain `polarity_scores` on a
table and on generated text, so an upgrade of vaderSentiment that breaks this is caught.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


class Compound:
    def __init__(self) -> None:
        # Imported here: loading VADER's lexicon is the one slow step, and importing the
        # mood module must stay cheap for the web process and the tests.
        from vaderSentiment import vaderSentiment as vader

        self._vader = vader
        self._analyzer: SentimentIntensityAnalyzer = vader.SentimentIntensityAnalyzer()
        # Instance attributes win over the class's static methods, and sentiment_valence
        # calls them through self.
        negation_check, special_idioms_check = _lean_checks(vader)
        self._analyzer._negation_check = negation_check  # type: ignore[method-assign]
        self._analyzer._special_idioms_check = special_idioms_check  # type: ignore[method-assign]
        # polarity_scores looks emoji up one character at a time: longer keys never match.
        self._emoji = frozenset(k for k in self._analyzer.emojis if len(k) == 1)

    def __call__(self, text: str) -> float:
        vader, analyzer = self._vader, self._analyzer
        text = self._emoji_as_words(text).strip()
        sentitext = vader.SentiText(text)
        words = sentitext.words_and_emoticons
        lexicon, boosters = analyzer.lexicon, vader.BOOSTER_DICT
        last = len(words) - 1
        sentiments: list[float] = []
        for i, item in enumerate(words):
            lower = item.lower()
            if lower not in lexicon or lower in boosters or (
                    lower == "kind" and i < last and words[i + 1].lower() == "of"):
                sentiments.append(0)
            else:
                sentiments = analyzer.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = analyzer._but_check(words, sentiments)
        if not sentiments:
            return 0.0
        total = float(sum(sentiments))
        emphasis = analyzer._punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        return round(vader.normalize(total), 4)

    def _emoji_as_words(self, text: str) -> str:
        """polarity_scores' emoji step: each emoji becomes its description, with a space
        before it unless the character before it was a space (none after it)."""
        if text.isascii() or self._emoji.isdisjoint(text):
            return text
        emoji, out, prev_space = self._analyzer.emojis, [], True
        for char in text:
            if char in self._emoji:
                out.append(emoji[char] if prev_space else " " + emoji[char])
                prev_space = False
            else:
                out.append(char)
                prev_space = char == " "
        return "".join(out)


def _lean_checks(vader: ModuleType) -> tuple[Callable[..., float], Callable[..., float]]:
    """VADER's _negation_check and _special_idioms_check, reading only the words they need."""
    negate, n_scalar, special, boosters = frozenset(vader.NEGATE), vader.N_SCALAR, vader.SPECIAL_CASES, vader.BOOSTER_DICT

    def negated(word: str) -> bool:  # vader.negated([word]), with a set instead of a walk through a list
        word = word.lower()
        return word in negate or "n't" in word

    def negation_check(valence: float, words: list[str], start_i: int, i: int) -> float:
        w1 = str(words[i - 1]).lower()
        if start_i == 0:
            if negated(w1):
                valence = valence * n_scalar
        if start_i == 1:
            w2 = str(words[i - 2]).lower()
            if w2 == "never" and (w1 == "so" or w1 == "this"):
                valence = valence * 1.25
            elif w2 == "without" and w1 == "doubt":
                pass
            elif negated(w2):
                valence = valence * n_scalar
        if start_i == 2:
            w2, w3 = str(words[i - 2]).lower(), str(words[i - 3]).lower()
            if w3 == "never" and (w2 == "so" or w2 == "this") or (w1 == "so" or w1 == "this"):
                valence = valence * 1.25
            elif w3 == "without" and (w2 == "doubt" or w1 == "doubt"):
                pass
            elif negated(w3):
                valence = valence * n_scalar
        return valence

    def special_idioms_check(valence: float, words: list[str], i: int) -> float:
        w0, w1, w2, w3 = (str(words[k]).lower() for k in (i, i - 1, i - 2, i - 3))
        onezero, twoonezero, twoone = f"{w1} {w0}", f"{w2} {w1} {w0}", f"{w2} {w1}"
        threetwoone, threetwo = f"{w3} {w2} {w1}", f"{w3} {w2}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in special:
                valence = special[seq]
                break
        if len(words) - 1 > i:
            zeroone = f"{w0} {str(words[i + 1]).lower()}"
            if zeroone in special:
                valence = special[zeroone]
        if len(words) - 1 > i + 1:
            zeroonetwo = f"{w0} {str(words[i + 1]).lower()} {str(words[i + 2]).lower()}"
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in boosters:
                valence = valence + boosters[n_gram]
        return valence

    return negation_check, special_idioms_check
