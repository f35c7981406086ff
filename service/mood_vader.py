"""VADER's compound score, and nothing else VADER computes.

The mood scorer needs one number from VADER: `polarity_scores(text)["compound"]`.
`polarity_scores` also builds the pos/neu/neg shares, walks every character in Python
to swap emoji for words, and sends every word through its full valence rules even when
the word is not in its lexicon. Those words always score 0, so skipping them, skipping
the character walk for ASCII text (VADER's emoji table has no ASCII key) and skipping
the shares gives the very same compound for about half the time. Every rule that can
change a lexicon word's valence still runs in VADER's own code; tests compare the two
on generated text so that an upgrade of vaderSentiment that breaks this is caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


class Compound:
    def __init__(self) -> None:
        # Imported here: loading VADER's lexicon is the one slow step, and importing the
        # mood module must stay cheap for the web process and the tests.
        from vaderSentiment import vaderSentiment as vader

        self._vader = vader
        self._analyzer: SentimentIntensityAnalyzer = vader.SentimentIntensityAnalyzer()
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
