"""Applying a conversation Decision: state changes, alerts and the reply text (or None)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import alerts, audit, member_commands, outbox, quiet, signups
from service.config import Settings
from service.conversation import Decision
from service.crisis import crisis_line
from service.members import add_do_not_text, erase, checkin_time_phrase, sender_for
from service.models import Alert, Buddy, CheckIn, DoNotText, Member, Message, Signup
from service.phones import address, phone_hash, region, split_address
from service.schedule import format_time, parse_quiet
from service.texts import render


@dataclass
class Context:
    session: Session
    settings: Settings
    decision: Decision
    member: Member | None
    roles: list[Buddy]
    checkin: CheckIn | None
    message: Message
    now: datetime
    phone: str

    @property
    def channel(self) -> str:
        return split_address(self.message.from_addr)[1]

    def event(self, kind: str, **links: int | None) -> None:
        audit.record(self.session, kind, message_id=self.message.id, channel=self.channel,
                     actor="buddy" if "buddy_id" in links else "member", **links)  # type: ignore[arg-type]


def apply(c: Context) -> str | None:
    handler = _HANDLERS.get(c.decision.intent)
    if handler is not None:
        return handler(c)
    d = c.decision
    return render(d.reply, **d.reply_vars) if d.reply else None


def record(session: Session, inbound: Message, text: str, intent: str) -> None:
    """The TwiML reply is a message too: keep a row so counts and audits see it."""
    session.add(Message(direction="out", status="sent", kind="stranger" if intent == "stranger" else "reply",
                        to_addr=inbound.from_addr, from_addr=inbound.to_addr, body=text,
                        member_id=inbound.member_id, checkin_id=inbound.checkin_id, attempts=1))


LATE_ACK_NOTICE = timedelta(hours=6)  # an OK this long after the alert names the day it answers


def _text_member(c: Context, member: Member, kind: str, body: str) -> None:
    outbox.add(c.session, to=address(member.phone, member.channel), sender=sender_for(c.settings, member.channel),
               body=body, kind=kind, member_id=member.id)


def crisis_reply(from_addr: str, name: str = "", told: str = "", lines: str = "") -> str:
    """Built from the number alone, so it can go out when the database is down."""
    line = crisis_line(region(split_address(from_addr)[0]), lines)
    return render("crisis_reply", name=name or "Thank you", line=line.line, emergency=line.emergency, told=told)


def _crisis(c: Context) -> str:
    told = ""
    if c.member is not None:
        c.member.last_crisis_at = c.now
    if c.member is not None and c.decision.alert_level:
        _answer(c)
        raised = alerts.raise_alerts(c.session, c.settings, c.member, "crisis", checkin=c.checkin, words=None, now=c.now,
                                     message_id=c.message.id)
        names = [b.name for a in raised if a.buddy_id for b in [c.session.get(Buddy, a.buddy_id)] if b]
        if names:
            told = f" I've let {' and '.join(names)} know too."
    audit.record(c.session, "crisis_reply", member_id=c.member.id if c.member else None, message_id=c.message.id)
    return crisis_reply(c.message.from_addr, c.member.name if c.member else "", told, c.settings.crisis_lines)


def _opt_out(c: Context) -> str | None:
    add_do_not_text(c.session, c.phone, "stop")
    signup = c.session.get(Signup, c.phone)
    if signup is not None:
        c.session.delete(signup)
    if c.member is not None and c.member.status != "opted_out":
        c.member.status = "opted_out"
        c.event("member_opt_out", member_id=c.member.id)
    for buddy in c.roles:
        if buddy.consent != "stopped":
            buddy.consent, buddy.consent_at = "stopped", c.now
            c.event("buddy_stop", member_id=buddy.member_id, buddy_id=buddy.id)
            # She is told once, and asked to choose another.
            _text_member(c, buddy.member, "system", render("buddy_stopped_member", buddy=buddy.name))
    return render(c.decision.reply) if c.decision.reply else None


def _opt_in(c: Context) -> None:
    record = c.session.get(DoNotText, phone_hash(c.phone))
    if record is not None:
        c.session.delete(record)
    if c.member is not None and c.member.status == "opted_out":
        c.member.status = "active" if c.member.consent_at else "pending"
        c.event("member_opt_in", member_id=c.member.id)
    for buddy in c.roles:
        if buddy.consent == "stopped":
            buddy.consent, buddy.consent_at = "accepted", c.now
            c.event("buddy_opt_in", member_id=buddy.member_id, buddy_id=buddy.id)
    return None  # Twilio confirms START itself on long codes


def _help(c: Context) -> str:
    emergency = crisis_line(region(c.phone), c.settings.crisis_lines).emergency
    text = render("help", contact=c.settings.help_contact, emergency=emergency)
    if c.member is not None and c.member.status in ("active", "paused"):
        text += "\n" + render("help_commands")  # what she can change herself, by text
    return text


def _buddy_consent(c: Context) -> str:
    accepted = c.decision.intent == "buddy_accept"
    for buddy in c.roles:
        if buddy.id in c.decision.buddy_ids:
            buddy.consent, buddy.consent_at = ("accepted" if accepted else "declined"), c.now
            c.event("buddy_accept" if accepted else "buddy_decline", member_id=buddy.member_id, buddy_id=buddy.id)
            if not accepted and buddy.member.status in ("active", "paused", "pending"):
                # Else she believes someone would hear when she is struggling.
                _text_member(c, buddy.member, "system", render("buddy_declined_member", buddy=buddy.name))
    d = c.decision
    return render(d.reply, **d.reply_vars)  # type: ignore[arg-type]


def _buddy_ack(c: Context) -> str:
    acked = alerts.acknowledge(c.session, c.settings, c.decision.buddy_ids, c.now)
    for buddy in c.roles:
        if buddy.id in c.decision.buddy_ids:
            c.event("alert_acknowledged", member_id=buddy.member_id, buddy_id=buddy.id)
            hers = [a for a in acked if a.buddy_id == buddy.id]
            if hers and all(a.handled_by == "member" for a in hers):
                continue  # she put her answer right since ("I meant 4"): "Sarah is reaching out" would confuse
            if c.settings.ack_notify_member and buddy.member.status in ("active", "paused"):
                _text_member(c, buddy.member, "system", _ack_notice(c, buddy, hers))
    d = c.decision
    return render(d.reply, **d.reply_vars)  # type: ignore[arg-type]


def _ack_notice(c: Context, buddy: Buddy, acked: list[Alert]) -> str:
    """'Sarah knows and is reaching out to you', naming the day when the alert is hours old."""
    raised = max((a.created_at for a in acked), default=c.now)
    if c.now - raised < LATE_ACK_NOTICE:
        return render("ack_member", buddy=buddy.name)
    try:
        zone = ZoneInfo(buddy.member.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        zone = ZoneInfo("UTC")
    then, today = raised.astimezone(zone).date(), c.now.astimezone(zone).date()
    when = "from earlier today" if then == today else "from yesterday" if (today - then).days == 1 else f"from {then:%A}"
    return render("ack_member_late", buddy=buddy.name, when=when)


def _buddy_cannot(c: Context) -> str:
    """Her buddy cannot reach her: the alert goes on now (alerts.pass_on); the buddy is told to whom."""
    buddy_id = c.decision.buddy_ids[0]
    buddy = next(b for b in c.roles if b.id == buddy_id)
    level, asked = alerts.pass_on(c.session, c.settings, buddy_id, c.now)
    names = {"buddy": buddy.name, "member": buddy.member.name}
    if level == "crisis":
        emergency = crisis_line(region(buddy.member.phone), c.settings.crisis_lines).emergency
        return render("buddy_cannot_crisis" if asked else "buddy_cannot_crisis_nobody", emergency=emergency, **names)
    if asked:
        return render("buddy_cannot_low", next=asked, **names)
    return render("buddy_cannot_low_nobody", **names)


def _member_consent(c: Context) -> str:
    assert c.member is not None
    c.member.status, c.member.consent_at = "active", c.now
    c.event("member_consent", member_id=c.member.id)
    return render("member_confirmed", name=c.member.name, time=checkin_time_phrase(c.member))


def _member_decline(c: Context) -> str:
    assert c.member is not None
    c.event("member_decline", member_id=c.member.id)
    return render("member_declined", name=c.member.name)


def _followup(c: Context) -> str:
    assert c.checkin is not None
    c.checkin.followup_asked = True
    return render("followup", name=c.decision.reply_vars["name"])


def _mood(c: Context) -> str | None:
    member, d = c.member, c.decision
    assert member is not None
    _answer(c)
    buddy_name, later, when = None, False, None
    if d.alert_level and member.status in ("active", "paused"):
        raised = alerts.raise_alerts(c.session, c.settings, member, d.alert_level, checkin=c.checkin,
                                     words=c.message.body, now=c.now, message_id=c.message.id,
                                     days="trend:three_low" in d.mood.reasons)
        buddy = c.session.get(Buddy, raised[0].buddy_id) if raised and raised[0].buddy_id else None
        buddy_name = buddy.name if buddy else None
        # A low alert waits for the end of her buddy's quiet hours (service.quiet): say so, truthfully.
        if buddy is not None:
            when = _when_buddy_told(c, member, quiet.buddy_zone(buddy, member))
            later = when is not None
    if d.intent == "mood_more":  # more of what she was saying (conversation.FOLLOW_ON)
        if not buddy_name:
            return render("reply_more", name=member.name) if d.reply else None
        d = replace(d, reply="reply_low")  # a low turn reached her buddy: she is told who, and when
    kind = d.reply or "reply_ok"
    if kind == "correction_better" and c.checkin is not None:
        spared, told = alerts.withdraw_low(c.session, c.checkin.id, c.now,
                                           note=f"she corrected her answer to {d.reply_vars['score']}")
        if told or spared:
            return render("correction_better_told" if told else "correction_better_withdrawn", name=member.name,
                          score=d.reply_vars["score"], buddy=" and ".join(told or spared))
    if kind.startswith("correction_"):
        return render(kind, name=member.name, score=d.reply_vars["score"])
    if kind == "reply_after_crisis":
        line = crisis_line(region(member.phone), c.settings.crisis_lines)
        return render(kind, name=member.name, line=line.line, emergency=line.emergency)
    if kind in ("reply_low", "reply_trend", "reply_dip") and buddy_name:
        kind += "_buddy_later" if later else "_buddy"
    if kind == "reply_unsafe":
        line = crisis_line(region(member.phone), c.settings.crisis_lines)
        kind += "_us" if region(member.phone) == "US" else ""
        return render(kind, name=member.name, emergency=line.emergency)
    if kind in ("reply_low", "reply_low_buddy", "reply_low_buddy_later") and region(member.phone) == "US":
        kind += "_us"  # the National Maternal Mental Health Hotline, for struggling-but-safe moms
    extra = {"buddy": buddy_name} if buddy_name else {}
    if later:
        extra["when"] = when or "in the morning"
    return render(kind, variant=d.variant, name=member.name, **extra)


def _when_buddy_told(c: Context, member: Member, zone: ZoneInfo) -> str | None:
    """When a held low alert reaches her buddy, in her words: "in the morning" when they share a
    clock, else the hour on hers ("at 1:00pm your time"): it may be morning for her already."""
    until = quiet.quiet_until(c.now, zone, parse_quiet(c.settings.quiet_hours))
    if until is None:
        return None
    try:
        hers = ZoneInfo(member.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        return "in the morning"
    if c.now.astimezone(hers).utcoffset() == c.now.astimezone(zone).utcoffset():
        return "in the morning"
    return f"at {format_time(until.astimezone(hers).time())} your time"


def _command(c: Context) -> str:
    assert c.member is not None and c.decision.command is not None
    return member_commands.apply(c.session, c.settings, c.member, c.decision.command, c.message, c.now)


def _delete_confirmed(c: Context) -> str:
    assert c.member is not None
    erase(c.session, c.member, actor="member")
    c.message.member_id, c.message.body, c.message.from_addr = None, None, "erased"  # her words go too
    return render("deleted")


def _signup(c: Context) -> str:
    assert c.decision.turn is not None
    return signups.apply(c.session, c.settings, c.phone, c.decision.turn, c.message, c.now)


def _stranger(c: Context) -> str | None:
    # One explanation a day at most: a stranger texting twice must not get a robot's monologue.
    recent = c.session.scalar(select(Message.id).where(
        Message.kind == "stranger", Message.to_addr == c.message.from_addr,
        Message.created_at >= c.now - timedelta(days=1)).limit(1))
    return None if recent is not None else render("stranger")


def _answer(c: Context) -> None:
    d = c.decision
    if c.checkin is None or d.mood is None:
        return
    c.checkin.state, c.checkin.answered_at = "answered", c.now
    c.checkin.mood_level, c.checkin.mood_score = d.mood.level, d.mood.score
    c.checkin.mood_reason = ",".join(d.mood.reasons)[:120]
    c.message.checkin_id = c.checkin.id


def _operator_ack(c: Context) -> str:
    mom, still_open = alerts.acknowledge_operator(c.session, c.now, c.message.body or "")
    audit.record(c.session, "operator_ack", message_id=c.message.id, actor="operator", detail=mom or "nothing open")
    if mom is None:
        return render("operator_ack_which", others=" and ".join(still_open)) if still_open else render("operator_ack_none")
    if still_open:
        return render("operator_ack_more", member=mom, others=" and ".join(still_open))
    return render("operator_ack", member=mom)


_HANDLERS: dict[str, Callable[[Context], str | None]] = {
    "crisis": _crisis, "opt_out": _opt_out, "opt_in": _opt_in, "help": _help,
    "buddy_accept": _buddy_consent, "buddy_decline": _buddy_consent, "buddy_ack": _buddy_ack,
    "buddy_cannot": _buddy_cannot,
    "member_consent": _member_consent, "member_decline": _member_decline, "followup": _followup,
    "mood": _mood, "mood_more": _mood, "command": _command, "delete_confirmed": _delete_confirmed, "signup": _signup,
    "stranger": _stranger, "operator_ack": _operator_ack,
}
