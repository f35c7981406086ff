"""Operator actions shared by the status page and the CLI. Each writes an audit Event; none commits.

Callers commit with `outbox.commit(session, redis)`, so a message an action writes is enqueued only
once the change holds.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import audit, checkins, members, outbox
from service.config import Settings
from service.figures import NOT_RETRYABLE, episode_key, meaning
from service.models import Alert, Buddy, CheckIn, Member, Message
from service.phones import InvalidPhone, address, mask, parse_phone, readable
from service.schedule import ScheduleError, parse_time, parse_zone
from service.texts import render

RETRYABLE = ("failed", "undelivered")
LABELS = {"checkin_time": "time", "checkin_days": "days", "timezone": "zone"}
DAY_WORDS = {"mon": "0", "tue": "1", "wed": "2", "thu": "3", "fri": "4", "sat": "5", "sun": "6"}


class AdminError(ValueError):
    """The action was refused; the message says why in words an operator can act on."""


def find_member(session: Session, phone: str) -> Member:
    try:
        return members.member_by_phone(session, phone)
    except ValueError as exc:
        raise AdminError(str(exc)) from None


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise AdminError(f"member {member_id} does not exist (removed?)")
    return member


def retry_message(session: Session, message_id: int, *, actor: str) -> Message:
    """A failed message back to pending; enqueued on commit. The job re-checks consent before sending."""
    message = session.get(Message, message_id)
    if message is None or message.direction != "out":
        raise AdminError(f"message {message_id} does not exist")
    old_code = message.error_code
    if old_code in NOT_RETRYABLE and message.status in RETRYABLE:
        raise AdminError(f"message {message_id} failed with {old_code} ({meaning(old_code)}): a retry cannot help")
    moved = session.execute(update(Message).where(Message.id == message_id, Message.status.in_(RETRYABLE))
                            .values(status="pending", attempts=0, next_attempt_at=None, error_code=None)).rowcount
    if moved != 1:
        raise AdminError(f"message {message_id} is {message.status}, not failed: nothing to retry")
    session.refresh(message)
    if message.alert_id is not None:
        # The alert is open again: her buddy's OK acknowledges it, and it escalates if nobody answers.
        session.execute(update(Alert).where(Alert.id == message.alert_id, Alert.state == "failed")
                        .values(state="pending"))
    session.info.setdefault("outbox", []).append((message.id, message.urgent))  # see outbox.commit
    audit.record(session, "message_retried", member_id=message.member_id, buddy_id=message.buddy_id,
                 message_id=message.id, actor=actor, detail=f"was {old_code or 'unknown'}")
    return message


def parse_days(text: str) -> str:
    """'0123456', 'mon,wed,fri' or 'daily' → the digits string Member.checkin_days keeps."""
    text = (text or "").strip().lower()
    if text in ("daily", "every day", "all"):
        return "0123456"
    if text.isdigit():
        digits = set(text)
    else:
        words = [w.strip()[:3] for w in text.replace(" ", ",").split(",") if w.strip()]
        if not words or any(w not in DAY_WORDS for w in words):
            raise AdminError(f"days must be like 0123456 (Monday=0) or mon,wed,fri, not {text!r}")
        digits = {DAY_WORDS[w] for w in words}
    if not digits or not digits <= set("0123456"):
        raise AdminError(f"days must be digits 0-6 (Monday=0), not {text!r}")
    return "".join(sorted(digits))


def _checked(name: str | None, at: str | None, days: str | None, zone: str | None,
             channel: str | None) -> dict[str, str]:
    changes: dict[str, str] = {}
    if name is not None:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 80:
            raise AdminError("name must be 1 to 80 characters")
        changes["name"] = name
    try:
        if at:
            changes["checkin_time"] = parse_time(at).strftime("%H:%M")
        if days:
            changes["checkin_days"] = parse_days(days)
        if zone:
            parse_zone(zone.strip())
            changes["timezone"] = zone.strip()
    except ScheduleError as exc:
        raise AdminError(str(exc)) from None
    if channel:
        if channel not in ("sms", "whatsapp"):
            raise AdminError(f"channel must be sms or whatsapp, not {channel!r}")
        changes["channel"] = channel
    return changes


def edit(session: Session, member: Member, *, actor: str, name: str | None = None, at: str | None = None,
         days: str | None = None, zone: str | None = None, channel: str | None = None) -> list[str]:
    """Change her name, time, days, zone or channel; returns the fields that changed (audited by name)."""
    changes = _checked(name, at, days, zone, channel)
    fields = [field for field, value in changes.items() if getattr(member, field) != value]
    for field in fields:
        setattr(member, field, changes[field])
    changed = [LABELS.get(field, field) for field in fields]
    if changed:
        audit.record(session, "member_edited", member_id=member.id, actor=actor, detail=", ".join(changed))
    return changed


def reveal_number(session: Session, member: Member, *, actor: str, reason: str) -> str:
    """Her whole number, for an operator who must call her; audited with the reason given."""
    reason = reason.strip()
    if not 3 <= len(reason) <= 200:
        raise AdminError("say in a few words why you need her number (3 to 200 characters)")
    audit.record(session, "number_revealed", member_id=member.id, actor=actor, detail=reason)
    return readable(member.phone)


def pause(session: Session, member: Member, *, actor: str) -> None:
    if member.status != "active":
        raise AdminError(f"{member.name} is {member.status}; only an active member can be paused")
    members.pause(session, member, None, actor=actor)


def resume(session: Session, member: Member, *, actor: str) -> None:
    if member.status != "paused":
        raise AdminError(f"{member.name} is {member.status}, not paused")
    members.resume(session, member, actor=actor)


def remove(session: Session, member: Member, *, actor: str) -> None:
    members.erase(session, member, actor=actor)


def test_checkin(session: Session, settings: Settings, member: Member, *, actor: str, now: datetime) -> CheckIn:
    """The same rules as `checkins send-now` without --force."""
    try:
        return checkins.send_now(session, settings, member.phone, force=False, now=now, actor=actor)
    except checkins.SendRefused as exc:
        raise AdminError(str(exc)) from None


def resend_invitation(session: Session, settings: Settings, buddy_id: int, *, actor: str,
                      now: datetime) -> Buddy:
    buddy = session.get(Buddy, buddy_id)
    if buddy is None:
        raise AdminError(f"buddy {buddy_id} does not exist")
    if buddy.consent != "invited":
        raise AdminError(f"{buddy.name} has {buddy.consent}; only a pending invitation is resent")
    if members.is_do_not_text(session, buddy.phone):
        raise AdminError(f"{buddy.name} asked not to be texted (do-not-text record)")
    member = buddy.member
    refused = members.not_inviting_for(session, member, now)
    if refused is not None:
        raise AdminError(refused)
    # A fresh invitation: its reminder and the "hasn't answered" text to her count from now again.
    buddy.invited_at, buddy.reminded_at, buddy.member_told_at = now, None, None
    outbox.add(session, to=address(buddy.phone, buddy.channel), sender=members.sender_for(settings, buddy.channel),
               body=render("buddy_invite", buddy=buddy.name, member=member.name), kind="invite",
               member_id=member.id, buddy_id=buddy.id)
    audit.record(session, "buddy_reinvited", member_id=member.id, buddy_id=buddy.id, actor=actor,
                 channel=buddy.channel)
    return buddy


def handle_alert(session: Session, alert_id: int, note: str, *, actor: str, now: datetime) -> int:
    """Close a safety episode (every alert of that crisis or low reply) with a short note."""
    note = " ".join((note or "").split())
    if not 3 <= len(note) <= 200:
        raise AdminError("write a short note (3 to 200 characters) saying what was done")
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AdminError(f"alert {alert_id} does not exist")
    siblings = session.scalars(select(Alert).where(Alert.member_id == alert.member_id, Alert.level == alert.level,
                                                   Alert.handled_at.is_(None))).all()
    closed = [a for a in siblings if episode_key(a) == episode_key(alert)]
    if not closed:
        raise AdminError("that alert was already handled")
    for a in closed:
        a.handled_at, a.handled_by, a.handled_note = now, actor[:60], note
    audit.record(session, "alert_handled", member_id=alert.member_id, actor=actor,
                 detail=f"{alert.level} alert {alert.id}: {note}")
    return len(closed)


# ------------------------------------------------------------------ bulk enrolment

COLUMNS = {"name": "name", "phone": "phone", "time": "time", "timezone": "timezone", "time zone": "timezone",
           "zone": "timezone", "buddy name": "buddy_name", "buddy phone": "buddy_phone", "channel": "channel"}
REQUIRED = ("name", "phone", "time")  # the zone defaults from her number when it settles it
BATCH = 200


@dataclass(frozen=True)
class ImportRow:
    line: int
    enrolment: members.Enrolment
    existing_id: int | None = None


@dataclass
class ImportReport:
    good: list[ImportRow]
    bad: list[tuple[int, str]]
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def read_csv(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; the header names the columns in any order."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise AdminError("the file is empty")
    names = [COLUMNS.get(" ".join(h.strip().lower().replace("_", " ").split()), "") for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise AdminError(f"line 1: missing column(s) {', '.join(missing)}; expected name, phone, time, "
                         "time zone, buddy name, buddy phone, channel")
    for values in reader:
        if any(v.strip() for v in values):
            yield reader.line_num, {n: v.strip() for n, v in zip(names, values) if n}


def check_rows(session: Session, rows: Iterable[tuple[int, dict[str, str]]]) -> ImportReport:
    """Validate every row before anything is written; bad rows are reported with their line number."""
    report = ImportReport([], [])
    seen: dict[str, int] = {}
    for line, row in rows:
        e = members.Enrolment(row.get("name", ""), row.get("phone", ""), row.get("time", ""),
                              row.get("timezone", ""), row.get("buddy_name") or None,
                              row.get("buddy_phone") or None, (row.get("channel") or "sms").lower())
        try:
            phone = parse_phone(e.phone)
            if phone in seen:
                raise AdminError(f"{mask(phone)} is already on line {seen[phone]}")
            seen[phone] = line
            existing = session.scalar(select(Member.id).where(Member.phone == phone))
            if existing is None:
                report.good.append(ImportRow(line, members.validate(session, e)))
            else:
                report.good.append(ImportRow(line, _check_update(session, e, phone), existing))
        except (AdminError, members.EnrolError, InvalidPhone) as exc:
            report.bad.append((line, str(exc)))
    return report


def _check_update(session: Session, e: members.Enrolment, phone: str) -> members.Enrolment:
    if members.is_do_not_text(session, phone):
        raise AdminError("that number asked not to be texted (do-not-text record)")
    _checked(e.name, e.time, None, e.timezone, e.channel)
    buddy_phone = None
    if bool(e.buddy_name) != bool(e.buddy_phone):
        raise AdminError("give both buddy name and buddy phone, or neither")
    if e.buddy_phone:
        try:
            buddy_phone = parse_phone(e.buddy_phone)
        except InvalidPhone as exc:
            raise AdminError(f"buddy phone: {exc}") from None
        if buddy_phone == phone:
            raise AdminError("a mom cannot be her own buddy")
        if members.is_do_not_text(session, buddy_phone):
            raise AdminError("the buddy's number asked not to be texted (do-not-text record)")
    return members.Enrolment(e.name, phone, e.time, e.timezone.strip(), e.buddy_name, buddy_phone, e.channel)


def import_batch(session: Session, settings: Settings, rows: list[ImportRow], report: ImportReport, *,
                 actor: str, now: datetime) -> None:
    """Write one batch of checked rows: new moms are enrolled (welcome, then her YES); existing ones edited."""
    for row in rows:
        e = row.enrolment
        if row.existing_id is None:
            members.enrol(session, settings, e, actor=actor, now=now)
            report.created += 1
            continue
        member = get_member(session, row.existing_id)
        changed = edit(session, member, actor=actor, name=e.name, at=e.time, zone=e.timezone, channel=e.channel)
        if e.buddy_name and e.buddy_phone and all(b.phone != e.buddy_phone for b in member.buddies):
            members.invite_buddy(session, settings, member, e.buddy_name, e.buddy_phone, actor=actor, now=now)
            changed.append("buddy")
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1


def batches(rows: list[ImportRow], size: int = BATCH) -> Iterator[list[ImportRow]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
