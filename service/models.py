"""SQLAlchemy 2 models. The database is the source of truth; nothing here commits."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (Index("ix_members_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    timezone: Mapped[str] = mapped_column(String(64))
    checkin_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", local to `timezone`
    checkin_days: Mapped[str] = mapped_column(String(7), default="0123456")  # Monday=0
    checkin_every: Mapped[int] = mapped_column(Integer, default=1)  # every N days
    checkin_anchor: Mapped[date | None] = mapped_column(Date)  # a local day she is texted (every > 1)
    quiet_hours: Mapped[str | None] = mapped_column(String(11))  # "21:30-08:00", "off"; None: QUIET_HOURS
    nudge_buddy: Mapped[bool] = mapped_column(Boolean, default=False)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # pending (welcome sent, waiting for YES) / active / paused / opted_out
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    share_words: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Her last reply that read as a crisis: what she texts in the day after is answered in its light.
    last_crisis_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Conversation state (issue 4): STOP BUDDY, and a DELETE awaiting her YES.
    buddy_alerts_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    delete_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    buddies: Mapped[list[Buddy]] = relationship(
        back_populates="member", order_by="Buddy.position", cascade="all, delete-orphan"
    )


class Buddy(Base):
    __tablename__ = "buddies"
    __table_args__ = (UniqueConstraint("member_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # invited / accepted / declined / stopped
    consent: Mapped[str] = mapped_column(String(10), default="invited")
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: from the number, else hers
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    member_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship(back_populates="buddies")


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("member_id", "due_at"),
        Index("ix_checkins_due_at", "due_at"),
        Index("ix_checkins_due_state", "due_at", "state", "mood_level"),
        Index("ix_checkins_member_answered", "member_id", "answered_at"),
        Index("ix_checkins_state_due", "state", "due_at", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # planned / sent / answered / missed (delivered, unanswered) / undelivered (channel problem) / skipped
    state: Mapped[str] = mapped_column(String(11), default="planned", index=True)
    skip_reason: Mapped[str | None] = mapped_column(String(20))  # late / quiet / canceled
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    followup_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    mood_level: Mapped[str | None] = mapped_column(String(10))
    mood_score: Mapped[float | None] = mapped_column(Float)
    mood_reason: Mapped[str | None] = mapped_column(String(120))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_status_next", "status", "next_attempt_at"),
        Index("ix_messages_created", "created_at"),
        Index("ix_messages_kind_created_status", "kind", "created_at", "status"),
        Index("ix_messages_status_updated", "status", "updated_at", "created_at", "kind", "member_id", "error_code"),
        Index("ix_messages_from_direction", "from_addr", "direction", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # in / out
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    buddy_id: Mapped[int | None] = mapped_column(ForeignKey("buddies.id", ondelete="SET NULL"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    # Indexed: the low-alert escalation asks when an alert's text went, and a failure which paths were tried.
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), index=True)
    to_addr: Mapped[str] = mapped_column(String(40))
    from_addr: Mapped[str] = mapped_column(String(40))
    body: Mapped[str | None] = mapped_column(Text)
    # checkin / alert / reply / invite / welcome / system / inbound
    kind: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # out: pending → sending → sent → delivered | failed | undelivered | canceled; in: received
    status: Mapped[str] = mapped_column(String(12), default="pending")
    provider_sid: Mapped[str | None] = mapped_column(String(40), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    validity_seconds: Mapped[int | None] = mapped_column(Integer)
    mood_level: Mapped[str | None] = mapped_column(String(10))
    mood_score: Mapped[float | None] = mapped_column(Float)
    mood_reason: Mapped[str | None] = mapped_column(String(120))
    # WhatsApp: an approved template for business-initiated messages outside the 24-hour window.
    content_sid: Mapped[str | None] = mapped_column(String(40))
    content_variables: Mapped[str | None] = mapped_column(Text)
    profile_name: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    # Lets an alert and its text be written in one flush (the alert's id is not needed first).
    alert: Mapped[Alert | None] = relationship()


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_created", "created_at"), Index("ix_alerts_buddy_state", "buddy_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    buddy_id: Mapped[int | None] = mapped_column(ForeignKey("buddies.id", ondelete="SET NULL"))
    # The inbound reply that raised it: alerts from one reply are one episode even when it answered
    # no check-in (her buddies, the next buddy, the operator). A plain id: her erasure deletes both.
    message_id: Mapped[int | None] = mapped_column()
    recipient: Mapped[str] = mapped_column(String(10), default="buddy")  # buddy / operator
    level: Mapped[str] = mapped_column(String(10))  # low / crisis / missed
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Texted to the on-duty operator because no buddy acknowledged in time (the claim: set once).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An operator closed it from the status page; the note says what was done, never her words.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(60))
    handled_note: Mapped[str | None] = mapped_column(String(200))


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Each login's session carries the version it was issued under; bumping it (logout, disable,
    # reset-password) ends every session of hers at once, on every device.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # set: no login, no session
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Event(Base):
    """Audit trail and consent ledger: state changes, never message bodies."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_kind_created", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    buddy_id: Mapped[int | None] = mapped_column(ForeignKey("buddies.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(60), default="system")
    channel: Mapped[str | None] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(String(200))


class Signup(Base):
    """A stranger's JOIN dialogue, stored so that a restart mid-dialogue loses nothing."""

    __tablename__ = "signups"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    step: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(80))
    checkin_time: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str | None] = mapped_column(String(64))
    buddy_name: Mapped[str | None] = mapped_column(String(80))
    buddy_phone: Mapped[str | None] = mapped_column(String(20))
    retries: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DoNotText(Base):
    """Hashed numbers that must never be texted again; outlives member deletion."""

    __tablename__ = "do_not_text"

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
