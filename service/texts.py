"""Message copy: every text lives in templates/messages/<kind>.txt and is rendered here.

Rendering trims white space and swaps typographic characters for GSM-7 ones,
because a single curly apostrophe turns a 160-character SMS into a 70-character
UCS-2 one and doubles the cost of every text.
"""
from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from string import Template

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "messages"

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "^{}\\[~]|€"
_GSM = set(_GSM_BASIC) | set(_GSM_EXTENDED)
_SWAPS = str.maketrans({
    "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " ",
})


class UnknownTemplate(KeyError):
    pass


# A line holding only this separates a template's wordings: the texts a mom gets every day (the
# check-in, the answer to a good day) take turns, so they do not read like a robot's.
VARIANT_SEPARATOR = "---"


@functools.lru_cache(maxsize=None)
def _templates(kind: str) -> tuple[Template, ...]:
    path = TEMPLATE_DIR / f"{kind}.txt"
    if not kind.replace("_", "").isalnum() or not path.is_file():
        raise UnknownTemplate(kind)
    variants, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == VARIANT_SEPARATOR:
            variants.append("\n".join(current))
            current = []
        else:
            current.append(line)
    variants.append("\n".join(current))
    return tuple(Template(v) for v in variants if v.strip())


def day_turn(since: datetime | None, at: datetime) -> int:
    """The wording for a text a mom gets daily: days since she said YES, so it changes each day."""
    return max((at - since).days, 0) if since is not None else 0


def variants(kind: str) -> int:
    """How many wordings the template has."""
    return len(_templates(kind))


def template_kinds() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.txt"))


def render(kind: str, *, variant: int = 0, **values: object) -> str:
    """Fill a template (its wording number `variant`, counted round); a missing value is an error,
    never a literal '$name' sent to a mom."""
    wordings = _templates(kind)
    text = wordings[variant % len(wordings)].substitute({k: str(v) for k, v in values.items()})
    lines = [line.strip() for line in text.strip().splitlines()]
    return "\n".join(lines).translate(_SWAPS)


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM for ch in text)


def segments(text: str) -> tuple[str, int]:
    """(encoding, segment count) as carriers count them."""
    if is_gsm7(text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
        encoding = "GSM-7"
    else:
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, multi = 70, 67
        encoding = "UCS-2"
    if units <= single:
        return encoding, 1
    return encoding, -(-units // multi)
