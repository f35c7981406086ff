"""Check-in schedules: a local time and weekdays in her zone → due instants in UTC.

Pure functions of (settings, now). Daylight-saving rules: a local time that
falls in a spring-forward gap goes out at the first valid minute after the gap;
a time that happens twice on a fall-back day goes out once, at its first
occurrence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
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


# "8:30" from a mom: morning or evening? (An evening check-in is as likely.) "08:30" and "20:30" are clear.
_AMBIGUOUS_CLOCK = re.compile(r"\s*[1-9]:[0-5]\d\s*")


def parse_her_time(text: str) -> time:
    """parse_time for a time she texts: a one-digit hour with minutes and no am/pm is asked about."""
    if _AMBIGUOUS_CLOCK.fullmatch(text or ""):
        raise ScheduleError(f"{text!r} is ambiguous: write 8:30pm or 20:30")
    return parse_time(text)


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


# ---------------------------------------------------------------- every N days, quiet hours, catch-up

DEFAULT_QUIET = (time(21, 30), time(8, 0))


@dataclass(frozen=True)
class Plan:
    """One member's schedule as plain values: her minute, her days, her zone, her quiet hours."""

    at: time
    zone: ZoneInfo
    days: str = EVERY_DAY
    every: int = 1              # every N days, counted from `anchor`
    anchor: date | None = None  # a day she is texted when every > 1
    quiet: tuple[time, time] | None = DEFAULT_QUIET

    def is_day(self, day: date) -> bool:
        if str(day.weekday()) not in self.days:
            return False
        return self.every <= 1 or self.anchor is None or (day - self.anchor).days % self.every == 0

    @property
    def horizon(self) -> int:
        """How many days to search: a week, or the full cycle of an every-N-days schedule."""
        return 8 if self.every <= 1 else self.every * 7 + 1


def plan_latest(plan: Plan, now: datetime) -> datetime | None:
    """`latest_due` for a Plan, every-N-days included."""
    today = now.astimezone(plan.zone).date()
    for back in range(0, plan.horizon):
        day = today - timedelta(days=back)
        if plan.is_day(day):
            due = local_instant(day, plan.at, plan.zone)
            if due <= now:
                return due
    return None


def plan_next(plan: Plan, now: datetime) -> datetime | None:
    """`next_due` for a Plan, every-N-days included."""
    today = now.astimezone(plan.zone).date()
    for ahead in range(-1, plan.horizon):
        day = today + timedelta(days=ahead)
        if plan.is_day(day):
            due = local_instant(day, plan.at, plan.zone)
            if due > now:
                return due
    return None


def parse_quiet(text: str) -> tuple[time, time] | None:
    """'21:30-08:00' → (21:30, 08:00); 'off' or '' → None (no quiet hours)."""
    text = (text or "").strip().lower()
    if text in ("", "off", "none"):
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise ScheduleError(f"{text!r} is not quiet hours like 21:30-08:00")
    quiet = (parse_time(start), parse_time(end))
    if quiet[0] == quiet[1]:
        raise ScheduleError(f"{text!r}: quiet hours must start and end at different times")
    return quiet


def in_quiet(local: time, quiet: tuple[time, time] | None) -> bool:
    """Whether a local wall time falls in [start, end); the window may wrap midnight."""
    if quiet is None:
        return False
    start, end = quiet
    local = local.replace(second=0, microsecond=0, tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_until(now: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None) -> datetime | None:
    """When `now` is inside the recipient's quiet hours, the UTC instant they end; else None."""
    local = now.astimezone(zone)
    if not in_quiet(local.time(), quiet):
        return None
    assert quiet is not None
    end_day = local.date() if local.time() < quiet[1] else local.date() + timedelta(days=1)
    return local_instant(end_day, quiet[1], zone)


def is_own_time(due: datetime, plan: Plan) -> bool:
    """Whether `due` is her chosen minute (or the first valid one after it, across a DST gap)."""
    local = due.astimezone(plan.zone)
    return local_instant(local.date(), plan.at, plan.zone) == due


def checkin_verdict(due: datetime, now: datetime, plan: Plan, catch_up: timedelta) -> str:
    """'send', or why a check-in due at `due` must not go out at `now`: 'late' (past the catch-up
    limit) or 'quiet' (it slid into her quiet hours although she chose a time outside them)."""
    if now - due > catch_up:
        return "late"
    chosen_quiet = in_quiet(due.astimezone(plan.zone).time(), plan.quiet)
    if not chosen_quiet and in_quiet(now.astimezone(plan.zone).time(), plan.quiet):
        return "quiet"
    return "send"


@dataclass(frozen=True)
class Load:
    """The busiest catch-up window ahead: how many check-ins fall due in it, and how many fit."""

    peak: int
    starts: datetime | None
    capacity: int | None  # None: unlimited pace

    @property
    def over(self) -> bool:
        return self.capacity is not None and self.peak > self.capacity


def peak_load(dues: list[datetime], mps: float, window: timedelta) -> Load:
    """The most check-ins due within any one catch-up window, against what `mps` can send in it."""
    ordered = sorted(dues)
    best, best_start, j = 0, None, 0
    for i, start in enumerate(ordered):
        while j < len(ordered) and ordered[j] < start + window:
            j += 1
        if j - i > best:
            best, best_start = j - i, start
    capacity = int(mps * window.total_seconds()) if mps > 0 else None
    return Load(best, best_start, capacity)


def zone_for_phone(zones: tuple[str, ...]) -> str | None:
    """Her zone from the zones her number may be in (service.phones.time_zones): the one zone,
    or None when the number spans several (then ask her or the operator)."""
    known = [z for z in zones if z in _zone_names()]
    return known[0] if len(known) == 1 else None
