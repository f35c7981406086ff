"""Learn service/mood_model.json, the scorer's second opinion on crisis, from our own labelled replies.

Run from the repo root: python scripts/train_mood_model.py [--check]

Learns from the files in FILES (our tuning replies, the probes, the eleventh blind batch once it
had served as a measure, the veiled crisis replies and the ordinary ones); never from the
held-out file or the twelfth and thirteenth blind batches, which stay a measure. Prints a 10-fold
cross-validation of the whole scorer (rules, then this model) over the probes and the files after
them, and chooses the threshold from it: the lowest at which no more than 1 in 1,000 of the
non-crisis replies it is shown would be called a crisis, since calling an ordinary reply a crisis
sends her crisis lines and her buddies an urgent alert. With --check it writes nothing and exits 1
when the stored file differs from what it would write (tests/unit/test_mood_model.py runs it, so the
weights cannot drift from the data).
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from service import mood  # noqa: E402
from service.mood_model import WEIGHTS, Model, features, reads  # noqa: E402

DATA = ROOT / "tests" / "data"
FILES = ("replies.csv", "replies_probes.csv", "replies_blind.csv", "replies_veiled.csv", "replies_ordinary.csv")
MIN_COUNT = 2  # a word or pair seen once is that reply's, not a sign
ALPHA = 1.0  # add-one smoothing
MAX_FALSE_CRISIS = 0.001
FOLDS = 10


def read(name: str) -> list[tuple[str, bool]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return [(row["text"], row["label"] == "crisis") for row in csv.DictReader(f)]


def train(rows: list[tuple[str, bool]]) -> tuple[float, dict[str, float]]:
    counts = {True: Counter(), False: Counter()}
    totals = Counter(crisis for _, crisis in rows)
    for text, crisis in rows:
        counts[crisis].update(features(mood.normalise(text)))
    weights = {}
    for feature in counts[True].keys() | counts[False].keys():
        seen_crisis, seen_other = counts[True][feature], counts[False][feature]
        if seen_crisis + seen_other < MIN_COUNT:
            continue
        odds = math.log(((seen_crisis + ALPHA) / (totals[True] + 2 * ALPHA))
                        / ((seen_other + ALPHA) / (totals[False] + 2 * ALPHA)))
        weights[feature] = round(odds, 3)
    return round(math.log(totals[True] / totals[False]), 3), weights


def cross_validate(base: list[tuple[str, bool]], held_out: list[list[tuple[str, bool]]]) -> list[tuple[float, bool, str]]:
    """(log-odds, is crisis, the rules' level) for every reply of the held_out files, each scored by a
    model trained without its tenth of every one of them."""
    out = []
    for i in range(FOLDS):
        held, rest = [], list(base)
        for rows in held_out:
            size = math.ceil(len(rows) / FOLDS)
            held += rows[i * size:(i + 1) * size]
            rest += rows[:i * size] + rows[(i + 1) * size:]
        prior, weights = train(rest)
        m = Model(prior, weights, 0.0)
        for text, crisis in held:
            rules = mood.score_rules(text)
            # A crisis word the rules found negated or about someone else is never moved (service.mood.score).
            level = "softened" if mood.read_as_someone_elses(rules) else rules.level
            norm = mood.normalise(text)
            out.append((m.log_odds(norm) if reads(norm) else -math.inf, crisis, level))
    return out


def choose_threshold(scored: list[tuple[float, bool, str]]) -> float:
    others = [(odds, level) for odds, crisis, level in scored if not crisis]
    for step in range(0, 200):
        threshold = step / 2
        false = sum(1 for odds, level in others if level in (mood.LOW, mood.UNCLEAR) and odds >= threshold)
        if false <= MAX_FALSE_CRISIS * len(others):
            return threshold
    return 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file; write nothing")
    args = parser.parse_args()
    tuning, *rest = (read(name) for name in FILES)
    scored = cross_validate(tuning, rest)
    threshold = choose_threshold(scored)
    everything = tuning + [row for rows in rest for row in rows]
    prior, weights = train(everything)
    content = json.dumps({"threshold": threshold, "prior": prior, "weights": dict(sorted(weights.items()))},
                         ensure_ascii=False, indent=0) + "\n"
    if args.check:
        same = WEIGHTS.exists() and WEIGHTS.read_text(encoding="utf-8") == content
        print("service/mood_model.json matches its data" if same else "service/mood_model.json is stale: run scripts/train_mood_model.py")
        return 0 if same else 1
    crisis = [(odds, level) for odds, c, level in scored if c]
    caught = sum(1 for odds, level in crisis
                 if level == mood.CRISIS or (level in (mood.LOW, mood.UNCLEAR) and odds >= threshold))
    missed_ok = sum(1 for odds, level in crisis if level == mood.OK and odds < threshold)
    others = [(odds, level) for odds, c, level in scored if not c]
    raised = sum(1 for odds, level in others if level in (mood.LOW, mood.UNCLEAR) and odds >= threshold)
    lowered = sum(1 for odds, level in others if level == mood.OK and odds >= threshold)
    print(f"trained on {len(everything)} replies; {len(weights)} words and pairs")
    print(f"10-fold cross-validation over {', '.join(FILES[1:])} ({len(scored)} replies): threshold {threshold}: crisis caught "
          f"{caught}/{len(crisis)} (rules alone {sum(1 for _, level in crisis if level == mood.CRISIS)}), "
          f"{missed_ok} left ok (rules alone {sum(1 for _, level in crisis if level == mood.OK)}); "
          f"other replies called a crisis {raised}/{len(others)}, ok ones made low {lowered}")
    WEIGHTS.write_text(content, encoding="utf-8")
    print(f"wrote {WEIGHTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
