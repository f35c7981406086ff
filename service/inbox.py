"""Inbound texts: store first, then decide (service.conversation) and apply (service.replies)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from service import alerts, outbox, replies, signups
from service.checkins import answered_since, open_checkin
from service.config import Settings
from service.conversation import AFTER_CRISIS, CORRECTION_WINDOW, FOLLOW_ON, BuddyRole, Inbound, MemberState, decide, is_correction
from service.member_commands import DELETE_CONFIRM_WINDOW
from service.models import Buddy, CheckIn, Member, Message, Signup
from service.phones import region, split_address, time_zones
from service.texts import day_turn, render

log = logging.getLogger(__name__)

SIGNUP_EXPIRES = timedelta(hours=24)  # a sign-up left this long is dropped


@dataclass
class Outcome:
    replies: list[str] = field(default_factory=list)
    intent: str = ""


def store(session: Session, *, sid: str, from_addr: str, to_addr: str, body: str,
          profile_name: str | None = None) -> Message | None:
    """Commit the raw reply before anything else; None when this MessageSid was seen before."""
    message = Message(direction="in", status="received", provider_sid=sid, from_addr=from_addr[:40],
                      to_addr=to_addr[:40], body=body, kind="inbound",
                      profile_name=(profile_name or None) and profile_name[:80])
    session.add(message)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return message


# The reads every reply runs, built once (SQLAlchemy then skips building them and their cache keys).
# Her buddies come in the same query: a low or crisis reply needs them, and an extra round trip costs more.
_MEMBER_BY_PHONE = select(Member).options(joinedload(Member.buddies)).where(Member.phone == bindparam("phone"))
_BUDDIES_BY_PHONE = select(Buddy).where(Buddy.phone == bindparam("phone"))
_RECENT_SCORES = (select(CheckIn.mood_score).where(
    CheckIn.member_id == bindparam("member_id"), CheckIn.state == "answered", CheckIn.mood_score.is_not(None),
    CheckIn.answered_at >= bindparam("since")).order_by(CheckIn.answered_at.desc()).limit(30))


def process(session: Session, settings: Settings, connection: Redis | None, message: Message, *,
            opt_out_type: str | None, now: datetime, button: str | None = None) -> Outcome:
    """Decide and apply. `button` is a WhatsApp quick reply's payload, understood like typed text."""
    phone, _channel = split_address(message.from_addr)
    member = session.execute(_MEMBER_BY_PHONE, {"phone": phone}).unique().scalar_one_or_none()
    roles = list(session.scalars(_BUDDIES_BY_PHONE, {"phone": phone}))
    checkin = open_checkin(session, member.id, now) if member else None
    # "sorry, I meant 4": only a text that reads as a correction pays for this query. It puts right the
    # answer she just gave, even when an older check-in (last night's, unanswered) is still open.
    answered = answered_since(session, member.id, now - CORRECTION_WINDOW) \
        if member is not None and is_correction(button or message.body or "") else None
    if answered is not None and checkin is not None and answered.answered_at < checkin.due_at:
        answered = None  # a check-in came after her answer: this is its answer
    pending_signup = session.get(Signup, phone) if member is None else None
    if pending_signup is not None and now - pending_signup.updated_at > SIGNUP_EXPIRES:
        # A text days after she stopped answering is not the answer to an old question.
        session.delete(pending_signup)
        pending_signup = None
    decision = decide(Inbound(
        text=button or message.body or "",
        member=_member_state(session, member, checkin, now, answered, message.id),
        buddy_roles=tuple(_role(session, b, now) for b in roles),
        opt_out_type=opt_out_type,
        signup=signups.to_state(pending_signup) if pending_signup else None,
        phone_zones=time_zones(phone) if member is None else (),
        operator=phone == alerts.operator_phone(settings),
        region=region(phone) or "US",
    ))
    if member is not None:
        message.member_id = member.id
        member.last_inbound_at = now
        if decision.cancel_delete:
            member.delete_requested_at = None
    if decision.mood is not None:
        message.mood_level, message.mood_score = decision.mood.level, decision.mood.score
        message.mood_reason = ",".join(decision.mood.reasons)[:120]
    if decision.corrects:
        checkin = answered  # her correction becomes that check-in's answer
    context = replies.Context(session, settings, decision, member, roles, checkin, message, now, phone)
    reply = replies.apply(context)
    texts = [reply] if reply else []
    if decision.cancel_delete and decision.intent != "delete_cancelled":
        texts.insert(0, render("delete_cancelled"))  # her DELETE was waiting for YES: say it is off
    for text in texts:
        replies.record(session, message, text, decision.intent)
    outbox.commit(session, connection)
    log.info("inbound %s: %s", message.id, decision.intent)  # no number, even masked, beside what she said
    return Outcome(replies=texts, intent=decision.intent)




def _member_state(session: Session, member: Member | None, checkin: CheckIn | None,
                  now: datetime, answered: CheckIn | None = None, message_id: int | None = None) -> MemberState | None:
    if member is None:
        return None
    requested = member.delete_requested_at
    # The text before this one came moments ago, was about her day (not a command), and no check-in
    # waits for an answer: more of the same story.
    texting_now = checkin is None and member.last_inbound_at is not None \
        and now - member.last_inbound_at < FOLLOW_ON and _last_text_had_a_mood(session, member, message_id)
    # Trends only judge an answer to an open check-in: spare the query on every other text.
    recent = session.scalars(_RECENT_SCORES, {"member_id": member.id, "since": now - timedelta(days=14)}
                             ).all() if checkin is not None else []
    return MemberState(id=member.id, name=member.name, status=member.status,
                       has_open_checkin=checkin is not None,
                       followup_asked=bool(checkin and checkin.followup_asked),
                       pending_delete=requested is not None and now - requested < DELETE_CONFIRM_WINDOW,
                       recent_scores=tuple(float(s) for s in recent),
                       recent_crisis=member.last_crisis_at is not None and now - member.last_crisis_at < AFTER_CRISIS,
                       answered_level=(answered.mood_level or "unclear") if answered is not None else None,
                       day=day_turn(member.consent_at, now), texting_now=texting_now,
                       told_more=texting_now and _told_more(session, member, now))


def _last_text_had_a_mood(session: Session, member: Member, message_id: int | None) -> bool:
    level = session.scalar(select(Message.mood_level).where(
        Message.member_id == member.id, Message.direction == "in", Message.id != message_id)
        .order_by(Message.id.desc()).limit(1))
    return level is not None


def _told_more(session: Session, member: Member, now: datetime) -> bool:
    """Whether her story in progress has had its "thank you for telling me more" already."""
    said = session.scalars(select(Message.body).where(
        Message.member_id == member.id, Message.direction == "out", Message.kind == "reply",
        Message.created_at >= now - FOLLOW_ON)).all()
    return render("reply_more", name=member.name) in said


def _role(session: Session, buddy: Buddy, now: datetime) -> BuddyRole:
    alerted_at, crisis = alerts.newest_open_alert(session, buddy.id, now)
    return BuddyRole(id=buddy.id, name=buddy.name, member_name=buddy.member.name, consent=buddy.consent,
                     open_alert=alerted_at is not None, alerted_at=alerted_at, crisis=crisis)
