"""The status page's actions: POST only, login and CSRF token required, each one audited.

Every action is a function of service.admin (the CLI calls the same ones); this module only turns
form fields into arguments and the outcome into a redirect with a flashed notice.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

from flask import Blueprint, current_app, flash, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service import admin, csrf, outbox
from service.auth import current_actor, login_required
from service.config import Settings
from service.db import get_session
from service.queues import redis_from_url

log = logging.getLogger(__name__)
bp = Blueprint("actions", __name__, url_prefix="/status")

IMPORT_MAX_BYTES = 5 * 1024 * 1024  # ~50,000 rows; the app's default limit is 64 KiB


def _back(anchor: str, *, notice: str = "", error: str = "") -> Response:
    """Back to the page, the outcome carried in the signed session (a flash), never in the URL.

    A notice in the query string could be written by anyone into a link ("?notice=all alerts sent")
    and shown on the operator's own page as if Village had said it.
    """
    args = {k: v for k, v in (("q", request.form.get("q", "")), ("page", request.form.get("page", ""))) if v}
    if notice:
        flash(notice[:200], "notice")
    if error:
        flash(error[:800], "error")  # the session is a cookie: keep it well under 4 KB
    return redirect(url_for("status.page", **args) + f"#{anchor}", code=303)


def _run(anchor: str, action: Callable[[Session, Settings, str, datetime], str]) -> Response:
    """Run an action in the request's session; commit and enqueue on success, roll back on refusal."""
    db = get_session()
    settings: Settings = current_app.config["SETTINGS"]
    try:
        notice = action(db, settings, current_actor(), datetime.now(timezone.utc))
    except admin.AdminError as exc:
        db.rollback()
        return _back(anchor, error=str(exc))
    outbox.commit(db, redis_from_url(settings.redis_url))
    return _back(anchor, notice=notice)


@bp.post("/messages/<int:message_id>/retry")
@login_required
def retry(message_id: int) -> Response:
    def act(db: Session, s: Settings, actor: str, now: datetime) -> str:
        admin.retry_message(db, message_id, actor=actor)
        return f"message {message_id} queued again"
    return _run("failures", act)


@bp.post("/members/<int:member_id>/pause")
@login_required
def pause(member_id: int) -> Response:
    def act(db: Session, s: Settings, actor: str, now: datetime) -> str:
        member = admin.get_member(db, member_id)
        admin.pause(db, member, actor=actor)
        return f"{member.name} paused"
    return _run("members", act)


@bp.post("/members/<int:member_id>/number")
@login_required
def reveal_number(member_id: int) -> Response:
    """Her whole number, shown once in the notice (never in the URL), audited with the reason."""
    def act(db: Session, s: Settings, actor: str, now: datetime) -> str:
        member = admin.get_member(db, member_id)
        number = admin.reveal_number(db, member, actor=actor, reason=request.form.get("reason", ""))
        return f"{member.name} #{member.id}: {number} (this view is in the audit trail)"
    return _run("members", act)


@bp.post("/members/<int:member_id>/resume")
@login_required
def resume(member_id: int) -> Response:
    def act(db: Session, s: Settings, actor: str, now: datetime) -> str:
        member = admin.get_member(db, member_id)
        admin.resume(db, member, actor=actor)
        return f"{member.name} resumed"
    return _run("members", act)


@bp.post("/members/<int:member_id>/edit")
@login_required
def edit(member_id: int) -> Response:
    def act(db: Session, s: Settings, actor: str, now: datetime) -> str:
        member = admin.get_member(db, member_id)
        f = request.form
        changed = admin.edit(db, member, actor=actor, name=f.get("name"), at=f.get("time"), days=f.get("days"),
                             zone=f.get("zone"), channel=f.get("channel"))
        return f"{member.name}: {', '.join(changed)} changed" if changed else "nothing changed"
    return _run("members", act)


@bp.post("/members/<int:member_id>/remove")
@login_required
def remove(member_id: int) -> Response:
    def act(db: Session, s: Settings, actor: str, now: datetime) -> str:
        if request.form.get("confirm") != "yes":
            raise admin.AdminError("tick the box to confirm: removing erases her messages for good")
        admin.remove(db, admin.get_member(db, member_id), actor=actor)
        return f"member {member_id} removed; her number is on the do-not-text record"
    return _run("members", act)


@bp.post("/members/<int:member_id>/test-checkin")
@login_required
def test_checkin(member_id: int) -> Response:
    def act(db: Session, s: Settings, actor: str, now: datetime) -> str:
        member = admin.get_member(db, member_id)
        checkin = admin.test_checkin(db, s, member, actor=actor, now=now)
        return f"check-in {checkin.id} queued for {member.name}"
    return _run("members", act)


@bp.post("/buddies/<int:buddy_id>/reinvite")
@login_required
def reinvite(buddy_id: int) -> Response:
    def act(db: Session, s: Settings, actor: str, now: datetime) -> str:
        buddy = admin.resend_invitation(db, s, buddy_id, actor=actor, now=now)
        return f"invitation to {buddy.name} queued again"
    return _run("waiting", act)


@bp.post("/alerts/<int:alert_id>/handle")
@login_required
def handle(alert_id: int) -> Response:
    return _run("safety", lambda db, s, actor, now: (
        f"{admin.handle_alert(db, alert_id, request.form.get('note', ''), actor=actor, now=now)} alert(s) handled"))


@bp.post("/import")
@csrf.exempt  # checked below, once the larger size limit applies
@login_required
def bulk_import() -> Response:
    request.max_content_length = IMPORT_MAX_BYTES
    csrf.protect()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _back("import", error="choose a CSV file to upload")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return _back("import", error="the file is not UTF-8 text (save it as CSV UTF-8)")
    db = get_session()
    settings: Settings = current_app.config["SETTINGS"]
    actor, now = current_actor(), datetime.now(timezone.utc)
    try:
        report = admin.check_rows(db, admin.read_csv(text))
    except admin.AdminError as exc:
        return _back("import", error=str(exc))
    for batch in admin.batches(report.good):
        admin.import_batch(db, settings, batch, report, actor=actor, now=now)
        outbox.commit(db, redis_from_url(settings.redis_url))
    bad = "; ".join(f"line {line}: {reason}" for line, reason in report.bad[:10])
    more = f" (and {len(report.bad) - 10} more)" if len(report.bad) > 10 else ""
    summary = f"{report.created} enrolled, {report.updated} updated, {report.unchanged} unchanged"
    return _back("import", notice=summary, error=f"{len(report.bad)} bad row(s): {bad}{more}" if bad else "")
