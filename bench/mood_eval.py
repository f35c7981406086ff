"""Evaluate service.mood on our replies and, when present, on other people's words.

Run from the repo root: python bench/mood_eval.py
Prints, for the tuning part, the held-out part, the probes, the eleventh batch and the two blind parts separately: precision/recall/F1 for
crisis and for low-or-crisis, the confusion matrix, crisis recall by the rules alone (without the
learned second opinion, service.mood_model), the misclassified replies, speed as a
ratio against plain VADER on the same texts in the same run. Then aggregate figures (never
texts) on ../shared/mood-data beside plain VADER. The last line is the headline.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from service import mood  # noqa: E402

LABELS = ("crisis", "low", "ok")
PREDICTED = ("crisis", "low", "ok", "unclear")
ALERTING = {"crisis", "low"}


@dataclass(frozen=True)
class Rates:
    precision: float
    recall: float
    f1: float


def rates(pairs: list[tuple[str, str]], positive: set[str]) -> Rates:
    tp = sum(1 for truth, got in pairs if truth in positive and got in positive)
    fp = sum(1 for truth, got in pairs if truth not in positive and got in positive)
    fn = sum(1 for truth, got in pairs if truth in positive and got not in positive)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Rates(precision, recall, f1)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def one_pass(fn: Callable[[str], object], texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - start


def speed(texts: list[str], rounds: int = 31) -> tuple[float, float, float]:
    """Replies scored per second, and our time over plain VADER's on the same texts, for the whole
    scorer and for the rules alone.

    The three are timed in alternation and the best round of each kept, so a burst of
    load from another process on the machine hits all three rather than skewing the ratios.
    """
    vader = SentimentIntensityAnalyzer().polarity_scores
    mood.score("warm up")  # builds the scorer's own VADER once, as in a running worker
    ours, rules, theirs = float("inf"), float("inf"), float("inf")
    for _ in range(rounds):
        ours = min(ours, one_pass(mood.score, texts))
        rules = min(rules, one_pass(mood.score_rules, texts))
        theirs = min(theirs, one_pass(vader, texts))
    return len(texts) / ours, ours / theirs, rules / theirs


def report_part(name: str, rows: list[dict[str, str]]) -> tuple[Rates, Rates]:
    pairs = [(row["label"], mood.score(row["text"]).level) for row in rows]
    crisis, alerting = rates(pairs, {"crisis"}), rates(pairs, ALERTING)
    counts = Counter(pairs)
    print(f"\n== {name}: {len(rows)} replies ({dict(Counter(r['label'] for r in rows))})")
    print(f"crisis:        precision={crisis.precision:.2f} recall={crisis.recall:.2f} f1={crisis.f1:.2f}")
    print(f"low-or-crisis: precision={alerting.precision:.2f} recall={alerting.recall:.2f} f1={alerting.f1:.2f}")
    print(f"crisis scored ok: {counts[('crisis', 'ok')]}")
    rules = Counter((row["label"] == "crisis", mood.score_rules(row["text"]).level) for row in rows)
    crisis_rows = sum(n for (is_crisis, _), n in rules.items() if is_crisis)
    if crisis_rows:
        print(f"the rules alone (without the learned second opinion): crisis recall={rules[(True, 'crisis')] / crisis_rows:.2f}, "
              f"crisis scored ok: {rules[(True, 'ok')]}, other replies called a crisis: {rules[(False, 'crisis')]}")
    unclear_alerting = sum(counts[(t, 'unclear')] for t in ALERTING)
    print(f"unclear: {sum(counts[(t, 'unclear')] for t in LABELS)} in all, {unclear_alerting} on low/crisis rows "
          "(counted as missed above; the product asks a follow-up)")
    print("confusion (rows: label, columns: scored):")
    print("          " + "".join(f"{p:>9}" for p in PREDICTED))
    for truth in LABELS:
        print(f"{truth:>9} " + "".join(f"{counts[(truth, p)]:>9}" for p in PREDICTED))
    print("misclassified:")
    for row, (truth, got) in zip(rows, pairs):
        if truth != got:
            print(f"  {truth:>6} -> {got:<7} {row['text']!r}  {mood.score(row['text']).reasons}")
    per_second, ratio, rules_ratio = speed([row["text"] for row in rows])
    print(f"replies scored per second: {per_second:,.0f}")
    print(f"time ratio vs VADER: {ratio:.2f} (the rules alone: {rules_ratio:.2f})")
    return crisis, alerting


def mood_data_dir() -> Path:
    return Path(os.environ.get("MOOD_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "mood-data")


def external_sets(folder: Path) -> Iterable[tuple[str, list[dict[str, str]]]]:
    tweets = folder / "vader_tweets_mood.csv"
    if tweets.exists():
        yield "VADER tweets", read_csv(tweets)
    goemotions = folder / "goemotions_test_mood.csv"
    if goemotions.exists():
        # Mixed and outward-negative comments are neither low mood nor clearly fine.
        yield "GoEmotions", [r for r in read_csv(goemotions) if r["label"] in ("low", "ok")]


def report_external(name: str, rows: list[dict[str, str]], vader: Callable[[str], dict[str, float]]) -> None:
    """Aggregate numbers only: these texts must never be printed or copied."""
    levels = [mood.score(r["text"]).level for r in rows]
    vader_low = [vader(r["text"])["compound"] <= -0.05 for r in rows]
    ok_rows = [i for i, r in enumerate(rows) if r["label"] == "ok"]
    low_rows = [i for i, r in enumerate(rows) if r["label"] == "low"]

    def share(indices: list[int], test: Callable[[int], bool]) -> float:
        return sum(1 for i in indices if test(i)) / len(indices) if indices else 0.0

    print(f"  {name}: {len(ok_rows)} ok, {len(low_rows)} low")
    rules = [mood.score_rules(rows[i]["text"]).level for i in ok_rows]
    print(f"    ok texts called crisis: {share(ok_rows, lambda i: levels[i] == 'crisis'):.2%} (target <= 1%; "
          f"the rules alone {sum(1 for level in rules if level == 'crisis') / len(rules) if rules else 0.0:.2%})")
    print(f"    low caught (recall):    mood={share(low_rows, lambda i: levels[i] in ALERTING):.2%}  "
          f"VADER={share(low_rows, lambda i: vader_low[i]):.2%}")
    print(f"    ok texts alerting:      mood={share(ok_rows, lambda i: levels[i] in ALERTING):.2%}  "
          f"VADER={share(ok_rows, lambda i: vader_low[i]):.2%}")
    print(f"    unclear:                low={share(low_rows, lambda i: levels[i] == 'unclear'):.2%}  "
          f"ok={share(ok_rows, lambda i: levels[i] == 'unclear'):.2%}")


def report_mood_data() -> None:
    folder = mood_data_dir()
    if not folder.is_dir():
        print(f"\n== mood-data: {folder} not found, skipped")
        return
    print("\n== mood-data (other people's words, aggregate figures only; VADER = compound <= -0.05 is low)")
    vader = SentimentIntensityAnalyzer().polarity_scores
    for name, rows in external_sets(folder):
        report_external(name, rows, vader)
        report_external(f"{name}, first_person", [r for r in rows if r["first_person"] == "True"], vader)
        _, ratio, rules_ratio = speed([r["text"] for r in rows[:1000]])
        print(f"    time ratio vs VADER ({name}, first 1,000 texts): {ratio:.2f} (the rules alone: {rules_ratio:.2f})")


def report_worst_case() -> None:
    """Long repetitive replies are where a regex could backtrack badly: time the worst ones."""
    units = ["not ", "i want to ", "2/5 meh ", "😭🙃💊", "a" * 7 + " ", "so tired but happy, ", "...!!??"]
    worst = 0.0
    for unit in units:
        text = (unit * 1600)[:1600]
        start = time.perf_counter()
        mood.score(text)
        worst = max(worst, time.perf_counter() - start)
    print(f"\n== worst case: a 1,600-character repetitive reply scored in {worst * 1000:.1f} ms at most")


def main() -> None:
    data = ROOT / "tests" / "data"
    report_part("tuning (tests/data/replies.csv)", read_csv(data / "replies.csv"))
    if "--tuning-only" in sys.argv:  # while tuning rules, so the held-out rows stay unseen
        report_mood_data()
        return
    crisis, alerting = report_part("held-out (tests/data/replies_holdout.csv)", read_csv(data / "replies_holdout.csv"))
    # Replies written by helpers who never saw the rules. The probes were then used to tune them (the
    # earlier blind batches among them); the blind file (the eleventh batch) was first scored at d1390e5,
    # only its summary is read, and it is not tuned on.
    # Our own held-out replies were written by the people who wrote the rules, and score far better.
    report_part("probes, written blind to the rules, then tuned on (tests/data/replies_probes.csv)",
                read_csv(data / "replies_probes.csv"))
    # The eleventh batch was the blind part from d1390e5 on; the learned second opinion has learned from
    # it since 2026-12-02 (scripts/train_mood_model.py, FILES), so its figures are no longer a blind measure.
    report_part("the eleventh batch, blind until the model learned from it (tests/data/replies_blind.csv)",
                read_csv(data / "replies_blind.csv"))
    # The twelfth batch, written on 2026-12-02 and first scored at 742c2f0 with the rules alone; its
    # aggregate figures were looked at while the learned second opinion's form was chosen.
    blind12_crisis, blind12_alerting = report_part("blind, the twelfth batch, never tuned on (tests/data/replies_blind12.csv)",
                                                   read_csv(data / "replies_blind12.csv"))
    # The thirteenth, first scored at be1d8cb: nothing was chosen by it.
    blind13_crisis, blind13_alerting = report_part("blind, the thirteenth batch, never tuned on (tests/data/replies_blind13.csv)",
                                                   read_csv(data / "replies_blind13.csv"))
    report_mood_data()
    report_worst_case()
    print(f"\nmood_eval: heldout crisis recall={crisis.recall:.2f}, "
          f"low-or-crisis recall={alerting.recall:.2f}, precision={alerting.precision:.2f}; "
          f"blind (twelfth batch) crisis recall={blind12_crisis.recall:.2f}, "
          f"low-or-crisis recall={blind12_alerting.recall:.2f}, precision={blind12_alerting.precision:.2f}; "
          f"blind (thirteenth batch) crisis recall={blind13_crisis.recall:.2f}, "
          f"low-or-crisis recall={blind13_alerting.recall:.2f}, precision={blind13_alerting.precision:.2f}")


if __name__ == "__main__":
    main()
