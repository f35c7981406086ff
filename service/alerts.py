"""Buddy and operator alerts: who is told, when, and in what words."""
from __future__ import annotations

import functools
import logging
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from service import audit, outbox
from service.config import Settings
from service.crisis import crisis_line
from service.members import sender_for
from service.models import Alert, Buddy, CheckIn, Member, Message
from service.phones import InvalidPhone, address, parse_phone, readable, region, split_address
from service.texts import render

log = logging.getLogger(__name__)

OPEN_STATES = ("pending", "sent")
# What a buddy's OK answers: an open alert, or a low one passed on to her next buddy after an hour
# in the last LATE_ACK (a buddy at work answers late; her OK still counts, and the mom is told).
LATE_ACK = timedelta(days=2)


def _ackable(now: datetime) -> Any:
    return and_(Alert.acknowledged_at.is_(None), or_(
        Alert.state.in_(OPEN_STATES), and_(Alert.state == "escalated", Alert.created_at >= now - LATE_ACK)))


def operator_phone(settings: Settings) -> str | None:
    """OPERATOR_ALERT_PHONE in E.164, or None when unset (start-up refuses one that cannot be texted)."""
    return _parsed_operator_phone(settings.operator_alert_phone) if settings.operator_alert_phone else None


@functools.lru_cache(maxsize=4)  # every reply asks whether it comes from the operator
def _parsed_operator_phone(raw: str) -> str | None:
    try:
        return parse_phone(raw)
    except InvalidPhone:
        return None


def accepted_buddies(member: Member) -> list[Buddy]:
    """Buddies who may be alerted now: they said YES and she has not said STOP BUDDY."""
    if member.buddy_alerts_paused:
        return []
    return [b for b in member.buddies if b.consent == "accepted"]


def raise_alerts(session: Session, settings: Settings, member: Member, level: str, *,
                 checkin: CheckIn | None, words: str | None, now: datetime,
                 message_id: int | None = None, days: bool = False) -> list[Alert]:
    """Alerts for a low or crisis reply (`message_id`, the reply; `days`: low for several days in a
    row, which her buddy is told). Returns those written (empty when none was due)."""
    if level == "low":
        return _low_alert(session, settings, member, checkin=checkin, words=words, now=now, message_id=message_id,
                          days=days)
    buddies = accepted_buddies(member)
    if not buddies:
        return _operator_alert(session, settings, member, checkin=checkin, message_id=message_id)
    emergency = crisis_line(region(member.phone)).emergency
    body = lambda b: render("alert_crisis", buddy=b.name, member=member.name, emergency=emergency)  # noqa: E731
    return [_alert_buddy(session, settings, member, b, "crisis", body(b), checkin, message_id) for b in buddies]


# Built once: every low reply runs it.
_RECENT_LOW_ALERT = select(Alert.id).where(Alert.member_id == bindparam("member_id"), Alert.level == "low",
                                           Alert.state != "withdrawn", Alert.created_at >= bindparam("since")).limit(1)


def _low_alert(session: Session, settings: Settings, member: Member, *, checkin: CheckIn | None,
               words: str | None, now: datetime, message_id: int | None, days: bool = False) -> list[Alert]:
    since = now - timedelta(hours=settings.low_alert_cooldown_hours)
    recent = session.scalar(_RECENT_LOW_ALERT, {"member_id": member.id, "since": since})
    buddies = accepted_buddies(member)
    if recent is not None:
        return []
    if not buddies:
        # Nobody she chose can be told: the safety queue shows it, so a low reply never simply vanishes.
        alert = Alert(member_id=member.id, checkin_id=checkin.id if checkin else None, message_id=message_id,
                      level="low", recipient="none", state="unrouted")
        session.add(alert)
        audit.record(session, "alert_low_unrouted", member_id=member.id,
                     detail="she paused buddy alerts" if member.buddy_alerts_paused else "no buddy has agreed")
        return [alert]
    buddy = buddies[0]
    if member.share_words and words:
        body = render("alert_low_words", buddy=buddy.name, member=member.name, words=words.strip()[:300])
    else:
        body = render("alert_low_days" if days else "alert_low", buddy=buddy.name, member=member.name)
    return [_alert_buddy(session, settings, member, buddy, "low", body, checkin, message_id)]


def _alert_buddy(session: Session, settings: Settings, member: Member, buddy: Buddy, level: str,
                 body: str, checkin: CheckIn | None, message_id: int | None) -> Alert:
    alert = Alert(member_id=member.id, buddy_id=buddy.id, checkin_id=checkin.id if checkin else None,
                  message_id=message_id, level=level, recipient="buddy", state="pending")
    session.add(alert)
    outbox.add(session, to=address(buddy.phone, buddy.channel), sender=sender_for(settings, buddy.channel),
               body=body, kind="alert", urgent=True, member_id=member.id, buddy_id=buddy.id, alert=alert)
    audit.record(session, f"alert_{level}", member_id=member.id, buddy_id=buddy.id)
    return alert


