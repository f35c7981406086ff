"""Planning and sending check-ins, following up the ones she did not answer, and finding the
one a reply answers.

Planning is set-based so that 10,000 members due in the same minute take well under two
seconds: one read of the active members, due times computed once per distinct schedule,
one INSERT … ON CONFLICT DO NOTHING for the check-ins (the unique (member, due time) makes
two planners at once harmless) and one INSERT for their messages.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from service import audit, outbox
from service.config import Settings
from service.delivery import FAILED
from service.members import is_do_not_text, member_by_phone, sender_for
from service.models import CheckIn, Member, Message, utcnow
from service.phones import address
from service.quiet import buddy_zone, member_plan
from service.schedule import (
    Load, Plan, ScheduleError, checkin_verdict, parse_quiet, peak_load, plan_latest, plan_next, quiet_until,
)
from service.texts import day_turn, render

log = logging.getLogger(__name__)

OPEN_STATES = ("planned", "sent")
OPEN_FOR = timedelta(hours=20)
NUDGE_STANDS_FOR = timedelta(hours=18)  # a nudge stands in for a check-in due this soon after it
LOOKBACK = timedelta(days=1)  # a stale check-in older than this is not even recorded as skipped

_PLAN_COLUMNS = (Member.id, Member.name, Member.phone, Member.channel, Member.timezone, Member.checkin_time,
                 Member.checkin_days, Member.checkin_every, Member.checkin_anchor, Member.quiet_hours,
                 Member.consent_at, Member.paused_until, Member.nudged_at)


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
    outbox.add(session, to=address(member.phone, member.channel), sender=sender_for(settings, member.channel),
               body=render("checkin", variant=day_turn(member.consent_at, due), name=member.name), kind="checkin",
               member_id=member.id,
               checkin_id=checkin.id, validity_seconds=settings.checkin_validity_seconds)
    return checkin


class _Plans:
    """Plans from member rows, computed once per distinct schedule (10,000 moms share few)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._plans: dict[tuple[Any, ...], Plan | None] = {}

    def get(self, row: Any) -> Plan | None:
        key = (row.checkin_time, row.checkin_days, row.checkin_every, row.checkin_anchor, row.timezone,
               row.quiet_hours)
        if key not in self._plans:
            try:
                self._plans[key] = member_plan(self._settings, row)
            except ScheduleError:
                log.error("member %s has an unusable schedule %s", row.id, key)
                self._plans[key] = None
        return self._plans[key]


def plan_due(session: Session, settings: Settings, now: datetime) -> int:
    """Write every scheduled check-in that is due and not yet written; record as skipped those that
    can no longer go out (past the catch-up limit, or slid into quiet hours). Safe to run twice."""
    window = timedelta(minutes=settings.catch_up_minutes)
    end_pauses(session, now)
    rows = session.execute(select(*_PLAN_COLUMNS).where(Member.status == "active")).all()
    existing: set[tuple[int, datetime]] = set()
    had: dict[int, list[datetime]] = {}  # scheduled check-ins that went out (or will), by member
    for member_id, due_at, state, manual in session.execute(
            select(CheckIn.member_id, CheckIn.due_at, CheckIn.state, CheckIn.manual).where(
                CheckIn.due_at >= now - LOOKBACK - timedelta(days=1))):
        existing.add((member_id, due_at))
        if state != "skipped" and not manual:
            had.setdefault(member_id, []).append(due_at)
    plans, latest = _Plans(settings), dict[Plan, tuple[datetime | None, str]]()
    fresh: list[tuple[Any, datetime]] = []
    skipped: list[dict[str, Any]] = []
    for row in rows:
        plan = plans.get(row)
        if plan is None:
            continue
        if plan not in latest:
            due = plan_latest(plan, now)
            latest[plan] = (due, checkin_verdict(due, now, plan, window) if due else "none")
        due, verdict = latest[plan]
        if due is None or now - due > LOOKBACK or (row.id, due) in existing:
            continue
        if row.consent_at is not None and due < row.consent_at:
            continue  # scheduled before she said YES: her first one is the next
        if row.paused_until is not None and due < row.paused_until:
            continue  # due while she was paused: not sent late once the pause ends
        if row.id in had and any(_same_day(d, due, plan) for d in had[row.id]):
            continue  # she moved her TIME after today's went out: one a day, the new time from tomorrow
        if row.nudged_at is not None and timedelta(0) <= due - row.nudged_at < NUDGE_STANDS_FOR:
            # "thinking of you today, no need to reply" went hours ago: that is today's touch, not
            # a nudge and a check-in back to back.
            skipped.append({"member_id": row.id, "due_at": due, "state": "skipped", "skip_reason": "nudged"})
        elif verdict == "send":
            fresh.append((row, due))
        else:
            skipped.append({"member_id": row.id, "due_at": due, "state": "skipped", "skip_reason": verdict})
    if skipped:
        done = len(_insert_checkins(session, skipped))
        nudged = sum(1 for v in skipped if v["skip_reason"] == "nudged")
        if done > nudged:
            log.warning("skipped %s check-ins that could not go out in time (service down, outage or quiet hours)",
                        done - nudged)
    return _write_many(session, settings, fresh)


