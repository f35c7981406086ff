"""Crisis lines by country, for the inline crisis reply. Pure data and lookup.

The reply must go out even when the database and Redis are down, so it is
built from the sender's number alone.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class CrisisLine:
    line: str  # what to do, in words that fit the sentence "Please ___ now"
    emergency: str


CRISIS_LINES: dict[str, CrisisLine] = {
    "US": CrisisLine("call or text 988 (Suicide & Crisis Lifeline)", "911"),
    "CA": CrisisLine("call or text 988 (Suicide Crisis Helpline)", "911"),
    "GB": CrisisLine("call Samaritans free on 116 123", "999"),
    "IE": CrisisLine("call Samaritans free on 116 123", "112"),
    "GG": CrisisLine("call Samaritans free on 116 123", "999"),
    "JE": CrisisLine("call Samaritans free on 116 123", "999"),
    "IM": CrisisLine("call Samaritans free on 116 123", "999"),
    "AU": CrisisLine("call Lifeline on 13 11 14", "000"),
    "NZ": CrisisLine("call or text 1737", "111"),
    "FR": CrisisLine("call 3114 (suicide prevention, free)", "112"),
    "DE": CrisisLine("call TelefonSeelsorge free on 0800 111 0 111", "112"),
}
FALLBACK = CrisisLine("call your local emergency number or a crisis line", "your local emergency number")


def crisis_line(region: str | None, overrides: str = "") -> CrisisLine:
    """The line for a country; `overrides` is the CRISIS_LINES setting (JSON), merged over the table."""
    key = (region or "").upper()
    return _table(overrides).get(key) or CRISIS_LINES.get(key, FALLBACK)


@functools.lru_cache(maxsize=4)
def _table(overrides: str) -> dict[str, CrisisLine]:
    return {k.upper(): CrisisLine(*v) for k, v in parse_overrides(overrides).items()}


def parse_overrides(overrides: str) -> dict[str, tuple[str, str]]:
    """'{"US": ["call or text 988", "911"]}' → {"US": (line, emergency)}; ValueError when malformed."""
    if not overrides.strip():
        return {}
    data = json.loads(overrides)
    if not isinstance(data, dict) or not all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) and x for x in v) for v in data.values()):
        raise ValueError('CRISIS_LINES must map a country code to ["what to do", "emergency number"]')
    return {str(k): (v[0], v[1]) for k, v in data.items()}
