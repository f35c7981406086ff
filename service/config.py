"""Typed settings, read once from the environment.

This is the only module that reads environment variables. A bad value stops
start-up with one clear line instead of surfacing later as a strange failure.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

import click

from service.crisis import parse_overrides

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"

# Fixed development credentials shared with the built-in simulator. They are
# useless against the real Twilio API, which is the point.
DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_AUTH_TOKEN = "village-simulator-token"
DEV_FROM_NUMBER = "+15005550006"
DEV_SECRET_KEY = "dev-only-secret-key-change-me"


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(click.ClickException, ValueError):
    """A setting is missing or malformed; the message names the variable and fits on one line.

    Also a click.ClickException, so that when `create_app()` fails under the `flask` CLI the CLI prints
    `Error: <message>` and exits 1 instead of a page of traceback. `str()` is the message alone.
    """


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{VAR_DIR / 'village.db'}"
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: str = DEV_SECRET_KEY
    public_base_url: str = "http://127.0.0.1:5000"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_whatsapp_from: str = ""
    twilio_api_base_url: str = ""
    twilio_http_timeout: float = 10.0
    # Read once for the twilio client (requests would re-read the environment on every call).
    https_proxy: str = ""
    requests_ca_bundle: str = ""
    simulator_db: str = str(VAR_DIR / "simulator.db")
    operator_alert_phone: str = ""
    help_contact: str = "ask whoever signed you up"  # set a contact a person answers
    crisis_lines: str = ""  # JSON: {"US": ["call or text 988", "911"], ...}, merged over service/crisis.py
    checkin_validity_seconds: int = 7200
    send_max_attempts: int = 6
    catch_up_minutes: int = 120
    low_alert_cooldown_hours: int = 24
    low_escalation_minutes: int = 60
    ack_notify_member: bool = True
    crisis_escalation_minutes: int = 15
    status_api_token: str = ""
    twilio_mps: float = 0.0  # messages per second for the whole deployment; 0 = unlimited
    quiet_hours: str = "21:30-08:00"  # recipients' default quiet hours, local; "off" for none
    missed_nudge_after: int = 3
    unreachable_after_days: int = 5
    # Reliability (issue 7): how long before the sweeper treats a row as lost or stuck, retry pacing,
    # where signed inbound requests wait while the database is down, the WhatsApp fallback template.
    outbox_lost_after_seconds: float = 60.0
    sending_stuck_seconds: float = 180.0
    retry_first_delay_seconds: float = 2.0
    retry_max_delay_seconds: float = 300.0
    spool_dir: str = str(VAR_DIR / "spool")
    twilio_whatsapp_template_sid: str = ""
    # Per kind of message, e.g. "checkin=HX…,alert=HX…,invite=HX…"; a kind not listed uses the one above.
    twilio_whatsapp_templates: str = ""
    log_level: str = "INFO"
    # Operators' login: failed attempts one client address may make per 15 minutes (0 = no limit), and
    # how many proxies in front of the web process set X-Forwarded-For (0 = trust none of it).
    login_failures_per_address: int = 20
    trusted_proxy_hops: int = 0
    log_format: str = "text"  # text / json
    retention_days: int = 90
    testing: bool = False
    # Filled in by resolve(): whether the built-in simulator stands in for Twilio.
    use_simulator: bool = field(default=False)

    @property
    def inbound_url(self) -> str:
        return self.public_base_url + "/twilio/inbound"

    @property
    def status_callback_url(self) -> str:
        return self.public_base_url + "/twilio/status"

    def whatsapp_templates(self) -> dict[str, str]:
        """TWILIO_WHATSAPP_TEMPLATES as {kind: content SID}; ValueError when malformed."""
        pairs = [p.strip() for p in self.twilio_whatsapp_templates.split(",") if p.strip()]
        table = {}
        for pair in pairs:
            kind, _, sid = pair.partition("=")
            if not kind.strip() or not sid.strip().startswith("HX"):
                raise ValueError(f"{pair!r} is not kind=HX… (an approved Content template SID)")
            table[kind.strip()] = sid.strip()
        return table

    def whatsapp_template_for(self, kind: str) -> str | None:
        return self.whatsapp_templates().get(kind) or self.twilio_whatsapp_template_sid or None

    @property
    def sender(self) -> str:
        return self.twilio_from_number or self.twilio_messaging_service_sid

    def resolve(self) -> "Settings":
        """Apply the simulator defaults and check every value, loudly."""
        s = replace(self, public_base_url=self.public_base_url.rstrip("/"), log_level=self.log_level.upper())
        if not s.twilio_account_sid:
            s = replace(
                s,
                use_simulator=True,
                twilio_account_sid=DEV_ACCOUNT_SID,
                twilio_auth_token=s.twilio_auth_token or DEV_AUTH_TOKEN,
                twilio_from_number=s.twilio_from_number or DEV_FROM_NUMBER,
                twilio_api_base_url=s.twilio_api_base_url or s.public_base_url + "/sim",
            )
        _check(s)
        return s


def _check(s: Settings) -> None:
    _check_urls(s)
    if s.log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={s.log_level!r} is not one of {', '.join(LOG_LEVELS)}")
    if not s.twilio_account_sid.startswith("AC"):
        raise ConfigError("TWILIO_ACCOUNT_SID must start with AC")
    if not s.twilio_auth_token:
        raise ConfigError("TWILIO_AUTH_TOKEN is required when TWILIO_ACCOUNT_SID is set")
    if not (s.twilio_from_number or s.twilio_messaging_service_sid):
        raise ConfigError("set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
    if s.use_simulator and s.public_base_url.startswith("https://") and not s.testing:
        # A public deployment that forgot its Twilio credentials would mount the simulator, whose
        # pages show every text and let anyone post one, where the internet can reach them.
        raise ConfigError("TWILIO_ACCOUNT_SID is unset but PUBLIC_BASE_URL is https: set the Twilio credentials "
                          "(the built-in simulator is for http://127.0.0.1 only)")
    if not s.use_simulator and s.secret_key == DEV_SECRET_KEY:
        raise ConfigError("SECRET_KEY must be set to a long random value with real Twilio credentials")
    if not s.public_base_url.startswith(("http://", "https://")):
        raise ConfigError("PUBLIC_BASE_URL must start with http:// or https://")
    if s.twilio_http_timeout <= 0 or s.send_max_attempts < 1:
        raise ConfigError("TWILIO_HTTP_TIMEOUT and SEND_MAX_ATTEMPTS must be positive")
    try:
        parse_overrides(s.crisis_lines)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        message = str(exc)
        raise ConfigError(message if message.startswith("CRISIS_LINES") else f"CRISIS_LINES: {message}") from None
    try:
        s.whatsapp_templates()
    except ValueError as exc:
        raise ConfigError(f"TWILIO_WHATSAPP_TEMPLATES: {exc}") from None
    if s.login_failures_per_address < 0 or not 0 <= s.trusted_proxy_hops <= 5:
        raise ConfigError("LOGIN_FAILURES_PER_ADDRESS must be >= 0 and TRUSTED_PROXY_HOPS between 0 and 5")
    if s.log_format not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT={s.log_format!r} must be text or json")
    if s.retention_days < 1:
        raise ConfigError("RETENTION_DAYS must be at least 1")
    if min(s.outbox_lost_after_seconds, s.sending_stuck_seconds, s.retry_first_delay_seconds) <= 0:
        raise ConfigError("OUTBOX_LOST_AFTER_SECONDS, SENDING_STUCK_SECONDS and RETRY_FIRST_DELAY_SECONDS must be positive")
    if s.sending_stuck_seconds <= s.twilio_http_timeout:
        raise ConfigError("SENDING_STUCK_SECONDS must be longer than TWILIO_HTTP_TIMEOUT")
    if not 1 <= s.checkin_validity_seconds <= 36000:
        raise ConfigError("CHECKIN_VALIDITY_SECONDS must be between 1 and 36000 (Twilio's limit)")
    if s.crisis_escalation_minutes < 1 or s.low_escalation_minutes < 1:
        raise ConfigError("CRISIS_ESCALATION_MINUTES and LOW_ESCALATION_MINUTES must be at least 1")
    if s.low_alert_cooldown_hours < 0:
        raise ConfigError("LOW_ALERT_COOLDOWN_HOURS must be 0 or more")
    if s.operator_alert_phone:
        # The on-duty operator is the last person a crisis reaches: a number that cannot be texted
        # would route every crisis nowhere, so it stops start-up instead.
        from service.phones import InvalidPhone, parse_phone

        try:
            parse_phone(s.operator_alert_phone)
        except InvalidPhone:
            raise ConfigError("OPERATOR_ALERT_PHONE is not a phone number that can be texted "
                              "(E.164, like +12025550123)") from None
    if s.status_api_token and len(s.status_api_token) < 24:
        raise ConfigError("STATUS_API_TOKEN must be at least 24 characters (or unset)")
    if s.twilio_mps < 0 or s.missed_nudge_after < 1 or s.unreachable_after_days < 1:
        raise ConfigError("TWILIO_MPS must be 0 or more; MISSED_NUDGE_AFTER and UNREACHABLE_AFTER_DAYS at least 1")
    from service.schedule import ScheduleError, parse_quiet

    try:
        parse_quiet(s.quiet_hours)
    except ScheduleError as exc:
        raise ConfigError(f"QUIET_HOURS: {exc}") from None


def _check_urls(s: Settings) -> None:
    """DATABASE_URL and REDIS_URL parse, checked without connecting. The messages never repeat the
    URL: it may hold a password."""
    from redis.connection import parse_url
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(s.database_url).get_dialect()
    except ArgumentError:  # NoSuchModuleError (an unknown dialect) is one too
        raise ConfigError("DATABASE_URL is not a SQLAlchemy URL Village can use "
                          "(like sqlite:///var/village.db or postgresql+psycopg://user:password@host/village)") from None
    try:
        parse_url(s.redis_url)
    except ValueError as exc:
        raise ConfigError(f"REDIS_URL: {exc}") from None


def _convert(name: str, raw: str, kind: Any) -> Any:
    try:
        if kind in (bool, "bool"):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a valid {kind}") from None
    return raw


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from `env` (default: the process environment), then overrides."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in ("use_simulator", "testing"):  # set by code, never by the environment
            continue
        raw = env.get(f.name.upper())
        if raw is not None and raw != "":
            values[f.name] = _convert(f.name.upper(), raw.strip(), f.type)
    values.update(overrides)
    return Settings(**values).resolve()


def load_dotenv_file(path: Path | None = None) -> None:
    """Development convenience: .env fills in what the environment lacks."""
    from dotenv import load_dotenv

    load_dotenv(path or ROOT / ".env", override=False)
