"""Crisis lines by country, for the inline crisis reply. Pure data and lookup.

The reply must go out even when the database and Redis are down, so it is
built from the sender's number alone.
"""
from __future__ import annotations

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
    "AU": CrisisLine("call Lifeline on 13 11 14", "000"),
    "NZ": CrisisLine("call or text 1737", "111"),
}
FALLBACK = CrisisLine("call your local emergency number or a crisis line", "your local emergency number")


def crisis_line(region: str | None) -> CrisisLine:
    return CRISIS_LINES.get((region or "").upper(), FALLBACK)
