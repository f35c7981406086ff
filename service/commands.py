"""Text commands a mom can send (PAUSE 3, TIME 8pm, BUDDY Sarah +1…), parsed into plain values.

Pure. A command is recognised only when the whole text fits its grammar, so
"time flies, long day" stays her words and is scored, never answered with a usage line.
A short text that starts with a command word but does not fit gets the usage
example instead (`Command("usage", topic=…)`).
"""
from __future__ import annotations

import functools
import re
from zoneinfo import available_timezones
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from service.phones import InvalidPhone, parse_phone
from service.schedule import DAY_NAMES, ScheduleError, parse_her_time


@dataclass(frozen=True)
class Command:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


_DAY_ALIASES = {name: str(i) for i, name in enumerate(DAY_NAMES)}
_DAY_ALIASES.update({"MONDAY": "0", "TUESDAY": "1", "TUES": "1", "WEDNESDAY": "2", "THURSDAY": "3", "THUR": "3",
                     "THURS": "3", "FRIDAY": "4", "SATURDAY": "5", "SUNDAY": "6"})
_DAY_SETS = {"EVERY": "0123456", "EVERYDAY": "0123456", "DAILY": "0123456", "ALL": "0123456",
             "WEEKDAYS": "01234", "WEEKENDS": "56"}
_WORDS = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
_USAGE_WORDS = {"PAUSE": "pause", "TIME": "time", "DAYS": "days", "ZONE": "zone", "TZ": "zone",
                "BUDDY": "buddy", "REMOVE": "remove", "SHARE": "share", "NUDGE": "nudge"}


def parse(text: str, region: str = "US") -> Command | None:
    """The command in `text`, Command('usage', …) for a short near-miss, or None for her own words.
    `region`: her number's country, for a buddy's number written the local way ("07507 123456")."""
    clean = _without_courtesy(text)
    upper = clean.upper()
    head, _, rest = upper.partition(" ")
    head = head.rstrip(",:;-")  # "time: 9pm", "pause, 3"
    parser = _PARSERS.get(head)
    if parser is not None:
        raw_rest = clean.partition(" ")[2].strip()
        command = _buddy(rest.strip(), raw_rest, region) if head == "BUDDY" else parser(rest.strip(), raw_rest)
        if command is not None:
            return command
    if head in ("STOP", "START") and _BUDDY_ALERTS.fullmatch(rest.strip()):
        return Command("buddy_pause" if head == "STOP" else "buddy_resume")
    if head in _USAGE_WORDS and _looks_like_an_attempt(head, rest):
        return Command("usage", {"topic": _USAGE_WORDS[head]})
    return None


# A question about the service itself ("how do I change my check-in time?", "can my sister be my
# buddy too?"): answered with how to do it, not scored as her mood. Specific on purpose: "how do I
# make time for myself?" is about her day.
_ASKING = re.compile(r"\?|^\W*(?:how|can|could|is there|what do i)\b", re.IGNORECASE)
_QUESTION_TOPICS = (
    ("remove", re.compile(r"\b(?:remove|drop|delete|take off)\b[^?.!]{0,25}\bbudd(?:y|ies)\b", re.IGNORECASE)),
    ("buddy", re.compile(r"\b(?:be (?:my|a) (?:second |new |other )?buddy|add (?:a |another |my )?\w* ?buddy|another buddy|"
                         r"new buddy|(?:change|switch) (?:my )?buddy|buddy too|invite (?:a |my )?\w+ (?:as|to be))\b",
                         re.IGNORECASE)),
    ("zone", re.compile(r"\btime ?zone\b|\b(?:moving|moved|move) (?:to|abroad|country|states)\b", re.IGNORECASE)),
    ("days", re.compile(r"\b(?:change|set|pick|choose|only)\b[^?.!]{0,20}\b(?:days|weekdays|weekends)\b",
                        re.IGNORECASE)),
    ("time", re.compile(r"\b(?:change|move|set|switch|later|earlier)\b[^?.!]{0,25}\b(?:time|check-?ins?)\b"
                        r"|\b(?:check-?in|message|text) (?:time|earlier|later)\b"
                        r"|\bcheck-?ins?\b[^?.!]{0,10}\b(?:later|earlier)\b", re.IGNORECASE)),
    ("pause", re.compile(r"\b(?:pause|break from|skip)\b[^?.!]{0,20}\b(?:check-?ins?|texts?|messages?)\b"
                         r"|\b(?:how (?:do|can) i|can i) pause\b", re.IGNORECASE)),
)


def question_topic(text: str) -> str | None:
    """The command a question about the service asks how to use ('time', 'buddy'…), or None."""
    if not _ASKING.search(text or ""):
        return None
    return next((topic for topic, pattern in _QUESTION_TOPICS if pattern.search(text)), None)


# "STOP BUDDY", and what moms write for it: "stop buddy alerts", "start my buddy alerts".
_BUDDY_ALERTS = re.compile(r"(?:MY\s+|THE\s+)?(?:BUDDY|BUDDIES|BUDDY'?S)(?:\s+ALERTS?|\s+TEXTS?|\s+MESSAGES?)?"
                           r"|(?:THE\s+)?ALERTS?(?:\s+TO\s+MY\s+BUDD(?:Y|IES))?")
