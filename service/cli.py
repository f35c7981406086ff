"""`flask --app service …` commands: members, check-ins, operators, the demo data and migrations."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from service import admin, audit, outbox
from service.auth import OperatorError, create_operator, find_operator, reset_password, set_disabled
from service.checkins import SendRefused, send_now
from service.config import Settings
from service.db import session_scope
from service.members import EnrolError, Enrolment, enrol
from service.models import Member, Operator
from service.phones import mask
from service.queues import redis_from_url

members_cli = AppGroup("members", help="Enrol and manage moms and their buddies.")
checkins_cli = AppGroup("checkins", help="Send check-ins by hand.")
operators_cli = AppGroup("operators", help="Operator accounts for the status page.")
demo_cli = AppGroup("demo", help="Demo data for trying Village locally.")
db_cli = AppGroup("db", help="Database migrations (Alembic).")

DEMO_EMAIL = "demo@village.local"
DEMO_PASSWORD = "village-demo-password"
DEMO_MOM = Enrolment(name="Amanda", phone="+12025550143", time="20:00", timezone="America/New_York",
                     buddy_name="Sarah", buddy_phone="+12025550178")


def _settings() -> Settings:
    return current_app.config["SETTINGS"]  # type: ignore[no-any-return]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@members_cli.command("add")
@click.option("--name", required=True)
@click.option("--phone", required=True)
@click.option("--time", "at", required=True, help="Local check-in time, e.g. 20:00 or 8pm.")
@click.option("--timezone", "zone", default="", help="IANA zone, e.g. America/New_York (default: from her number, when it settles it).")
@click.option("--buddy-name")
@click.option("--buddy-phone")
@click.option("--channel", type=click.Choice(["sms", "whatsapp"]), default="sms")
def members_add(name: str, phone: str, at: str, zone: str, buddy_name: str | None,
                buddy_phone: str | None, channel: str) -> None:
    """Enrol a mom (she is texted a welcome; check-ins start after her YES) and invite her buddy."""
    settings = _settings()
    with session_scope(settings.database_url) as db:
        try:
            member = enrol(db, settings, Enrolment(name, phone, at, zone, buddy_name, buddy_phone, channel),
                           actor="cli", now=_now())
        except EnrolError as exc:
            raise click.ClickException(str(exc)) from None
        outbox.commit(db, redis_from_url(settings.redis_url))
        click.echo(f"enrolled member {member.id} ({mask(member.phone)}); welcome sent, waiting for her YES")
        if member.channel == "whatsapp" and not settings.whatsapp_template_for("welcome"):
            click.echo("warning: no WhatsApp template is set (TWILIO_WHATSAPP_TEMPLATES): her welcome fails (63016) "
                       "unless she has messaged this number in the last 24 hours", err=True)


@members_cli.command("edit")
@click.option("--phone", required=True, help="Her current phone number.")
@click.option("--name")
@click.option("--time", "at", help="Local check-in time, e.g. 20:00 or 8pm.")
@click.option("--days", help="0123456 (Monday=0), mon,wed,fri or daily.")
@click.option("--timezone", "zone", help="IANA zone, e.g. America/New_York.")
@click.option("--channel", type=click.Choice(["sms", "whatsapp"]))
def members_edit(phone: str, name: str | None, at: str | None, days: str | None, zone: str | None,
                 channel: str | None) -> None:
    """Change a mom's name, check-in time, days, time zone or channel."""
    with session_scope(_settings().database_url) as db:
        try:
            member = admin.find_member(db, phone)
            changed = admin.edit(db, member, actor="cli", name=name, at=at, days=days, zone=zone, channel=channel)
        except admin.AdminError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"member {member.id} ({mask(member.phone)}): "
                   + (f"changed {', '.join(changed)}" if changed else "nothing to change"))


