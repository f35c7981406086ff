"""The JOIN dialogue for a stranger: name, check-in time, time zone (when her number does not
settle it), a buddy or SKIP, and an explicit YES to the terms. Pure: a state and a text in,
the next state and the reply's template out. Each step re-asks with an example, up to
RETRIES times; one more miss ends the dialogue kindly, and JOIN starts it again. "never mind"
or "cancel" ends it at any step.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from service.commands import parse_buddy, zone_from_text
from service.schedule import ScheduleError, format_time, parse_her_time, parse_time

RETRIES = 2
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


def advance(state: SignupState, text: str, phone_zones: tuple[str, ...], *, region: str = "US") -> Turn:
    text = " ".join((text or "").split())
    if _folded(text) in _CANCEL:
        return Turn(None, "signup_cancelled", {})
    updated = _buddy(state, text, region) if state.step == "buddy" else _STEP_HANDLERS[state.step](state, text)
    if updated is None:
        if state.retries >= RETRIES:
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


_CANCEL = frozenset({"NEVER MIND", "NEVERMIND", "NVM", "CANCEL", "FORGET IT"})
# Answers that are not a name ("no", "yes", "hello there"): asked again, never "Nice to meet you, No!".
_NOT_NAMES = frozenset({"NO", "NOPE", "YES", "YEAH", "YEP", "OK", "OKAY", "SURE", "HI", "HEY", "HELLO", "THERE",
                        "SKIP", "WHAT", "WHY", "WHO", "IDK", "MAYBE", "STOP", "HELP", "JOIN", "THANKS", "NAME",
                        "ME", "MOM", "MUM", "MAMA", "NONE", "NOBODY", "NOT", "CANCEL"})
_SKIP_BUDDY = frozenset({"SKIP", "NONE", "NO", "NOBODY", "LATER", "NO THANKS", "NO ONE", "NOONE", "NOT NOW",
                         "NOT YET", "NO BUDDY", "NOPE", "SKIP FOR NOW", "SKIP IT", "NA", "N A"})
_YES_TERMS = re.compile(r"(?:YES|Y|YEP|YEAH|YA|SURE|OK|OKAY|I AGREE|AGREE|AGREED|ABSOLUTELY|OF COURSE|👍)(?![A-Z])")
_NOT = re.compile(r"\b(?:NO|NOT|DON'?T|DONT|NEVER|BUT|WHAT|WHY)\b|\?")


def _folded(text: str) -> str:
    """Upper case, words only: "Skip." → "SKIP", "no thanks!" → "NO THANKS", "👍" kept."""
    kept = re.sub(r"[^\w\s'👍]", " ", text).replace("_", " ")
    return " ".join(kept.upper().split())


def _name(state: SignupState, text: str) -> SignupState | None:
    name = _NAME_PREFIX.sub("", text).strip(" .!,")
    words = name.split()
    if not words or len(words) > 3 or len(name) > 40 or not all(re.fullmatch(r"[^\W\d_][\w'’-]*", w) for w in words):
        return None
    if any(w.upper() in _NOT_NAMES for w in words):
        return None
    return replace(state, step="time", name=name.title() if name.islower() or name.isupper() else name, retries=0)


def _time(state: SignupState, text: str) -> SignupState | None:
    try:
        at = parse_her_time(text)
    except ScheduleError:
        return None
    return replace(state, step="zone", time=at.strftime("%H:%M"), retries=0)


def _zone(state: SignupState, text: str) -> SignupState | None:
    zone = zone_from_text(text)
    return replace(state, step="buddy", zone=zone, retries=0) if zone else None


def _buddy(state: SignupState, text: str, region: str = "US") -> SignupState | None:
    if _folded(text) in _SKIP_BUDDY:
        return replace(state, step="terms", retries=0)
    found = parse_buddy(text, region)
    if found is None:
        return None
    return replace(state, step="terms", buddy_name=found[0], buddy_phone=found[1], retries=0)


def _terms(state: SignupState, text: str) -> SignupState | None:
    word = _folded(text)
    if word in ("NO", "N", "NO THANKS", "NOPE"):
        return replace(state, step="cancelled")
    if _YES_TERMS.match(word) and not _NOT.search(text.upper()):  # "yes", "sure", "Yes, sounds good", "👍"
        return replace(state, step="done", retries=0)
    return None


_STEP_HANDLERS = {"name": _name, "time": _time, "zone": _zone, "buddy": _buddy, "terms": _terms}