_COURTESY_TAIL = re.compile(r"(?:[\s,.;:!?]+(?:please|pls|plz|thanks|thank you|thx|ty))+[\s.!?]*$", re.IGNORECASE)


def _without_courtesy(text: str) -> str:
    """Spaces folded, and what follows a command without changing it gone: end punctuation, emoji,
    a trailing "please" or "thanks" ("RESUME please", "pause until friday please!")."""
    clean = " ".join((text or "").split())
    clean = _COURTESY_TAIL.sub("", clean)
    return clean.rstrip(".!?,;: ").rstrip("".join(ch for ch in clean if not ch.isascii() and not ch.isalnum())).strip()


def _looks_like_an_attempt(head: str, rest: str) -> bool:
    """A near-miss worth a usage line: short, and with the kind of argument the command takes."""
    words = rest.split()
    if len(words) > 3:
        return False
    if head in ("TIME", "PAUSE", "BUDDY"):
        return any(ch.isdigit() for ch in rest)
    return 1 <= len(words) <= 2 and head in ("ZONE", "TZ", "DAYS", "SHARE", "NUDGE")


# "PAUSE MY CHECK-INS UNTIL MONDAY", "pause the texts for 3 days": what is paused goes without saying.
_PAUSED_THING = re.compile(r"^(?:MY\s+|THE\s+)?(?:CHECK[- ]?INS?|TEXTS?|MESSAGES?)\b\s*")


def _pause(rest: str, _raw: str) -> Command | None:
    rest = _PAUSED_THING.sub("", rest, count=1)
    if rest == "":
        return Command("pause", {"days": None})
    match = re.fullmatch(r"(?:FOR\s+)?(\d{1,2})(?:\s*DAYS?)?", rest)
    if match and 1 <= int(match.group(1)) <= 90:
        return Command("pause", {"days": int(match.group(1))})
    match = re.fullmatch(r"(?:UNTIL|TILL|TIL)\s+([A-Z]+)", rest)
    if match and match.group(1) in _DAY_ALIASES:
        return Command("pause", {"until_weekday": int(_DAY_ALIASES[match.group(1)])})
    if rest == "UNTIL TOMORROW":
        return Command("pause", {"days": 1})
    if rest in ("TOMORROW", "FOR TOMORROW"):  # tomorrow's check-in too: back the day after
        return Command("pause", {"days": 2})
    return None


def _resume(rest: str, _raw: str) -> Command | None:
    return Command("resume") if rest == "" else None


def _time(rest: str, _raw: str) -> Command | None:
    try:
        at: time = parse_her_time(rest)
    except ScheduleError:
        return None
    return Command("time", {"time": at})


def _days(rest: str, _raw: str) -> Command | None:
    tokens = [t for t in re.split(r"[\s,/&+]+|\bAND\b", rest) if t]
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0] in _DAY_SETS:
        return Command("days", {"days": _DAY_SETS[tokens[0]]})
    if not all(t in _DAY_ALIASES for t in tokens):
        return None
    return Command("days", {"days": "".join(sorted({_DAY_ALIASES[t] for t in tokens}))})


def _zone(_rest: str, raw: str) -> Command | None:
    zone = zone_from_text(raw)
    return Command("zone", {"zone": zone}) if zone else None


def parse_buddy(raw: str, region: str = "US") -> tuple[str, str] | None:
    """'Sarah +1 202 555 0178' → ('Sarah', '+12025550178'), or None. A number without its country
    code is read as one of `region`'s."""
    match = re.fullmatch(r"([^\d+()]{1,40}?)\s*[,:-]?\s*(\+?[\d\s().-]{7,20})", raw.strip())
    if not match:
        return None
    try:
        phone = parse_phone(match.group(2), region or "US")
    except InvalidPhone:
        return None
    name = " ".join(match.group(1).split())
    name = name.title() if name.islower() or name.isupper() else name
    return (name, phone) if name else None


def _buddy(_rest: str, raw: str, region: str = "US") -> Command | None:
    found = parse_buddy(raw, region)
    return Command("buddy_add", {"name": found[0], "phone": found[1]}) if found else None


def _buddies(rest: str, _raw: str) -> Command | None:
    return Command("buddy_list") if rest == "" else None


def _remove(_rest: str, raw: str) -> Command | None:
    name = " ".join(raw.split())
    if name.upper() in ("", "ME", "MY NUMBER", "ME PLEASE") or len(name) > 40:
        return None
    return Command("buddy_remove", {"name": name})


def _share(rest: str, _raw: str) -> Command | None:
    if rest in ("ON", "YES"):
        return Command("share", {"on": True})
    if rest in ("OFF", "NO"):
        return Command("share", {"on": False})
    return None


def _nudge(rest: str, _raw: str) -> Command | None:
    """NUDGE BUDDY ON: when she has missed three check-ins, her buddy is asked to drop her a line."""
    match = re.fullmatch(r"(?:MY\s+)?BUDDY\s+(ON|YES|OFF|NO)|(ON|OFF)", rest)
    if match is None:
        return None
    return Command("nudge_buddy", {"on": (match.group(1) or match.group(2)) in ("ON", "YES")})


