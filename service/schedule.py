"""Check-in schedules: a local time and weekdays in her zone → due instants in UTC.

Pure functions of (settings, now). Daylight-saving rules: a local time that
falls in a spring-forward gap goes out at the first valid minute after the gap;
a time that happens twice on a fall-back day goes out once, at its first
occurrence.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
EVERY_DAY = "0123456"

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])?\.?\s*m?\.?\s*$", re.IGNORECASE)


class ScheduleError(ValueError):
    pass


def parse_time(text: str) -> time:
    """'20:00', '8pm', '7:15am', '20h30' → a time; ScheduleError otherwise."""
    match = _TIME.match(text or "")
    if not match:
        raise ScheduleError(f"{text!r} is not a time like 20:00 or 8pm")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"{text!r} is not a time like 20:00 or 8pm")
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    elif match.group(2) is None:
        raise ScheduleError(f"{text!r} is ambiguous: write 20:00 or 8pm")
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{text!r} is not a time of day")
    return time(hour, minute)


def format_time(value: time) -> str:
    """A time as people text it: '8:00pm', '7:15am'."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"


def parse_zone(name: str) -> ZoneInfo:
    name = (name or "").strip()
    if not name or name not in _zone_names():
        raise ScheduleError(f"{name!r} is not a known time zone (e.g. America/New_York)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{name!r} is not a known time zone (e.g. America/New_York)") from None


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `zone`, with the DST rules above."""
    naive = datetime.combine(day, at)
    for minutes in range(0, 24 * 60):
        candidate = naive + timedelta(minutes=minutes)
        aware = candidate.replace(tzinfo=zone, fold=0)
        utc = aware.astimezone(timezone.utc)
        if utc.astimezone(zone).replace(tzinfo=None) == candidate:
            return utc
    raise ScheduleError(f"no valid local time after {naive} in {zone.key}")


def latest_due(at: time, days: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The most recent scheduled instant at or before `now` (UTC), within the last 8 days."""
    today = now.astimezone(zone).date()
    for back in range(0, 8):
        day = today - timedelta(days=back)
        if str(day.weekday()) not in days:
            continue
        due = local_instant(day, at, zone)
        if due <= now:
            return due
    return None


def next_due(at: time, days: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The first scheduled instant strictly after `now` (UTC), within the next 8 days."""
    today = now.astimezone(zone).date()
    for ahead in range(-1, 8):
        day = today + timedelta(days=ahead)
        if str(day.weekday()) not in days:
            continue
        due = local_instant(day, at, zone)
        if due > now:
            return due
    return None