def _operator_alert(session: Session, settings: Settings, member: Member, *,
                    checkin: CheckIn | None, message_id: int | None) -> list[Alert]:
    phone = operator_phone(settings)
    if phone is None:
        # Nobody to text: the status page's safety queue is the last line.
        log.error("crisis from member %s and no accepted buddy nor OPERATOR_ALERT_PHONE", member.id)
        audit.record(session, "crisis_unrouted", member_id=member.id)
        alert = Alert(member_id=member.id, checkin_id=checkin.id if checkin else None, message_id=message_id,
                      level="crisis", recipient="operator", state="unrouted")
        session.add(alert)
        return [alert]
    alert = Alert(member_id=member.id, checkin_id=checkin.id if checkin else None, message_id=message_id,
                  level="crisis", recipient="operator", state="pending")
    session.add(alert)
    outbox.add(session, to=phone, sender=settings.sender, body=operator_text("alert_crisis_operator", member),
               kind="alert", urgent=True, member_id=member.id, alert=alert)
    audit.record(session, "alert_crisis_operator", member_id=member.id)
    return [alert]


def operator_text(kind: str, member: Member, **values: str) -> str:
    """A text to the on-duty operator about a mom: her name, number and channel, so she can be
    reached at once (the status page masks numbers; this goes to the operator's own phone)."""
    channel = " on WhatsApp" if member.channel == "whatsapp" else ""
    return render(kind, member_id=member.id, member=member.name, phone=readable(member.phone) + channel, **values)


def same_episode(alert: Alert) -> Any:
    """A WHERE clause for the alerts raised by the same reply as `alert` (its check-in's answer, or
    the one reply that answered none): figures.episode_key in SQL."""
    if alert.checkin_id is not None:
        return Alert.checkin_id == alert.checkin_id
    if alert.message_id is not None:
        return Alert.message_id == alert.message_id
    return Alert.id == alert.id


def acknowledge(session: Session, settings: Settings, buddy_ids: tuple[int, ...], now: datetime) -> list[Alert]:
    """Her buddy's OK. When a crisis of the same reply was already passed to the on-duty operator,
    the operator is told a buddy has answered, so two people do not work blind of each other."""
    acked = session.scalars(select(Alert).where(Alert.buddy_id.in_(buddy_ids), _ackable(now))
                            .with_for_update()).all()
    phone = operator_phone(settings)
    told: set[int] = set()
    for alert in acked:
        alert.state, alert.acknowledged_at = "acknowledged", now
        if alert.level != "crisis" or phone is None or alert.member_id in told:
            continue
        escalated = alert.escalated_at is not None or session.scalar(select(Alert.id).where(
            same_episode(alert), Alert.recipient == "operator", Alert.state.not_in(("unrouted", "failed"))).limit(1))
        member = session.get(Member, alert.member_id) if escalated else None
        buddy = session.get(Buddy, alert.buddy_id) if escalated and alert.buddy_id else None
        if member is not None and buddy is not None:
            outbox.add(session, to=phone, sender=settings.sender, kind="alert", urgent=True, member_id=member.id,
                       body=render("operator_buddy_answered", buddy=buddy.name, member=member.name,
                                   member_id=member.id))
            told.add(member.id)
    return list(acked)


_ACK_FILLER = frozenset("""ok okay k kk on it will do got calling call called her now thanks thank you ty i im i'm am
    my way done yes yep sure the a to and reaching out contacted talked spoke with safe she shes she's is will
    go going handling handled me""".split())


def _names_someone(text: str) -> bool:
    """Whether an operator's OK carries words beyond the acknowledgement itself: a name or a number."""
    return any(word not in _ACK_FILLER for word in re.findall(r"#?[\w']+", text.lower()))


def acknowledge_operator(session: Session, now: datetime, text: str = "") -> tuple[str | None, list[str]]:
    """The on-duty operator answered OK: the alerts about the mom she names ("on it, Erin" or "#4"),
    else about the mom of the newest alert texted to her, are acknowledged; one OK must not close
    another mom's crisis. Returns that mom ("Erin (#4)") and the moms whose alerts stay open; no mom
    when the OK names someone no open alert is about (nothing is closed then)."""
    rows = session.execute(select(Alert, Member.name).join(Member, Member.id == Alert.member_id)
                           .where(Alert.recipient == "operator", Alert.state.in_(OPEN_STATES))
                           .order_by(Alert.created_at.desc())).all()
    if not rows:
        return None, []
    moms = {alert.member_id: f"{name} (#{alert.member_id})" for alert, name in reversed(rows)}
    named = {alert.member_id for alert, name in rows
             if re.search(rf"\b{re.escape(name)}\b|#?\b{alert.member_id}\b", text, re.IGNORECASE)}
    if not named and _names_someone(text):  # "ok, Kim" with no open alert about a Kim: ask, close nothing
        return None, list(moms.values())
    chosen = named.pop() if len(named) == 1 else rows[0][0].member_id
    for alert, _name in rows:
        if alert.member_id == chosen:
            alert.state, alert.acknowledged_at = "acknowledged", now
    return moms[chosen], [label for member_id, label in moms.items() if member_id != chosen]


