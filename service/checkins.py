"""Planning and sending check-ins, and finding the one a reply answers."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import audit, outbox
from service.config import Settings
from service.members import is_do_not_text, sender_for
from service.models import CheckIn, Member
from service.phones import InvalidPhone, address, parse_phone
from service.schedule import latest_due, parse_time, parse_zone
from service.texts import render

log = logging.getLogger(__name__)

OPEN_STATES = ("planned", "sent")
OPEN_FOR = timedelta(hours=20)


class SendRefused(ValueError):
    pass


def _write(session: Session, settings: Settings, member: Member, due: datetime, *, manual: bool) -> CheckIn | None:
    """One check-in and its message, or None when it already exists (a second planner got there)."""
    try:
        with session.begin_nested():
            checkin = CheckIn(member_id=member.id, due_at=due, state="planned", manual=manual)
            session.add(checkin)
            session.flush()
    except IntegrityError:
        return None
    # An earlier check-in she never answered is now missed: her silence, not ours.
    session.execute(update(CheckIn).where(
        CheckIn.member_id == member.id, CheckIn.id != checkin.id, CheckIn.state == "sent")
        .values(state="missed"))
    outbox.add(session, to=address(member.phone, member.channel), sender=sender_for(settings, member.channel),
               body=render("checkin", name=member.name), kind="checkin", member_id=member.id,
               checkin_id=checkin.id, validity_seconds=settings.checkin_validity_seconds)
    return checkin


def plan_due(session: Session, settings: Settings, now: datetime) -> int:
    """Write every scheduled check-in that is due and not yet written. Safe to run twice."""
    window = timedelta(minutes=settings.catch_up_minutes)
    members = session.scalars(select(Member).where(Member.status == "active")).all()
    existing = {(r.member_id, r.due_at) for r in session.execute(select(CheckIn.member_id, CheckIn.due_at).where(
        CheckIn.due_at >= now - window - timedelta(minutes=1)))}
    planned = 0
    for member in members:
        due = latest_due(parse_time(member.checkin_time), member.checkin_days, parse_zone(member.timezone), now)
        if due is None or now - due > window or (member.id, due) in existing:
            continue
        if member.consent_at is not None and due < member.consent_at:
            continue  # scheduled before she said YES: her first one is the next
        if _write(session, settings, member, due, manual=False) is not None:
            planned += 1
    return planned


def send_now(session: Session, settings: Settings, phone: str, *, force: bool, now: datetime,
             actor: str) -> CheckIn:
    try:
        phone = parse_phone(phone)
    except InvalidPhone as exc:
        raise SendRefused(str(exc)) from None
    member = session.scalar(select(Member).where(Member.phone == phone))
    if member is None:
        raise SendRefused("no member has that phone number")
    if member.status == "opted_out" or is_do_not_text(session, phone):
        raise SendRefused(f"{member.name} opted out; she will not be texted")
    if member.status == "pending":
        raise SendRefused(f"{member.name} has not replied YES yet")
    if member.status == "paused" and not force:
        raise SendRefused(f"{member.name} is paused; use --force to send anyway")
    checkin = _write(session, settings, member, now.replace(microsecond=0), manual=True)
    if checkin is None:
        raise SendRefused("a check-in was just sent; try again in a second")
    audit.record(session, "checkin_manual", member_id=member.id, actor=actor)
    return checkin


def open_checkin(session: Session, member_id: int, now: datetime) -> CheckIn | None:
    return session.scalar(select(CheckIn).where(
        CheckIn.member_id == member_id, CheckIn.state.in_(OPEN_STATES), CheckIn.due_at >= now - OPEN_FOR)
        .order_by(CheckIn.due_at.desc()).limit(1))
