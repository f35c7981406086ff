"""The operator status page and health check: aggregates and failures, never message bodies."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from service.auth import login_required
from service.db import get_session
from service.models import Alert, CheckIn, Member, Message
from service.phones import mask
from service.queues import QUEUES, redis_from_url

log = logging.getLogger(__name__)
bp = Blueprint("status", __name__)

WORKER_STALE = timedelta(seconds=90)
FAILED = ("failed", "undelivered")


def db_figures(db: Session, now: datetime) -> dict[str, Any]:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    members: dict[str, int] = dict(db.execute(select(Member.status, func.count()).group_by(Member.status)).all())
    checkins = dict(db.execute(select(CheckIn.state, func.count()).where(CheckIn.due_at >= day)
                               .group_by(CheckIn.state)).all())
    alerts = dict(db.execute(select(Alert.level, func.count()).where(Alert.created_at >= day)
                             .group_by(Alert.level)).all())
    open_alerts = db.scalar(select(func.count()).select_from(Alert).where(Alert.state.in_(("pending", "sent", "unrouted"))))
    failures = db.execute(
        select(Message.error_code, func.count()).where(
            Message.direction == "out", Message.status.in_(FAILED), Message.updated_at >= now - timedelta(days=1))
        .group_by(Message.error_code)).all()
    latest = db.execute(
        select(Message.id, Message.to_addr, Message.kind, Message.status, Message.error_code, Message.updated_at)
        .where(Message.direction == "out", Message.status.in_(FAILED))
        .order_by(Message.updated_at.desc()).limit(10)).all()
    pending = db.scalar(select(func.count()).select_from(Message).where(Message.status.in_(("pending", "sending"))))
    sent_states = ("sent", "answered", "missed")
    return {
        "members": {k: members.get(k, 0) for k in ("pending", "active", "paused", "opted_out")},
        "members_total": sum(members.values()),
        "checkins_sent_today": sum(checkins.get(s, 0) for s in sent_states),
        "checkins_answered_today": checkins.get("answered", 0),
        "checkins_planned_today": sum(checkins.values()),
        "alerts_today": {k: alerts.get(k, 0) for k in ("crisis", "low", "missed")},
        "alerts_open": open_alerts or 0,
        "failed_24h": [{"code": code or "unknown", "count": n} for code, n in failures],
        "latest_failures": [
            {"id": r.id, "to": mask(r.to_addr), "kind": r.kind, "status": r.status, "code": r.error_code or "-",
             "at": r.updated_at.strftime("%Y-%m-%d %H:%M UTC")} for r in latest],
        "outbox_pending": pending or 0,
    }


def queue_figures(connection: Redis, now: datetime) -> dict[str, Any]:
    queues = {}
    for name in QUEUES:
        q = Queue(name, connection=connection)
        # cleanup=False: counting must not run RQ's clean-up inside a page view.
        failed = FailedJobRegistry(queue=q).get_job_count(cleanup=False)
        queues[name] = {"depth": q.count, "failed": failed}
    workers = []
    for w in Worker.all(connection=connection):
        beat = w.last_heartbeat
        alive = beat is not None and now - beat.replace(tzinfo=timezone.utc) < WORKER_STALE
        workers.append({"name": w.name, "queues": ",".join(w.queue_names()), "alive": alive,
                        "state": w.get_state()})
    return {"queues": queues, "workers": workers, "workers_alive": sum(1 for w in workers if w["alive"])}


@bp.get("/status")
@login_required
def page() -> Any:
    started = time.perf_counter()
    settings = current_app.config["SETTINGS"]
    now = datetime.now(timezone.utc)
    figures = db_figures(get_session(), now)
    try:
        work = queue_figures(redis_from_url(settings.redis_url), now)
        redis_error = None
    except RedisError as exc:
        work, redis_error = {"queues": {}, "workers": [], "workers_alive": 0}, str(exc)
    mode = "simulator" if settings.use_simulator else "Twilio"
    return render_template("status/page.html", f=figures, w=work, redis_error=redis_error, mode=mode,
                           now=now.strftime("%Y-%m-%d %H:%M UTC"),
                           render_ms=round((time.perf_counter() - started) * 1000, 1))


@bp.get("/healthz")
def healthz() -> Any:
    settings = current_app.config["SETTINGS"]
    checks = {"database": "ok", "redis": "ok"}
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        redis_from_url(settings.redis_url).ping()
    except RedisError as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "error", checks=checks), 200 if healthy else 503
