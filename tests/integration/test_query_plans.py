"""Every hot query has an index that serves it (PostgreSQL's EXPLAIN, with sequential scans priced out,
so that tiny test tables cannot hide a missing index)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, or_, select, text
from sqlalchemy.dialects import postgresql

from service.models import Alert, Buddy, CheckIn, DoNotText, Member, Message, Signup

NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)
PHONE = "+12025550143"

HOT = {
    "member by phone (every inbound)": select(Member.id).where(Member.phone == PHONE),
    "buddy roles by phone (every inbound)": select(Buddy.id).where(Buddy.phone == PHONE),
    "duplicate webhook by MessageSid": select(Message.id).where(Message.provider_sid == "SMx"),
    "status callback by SID": select(Message.id).where(Message.provider_sid == "SMx", Message.direction == "out"),
    "queued statuses, many SIDs at once": select(Message.id).where(
        Message.provider_sid.in_([f"SM{i}" for i in range(500)]), Message.direction == "out"),
    "her open check-in": select(CheckIn.id).where(CheckIn.member_id == 1, CheckIn.state.in_(("planned", "sent")),
                                                  CheckIn.due_at >= NOW - timedelta(hours=20)),
    "her recent scores (trends)": select(CheckIn.mood_score).where(
        CheckIn.member_id == 1, CheckIn.state == "answered", CheckIn.answered_at >= NOW - timedelta(days=14)),
    "a buddy's open alerts": select(Alert.id).where(Alert.buddy_id == 1, Alert.state.in_(("pending", "sent"))),
    "low-alert cooldown": select(Alert.id).where(Alert.member_id == 1, Alert.level == "low",
                                                 Alert.created_at >= NOW - timedelta(hours=24)),
    "sweeper: pending rows due": select(Message.id).where(Message.status == "pending", or_(
        Message.next_attempt_at <= NOW, Message.next_attempt_at.is_(None))),
    "sweeper: stuck in sending": select(Message.id).where(Message.status == "sending", Message.updated_at < NOW),
    "WhatsApp window: her last message": select(func.max(Message.created_at)).where(
        Message.direction == "in", Message.from_addr == "whatsapp:" + PHONE),
    "stranger reply once a day": select(Message.id).where(Message.kind == "stranger", Message.to_addr == PHONE,
                                                          Message.created_at >= NOW - timedelta(days=1)),
    "do-not-text check (every send)": select(DoNotText.reason).where(DoNotText.phone_hash == "x"),
    "low escalation: when an alert's text went": select(Message.id).where(
        Message.alert_id == 1, Message.status.in_(("sent", "delivered", "read")), Message.updated_at <= NOW),
    "sign-up dialogue by phone": select(Signup.step).where(Signup.phone == PHONE),
    "planner: check-ins already written": select(CheckIn.member_id).where(CheckIn.due_at >= NOW),
    "status page: undelivered check-ins": select(CheckIn.member_id).where(
        CheckIn.due_at >= NOW - timedelta(days=14), CheckIn.state == "undelivered"),
    "status page: failures this week": select(Message.error_code).where(
        Message.status.in_(("failed", "undelivered")), Message.updated_at >= NOW - timedelta(days=7)),
    "status page: moods of replies that answered no check-in": select(Message.mood_level).where(
        Message.kind == "inbound", Message.created_at >= NOW - timedelta(days=1), Message.created_at < NOW,
        Message.direction == "in", Message.checkin_id.is_(None), Message.mood_level.in_(("crisis", "low", "ok"))),
    "status page: crisis texts in 24 h": select(func.count()).select_from(Message).where(
        Message.kind == "inbound", Message.created_at >= NOW - timedelta(hours=24), Message.direction == "in",
        Message.mood_level == "crisis"),
}


@pytest.mark.parametrize("name", list(HOT))
def test_each_hot_query_is_served_by_an_index(name: str, db: Any, settings: Any) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("query plans are checked on PostgreSQL, the production database")
    sql = str(HOT[name].compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with db() as s:
        s.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in s.execute(text("EXPLAIN " + sql)))
    assert "Seq Scan" not in plan, plan
    assert "Index" in plan, plan
