"""Every text fits one SMS segment where it can; the test prints each template's count."""
from __future__ import annotations

import string

import pytest

from service.texts import TEMPLATE_DIR, day_turn, render, segments, template_kinds, variants

SAMPLE = {"name": "Alexandrina", "buddy": "Maximiliana", "member": "Alexandrina", "time": "10:30pm",
          "line": "call or text 988 (Suicide & Crisis Lifeline)", "emergency": "911", "told": " I've let Maximiliana know too.",
          "contact": "help@village.example", "member_id": "123456", "words": "x" * 20,
          "until": "until Monday", "zone": "America/Los_Angeles", "days": "Mon, Wed, Fri",
          "list": "Maximiliana (agreed), Josephine (invited)", "reason": "they asked not to be texted",
          "list_short": "x", "level": "crisis", "others": "Josephine", "score": "4.5", "when": "at 12:30pm your time", "next": "Josephine", "other": "Josephine",
          "phone": "+1 202-555-0143 on WhatsApp"}


def test_every_template_renders_and_fits_one_segment_where_it_can(capsys: pytest.CaptureFixture[str]) -> None:
    report = []
    for kind in template_kinds():
        names = {m[1] or m[2] for m in string.Template.pattern.findall((TEMPLATE_DIR / f"{kind}.txt").read_text())}
        for variant in range(variants(kind)):
            text = render(kind, variant=variant, **{n: SAMPLE[n] for n in names if n})
            encoding, count = segments(text)
            report.append((kind if not variant else f"{kind} #{variant + 1}", encoding, len(text), count))
    with capsys.disabled():
        print("\ntemplate segments:")
        for kind, encoding, length, count in report:
            print(f"  {kind:24} {encoding:6} {length:4} chars  {count} segment(s)")
    # alert_low_words quotes her words and crisis_reply carries a phone line: those may take two.
    too_long = [r for r in report if r[3] > 1 and r[0].split()[0] not in ("alert_low_words", "crisis_reply")]
    assert too_long == []


def test_rendering_replaces_typographic_characters_with_gsm_ones() -> None:
    assert segments("It’s — “fine”")[0] == "UCS-2"
    assert segments(render("reply_ok", name="Ana"))[0] == "GSM-7"


def test_a_missing_value_is_an_error_not_a_literal_placeholder() -> None:
    with pytest.raises(KeyError):
        render("checkin")


@pytest.mark.parametrize("text, expected", [
    ("a" * 160, ("GSM-7", 1)), ("a" * 161, ("GSM-7", 2)), ("€" * 80, ("GSM-7", 1)), ("💛" * 35, ("UCS-2", 1)),
    ("é" * 160, ("GSM-7", 1)), ("ł" * 71, ("UCS-2", 2)),
])
def test_segments_are_counted_as_carriers_count_them(text: str, expected: tuple[str, int]) -> None:
    assert segments(text) == expected


def test_wordings_take_turns_and_every_one_carries_the_same_values() -> None:
    assert variants("reply_ok") > 1
    turns = [render("reply_ok", variant=v, name="Ana") for v in range(variants("reply_ok") + 1)]
    assert len(set(turns)) == variants("reply_ok") and turns[-1] == turns[0]  # round again
    for kind in template_kinds():
        source = (TEMPLATE_DIR / f"{kind}.txt").read_text()
        per_wording = [{m[1] or m[2] for m in string.Template.pattern.findall(part)} - {None, ""}
                       for part in source.split("\n---\n")]
        assert all(names == per_wording[0] for names in per_wording), kind


def test_a_daily_text_turns_by_the_days_since_her_yes() -> None:
    from datetime import datetime, timedelta, timezone

    yes = datetime(2026, 3, 1, 21, 0, tzinfo=timezone.utc)
    assert [day_turn(yes, yes + timedelta(hours=h)) for h in (1, 23, 25, 49)] == [0, 0, 1, 2]
    assert day_turn(None, yes) == 0 and day_turn(yes, yes - timedelta(days=1)) == 0
