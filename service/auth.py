"""Operators: hashed passwords, a CSRF-protected login with lockout, revocable sessions with an
absolute lifetime, and login_required."""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from flask import Blueprint, Response, current_app, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from service.config import Settings
from service.db import get_session
from service.models import Operator
from service.queues import redis_from_url

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

# Wrong passwords for one account from one client address hold that account back *there* for
# LOCKOUT; the operator at her own desk can still log in, so whoever knows her email cannot lock her
# out during a crisis. Guessing spread over many addresses locks the account everywhere, but only
# after ACCOUNT_MAX_FAILURES (with scrypt and 10-character passwords, far too few to find one).
MAX_FAILURES = 5
ACCOUNT_MAX_FAILURES = 50
LOCKOUT = timedelta(minutes=15)

# A session is Flask's signed cookie: it names the operator, her session_version at login and the
# login time. It ends when she logs out (anywhere: logout bumps session_version), is disabled, has her
# password reset, or SESSION_LIFETIME after the login, however active she has been since.
SESSION_LIFETIME = timedelta(hours=12)


class OperatorError(ValueError):
    pass


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _password_hash(password: str) -> str:
    if len(password) < 10:
        raise OperatorError("password must be at least 10 characters")
    return generate_password_hash(password, method="scrypt")


def create_operator(db: Session, email: str, password: str) -> Operator:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise OperatorError(f"{email!r} is not an email address")
    password_hash = _password_hash(password)
    if db.scalar(select(Operator.id).where(Operator.email == email)) is not None:
        raise OperatorError(f"operator {email} already exists")
    operator = Operator(email=email, password_hash=password_hash, session_version=0)
    db.add(operator)
    return operator


def find_operator(db: Session, email: str) -> Operator:
    operator = db.scalar(select(Operator).where(Operator.email == email.strip().lower()))
    if operator is None:
        raise OperatorError(f"no operator {email.strip().lower()}")
    return operator


def end_sessions(db: Session, operator: Operator) -> None:
    """End every session of hers, on every device: each carries the version it was issued under."""
    db.execute(update(Operator).where(Operator.id == operator.id)
               .values(session_version=Operator.session_version + 1))
    db.refresh(operator)


def set_disabled(db: Session, operator: Operator, disabled: bool, now: datetime) -> bool:
    """Disable (refusing her logins and ending her sessions) or enable her; False if she already was."""
    if (operator.disabled_at is not None) == disabled:
        return False
    operator.disabled_at = now if disabled else None
    if disabled:
        end_sessions(db, operator)
    return True


def reset_password(db: Session, operator: Operator, password: str) -> None:
    """A new password; her sessions end and the account's lockout is lifted."""
    operator.password_hash = _password_hash(password)
    operator.failed_logins, operator.locked_until = 0, None
    end_sessions(db, operator)


class AccountDisabled(Exception):
    """The right password for a disabled account: say so, rather than 'try again in a few minutes'."""


def check_login(db: Session, email: str, password: str, now: datetime) -> Operator | None:
    """The operator, or None; repeated failures lock the account for a while. AccountDisabled for the
    right password of a disabled account (only then, so it tells a guesser nothing)."""
    operator = db.scalar(select(Operator).where(Operator.email == email.strip().lower()))
    if operator is None:
        return None
    if operator.disabled_at is not None:
        if check_password_hash(operator.password_hash, password):
            raise AccountDisabled()
        return None
    if operator.locked_until and operator.locked_until > now:
        return None
    if check_password_hash(operator.password_hash, password):
        operator.failed_logins, operator.locked_until = 0, None
        operator.last_login_at = now
        return operator
    operator.failed_logins += 1
    if operator.failed_logins >= ACCOUNT_MAX_FAILURES:
        operator.locked_until, operator.failed_logins = now + LOCKOUT, 0
        log.warning("operator %s locked out after %s failed logins", operator.id, ACCOUNT_MAX_FAILURES)
    return None


def _failure_keys(address: str, email: str) -> tuple[str, str]:
    """Redis keys counting failures from `address`, and for `email` from `address`. Hashed: the
    status page's Redis need not hold operators' IP addresses or emails."""
    def key(*parts: str) -> str:
        return "village:login-failures:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]
    return key(address), key(address, email.strip().lower())


def _failures(settings: Settings, address: str, email: str) -> tuple[int, int]:
    try:
        counts = redis_from_url(settings.redis_url).mget(_failure_keys(address, email))
    except RedisError as exc:
        log.warning("login limits per address unavailable: %s", exc)
        return 0, 0
    return int(counts[0] or 0), int(counts[1] or 0)


