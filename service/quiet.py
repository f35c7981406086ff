"""Holds at send time: quiet hours for non-urgent texts, the catch-up limit for check-ins.

Checked by the send job right after it claims a row, with the clock of that moment:
a message enqueued at 21:29 but reached at 21:31 is held all the same. Crisis
alerts and replies are never held; a check-in is never held either, because
arriving late would be worse than not arriving: it goes out at her chosen time
(quiet hours or not) or is skipped and recorded as skipped.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from service.config import Settings
from service.models import Alert, Buddy, CheckIn, Member, Message
from service.phones import mask, split_address, time_zones
from service.schedule import (
    Plan, ScheduleError, checkin_verdict, parse_quiet, parse_time, parse_zone, quiet_until, zone_for_phone,
)

log = logging.getLogger(__name__)

# What quiet hours hold. Replies answer what she just texted, so they are never held.
HELD_KINDS = frozenset({"welcome", "invite", "nudge", "reminder"})


@dataclass(frozen=True)
class Hold:
    until: datetime | None  # hold until then; None: do not send at all
    reason: str


def member_quiet(settings: Settings, member: Any) -> tuple[time, time] | None:
    try:
        return parse_quiet(member.quiet_hours if member.quiet_hours is not None else settings.quiet_hours)
    except ScheduleError:
        return parse_quiet(settings.quiet_hours)


def member_plan(settings: Settings, member: Any) -> Plan:
    """Her Plan from a Member (or a row with the same columns)."""
    return Plan(at=parse_time(member.checkin_time), zone=parse_zone(member.timezone), days=member.checkin_days,
                every=member.checkin_every or 1, anchor=member.checkin_anchor, quiet=member_quiet(settings, member))


def buddy_zone(buddy: Buddy, member: Member | None) -> ZoneInfo:
    """Her buddy's zone: set explicitly, else the number's only zone, else the mom's."""
    name = buddy.timezone or zone_for_phone(time_zones(buddy.phone)) or (member.timezone if member else "UTC")
    return parse_zone(name)


def check(session: Session, settings: Settings, message: Message, now: datetime) -> Hold | None:
    """Whether `message` must wait (quiet hours) or not go at all (a stale check-in) at `now`."""
    if message.kind == "checkin":
        return _checkin_hold(session, settings, message, now)
    if message.kind == "alert":
        alert = session.get(Alert, message.alert_id) if message.alert_id else None
        if alert is None or alert.level == "crisis" or alert.recipient != "buddy":
            return None  # crisis alerts are never held
    elif message.kind not in HELD_KINDS:
        return None
    member = session.get(Member, message.member_id) if message.member_id else None
    if message.buddy_id is not None:
        buddy = session.get(Buddy, message.buddy_id)
        if buddy is None:
            return None
        until = quiet_until(now, buddy_zone(buddy, member), parse_quiet(settings.quiet_hours))
    elif member is not None and split_address(message.to_addr)[0] == member.phone:
        until = quiet_until(now, parse_zone(member.timezone), member_quiet(settings, member))
    else:
        return None
    return Hold(until, "quiet hours") if until is not None else None


def _checkin_hold(session: Session, settings: Settings, message: Message, now: datetime) -> Hold | None:
    checkin = session.get(CheckIn, message.checkin_id) if message.checkin_id else None
    member = session.get(Member, message.member_id) if message.member_id else None
    if checkin is None or member is None or checkin.manual:
        return None  # an operator's send-now is sent when asked
    verdict = checkin_verdict(checkin.due_at, now, member_plan(settings, member),
                              timedelta(minutes=settings.catch_up_minutes))
    return None if verdict == "send" else Hold(None, verdict)


def apply(session: Session, message: Message, hold: Hold) -> str:
    """Put a claimed message back to wait, or cancel a stale check-in and record it as skipped."""
    if hold.until is not None:
        message.status, message.next_attempt_at = "pending", hold.until
        message.attempts = max(0, message.attempts - 1)  # a hold is not an attempt
        log.info("message %s to %s held by quiet hours until %s", message.id, mask(message.to_addr),
                 hold.until.isoformat())
        return f"held until {hold.until.isoformat()}"
    message.status, message.error_code = "canceled", hold.reason
    checkin = session.get(CheckIn, message.checkin_id) if message.checkin_id else None
    if checkin is not None and checkin.state == "planned":
        checkin.state, checkin.skip_reason = "skipped", hold.reason
    log.warning("check-in message %s to %s skipped: %s", message.id, mask(message.to_addr), hold.reason)
    return f"skipped: {hold.reason}"
