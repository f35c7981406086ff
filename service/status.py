"""The operator status page, its JSON twin, Prometheus metrics and the public health check.

Figures come from the database (service.figures) and from RQ's own API; message bodies never do.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, Response, current_app, get_flashed_messages, jsonify, render_template, request
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job
from rq.registry import DeferredJobRegistry, FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from service import delivery, figures, metrics, pacing
from service.alerts import operator_phone
from service.auth import login_or_token_required, login_required
from service.config import ROOT, Settings
from service.db import get_session
from service.members import is_do_not_text
from service.models import Member, Message
from service.phones import mask
from service.queues import QUEUES, redis_from_url
from service.status_actions import bp as actions_bp

log = logging.getLogger(__name__)
bp = Blueprint("status", __name__, static_folder=str(ROOT / "static"), static_url_path="/static")
bp.register_blueprint(actions_bp)  # the page's POST actions: /status/...

WORKER_STALE = 90   # seconds: two heartbeats of an idle worker missed (workers.worker.WORKER_TTL)
CLOCK_LATE = 10     # the clock ticks every second
TAKEN_STUCK = 60    # seconds a job may sit taken but not started (a worker starts one in milliseconds)
CLOCK_STOPPED = 60
LAST_TICK_KEY = "village:clock:last-tick"  # written by workers.clock (service never imports workers)


def _light(name: str, level: str, value: str, reason: str = "") -> dict[str, str]:
    return {"name": name, "level": level, "value": value, "reason": reason}


def queue_figures(connection: Redis, now: datetime) -> dict[str, Any]:
    """Depth, oldest job, failed/scheduled/started/deferred counts and workers, from RQ's API.

    Registries are counted with cleanup=False: RQ's clean-up must not run inside a page view.
    """
    queues: dict[str, dict[str, Any]] = {}
    for name in QUEUES:
        q = Queue(name, connection=connection)
        oldest = None
        ids = q.get_job_ids(0, 0)
        if ids:
            job = Job.fetch(ids[0], connection=connection)
            oldest = job.enqueued_at.replace(tzinfo=timezone.utc) if job.enqueued_at else None
        queues[name] = {
            "depth": q.count, "oldest": figures.ago(oldest, now) if oldest else "-",
            "oldest_seconds": int((now - oldest).total_seconds()) if oldest else 0,
            "failed": FailedJobRegistry(queue=q).get_job_count(cleanup=False),
            "scheduled": ScheduledJobRegistry(queue=q).get_job_count(cleanup=False),
            "started": StartedJobRegistry(queue=q).get_job_count(cleanup=False),
            "deferred": DeferredJobRegistry(queue=q).get_job_count(cleanup=False),
            **_taken(q, connection, now),
        }
    workers = []
    for w in Worker.all(connection=connection):
        beat = w.last_heartbeat.replace(tzinfo=timezone.utc) if w.last_heartbeat else None
        age = (now - beat).total_seconds() if beat else None
        workers.append({"name": w.name, "queues": ",".join(w.queue_names()), "state": w.get_state(),
                        "job": w.get_current_job_id() or "-", "heartbeat": figures.ago(beat, now),
                        "alive": age is not None and age < WORKER_STALE})
    tick_raw = connection.get(LAST_TICK_KEY)
    tick = datetime.fromisoformat(tick_raw.decode()) if tick_raw else None
    return {"queues": queues, "workers": workers, "clock": tick, "load": pacing.read_load(connection),
            "statuses_waiting": delivery.waiting(connection)}


def health(settings: Settings, db: Session, work: dict[str, Any] | None, redis_error: str | None,
           now: datetime) -> list[dict[str, str]]:
    """Green, amber or red, each with its reason."""
    lights = []
    try:
        started = time.perf_counter()
        db.execute(text("SELECT 1"))
        lights.append(_light("Database", "ok", "ok", f"{(time.perf_counter() - started) * 1000:.1f} ms"))
    except SQLAlchemyError as exc:
        lights.append(_light("Database", "bad", "down", type(exc).__name__))
    if work is None:
        lights.append(_light("Redis", "bad", "down", redis_error or ""))
        # Still listed, red: a rule watching "Workers on urgent" must fire, not find the series gone.
        for name in QUEUES:
            lights.append(_light(f"Workers on {name}", "bad", "unknown", "Redis is down: no job can be taken"))
        lights.append(_light("Scheduler", "bad", "unknown", "Redis is down: nothing is planned or retried"))
    else:
        lights.append(_light("Redis", "ok", "ok"))
        lights.extend(_worker_lights(work))
        tick = work["clock"]
        age = (now - tick).total_seconds() if tick else None
        level = "ok" if age is not None and age < CLOCK_LATE else "warn" if age is not None and age < CLOCK_STOPPED else "bad"
        lights.append(_light("Scheduler", level, figures.ago(tick, now) if tick else "never",
                             "" if level == "ok" else "no tick: check-ins are not planned and retries wait"))
        load = work.get("load")
        if load and load.get("over"):
            # More check-ins fall due in one window than the senders can deliver before catch-up ends.
            lights.append(_light("Schedule load", "warn", f"{load.get('peak')} due / {load.get('capacity')} sendable",
                                 str(load.get("advice", ""))[:200]))
    lights.append(_operator_light(settings, db))
    lights.append(_sends_light(db, now))
    whatsapp = _whatsapp_light(settings, db)
    if whatsapp is not None:
        lights.append(whatsapp)
    if settings.use_simulator:
        lights.append(_light("Texts via", "warn", "simulator", "no real texts leave this server"))
    else:
        lights.append(_light("Texts via", "ok", "Twilio", settings.sender))
    return lights


def _taken(q: Queue, connection: Redis, now: datetime) -> dict[str, Any]:
    """Jobs a worker took off the queue but never started (RQ's intermediate queue): a worker frozen
    or killed between the two shows nowhere else. Their age is since they were enqueued."""
    ids = IntermediateQueue(q.key, connection).get_job_ids()
    enqueued = [j.enqueued_at.replace(tzinfo=timezone.utc) for j in Job.fetch_many(ids[:50], connection=connection)
                if j is not None and j.enqueued_at]
    return {"taken": len(ids), "taken_oldest_seconds": int((now - min(enqueued)).total_seconds()) if enqueued else 0}


# Codes that mean the account or sender is wrong, not the recipient: every send will fail the same way.
ACCOUNT_CODES = frozenset({"20003", "21606", "30002", "30032", "30034", "63007"})
SENDS_WINDOW = timedelta(minutes=15)


def _sends_light(db: Session, now: datetime) -> dict[str, str]:
    """Whether Twilio is taking our texts: from the last 15 minutes' attempts (the inline TwiML
    replies excluded), so a refused account or a dead sender shows here, not only after every
    message has used up its six attempts."""
    name = "Twilio sends (15 min)"
    try:
        rows = db.execute(select(Message.status, Message.error_code, func.count()).where(
            Message.status.in_(("pending", "failed", "undelivered", "sent", "delivered", "read")),
            Message.updated_at >= now - SENDS_WINDOW, Message.kind.not_in(("reply", "stranger")))
            .group_by(Message.status, Message.error_code)).all()
    except SQLAlchemyError:
        return _light(name, "warn", "unknown", "the database is down")
    accepted = sum(n for status, code, n in rows if status in ("sent", "delivered", "read"))
    failing = [(code, n) for status, code, n in rows if code and status in ("pending", "failed", "undelivered")]
    tried = sum(n for _, n in failing)
    worst = max(failing, key=lambda f: f[1])[0] if failing else None
    account = sorted({code for code, _ in failing} & ACCOUNT_CODES)
    if account:
        return _light(name, "bad", f"{tried} failing", f"{account[0]}: {figures.meaning(account[0])}")
    if tried >= 3 and accepted == 0:
        return _light(name, "bad", f"0 accepted, {tried} failing", f"mostly {worst}: {figures.meaning(worst)}")
    if tried and tried > (accepted + tried) * 0.2:
        return _light(name, "warn", f"{accepted} accepted, {tried} failing", f"mostly {worst}: {figures.meaning(worst)}")
    return _light(name, "ok", f"{accepted} accepted" + (f", {tried} failing" if tried else ""))


def _whatsapp_light(settings: Settings, db: Session) -> dict[str, str] | None:
    """WhatsApp members need an approved template for every text sent more than 24 hours after her
    last message (63016): the welcome, most check-ins. Shown only when such members exist."""
    try:
        count = db.scalar(select(func.count()).select_from(Member).where(
            Member.channel == "whatsapp", Member.status.in_(("pending", "active", "paused")))) or 0
    except SQLAlchemyError:
        return None
    if not count:
        return None
    missing = [kind for kind in ("welcome", "checkin") if not settings.whatsapp_template_for(kind)]
    if missing:
        return _light("WhatsApp templates", "bad", f"{count} WhatsApp member(s)",
                      f"no template for {', '.join(missing)}: texts outside her 24-hour window fail (63016); "
                      "set TWILIO_WHATSAPP_TEMPLATES")
    return _light("WhatsApp templates", "ok", f"{count} WhatsApp member(s)")


def _operator_light(settings: Settings, db: Session) -> dict[str, str]:
    """The last person a crisis reaches: set, and not a number that said STOP to us."""
    name = "Operator alert phone"
    phone = operator_phone(settings)
    if phone is None:
        return _light(name, "warn", "unset", "a crisis with no accepted buddy reaches only this page's safety queue")
    try:
        stopped = is_do_not_text(db, phone)
    except SQLAlchemyError:
        return _light(name, "warn", mask(phone), "unknown: the database is down")
    if stopped:
        return _light(name, "bad", mask(phone), "it texted STOP: no alert can reach it until it texts START")
    return _light(name, "ok", mask(phone))


def _worker_lights(work: dict[str, Any]) -> list[dict[str, str]]:
    lights = []
    for name, q in work["queues"].items():
        if q.get("taken_oldest_seconds", 0) > TAKEN_STUCK:
            lights.append(_light(f"Jobs taken on {name}", "bad", str(q["taken"]),
                                 f"taken by a worker but not started, oldest enqueued {q['taken_oldest_seconds']} s ago: "
                                 "a frozen or killed worker (the sweeper sends their messages again)"))
        live = [w for w in work["workers"] if w["alive"] and name in w["queues"].split(",")]
        if live:
            lights.append(_light(f"Workers on {name}", "ok", str(len(live))))
        elif q["depth"]:
            # After a Redis restart workers vanish from Worker.all() but may still run: the queue says.
            lights.append(_light(f"Workers on {name}", "bad", "0", f"{q['depth']} jobs waiting, oldest {q['oldest']}"))
        else:
            lights.append(_light(f"Workers on {name}", "warn", "0", "no worker has registered with Redis"))
    return lights


def collect(settings: Settings, db: Session, now: datetime) -> dict[str, Any]:
    work, redis_error = None, None
    try:
        work = queue_figures(redis_from_url(settings.redis_url), now)
    except RedisError as exc:
        redis_error = f"{type(exc).__name__}: {exc}"[:200]
    return {
        "now": now, "health": health(settings, db, work, redis_error, now),
        "work": work or {"queues": {}, "workers": [], "clock": None},
        "members": figures.members_by_status(db), "daily": figures.daily(db, now, cache=not settings.testing),
        "safety": figures.safety(db, now), "buddies_waiting": figures.buddies_waiting(db, now),
        "failing_members": figures.failing_members(db, now), "failures": figures.failures(db, now),
        "outbox": figures.outbox(db, now),
    }


@bp.get("/status")
@login_required
def page() -> Any:
    started = time.perf_counter()
    settings: Settings = current_app.config["SETTINGS"]
    db = get_session()
    now = datetime.now(timezone.utc)
    f = collect(settings, db, now)
    try:
        page_no = int(request.args.get("page", "1"))
    except ValueError:
        page_no = 1
    listing = figures.members_page(db, now, request.args.get("q", ""), page_no)
    trail = figures.audit_trail(db, now)
    html = render_template("status/page.html", f=f, members=listing, trail=trail,
                           notice=" ".join(get_flashed_messages(category_filter=["notice"])),
                           error=" ".join(get_flashed_messages(category_filter=["error"])),
                           escalation_minutes=settings.crisis_escalation_minutes,
                           render_ms=round((time.perf_counter() - started) * 1000, 1))
    return Response(html, headers={"Cache-Control": "no-store"})


@bp.get("/status.json")
@login_or_token_required
def as_json() -> Any:
    settings: Settings = current_app.config["SETTINGS"]
    now = datetime.now(timezone.utc)
    f = collect(settings, get_session(), now)
    return jsonify(metrics.to_jsonable(f))


@bp.get("/metrics")
@login_or_token_required
def prometheus() -> Any:
    settings: Settings = current_app.config["SETTINGS"]
    now = datetime.now(timezone.utc)
    db = get_session()
    f = collect(settings, db, now)
    f["events"] = figures.event_totals(db)  # counters: /metrics only, not the page
    body, content_type = metrics.exposition(f)
    return Response(body, content_type=content_type)


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

