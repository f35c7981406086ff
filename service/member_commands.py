"""Applying a mom's text commands (service.commands) to the database; each returns the reply text."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import audit
from service.commands import Command, days_phrase
from service.config import Settings
from service.members import checkin_time_phrase, invite_buddy, is_do_not_text, pause, resume
from service.models import Buddy, Event, Member, Message
from service.texts import render

INVITES_PER_WEEK = 3
DELETE_CONFIRM_WINDOW = timedelta(minutes=30)


def apply(session: Session, settings: Settings, member: Member, command: Command, message: Message,
          now: datetime) -> str:
    handler = _HANDLERS[command.name]
    reply = handler(session, settings, member, command, now)
    kind = f"command_{command.name}"
    if command.name in ("share", "nudge_buddy"):  # consent events: the ledger names them as such
        kind = f"consent_{command.name}_{'on' if command.args['on'] else 'off'}"
    audit.record(session, kind, member_id=member.id, message_id=message.id, actor="member",
                 channel=message.from_addr.startswith("whatsapp:") and "whatsapp" or "sms",
                 detail=None if command.name in ("usage", "buddy_list") else _detail(command))
    return reply


def _detail(command: Command) -> str:
    shown = {k: v for k, v in command.args.items() if k not in ("phone",)}
    return ", ".join(f"{k}={v}" for k, v in shown.items())[:200]


def _pause(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    zone = ZoneInfo(member.timezone)
    until: datetime | None = None
    phrase = "for now"
    if command.args.get("days"):
        days = int(command.args["days"])
        local_day = (now.astimezone(zone) + timedelta(days=days)).date()
        until = datetime.combine(local_day, datetime.min.time(), zone).astimezone(timezone.utc)
        # The day they come back, which is what she needs to know ("PAUSE TOMORROW": "until Friday").
        phrase = f"until {local_day.strftime('%A')}, when they start again" if days < 7 else f"for {days} days"
    elif command.args.get("until_weekday") is not None:
        today = now.astimezone(zone).date()
        ahead = (int(command.args["until_weekday"]) - today.weekday() - 1) % 7 + 1
        day = today + timedelta(days=ahead)
        until = datetime.combine(day, datetime.min.time(), zone).astimezone(timezone.utc)
        phrase = f"until {day.strftime('%A')}, when they start again"
    pause(session, member, until, actor="member")
    return render("paused", name=member.name, until=phrase)


def zone_label(name: str) -> str:
    """'America/New_York' → 'New York time': how a person names her zone."""
    return name.rsplit("/", 1)[-1].replace("_", " ") + " time"


def _resume(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    if member.status != "paused":  # nothing to resume: not "Welcome back"
        return render("already_on", name=member.name, time=checkin_time_phrase(member))
    resume(session, member, actor="member")
    return render("resumed", name=member.name, time=checkin_time_phrase(member))


def _time(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    member.checkin_time = command.args["time"].strftime("%H:%M")
    return render("time_changed", time=checkin_time_phrase(member), zone=zone_label(member.timezone))


def _days(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    member.checkin_days = command.args["days"]
    return render("days_changed", days=days_phrase(member.checkin_days), time=checkin_time_phrase(member))


def _zone(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    member.timezone = command.args["zone"]
    return render("zone_changed", zone=zone_label(member.timezone), time=checkin_time_phrase(member))


def _buddy_add(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    name, phone = command.args["name"], command.args["phone"]
    reason = _invite_refusal(session, member, phone, now)
    if reason:
        return render("buddy_refused", reason=reason)
    invite_buddy(session, settings, member, name, phone, actor="member", now=now)
    return render("buddy_invited", buddy=name)


def _invite_refusal(session: Session, member: Member, phone: str, now: datetime) -> str | None:
    """Why this number may not be invited, or None. A NO or STOP is final."""
    if phone == member.phone:
        return "that's your own number"
    if any(b.phone == phone for b in member.buddies):
        return "they're already on your list"
    if is_do_not_text(session, phone):
        return "they asked not to be texted"
    refused = session.scalar(select(Buddy.id).where(Buddy.phone == phone, Buddy.consent.in_(("declined", "stopped"))))
    if refused is not None:
        return "they declined before, so we won't ask again"
    # Her own invitations by text, those since removed included (REMOVE then BUDDY again is no way
    # round it); not the buddy an operator enrolled her with.
    sent = session.scalar(select(func.count()).select_from(Event).where(
        Event.member_id == member.id, Event.kind == "buddy_invited", Event.actor == "member",
        Event.created_at > now - timedelta(days=7)))
    if (sent or 0) >= INVITES_PER_WEEK:
        return "you've sent 3 invitations this week; try again in a few days"
    return None


def _buddy_list(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    if not member.buddies:
        return render("buddy_none")
    states = {"accepted": "agreed", "invited": "invited", "declined": "declined", "stopped": "stopped"}
    listing = ", ".join(f"{b.name} ({states.get(b.consent, b.consent)})" for b in member.buddies)
    if member.buddy_alerts_paused:
        listing += " - alerts paused"
    return render("buddy_list", list=listing[:90])


def _buddy_remove(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    wanted = command.args["name"].casefold()
    match = [b for b in member.buddies if b.name.casefold() == wanted] or \
        [b for b in member.buddies if b.name.casefold().split()[0] == wanted.split()[0]]
    if len(match) != 1:
        return render("buddy_not_found", buddy=command.args["name"][:30])
    buddy = match[0]
    audit.record(session, "buddy_removed", member_id=member.id, buddy_id=buddy.id, actor="member")
    member.buddies.remove(buddy)
    return render("buddy_removed", buddy=buddy.name)


def _buddy_pause(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    member.buddy_alerts_paused = True
    return render("buddy_alerts_paused")


def _buddy_resume(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    member.buddy_alerts_paused = False
    return render("buddy_alerts_resumed")


def _share(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    member.share_words = bool(command.args["on"])
    return render("share_on" if member.share_words else "share_off")


def _nudge_buddy(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    member.nudge_buddy = bool(command.args["on"])
    buddy = next((b.name for b in member.buddies if b.consent == "accepted"), None)
    if member.nudge_buddy and buddy is None:  # no promise of someone who is not there
        return render("nudge_buddy_on_none")
    if member.nudge_buddy:
        return render("nudge_buddy_on", buddy=buddy)
    return render("nudge_buddy_off")


def _delete(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    member.delete_requested_at = now
    return render("delete_confirm")


def _usage(session: Session, settings: Settings, member: Member, command: Command, now: datetime) -> str:
    return render(f"usage_{command.args['topic']}")


_HANDLERS = {
    "pause": _pause, "resume": _resume, "time": _time, "days": _days, "zone": _zone, "buddy_add": _buddy_add,
    "buddy_list": _buddy_list, "buddy_remove": _buddy_remove, "buddy_pause": _buddy_pause,
    "buddy_resume": _buddy_resume, "share": _share, "nudge_buddy": _nudge_buddy, "delete": _delete, "usage": _usage,
}