def withdraw_low(session: Session, checkin_id: int, now: datetime, *, note: str) -> tuple[list[str], list[str]]:
    """She put her low answer right ("sorry, I meant 4"). Low alerts of that check-in not yet texted
    are withdrawn (their texts cancelled before a worker takes them); those already texted stay open
    for her buddy's OK, but nothing escalates. Every one leaves the safety queue as handled by her.
    Returns the names of the buddies spared the text, and of those who were already told."""
    spared: list[str] = []
    told: list[str] = []
    for alert in session.scalars(select(Alert).where(
            Alert.checkin_id == checkin_id, Alert.level == "low", Alert.state.in_(OPEN_STATES),
            Alert.handled_at.is_(None)).with_for_update()).all():
        texts = list(session.scalars(select(Message).where(Message.alert_id == alert.id).with_for_update()))
        buddy = session.get(Buddy, alert.buddy_id) if alert.buddy_id else None
        name = buddy.name if buddy else "the on-duty team"
        if texts and all(t.status == "pending" for t in texts):
            for text in texts:
                text.status, text.error_code = "canceled", "withdrawn"
            alert.state = "withdrawn"
            spared.append(name)
        else:
            told.append(name)
        alert.handled_at, alert.handled_by, alert.handled_note = now, "member", note[:200]
        audit.record(session, "alert_withdrawn" if alert.state == "withdrawn" else "alert_corrected",
                     member_id=alert.member_id, buddy_id=alert.buddy_id, actor="member")
    return spared, told


def newest_open_alert(session: Session, buddy_id: int, now: datetime) -> tuple[datetime | None, bool]:
    """When this buddy's newest alert still waiting for her OK was raised (or None), and whether a
    crisis is among them."""
    newest, crisis = session.execute(select(func.max(Alert.created_at), func.max(case((Alert.level == "crisis", 1),
                                                                                      else_=0)))
                                     .where(Alert.buddy_id == buddy_id, _ackable(now))).one()
    return newest, bool(crisis)


def escalate_low(session: Session, settings: Settings, now: datetime) -> int:
    """A low alert nobody acknowledged within LOW_ESCALATION_MINUTES goes to her next accepted buddy."""
    cutoff = now - timedelta(minutes=settings.low_escalation_minutes)
    # Counted from when her buddy was texted, not from the reply: an alert held overnight by quiet
    # hours gives her buddy the same hour in the morning before the next buddy is asked.
    sent_before_cutoff = select(Message.id).where(
        Message.alert_id == Alert.id, Message.status.in_(("sent", "delivered", "read")),
        Message.updated_at <= cutoff).exists()
    stale = session.scalars(select(Alert).where(
        Alert.level == "low", Alert.state == "sent", Alert.recipient == "buddy", Alert.created_at <= cutoff,
        Alert.handled_at.is_(None), sent_before_cutoff).with_for_update(skip_locked=True)).all()
    escalated = 0
    for alert in stale:
        if session.scalar(select(Alert.id).where(same_episode(alert), Alert.acknowledged_at.is_not(None)).limit(1)):
            # Another buddy of hers already answered this one: nobody else need be asked.
            alert.handled_at, alert.handled_by, alert.handled_note = now, "buddy", "another buddy acknowledged"
            continue
        if _low_to_next_buddy(session, settings, alert) is not None:
            escalated += 1
    return escalated


def _low_to_next_buddy(session: Session, settings: Settings, alert: Alert, *,
                       could_not: str | None = None) -> Buddy | None:
    """Mark a low alert escalated and alert her next accepted buddy not yet asked; that buddy, or None.
    `could_not`: the buddy who said she could not reach her, named to the next."""
    alert.state = "escalated"
    member = session.get(Member, alert.member_id)
    if member is None:
        return None
    tried = set(session.scalars(select(Alert.buddy_id).where(
        Alert.member_id == member.id, Alert.level == "low", same_episode(alert))))
    following = [b for b in accepted_buddies(member) if b.id not in tried]
    audit.record(session, "alert_escalated", member_id=member.id, buddy_id=alert.buddy_id)
    if not following:
        return None
    buddy = following[0]
    body = render("alert_low_after", buddy=buddy.name, member=member.name, other=could_not) if could_not \
        else render("alert_low", buddy=buddy.name, member=member.name)
    _alert_buddy(session, settings, member, buddy, "low", body,
                 session.get(CheckIn, alert.checkin_id) if alert.checkin_id else None, alert.message_id)
    return buddy


