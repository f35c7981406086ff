"""Inbound texts: store first, then decide (service.conversation) and apply the decision."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import alerts, audit, outbox
from service.checkins import open_checkin
from service.config import Settings
from service.conversation import BuddyRole, Decision, Inbound, MemberState, decide
from service.crisis import crisis_line
from service.members import add_do_not_text, first_checkin_phrase
from service.models import Buddy, CheckIn, DoNotText, Member, Message
from service.phones import mask, phone_hash, region, split_address
from service.texts import render

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    replies: list[str] = field(default_factory=list)
    duplicate: bool = False
    intent: str = ""


def store(session: Session, *, sid: str, from_addr: str, to_addr: str, body: str) -> Message | None:
    """Commit the raw reply before anything else; None when this MessageSid was seen before."""
    message = Message(direction="in", status="received", provider_sid=sid, from_addr=from_addr[:40],
                      to_addr=to_addr[:40], body=body, kind="inbound")
    session.add(message)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return message


def crisis_reply(from_addr: str, name: str = "", told: str = "") -> str:
    line = crisis_line(region(split_address(from_addr)[0]))
    greeting = name or "Thank you"
    return render("crisis_reply", name=greeting, line=line.line, emergency=line.emergency, told=told)


def process(session: Session, settings: Settings, connection: Redis | None, message: Message, *,
            opt_out_type: str | None, now: datetime) -> Outcome:
    phone, channel = split_address(message.from_addr)
    member = session.scalar(select(Member).where(Member.phone == phone))
    roles = session.scalars(select(Buddy).where(Buddy.phone == phone)).all()
    checkin = open_checkin(session, member.id, now) if member else None
    inbound = Inbound(
        text=message.body or "",
        member=_member_state(member, checkin),
        buddy_roles=tuple(_role(session, b) for b in roles),
        opt_out_type=opt_out_type,
    )
    decision = decide(inbound)
    message.member_id = member.id if member else None
    if member is not None:
        member.last_inbound_at = now
    if decision.mood is not None:
        message.mood_level, message.mood_score = decision.mood.level, decision.mood.score
        message.mood_reason = ",".join(decision.mood.reasons)[:120]
    outcome = Outcome(intent=decision.intent)
    reply = _apply(session, settings, decision, member, list(roles), checkin, message, now)
    if reply:
        outcome.replies.append(reply)
        _record_reply(session, message, reply, decision)
    outbox.commit(session, connection)
    log.info("inbound %s from %s: %s", message.id, mask(phone), decision.intent)
    return outcome


def _member_state(member: Member | None, checkin: CheckIn | None) -> MemberState | None:
    if member is None:
        return None
    return MemberState(id=member.id, name=member.name, status=member.status,
                       has_open_checkin=checkin is not None,
                       followup_asked=bool(checkin and checkin.followup_asked))


def _role(session: Session, buddy: Buddy) -> BuddyRole:
    return BuddyRole(id=buddy.id, name=buddy.name, member_name=buddy.member.name, consent=buddy.consent,
                     open_alert=alerts.has_open_alert(session, buddy.id))


def _apply(session: Session, settings: Settings, d: Decision, member: Member | None, roles: list[Buddy],
           checkin: CheckIn | None, message: Message, now: datetime) -> str | None:
    handler = _HANDLERS.get(d.intent)
    if handler is not None:
        return handler(session, settings, d, member, roles, checkin, message, now)
    return render(d.reply, **d.reply_vars) if d.reply else None


def _on_crisis(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    told = ""
    if member is not None and d.alert_level:
        _answer(checkin, d, now, message)
        raised = alerts.raise_alerts(session, settings, member, "crisis", checkin=checkin, words=None, now=now)
        names = [session.get(Buddy, a.buddy_id).name for a in raised if a.buddy_id]  # type: ignore[union-attr]
        if names:
            told = f" I've let {' and '.join(names)} know too."
    audit.record(session, "crisis_reply", member_id=member.id if member else None, message_id=message.id)
    return crisis_reply(message.from_addr, member.name if member else "", told)


def _on_opt_out(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    phone, channel = split_address(message.from_addr)
    add_do_not_text(session, phone, "stop")
    if member is not None and member.status != "opted_out":
        member.status = "opted_out"
        audit.record(session, "member_opt_out", member_id=member.id, message_id=message.id,
                     actor="member", channel=channel)
    for buddy in roles:
        if buddy.consent != "stopped":
            buddy.consent, buddy.consent_at = "stopped", now
            audit.record(session, "buddy_stop", member_id=buddy.member_id, buddy_id=buddy.id,
                         message_id=message.id, actor="buddy", channel=channel)
    return render(d.reply) if d.reply else None


def _on_opt_in(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    phone, channel = split_address(message.from_addr)
    record = session.get(DoNotText, phone_hash(phone))
    if record is not None:
        session.delete(record)
    if member is not None and member.status == "opted_out":
        member.status = "active" if member.consent_at else "pending"
        audit.record(session, "member_opt_in", member_id=member.id, message_id=message.id,
                     actor="member", channel=channel)
    for buddy in roles:
        if buddy.consent == "stopped":
            buddy.consent, buddy.consent_at = "accepted", now
            audit.record(session, "buddy_opt_in", member_id=buddy.member_id, buddy_id=buddy.id,
                         message_id=message.id, actor="buddy", channel=channel)
    return None  # Twilio confirms START itself on long codes


def _on_help(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    emergency = crisis_line(region(split_address(message.from_addr)[0])).emergency
    return render("help", contact=settings.help_contact, emergency=emergency)


def _on_buddy_consent(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    accepted = d.intent == "buddy_accept"
    for buddy in roles:
        if buddy.id in d.buddy_ids:
            buddy.consent, buddy.consent_at = ("accepted" if accepted else "declined"), now
            audit.record(session, "buddy_accept" if accepted else "buddy_decline", member_id=buddy.member_id,
                         buddy_id=buddy.id, message_id=message.id, actor="buddy",
                         channel=split_address(message.from_addr)[1])
    return render(d.reply, **d.reply_vars)


def _on_buddy_ack(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    alerts.acknowledge(session, d.buddy_ids, now)
    for buddy_id in d.buddy_ids:
        audit.record(session, "alert_acknowledged", buddy_id=buddy_id, message_id=message.id, actor="buddy")
    return render(d.reply, **d.reply_vars)


def _on_member_consent(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    member.status, member.consent_at = "active", now
    audit.record(session, "member_consent", member_id=member.id, message_id=message.id, actor="member",
                 channel=split_address(message.from_addr)[1])
    return render("member_confirmed", name=member.name, time=first_checkin_phrase(member))


def _on_member_decline(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    audit.record(session, "member_decline", member_id=member.id, message_id=message.id, actor="member")
    return render(d.reply, **d.reply_vars)


def _on_followup(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    checkin.followup_asked = True
    return render(d.reply, **d.reply_vars)


def _on_mood(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    _answer(checkin, d, now, message)
    if d.alert_level and member.status in ("active", "paused"):
        raised = alerts.raise_alerts(session, settings, member, d.alert_level, checkin=checkin,
                                     words=message.body, now=now)
        if raised and raised[0].buddy_id:
            return render("reply_low_buddy", name=member.name, buddy=session.get(Buddy, raised[0].buddy_id).name)
    return render(d.reply, **d.reply_vars) if d.reply else None


def _on_stranger(session, settings, d, member, roles, checkin, message, now):  # type: ignore[no-untyped-def]
    # One explanation a day at most: a stranger texting twice must not get a robot's monologue.
    recent = session.scalar(select(Message.id).where(
        Message.kind == "stranger", Message.to_addr == message.from_addr,
        Message.created_at >= now - timedelta(days=1)).limit(1))
    return None if recent is not None else render("stranger")


def _answer(checkin: CheckIn | None, d: Decision, now: datetime, message: Message) -> None:
    if checkin is None or d.mood is None:
        return
    checkin.state, checkin.answered_at = "answered", now
    checkin.mood_level, checkin.mood_score = d.mood.level, d.mood.score
    checkin.mood_reason = ",".join(d.mood.reasons)[:120]
    message.checkin_id = checkin.id


def _record_reply(session: Session, inbound: Message, text: str, d: Decision) -> None:
    """The TwiML reply is a message too: keep a row so counts and audits see it."""
    kind = "stranger" if d.intent == "stranger" else "reply"
    session.add(Message(direction="out", status="sent", kind=kind, to_addr=inbound.from_addr,
                        from_addr=inbound.to_addr, body=text, member_id=inbound.member_id,
                        checkin_id=inbound.checkin_id, attempts=1))


_HANDLERS = {
    "crisis": _on_crisis, "opt_out": _on_opt_out, "opt_in": _on_opt_in, "help": _on_help,
    "buddy_accept": _on_buddy_consent, "buddy_decline": _on_buddy_consent, "buddy_ack": _on_buddy_ack,
    "member_consent": _on_member_consent, "member_decline": _on_member_decline,
    "followup": _on_followup, "mood": _on_mood, "stranger": _on_stranger,
}
