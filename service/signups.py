"""Storing the JOIN dialogue (service.signup) and enrolling her when it completes."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from service import audit
from service.config import Settings
from service.members import EnrolError, Enrolment, enrol
from service.models import DoNotText, Member, Message, Signup
from service.phones import phone_hash
from service.signup import SignupState, Turn
from service.texts import render


def to_state(row: Signup) -> SignupState:
    return SignupState(step=row.step, name=row.name, time=row.checkin_time, zone=row.timezone,
                       buddy_name=row.buddy_name, buddy_phone=row.buddy_phone, retries=row.retries)


def apply(session: Session, settings: Settings, phone: str, turn: Turn, message: Message, now: datetime) -> str:
    """Save the dialogue's new state (or end it), enrol on completion; returns the reply."""
    row = session.get(Signup, phone)
    if turn.complete and turn.state is not None:
        if row is not None:
            session.delete(row)
        return _complete(session, settings, phone, turn.state, message, now) or render(turn.reply, **turn.values)
    if turn.state is None:
        if row is not None:
            session.delete(row)
        return render(turn.reply, **turn.values)
    if row is None:
        row = Signup(phone=phone, step=turn.state.step)
        session.add(row)
    state = turn.state
    row.step, row.name, row.checkin_time, row.timezone = state.step, state.name, state.time, state.zone
    row.buddy_name, row.buddy_phone, row.retries, row.updated_at = state.buddy_name, state.buddy_phone, state.retries, now
    return render(turn.reply, **turn.values)


def _complete(session: Session, settings: Settings, phone: str, state: SignupState, message: Message,
              now: datetime) -> str | None:
    """Enrol her as active (her YES to the terms is her consent); None when enrolment succeeded.
    A buddy who cannot be invited (a NO before, a bad number) does not stop her own sign-up."""
    record = session.get(DoNotText, phone_hash(phone))
    if record is not None:
        session.delete(record)  # JOIN is a fresh, explicit request to be texted
        session.flush()
    base = Enrolment(state.name or "", phone, state.time or "", state.zone or "", state.buddy_name, state.buddy_phone)
    try:
        member = _enrol_savepoint(session, settings, base, now)
    except EnrolError:
        try:
            member = _enrol_savepoint(session, settings, replace(base, buddy_name=None, buddy_phone=None), now)
        except EnrolError:
            return render("signup_failed")
    member.status, member.consent_at = "active", now
    audit.record(session, "member_consent", member_id=member.id, message_id=message.id, actor="member",
                 detail="signup terms YES")
    message.member_id = member.id
    return None


def _enrol_savepoint(session: Session, settings: Settings, e: Enrolment, now: datetime) -> Member:
    with session.begin_nested():
        return enrol(session, settings, e, actor="signup", now=now, welcome=False)
