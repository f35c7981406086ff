"""The status page's figures, read from the database: counts, timers and masked numbers, never bodies.

Every query here is bounded (a date range on an index, a LIMIT, or both) so the page stays fast with
10,000 members and a million messages; bench/status_page.py measures it.
"""
from __future__ import annotations

import re
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from service.delivery import FAILED
from service.models import Alert, Buddy, CheckIn, Event, Member, Message
from service.phones import mask

DAYS = 14
SENT_STATES = ("sent", "answered", "missed", "undelivered")
PAGE_SIZE = 25
MOODS = ("crisis", "low", "ok")

# What Twilio's error codes mean to an operator (twilio.com/docs/api/errors).
ERROR_CODES = {
    "20003": "Twilio refused our credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (every send fails)",
    "20500": "an error inside Twilio (retried)",
    "21606": "our sending number cannot send this (check TWILIO_FROM_NUMBER / the messaging service)",
    "21617": "the text is too long for Twilio",
    "21619": "the text was empty",
    "30032": "our toll-free number is not verified yet (every send from it fails)",
    "63007": "no WhatsApp sender for our number (check TWILIO_WHATSAPP_FROM)",
    "20429": "too many requests at once: Twilio's rate limit (retried with backoff; set TWILIO_MPS to the account's pace)",
    "21211": "invalid 'To' number",
    "21408": "sending to this region is not enabled",
    "21610": "she replied STOP to the carrier (unsubscribed)",
    "21612": "the number cannot receive this channel",
    "21611": "the sender's queue at Twilio is full (retried with backoff)",
    "21614": "not a mobile number",
    "21635": "not a valid mobile number",
    "30001": "queue overflow at Twilio",
    "30002": "Twilio account suspended",
    "30003": "unreachable handset (off or out of coverage)",
    "30004": "message blocked by the recipient or carrier",
    "30005": "unknown handset (number may no longer exist)",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier as spam",
    "30008": "unknown error from the carrier",
    "30034": "sender not registered for A2P 10DLC",
    "63003": "WhatsApp could not find that number",
    "63016": "outside WhatsApp's 24-hour window (needs a template)",
    "timeout": "Twilio did not answer in time",
    "network": "could not reach Twilio",
}


# Failures a retry cannot mend: she said STOP, or the number cannot take texts at all.
NOT_RETRYABLE = frozenset({"21610", "21211", "21614", "21635", "30006"})


def meaning(code: str | None) -> str:
    return ERROR_CODES.get(code or "", "see twilio.com/docs/api/errors" if code and code.isdigit() else "unknown")


def day_of(column: Any, session: Session) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, as text, in this database's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)  # SQLite stores "YYYY-MM-DD HH:MM:SS…" in UTC


def ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    if seconds < 90:
        return f"{max(seconds, 0)} s ago"
    if seconds < 90 * 60:
        return f"{seconds // 60} min ago"
    if seconds < 36 * 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min ago"
    return f"{seconds // 86400} days ago"


def _minutes(values: list[float]) -> float | None:
    return round(statistics.median(values) / 60, 1) if values else None


PAST_DAYS_TTL = 300.0  # seconds: earlier days change slowly (a late reply, a delivery receipt)
_past: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}
_past_lock = threading.Lock()


def daily(db: Session, now: datetime, *, cache: bool = True) -> dict[str, Any]:
    """Today (live) and the 13 days before it (cached for PAST_DAYS_TTL), oldest first, plus 14-day totals.

    Counting two weeks of a busy service's rows costs more than the page's whole budget, and those days
    barely move: they are read once every few minutes per process, today on every view.
    """
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    key = (str(db.get_bind().url), today.strftime("%Y-%m-%d"))
    with _past_lock:
        hit = _past.get(key)
    if not cache or hit is None or time.monotonic() - hit[0] > PAST_DAYS_TTL:
        hit = (time.monotonic(), _days(db, today - timedelta(days=DAYS - 1), today))
        with _past_lock:
            _past.clear()
            _past[key] = hit
    days = [dict(d) for d in hit[1]] + _days(db, today, today + timedelta(days=1))
    totals = {k: sum(r[k] for r in days) for k in days[0] if k not in ("day", "reply_rate", "median_ack_min")}
    totals["reply_rate"] = round(100 * totals["answered"] / totals["sent"]) if totals["sent"] else None
    return {"days": days, "today": days[-1], "totals": totals, "crisis_24h": crisis_replies(db, now)}