@members_cli.command("remove")
@click.option("--phone", required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def members_remove(phone: str, yes: bool) -> None:
    """Erase a mom, her messages, check-ins, alerts and buddies (as her DELETE does); she is never texted again."""
    with session_scope(_settings().database_url) as db:
        try:
            member = admin.find_member(db, phone)
        except admin.AdminError as exc:
            raise click.ClickException(str(exc)) from None
        if not yes:
            click.confirm(f"Erase member {member.id} ({mask(member.phone)}) and all her messages?", abort=True)
        member_id = member.id
        admin.remove(db, member, actor="cli")
        click.echo(f"member {member_id} removed; her number is on the do-not-text record")


@members_cli.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def members_import(csv_file: click.utils.LazyFile) -> None:
    """Enrol moms from a CSV (name, phone, time, time zone, buddy name, buddy phone, channel).

    Every row is checked before anything is written; existing phones are updated, never duplicated.
    """
    settings, now = _settings(), _now()
    with session_scope(settings.database_url) as db:
        try:
            report = admin.check_rows(db, admin.read_csv(csv_file.read()))
        except admin.AdminError as exc:
            raise click.ClickException(str(exc)) from None
    for line, reason in report.bad:
        click.echo(f"line {line}: {reason}", err=True)
    with click.progressbar(length=len(report.good), label="importing", file=sys.stderr) as bar:
        for batch in admin.batches(report.good):
            with session_scope(settings.database_url) as db:  # one transaction per batch
                admin.import_batch(db, settings, batch, report, actor="import", now=now)
                outbox.commit(db, redis_from_url(settings.redis_url))
            bar.update(len(batch))
    click.echo(f"{report.created} enrolled (welcome sent, waiting for YES), {report.updated} updated, "
               f"{report.unchanged} unchanged, {len(report.bad)} bad row(s)")
    if report.bad:
        raise SystemExit(1)


@checkins_cli.command("send-now")
@click.option("--phone", required=True)
@click.option("--force", is_flag=True, help="Send even when she is paused.")
def checkins_send_now(phone: str, force: bool) -> None:
    """Send a check-in at once (recorded as a real, manual check-in)."""
    settings = _settings()
    with session_scope(settings.database_url) as db:
        try:
            checkin = send_now(db, settings, phone, force=force, now=_now(), actor="cli")
        except SendRefused as exc:
            raise click.ClickException(str(exc)) from None
        outbox.commit(db, redis_from_url(settings.redis_url))
        click.echo(f"check-in {checkin.id} queued")


@operators_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when omitted.")
def operators_create(email: str, password: str) -> None:
    """Create an operator who can log in to /status."""
    with session_scope(_settings().database_url) as db:
        try:
            operator = create_operator(db, email, password)
        except OperatorError as exc:
            raise click.ClickException(str(exc)) from None
        db.flush()
        click.echo(f"operator {operator.id} created: {operator.email}")


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "never"


@operators_cli.command("list")
def operators_list() -> None:
    """Every operator: email, when created, last login, and whether disabled or locked."""
    now = _now()
    with session_scope(_settings().database_url) as db:
        operators = db.scalars(select(Operator).order_by(Operator.email)).all()
        if not operators:
            click.echo("no operators yet: flask --app service operators create --email …")
        for operator in operators:
            state = f"disabled since {_when(operator.disabled_at)}" if operator.disabled_at else "active"
            if operator.locked_until and operator.locked_until > now:
                state += f", locked until {_when(operator.locked_until)}"
            click.echo(f"{operator.email}  created {_when(operator.created_at)}  "
                       f"last login {_when(operator.last_login_at)}  {state}")


@operators_cli.command("disable")
@click.argument("email")
def operators_disable(email: str) -> None:
    """Refuse her logins and end her sessions now (enable undoes it)."""
    _set_disabled(email, True)


@operators_cli.command("enable")
@click.argument("email")
def operators_enable(email: str) -> None:
    """Let a disabled operator log in again."""
    _set_disabled(email, False)


def _set_disabled(email: str, disabled: bool) -> None:
    with session_scope(_settings().database_url) as db:
        try:
            operator = find_operator(db, email)
        except OperatorError as exc:
            raise click.ClickException(str(exc)) from None
        if not set_disabled(db, operator, disabled, _now()):
            click.echo(f"operator {operator.email} is {'already disabled' if disabled else 'not disabled'}")
            return
        audit.record(db, "operator_disabled" if disabled else "operator_enabled", actor="cli", detail=operator.email)
        click.echo(f"operator {operator.email} disabled; her sessions have ended" if disabled
                   else f"operator {operator.email} enabled; she can log in again")


@operators_cli.command("reset-password")
@click.argument("email")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              help="Prompted for when omitted.")
def operators_reset_password(email: str, password: str) -> None:
    """Give her a new password: her sessions end and her account's lockout is lifted."""
    with session_scope(_settings().database_url) as db:
        try:
            reset_password(db, find_operator(db, email), password)
        except OperatorError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(db, "operator_password_reset", actor="cli", detail=email.strip().lower())
        click.echo(f"password reset for {email.strip().lower()}; her sessions have ended")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create the demo operator, mom and buddy once (idempotent), and say where to look."""
    settings = _settings()
    with session_scope(settings.database_url) as db:
        if db.scalar(select(Operator.id).where(Operator.email == DEMO_EMAIL)) is None:
            create_operator(db, DEMO_EMAIL, DEMO_PASSWORD)
        if db.scalar(select(Member.id).where(Member.phone == DEMO_MOM.phone)) is None:
            enrol(db, settings, DEMO_MOM, actor="demo", now=_now())
        outbox.commit(db, redis_from_url(settings.redis_url))
    base = settings.public_base_url
    click.echo(f"Status page:    {base}/status   (log in as {DEMO_EMAIL} / {DEMO_PASSWORD})")
    if settings.use_simulator:
        click.echo(f"Demo phones:    {base}/sim/phone  (Amanda {DEMO_MOM.phone}, Sarah {DEMO_MOM.buddy_phone})")
        click.echo("Try it: reply YES on both phones, then run "
                   f"`flask --app service checkins send-now --phone {DEMO_MOM.phone}` and answer the check-in.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations (the Procfile's release step)."""
    from service.migrate import upgrade

    upgrade(_settings().database_url)
    click.echo("database is at the latest migration")


def init_app(app: Flask) -> None:
    for group in (members_cli, checkins_cli, operators_cli, demo_cli, db_cli):
        app.cli.add_command(group)
