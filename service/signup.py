"""The JOIN dialogue for a stranger: name, check-in time, time zone (when her number does not
settle it), a buddy or SKIP, and an explicit YES to the terms. Pure: a state and a text in,
the next state and the reply's template out. Each step re-asks once with an example; a second
miss ends the dialogue kindly, and JOIN starts it again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from service.commands import parse_buddy, zone_from_text
from service.schedule import ScheduleError, format_time, parse_time

_NAME_PREFIX = re.compile(r"^(hi|hey|hello)?[,!.\s]*(i'?m|i am|it'?s|my name is|this is|name'?s)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class SignupState:
    step: str = "name"
    name: str | None = None
    time: str | None = None  # "HH:MM"
    zone: str | None = None
    buddy_name: str | None = None
    buddy_phone: str | None = None
    retries: int = 0


@dataclass(frozen=True)
class Turn:
    state: SignupState | None  # None: the dialogue is over
    reply: str                 # a template kind
    values: dict[str, str]
    complete: bool = False


def start(phone_zones: tuple[str, ...]) -> Turn:
    zone = phone_zones[0] if len(phone_zones) == 1 else None
    return Turn(SignupState(zone=zone), "signup_name", {})


def advance(state: SignupState, text: str, phone_zones: tuple[str, ...]) -> Turn:
    text = " ".join((text or "").split())
    step = _STEP_HANDLERS[state.step]
    updated = step(state, text)
    if updated is None:
        if state.retries >= 1:
            return Turn(None, "signup_failed", {})
        return Turn(replace(state, retries=state.retries + 1), f"signup_{state.step}_retry", _values(state))
    if updated.step == "done":
        return Turn(updated, "signup_done", _values(updated), complete=True)
    if updated.step == "cancelled":
        return Turn(None, "signup_cancelled", {})
    if updated.step == "zone" and updated.zone is None and len(phone_zones) == 1:
        updated = replace(updated, zone=phone_zones[0])
    if updated.step == "zone" and updated.zone is not None:
        updated = replace(updated, step="buddy")
    return Turn(updated, f"signup_{updated.step}", _values(updated))


def _values(state: SignupState) -> dict[str, str]:
    values = {"name": state.name or "there"}
    if state.time:
        values["time"] = format_time(parse_time(state.time))
    return values


def _name(state: SignupState, text: str) -> SignupState | None:
    name = _NAME_PREFIX.sub("", text).strip(" .!,")
    words = name.split()
    if not words or len(words) > 3 or len(name) > 40 or not all(re.fullmatch(r"[^\W\d_][\w'’-]*", w) for w in words):
        return None
    return replace(state, step="time", name=name.title() if name.islower() else name, retries=0)


def _time(state: SignupState, text: str) -> SignupState | None:
    try:
        at = parse_time(text)
    except ScheduleError:
        return None
    return replace(state, step="zone", time=at.strftime("%H:%M"), retries=0)


def _zone(state: SignupState, text: str) -> SignupState | None:
    zone = zone_from_text(text)
    return replace(state, step="buddy", zone=zone, retries=0) if zone else None


def _buddy(state: SignupState, text: str) -> SignupState | None:
    if text.upper() in ("SKIP", "NONE", "NO", "NOBODY", "LATER"):
        return replace(state, step="terms", retries=0)
    found = parse_buddy(text)
    if found is None:
        return None
    return replace(state, step="terms", buddy_name=found[0], buddy_phone=found[1], retries=0)


def _terms(state: SignupState, text: str) -> SignupState | None:
    word = text.upper().strip(" .!")
    if word in ("YES", "Y", "I AGREE", "AGREE", "YES PLEASE", "OK", "OKAY"):
        return replace(state, step="done", retries=0)
    if word in ("NO", "N", "NO THANKS"):
        return replace(state, step="cancelled")
    return None


_STEP_HANDLERS = {"name": _name, "time": _time, "zone": _zone, "buddy": _buddy, "terms": _terms}
