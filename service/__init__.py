"""Village: the web process. `create_app()` reads like a table of contents; importing does nothing."""
from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from service.config import ROOT, Settings

log = logging.getLogger(__name__)
csrf = CSRFProtect()


def create_app(settings: Settings | None = None) -> Flask:
    from service import auth, cli, db, logs, status, webhooks
    from service.config import load_dotenv_file, load_settings

    if settings is None:
        load_dotenv_file()
        settings = load_settings()
    logs.configure(settings.log_level, settings.log_format)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=None)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=64 * 1024,  # Twilio bodies are at most 1,600 characters
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
    )
    if settings.trusted_proxy_hops:
        # The client's address and scheme as the proxies in front of us saw them (per-address login limit).
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.session_interface = _NoSessionForTwilio(f"{webhooks.bp.url_prefix}/")
    db.init_app(app)
    csrf.init_app(app)
    csrf.exempt(webhooks.bp)  # Twilio signs instead
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(status.bp)
    if settings.use_simulator:
        _mount_simulator(app, settings)
    cli.init_app(app)
    from service.consent import consent_cli

    app.cli.add_command(consent_cli)
    app.before_request(_request_id)
    app.after_request(_security_headers)
    app.register_error_handler(413, _too_large)
    app.add_url_rule("/", "index", lambda: app.redirect("/status"))
    return app


def _mount_simulator(app: Flask, settings: Settings) -> None:
    # Never mounted with real credentials: resolve() sets use_simulator only
    # when TWILIO_ACCOUNT_SID is unset.
    from service.simulator import Simulator

    simulator = Simulator(settings.simulator_db, account_sid=settings.twilio_account_sid,
                          auth_token=settings.twilio_auth_token, inbound_url=settings.inbound_url,
                          village_number=settings.twilio_from_number,
                          # Real callbacks come well after the API answer; too early and they
                          # would race the worker that records the SID.
                          callback_delay=0.5)
    blueprint = simulator.blueprint(url_prefix="/sim")
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
    app.extensions["village_simulator"] = simulator


class _NoSessionForTwilio(SecureCookieSessionInterface):
    """Twilio's webhooks carry no cookie and need no session: Flask would otherwise build the
    cookie's signing serializer for each of them (two status callbacks per message)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def open_session(self, app: Flask, request: Any) -> Any:
        if request.path.startswith(self.prefix):
            return self.null_session_class()
        return super().open_session(app, request)


def _request_id() -> None:
    from flask import g

    # Twilio sends its own id per request (I-Twilio-Idempotency-Token); either ties log lines together.
    incoming = request.headers.get("X-Request-Id") or request.headers.get("I-Twilio-Idempotency-Token") or ""
    g.request_id = incoming[:64] if incoming.replace("-", "").isalnum() else uuid.uuid4().hex[:16]


def _security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _too_large(_error: Any) -> Response:
    log.warning("rejected %s: body over %s bytes", request.path, 64 * 1024)
    return Response("request body too large\n", status=413, mimetype="text/plain")