def _delete(rest: str, _raw: str) -> Command | None:
    if rest in ("", "ME", "MY DATA", "EVERYTHING", "MY ACCOUNT"):
        return Command("delete")
    return None


def _join(rest: str, _raw: str) -> Command | None:
    return Command("join") if rest in ("", "VILLAGE", "PLEASE") else None


_PARSERS = {
    "PAUSE": _pause, "RESUME": _resume, "UNPAUSE": _resume, "TIME": _time, "DAYS": _days, "ZONE": _zone,
    "TZ": _zone, "BUDDY": _buddy, "BUDDIES": _buddies, "REMOVE": _remove, "SHARE": _share, "NUDGE": _nudge, "DELETE": _delete,
    "JOIN": _join,
}


_ZONE_WORDS = {
    "EASTERN": "America/New_York", "ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
    "CENTRAL": "America/Chicago", "CT": "America/Chicago", "CST": "America/Chicago", "CDT": "America/Chicago",
    "MOUNTAIN": "America/Denver", "MT": "America/Denver", "MST": "America/Denver", "MDT": "America/Denver",
    "ARIZONA": "America/Phoenix", "PACIFIC": "America/Los_Angeles", "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "ALASKA": "America/Anchorage",
    "HAWAII": "Pacific/Honolulu", "UK": "Europe/London", "IRELAND": "Europe/Dublin",
    # What people in those places call their own time, whatever the letters mean elsewhere.
    "GMT": "Europe/London", "BST": "Europe/London", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
}
# Big cities that are not the city in an IANA zone name ("ZONE Seattle" as the usage line suggests).
_CITY_ZONES = {
    "America/New_York": "NYC BROOKLYN QUEENS BRONX MANHATTAN BOSTON PHILADELPHIA PHILLY WASHINGTON WASHINGTON_DC "
                        "WASHINGTON_D_C DC D_C "
                        "BALTIMORE PITTSBURGH ATLANTA MIAMI ORLANDO TAMPA JACKSONVILLE CHARLOTTE RALEIGH "
                        "CLEVELAND COLUMBUS CINCINNATI BUFFALO RICHMOND NEWARK HARTFORD PROVIDENCE",
    "America/Chicago": "HOUSTON DALLAS AUSTIN SAN_ANTONIO FORT_WORTH MINNEAPOLIS ST_LOUIS SAINT_LOUIS KANSAS_CITY "
                       "NEW_ORLEANS MILWAUKEE NASHVILLE MEMPHIS OKLAHOMA_CITY TULSA OMAHA WINNIPEG",
    "America/Denver": "SALT_LAKE_CITY ALBUQUERQUE EL_PASO COLORADO_SPRINGS CALGARY",
    "America/Boise": "BOISE",
    "America/Phoenix": "TUCSON SCOTTSDALE MESA",
    "America/Los_Angeles": "LA SEATTLE SAN_FRANCISCO SF SAN_DIEGO SAN_JOSE SACRAMENTO PORTLAND LAS_VEGAS VEGAS "
                           "OAKLAND FRESNO SPOKANE",
    "America/Vancouver": "VICTORIA",
    "America/Toronto": "OTTAWA",
    "Europe/London": "MANCHESTER BIRMINGHAM GLASGOW EDINBURGH CARDIFF LEEDS LIVERPOOL BRISTOL NEWCASTLE SHEFFIELD "
                     "NOTTINGHAM LEICESTER ENGLAND SCOTLAND WALES NORTHERN_IRELAND",
    "Europe/Dublin": "CORK GALWAY LIMERICK",
    "Australia/Sydney": "CANBERRA NEWCASTLE_NSW WOLLONGONG",
    "Australia/Brisbane": "GOLD_COAST",
    "Asia/Kolkata": "MUMBAI DELHI NEW_DELHI BANGALORE BENGALURU CHENNAI HYDERABAD INDIA",
}


@functools.lru_cache(maxsize=1)
def _zones_by_city() -> dict[str, str]:
    by_city: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            by_city.setdefault(name.rsplit("/", 1)[1].upper(), name)
        by_city.setdefault(name.upper(), name)
    return by_city


def zone_from_text(text: str) -> str | None:
    """'Chicago', 'america/chicago', 'new york', 'Eastern' → an IANA zone name, or None."""
    key = "_".join(re.sub(r"[.,]", " ", text or "").split()).upper()
    if not key:
        return None
    key = key.removesuffix("_TIME")
    return _ZONE_WORDS.get(key) or _CITIES.get(key) or _zones_by_city().get(key)


_CITIES = {city: zone for zone, cities in _CITY_ZONES.items() for city in cities.split()}


def days_phrase(days: str) -> str:
    """'0123456' → 'every day'; '024' → 'Mon, Wed, Fri'."""
    if days == "0123456":
        return "every day"
    if days == "01234":
        return "weekdays"
    return ", ".join(DAY_NAMES[int(d)].title() for d in days)