def end_pauses(session: Session, now: datetime) -> int:
    """"PAUSE 3" ends on its own: from the local midnight she was told ("paused until Saturday") her
    check-ins come again. `paused_until` stays, so one due during the pause is never sent late."""
    ended = session.scalars(select(Member).where(Member.status == "paused", Member.paused_until <= now)).all()
    for member in ended:
        member.status = "active"
        audit.record(session, "member_resumed", member_id=member.id, actor="system", detail="her pause ended")
    if ended:
        log.info("%s pause(s) ended", len(ended))
    return len(ended)


def _same_day(one: datetime, other: datetime, plan: Plan) -> bool:
    return one.astimezone(plan.zone).date() == other.astimezone(plan.zone).date()


def _insert_checkins(session: Session, values: list[dict[str, Any]]) -> dict[int, int]:
    """INSERT … ON CONFLICT DO NOTHING; member id → new check-in id, for the rows this call wrote."""
    rows = [{"manual": False, "followup_asked": False, "skip_reason": None, "created_at": utcnow(), **v} for v in values]
    return dict(_bulk_insert(session, CheckIn.__table__, rows, ("member_id", "id"), on_conflict_do_nothing=True))


def _write_many(session: Session, settings: Settings, fresh: list[tuple[Any, datetime]]) -> int:
    written = _insert_checkins(session, [{"member_id": r.id, "due_at": due, "state": "planned"} for r, due in fresh])
    stamp = utcnow()
    messages = [{
        "direction": "out", "status": "pending", "to_addr": address(r.phone, r.channel),
        "from_addr": sender_for(settings, r.channel), "body": render("checkin", variant=day_turn(r.consent_at, due),
                                                                     name=r.name), "kind": "checkin",
        "urgent": False, "attempts": 0, "member_id": r.id, "checkin_id": written[r.id],
        "validity_seconds": settings.checkin_validity_seconds, "created_at": stamp, "updated_at": stamp,
    } for r, due in fresh if r.id in written]
    ids = [row[0] for row in _bulk_insert(session, Message.__table__, messages, ("id",))]
    session.info.setdefault("outbox", []).extend((i, False) for i in ids)
    return len(ids)