def address_blocked(settings: Settings, address: str) -> bool:
    """Whether this client address has used up its failed logins for now, whatever account it
    names. Redis trouble lets the attempt through: the account-wide lockout still holds."""
    limit = settings.login_failures_per_address
    return bool(limit) and _failures(settings, address, "")[0] >= limit


def held_here(settings: Settings, address: str, email: str) -> bool:
    """Whether this account has had MAX_FAILURES wrong passwords from this address lately."""
    return _failures(settings, address, email)[1] >= MAX_FAILURES


def count_failure(settings: Settings, address: str, email: str) -> None:
    """One more failed login from `address` (naming `email`); each count lapses LOCKOUT after its
    first failure."""
    try:
        pipe = redis_from_url(settings.redis_url).pipeline()
        for key in _failure_keys(address, email):
            pipe.set(key, 0, ex=int(LOCKOUT.total_seconds()), nx=True)  # the window opens; INCR keeps its TTL
            pipe.incr(key)
        pipe.execute()
    except RedisError as exc:
        log.warning("login limits per address unavailable: %s", exc)


def session_fields(operator_id: int, session_version: int, now: datetime) -> dict[str, Any]:
    """What a successful login puts in the session cookie."""
    return {"operator_id": operator_id, "session_version": session_version, "login_at": int(now.timestamp())}


def _session_operator() -> Operator | None:
    """The operator whose live session this request carries, or None: no session, or one that has
    ended (logged out anywhere, disabled, password reset, older than SESSION_LIFETIME). An ended
    session's cookie is cleared."""
    operator = None
    operator_id, version, login_at = (session.get(k) for k in ("operator_id", "session_version", "login_at"))
    if operator_id is not None:
        now = datetime.now(timezone.utc).timestamp()
        if (isinstance(version, int) and isinstance(login_at, int)
                and now - SESSION_LIFETIME.total_seconds() <= login_at):
            operator = get_session().get(Operator, operator_id)
            if operator is not None and (operator.disabled_at is not None or operator.session_version != version):
                operator = None
        if operator is None:
            session.clear()
    return operator


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if _session_operator() is None:
            if request.method == "GET":
                return redirect(url_for("auth.login", next=request.path))
            return Response("login required\n", status=401, mimetype="text/plain")
        return view(*args, **kwargs)
    return wrapped


def _token_ok() -> bool:
    token = current_app.config["SETTINGS"].status_api_token
    given = request.headers.get("Authorization", "")
    return bool(token) and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())


def login_or_token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """For machines: the operator's session, or `Authorization: Bearer STATUS_API_TOKEN`."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not _token_ok() and _session_operator() is None:
            return Response("login or API token required\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="village"'})
        return view(*args, **kwargs)
    return wrapped


def current_actor() -> str:
    """'operator:<email>' for the audit trail."""
    operator = _session_operator()
    return f"operator:{operator.email}"[:60] if operator else "operator:?"


WRONG = "Wrong email or password, or too many attempts: try again in a few minutes."
DISABLED = "This account is disabled. Ask another operator to enable it (flask --app service operators enable)."


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        settings = current_app.config["SETTINGS"]
        address = request.remote_addr or "-"
        if address_blocked(settings, address):
            log.warning("login refused: too many failed attempts from one address")
            error = "Too many attempts from here: try again in a few minutes."
            return (render_template("auth/login.html", form=form, error=error), 429,
                    {"Retry-After": str(int(LOCKOUT.total_seconds()))})
        email = form.email.data or ""
        if held_here(settings, address, email):
            log.warning("login refused: too many failed attempts for one account from one address")
            return render_template("auth/login.html", form=form, error=WRONG), 401
        db = get_session()
        now = datetime.now(timezone.utc)
        try:
            operator = check_login(db, email, form.password.data or "", now)
        except AccountDisabled:
            db.rollback()
            return render_template("auth/login.html", form=form, error=DISABLED), 403
        db.commit()
        if operator is not None:
            session.clear()
            session.update(session_fields(operator.id, operator.session_version, now))
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("status.page"))
        count_failure(settings, address, email)
        error = WRONG
    status = 401 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Ends every session of hers, this one and any copy of its cookie, on every device."""
    operator = _session_operator()
    if operator is not None:
        db = get_session()
        end_sessions(db, operator)
        db.commit()
    session.clear()
    return redirect(url_for("auth.login"))
