"""Enrolment and the do-not-text record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import audit, outbox
from service.config import Settings
from service.models import Buddy, DoNotText, Member
from service.phones import InvalidPhone, address, parse_phone, phone_hash, time_zones
from service.schedule import ScheduleError, format_time, parse_time, parse_zone
from service.texts import render


class EnrolError(ValueError):
    pass


@dataclass(frozen=True)
class Enrolment:
    name: str
    phone: str
    time: str
    timezone: str
    buddy_name: str | None = None
    buddy_phone: str | None = None
    channel: str = "sms"


def sender_for(settings: Settings, channel: str) -> str:
    if channel == "whatsapp":
        return address(settings.twilio_whatsapp_from or settings.twilio_from_number, "whatsapp")
    return settings.sender


class NoSuchMember(ValueError):
    pass


def member_by_phone(session: Session, phone: str) -> Member:
    """The member with this number, however it was typed. InvalidPhone or NoSuchMember (both
    ValueErrors, in words an operator can act on) otherwise."""
    member = session.scalar(select(Member).where(Member.phone == parse_phone(phone)))
    if member is None:
        raise NoSuchMember("no member has that phone number")
    return member


def is_do_not_text(session: Session, phone: str) -> bool:
    return session.get(DoNotText, phone_hash(phone)) is not None


def add_do_not_text(session: Session, phone: str, reason: str) -> None:
    if not is_do_not_text(session, phone):
        session.add(DoNotText(phone_hash=phone_hash(phone), reason=reason))


def validate(session: Session, e: Enrolment) -> Enrolment:
    """Check everything before writing anything; EnrolError names the first problem."""
    name = " ".join((e.name or "").split())
    if not 1 <= len(name) <= 80:
        raise EnrolError("name must be 1 to 80 characters")
    if e.channel not in ("sms", "whatsapp"):
        raise EnrolError(f"channel must be sms or whatsapp, not {e.channel!r}")
    try:
        phone = parse_phone(e.phone)
        at = parse_time(e.time)
        zone = (e.timezone or "").strip() or _zone_from_number(phone)
        parse_zone(zone)
        buddy_phone = parse_phone(e.buddy_phone) if e.buddy_phone else None
    except (InvalidPhone, ScheduleError) as exc:
        raise EnrolError(str(exc)) from None
    if bool(e.buddy_name) != bool(e.buddy_phone):
        raise EnrolError("give both --buddy-name and --buddy-phone, or neither")
    if buddy_phone == phone:
        raise EnrolError("a mom cannot be her own buddy")
    if session.scalar(select(Member.id).where(Member.phone == phone)) is not None:
        raise EnrolError(f"a member with phone {phone[:-4]}•••• already exists")
    for number in filter(None, (phone, buddy_phone)):
        if is_do_not_text(session, number):
            raise EnrolError("that number asked not to be texted (do-not-text record)")
    return Enrolment(name, phone, at.strftime("%H:%M"), zone,
                     " ".join((e.buddy_name or "").split()) or None, buddy_phone, e.channel)


def _zone_from_number(phone: str) -> str:
    """Her zone when her number settles it; otherwise someone must say (a US number can span four)."""
    zones = time_zones(phone)
    if len(zones) != 1:
        raise EnrolError("her number does not settle her time zone: give one, e.g. --timezone America/Chicago")
    return zones[0]


def enrol(session: Session, settings: Settings, e: Enrolment, *, actor: str, now: datetime,
          welcome: bool = True) -> Member:
    """Write the member (pending her YES), her buddy (invited) and both consent texts.
    `welcome=False` when she already agreed by text (the JOIN dialogue)."""
    e = validate(session, e)
    member = Member(name=e.name, phone=e.phone, channel=e.channel, timezone=e.timezone,
                    checkin_time=e.time, status="pending")
    session.add(member)
    session.flush()
    audit.record(session, "member_enrolled", member_id=member.id, actor=actor, channel=e.channel)
    if welcome:
        outbox.add(session, to=address(e.phone, e.channel), sender=sender_for(settings, e.channel),
                   body=render("welcome", name=e.name), kind="welcome", member_id=member.id)
    if e.buddy_name and e.buddy_phone:
        invite_buddy(session, settings, member, e.buddy_name, e.buddy_phone, actor=actor, now=now)
    return member


def invite_buddy(session: Session, settings: Settings, member: Member, name: str, phone: str, *,
                 actor: str, now: datetime, channel: str = "sms") -> Buddy:
    position = len(member.buddies)
    buddy = Buddy(name=name, phone=phone, channel=channel, position=position, consent="invited", invited_at=now)
    member.buddies.append(buddy)
    session.flush()
    audit.record(session, "buddy_invited", member_id=member.id, buddy_id=buddy.id, actor=actor, channel=channel)
    outbox.add(session, to=address(phone, channel), sender=sender_for(settings, channel),
               body=render("buddy_invite", buddy=name, member=member.name), kind="invite",
               member_id=member.id, buddy_id=buddy.id)
    return buddy


def checkin_time_phrase(member: Member) -> str:
    """Her daily check-in time as people text it: '8:00pm'."""
    return format_time(parse_time(member.checkin_time))


def pause(session: Session, member: Member, until: datetime | None, *, actor: str) -> None:
    member.status, member.paused_until = "paused", until
    audit.record(session, "member_paused", member_id=member.id, actor=actor,
                 detail=f"until {until.isoformat()}" if until else "until resumed")


def resume(session: Session, member: Member, *, actor: str) -> None:
    if member.status == "paused":
        member.status, member.paused_until = "active", None
        audit.record(session, "member_resumed", member_id=member.id, actor=actor)


def erase(session: Session, member: Member, *, actor: str) -> None:
    """Her DELETE: erase her messages, check-ins, alerts and buddies; keep anonymous counts and
    the hashed do-not-text record, so no re-import or re-invite can text her again."""
    from sqlalchemy import delete, update as sql_update

    from service.models import Alert, CheckIn, Event, Message

    member_id = member.id
    add_do_not_text(session, member.phone, "deleted")
    session.execute(sql_update(Message).where(Message.member_id == member_id).values(
        body=None, to_addr="erased", from_addr="erased", member_id=None, buddy_id=None,
        checkin_id=None, alert_id=None))
    session.execute(sql_update(Event).where(Event.member_id == member_id).values(member_id=None, buddy_id=None))
    session.execute(delete(Alert).where(Alert.member_id == member_id))
    session.execute(delete(CheckIn).where(CheckIn.member_id == member_id))
    session.delete(member)  # buddies go with her (cascade)
    session.flush()
    audit.record(session, "member_erased", actor=actor)


REMIND_AFTER = timedelta(hours=48)


def not_inviting_for(session: Session, member: Member, now: datetime) -> str | None:
    """Why nobody may be invited or reminded on her behalf (she said STOP, or is deleting her data), or None."""
    from service.member_commands import DELETE_CONFIRM_WINDOW  # it imports this module

    if member.status == "opted_out" or is_do_not_text(session, member.phone):
        return f"{member.name} opted out (STOP); nobody is texted on her behalf"
    requested = member.delete_requested_at
    if requested is not None and now - requested < DELETE_CONFIRM_WINDOW:
        return f"{member.name} asked to delete her data; nobody is texted on her behalf"
    return None


def remind_invitations(session: Session, settings: Settings, now: datetime) -> int:
    """One reminder to a buddy who has not answered in 48 h; 48 h after that, she is told once.
    Never on behalf of a mom who opted out or is deleting her data."""
    done = 0
    for buddy in session.scalars(select(Buddy).join(Member, Member.id == Buddy.member_id).where(
            Buddy.consent == "invited", Buddy.member_told_at.is_(None), Member.status != "opted_out")):
        if buddy.invited_at is None or is_do_not_text(session, buddy.phone):
            continue
        member = buddy.member
        if not_inviting_for(session, member, now) is not None:
            continue
        if buddy.reminded_at is None and now - buddy.invited_at >= REMIND_AFTER:
            buddy.reminded_at = now
            outbox.add(session, to=address(buddy.phone, buddy.channel), sender=sender_for(settings, buddy.channel),
                       body=render("invite_reminder", buddy=buddy.name, member=member.name), kind="invite",
                       member_id=member.id, buddy_id=buddy.id)
            done += 1
        elif buddy.reminded_at is not None and now - buddy.reminded_at >= REMIND_AFTER:
            buddy.member_told_at = now
            if member.status in ("active", "paused", "pending"):
                outbox.add(session, to=address(member.phone, member.channel), sender=sender_for(settings, member.channel),
                           body=render("invite_unanswered", buddy=buddy.name), kind="system", member_id=member.id)
            done += 1
    return done