def _bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]], returning: tuple[str, ...], *,
                 on_conflict_do_nothing: bool = False) -> list[Any]:
    """Many rows in one statement. PostgreSQL gets one INSERT … SELECT FROM unnest(arrays): a single
    round trip whatever the count (executemany took seconds for 10,000); SQLite gets executemany."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        statement = sqlite.insert(table)
        if on_conflict_do_nothing:
            statement = statement.on_conflict_do_nothing()
        return list(session.connection().execute(statement.returning(*(table.c[c] for c in returning)), rows))
    columns = list(rows[0])
    dialect = postgresql.dialect()
    arrays = ", ".join(f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect)}[])" for c in columns)
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
           f"{' ON CONFLICT DO NOTHING' if on_conflict_do_nothing else ''} RETURNING {', '.join(returning)}")
    return list(session.execute(text(sql), {c: [r[c] for r in rows] for c in columns}))


def upcoming_load(session: Session, settings: Settings, now: datetime, hours: int = 24) -> Load:
    """The busiest catch-up window in the next `hours`, against what TWILIO_MPS can send in it."""
    rows = session.execute(select(*_PLAN_COLUMNS).where(Member.status == "active")).all()
    plans, dues = _Plans(settings), []
    cache: dict[Plan, list[datetime]] = {}
    for row in rows:
        plan = plans.get(row)
        if plan is None:
            continue
        if plan not in cache:
            cache[plan] = _dues_between(plan, now, now + timedelta(hours=hours))
        dues.extend(cache[plan])
    return peak_load(dues, settings.twilio_mps, timedelta(minutes=settings.catch_up_minutes))


def _dues_between(plan: Plan, start: datetime, end: datetime) -> list[datetime]:
    found, at = [], start
    while (due := plan_next(plan, at)) is not None and due <= end:
        found.append(due)
        at = due
    return found


def send_now(session: Session, settings: Settings, phone: str, *, force: bool, now: datetime,
             actor: str) -> CheckIn:
    try:
        member = member_by_phone(session, phone)
    except ValueError as exc:
        raise SendRefused(str(exc)) from None
    if member.status == "opted_out" or is_do_not_text(session, member.phone):
        raise SendRefused(f"{member.name} opted out; she will not be texted")
    if member.status == "pending":
        raise SendRefused(f"{member.name} has not replied YES yet")
    if member.status == "paused" and not force:
        raise SendRefused(f"{member.name} is paused: resume her first (or, from the CLI, send-now --force)")
    checkin = _write(session, settings, member, now.replace(microsecond=0), manual=True)
    if checkin is None:
        raise SendRefused("a check-in was just sent; try again in a second")
    audit.record(session, "checkin_manual", member_id=member.id, actor=actor)
    return checkin


# Built once: every reply from a member runs it (SQLAlchemy then skips building it and its cache key).
_OPEN_CHECKIN = (select(CheckIn).where(CheckIn.member_id == bindparam("member_id"), CheckIn.state.in_(OPEN_STATES),
                                       CheckIn.due_at >= bindparam("since"))
                 .order_by(CheckIn.due_at.desc()).limit(1))


def open_checkin(session: Session, member_id: int, now: datetime) -> CheckIn | None:
    return session.scalar(_OPEN_CHECKIN, {"member_id": member_id, "since": now - OPEN_FOR})


_ANSWERED_SINCE = (select(CheckIn).where(CheckIn.member_id == bindparam("member_id"), CheckIn.state == "answered",
                                         CheckIn.answered_at >= bindparam("since"))
                   .order_by(CheckIn.answered_at.desc()).limit(1))


def answered_since(session: Session, member_id: int, since: datetime) -> CheckIn | None:
    """Her check-in answered most recently, if after `since` (the one a correction puts right)."""
    return session.scalar(_ANSWERED_SINCE, {"member_id": member_id, "since": since})


# ---------------------------------------------------------------- after sending: missed, undelivered, nudges

ACCEPTED = ("sent", "delivered", "read")
RECENT = timedelta(days=8)


def follow_up(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Move check-ins on from what Twilio told us, then act on her silence. Idempotent."""
    counts = {
        "sent": _sync(session, now, ("planned",), ACCEPTED, state="sent"),
        "undelivered": _sync(session, now, ("planned", "sent", "missed"), FAILED, state="undelivered"),
        "canceled": _sync(session, now, ("planned",), ("canceled",), state="skipped", skip_reason="canceled"),
        "missed": _mark_missed(session, now),
        "unreachable": _mark_unreachable(session, settings, now),
        "nudged": _nudge(session, settings, now),
    }
    if any(counts.values()):
        log.info("check-in follow-up: %s", counts)
    return counts


def _sync(session: Session, now: datetime, states: tuple[str, ...], statuses: tuple[str, ...],
          **values: str) -> int:
    messages = select(Message.checkin_id).where(
        Message.kind == "checkin", Message.status.in_(statuses), Message.created_at >= now - RECENT - LOOKBACK)
    return session.execute(update(CheckIn).where(
        CheckIn.state.in_(states), CheckIn.due_at >= now - RECENT, CheckIn.id.in_(messages))
        .values(**values)).rowcount or 0