def crisis_replies(db: Session, now: datetime, hours: int = 24) -> int:
    """Texts read as a crisis in the last `hours`, from anyone, whether or not they answered a check-in
    (the inbound row carries the mood either way). A count: never a body."""
    return db.scalar(select(func.count()).select_from(Message).where(
        Message.kind == "inbound", Message.created_at >= now - timedelta(hours=hours), Message.direction == "in",
        Message.mood_level == "crisis")) or 0


def _days(db: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Figures per UTC day in [start, end)."""
    keys = [(start + timedelta(days=i)).strftime("%Y-%m-%d") for i in range((end - start).days)]
    rows: dict[str, dict[str, Any]] = {k: {"day": k, "planned": 0, "sent": 0, "delivered": 0, "answered": 0,
                                           "skipped": 0, "missed": 0, "crisis": 0, "low": 0, "ok": 0,
                                           "alerts": 0, "acknowledged": 0, "escalated": 0, "opt_outs": 0,
                                           "new_members": 0, "ack_seconds": []} for k in keys}
    day = day_of(CheckIn.due_at, db)
    for d, state, mood, n in db.execute(select(day, CheckIn.state, CheckIn.mood_level, func.count())
                                        .where(CheckIn.due_at >= start, CheckIn.due_at < end).group_by(day, CheckIn.state,
                                                                                 CheckIn.mood_level)):
        if d not in rows:
            continue
        r = rows[d]
        r["planned"] += n
        r["sent"] += n if state in SENT_STATES else 0
        for key in ("answered", "skipped", "missed"):
            r[key] += n if state == key else 0
        if mood in ("crisis", "low", "ok"):
            r[mood] += n
    # Moms text at any time, and every text is screened: a reply that answered no check-in counts by
    # the day it arrived. One that answered a check-in carries its id and is counted above, once.
    # (kind 'inbound' is every inbound row, and reads the (kind, created_at) index.)
    day = day_of(Message.created_at, db)
    for d, mood, n in db.execute(select(day, Message.mood_level, func.count()).where(
            Message.kind == "inbound", Message.created_at >= start, Message.created_at < end,
            Message.direction == "in", Message.checkin_id.is_(None), Message.mood_level.in_(MOODS))
            .group_by(day, Message.mood_level)):
        if d in rows:
            rows[d][mood] += n
    for d, n in db.execute(select(day, func.count()).where(
            Message.kind == "checkin", Message.created_at >= start, Message.created_at < end,
            Message.status == "delivered").group_by(day)):
        if d in rows:
            rows[d]["delivered"] = n
    for created, state, acked, escalated in db.execute(
            select(Alert.created_at, Alert.state, Alert.acknowledged_at, Alert.escalated_at)
            .where(Alert.created_at >= start, Alert.created_at < end)):
        r = rows.get(created.strftime("%Y-%m-%d"))
        if r is None:
            continue
        r["alerts"] += 1
        r["escalated"] += state == "escalated" or escalated is not None
        if acked is not None:
            r["acknowledged"] += 1
            r["ack_seconds"].append((acked - created).total_seconds())
    for column, key, where in ((Event.created_at, "opt_outs", Event.kind.in_(("member_opt_out", "buddy_stop"))),  # moms and buddies
                               (Member.created_at, "new_members", None)):
        day = day_of(column, db)
        query = select(day, func.count()).where(column >= start, column < end).group_by(day)
        for d, n in db.execute(query if where is None else query.where(where)):
            if d in rows:
                rows[d][key] = n
    days = [rows[k] for k in keys]
    for r in days:
        r["reply_rate"] = round(100 * r["answered"] / r["sent"]) if r["sent"] else None
        r["median_ack_min"] = _minutes(r.pop("ack_seconds"))
    return days


def members_by_status(db: Session) -> dict[str, int]:
    counts = dict(db.execute(select(Member.status, func.count()).group_by(Member.status)).all())
    return {k: int(counts.get(k, 0)) for k in ("pending", "active", "paused", "opted_out")}


@dataclass
class Episode:
    """One crisis or low reply and every alert it caused (one per buddy, maybe the operator's)."""

    id: int
    level: str
    member: str
    fired_at: datetime
    alerted: list[str]
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    handled_at: datetime | None = None
    handled_by: str | None = None
    handled_note: str | None = None
    escalated: bool = False

    @property
    def needs_human(self) -> bool:
        return self.acknowledged_at is None and self.handled_at is None

    @property
    def first_touch(self) -> datetime | None:
        touches = [t for t in (self.acknowledged_at, self.handled_at) if t is not None]
        return min(touches) if touches else None


def episode_key(alert: Any) -> tuple[Any, ...]:
    """Alerts raised by one reply: the answer to a check-in, or one reply that answered none (her
    buddies, the next buddy, the operator's text all carry its message id)."""
    if alert.checkin_id is not None:
        return (alert.member_id, alert.level, alert.checkin_id)
    if alert.message_id is not None:
        return (alert.member_id, alert.level, f"m{alert.message_id}")
    return (alert.member_id, alert.level, f"a{alert.id}")


def safety(db: Session, now: datetime) -> dict[str, Any]:
    """Crisis and low alerts of the last 14 days as episodes: open ones first, then the latest closed."""
    since = now - timedelta(days=DAYS)
    # Plain columns, not ORM objects: the page reads thousands of these rows on a busy fortnight.
    alerts = db.execute(select(Alert.id, Alert.member_id, Alert.checkin_id, Alert.message_id, Alert.level, Alert.state,
                               Alert.created_at, Alert.acknowledged_at, Alert.escalated_at, Alert.handled_at,
                               Alert.handled_by, Alert.handled_note, Member.name, Member.phone, Buddy.name,
                               Buddy.phone, Alert.recipient)
                        .join(Member, Member.id == Alert.member_id, isouter=True)
                        .join(Buddy, Buddy.id == Alert.buddy_id, isouter=True)
                        .where(Alert.level.in_(("crisis", "low")), Alert.created_at >= since)
                        .order_by(Alert.id).limit(2000)).all()
    episodes: dict[tuple[Any, ...], Episode] = {}
    masked: dict[str | None, str] = {}  # the same few buddies recur across many alerts
    for alert in alerts:
        member_name, member_phone, buddy_name, buddy_phone = alert[12:16]
        if buddy_name and buddy_phone not in masked:
            masked[buddy_phone] = mask(buddy_phone)
        who = (f"{buddy_name} ({masked[buddy_phone]})" if buddy_name
               else "nobody (no buddy of hers can be alerted)" if alert.recipient == "none" else "on-duty operator")
        key = episode_key(alert)
        ep = episodes.get(key)
        if ep is None:
            ep = episodes[key] = Episode(
                alert.id, alert.level, f"{member_name or 'erased'} #{alert.member_id} ({mask(member_phone)})",
                alert.created_at, [])
        ep.alerted.append(f"{who}: {alert.state}")
        ep.escalated = ep.escalated or alert.state == "escalated" or alert.escalated_at is not None
        if alert.acknowledged_at and (ep.acknowledged_at is None or alert.acknowledged_at < ep.acknowledged_at):
            ep.acknowledged_at, ep.acknowledged_by = alert.acknowledged_at, who
        if alert.handled_at and ep.handled_at is None:
            ep.handled_at, ep.handled_by, ep.handled_note = alert.handled_at, alert.handled_by, alert.handled_note
    all_eps = list(episodes.values())
    touch = [(e.first_touch - e.fired_at).total_seconds() for e in all_eps if e.first_touch]
    open_eps = sorted((e for e in all_eps if e.needs_human), key=lambda e: (e.level != "crisis", e.fired_at))
    closed = sorted((e for e in all_eps if not e.needs_human), key=lambda e: e.fired_at, reverse=True)[:10]
    return {"open": open_eps, "closed": closed, "median_touch_min": _minutes(touch),
            "open_crisis": sum(1 for e in open_eps if e.level == "crisis")}


# What /metrics counts as running totals (village_events_total): rates come from these, where the
# 7-day gauges rise and fall (a retried failure leaves "failures in 7 days").
COUNTED_EVENTS = ("message_failed", "alert_low", "alert_crisis", "alert_crisis_operator", "alert_escalated",
                  "alert_low_unrouted", "crisis_reply", "member_opt_out", "buddy_stop", "member_enrolled")


def event_totals(db: Session) -> dict[str, int]:
    """Running totals of COUNTED_EVENTS (only a member's erasure takes some away: a counter reset)."""
    counts = dict(db.execute(select(Event.kind, func.count()).where(Event.kind.in_(COUNTED_EVENTS))
                             .group_by(Event.kind)).all())
    return {kind: int(counts.get(kind, 0)) for kind in COUNTED_EVENTS}


def buddies_waiting(db: Session, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
    """Invitations nobody answered, except on behalf of a mom who opted out or is deleting her data:
    nothing may be resent for her (service.members.not_inviting_for)."""
    from service.member_commands import DELETE_CONFIRM_WINDOW

    rows = db.execute(select(Buddy.id, Buddy.name, Buddy.phone, Buddy.invited_at, Member.name)
                      .join(Member, Member.id == Buddy.member_id)
                      .where(Buddy.consent == "invited", Member.status != "opted_out",
                             or_(Member.delete_requested_at.is_(None),
                                 Member.delete_requested_at <= now - DELETE_CONFIRM_WINDOW))
                      .order_by(Buddy.invited_at).limit(limit)).all()
    return [{"id": r[0], "name": r[1], "phone": mask(r[2]), "invited": ago(r[3], now), "member": r[4]}
            for r in rows]


def failing_members(db: Session, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
    """Members whose last three check-ins all failed to deliver (check-in state `undelivered`)."""
    since = now - timedelta(days=DAYS)
    candidates = db.scalars(select(CheckIn.member_id).where(CheckIn.due_at >= since, CheckIn.state == "undelivered")
                            .group_by(CheckIn.member_id).having(func.count() >= 3).limit(500)).all()
    if not candidates:
        return []
    ranked = select(CheckIn.id, CheckIn.member_id, CheckIn.state, func.row_number().over(
        partition_by=CheckIn.member_id, order_by=CheckIn.due_at.desc()).label("n")).where(
        CheckIn.member_id.in_(candidates), CheckIn.due_at >= since,
        CheckIn.state.not_in(("planned", "skipped"))).subquery()
    last3 = db.execute(select(ranked.c.id, ranked.c.member_id, ranked.c.state).where(ranked.c.n <= 3)).all()
    by_member: dict[int, list[tuple[int, str]]] = {}
    for checkin_id, member_id, state in last3:
        by_member.setdefault(member_id, []).append((checkin_id, state))
    ids = [m for m, rows in by_member.items() if len(rows) == 3 and all(s == "undelivered" for _, s in rows)][:limit]
    if not ids:
        return []
    people = {r.id: r for r in db.execute(select(Member.id, Member.name, Member.phone).where(Member.id.in_(ids)))}
    codes: dict[int, set[str]] = {}
    shown = [c for i in ids for c, _ in by_member[i]]
    for member_id, code in db.execute(select(Message.member_id, Message.error_code).where(Message.checkin_id.in_(shown))):
        codes.setdefault(member_id, set()).add(code or "unknown")
    return [{"id": i, "name": people[i].name, "phone": mask(people[i].phone),
             "codes": ", ".join(sorted(codes.get(i, {"unknown"})))} for i in ids if i in people]


def failures(db: Session, now: datetime) -> dict[str, Any]:
    since = now - timedelta(days=7)
    recent = and_(Message.status.in_(FAILED), Message.updated_at >= since)
    grouped = db.execute(select(Message.error_code, func.count(), func.max(Message.updated_at))
                         .where(recent).group_by(Message.error_code)
                         .order_by(func.count().desc())).all()
    latest = db.execute(select(Message.id, Message.to_addr, Message.kind, Message.status, Message.error_code,
                               Message.updated_at, Message.attempts)
                        .where(recent).order_by(Message.updated_at.desc()).limit(15)).all()
    return {
        "by_code": [{"code": c or "unknown", "meaning": meaning(c), "count": n, "latest": ago(t, now)}
                    for c, n, t in grouped],
        "latest": [{"id": r.id, "to": mask(r.to_addr), "kind": r.kind, "status": r.status,
                    "code": r.error_code or "unknown", "meaning": meaning(r.error_code), "attempts": r.attempts,
                    "retryable": r.error_code not in NOT_RETRYABLE, "at": ago(r.updated_at, now)} for r in latest],
        "total_7d": sum(n for _, n, _ in grouped),
    }


def outbox(db: Session, now: datetime) -> dict[str, Any]:
    # The rows themselves, found by the status index: min(created_at) would walk the created_at index.
    times = db.scalars(select(Message.created_at).where(Message.status.in_(("pending", "sending"))).limit(5000)).all()
    oldest = min(times) if times else None
    waiting = db.scalar(select(func.count()).select_from(Message).where(Message.status.in_(("pending", "sending"))))
    return {"waiting": waiting or 0, "oldest": ago(oldest, now) if oldest else "-"}


def members_page(db: Session, now: datetime, q: str = "", page: int = 1) -> dict[str, Any]:
    query = select(Member)
    q = q.strip()[:80]
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        conditions = [func.lower(Member.name).contains(q.lower(), autoescape=True)]
        if re.fullmatch(r"#\s*\d{1,9}|\d{1,3}", q):  # "#3": the member number the operator's alert text names
            conditions.append(Member.id == int(digits))
        elif len(digits) >= 4:
            conditions.append(Member.phone.endswith(digits, autoescape=True))
        query = query.where(or_(*conditions))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    members = db.scalars(query.order_by(Member.name, Member.id).offset((page - 1) * PAGE_SIZE)
                         .limit(PAGE_SIZE)).all()
    ids = [m.id for m in members]
    answered = dict(db.execute(select(CheckIn.member_id, func.max(CheckIn.answered_at))
                               .where(CheckIn.member_id.in_(ids)).group_by(CheckIn.member_id)).all()) if ids else {}
    # Twilio said her number cannot take texts (21211, 21614…): shown on her row, not only in the log.
    invalid = dict(db.execute(select(Event.member_id, func.max(Event.detail)).where(
        Event.member_id.in_(ids), Event.kind == "invalid_number", Event.buddy_id.is_(None),
        Event.created_at >= now - timedelta(days=DAYS))
        .group_by(Event.member_id)).all()) if ids else {}
    rows = [{"id": m.id, "name": m.name, "phone": mask(m.phone), "status": m.status,
             "status_text": _status_text(m) + (f"; her number was refused ({invalid[m.id]})" if m.id in invalid else ""),
             "channel": m.channel,
             "time": m.checkin_time, "zone": m.timezone, "days": m.checkin_days, "schedule": schedule_text(m),
             "last_answered": ago(answered.get(m.id), now),
             "buddies": [{"id": b.id, "name": b.name, "consent": b.consent} for b in m.buddies]}
            for m in members]
    return {"rows": rows, "total": total, "page": page, "pages": pages, "q": q}


def _status_text(member: Member) -> str:
    """"paused until Sat 5 Dec" (her local day), so an operator sees when check-ins come back."""
    if member.status != "paused" or member.paused_until is None:
        return member.status
    try:
        day = member.paused_until.astimezone(ZoneInfo(member.timezone))
    except (ValueError, ZoneInfoNotFoundError):
        day = member.paused_until
    return f"paused until {DAY_NAMES[day.weekday()]} {day.day} {day.strftime('%b')}"


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def schedule_text(member: Member) -> str:
    days = member.checkin_days or ""
    when = "every day" if sorted(days) == list("0123456") else " ".join(DAY_NAMES[int(d)] for d in sorted(days))
    return f"{member.checkin_time} {member.timezone}, {when}"


def audit_trail(db: Session, now: datetime, limit: int = 25) -> list[dict[str, Any]]:
    rows = db.execute(select(Event.created_at, Event.kind, Event.actor, Event.member_id, Event.detail)
                      .where(Event.actor.like("operator:%") | Event.actor.in_(("cli", "import")))
                      .order_by(Event.id.desc()).limit(limit)).all()
    return [{"at": r[0].strftime("%Y-%m-%d %H:%M UTC"), "ago": ago(r[0], now), "kind": r[1], "actor": r[2],
             "member": r[3] or "-", "detail": r[4] or ""} for r in rows]