def pass_on(session: Session, settings: Settings, buddy_id: int, now: datetime) -> tuple[str, str | None]:
    """Her buddy says she cannot reach out ("can't call, at work"): her newest open alert goes on at
    once instead of waiting for its escalation. A crisis goes to the on-duty operator (or, with none
    set, waits on the safety queue), a low one to her next buddy. Returns (level, who was asked),
    who being None when nobody else could be."""
    alert = session.scalars(select(Alert).where(Alert.buddy_id == buddy_id, _ackable(now))
                            .order_by(Alert.created_at.desc()).limit(1).with_for_update()).first()
    if alert is None:
        return "", None
    buddy = session.get(Buddy, buddy_id)
    audit.record(session, "alert_declined_by_buddy", member_id=alert.member_id, buddy_id=buddy_id, actor="buddy")
    if alert.level != "crisis":
        following = _low_to_next_buddy(session, settings, alert, could_not=buddy.name if buddy else None)
        if following is None:  # nobody else to ask: a person on the safety queue must see it
            session.add(Alert(member_id=alert.member_id, checkin_id=alert.checkin_id, message_id=alert.message_id,
                              level="low", recipient="none", state="unrouted"))
        return "low", following.name if following else None
    alert.escalated_at = alert.escalated_at or now
    member = session.get(Member, alert.member_id)
    phone = operator_phone(settings)
    operator = Alert(member_id=alert.member_id, checkin_id=alert.checkin_id, message_id=alert.message_id,
                     level="crisis", recipient="operator", state="pending" if phone else "unrouted")
    session.add(operator)
    if phone is None or member is None:
        log.error("crisis alert %s: the buddy cannot reach her and no OPERATOR_ALERT_PHONE is set", alert.id)
        return "crisis", None
    outbox.add(session, to=phone, sender=settings.sender, kind="alert", urgent=True, member_id=member.id,
               alert=operator, body=operator_text("alert_crisis_buddy_cannot", member,
                                                  buddy=buddy.name if buddy else "Her buddy"))
    return "crisis", "the on-duty team"


def on_alert_failed(session: Session, settings: Settings, message: Message) -> str:
    """An alert text failed for good: try the buddy's other channel at once (the same number on
    SMS or WhatsApp); when every path failed, tell the on-duty operator. Returns what it did."""
    alert = session.get(Alert, message.alert_id) if message.alert_id else None
    if alert is None or alert.state in ("acknowledged", "failed"):
        return "nothing"
    buddy = session.get(Buddy, message.buddy_id) if message.buddy_id else None
    tried = set(session.scalars(select(Message.to_addr).where(Message.alert_id == alert.id)))
    phone, channel = split_address(message.to_addr)
    other = "whatsapp" if channel == "sms" else "sms"
    can_switch = other == "sms" or bool(settings.twilio_whatsapp_from)
    if buddy is not None and can_switch and address(phone, other) not in tried:
        outbox.add(session, to=address(phone, other), sender=sender_for(settings, other), body=message.body or "",
                   kind="alert", urgent=True, member_id=message.member_id, buddy_id=buddy.id, alert_id=alert.id)
        alert.state = "pending"
        audit.record(session, "alert_channel_fallback", member_id=alert.member_id, buddy_id=buddy.id,
                     channel=other, detail=f"after {message.error_code or 'failure'} on {channel}")
        return f"retry on {other}"
    alert.state = "failed"
    audit.record(session, "alert_undeliverable", member_id=alert.member_id, buddy_id=alert.buddy_id,
                 detail=message.error_code)
    operator = operator_phone(settings)
    if operator is None or alert.recipient == "operator":
        log.error("alert %s could not be delivered on any path and no operator can be texted", alert.id)
        return "failed"
    told = session.scalar(select(Alert.id).where(
        Alert.member_id == alert.member_id, Alert.level == alert.level, Alert.id != alert.id,
        Alert.state == "failed", same_episode(alert)).limit(1))
    if told is not None:  # another of this reply's alerts failed before and the operator was told then
        return "failed"
    outbox.add(session, to=operator, sender=settings.sender, kind="alert", urgent=True, member_id=alert.member_id,
               body=render("alert_undeliverable", member_id=alert.member_id or 0, level=alert.level))
    return "operator told"