def _mark_missed(session: Session, now: datetime) -> int:
    """Accepted by Twilio (delivered, or never reported failed) and unanswered by the next one, or past
    OPEN_FOR: missed. (Past OPEN_FOR, so a gentle nudge after the third can go before the next is due.)"""
    later = aliased(CheckIn)
    newer_due = select(later.id).where(
        later.member_id == CheckIn.member_id, later.due_at > CheckIn.due_at, later.due_at <= now).exists()
    closed = CheckIn.due_at <= now - OPEN_FOR  # a reply no longer answers it
    return session.execute(update(CheckIn).where(
        CheckIn.state == "sent", CheckIn.due_at >= now - RECENT, or_(newer_due, closed)).values(state="missed")
    ).rowcount or 0


def _mark_unreachable(session: Session, settings: Settings, now: datetime) -> int:
    """Every check-in for UNREACHABLE_AFTER_DAYS failed to arrive: a channel problem, not her silence."""
    since = now - timedelta(days=settings.unreachable_after_days)
    reached = ("sent", "missed", "answered")
    for member in session.scalars(select(Member).where(Member.unreachable_at.is_not(None))):
        if session.scalar(select(CheckIn.id).where(CheckIn.member_id == member.id, CheckIn.state.in_(("missed", "answered")),
                                                   CheckIn.due_at >= member.unreachable_at).limit(1)):
            member.unreachable_at = None
            audit.record(session, "member_reachable", member_id=member.id)
    candidates = session.scalars(select(Member).where(Member.unreachable_at.is_(None), Member.id.in_(
        select(CheckIn.member_id).where(CheckIn.state == "undelivered", CheckIn.due_at <= since,
                                        CheckIn.due_at >= since - RECENT)))).all()
    marked = 0
    for member in candidates:
        last_ok = session.scalar(select(func.max(CheckIn.due_at)).where(
            CheckIn.member_id == member.id, CheckIn.state.in_(reached)))
        first_bad = session.scalar(select(func.min(CheckIn.due_at)).where(
            CheckIn.member_id == member.id, CheckIn.state == "undelivered",
            CheckIn.due_at > last_ok if last_ok is not None else CheckIn.id.is_not(None)))
        if first_bad is not None and first_bad <= since:
            member.unreachable_at = now
            audit.record(session, "member_unreachable", member_id=member.id,
                         detail=f"no check-in delivered since {first_bad:%Y-%m-%d}")
            log.warning("member %s unreachable: no check-in delivered since %s", member.id, first_bad.date())
            marked += 1
    return marked


def _nudge(session: Session, settings: Settings, now: datetime) -> int:
    """After MISSED_NUDGE_AFTER missed in a row since she last texted: one gentle text to her and, if
    she opted in, one to her buddy; then nothing more until she texts again."""
    since_text = func.coalesce(Member.last_inbound_at, Member.consent_at, Member.created_at)
    due = session.scalars(select(Member).join(CheckIn, CheckIn.member_id == Member.id).where(
        Member.status == "active", Member.unreachable_at.is_(None),
        or_(Member.nudged_at.is_(None), Member.nudged_at < Member.last_inbound_at),
        CheckIn.state == "missed", CheckIn.due_at > since_text)
        .group_by(Member.id).having(func.count(CheckIn.id) >= settings.missed_nudge_after)).all()
    for member in due:
        plan = member_plan(settings, member)
        outbox.add(session, to=address(member.phone, member.channel), sender=sender_for(settings, member.channel),
                   body=render("nudge", name=member.name), kind="nudge", member_id=member.id,
                   not_before=quiet_until(now, plan.zone, plan.quiet))
        buddy = next((b for b in member.buddies if b.consent == "accepted"), None)
        if member.nudge_buddy and buddy is not None:
            outbox.add(session, to=address(buddy.phone, buddy.channel), sender=sender_for(settings, buddy.channel),
                       body=render("nudge_buddy", buddy=buddy.name, member=member.name), kind="nudge",
                       member_id=member.id, buddy_id=buddy.id,
                       not_before=quiet_until(now, buddy_zone(buddy, member), parse_quiet(settings.quiet_hours)))
        member.nudged_at = now
        audit.record(session, "member_nudged", member_id=member.id,
                     detail="and buddy" if member.nudge_buddy and buddy is not None else None)
    return len(due)
